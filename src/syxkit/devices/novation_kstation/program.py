"""The 128-byte program block <-> named parameters, driven by ``table.PROGRAM_FIELDS``.

Every value a field's bits can hold decodes to something that encodes back to the same bits
(an enum code without a name stays an int, a signed value outside the documented range stays
a number), and bytes or bits the table does not describe travel in ``unknown_bytes`` and
``spare_bits``: decode then encode of any block gives the same 128 bytes.
"""

from __future__ import annotations

from syxkit.devices.novation_kstation.table import (
    A_STATION_LAYOUT,
    BLOCK,
    Conv,
    Field,
    Model,
)
from syxkit.devices.params import (
    MISSING,
    Leaf,
    Node,
    ParamError,
    choice,
    integer,
    is_int,
    schema_from_paths,
    validate,
)

TYPE_CHECKING = False  # typing costs a few ms at start (syxkit info); annotations are strings
if TYPE_CHECKING:
    from typing import Any


class BlockError(ValueError):
    """A program block or parameter set that cannot be encoded; names the parameter."""


def field_value(f: Field, raw: int) -> Any:
    """The shown value of a field's raw bits."""
    c = f.conv
    if c.kind == "signed":
        return raw - c.centre
    if c.kind == "plus":
        return raw + c.add
    if c.kind == "bool":
        return bool(raw)
    if c.kind == "enum":
        return c.names[raw] if raw < len(c.names) else raw
    return raw


def _shown_range(f: Field) -> str:
    top = (1 << f.width) - 1
    c: Conv = f.conv
    if c.kind == "signed":
        return f"{-c.centre}..{top - c.centre}"
    if c.kind == "plus":
        return f"{c.add}..{top + c.add}"
    if c.kind == "bool":
        return "true/false"
    if c.kind == "enum":
        return ", ".join(c.names) + (f" (or a code {len(c.names)}..{top})" if top >= len(c.names) else "")
    return f"0..{top}"


def field_raw(f: Field, value: Any) -> int:
    """The raw bits for a shown value; BlockError naming the field when it does not fit."""
    c = f.conv
    if c.kind == "enum" and isinstance(value, str):
        if value not in c.names:
            raise BlockError(f"{f.path} = {value!r} is not one of: {', '.join(c.names)}")
        return c.names.index(value)
    if c.kind == "bool":
        if not isinstance(value, bool) and value not in (0, 1):
            raise BlockError(f"{f.path} = {value!r}: expected true or false")
        return int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise BlockError(f"{f.path} = {value!r}: expected {_shown_range(f)}")
    raw = value + c.centre if c.kind == "signed" else value - c.add if c.kind == "plus" else value
    if not 0 <= raw < (1 << f.width):
        raise BlockError(f"{f.path} = {value!r} is outside {_shown_range(f)}")
    return raw


def decode_block(block: bytes, model: Model) -> dict[str, Any]:
    """Named parameters of one program block for ``model``."""
    if len(block) != BLOCK:
        raise BlockError(f"program block is {len(block)} bytes; expected {BLOCK}")
    if model.layout == "unknown":
        return {"layout": model.layout_note, "raw": block.hex(" ").upper()}
    layout = A_STATION_LAYOUT
    out: dict[str, Any] = {"layout": model.layout_note}
    for f in layout.fields:
        out.setdefault(f.section, {})[f.name] = field_value(f, (block[f.offset] & f.mask) >> f.shift)
    # Bytes and bits no parameter describes go under ``raw`` (the house convention: the
    # terminal view of decode hides them, JSON keeps them for a byte-exact encode).
    out["raw"] = {"unknown_bytes": {str(i): block[i] for i in layout.unknown_bytes},
                  "spare_bits": {str(i): block[i] & m for i, m in layout.spare_bits.items()}}
    return out


def _int_map(params: dict[str, Any], key: str) -> dict[int, int]:
    got = params.get(key, {})
    if not isinstance(got, dict):
        raise BlockError(f"{key}: expected an object of byte offset -> value")
    out = {}
    for k, v in got.items():
        try:
            offset = int(k)
        except (TypeError, ValueError):
            raise BlockError(f"{key}: {k!r} is not a byte offset") from None
        if isinstance(v, bool) or not isinstance(v, int) or not 0 <= v <= 0x7F:
            raise BlockError(f"{key}[{k}] = {v!r}: expected a byte 0..127")
        out[offset] = v
    return out


def field_leaf(f: Field) -> Leaf:
    """What encode accepts for a field: every value its bits hold, shown as decode shows it."""
    c = f.conv
    top = (1 << f.width) - 1
    if c.kind == "bool":
        return Leaf("true or false", lambda v: isinstance(v, bool) or v in (0, 1) and is_int(v),
                    "true/false values", choices=(False, True))
    if c.kind == "enum":
        names = choice(c.names)
        spare = range(len(c.names), top + 1)
        # choices: the named codes (a code without a name is kept as found, never offered)
        return Leaf(f"{names.expected}" + (f" (or a code {spare[0]}-{spare[-1]})" if spare else ""),
                    lambda v: names.check(v) or (is_int(v) and v in spare), "names",
                    choices=c.names)
    lo = -c.centre if c.kind == "signed" else c.add if c.kind == "plus" else 0
    return integer(lo, lo + top)


_SCHEMA: list[Node] = []


def block_schema() -> Node:
    """The program table (A-Station layout) as a schema for params.validate."""
    if not _SCHEMA:
        node = schema_from_paths(((f.section, f.name), field_leaf(f))
                                 for f in A_STATION_LAYOUT.fields)
        node.free = {"layout", "raw", "unknown_bytes", "spare_bits"}
        _SCHEMA.append(node)
    return _SCHEMA[0]


def encode_block(params: dict[str, Any], path: str = "params") -> bytes:
    """One program block from ``decode_block`` output (edited or not). Parameters are checked
    against the table first: a wrong type, a missing section or a value its bits cannot hold
    raises ParamError naming the JSON path (``params.osc1.wave``)."""
    if not isinstance(params, dict):
        raise ParamError(path, "the parameters of a program (an object)", params)
    if not isinstance(params.get("raw"), str):
        validate(params, block_schema(), MISSING, path)
    raw = params.get("raw")
    if isinstance(raw, dict):
        # The described layout: raw holds the bytes and bits no parameter covers. (Older JSON
        # had unknown_bytes/spare_bits at the top level; both spellings are read.)
        params = {**{k: v for k, v in params.items() if k != "raw"}, **raw}
    elif "raw" in params:
        try:
            block = bytes.fromhex(str(params["raw"]))
        except ValueError:
            raise BlockError("raw: expected 128 bytes as hex") from None
        if len(block) != BLOCK:
            raise BlockError(f"raw: {len(block)} bytes; expected {BLOCK}")
        if max(block) > 0x7F:
            raise BlockError(f"raw: byte {block.index(max(block))} is 0x{max(block):02X}; "
                             "program bytes are 00-7F")
        return block
    layout = A_STATION_LAYOUT
    block = bytearray(BLOCK)
    known = {"layout", "unknown_bytes", "spare_bits"} | {f.section for f in layout.fields}
    extra = sorted(set(params) - known)
    if extra:
        raise BlockError(f"unknown parameter section(s): {', '.join(extra)}")
    for f in layout.fields:
        section = params.get(f.section)
        if not isinstance(section, dict) or f.name not in section:
            raise BlockError(f"missing parameter {f.path}")
        block[f.offset] |= field_raw(f, section[f.name]) << f.shift
    for sec in {f.section for f in layout.fields}:
        names = {f.name for f in layout.fields if f.section == sec}
        extra = sorted(set(params[sec]) - names)
        if extra:
            raise BlockError(f"unknown parameter(s) in {sec}: {', '.join(extra)}")
    unknown = _int_map(params, "unknown_bytes")
    bad = sorted(set(unknown) - set(layout.unknown_bytes))
    if bad:
        raise BlockError(f"unknown_bytes: byte {bad[0]} is described by a parameter; edit that")
    for offset in layout.unknown_bytes:
        block[offset] = unknown.get(offset, 0)
    for offset, value in _int_map(params, "spare_bits").items():
        mask = layout.spare_bits.get(offset)
        if mask is None or value & ~mask:
            allowed = "none" if mask is None else f"0x{mask:02X}"
            raise BlockError(f"spare_bits[{offset}] = 0x{value:02X} uses bits a parameter holds "
                             f"(spare bits of byte {offset}: {allowed})")
        block[offset] |= value
    return bytes(block)
