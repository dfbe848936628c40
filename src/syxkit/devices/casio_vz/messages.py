"""Building and taking apart VZ messages: the nibble blocks with their checksum, and builders
for every message the later bulk-handshake protocol sends (voice for a channel, bulk open,
close, OK, error and data). Header bytes come from the table, defined once there."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from syxkit.core.checksums import twos_complement_7bit
from syxkit.core.codecs import denibble_hi_first, first_non_nibble, nibbles_hi_first
from syxkit.core.message import Problem
from syxkit.core.record import Record
from syxkit.devices.casio_vz.table import (
    BANK_SIZE,
    BULK_CONTENT_CODE,
    DEFAULT_RANGE,
    HEADER,
    HEADER_VZ8M,
    OPMEM,
    VOICE,
    ObjectSpec,
    Tag,
)


def checksum(payload: bytes) -> int:
    """Two's complement of the 7-bit sum of the DECODED bytes (not the nibbles), sent as one
    raw byte: (-sum) & 0x7F."""
    return twos_complement_7bit(payload)


def _channel_byte(channel: int) -> int:
    if isinstance(channel, bool) or not isinstance(channel, int) or not 1 <= channel <= 16:
        raise ValueError(f"channel {channel!r} is out of range 1-16")
    return 0x70 | (channel - 1)


def block(payload: bytes, spec: ObjectSpec, stored: int | None = None) -> bytes:
    """One object as sent: its bytes as nibbles (high first) and the checksum byte (computed,
    or ``stored``: a checksum kept as found, so that decode -> encode of a damaged dump does
    not repair it silently; repair is ``fix``'s job)."""
    if len(payload) != spec.size:
        raise ValueError(f"a {spec.kind} has {spec.size} bytes, got {len(payload)}")
    return nibbles_hi_first(payload) + bytes([checksum(payload) if stored is None else stored])


def single_message(payload: bytes, spec: ObjectSpec, channel: int = 1, range_byte: int = DEFAULT_RANGE,
                   stored: int | None = None) -> bytes:
    if not 0 <= range_byte <= 0x7F:
        raise ValueError(f"range byte {range_byte} is not a data byte (00-7F)")
    return (HEADER + bytes([_channel_byte(channel), spec.tag, range_byte])
            + block(payload, spec, stored) + b"\xf7")


def voice_message(payload: bytes, channel: int = 1, range_byte: int = DEFAULT_RANGE) -> bytes:
    """A single voice for ``channel`` (1-16): 681 bytes. The VZ puts it in its edit area."""
    return single_message(payload, VOICE, channel, range_byte)


def opmem_message(payload: bytes, channel: int = 1, range_byte: int = DEFAULT_RANGE) -> bytes:
    """A single operation memory for ``channel``: 209 bytes."""
    return single_message(payload, OPMEM, channel, range_byte)


def control_message(tag: Tag, channel: int = 1, vz8m: bool = False) -> bytes:
    head = HEADER_VZ8M if vz8m else HEADER
    return head + bytes([_channel_byte(channel), tag, 0xF7])


def bulk_open(content: str = "voices", channel: int = 1) -> bytes:
    """``F0 44 03 00 7n 70 dd F7``: content voices, opmems, voices+opmems or vz8m-total."""
    if content not in BULK_CONTENT_CODE:
        raise ValueError(f"bulk content {content!r} is not one of {', '.join(BULK_CONTENT_CODE)}")
    return HEADER + bytes([_channel_byte(channel), Tag.BULK_OPEN, BULK_CONTENT_CODE[content], 0xF7])


def bulk_close(channel: int = 1) -> bytes:
    return control_message(Tag.BULK_CLOSE, channel)


def bulk_ok(channel: int = 1) -> bytes:
    return control_message(Tag.BULK_OK, channel)


def bulk_error(channel: int = 1) -> bytes:
    return control_message(Tag.BULK_ERROR, channel)


def bulk_content(voices: Sequence[bytes], opmems: Sequence[bytes]) -> str:
    for what, items in (("voices", voices), ("op-mems", opmems)):
        if len(items) not in (0, BANK_SIZE):
            raise ValueError(f"a bulk dump holds exactly {BANK_SIZE} {what} (or none); got {len(items)}")
    if not voices and not opmems:
        raise ValueError("a bulk dump needs 64 voices, 64 op-mems or both")
    return "voices+opmems" if voices and opmems else ("voices" if voices else "opmems")


def bulk_data(voices: Sequence[bytes], opmems: Sequence[bytes] = (), channel: int = 1,
              stored: dict[int, int] | None = None) -> bytes:
    """``F0 44 03 00 7n 74`` + 64 voice blocks [+ 64 op-mem blocks] + ``F7``. ``stored``:
    checksums kept as found, by part index (voices first, then op-mems)."""
    bulk_content(voices, opmems)
    stored = stored or {}
    body = b"".join(block(v, VOICE, stored.get(i)) for i, v in enumerate(voices)) + b"".join(
        block(o, OPMEM, stored.get(len(voices) + i)) for i, o in enumerate(opmems))
    return HEADER + bytes([_channel_byte(channel), Tag.BULK_DATA]) + body + b"\xf7"


def bulk_file(voices: Sequence[bytes], opmems: Sequence[bytes] = (), channel: int = 1) -> bytes:
    """What a VZ sends from SAVE -> MIDI: open, data, close. 43,094 bytes for 64 voices,
    55,958 with the 64 op-mems."""
    content = bulk_content(voices, opmems)
    return bulk_open(content, channel) + bulk_data(voices, opmems, channel) + bulk_close(channel)


class Block(Record):
    """One object read from nibbles: its bytes (None when unreadable), checksum state, and
    problems located in the file. (A plain class, not a dataclass: it is on the start path of
    ``syxkit info``, see syxkit.core.record.)"""

    _fields = ("payload", "checksum", "stored", "expected", "problems")

    def __init__(self, payload: bytes | None, checksum: str, stored: int | None = None,
                 expected: int | None = None, problems: list[Problem] | None = None):
        self.payload = payload
        self.checksum = checksum  # ok | bad | none
        self.stored = stored
        self.expected = expected
        self.problems = [] if problems is None else problems


def read_block(data: bytes, start: int, spec: ObjectSpec, locate: Callable[[int], int]) -> Block:
    """Read ``spec.nibbles`` nibbles and a checksum byte at ``data[start:]``. ``locate`` turns
    a position in ``data`` into a file offset, so problems name where to look in the file."""
    nib = data[start : start + spec.nibbles]
    have = len(data) - start
    if have < spec.block:
        return Block(None, "none", problems=[Problem(
            locate(len(data)),
            f"{spec.kind} data ends after {max(have, 0)} of {spec.block} bytes "
            f"({spec.nibbles} nibbles + checksum); expected the full {spec.kind}")])
    bad = first_non_nibble(nib)
    if bad >= 0:
        return Block(None, "bad", problems=[Problem(
            locate(start + bad),
            f"byte {nib[bad]:02X} in {spec.kind} data is not a nibble (expected 00-0F)")])
    payload = denibble_hi_first(nib)
    stored = data[start + spec.nibbles]
    expected = checksum(payload)
    if stored == expected:
        return Block(payload, "ok", stored, expected)
    return Block(payload, "bad", stored, expected, [Problem(
        locate(start + spec.nibbles),
        f"{spec.kind} checksum byte is {stored:02X}, expected {expected:02X} "
        "(two's complement of the 7-bit sum of the decoded bytes)")])
