"""Sample RAM: four pads of signed 8-bit PCM at 20 kHz and the pad-link byte at the end.

Everything here works on the 16,384-byte image; the pad layout and link bits come from
:mod:`table`.
"""

from __future__ import annotations

import math
from collections import namedtuple
from collections.abc import Iterable, Sequence

from syxkit.devices.base import DeviceError
from syxkit.devices.casio_rz1 import table as t

# Silence on the RZ-1 decodes to small values (FC..01); a sample counts as sound above this.
AUDIBLE_LEVEL = 4


def signed(data: bytes) -> list[int]:
    return [b - 256 if b & 0x80 else b for b in data]


def unsigned(values: Iterable[int]) -> bytes:
    return bytes(v & 0xFF for v in values)


def _check(image: bytes) -> None:
    if len(image) != t.SAMPLE.size:
        raise DeviceError(f"sample RAM is {t.SAMPLE.size:,} bytes; got {len(image):,}")


def pad_samples(image: bytes, pad: t.Pad) -> list[int]:
    _check(image)
    return signed(image[pad.offset:pad.offset + pad.length])


def pads(image: bytes) -> list[list[int]]:
    return [pad_samples(image, pad) for pad in t.PADS]


def pad_by_number(number: int) -> t.Pad:
    for pad in t.PADS:
        if pad.number == number:
            return pad
    raise DeviceError(f"pad {number} does not exist; the RZ-1 has pads 1-{len(t.PADS)}")


# --- the link byte ----------------------------------------------------------------------------

def link_byte(image: bytes) -> int:
    _check(image)
    return image[t.LINK_OFFSET]


def links_set(byte: int) -> list[t.Link]:
    return [link for link in t.LINKS if byte & link.bit]


def sounds(byte: int) -> list[tuple[t.Pad, ...]]:
    """The sounds the pads make under a link byte, in pad order: linked pads play as one.
    Bit 5 (all four) wins when set, as it is documented to stand alone."""
    if byte & t.LINK_ALL.bit:
        return [tuple(t.PADS)]
    groups: list[tuple[t.Pad, ...]] = []
    taken: set[int] = set()
    for pad in t.PADS:
        if pad.number in taken:
            continue
        link = next((lk for lk in t.LINKS if byte & lk.bit and lk.pads[0] == pad.number), None)
        members = link.pads if link else (pad.number,)
        taken.update(members)
        groups.append(tuple(pad_by_number(n) for n in members))
    return groups


def sound_label(group: Sequence[t.Pad]) -> str:
    return f"pad {group[0].number}" if len(group) == 1 else "pads " + "+".join(
        str(p.number) for p in group)


def describe_link(byte: int) -> str:
    """What a link byte means, in words."""
    parts = []
    groups = sounds(byte)
    linked = [g for g in groups if len(g) > 1]
    if not linked:
        parts.append("no pads linked: four separate sounds")
    else:
        for g in linked:
            length = sum(p.length for p in g)
            parts.append(f"{sound_label(g)} linked into one {length:,}-sample sound")
        single = [g[0].number for g in groups if len(g) == 1]
        if single:
            parts.append("pad" + ("s " if len(single) > 1 else " ") + " and ".join(map(str, single))
                         + " separate")
    if byte & t.LINK_ALL.bit and byte & (t.LINKS[0].bit | t.LINKS[1].bit):
        parts.append("bits 7/6 are set as well, but bit 5 (all four) is meant to stand alone")
    if byte & t.LINK_RESERVED_MASK:
        parts.append(f"bits 0-4 are {byte & t.LINK_RESERVED_MASK:05b}: they must be 0, or the "
                     "RZ-1 wipes sample RAM at power-on")
    return f"link byte {byte:02X}: " + "; ".join(parts)


def parse_link(spec: str | None) -> int:
    """``1+2``, ``3+4``, ``1+2,3+4``, ``all`` (or ``1+2+3+4``), ``none`` -> the link byte."""
    if spec is None or spec.strip().lower() in ("", "none", "0"):
        return 0
    byte = 0
    labels = {lk.label: lk for lk in t.LINKS}
    labels["1+2+3+4"] = t.LINK_ALL
    for item in (s.strip().lower() for s in spec.split(",")):
        link = labels.get(item.replace(" ", ""))
        if link is None:
            raise DeviceError(f"--link {spec!r}: {item!r} is not a link; expected 1+2, 3+4, "
                              "1+2,3+4 or all")
        byte |= link.bit
    if byte & t.LINK_ALL.bit and byte != t.LINK_ALL.bit:
        raise DeviceError(f"--link {spec!r}: 'all' links every pad already and stands alone")
    return byte


# --- building an image ------------------------------------------------------------------------

def image_from_sounds(sound_samples: Sequence[Sequence[int] | None], link: int) -> bytes:
    """Sample RAM from one sample list per sound (see :func:`sounds`); None = silence. Each
    list must already have its sound's exact length; values are signed 8-bit."""
    if link & t.LINK_RESERVED_MASK:
        raise DeviceError(f"link byte {link:02X}: bits 0-4 must be 0 (the RZ-1 wipes sample RAM "
                          "otherwise)")
    groups = sounds(link)
    if len(sound_samples) > len(groups):
        raise DeviceError(f"{len(sound_samples)} sounds given; with {describe_link(link)} "
                          f"there are {len(groups)}")
    image = bytearray(t.SAMPLE.size)
    for group, values in zip(groups, sound_samples, strict=False):
        if values is None:
            continue
        length = sum(p.length for p in group)
        if len(values) != length:
            raise DeviceError(f"{sound_label(group)} takes {length:,} samples; got {len(values):,}")
        bad = next((v for v in values if not -128 <= v <= 127), None)
        if bad is not None:
            raise DeviceError(f"sample value {bad} is outside signed 8-bit (-128..127)")
        image[group[0].offset:group[0].offset + length] = unsigned(values)
    image[t.LINK_OFFSET] = link
    return bytes(image)


# --- listening check --------------------------------------------------------------------------

class Level(namedtuple("Level", ["samples", "peak", "peak_dbfs", "sound_ms", "rms"])):
    # a namedtuple, not a dataclass: this module is on the start path of ``syxkit info``
    # (see syxkit.core.record)

    __slots__ = ()  # fields as listed in the comments below

    # samples: int
    # peak: int  # largest |value|, 0..128
    # peak_dbfs: float | None  # None for digital silence
    # sound_ms: float  # up to the last sample at or above AUDIBLE_LEVEL
    # rms: float

    def as_dict(self) -> dict:
        return {"samples": self.samples, "ms": round(self.samples * 1000 / t.SAMPLE_RATE, 2),
                "peak": self.peak, "peak_dbfs": self.peak_dbfs, "sound_ms": self.sound_ms,
                "rms": self.rms}


def level(values: Sequence[int]) -> Level:
    peak = max((abs(v) for v in values), default=0)
    last = max((i for i, v in enumerate(values) if abs(v) >= AUDIBLE_LEVEL), default=-1)
    rms = math.sqrt(sum(v * v for v in values) / len(values)) if values else 0.0
    dbfs = round(20 * math.log10(peak / 128), 1) if peak else None
    return Level(len(values), peak, dbfs, round((last + 1) * 1000 / t.SAMPLE_RATE, 2),
                 round(rms, 2))
