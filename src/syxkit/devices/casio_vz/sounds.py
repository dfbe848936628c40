"""Voices and operation memories as named parameters and back, through the field tables.

The name is not inside ``params``: it travels next to them (the CLI's top-level ``name``, a
bulk part's ``name``), so there is one place to edit it. Bits no field describes are kept in
``params["raw"]["extra_bits"]`` and a name that would not come back byte for byte (lower case,
padding other than spaces) in ``params["raw"]["name"]``, so that an untouched decode then encode
gives the same bytes. Values are panel values (inverted fields folded, steps from 1, keys as
note names): see the field table.
"""

from __future__ import annotations

from syxkit.core.codecs import decode_name, encode_name
from syxkit.devices.base import DeviceError
from syxkit.devices.casio_vz.fields import (
    Field,
    coverage,
    decode_fields,
    encode_fields,
    extra_bits,
    note_name,
)
from syxkit.devices.casio_vz.table import CHARSET, NAME_LEN, OPMEM, VOICE, ObjectSpec
from syxkit.devices.params import (
    MISSING,
    Node,
    ParamError,
    Said,
    join,
    schema_from_paths,
    validate,
)

TYPE_CHECKING = False  # typing costs a few ms at start (syxkit info); annotations are strings
if TYPE_CHECKING:
    from typing import Any

# Per kind: the fields other than the name, and which bits of each byte the table describes.
_PLAIN: dict[str, tuple[Field, ...]] = {
    s.kind: tuple(f for f in s.fields if f is not s.name_field) for s in (VOICE, OPMEM)}
_COVERAGE: dict[str, list[int]] = {s.kind: coverage(s.fields, s.size) for s in (VOICE, OPMEM)}


def _plain_fields(spec: ObjectSpec) -> tuple[Field, ...]:
    return _PLAIN[spec.kind]


def name_bytes(payload: bytes, spec: ObjectSpec) -> bytes:
    f = spec.name_field
    return bytes(payload[f.offset : f.offset + NAME_LEN])


def make_name(name: str) -> bytes:
    """12 bytes in the VZ character set, space padded (ValueError names what is wrong)."""
    return encode_name(name, NAME_LEN, CHARSET)


def with_name(payload: bytes, name: str, spec: ObjectSpec) -> bytes:
    out = bytearray(payload)
    f = spec.name_field
    out[f.offset : f.offset + NAME_LEN] = make_name(name)
    return bytes(out)


RAW = "raw"  # what no panel value shows: {"extra_bits": {...}, "name": "hex", "checksum": n, ...}
# Keys beside the panel values that encode reads itself (not table fields).
FREE_KEYS = {RAW, "range", "notes"}
_SCHEMAS: dict[str, Node] = {}


def schema(spec: ObjectSpec) -> Node:
    """The field table as a schema for :func:`syxkit.devices.params.validate`."""
    if spec.kind not in _SCHEMAS:
        node = schema_from_paths((f.path, f.leaf) for f in _plain_fields(spec))
        node.free = set(FREE_KEYS)
        _SCHEMAS[spec.kind] = node
    return _SCHEMAS[spec.kind]


def decode_object(payload: bytes, spec: ObjectSpec) -> dict[str, Any]:
    params = decode_fields(payload, _plain_fields(spec))
    raw_part: dict[str, Any] = {}
    extra = extra_bits(payload, _COVERAGE[spec.kind])
    if extra:
        raw_part["extra_bits"] = extra
    raw = name_bytes(payload, spec)
    text = decode_name(raw, CHARSET)
    try:
        exact = make_name(text) == raw
    except ValueError:
        exact = False
    if not exact:
        raw_part["name"] = raw.hex(" ").upper()
    if raw_part:
        params[RAW] = raw_part
    return params


def raw_part(params: Any, path: str = "params") -> dict[str, Any]:
    value = params.get(RAW, {}) if isinstance(params, dict) else {}
    if not isinstance(value, dict):
        raise ParamError(join(path, RAW), "an object (extra_bits, name, checksum, trailing)",
                         value)
    return value


def encode_object(params: dict[str, Any], name: str | None, spec: ObjectSpec,
                  base: dict[str, Any] | None = None, path: str = "params") -> bytes:
    """The payload from panel values. ``base``: the decoded params of a base dump; values
    missing from ``params`` are taken from it (without one, every value must be given).
    Raises :class:`ParamError` naming the JSON path."""
    if not isinstance(params, dict):
        raise ParamError(path, f"the parameters of a {spec.kind} (an object)", params)
    full = validate(params, schema(spec), MISSING if base is None else base, path)
    kept = raw_part(params, path) if RAW in params else raw_part(base or {}, path)
    try:
        payload = encode_fields(full, _plain_fields(spec), spec.size, kept.get("extra_bits"))
    except ValueError as exc:
        raise DeviceError(f"{path}: {exc}") from None
    name = name or ""
    raw = kept.get("name")
    f = spec.name_field
    if raw is not None:
        try:
            stored = bytes.fromhex(raw)
        except (TypeError, ValueError):
            raise ParamError(join(join(path, RAW), "name"), "hex bytes", raw) from None
        if len(stored) != NAME_LEN:
            raise ParamError(join(join(path, RAW), "name"), f"{NAME_LEN} bytes as hex",
                             Said(f"{len(stored)} bytes"))
        if decode_name(stored, CHARSET) == name.rstrip(" "):
            payload[f.offset : f.offset + NAME_LEN] = stored
            return bytes(payload)
    try:
        payload[f.offset : f.offset + NAME_LEN] = make_name(name)
    except ValueError as exc:
        raise ParamError("name", f"a VZ name: up to {NAME_LEN} characters of the VZ set",
                         Said(f"{name!r} ({exc})")) from None
    return bytes(payload)


def sound_bytes(payload: bytes, spec: ObjectSpec) -> bytes:
    """The payload without the name and the unused bytes: what makes the sound."""
    f = spec.name_field
    skip = set(range(f.offset, f.offset + NAME_LEN)) | set(spec.unused)
    return bytes(b for i, b in enumerate(payload) if i not in skip)


def default_params(spec: ObjectSpec) -> dict[str, Any]:
    """Every field at its zero value (unused bytes as spaces): a base for new sounds."""
    payload = bytearray(spec.size)
    for at in spec.unused:
        payload[at] = 0x20
    return decode_object(bytes(with_name(bytes(payload), "", spec)), spec)


def example_voice(name: str = "SYXKIT DEMO") -> bytes:
    """A simple playable voice built from the table: line A mixes two sines an octave apart,
    the other modules are off; the envelope rises fast, sustains, then releases."""
    p = default_params(VOICE)
    p["total_level"] = 99
    p["vibrato"].update(depth=10, rate=40, delay=30)
    for k, mod in enumerate(p["modules"].values()):
        mod["on"] = k < 2
        mod["envelope_end"] = 3
        mod["amp_sensitivity"] = 0
        mod["velocity"].update(curve=1, sensitivity=8)
        for kf in mod["key_follow"]:
            kf.update(key="C9", level=99)
        env = mod["envelope"]
        env[0].update(rate=95, level=99, sustain=False)
        env[1].update(rate=60, level=80, sustain=True)
        env[2].update(rate=45, level=0, sustain=False)
    p["modules"]["M2"]["detune"].update(sign="+", octave=1, note=0)
    for s, step in enumerate(p["pitch"]["envelope"]):
        step.update(rate=99, level=0 if s < 2 else -64, sustain=s == 1)
    p["pitch"]["envelope_end"] = 2
    for s, kf in enumerate(p["key_follow_rate"]):
        kf.update(key=note_name(24 + 16 * s), rate=0)
    return encode_object(p, name, VOICE)


def example_opmem(name: str = "SYXKIT OP", voice: int = 0) -> bytes:
    p = default_params(OPMEM)
    p["mode"] = 0
    first = p["combis"][0]
    first.update(voice=voice, level=99)
    first["bend"].update(range=2)
    first["velocity_split"].update(min=0, max=127)
    return encode_object(p, name, OPMEM)
