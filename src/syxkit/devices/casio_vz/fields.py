"""A small engine for parameter tables: a field is a bit range of a decoded byte (or a run of
whole bytes) with a kind that turns the raw bits into a JSON value and back.

Decoding walks the table and builds nested JSON (paths like ``modules.M1.envelope[0].rate``);
encoding walks the same table and sets the same bits. Bits that no field describes are carried
separately (``extra_bits``) so that an untouched decode then encode gives the same bytes.
"""

from __future__ import annotations

from collections import namedtuple

from syxkit.devices.params import BOOLEAN, Items, Leaf, choice, integer, is_int

TYPE_CHECKING = False  # typing costs a few ms at start (syxkit info); annotations are strings
if TYPE_CHECKING:
    from typing import Any

Path = tuple[str | int, ...]


class Kind:
    """How raw bits become a value (and back). ``nbytes`` > 0: the field is whole bytes."""

    nbytes = 0

    def value(self, raw: int) -> Any:
        return raw

    def raw(self, value: Any, field: Field) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"{field.label}: {value!r} is not a whole number")
        return value

    def raw_with(self, value: Any, field: Field, current: int) -> int:
        """The raw bits for ``value`` given the bits already there (for kinds that share bits
        with another field, like a detune's octave and note)."""
        return self.raw(value, field)

    def leaf(self, width: int) -> Leaf:
        """What ``encode`` accepts for this field (every stored value has a panel value, so
        decode -> encode is exact; the panel's own range is in the field's doc)."""
        values = [self.value(r) for r in range(1 << width)]
        lo, hi = min(values), max(values)
        return integer(lo, hi)


class _UInt(Kind):
    pass


class _Linear(Kind):
    """Panel value = ``sign`` x stored + ``offset``: inverted fields (stored 0 = panel 99),
    steps counted from 1 (stored 0 = S1), values centred on a stored 64 (±63). A bijection, so
    any stored value has exactly one panel value and comes back byte for byte."""

    def __init__(self, offset: int, sign: int = 1):
        self.offset, self.sign = offset, sign

    def value(self, raw: int) -> int:
        return self.sign * raw + self.offset

    def raw(self, value: Any, field: Field) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"{field.label}: {value!r} is not a whole number")
        return self.sign * (value - self.offset)


class _OctaveNote(Kind):
    """One of the two panel numbers of a stored ``octave x 12 + note``."""

    def __init__(self, part: str):
        self.part = part

    def value(self, raw: int) -> int:
        return raw // 12 if self.part == "octave" else raw % 12

    def raw_with(self, value: Any, field: Field, current: int) -> int:
        v = self.raw(value, field)
        if self.part == "octave":
            return v * 12 + current % 12
        if not 0 <= v <= 11:
            raise ValueError(f"{field.label}: {value!r} is not a note 0-11")
        return current // 12 * 12 + v


NOTE_NAMES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")


def note_name(key: int) -> str:
    """MIDI key number as a note name, middle C (60) = C4."""
    return f"{NOTE_NAMES[key % 12]}{key // 12 - 1}"


_NOTE_NUMBER = {note_name(k): k for k in range(128)}


class _Key(Kind):
    """A key number shown as a note name (C-1 ... G9, middle C = C4)."""

    def value(self, raw: int) -> str:
        return note_name(raw)

    def raw(self, value: Any, field: Field) -> int:
        if value not in _NOTE_NUMBER:
            raise ValueError(f"{field.label}: {value!r} is not a note name C-1 ... G9")
        return _NOTE_NUMBER[value]

    def leaf(self, width: int) -> Leaf:
        return Leaf("a note name C-1 ... G9 (middle C = C4)", lambda v: v in _NOTE_NUMBER,
                    "note names", choices=tuple(_NOTE_NUMBER))


class _Flag(Kind):
    def __init__(self, invert: bool = False):
        self.invert = invert

    def value(self, raw: int) -> bool:
        return bool(raw) != self.invert

    def leaf(self, width: int) -> Leaf:
        return BOOLEAN

    def raw(self, value: Any, field: Field) -> int:
        if not isinstance(value, bool):
            raise ValueError(f"{field.label}: {value!r} is not true or false")
        return int(value != self.invert)


class _Named(Kind):
    """Raw numbers with names; a number without a name stays a number (kept as found)."""

    def __init__(self, names: tuple[str, ...]):
        self.names = names

    def value(self, raw: int) -> Any:
        return self.names[raw] if raw < len(self.names) else raw

    def leaf(self, width: int) -> Leaf:
        names = choice(self.names)
        spare = range(len(self.names), 1 << width)
        if not spare:
            return names
        # choices: the panel's names (a stored code without a name is kept, never offered)
        return Leaf(f"{names.expected} (or a stored code {spare[0]}-{spare[-1]})",
                    lambda v: names.check(v) or (is_int(v) and v in spare),
                    f"{names.plural} (or stored codes)", choices=self.names)

    def raw(self, value: Any, field: Field) -> int:
        if isinstance(value, str):
            if value not in self.names:
                raise ValueError(f"{field.label}: {value!r} is not one of {', '.join(self.names)}")
            return self.names.index(value)
        return super().raw(value, field)


class _Sign(Kind):
    """A sign bit: 1 = '+', 0 = '-' (kept apart from the magnitude so '-0' survives)."""

    def value(self, raw: int) -> str:
        return "+" if raw else "-"

    def leaf(self, width: int) -> Leaf:
        return choice(("+", "-"))

    def raw(self, value: Any, field: Field) -> int:
        if value not in ("+", "-"):
            raise ValueError(f"{field.label}: {value!r} is not '+' or '-'")
        return int(value == "+")


class _Bytes(Kind):
    """Whole bytes as a list of numbers 0-255."""

    def __init__(self, n: int):
        self.nbytes = n

    def value(self, raw: bytes) -> list[int]:  # type: ignore[override]
        return list(raw)

    def leaf(self, width: int) -> Items:  # type: ignore[override]
        return Items(self.nbytes, integer(0, 255))

    def raw(self, value: Any, field: Field) -> bytes:  # type: ignore[override]
        if (not isinstance(value, list) or len(value) != self.nbytes
                or any(isinstance(v, bool) or not isinstance(v, int) or not 0 <= v <= 255 for v in value)):
            raise ValueError(f"{field.label}: expected a list of {self.nbytes} numbers 0-255, got {value!r}")
        return bytes(value)


class _Text(_Bytes):
    """A fixed-width name; the device module converts it (character set, padding)."""


uint = _UInt()
flag = _Flag()
inverted_flag = _Flag(invert=True)
sign = _Sign()


def named(names: tuple[str, ...]) -> Kind:
    return _Named(names)


def linear(offset: int, sign: int = 1) -> Kind:
    return _Linear(offset, sign)


def octave_note(part: str) -> Kind:
    return _OctaveNote(part)


key = _Key()


def raw_bytes(n: int) -> Kind:
    return _Bytes(n)


def text(n: int) -> Kind:
    return _Text(n)


class Field(namedtuple("Field", ["path", "offset", "shift", "width", "kind", "doc"], defaults=("",))):
    # A table row: a namedtuple, not a dataclass, because the tables are built when
    # ``syxkit info`` starts (see syxkit.core.record).

    __slots__ = ()  # fields as listed in the comments below

    # path: Path
    # offset: int  # decoded byte
    # shift: int  # lowest bit
    # width: int  # bits (8 x n for whole-byte kinds)
    # kind: Kind
    # doc: str = ""

    @property
    def label(self) -> str:
        return path_label(self.path)

    @property
    def leaf(self) -> Any:
        return self.kind.leaf(self.width)

    @property
    def mask(self) -> int:
        return ((1 << self.width) - 1) << self.shift

    def read(self, payload: bytes) -> Any:
        if self.kind.nbytes:
            return self.kind.value(payload[self.offset : self.offset + self.kind.nbytes])
        return self.kind.value((payload[self.offset] >> self.shift) & ((1 << self.width) - 1))

    def write(self, payload: bytearray, value: Any) -> None:
        if self.kind.nbytes:
            payload[self.offset : self.offset + self.kind.nbytes] = self.kind.raw(value, self)
            return
        current = (payload[self.offset] >> self.shift) & ((1 << self.width) - 1)
        raw = self.kind.raw_with(value, self, current)
        if not 0 <= raw < (1 << self.width):
            raise ValueError(f"{self.label}: {raw} does not fit in {self.width} bit(s) "
                             f"(0-{(1 << self.width) - 1})")
        payload[self.offset] = (payload[self.offset] & ~self.mask & 0xFF) | (raw << self.shift)


def path_label(path: Path) -> str:
    out = ""
    for p in path:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else p)
    return out


def coverage(fields: tuple[Field, ...] | list[Field], size: int) -> list[int]:
    """Per byte, the bits some field describes."""
    masks = [0] * size
    for f in fields:
        if f.kind.nbytes:
            for k in range(f.kind.nbytes):
                masks[f.offset + k] = 0xFF
        else:
            masks[f.offset] |= f.mask
    return masks


def extra_bits(payload: bytes, masks: list[int]) -> dict[str, int]:
    """Bits set in the payload that no field describes: {"byte offset": bits}."""
    return {str(i): b & ~m & 0xFF for i, (b, m) in enumerate(zip(payload, masks, strict=True))
            if b & ~m & 0xFF}


def decode_fields(payload: bytes, fields: tuple[Field, ...] | list[Field]) -> dict[str, Any]:
    root: dict = {}
    for f in fields:
        node = root
        for key in f.path[:-1]:
            node = node.setdefault(key, {})
        node[f.path[-1]] = f.read(payload)
    return _lists(root)


def _lists(node: Any) -> Any:
    """Dicts keyed 0..n-1 (steps) become lists."""
    if not isinstance(node, dict):
        return node
    out = {k: _lists(v) for k, v in node.items()}
    if out and all(isinstance(k, int) for k in out):
        return [out[k] for k in sorted(out)]
    return out


def lookup(params: Any, path: Path) -> Any:
    node = params
    for depth, key in enumerate(path):
        try:
            node = node[key]
        except (KeyError, IndexError, TypeError):
            raise ValueError(f"params.{path_label(path[: depth + 1])} is missing") from None
    return node


def encode_fields(params: dict[str, Any], fields: tuple[Field, ...] | list[Field], size: int,
                  extra: dict[str, int] | None = None) -> bytearray:
    """The payload from named values; bits no field describes come from ``extra``."""
    payload = bytearray(size)
    for key, bits in (extra or {}).items():
        try:
            at = int(key)
        except (TypeError, ValueError):
            raise ValueError(f"params.extra_bits: key {key!r} is not a byte offset") from None
        if not 0 <= at < size or not isinstance(bits, int) or not 0 <= bits <= 0xFF:
            raise ValueError(f"params.extra_bits[{key!r}] = {bits!r}: expected offset 0-{size - 1} "
                             "and bits 0-255")
        payload[at] = bits
    for f in fields:
        f.write(payload, lookup(params, f.path))
    return payload
