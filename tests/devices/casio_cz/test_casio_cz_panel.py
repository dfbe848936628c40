"""casio-cz: decode shows panel values, encode validates JSON by the table (issue 13 points 5, 7,
10; issue 14 point 5)."""

from __future__ import annotations

import copy
import json

import pytest
from corpus_files import corpus_path
from czhelp import CZ_FILES, corpus_tones, one
from hypothesis import given, settings
from hypothesis import strategies as st

from syxkit.core.message import Message
from syxkit.devices.casio_cz import DEVICE
from syxkit.devices.casio_cz import messages as M
from syxkit.devices.casio_cz.tone import decode_tone, init_payload
from syxkit.devices.params import ParamError


def wrapped(dump):
    return {"device": dump.device, "kind": dump.kind, "model": dump.model, "channel": dump.channel,
            "bank": dump.bank, "program": dump.program, "slot": dump.slot, "name": dump.name,
            "params": DEVICE.decode(dump)}


def via_json(obj):
    return json.loads(json.dumps(obj))


def test_panel_names_for_waveforms_and_vibrato_wave():
    _, dump = corpus_tones(corpus_path("cz", "BASS.SYX"))[0]
    p = DEVICE.decode(dump)
    assert p["line1"]["waveform1"] == "double-sine" and p["line1"]["waveform2"] == "off"
    assert p["line2"]["waveform1"] == "saw-pulse" and p["line2"]["waveform2"] == "square"
    assert p["vibrato"]["wave"] == "triangle"
    assert p["line1"]["dca"]["end_step"] == 4 and p["line1"]["dca"]["sustain_step"] == 3


# -- point 7: values outside the panel range, noted and kept --------------------------------------

def _with(changes):
    buf = bytearray(init_payload())
    for at, value in changes.items():
        buf[at] = value
    return bytes(buf)


DCO_LEVEL_1 = 14 + 41 + 1  # line 1 DCO step 1 level
DCA_END = 14 + 6


@pytest.mark.parametrize("changes,key,shown,note", [
    ({DCO_LEVEL_1: 0x7F}, ("dco", "levels", 0), 123, "line1.dco.levels[0]: stored byte(s) 7F show "
                                                     "as 123, outside the panel's range"),
    ({DCA_END: 0x09}, ("dca", "end_step"), 10, "line1.dca.end_step: stored byte(s) 09 show as 10"),
    ({DCA_END + 2: 0xDA, DCA_END + 4: 0xC0}, ("dca", "sustain_step"), [1, 2],
     "line1.dca.sustain_step: several sustain steps [1, 2]"),
])
def test_out_of_panel_values_decode_as_they_are_with_a_note(changes, key, shown, note):
    payload = _with(changes)
    dump = one(M.tone_message(payload, 1, 0x20))
    params = DEVICE.decode(dump)
    node = params["line1"]
    for k in key:
        node = node[k]
    assert node == shown
    assert any(n.startswith(note) for n in dump.notes), dump.notes  # info shows Dump.notes
    assert any(n.startswith(note) for n in params["notes"])  # and decode output
    # Decode -> encode (through JSON) gives the bytes back: the value came as it was stored.
    assert DEVICE.encode(via_json(wrapped(dump))) == M.tone_message(payload, 1, 0x20)


def test_out_of_panel_value_is_refused_when_it_did_not_come_from_the_stored_bytes():
    dump = one(M.tone_message(_with({DCO_LEVEL_1: 0x7F}), 1, 0x20))
    obj = wrapped(dump)
    obj["params"]["line1"]["dco"]["levels"][1] = 123  # typed, not stored: out of range
    with pytest.raises(ParamError, match=r"params.line1.dco.levels\[1\]: expected a whole number "
                                         r"0-99, got 123"):
        DEVICE.encode(obj)


@pytest.mark.parametrize("name,program,fragment", [
    ("CZLEADS1.SYX", 36, "line2.dca.sustain_step: several sustain steps [1, 2, 3]"),
    ("INTERNAL.SYX", 35, "line2.dcw_key_follow: stored byte(s) 0B FF show as 11"),
    ("BASS.SYX", 37, "vibrato.wave: stored byte(s) 00 have no panel meaning"),
    ("cz10001.syx", 32, "below the panel's DCA level scale"),
])
def test_real_banks_with_odd_values_say_so(name, program, fragment):
    for data, dump in corpus_tones(corpus_path("cz", name)):
        if dump.program == program:
            assert any(fragment in n for n in dump.notes), dump.notes
            assert DEVICE.encode(via_json(wrapped(dump))) == data
            return
    raise AssertionError(f"no tone at {program:#x} in {name}")


@pytest.mark.parametrize("name", CZ_FILES)
def test_corpus_round_trips_through_json(name):
    for data, dump in corpus_tones(corpus_path("cz", name)):
        assert DEVICE.encode(via_json(wrapped(dump))) == data


# -- point 10: a tone without its final F7 ------------------------------------------------------

def test_tone_missing_final_f7_comes_back_without_it_and_fix_adds_it():
    data = M.tone_message(init_payload(), 1, 0x60)[:-1]  # the fuzz reproducer: F7 cut off
    dump = one(data)
    assert dump.payload is not None and not dump.message.terminated
    obj = via_json(wrapped(dump))
    assert obj["params"]["unterminated"] is True
    assert DEVICE.encode(obj) == data  # not silently "repaired"
    fixed, changes = DEVICE.fix(dump)
    assert fixed == data + b"\xf7" and "F7" in changes[0]
    assert DEVICE.fix(one(fixed)) is None


# -- point 5: bad JSON names the path -------------------------------------------------------------

@pytest.mark.parametrize("mutate,message", [
    (lambda o: o["params"]["line1"]["dco"].update(rates="99"),
     'params.line1.dco.rates: expected a list of 8 whole numbers 0-99, got "99"'),
    (lambda o: o["params"]["line2"]["dca"]["levels"].__setitem__(2, "x"),
     r'params.line2.dca.levels\[2\]: expected a whole number 0-99, got "x"'),
    (lambda o: o["params"]["line2"].update(dcw=None),
     "params.line2.dcw: expected an object, got null"),
    (lambda o: o["params"]["line1"]["dca"].update(rates=[]),
     r"params.line1.dca.rates: expected a list of 8 whole numbers 0-99, got \[\]"),
    (lambda o: o.update(params="x"), 'params: expected an object, got "x"'),
    (lambda o: o.update(program=300), "program: expected a whole number 0-127 or null, got 300"),
    (lambda o: o.pop("channel"), "channel: expected a whole number 1-16 .*got nothing"),
])
def test_bad_json_names_the_path(mutate, message):
    obj = wrapped(one(M.tone_message(init_payload(), 1, 0x20)))
    mutate(obj)
    with pytest.raises(ParamError, match=message):
        DEVICE.encode(obj)


def test_missing_sections_need_the_stored_bytes_or_a_base():
    base_dump = one(M.tone_message(init_payload(), 3, 0x24))
    obj = wrapped(base_dump)
    del obj["params"]["raw"]
    del obj["params"]["line2"]
    with pytest.raises(ParamError, match="params.line2: expected an object with waveform1.*got "
                                         "nothing"):
        DEVICE.encode(obj)
    # With the raw bytes the JSON came with, the section is taken from them ...
    assert DEVICE.encode({**obj, "params": {**obj["params"], "raw": init_payload().hex()}}) == \
        M.tone_message(init_payload(), 3, 0x24)
    # ... or from a base dump (encode --base FILE); channel and program too when left out.
    edited = copy.deepcopy(obj)
    edited["params"]["vibrato"]["rate"] = 40
    for key in ("channel", "program"):
        edited.pop(key)
    out = one(DEVICE.encode(edited, base=base_dump))
    assert (out.channel, out.program) == (3, 0x24)
    assert decode_tone(out.payload)["vibrato"]["rate"] == 40
    assert decode_tone(out.payload)["line2"] == decode_tone(init_payload())["line2"]


# -- property: any stored bytes decode -> (JSON) -> encode byte-exact ---------------------------

@settings(max_examples=80, deadline=None)
@given(st.binary(min_size=128, max_size=128), st.booleans(), st.integers(1, 16),
       st.one_of(st.none(), st.integers(0, 0x7F)), st.booleans())
def test_random_payloads_round_trip_through_json(payload, named, channel, program, cut):
    if named:
        payload += b"RANDOM NAME".ljust(16)
    data = M.tone_message(payload, channel, program)
    if cut:
        data = data[:-1]
    dump = DEVICE.identify(Message(data, terminated=not cut))
    assert dump.payload == payload
    assert DEVICE.encode(via_json(wrapped(dump))) == data
