"""casio-cz: convert, join, split, rename, sound bytes and example (Python API)."""

from __future__ import annotations

import pytest
from corpus_files import corpus_path
from czhelp import CZ_FILES, corpus_tones, dumps_of, one, plain_tone

from syxkit.devices.base import DeviceError, Options
from syxkit.devices.casio_cz import DEVICE
from syxkit.devices.casio_cz import messages as M
from syxkit.devices.casio_cz.slots import check_writable, parse_model, slot_label


def captures(n: int, channel: int = 1):
    """n tones as fetched from a CZ (263 bytes each)."""
    return [one(M.tone_message(plain_tone(k), channel, None)) for k in range(n)]


@pytest.mark.parametrize("name", CZ_FILES)
def test_capture_of_every_corpus_tone_converts_back(name):
    for data, dump in corpus_tones(corpus_path("cz", name)):
        capture = one(M.tone_message(dump.payload, dump.channel, None))
        assert len(capture.message.data) == 263
        (out,) = DEVICE.convert([capture], Options(program=dump.program))
        assert out.data == data
        assert any("rewritten" in n for n in out.notes)


def test_convert_readdresses_program_and_channel():
    caps = captures(3)
    outs = DEVICE.convert(caps, Options(program=0x24, channel=10))
    assert [(o.data[4], o.data[6]) for o in outs] == [(0x79, 0x24), (0x79, 0x25), (0x79, 0x26)]
    outs = DEVICE.convert(caps, Options(program=0x60))
    assert {o.data[6] for o in outs} == {0x60}  # the edit buffer is one slot for all
    tone = one(M.tone_message(plain_tone(), 1, 0x21))
    (out,) = DEVICE.convert([tone], Options(channel=2))
    assert out.data[4] == 0x71 and out.data[6] == 0x21 and out.notes == []


@pytest.mark.parametrize("program,model,text", [
    (0x05, None, "preset slot"),
    (0x1F, None, "presets"),
    (0x10, "CZ-5000", "Preset C1 on the CZ-5000, a preset"),
    (0x30, "CZ-101", "no slot of the CZ-101"),
    (0x20, "CZ-230S", "Preset 32 on the CZ-230S"),
    (0x70, None, "not a CZ program address"),
    (0x80, None, "out of range"),
])
def test_convert_refuses_preset_and_unknown_slots(program, model, text):
    with pytest.raises(DeviceError, match=text):
        DEVICE.convert(captures(1), Options(program=program, model=model))


def test_convert_accepts_model_specific_slots():
    for program, model in ((0x05, "CZ-1"), (0x3F, "cz5000"), (0x4F, "CZ-1000"), (0x63, "CZ-230S")):
        (out,) = DEVICE.convert(captures(1), Options(program=program, model=model))
        assert out.data[6] == program
    check_writable(0x60, None)


def test_fetched_without_program_is_refused():
    with pytest.raises(DeviceError, match="no program address; give one with --program"):
        DEVICE.convert(captures(1), Options())


def test_malformed_tone_is_refused():
    bad = one(M.tone_message(plain_tone(), 1, 0x20)[:100] + b"\xf7")
    with pytest.raises(DeviceError, match="malformed"):
        DEVICE.convert([bad], Options(program=0x20))


def test_cz1_named_to_plain_and_back():
    named = one(M.tone_message(plain_tone() + b"STRINGS".ljust(16), 1, 0x03))
    (plain,) = DEVICE.convert([named], Options(form="cz101", program=0x60))
    assert len(plain.data) == 264 and plain.data[5] == 0x20
    assert any("'STRINGS' dropped" in n for n in plain.notes)
    back_dump = one(plain.data)
    (back,) = DEVICE.convert([back_dump], Options(form="cz1", name="STRINGS 2", program=0x03))
    dump = one(back.data)
    assert (dump.name, dump.model, dump.program, len(back.data)) == ("STRINGS 2", "CZ-1", 3, 296)
    assert dump.payload[:128] == plain_tone()
    (blank,) = DEVICE.convert([back_dump], Options(form="cz-1", program=0x03))
    assert one(blank.data).name == "" and any("blank name" in n for n in blank.notes)


def test_named_tone_keeps_its_cz1_slot_without_model():
    named = one(M.tone_message(plain_tone() + b"A".ljust(16), 1, 0x03))
    (out,) = DEVICE.convert([named], Options(channel=4))
    assert out.data[6] == 0x03 and out.data[4] == 0x73


@pytest.mark.parametrize("options,text", [
    (Options(form="cz101", name="X", program=0x20), "cannot be kept"),
    (Options(name="X", program=0x20), "add --to cz1"),
    (Options(form="cz1", name="lower~", program=0x00), "CZ-1 name"),
    (Options(form="wav", program=0x20), "unknown target form"),
    (Options(model="CZ-9", program=0x20), "unknown CZ model"),
])
def test_convert_option_errors(options, text):
    tone = one(M.tone_message(plain_tone() + b"N".ljust(16), 1, 0x20)) if "cannot" in text \
        else one(M.tone_message(plain_tone(), 1, 0x20))
    with pytest.raises(DeviceError, match=text):
        DEVICE.convert([tone], options)


def test_convert_control_messages_change_channel():
    dumps = dumps_of(M.bend_range(2, 1) + M.send_request(0x20, 1, embedded=True))
    outs = DEVICE.convert(dumps, Options(channel=3))
    assert outs[0].data == M.bend_range(2, 3)
    assert outs[1].data == M.send_request(0x20, 3, embedded=True)


# -- join ------------------------------------------------------------------------------------

def test_seed_workflow_cz5000_banks_a_to_d():
    outs = DEVICE.join(captures(32), Options(model="CZ-5000"))
    assert [o.name for o in outs] == ["internal-A.syx", "internal-B.syx", "internal-C.syx",
                                      "internal-D.syx"]
    for k, out in enumerate(outs):
        tones = dumps_of(out.data)
        assert len(out.data) == 8 * 264
        assert [t.program for t in tones] == list(range(0x20 + 8 * k, 0x28 + 8 * k))
        assert [t.payload for t in tones] == [plain_tone(8 * k + i) for i in range(8)]
    assert "Internal A1 ... Internal A8" in outs[0].notes[0]


def test_join_bank_size_and_start():
    outs = DEVICE.join(captures(20), Options(bank_size=8, program=0x20, channel=13))
    assert [o.name for o in outs] == ["bank-1.syx", "bank-2.syx", "bank-3.syx"]
    tones = [t for o in outs for t in dumps_of(o.data)]
    assert [t.program for t in tones] == list(range(0x20, 0x34)) and {t.channel for t in tones} == {13}
    (one_bank,) = DEVICE.join(captures(4), Options(program=0x40))
    assert one_bank.name == "bank.syx" and dumps_of(one_bank.data)[3].program == 0x43


def test_join_corpus_bank_rebuilds_it():
    data = corpus_path("cz", "cz10001.syx").read_bytes()
    caps = [one(M.tone_message(d.payload, d.channel, None)) for d in dumps_of(data)]
    (out,) = DEVICE.join(caps, Options(program=0x20))
    assert out.data == data


def test_join_as_edit_buffer_and_conflicts():
    (out,) = DEVICE.join(captures(16), Options(as_edit_buffer=True))
    assert {t.program for t in dumps_of(out.data)} == {0x60} and len(out.data) == 16 * 264
    with pytest.raises(DeviceError, match="cannot be combined"):
        DEVICE.join(captures(2), Options(as_edit_buffer=True, program=0x20))
    with pytest.raises(DeviceError, match="tone 17 of 32.*no slot of the CZ-101"):
        DEVICE.join(captures(32), Options(model="CZ-101"))
    with pytest.raises(DeviceError, match="tone 17 of 17"):
        DEVICE.join(captures(17), Options(program=0x40))
    with pytest.raises(DeviceError, match="no CZ tone"):
        DEVICE.join(dumps_of(M.bend_range(1)), Options())


def test_join_pads_and_reports_left_out_messages():
    pad = one(M.tone_message(plain_tone(99), 1, 0x60))
    dumps = captures(5) + dumps_of(M.bend_range(1))
    (out,) = DEVICE.join(dumps, Options(bank_size=8, pad_with=[pad]))
    tones = dumps_of(out.data)
    assert len(tones) == 8 and tones[7].payload == plain_tone(99)
    assert any("not tones left out (bend-range)" in n for n in out.notes)
    with pytest.raises(DeviceError, match="needs a bank size"):
        DEVICE.join(captures(2), Options(pad_with=[pad]))


def test_join_named_tones_for_a_cz101_drops_names():
    named = [one(M.tone_message(plain_tone(k) + b"N".ljust(16), 1, k)) for k in range(3)]
    (out,) = DEVICE.join(named, Options(model="CZ-101"))
    tones = dumps_of(out.data)
    assert [len(t.message.data) for t in tones] == [264] * 3 and all(t.name is None for t in tones)
    assert any("dropped" in n for n in out.notes)
    (cz1,) = DEVICE.join(named, Options(model="CZ-1"))
    assert [t.program for t in dumps_of(cz1.data)] == [0, 1, 2] and len(cz1.data) == 3 * 296


# -- split / rename / misc ------------------------------------------------------------------

def test_split_names_files_by_source_place_and_slot():
    data = corpus_path("cz", "INTERNAL.SYX").read_bytes()
    outs = DEVICE.split(dumps_of(data, "/x/INTERNAL.SYX"), Options())
    assert outs[0].name == "INTERNAL-01-20-internal-1.syx"
    assert outs[15].name == "INTERNAL-16-2f-internal-16.syx"
    assert b"".join(o.data for o in outs) == data
    outs = DEVICE.split(dumps_of(data, "INTERNAL.SYX"), Options(model="CZ-5000"))
    assert outs[9].name == "INTERNAL-10-29-internal-b2.syx"
    eb = DEVICE.split(dumps_of(corpus_path("cz", "cz101-preset.bank").read_bytes(),
                               "cz101-preset.bank"), Options())
    names = [o.name for o in eb]
    assert names[:2] == ["cz101-preset-01-60-edit-buffer.syx", "cz101-preset-02-60-edit-buffer.syx"]
    assert sorted(names) == names  # a plain sort keeps the bank's order (issue 13 point 8)
    named = one(M.tone_message(plain_tone() + b"WARM PAD".ljust(16), 1, 0x09))
    (o,) = DEVICE.split([named], Options())
    assert o.name == "test-01-09-b2-warm-pad.syx"
    (f,) = DEVICE.split(captures(1), Options())
    assert f.name.endswith("-01-fetched.syx")


def test_rename():
    named = one(M.tone_message(plain_tone() + b"OLD".ljust(16), 2, 0x09))
    renamed = one(DEVICE.rename(named, "new-1", Options(index=None)))
    assert (renamed.name, renamed.program, renamed.channel) == ("NEW-1", 9, 2)
    assert renamed.payload[:128] == plain_tone()
    with pytest.raises(DeviceError, match="'#'"):
        DEVICE.rename(named, "A#", Options())
    with pytest.raises(DeviceError, match="at most 16"):
        DEVICE.rename(named, "X" * 17, Options())
    with pytest.raises(DeviceError, match="have no name"):
        DEVICE.rename(one(M.tone_message(plain_tone(), 1, 0x20)), "X", Options())


def test_sound_bytes_ignore_name_address_and_form():
    a = one(M.tone_message(plain_tone() + b"X".ljust(16), 3, 0x01))
    b = one(M.tone_message(plain_tone(), 1, None))
    assert DEVICE.sound_bytes(a) == DEVICE.sound_bytes(b) == plain_tone()
    assert DEVICE.sound_bytes(one(M.bend_range(2))) is None
    assert DEVICE.objects(a) == [a]


def test_example_is_a_valid_init_tone():
    dump = one(DEVICE.example())
    assert (dump.kind, dump.program, dump.slot, dump.problems) == ("tone", 0x60, "edit buffer", [])
    params = DEVICE.decode(dump)
    assert params["line1"]["waveform1"] == "saw" and params["line1"]["dca"]["sustain_step"] == 2
    assert DEVICE.fix(dump) is None


def test_models_and_slot_labels():
    assert parse_model("cz5000") == "CZ-5000" and parse_model("CZ-1") == "CZ-1"
    assert parse_model("101") == "CZ-101" and parse_model(None) is None
    assert slot_label(0x20, "CZ-101") == "Internal 1"
    assert slot_label(0x45, "CZ-1000") == "Cartridge 6"
    assert slot_label(0x3F, "CZ-3000") == "Internal D8"
    assert slot_label(0x3F, "CZ-1") == "H8"
    assert slot_label(0x60, "CZ-230S") == "edit buffer (slot 96)"
    assert slot_label(0x62, "CZ-230S") == "Slot 98"
    assert slot_label(0x40, None) == "0x40 (cartridge 1 on CZ-101)"
    assert slot_label(0x7E, None) == "0x7E (not a CZ program address)"


def test_check_name_without_writing():
    named = one(M.tone_message(plain_tone() + b"OLD".ljust(16), 2, 0x09))
    assert DEVICE.check_name("warm pad 2", named) == "WARM PAD 2"
    with pytest.raises(DeviceError, match="17 characters; at most 16"):
        DEVICE.check_name("A" * 17, named)
    with pytest.raises(DeviceError, match="'!'"):
        DEVICE.check_name("BRASS!", named)
    with pytest.raises(DeviceError, match="have no name"):
        DEVICE.check_name("X", one(M.tone_message(plain_tone(), 1, 0x20)))
