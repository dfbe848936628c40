"""Editing K-Station / A-Station programs by panel names (issue 16)."""

from __future__ import annotations

import pytest
from corpus_files import corpus_path
from edit_checks import check_set, edge_values, problems_of, round_trips, target, values_of
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from syxkit.devices import registry
from syxkit.devices.base import OptionError, Unsupported
from syxkit.devices.novation_kstation.messages import program_dump
from syxkit.devices.novation_kstation.table import FIELD_BY_PATH, HEADER_LEN, init_block
from syxkit.ops import edit

KS = registry.get("novation-kstation")


def allowed(message, f) -> set[int]:
    return {HEADER_LEN + FIELD_BY_PATH[".".join(f.path)].offset}


def test_fields_are_the_program_table():
    fields = KS.fields("program", "K-Station")
    assert {".".join(f.path) for f in fields} == set(FIELD_BY_PATH)
    semi = next(f for f in fields if f.key == "osc1.semitone")
    assert (semi.min, semi.max, semi.group_label) == (-12, 12, "Osc 1")
    assert {e.id: e.form for e in KS.envelopes("program")} == {"env1": "adsr", "env2": "adsr",
                                                                "env3": "adsr"}
    with pytest.raises(Unsupported):
        KS.fields("program", "KS series")


def test_every_field_at_min_and_max_changes_only_itself():
    data = corpus_path("kstation", "astation_edit_buffer.syx").read_bytes()
    for f in KS.fields("current-sound", "A-Station"):
        for value in edge_values(f):
            check_set(data, f, value, None, allowed)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_set_any_field_any_value(data):
    dump = program_dump("K-Station", 2, 7, init_block(), control=1)
    f = data.draw(st.sampled_from(KS.fields("program", "K-Station")))
    check_set(dump, f, data.draw(values_of(f)), None, allowed)


def test_bad_value_says_the_range():
    t = target(corpus_path("kstation", "astation_edit_buffer.syx").read_bytes())
    with pytest.raises(OptionError, match="from -12 to 12"):
        edit.edit_object(t, {"osc1.semitone": "13"})


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 2**32), st.floats(0, 1), st.floats(0, 1))
def test_variations_are_valid_dumps(seed, amount, t):
    a = target(corpus_path("kstation", "astation_edit_buffer.syx").read_bytes())
    b = target(program_dump("A-Station", 1, 3, init_block(), control=1))
    for result in (edit.randomize(a, locks=("filter",), seed=seed),
                   edit.mutate(a, amount, seed=seed), edit.morph(a, b, t)):
        assert problems_of(result.data) == []
        assert round_trips(result.data)
