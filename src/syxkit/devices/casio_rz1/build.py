"""Building RZ-1 bytes: the four requests, the handshake pairs, and whole dump streams from a
RAM image. These are the plain functions the protocol, transfer and emulator layers call; all
header bytes come from :mod:`table`.
"""

from __future__ import annotations

from collections.abc import Iterator

from syxkit.core.codecs import nibbles_hi_first
from syxkit.devices.base import DeviceError
from syxkit.devices.casio_rz1 import table as t


def channel_byte(channel: int) -> int:
    """The ``7n`` byte for MIDI channel 1-16."""
    if not isinstance(channel, int) or not 1 <= channel <= 16:
        raise DeviceError(f"MIDI channel {channel!r} is out of range; expected 1-16")
    return t.CHANNEL_BASE | (channel - 1)


def ram_named(name: str | t.Ram) -> t.Ram:
    if isinstance(name, t.Ram):
        return name
    try:
        return t.RAMS[name]
    except KeyError:
        raise DeviceError(f"unknown RZ-1 memory {name!r}; expected one of "
                          f"{', '.join(t.RAMS)}") from None


def ram_for_image(image: bytes, name: str | t.Ram | None = None) -> t.Ram:
    """The RAM an image is for: named, or told by its size (16,384 or 7,680 bytes)."""
    if name is not None:
        ram = ram_named(name)
        if len(image) != ram.size:
            raise DeviceError(f"a {ram.title} image is {ram.size:,} bytes; this one is "
                              f"{len(image):,}")
        return ram
    for ram in t.RAMS.values():
        if len(image) == ram.size:
            return ram
    sizes = " or ".join(f"{r.size:,} ({r.title})" for r in t.RAMS.values())
    raise DeviceError(f"an RZ-1 RAM image is {sizes} bytes; this one is {len(image):,}")


# --- the four requests and the handshake bytes ---------------------------------------------

def request(ram: str | t.Ram, direction: str = "send", channel: int = 1) -> bytes:
    """``F0 44 01 00 7n cc 00`` with no F7: the RZ-1 protocol keeps the host's SysEx open
    (acknowledgements or data follow inside it)."""
    ram = ram_named(ram)
    if direction not in ("send", "receive"):
        raise DeviceError(f"request direction {direction!r}; expected 'send' or 'receive'")
    code = ram.send if direction == "send" else ram.receive
    return t.HEADER + bytes([channel_byte(channel), code, t.REQUEST_TAIL])


def send_sample_request(channel: int = 1) -> bytes:
    """Ask the RZ-1 to send its sample RAM (``…7n 10 00``)."""
    return request(t.SAMPLE, "send", channel)


def send_rhythm_request(channel: int = 1) -> bytes:
    """Ask the RZ-1 to send its rhythm RAM (``…7n 14 00``)."""
    return request(t.RHYTHM, "send", channel)


def receive_sample_request(channel: int = 1) -> bytes:
    """Tell the RZ-1 that sample data follows (``…7n 20 00``)."""
    return request(t.SAMPLE, "receive", channel)


def receive_rhythm_request(channel: int = 1) -> bytes:
    """Tell the RZ-1 that rhythm data follows (``…7n 24 00``)."""
    return request(t.RHYTHM, "receive", channel)


def reply() -> bytes:
    """The RZ-1's answer to any request: ``F0 44 01 00 70 30`` (always "70")."""
    return t.HEADER + bytes([t.REPLY_CHANNEL_BYTE, t.REPLY])


def ack(channel: int = 1) -> bytes:
    """Host -> RZ-1 ``7n 31``: send the (next) block. Bare data bytes in the open SysEx."""
    return bytes([channel_byte(channel), t.ACK])


def more(channel: int = 1) -> bytes:
    """``7n 32``: a block ended and more follow."""
    return bytes([channel_byte(channel), t.MORE])


END = bytes([t.EOX])


# --- whole streams ---------------------------------------------------------------------------

def blocks(image: bytes) -> Iterator[bytes]:
    """The image as the RZ-1 moves it: blocks of 256 nibbles (128 bytes, high nibble first)."""
    nibbles = nibbles_hi_first(image)
    for start in range(0, len(nibbles), t.BLOCK_NIBBLES):
        yield nibbles[start:start + t.BLOCK_NIBBLES]


def stream(head: bytes, image: bytes, pair: bytes) -> bytes:
    """``head`` + blocks with ``pair`` between them (never after the last) + F7."""
    return head + pair.join(blocks(image)) + END


def loadable(image: bytes, channel: int = 1, ram: str | t.Ram | None = None) -> bytes:
    """The file the RZ-1 accepts (the seed's "edited" dump): receive request, blocks with
    ``7n 32`` at every block boundary, F7. 33,030 bytes for samples, 15,486 for rhythm."""
    ram = ram_for_image(image, ram)
    return stream(request(ram, "receive", channel), image, more(channel))


def capture(image: bytes) -> bytes:
    """The stream exactly as the RZ-1 sends it (reply header, ``70 32`` pairs): what an
    emulator sends and what a monitor records. 33,029 bytes for samples."""
    ram_for_image(image)
    return stream(reply(), image, bytes([t.REPLY_CHANNEL_BYTE, t.MORE]))


def dump_stream(image: bytes, form: str = t.LOADABLE, channel: int = 1,
                ram: str | t.Ram | None = None) -> bytes:
    """A RAM image in either form."""
    if form == t.LOADABLE:
        return loadable(image, channel, ram)
    if form == t.CAPTURE:
        ram_for_image(image, ram)
        return capture(image)
    raise DeviceError(f"unknown RZ-1 dump form {form!r}; expected one of {', '.join(t.FORMS)}")
