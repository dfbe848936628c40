"""Pure byte codecs used by the device drivers: nibbles, 7-bit packing, fixed-width names.

Every decoder reports bad input with :class:`CodecError` carrying the offset of the first
offending byte, so drivers can turn it into a located problem.
"""

from __future__ import annotations

import re


class CodecError(ValueError):
    def __init__(self, offset: int, text: str):
        super().__init__(f"offset {offset}: {text}")
        self.offset = offset
        self.text = text


_NON_NIBBLE = re.compile(rb"[\x10-\xff]")
_LOW = bytes(range(256))


def first_non_nibble(data: bytes) -> int:
    """Index of the first byte above 0x0F, or -1."""
    m = _NON_NIBBLE.search(data)
    return -1 if m is None else m.start()


def _check_nibbles(data: bytes) -> None:
    if len(data) % 2:
        raise CodecError(len(data), f"odd number of nibbles ({len(data)}); expected an even count")
    bad = first_non_nibble(data)
    if bad >= 0:
        raise CodecError(bad, f"byte {data[bad]:02X} is not a nibble (expected 00-0F)")


def nibbles_hi_first(data: bytes) -> bytes:
    """Each byte as two bytes ``0h 0l`` (high nibble first): Casio VZ, RZ-1, Yamaha songs."""
    out = bytearray(len(data) * 2)
    out[0::2] = bytes(b >> 4 for b in data)
    out[1::2] = bytes(b & 0x0F for b in data)
    return bytes(out)


def nibbles_lo_first(data: bytes) -> bytes:
    """Each byte as two bytes ``0l 0h`` (low nibble first): Casio CZ."""
    out = bytearray(len(data) * 2)
    out[0::2] = bytes(b & 0x0F for b in data)
    out[1::2] = bytes(b >> 4 for b in data)
    return bytes(out)


# Joining nibbles without a Python loop (about ten times faster; the library imports 10,000+
# tones a second through these): shift the high nibbles up with a 256-byte table, then OR the
# two halves as big integers, since within each byte their bits do not overlap.
_SHIFT4 = bytes((b << 4) & 0xFF for b in range(256))


def _join_nibbles(high: bytes, low: bytes) -> bytes:
    n = len(high)
    return (int.from_bytes(high.translate(_SHIFT4), "big") | int.from_bytes(low, "big")).to_bytes(n, "big")


def denibble_hi_first(data: bytes) -> bytes:
    _check_nibbles(data)
    data = bytes(data)
    return _join_nibbles(data[0::2], data[1::2])


def denibble_lo_first(data: bytes) -> bytes:
    _check_nibbles(data)
    data = bytes(data)
    return _join_nibbles(data[1::2], data[0::2])


def pack_7bit(data: bytes) -> bytes:
    """8-bit bytes into MIDI-safe 7-bit groups: per 7 input bytes one byte of high bits
    (bit 6 = first byte's MSB ... bit 0 = seventh's) followed by the 7 low parts. A short last
    group keeps its bits at the top (Korg/Roland convention)."""
    out = bytearray()
    for g in range(0, len(data), 7):
        group = data[g : g + 7]
        msbs = 0
        for k, b in enumerate(group):
            msbs |= (b >> 7) << (6 - k)
        out.append(msbs)
        out += bytes(b & 0x7F for b in group)
    return bytes(out)


def unpack_7bit(data: bytes) -> bytes:
    """Inverse of :func:`pack_7bit`."""
    bad = next((i for i, b in enumerate(data) if b > 0x7F), -1)
    if bad >= 0:
        raise CodecError(bad, f"byte {data[bad]:02X} is not a 7-bit data byte")
    if len(data) % 8 == 1:
        raise CodecError(len(data) - 1, "7-bit group with a high-bit byte but no data bytes")
    out = bytearray()
    for g in range(0, len(data), 8):
        msbs = data[g]
        for k, b in enumerate(data[g + 1 : g + 8]):
            out.append(b | (((msbs >> (6 - k)) & 1) << 7))
    return bytes(out)


def packed_7bit_length(n: int) -> int:
    return n + (n + 6) // 7


def encode_name(name: str, width: int, charset: str, pad: str = " ") -> bytes:
    """A name as fixed-width bytes, checked against a device's character set.

    Lower case is folded to upper case when the set has no lower case (most 1980s panels)."""
    if not any(c.islower() for c in charset):
        name = name.upper()
    if len(name) > width:
        raise ValueError(f"name {name!r} is {len(name)} characters; at most {width} fit")
    bad = sorted({c for c in name if c not in charset})
    if bad:
        raise ValueError(
            f"name {name!r} has character(s) {' '.join(repr(c) for c in bad)} "
            f"that the device cannot show (allowed: {charset_summary(charset)})"
        )
    return name.ljust(width, pad).encode("ascii")


def decode_name(data: bytes, charset: str | None = None) -> str:
    """Bytes of a fixed-width name as text, trailing padding removed; characters outside the
    set (or outside printable ASCII) are shown as '?'."""
    chars = []
    for b in data:
        c = chr(b) if 0x20 <= b < 0x7F else "?"
        if charset is not None and c not in charset:
            c = "?"
        chars.append(c)
    return "".join(chars).rstrip(" \x00")


def charset_summary(charset: str) -> str:
    ranges = [("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "A-Z"), ("abcdefghijklmnopqrstuvwxyz", "a-z"),
              ("0123456789", "0-9")]
    rest = charset
    parts = []
    for full, label in ranges:
        if all(c in rest for c in full):
            parts.append(label)
            rest = "".join(c for c in rest if c not in full)
    parts += ["space" if c == " " else c for c in rest]
    return ", ".join(parts)
