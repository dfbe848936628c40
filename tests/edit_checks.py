"""Checks shared by the per-device editing tests (``syxkit set``/``get`` and the variations):
each device's test module gives its dumps and says which message bytes a field lives in."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hypothesis import strategies as st

from syxkit.devices.base import Dump
from syxkit.devices.fieldmodel import Field
from syxkit.inspect import entries, load_bytes
from syxkit.ops import edit


def target(data: bytes, index: int | None = None) -> edit.Target:
    return edit.target_of_bytes(data, index)


def problems_of(data: bytes) -> list[str]:
    """What ``info`` reports for the bytes: framing and device problems, bad checksums."""
    out = []
    for src in load_bytes(data, "result.syx"):
        for e in entries(src):
            if e.dump is None:
                out.append(f"message {e.message.index}: not recognised")
                continue
            out += [str(p) for p in e.problems]
            for part in [e.dump, *e.dump.parts]:
                if part.checksum == "bad":
                    out.append(f"message {e.message.index}: bad checksum")
    return out


def round_trips(data: bytes) -> bool:
    """decode -> encode of every message gives its bytes back."""
    t = target(data, 0)
    return t.device.encode(edit.decoded_message(t.device, t.message)) == t.message.message.original


def edge_values(f: Field) -> list[Any]:
    if f.kind == "int":
        return [f.min, f.max] + ([None] if f.nullable else [])
    if f.kind == "enum":
        return [f.choices[0], f.choices[-1]]
    if f.kind == "bool":
        return [False, True]
    return ["A"]


def values_of(f: Field) -> st.SearchStrategy:
    if f.kind == "int":
        s = st.integers(f.min, f.max)
        return st.one_of(s, st.none()) if f.nullable else s
    if f.kind == "enum":
        return st.sampled_from(list(f.choices))
    if f.kind == "bool":
        return st.booleans()
    return st.text(alphabet=f.charset or "AB", max_size=f.max_length or 4)


def check_set(data: bytes, f: Field, value: Any, index: int | None,
              allowed: Callable[[Dump, Field], set[int]]) -> bytes:
    """Set ``f`` to ``value`` in the object; the result must decode to the same values but
    that one, differ from ``data`` only in the bytes ``allowed`` names (message positions),
    carry no problem and round-trip. Returns the result."""
    t = target(data, index)
    before = edit.values(t)
    out = edit.edit_object(t, {f.key: value}, parsed=True)
    if not out.changes:
        assert before[f.key] == value
        return data
    assert len(out.data) == len(data)
    after = edit.values(target(out.data, index))
    moved = {k for k in before if before[k] != after[k] or type(before[k]) is not type(after[k])}
    assert moved == {f.key}, (f.key, moved)
    expected_value = value.upper() if f.kind == "text" else value
    assert after[f.key] == expected_value
    diff = {i for i, (a, b) in enumerate(zip(data, out.data, strict=True)) if a != b}
    assert diff <= allowed(t.message, f), (f.key, sorted(diff - allowed(t.message, f)))
    assert problems_of(out.data) == []
    assert round_trips(out.data)
    return out.data
