"""Voices and operation memories as named parameters and back, through the field tables.

The name is not inside ``params``: it travels next to them (the CLI's top-level ``name``, a
bulk part's ``name``), so there is one place to edit it. Bits no field describes are kept in
``params["extra_bits"]`` and a name that would not come back byte for byte (lower case,
padding other than spaces) in ``params["name_raw"]``, so that an untouched decode then encode
gives the same bytes.
"""

from __future__ import annotations

from typing import Any

from syxkit.core.codecs import decode_name, encode_name
from syxkit.devices.casio_vz.fields import Field, coverage, decode_fields, encode_fields, extra_bits
from syxkit.devices.casio_vz.table import CHARSET, NAME_LEN, OPMEM, VOICE, ObjectSpec

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


def decode_object(payload: bytes, spec: ObjectSpec) -> dict[str, Any]:
    params = decode_fields(payload, _plain_fields(spec))
    extra = extra_bits(payload, _COVERAGE[spec.kind])
    if extra:
        params["extra_bits"] = extra
    raw = name_bytes(payload, spec)
    text = decode_name(raw, CHARSET)
    try:
        exact = make_name(text) == raw
    except ValueError:
        exact = False
    if not exact:
        params["name_raw"] = raw.hex(" ").upper()
    return params


def encode_object(params: dict[str, Any], name: str | None, spec: ObjectSpec) -> bytes:
    if not isinstance(params, dict):
        raise ValueError(f"params of a {spec.kind} must be an object, got {type(params).__name__}")
    payload = encode_fields(params, _plain_fields(spec), spec.size, params.get("extra_bits"))
    name = name or ""
    raw = params.get("name_raw")
    f = spec.name_field
    if raw is not None:
        try:
            kept = bytes.fromhex(raw)
        except (TypeError, ValueError):
            raise ValueError(f"params.name_raw {raw!r} is not hex bytes") from None
        if len(kept) != NAME_LEN:
            raise ValueError(f"params.name_raw has {len(kept)} bytes; expected {NAME_LEN}")
        if decode_name(kept, CHARSET) == name.rstrip(" "):
            payload[f.offset : f.offset + NAME_LEN] = kept
            return bytes(payload)
    payload[f.offset : f.offset + NAME_LEN] = make_name(name)
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
    p["total_level_inv"] = 0
    p["vibrato"].update(depth=10, rate=40, delay=30)
    for k, mod in enumerate(p["modules"].values()):
        mod["on"] = k < 2
        mod["envelope_end"] = 2
        mod["amp_sensitivity"] = 0
        mod["velocity"].update(curve=0, sensitivity=8)
        for kf in mod["key_follow"]:
            kf.update(key=0x78, level_inv=0)
        env = mod["envelope"]
        env[0].update(rate=95, level=99, sustain=False)
        env[1].update(rate=60, level=80, sustain=True)
        env[2].update(rate=45, level=0, sustain=False)
    p["modules"]["M2"]["detune"].update(sign="+", notes=12)
    for s, step in enumerate(p["pitch"]["envelope"]):
        step.update(rate=99, level=0x40 if s < 2 else 0, sustain=s == 1)
    p["pitch"]["envelope_end"] = 1
    for s, kf in enumerate(p["key_follow_rate"]):
        kf.update(key=24 + 16 * s, rate=0)
    return encode_object(p, name, VOICE)


def example_opmem(name: str = "SYXKIT OP", voice: int = 0) -> bytes:
    p = default_params(OPMEM)
    p["mode"] = 0
    first = p["combis"][0]
    first.update(voice=voice, level=99)
    first["bend"].update(range=2)
    first["velocity_split"].update(min=0, max=127)
    return encode_object(p, name, OPMEM)
