"""casio-cz: the tone parameter table (decode, encode, edits, round trips)."""

from __future__ import annotations

import copy

import pytest
from corpus_files import corpus_path
from czhelp import CZ_FILES, corpus_tones, plain_tone
from hypothesis import given, settings
from hypothesis import strategies as st

from syxkit.core.codecs import nibbles_lo_first
from syxkit.core.framing import frame_messages
from syxkit.core.message import Message
from syxkit.devices.casio_cz import DEVICE
from syxkit.devices.casio_cz import messages as M
from syxkit.devices.casio_cz.conversions import ENVELOPE_SCALES, fine_to_panel, fine_to_stored
from syxkit.devices.casio_cz.tone import (
    TABLE,
    VIBRATO_WAVE_CODES,
    WAVE_NAMES,
    decode_tone,
    describe,
    encode_tone,
    init_payload,
)
from syxkit.devices.params import ParamError


def wrapped(dump):
    return {"device": dump.device, "kind": dump.kind, "model": dump.model, "channel": dump.channel,
            "bank": dump.bank, "program": dump.program, "slot": dump.slot, "name": dump.name,
            "params": DEVICE.decode(dump)}


@pytest.mark.parametrize("name", CZ_FILES)
def test_corpus_decode_encode_is_byte_exact(name):
    for data, dump in corpus_tones(corpus_path("cz", name)):
        params = decode_tone(dump.payload)
        assert encode_tone(params, dump.payload) == dump.payload
        assert DEVICE.encode(wrapped(dump)) == data


def test_table_covers_every_stored_byte():
    offsets = {o for p in TABLE for o in p.offsets if not p.cz1_only}
    assert offsets == set(range(128))
    assert all(row["doc"] for row in describe())


def test_decoded_values_of_a_known_tone():
    _, dump = corpus_tones(corpus_path("cz", "CZ-101_internal_01_src.syx"))[0]
    p = decode_tone(dump.payload)
    assert p["vibrato"] == {"wave": "triangle", "delay": 11, "rate": 51, "depth": 18}
    assert p["line_select"] == "1" and p["octave"] == 0
    dca = p["line1"]["dca"]
    assert dca["end_step"] == 2 and dca["sustain_step"] == 1
    assert dca["levels"][:2] == [92, 0] and dca["rates"][0] == 72
    assert p["line1"]["dcw"]["levels"][0] == 99


def _edit(payload, change):
    params = decode_tone(payload)
    change(params)
    return encode_tone(params, payload)


def test_vibrato_edits_rederive_machine_values():
    base = init_payload()
    out = _edit(base, lambda p: p["vibrato"].update(rate=50, delay=75, depth=99))
    assert out[8:11] == bytes([0x32, 0xE0, 0x09])  # the spec's example
    assert out[5:8] == bytes([75, 0xDF, 0x00])
    assert out[11:14] == bytes([99, 0x7F, 0x02])
    assert out[:5] == base[:5] and out[14:] == base[14:]


def test_corpus_machine_values_follow_the_vibrato_curves():
    # The hardware dumps: re-deriving every vibrato value from its panel byte gives the same bytes.
    for name in ("cz10001.syx", "INTERNAL.SYX", "CZ-101_internal_01_src.syx"):
        for _, dump in corpus_tones(corpus_path("cz", name)):
            params = decode_tone(dump.payload)
            forced = encode_tone({"vibrato": params["vibrato"]}, dump.payload, force=True)
            assert forced[5:14] == dump.payload[5:14], name


def test_unchanged_odd_values_are_kept_and_edits_rederive():
    base = bytearray(init_payload())
    base[14 + 41 + 1] = 64  # DCO level stored 64: the panel never stores it (shows as 60)
    base = bytes(base)
    assert encode_tone(decode_tone(base), base) == base
    out = _edit(base, lambda p: p["line1"]["dco"]["levels"].__setitem__(0, 61))
    assert out[14 + 41 + 1] & 0x7F == 61
    out = _edit(base, lambda p: p["line1"]["dco"]["levels"].__setitem__(0, 64))
    assert out[14 + 41 + 1] & 0x7F == 68  # 64-99 are stored 4 higher


def test_level_edit_rederives_direction_flags_and_keeps_sustain():
    base = init_payload()
    start = 14 + 7  # line 1 DCA steps
    out = _edit(base, lambda p: p["line1"]["dca"]["levels"].__setitem__(1, 99))
    rates = [out[start + 2 * i] for i in range(8)]
    assert not rates[1] & 0x80  # 99 -> 99 no longer falls
    assert rates[2] & 0x80  # 99 -> 0 falls
    assert out[start + 3] & 0x80  # step 2 is still the sustain step


def test_other_edits():
    base = init_payload()
    out = _edit(base, lambda p: p["detune"].update(fine=16, octave=2, note=5, direction="-"))
    assert out[1:4] == bytes([1, 68, 29])
    out = _edit(base, lambda p: p["line1"].update(dca_key_follow=5, dcw_key_follow=9))
    assert out[16] == 5 and out[17] == 0x2F and out[18] == 9 and out[19] == 0xFF
    out = _edit(base, lambda p: p["line1"].update(waveform1="double-sine", waveform2="square",
                                                   modulation="ring"))
    assert out[14:16] == bytes([0x86, 0x20])  # the spec's example
    out = _edit(base, lambda p: p["line2"].update(waveform1="saw", waveform2="resonance-triangle"))
    assert out[71] >> 1 & 0xF == 0b1101 and out[72] >> 6 == 2
    out = _edit(base, lambda p: p.update(line_select="1+2'", octave=-1))
    assert out[0] == 0b1011
    out = _edit(base, lambda p: p["line1"]["dcw"].update(end_step=8, sustain_step=5))
    assert out[14 + 23] & 0x0F == 7
    assert [bool(out[14 + 24 + 2 * i + 1] & 0x80) for i in range(8)] == \
        [False, False, False, False, True, False, False, False]
    # Several sustain steps: the panel cannot set them, so an edit to them is refused ...
    with pytest.raises(ParamError, match=r"params.line1.dcw.sustain_step: expected a whole "
                                         r"number 1-8 or null, got \[2, 5\]"):
        _edit(base, lambda p: p["line1"]["dcw"].update(sustain_step=[2, 5]))
    # ... but a tone that holds them comes back as it is.
    multi = bytearray(base)
    multi[14 + 24 + 2 * 4 + 1] |= 0x80
    assert decode_tone(bytes(multi))["line1"]["dcw"]["sustain_step"] == [2, 5]
    assert encode_tone(decode_tone(bytes(multi)), bytes(multi)) == bytes(multi)


def test_cz1_only_fields():
    base = init_payload(named=True)
    assert len(base) == 144
    params = decode_tone(base)
    assert params["line1"]["dca_level"] == 15 and params["line1"]["dco"]["velocity"] == 0
    out = _edit(base, lambda p: p["line1"].update(dca_level=3, dcw_key_follow=2))
    assert out[16] >> 4 == 12 and out[19] == 0x33  # CZ-1 DCW key follow scale
    out = _edit(base, lambda p: p["line2"]["dcw"].update(velocity=9))
    assert out[71 + 23] >> 4 == 9
    plain = decode_tone(init_payload())
    assert "dca_level" not in plain["line1"] and "velocity" not in plain["line1"]["dca"]


@pytest.mark.parametrize("change,message", [
    (lambda p: p.update(octave=2), "params.octave: expected one of -1, 0, 1, got 2"),
    (lambda p: p["vibrato"].update(rate=100),
     "params.vibrato.rate: expected a whole number 0-99, got 100"),
    (lambda p: p["vibrato"].update(wave="sine"), 'params.vibrato.wave: expected one of "triangle"'),
    (lambda p: p["line1"].update(waveform1="resonance-saw", waveform2="resonance-triangle"),
     "params.line1.waveform2: expected a waveform that shares waveform1's resonance type"),
    (lambda p: p["line1"].update(waveform1="off"), "params.line1.waveform1: expected one of"),
    (lambda p: p["line1"].update(modulation="fm"), "params.line1.modulation"),
    (lambda p: p["line1"]["dca"].update(sustain_step=9), "params.line1.dca.sustain_step"),
    (lambda p: p["line1"]["dca"]["rates"].append(5),
     r"params.line1.dca.rates: expected a list of 8 whole numbers 0-99, got \[99"),
    (lambda p: p["line1"]["dca"].update(rates="99"),
     'params.line1.dca.rates: expected a list of 8 whole numbers 0-99, got "99"'),
    (lambda p: p.update(lnie1={}), r"params.lnie1: expected no such key here \(known: line_select"),
    (lambda p: p["line1"].update(dca_level=4), "params.line1.dca_level: .*CZ-1 field"),
    (lambda p: p["line2"].update(modulation="ring"), "params.line2.modulation: expected no such key"),
    (lambda p: p["detune"].update(fine=True), "params.detune.fine: expected a whole number 0-60, "
                                              "got true"),
    (lambda p: p.update(detune=[]), "params.detune: expected an object, got \\[\\]"),
])
def test_bad_edits_are_refused_with_the_parameter_named(change, message):
    base = init_payload()
    params = decode_tone(base)
    change(params)
    with pytest.raises(ParamError, match=message):
        encode_tone(params, base)


def test_wrong_raw_length():
    with pytest.raises(ParamError, match="params.raw: expected 128 bytes.*got 130 bytes"):
        encode_tone({}, bytes(130))


def test_fine_detune_formula():
    assert [fine_to_stored(f) for f in (0, 1, 15, 16, 60)] == [0, 4, 60, 68, 252]
    assert all(fine_to_panel(fine_to_stored(f)) == f for f in range(61))


@pytest.mark.parametrize("env", ["dco", "dcw", "dca"])
def test_envelope_scales_invert_on_panel_values(env):
    for scale in ENVELOPE_SCALES[env]:
        assert [scale.to_panel(scale.to_stored(a)) for a in range(100)] == list(range(100))
        assert all(0 <= scale.to_stored(a) <= 127 for a in range(100))


# -- encode of wrapped JSON objects ----------------------------------------------------------------

def test_device_encode_names_programs_and_init():
    payload = plain_tone() + b"OLD".ljust(16)
    (dump,) = [DEVICE.identify(m) for m in frame_messages(M.tone_message(payload, 2, 0x10))]
    obj = wrapped(dump)
    assert DEVICE.encode(obj) == M.tone_message(payload, 2, 0x10)
    obj["name"] = "NEW 1"
    assert DEVICE.encode(obj)[7 + 256:7 + 256 + 32] == nibbles_lo_first(b"NEW 1".ljust(16))
    obj["name"] = "bad~"
    with pytest.raises(ParamError, match="name: expected a CZ-1 name.*'~'"):
        DEVICE.encode(obj)
    obj = copy.deepcopy(wrapped(dump))
    obj["program"] = None
    assert len(DEVICE.encode(obj)) == 295
    # A tone written by hand with no stored bytes: every section must be there ...
    hand = {"device": "casio-cz", "kind": "tone", "channel": 1, "program": 0x60,
            "params": {"vibrato": {"rate": 50}}}
    with pytest.raises(ParamError, match="params.line_select: expected one of .*got nothing"):
        DEVICE.encode(hand)
    # ... unless a base dump fills what is left out (`encode --base FILE`).
    base = DEVICE.identify(Message(M.tone_message(init_payload(), 1, 0x60)))
    built = DEVICE.encode(hand, base=base)
    assert len(built) == 264 and DEVICE.decode(DEVICE.identify(
        Message(built)))["vibrato"]["rate"] == 50
    full = {**hand, "params": decode_tone(init_payload())}
    del full["params"]["raw"]
    assert DEVICE.encode(full) == M.tone_message(init_payload(), 1, 0x60)
    named = decode_tone(init_payload(named=True))
    del named["raw"]
    # a hand-made tone with a name: a CZ-1 tone, its CZ-1 fields required
    assert len(DEVICE.encode({**full, "params": named, "name": "X"})) == 296
    plain = wrapped(DEVICE.identify(Message(built)))
    with pytest.raises(ParamError, match="name: expected null: CZ-101.*no name"):
        DEVICE.encode({**plain, "name": "X"})


# -- property tests ------------------------------------------------------------------------------

@settings(max_examples=60, deadline=None)
@given(st.binary(min_size=128, max_size=128), st.booleans(),
       st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 *-/.", max_size=16))
def test_any_stored_bytes_round_trip(payload, named, name):
    if named:
        payload += name.ljust(16).encode()
    params = decode_tone(payload)
    assert encode_tone(params, payload) == payload
    data = M.tone_message(payload, 1, 0x20)
    dump = DEVICE.identify(Message(data))
    assert dump.payload == payload and DEVICE.encode(wrapped(dump)) == data


def _envelope():
    return st.fixed_dictionaries({
        "end_step": st.integers(1, 8),
        "sustain_step": st.one_of(st.none(), st.integers(1, 8)),
        "rates": st.lists(st.integers(0, 99), min_size=8, max_size=8),
        "levels": st.lists(st.integers(0, 99), min_size=8, max_size=8),
    })


def _line(first: bool, cz1: bool):
    fields = {
        "waveform1": st.sampled_from(WAVE_NAMES),
        "waveform2": st.sampled_from(("off",) + WAVE_NAMES),
        "dca_key_follow": st.integers(0, 9), "dcw_key_follow": st.integers(0, 9),
        "dco": _envelope(), "dcw": _envelope(), "dca": _envelope(),
    }
    if first:
        fields["modulation"] = st.sampled_from(["none", "ring", "noise"])
    if cz1:
        fields["dca_level"] = st.integers(1, 15)
    return st.fixed_dictionaries(fields)


@st.composite
def panel_tones(draw, cz1: bool):
    params = draw(st.fixed_dictionaries({
        "line_select": st.sampled_from(["1", "2", "1+1'", "1+2'"]),
        "octave": st.sampled_from([-1, 0, 1]),
        "detune": st.fixed_dictionaries({
            "direction": st.sampled_from(["+", "-"]), "fine": st.integers(0, 60),
            "octave": st.integers(0, 3), "note": st.integers(0, 11)}),
        "vibrato": st.fixed_dictionaries({
            "wave": st.sampled_from(tuple(VIBRATO_WAVE_CODES)), "delay": st.integers(0, 99), "rate": st.integers(0, 99),
            "depth": st.integers(0, 99)}),
        "line1": _line(True, cz1), "line2": _line(False, cz1),
    }))
    for line in ("line1", "line2"):
        p = params[line]
        if p["waveform1"].startswith("resonance") and p["waveform2"].startswith("resonance"):
            p["waveform2"] = p["waveform1"]  # one resonance type per line
        if cz1:
            for env in ("dco", "dcw", "dca"):
                p[env]["velocity"] = draw(st.integers(0, 15))
    return params


def _assert_values(expected, actual, path=""):
    if isinstance(expected, dict):
        for k, v in expected.items():
            _assert_values(v, actual[k], f"{path}.{k}")
    else:
        assert actual == expected, path


@settings(max_examples=40, deadline=None)
@given(panel_tones(cz1=False))
def test_random_valid_cz101_tones_round_trip(params):
    payload = encode_tone(params, init_payload())
    data = M.tone_message(payload, 5, 0x25)
    dump = DEVICE.identify(Message(data))
    decoded = DEVICE.decode(dump)
    _assert_values(params, decoded)
    assert DEVICE.encode(wrapped(dump)) == data


@settings(max_examples=40, deadline=None)
@given(panel_tones(cz1=True), st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 *-/.",
                                      max_size=16))
def test_random_valid_cz1_tones_round_trip(params, name):
    obj = {"device": "casio-cz", "kind": "tone", "model": "CZ-1", "channel": 1, "program": 0x07,
           "name": name, "params": params}
    data = DEVICE.encode(obj)
    assert len(data) == 296
    dump = DEVICE.identify(Message(data))
    assert dump.name == name.rstrip() and dump.model == "CZ-1"
    _assert_values(params, DEVICE.decode(dump))
    assert DEVICE.encode(wrapped(dump)) == data
