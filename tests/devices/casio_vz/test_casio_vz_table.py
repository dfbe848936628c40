"""The VZ parameter tables and codecs: layout sanity, exact round trips over random voices and
op-mems, names, checksums, and the builders' sizes."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from syxkit.core.codecs import nibbles_hi_first
from syxkit.core.message import Message
from syxkit.devices.casio_vz import messages as m
from syxkit.devices.casio_vz.fields import coverage
from syxkit.devices.casio_vz.identify import identify
from syxkit.devices.casio_vz.sounds import (
    decode_object,
    default_params,
    encode_object,
    example_opmem,
    example_voice,
    sound_bytes,
)
from syxkit.devices.casio_vz.table import NAME_LEN, OPMEM, VOICE
from syxkit.devices.params import ParamError

voices = st.binary(min_size=VOICE.size, max_size=VOICE.size)
opmems = st.binary(min_size=OPMEM.size, max_size=OPMEM.size)


def _name(payload: bytes, spec) -> str:
    return identify(Message(m.single_message(payload, spec))).name


@pytest.mark.parametrize("spec", [VOICE, OPMEM], ids=["voice", "opmem"])
def test_fields_stay_inside_the_payload_and_never_overlap(spec):
    used = [0] * spec.size
    for f in spec.fields:
        if f.path[-2:] == ("detune", "note"):
            # The panel's octave and note are two readings of one stored octave x 12 + note.
            octave = next(g for g in spec.fields if g.path == f.path[:-1] + ("octave",))
            assert (octave.offset, octave.mask) == (f.offset, f.mask)
            continue
        if f.kind.nbytes:
            span = range(f.offset, f.offset + f.kind.nbytes)
            assert all(used[i] == 0 for i in span), f.label
            for i in span:
                used[i] = 0xFF
        else:
            assert 0 <= f.offset < spec.size and f.shift + f.width <= 8, f.label
            assert used[f.offset] & f.mask == 0, f"{f.label} overlaps another field"
            used[f.offset] |= f.mask
    assert used == coverage(spec.fields, spec.size)
    labels = [f.label for f in spec.fields]
    assert len(labels) == len(set(labels))


def test_voice_layout_matches_the_spec():
    by_label = {f.label: f for f in VOICE.fields}
    assert (VOICE.name_field.offset, VOICE.name_field.kind.nbytes) == (322, NAME_LEN)
    assert (OPMEM.name_field.offset, OPMEM.name_field.kind.nbytes) == (1, NAME_LEN)
    # Line A is byte 1: mode bits 7-6, M2 (even) bits 5-3, M1 (odd) bits 2-0.
    assert (by_label["lines.A.mode"].offset, by_label["lines.A.mode"].shift) == (1, 6)
    assert (by_label["modules.M2.waveform"].offset, by_label["modules.M2.waveform"].shift) == (1, 3)
    assert (by_label["modules.M1.waveform"].offset, by_label["modules.M1.waveform"].shift) == (1, 0)
    assert by_label["modules.M8.detune.octave"].offset == 20
    # Step 8 of M8's level and the DCO level of step 8 end at byte 164.
    assert by_label["modules.M8.envelope[7].level"].offset == 21 + 7 * 18 + 9 + 7
    assert by_label["pitch.envelope[7].level"].offset == 164
    assert by_label["modules.M8.key_follow[5].level"].offset == 279
    assert by_label["tremolo.delay"].offset == 321
    # Everything the voice layout documents is covered; only spare bits are left over.
    masks = coverage(VOICE.fields, VOICE.size)
    assert all(masks[i] == 0xFF for i in range(322, 336))


@settings(max_examples=60, deadline=None)
@given(voices)
def test_any_voice_decodes_and_encodes_back_exactly(payload):
    params = decode_object(payload, VOICE)
    assert encode_object(params, _name(payload, VOICE), VOICE) == payload


@settings(max_examples=60, deadline=None)
@given(opmems)
def test_any_opmem_decodes_and_encodes_back_exactly(payload):
    params = decode_object(payload, OPMEM)
    assert encode_object(params, _name(payload, OPMEM), OPMEM) == payload


@settings(max_examples=40, deadline=None)
@given(voices, st.integers(1, 16), st.integers(0, 0x7F))
def test_single_voice_messages_parse_back(payload, channel, rng):
    data = m.voice_message(payload, channel, rng)
    assert len(data) == 681
    dump = identify(Message(data))
    assert (dump.kind, dump.channel, dump.checksum, dump.payload) == ("voice", channel, "ok", payload)
    assert dump.details["range"] == rng and not dump.problems


@settings(max_examples=200)
@given(st.binary(min_size=1, max_size=400))
def test_checksum_makes_the_decoded_sum_a_multiple_of_128(payload):
    assert (sum(payload) + m.checksum(payload)) % 128 == 0
    assert 0 <= m.checksum(payload) <= 0x7F


def test_checksum_worked_example_from_the_spec():
    # The spec's numbers: 336 bytes summing to 19,277 -> 128 - (19,277 mod 128) = 0x33.
    payload = bytes([255] * 75 + [152]) + bytes(VOICE.size - 76)
    assert sum(payload) == 19_277 and m.checksum(payload) == 0x33


def test_checksum_is_over_bytes_not_nibbles():
    payload = bytes([0x12, 0x34]) + bytes(VOICE.size - 2)
    assert m.checksum(payload) == (-(0x12 + 0x34)) & 0x7F
    nibble_sum = (-(sum(nibbles_hi_first(payload)))) & 0x7F
    assert m.checksum(payload) != nibble_sum


def test_edited_parameters_land_in_the_right_bits():
    p = default_params(VOICE)
    p["lines"]["B"]["mode"] = "ring"
    p["modules"]["M4"]["waveform"] = "noise2"
    p["modules"]["M3"]["waveform"] = "saw3"
    p["modules"]["M5"]["detune"].update(fine=63, fixed_pitch=True, sign="+", octave=1, note=7)
    p["modules"]["M8"]["on"] = False
    p["modules"]["M2"]["envelope"][3].update(level=99, sustain=True)
    p["external_phase"]["M6"] = True
    p["vibrato"]["wave"] = "square"
    out = encode_object(p, "TEST", VOICE)
    assert out[2] == (2 << 6) | (7 << 3) | 3
    assert out[5 + 2 * 4] == (63 << 2) | 2 and out[6 + 2 * 4] == 0x80 | 19
    assert out[175 + 7] & 0x80
    assert out[21 + 3 * 18 + 9 + 1] == 0x80 | 99
    assert out[0] == 0b010
    assert out[314] & 0x03 == 3
    assert out[322:334] == b"TEST        "


def test_bad_values_are_refused_with_the_parameter_named():
    p = default_params(VOICE)
    p["modules"]["M1"]["detune"]["fine"] = 64
    with pytest.raises(ParamError, match=r"params\.modules\.M1\.detune\.fine: expected a whole "
                                         r"number 0-63, got 64"):
        encode_object(p, "X", VOICE)
    p = default_params(VOICE)
    p["lines"]["A"]["mode"] = "fm"
    with pytest.raises(ParamError, match='params.lines.A.mode: expected one of "mix", "phase", '
                                         '"ring"'):
        encode_object(p, "X", VOICE)
    p = default_params(VOICE)
    del p["tremolo"]["rate"]
    with pytest.raises(ParamError, match="params.tremolo.rate: expected a whole number 0-127, "
                                         "got nothing"):
        encode_object(p, "X", VOICE)
    p = default_params(OPMEM)
    p["combis"][0]["solo"] = 1
    with pytest.raises(ParamError, match=r"params.combis\[0\]\.solo: expected true or false, "
                                         "got 1"):
        encode_object(p, "X", OPMEM)
    p = default_params(VOICE)
    p["modules"]["M2"]["envelope"] = {"rate": 1}
    with pytest.raises(ParamError, match="params.modules.M2.envelope: expected a list of 8 "
                                         "objects"):
        encode_object(p, "X", VOICE)
    p = default_params(VOICE)
    p["modules"]["M2"]["key_follow"][0]["key"] = 60
    with pytest.raises(ParamError, match=r"key_follow\[0\]\.key: expected a note name"):
        encode_object(p, "X", VOICE)
    with pytest.raises(ParamError, match="name: .*at most 12"):
        encode_object(default_params(VOICE), "THIRTEEN CHAR", VOICE)
    with pytest.raises(ParamError, match="cannot show"):
        encode_object(default_params(VOICE), "TAB\tNAME", VOICE)


def test_unknown_bits_and_odd_names_survive():
    payload = bytearray(example_voice())
    payload[173] |= 0x8F  # bits of byte 173 the layout does not describe
    payload[322:334] = b"lower\x00case\x00\x00"
    params = decode_object(bytes(payload), VOICE)
    assert params["raw"]["extra_bits"]["173"] == 0x8F
    assert "name" in params["raw"]
    name = _name(bytes(payload), VOICE)
    assert encode_object(params, name, VOICE) == bytes(payload)
    # A new name replaces the kept raw bytes.
    assert encode_object(params, "NEW", VOICE)[322:334] == b"NEW         "


def test_lower_case_names_are_folded():
    assert encode_object(default_params(VOICE), "killer organ", VOICE)[322:334] == b"KILLER ORGAN"


def test_sound_bytes_leave_out_name_and_unused_bytes():
    a = bytearray(example_voice())
    b = bytearray(a)
    b[322:334] = b"OTHER NAME  "
    b[334:336] = b"--"
    assert sound_bytes(bytes(a), VOICE) == sound_bytes(bytes(b), VOICE)
    assert len(sound_bytes(bytes(a), VOICE)) == 322
    b[100] ^= 1
    assert sound_bytes(bytes(a), VOICE) != sound_bytes(bytes(b), VOICE)
    o = example_opmem()
    assert len(sound_bytes(o, OPMEM)) == 100 - 14


def test_builders_have_the_documented_sizes():
    v, o = example_voice(), example_opmem()
    assert len(m.voice_message(v)) == 681 and len(m.opmem_message(o)) == 209
    assert m.bulk_open("voices", 3) == bytes.fromhex("F0 44 03 00 72 70 00 F7")
    assert m.bulk_open("voices+opmems") == bytes.fromhex("F0 44 03 00 70 70 02 F7")
    assert m.bulk_close(16) == bytes.fromhex("F0 44 03 00 7F 71 F7")
    assert m.bulk_ok() == bytes.fromhex("F0 44 03 00 70 72 F7")
    assert m.bulk_error() == bytes.fromhex("F0 44 03 00 70 73 F7")
    assert len(m.bulk_file([v] * 64)) == 43_094
    assert len(m.bulk_file([v] * 64, [o] * 64)) == 55_958
    assert len(m.bulk_data([], [o] * 64)) == 6 + 64 * 201 + 1
    with pytest.raises(ValueError, match="exactly 64"):
        m.bulk_data([v] * 63)
    with pytest.raises(ValueError, match="channel"):
        m.voice_message(v, 17)
    with pytest.raises(ValueError, match="content"):
        m.bulk_open("everything")
    with pytest.raises(ValueError, match="336"):
        m.voice_message(v[:-1])
