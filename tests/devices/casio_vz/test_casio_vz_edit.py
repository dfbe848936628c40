"""Editing VZ voices and operation memories by panel names (issue 16): fields from the field
tables, set/get byte-exact (checksum recomputed), variations valid, parts of a bulk."""

from __future__ import annotations

import pytest
from corpus_files import corpus_path
from edit_checks import check_set, edge_values, problems_of, round_trips, target, values_of
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from syxkit.devices import registry
from syxkit.devices.base import OptionError
from syxkit.devices.casio_vz import messages as msg
from syxkit.devices.casio_vz.sounds import example_opmem
from syxkit.devices.casio_vz.table import OBJECTS, OPMEM, VOICE
from syxkit.ops import edit

VZ = registry.get("casio-vz")


def _spec(message):
    return OBJECTS[message.kind] if message.kind in OBJECTS else None


def allowed(message, f) -> set[int]:
    """Message positions of the field's byte(s) (nibbles, high first) and the checksum."""
    if message.kind == "bulk":
        raise AssertionError("bulk positions are checked by allowed_bulk")
    spec = _spec(message)
    offsets = _offsets(spec, f)
    return {7 + 2 * o + k for o in offsets for k in (0, 1)} | {7 + 2 * spec.size}


def _offsets(spec, f) -> set[int]:
    if f.key == "name":
        return set(range(spec.name_field.offset, spec.name_field.offset + 12))
    table = next(t for t in spec.fields if tuple(t.path) == tuple(f.path))
    return {table.offset}


def voices() -> list[bytes]:
    data = edit.read_source(str(corpus_path("vz", "dos_files", "PBANK1.P64")))
    return [m.data for m in data.messages]


def test_fields_cover_the_table():
    voice = VZ.fields("voice")
    paths = {tuple(f.path) for f in voice}
    table = {tuple(t.path) for t in VOICE.fields if t.kind.nbytes == 0}
    assert paths - {("name",)} == table
    f = next(f for f in voice if f.key == "modules.M1.envelope.3.rate")
    assert (f.min, f.max, f.group_label) == (0, 127, "Module M1")
    assert next(f for f in voice if f.key == "total_level").max == 99  # the panel's, from the doc
    key = next(f for f in voice if f.key == "modules.M1.key_follow.1.key")
    assert key.kind == "enum" and key.ordered and key.choices[60] == "C4"
    assert {e.id for e in VZ.envelopes("voice")} == {f"modules.M{m}.envelope" for m in range(1, 9)} | {"pitch.envelope"}
    assert len(VZ.fields("operation-memory")) == len(VZ.fields("opmem")) > 200


@pytest.mark.parametrize("which", ["voice", "opmem"])
def test_every_field_at_min_and_max_changes_only_itself(which):
    data = corpus_path("vz", "KILLER_ORGAN.syx").read_bytes() if which == "voice" \
        else msg.single_message(example_opmem(), OPMEM)
    fields = VZ.fields(which)
    if which == "voice":
        # The eight modules share one layout at different offsets: M1 and M8 (both ends of the
        # voice) are swept whole, M2-M7 are left to the random test below (it covers every
        # field), which keeps this sweep at a quarter of its time.
        fields = [f for f in fields
                  if not f.key.startswith("modules.M") or f.key.startswith(("modules.M1.", "modules.M8."))]
    for f in fields:
        for value in edge_values(f):
            check_set(data, f, value, None, allowed)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_set_any_field_any_value(data):
    k = data.draw(st.integers(0, 63))
    single = msg.single_message(target(voices()[k]).obj.payload, VOICE)
    f = data.draw(st.sampled_from(VZ.fields("voice")))
    check_set(single, f, data.draw(values_of(f)), None, allowed)


def test_a_part_of_a_bulk_changes_only_its_bytes_and_checksum():
    payloads = [target(v).obj.payload for v in voices()]
    bulk = msg.bulk_data(payloads, [], 1)
    t = target(bulk, 5)
    out = edit.edit_object(t, {"vibrato.depth": "7", "name": "NEW 6"})
    block = VOICE.block
    start = 6 + 5 * block
    diff = {i for i, (a, b) in enumerate(zip(bulk, out.data, strict=True)) if a != b}
    assert diff and all(start <= i < start + block for i in diff)
    assert problems_of(out.data) == []
    again = edit.values(target(out.data, 5))
    assert (again["vibrato.depth"], again["name"]) == (7, "NEW 6")
    assert edit.values(target(out.data, 4)) == edit.values(target(bulk, 4))


def test_bad_checksum_is_repaired_by_an_edit():
    data = bytearray(corpus_path("vz", "KILLER_ORGAN.syx").read_bytes())
    data[-2] ^= 0x01
    t = target(bytes(data))
    assert t.obj.checksum == "bad"
    out = edit.edit_object(t, {"total_level": "80"})
    assert problems_of(out.data) == []


def test_bad_values_name_the_panel_range():
    t = target(corpus_path("vz", "KILLER_ORGAN.syx").read_bytes())
    with pytest.raises(OptionError, match="0-99"):
        edit.edit_object(t, {"vibrato.depth": "120"})
    with pytest.raises(OptionError, match="close: modules.M1.envelope.2.rate"):
        edit.edit_object(t, {"modules.M1.envelop.2.rate": "5"})


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 2**32), st.floats(0, 1), st.floats(0, 1), st.integers(0, 63),
       st.integers(0, 63))
def test_variations_are_valid_dumps(seed, amount, t, i, j):
    vs = voices()
    a = target(msg.single_message(target(vs[i]).obj.payload, VOICE))
    b = target(msg.single_message(target(vs[j]).obj.payload, VOICE))
    for result in (edit.randomize(a, locks=("Module M1",), seed=seed),
                   edit.mutate(a, amount, seed=seed), edit.morph(a, b, t)):
        assert problems_of(result.data) == []
        assert round_trips(result.data)
    r = edit.randomize(a, locks=("Module M1",), seed=seed)
    assert not any(c["key"].startswith("modules.M1.") for c in r.changes)


def test_opmem_variations_are_valid():
    t = target(msg.single_message(example_opmem(), OPMEM))
    assert t.obj.kind == OPMEM.kind
    for seed in range(5):
        r = edit.randomize(t, seed=seed)
        assert r.changes and problems_of(r.data) == [] and round_trips(r.data)
