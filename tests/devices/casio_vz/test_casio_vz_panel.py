"""casio-vz: decode shows panel values, encode validates JSON by the field table and gives every
dump back byte for byte (issue 13 points 5 and 10, issue 14 point 5)."""

from __future__ import annotations

import copy
import json

import pytest
from corpus_files import corpus_path
from hypothesis import given, settings
from hypothesis import strategies as st

from syxkit.core.message import Message
from syxkit.devices.casio_vz import DEVICE
from syxkit.devices.casio_vz import messages as m
from syxkit.devices.casio_vz.sounds import example_opmem, example_voice
from syxkit.devices.casio_vz.table import OPMEM, VOICE
from syxkit.devices.params import ParamError
from syxkit.inspect import entries, load_bytes

DOS_FILES = ["CLAVI.P05", "GITIANO.P01", "NYLON.P01", "OBANK1.O64", "PBANK1.P64", "PIANO.P02",
             "VIBE.P01", "VIBIANO.PCH", "VZEP.P01", "VZEPSTD.P01"]


def dumps(data: bytes, name: str = "x.syx"):
    return [e.dump for e in entries(load_bytes(data, name)[0]) if e.dump is not None]


def wrapped(dump):
    return json.loads(json.dumps({"device": dump.device, "kind": dump.kind, "model": dump.model,
                                  "channel": dump.channel, "program": dump.program,
                                  "name": dump.name, "params": DEVICE.decode(dump)}))


def one(data: bytes):
    (dump,) = [DEVICE.identify(msg) for msg in [Message(data)]]
    return dump


# -- panel values -------------------------------------------------------------------------------

def test_inverted_and_counted_fields_show_panel_values():
    payload = bytearray(example_voice())
    payload[174] = 14  # total level, stored inverted
    payload[175] = 0x80 | 9  # M1 off, depth stored inverted
    payload[183] = 0  # pitch envelope depth, stored 0 = 63
    payload[165] = 7 << 4 | 2  # M1 end step stored 7 = S8
    payload[21 + 17] = 64 + 10  # pitch envelope step 1 level, around 64
    payload[6] = 0x80 | 27  # M1 detune: + 2 octaves 3 notes
    p = DEVICE.decode(one(m.voice_message(bytes(payload))))
    assert p["total_level"] == 85
    assert (p["modules"]["M1"]["on"], p["modules"]["M1"]["depth"]) == (False, 90)
    assert p["pitch"]["depth"] == 63
    assert p["modules"]["M1"]["envelope_end"] == 8
    assert p["pitch"]["envelope"][0]["level"] == 10
    assert p["modules"]["M1"]["detune"] == {"fine": 0, "fixed_pitch": False, "range": 0,
                                            "sign": "+", "octave": 2, "note": 3}
    assert p["modules"]["M1"]["key_follow"][0]["key"] == "C9"  # key 120
    assert p["modules"]["M1"]["velocity"]["curve"] == 1  # stored 0


def test_edits_in_panel_values_land_in_the_stored_bits():
    dump = one(m.voice_message(example_voice()))
    obj = wrapped(dump)
    p = obj["params"]
    p["total_level"] = 90
    p["pitch"]["depth"] = 10
    p["modules"]["M3"]["depth"] = 0
    p["modules"]["M3"]["envelope_end"] = 1
    p["modules"]["M3"]["key_follow"][2].update(key="C4", level=50)
    p["modules"]["M3"]["detune"].update(octave=3, note=11)
    out = one(DEVICE.encode(obj)).payload
    assert out[174] == 9 and out[183] & 0x3F == 53 and out[175 + 2] & 0x7F == 99
    assert out[165 + 2] >> 4 == 0
    assert (out[184 + 24 + 4], out[184 + 24 + 5]) == (60, 49)
    assert out[6 + 4] & 0x7F == 47


# -- point 10: what decode -> encode used to change silently --------------------------------------

def test_bad_checksum_is_kept_not_repaired():
    data = bytearray(m.voice_message(example_voice()))
    data[-2] ^= 0x11  # the fuzz reproducer: a voice whose checksum is wrong
    dump = one(bytes(data))
    assert dump.checksum == "bad"
    obj = wrapped(dump)
    assert obj["params"]["raw"]["checksum"] == data[-2]
    assert DEVICE.encode(obj) == bytes(data)
    fixed, _ = DEVICE.fix(dump)
    assert one(fixed).checksum == "ok"


def test_bad_checksum_in_a_bulk_part_is_kept():
    bank = bytearray(m.bulk_data([example_voice(f"V{i}") for i in range(64)]))
    bank[6 + 5 * 673 + 672] ^= 1
    (dump,) = dumps(bytes(bank))
    assert dump.parts[5].checksum == "bad"
    assert DEVICE.encode(wrapped(dump)) == bytes(bank)


def test_opmem_trailing_bytes_are_kept():
    data = m.opmem_message(example_opmem())
    data = data[:-1] + bytes([0x01, 0x02, 0x03]) + b"\xf7"  # the fuzz reproducer
    dump = one(data)
    assert dump.problems and dump.payload is not None
    assert DEVICE.encode(wrapped(dump)) == data


def test_missing_f7_is_kept():
    data = m.voice_message(example_voice())[:-1]
    dump = DEVICE.identify(Message(data, terminated=False))
    assert DEVICE.encode(wrapped(dump)) == data


# -- every corpus voice and op-mem, DOS records included -------------------------------------------

def test_killer_organ_round_trips_through_json():
    src = corpus_path("vz", "KILLER_ORGAN.syx")
    (dump,) = dumps(src.read_bytes(), src.name)
    assert DEVICE.encode(wrapped(dump)) == src.read_bytes()


@pytest.mark.parametrize("name", DOS_FILES)
def test_dos_records_round_trip_byte_exact(name):
    src = corpus_path("vz", "dos_files", name)
    found = dumps(src.read_bytes(), src.name)
    assert found
    for dump in found:
        if dump.payload is None:
            continue
        spec = VOICE if dump.kind == "voice" else OPMEM
        again = one(DEVICE.encode(wrapped(dump)))
        # The record's own bytes (data and checksum) come back in the SysEx form.
        assert again.payload == dump.payload and again.checksum == dump.checksum, spec.kind
        assert again.details.get("checksum_byte") == dump.details.get("checksum_byte")


# -- point 5: bad JSON names the path; missing sections need a base --------------------------------

@pytest.mark.parametrize("mutate,message", [
    (lambda o: o["params"]["modules"]["M1"].update(envelope="99"),
     'params.modules.M1.envelope: expected a list of 8 objects, got "99"'),
    (lambda o: o["params"]["modules"]["M1"]["envelope"][2].update(rate=200),
     r"params.modules.M1.envelope\[2\].rate: expected a whole number 0-127, got 200"),
    (lambda o: o["params"].pop("vibrato"), "params.vibrato: expected an object with multi, wave"),
    (lambda o: o["params"]["lines"].update(E={}), "params.lines.E: expected no such key"),
    (lambda o: o.update(params=[]), r"params: expected an object, got \[\]"),
    (lambda o: o.update(channel="1"), 'channel: expected a whole number 1-16 .*got "1"'),
    (lambda o: o.update(kind="song"), 'kind: expected one of voice, opmem, bulk.*got "song"'),
    (lambda o: o["params"].update(raw={"checksum": 300}),
     "params.raw.checksum: expected a checksum byte 0-127"),
])
def test_bad_json_names_the_path(mutate, message):
    obj = wrapped(one(m.voice_message(example_voice())))
    mutate(obj)
    with pytest.raises(ParamError, match=message):
        DEVICE.encode(obj)


def test_bulk_errors_name_the_part():
    (dump,) = dumps(m.bulk_data([example_voice()] * 64))
    obj = wrapped(dump)
    obj["params"]["parts"][12]["params"]["tremolo"]["wave"] = "sine"
    with pytest.raises(ParamError, match=r"params.parts\[12\].params.tremolo.wave: expected one "
                                         'of "triangle"'):
        DEVICE.encode(obj)
    obj["params"]["parts"] = []
    with pytest.raises(ParamError, match=r"params.parts: expected a list of 64 voices.*got \[\]"):
        DEVICE.encode(obj)
    with pytest.raises(ParamError, match="top level: expected an object"):
        DEVICE.encode("voice")


def test_a_base_fills_what_the_json_leaves_out():
    base = one(m.voice_message(example_voice("BASE"), channel=4))
    partial = {"kind": "voice", "params": {"vibrato": {"rate": 7}}}
    with pytest.raises(ParamError, match="params.external_phase: expected an object"):
        DEVICE.encode({**partial, "channel": 1})
    out = one(DEVICE.encode(partial, base=base))
    assert (out.channel, out.name) == (4, "BASE")
    expected = DEVICE.decode(base)
    expected["vibrato"]["rate"] = 7
    assert DEVICE.decode(out) == expected
    # A bulk base fills whole parts and values inside parts.
    (bulk,) = dumps(m.bulk_data([example_voice(f"V{i}") for i in range(64)]))
    obj = wrapped(bulk)
    edited = copy.deepcopy(obj)
    del edited["params"]["parts"][3]["params"]["modules"]
    assert DEVICE.encode(edited, base=bulk) == DEVICE.encode(obj)


# -- property tests ----------------------------------------------------------------------------

@settings(max_examples=40, deadline=None)
@given(st.binary(min_size=VOICE.size, max_size=VOICE.size), st.integers(1, 16),
       st.integers(0, 0x7F), st.one_of(st.none(), st.integers(0, 0x7F)))
def test_random_voices_round_trip_through_json(payload, channel, rng, check):
    data = bytearray(m.voice_message(payload, channel, rng))
    if check is not None:
        data[-2] = check  # good or bad, the checksum comes back as found
    dump = one(bytes(data))
    assert DEVICE.encode(wrapped(dump)) == bytes(data)


@settings(max_examples=40, deadline=None)
@given(st.binary(min_size=OPMEM.size, max_size=OPMEM.size), st.binary(max_size=4))
def test_random_opmems_round_trip_through_json(payload, tail):
    data = m.opmem_message(payload)
    data = data[:-1] + bytes(b & 0x7F for b in tail) + b"\xf7"
    dump = one(data)
    assert DEVICE.encode(wrapped(dump)) == data


def test_store_says_where_each_object_goes():
    assert one(m.voice_message(example_voice(), channel=5)).store.startswith(
        "edit area of the VZ on channel 5 (7n=74, no address byte)")
    (bulk,) = dumps(m.bulk_data([example_voice()] * 64, channel=2))
    assert bulk.store.startswith("internal memory A1-H8 of the VZ on channel 2 (7n=71")
    assert bulk.parts[9].store == "internal B2 (object 10 of the bulk)"
    src = corpus_path("vz", "dos_files", "VZEP.P01")
    (rec,) = dumps(src.read_bytes(), src.name)
    assert rec.store.startswith("nowhere as it is: a DOS librarian record")


def test_check_name_says_how_the_name_is_stored_or_why_not():
    from syxkit.devices.base import DeviceError

    voice = one(m.voice_message(example_voice()))
    assert DEVICE.check_name("killer [/x]", voice) == "KILLER [/X]"
    with pytest.raises(DeviceError, match="13 characters; at most 12"):
        DEVICE.check_name("THIRTEEN CHAR", voice)
    with pytest.raises(DeviceError, match="cannot show"):
        DEVICE.check_name("A\\B", voice)
    (bulk,) = dumps(m.bulk_data([example_voice()] * 64))
    assert DEVICE.check_name("part", bulk.parts[3]) == "PART"
    with pytest.raises(DeviceError, match="pick one part"):
        DEVICE.check_name("X", bulk)
