"""The Casio RZ-1 formats, declared once: header bytes, commands, RAM kinds and sizes, the
sample RAM layout. Identification, decoding, encoding, the builders and the CLI all read
these tables; nothing else in the package spells out a header byte or a size.

Source: the reverse-engineered implementation in the seed (disassembled firmware), checked
against a real MIDI-monitor capture of a sample dump (``shared/corpus/rz1``).
"""

from __future__ import annotations

from collections import namedtuple

DEVICE_ID = "casio-rz1"
MODEL = "RZ-1"

SOX = 0xF0
EOX = 0xF7
# F0, Casio (44), RZ-1 group (01 00). The byte after it is 7n: n = MIDI channel - 1.
HEADER = bytes([SOX, 0x44, 0x01, 0x00])
CHANNEL_BASE = 0x70

# Commands (the byte after 7n).
SEND_SAMPLE = 0x10  # host -> RZ: send sample RAM to the host
SEND_RHYTHM = 0x14  # host -> RZ: send rhythm RAM to the host
RECEIVE_SAMPLE = 0x20  # host -> RZ: receive sample data (a loadable file starts so)
RECEIVE_RHYTHM = 0x24  # host -> RZ: receive rhythm data
REPLY = 0x30  # RZ -> host: "F0 44 01 00 70 30", the answer to any of the four requests
ACK = 0x31  # host -> RZ, bare "7n 31" inside the host's open SysEx: send (next) block
MORE = 0x32  # RZ -> host, "7n 32" inside the RZ's open SysEx: a block ended, more follow

# Requests carry one more byte, always 00 (reserved by the firmware's parser).
REQUEST_TAIL = 0x00
REQUEST_LEN = len(HEADER) + 3  # F0 44 01 00 7n cc 00
REPLY_LEN = len(HEADER) + 2  # F0 44 01 00 70 30
# The RZ-1's reply says channel 1 ("70") whatever channel it is set to.
REPLY_CHANNEL_BYTE = CHANNEL_BASE

BLOCK_BYTES = 128  # data bytes per handshake block
BLOCK_NIBBLES = 2 * BLOCK_BYTES  # what travels: each byte as 0h 0l, high nibble first


# The table rows below are namedtuples, not dataclasses: they are built when ``syxkit info``
# starts (see syxkit.core.record).


class Ram(namedtuple("Ram", ["name", "send", "receive", "size", "title"])):
    """One of the two memories the RZ-1 dumps."""

    __slots__ = ()  # fields as listed in the comments below

    # name: str  # "sample" | "rhythm"
    # send: int  # request byte asking the RZ-1 to send this RAM
    # receive: int  # request byte announcing that this RAM follows (loadable file)
    # size: int  # data bytes
    # title: str

    @property
    def blocks(self) -> int:
        return self.size // BLOCK_BYTES

    @property
    def nibbles(self) -> int:
        return 2 * self.size

    @property
    def kind(self) -> str:
        return f"{self.name}-dump"

    @property
    def loadable_length(self) -> int:
        """Request header + nibbles + one 7n 32 pair between blocks + F7."""
        return REQUEST_LEN + self.nibbles + 2 * (self.blocks - 1) + 1

    @property
    def capture_length(self) -> int:
        """Reply header + nibbles + pairs + F7, as the RZ-1 sends it."""
        return REPLY_LEN + self.nibbles + 2 * (self.blocks - 1) + 1


SAMPLE = Ram("sample", SEND_SAMPLE, RECEIVE_SAMPLE, 16_384, "sample RAM")
# Rhythm RAM: the 8 KB battery-backed data RAM, of which the RZ-1 sends 60 blocks. Its layout
# (patterns, songs) is not known, so it stays opaque bytes.
RHYTHM = Ram("rhythm", SEND_RHYTHM, RECEIVE_RHYTHM, 7_680, "rhythm RAM")
RAMS: dict[str, Ram] = {r.name: r for r in (SAMPLE, RHYTHM)}

# Every request the RZ-1 understands: byte -> (ram, direction seen from the RZ-1).
REQUESTS: dict[int, tuple[Ram, str]] = {
    SEND_SAMPLE: (SAMPLE, "send"), SEND_RHYTHM: (RHYTHM, "send"),
    RECEIVE_SAMPLE: (SAMPLE, "receive"), RECEIVE_RHYTHM: (RHYTHM, "receive"),
}
REQUEST_KINDS = {"send": "request", "receive": "receive-request"}
REQUEST_MEANING = {
    "send": "asks the RZ-1 to send its {title} (MIDI SEND)",
    "receive": "tells the RZ-1 to receive {title} (MIDI RECEIVE); no data follows",
}

# Stream forms of a dump.
CAPTURE = "capture"  # as the RZ-1 sent it: reply header, blocks, 7n 32 pairs, F7
LOADABLE = "loadable"  # the seed's "edited" file: receive request instead of the reply header
FORMS = (LOADABLE, CAPTURE)


# --- sample RAM layout ----------------------------------------------------------------------

SAMPLE_RATE = 20_000  # Hz, signed 8-bit mono PCM
LINK_OFFSET = SAMPLE.size - 1  # the last byte is the pad-link byte, not audio


class Pad(namedtuple("Pad", ["number", "offset", "length"])):
    __slots__ = ()  # fields as listed in the comments below

    # number: int  # 1-4 as on the panel
    # offset: int
    # length: int  # samples


PADS = (
    Pad(1, 0, 4096), Pad(2, 4096, 4096), Pad(3, 8192, 4096),
    Pad(4, 12288, 4095),  # one short: the link byte takes the last byte of sample RAM
)


class Link(namedtuple("Link", ["bit", "label", "pads"])):
    __slots__ = ()  # fields as listed in the comments below

    # bit: int
    # label: str  # as typed on the command line: "1+2"
    # pads: tuple[int, ...]


# Link byte: bit 7 = pads 1+2 linked, bit 6 = pads 3+4 linked, bit 5 = all four (alone).
LINKS = (Link(0x80, "1+2", (1, 2)), Link(0x40, "3+4", (3, 4)), Link(0x20, "all", (1, 2, 3, 4)))
LINK_ALL = LINKS[2]
# Bits 0-4 must be 0: otherwise the RZ-1 treats sample RAM as corrupt and wipes it at power-on.
LINK_RESERVED_MASK = 0x1F
