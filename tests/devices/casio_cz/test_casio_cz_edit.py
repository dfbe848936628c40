"""Editing CZ tones by panel names (issue 16): the field model walked from the tone table,
``syxkit set``/``get``, and randomize/mutate/morph results that stay valid dumps."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from corpus_files import corpus_path
from edit_checks import check_set, edge_values, problems_of, round_trips, target, values_of
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from syxkit.cli import cli
from syxkit.devices import registry
from syxkit.devices.base import OptionError
from syxkit.devices.casio_cz import messages
from syxkit.devices.casio_cz.table import NAMED_TONE_BYTES, TONE_BYTES
from syxkit.devices.casio_cz.tone import TABLE, init_payload
from syxkit.ops import edit

CZ = registry.get("casio-cz")
HEADER = 7  # F0 44 00 00 7n cc pp, then two nibbles per byte


def named_tone() -> bytes:
    payload = init_payload(named=True)
    return messages.object_message(payload[:TONE_BYTES] + b"BRASS".ljust(16), 1, 0x60)


def allowed(message, f) -> set[int]:
    """Message positions of the payload bytes a field lives in (from the tone table); a
    level also re-derives its envelope's rate direction bits."""
    if f.key == "name":
        offsets = set(range(TONE_BYTES, NAMED_TONE_BYTES))
    else:
        p = next(p for p in TABLE if tuple(f.path) in p.keys)
        offsets = set(p.offsets)
        if p.levels_of is not None:
            offsets |= set(range(p.levels_of, p.levels_of + 16))
    return {HEADER + 2 * o + k for o in offsets for k in (0, 1)}


def test_fields_are_the_tone_table():
    keys = {f.key for f in CZ.fields("tone")}
    table = {".".join(str(k + 1) if isinstance(k, int) else k for k in key)
             for p in TABLE if not p.cz1_only for key in p.keys}
    assert keys == table
    cz1 = {f.key for f in CZ.fields("tone", "CZ-1")}
    assert cz1 - keys == {"name", "line1.dca_level", "line2.dca_level"} | {
        f"line{n}.{e}.velocity" for n in (1, 2) for e in ("dco", "dcw", "dca")}
    f = next(f for f in CZ.fields("tone") if f.key == "line1.dcw.rates.3")
    assert (f.kind, f.min, f.max, f.group, f.path) == ("int", 0, 99, "line1.dcw",
                                                       ("line1", "dcw", "rates", 2))
    wave = next(f for f in CZ.fields("tone") if f.key == "vibrato.wave")
    assert wave.kind == "enum" and wave.choices[0] == "triangle"
    json.dumps([f.to_json() for f in CZ.fields("tone", "CZ-1")])


def test_envelopes_name_their_keys():
    envs = {e.id: e for e in CZ.envelopes("tone")}
    assert set(envs) == {f"line{n}.{e}" for n in (1, 2) for e in ("dco", "dcw", "dca")}
    dcw = envs["line1.dcw"]
    assert dcw.rates[2] == "line1.dcw.rates.3" and dcw.levels[7] == "line1.dcw.levels.8"
    assert (dcw.sustain, dcw.end, dcw.steps) == ("line1.dcw.sustain_step", "line1.dcw.end_step", 8)


@pytest.mark.parametrize("model", [None, "CZ-1"])
def test_every_field_at_min_and_max_changes_only_itself(model):
    data = named_tone() if model else CZ.example()
    for f in CZ.fields("tone", model):
        for value in edge_values(f):
            if f.key == "line1.waveform2" and str(value).startswith("resonance"):
                continue  # waveform1 is saw: a resonance pair is tested below
            check_set(data, f, value, None, allowed)


def test_corpus_tones_edit_exactly():
    data = corpus_path("cz", "INTERNAL.SYX").read_bytes()
    msg = data[264 * 2:264 * 3]
    fields = CZ.fields("tone")
    for f in fields:
        for value in edge_values(f):
            if "waveform" in f.key and str(value).startswith("resonance"):
                continue
            check_set(msg, f, value, None, allowed)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_set_any_field_any_value(data):
    raw = corpus_path("cz", "CZLEADS1.SYX").read_bytes()
    k = data.draw(st.integers(0, 15))
    msg = raw[264 * k:264 * (k + 1)]
    f = data.draw(st.sampled_from(CZ.fields("tone")))
    value = data.draw(values_of(f))
    try:
        check_set(msg, f, value, None, allowed)
    except edit.ValueRefused as exc:  # only a combination the tone cannot hold is refused
        assert "waveform" in exc.key and "resonance" in str(value)


def test_bad_key_and_value_are_usage_errors_naming_what_is_wrong():
    t = target(CZ.example())
    with pytest.raises(OptionError, match="close: line1.dcw.rates.3"):
        edit.edit_object(t, {"line1.dcw.rate.3": "70"})
    with pytest.raises(OptionError, match="0-99"):
        edit.edit_object(t, {"line1.dcw.rates.3": "100"})
    with pytest.raises(OptionError, match="1=triangle"):
        edit.edit_object(t, {"vibrato.wave": "sine"})
    # enums by number counted from 1, JSON index form as diff prints it
    out = edit.edit_object(t, {"vibrato.wave": "4", "line1.dcw.rates[2]": "0x46"})
    assert {c["key"]: c["new"] for c in out.changes} == {"vibrato.wave": "square",
                                                          "line1.dcw.rates.3": 70}


def test_cli_set_and_get(tmp_path):
    src = tmp_path / "tone.syx"
    src.write_bytes(CZ.example())
    run = CliRunner().invoke
    out = tmp_path / "out.syx"
    r = run(cli, ["set", str(src), "line1.dcw.rates.3=70", "vibrato.wave=square", "-o", str(out)])
    assert r.exit_code == 0, r.output
    r = run(cli, ["get", str(out), "line1.dcw.rates.3", "vibrato.wave", "--json"])
    assert [(x["key"], x["value"]) for x in json.loads(r.output)] == [
        ("line1.dcw.rates.3", 70), ("vibrato.wave", "square")]
    r = run(cli, ["set", str(src), "line1.dcw.rate.3=70", "-o", str(tmp_path / "x.syx")])
    assert r.exit_code == 2 and "line1.dcw.rates.3" in r.output
    r = run(cli, ["set", str(src), "line1.dcw.rates.3=170", "-o", str(tmp_path / "x.syx")])
    assert r.exit_code == 2 and "0-99" in r.output
    assert not (tmp_path / "x.syx").exists()
    r = run(cli, ["set", str(src), "octave=1", "-o", str(src)])
    assert r.exit_code == 1 and "input" in r.output
    assert src.read_bytes() == CZ.example()


def test_cz1_name_by_the_panel_rules(tmp_path):
    t = target(named_tone())
    out = edit.edit_object(t, {"name": "brass 2"})
    assert target(out.data).obj.name.rstrip() == "BRASS 2"
    with pytest.raises(OptionError, match="name"):
        edit.edit_object(t, {"name": "BRASS#2"})


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 2**32), st.floats(0, 1), st.floats(0, 1), st.integers(0, 15),
       st.integers(0, 15))
def test_variations_are_valid_dumps(seed, amount, t, i, j):
    raw = corpus_path("cz", "BASS.SYX").read_bytes()
    a, b = target(raw[264 * i:264 * (i + 1)]), target(raw[264 * j:264 * (j + 1)])
    locks = ("line1.dcw",)
    for result in (edit.randomize(a, locks=locks, seed=seed),
                   edit.mutate(a, amount, locks=locks, seed=seed), edit.morph(a, b, t)):
        assert problems_of(result.data) == []
        assert round_trips(result.data)
    r = edit.randomize(a, locks=locks, seed=seed)
    assert not any(c["key"].startswith("line1.dcw.") for c in r.changes)
    va = edit.values(a)
    assert edit.values(target(r.data)) | {c["key"]: va[c["key"]] for c in r.changes} == va


def test_mutate_zero_and_morph_ends():
    raw = corpus_path("cz", "BASS.SYX").read_bytes()
    a, b = target(raw[:264]), target(raw[264:528])
    assert edit.mutate(a, 0, seed=1).changes == []
    assert edit.morph(a, b, 0).changes == []
    at_b = edit.values(target(edit.morph(a, b, 1).data))
    vb = edit.values(b)
    assert all(at_b[f.key] == vb[f.key] for f in a.fields if f.accepts(vb[f.key]))
