"""Identification of every K-Station family message, and what is reported for bad ones."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from corpus_files import corpus_path
from hypothesis import given, settings
from hypothesis import strategies as st

from syxkit.cli import cli
from syxkit.core.framing import frame_messages
from syxkit.core.message import Message
from syxkit.devices import registry
from syxkit.devices.novation_kstation import messages as m
from syxkit.devices.novation_kstation.table import init_block

BLOCK = init_block()


def ident(data: bytes, offset: int = 0):
    return registry.identify(Message(data, offset))


def test_real_astation_current_sound_info_json():
    path = corpus_path("kstation", "astation_edit_buffer.syx")
    res = CliRunner().invoke(cli, ["info", "--json", str(path)])
    assert res.exit_code == 0, res.output
    (row,) = json.loads(res.output)
    assert row["device"] == "novation-kstation"
    assert row["model"] == "A-Station"
    assert row["kind"] == "current-sound"
    assert row["problems"] == []
    assert row["bank"] is None and row["program"] is None and row["name"] is None
    assert row["details"]["software_version"] == "2.1.2"  # Vv 0x11 = 2.1, Vi 2
    assert row["details"]["control"] == 0


@pytest.mark.parametrize("dt,model", [(0x41, "K-Station"), (0x40, "A-Station"), (0x42, "KS series")])
def test_model_from_device_type(dt, model):
    data = bytearray(m.program_dump("K-Station", 1, 5, BLOCK))
    data[5] = dt
    dump = ident(bytes(data))
    assert dump.device == "novation-kstation" and dump.model == model and dump.problems == []


def test_every_kind_identified():
    cases = {
        m.current_sound("A-Station", BLOCK, version=(0x11, 2)): ("current-sound", None, None),
        m.program_dump("K-Station", 3, 42, BLOCK, control=1): ("program", 3, 42),
        m.pair_dump("K-Station", 4, 98, BLOCK, BLOCK): ("program-pair", 4, 98),
        m.global_dump("K-Station", bytes(256)): ("global", None, None),
        m.request_current("K-Station"): ("current-sound-request", None, None),
        m.request_program("K-Station", 7, 2): ("program-request", 2, 7),
        m.request_pair("K-Station", 8, 2): ("program-pair-request", 2, 8),
        m.request_global("K-Station"): ("global-request", None, None),
    }
    for data, (kind, bank, program) in cases.items():
        dump = ident(data)
        assert (dump.kind, dump.bank, dump.program) == (kind, bank, program), data.hex()
        assert dump.problems == [], dump.problems
        assert dump.name is None and dump.checksum == "none"


def test_pair_has_two_program_parts():
    even, odd = bytes([1]) + BLOCK[1:], bytes([2]) + BLOCK[1:]
    dump = ident(m.pair_dump("K-Station", 2, 10, even, odd, control=1))
    assert [(p.kind, p.bank, p.program, p.index) for p in dump.parts] == [
        ("program", 2, 10, 0), ("program", 2, 11, 1)]
    assert dump.parts[0].payload == even and dump.parts[1].payload == odd
    assert dump.slot == "bank 2 programs 10-11"
    assert dump.details["control"] == 1 and dump.details["control_means"] == "store to bank B"


def test_details_show_control_and_version():
    dump = ident(m.program_dump("A-Station", 1, 0, BLOCK, version=(0x09, 17)))
    assert dump.details["software_version"] == "1.1.17"
    assert dump.details["vv"] == 9 and dump.details["vi"] == 17
    assert dump.details["control_means"] == "store to the currently selected bank"


def test_odd_pair_is_reported_at_absolute_offset():
    data = bytearray(m.pair_dump("K-Station", 1, 12, BLOCK, BLOCK))
    data[12] = 13
    dump = ident(bytes(data), offset=1000)
    assert len(dump.problems) == 1
    assert dump.problems[0].offset == 1012
    assert "odd program 13" in dump.problems[0].text and "even" in dump.problems[0].text


@pytest.mark.parametrize("cut", [1, 100, 128])
def test_short_pair_reported_with_expected_size(cut):
    data = m.pair_dump("K-Station", 1, 0, BLOCK, BLOCK)
    short = data[: -1 - cut] + b"\xf7"
    dump = ident(short, offset=50)
    texts = [p.text for p in dump.problems]
    assert any(f"program-pair is {len(short)} bytes; expected 270" in t for t in texts), texts
    assert len(dump.parts) == (1 if cut <= 128 else 0)


def test_long_program_reported():
    data = m.program_dump("K-Station", 1, 0, BLOCK)
    dump = ident(data[:-1] + b"\x00\x00\xf7")
    assert any("program is 144 bytes; expected 142" in p.text for p in dump.problems)


def test_request_with_data_is_reported():
    dump = ident(m.request_global("A-Station")[:-1] + b"\x01\xf7")
    assert any("global-request is 15 bytes; expected 14" in p.text for p in dump.problems)


def test_high_data_byte_reported():
    data = bytearray(m.program_dump("K-Station", 1, 0, BLOCK))
    data[13 + 40] = 0x85
    dump = ident(bytes(data), offset=7)
    (p,) = dump.problems
    assert p.offset == 7 + 53 and "0x85" in p.text and "00-7F" in p.text


def test_high_byte_in_a_file_is_reported_by_framing_and_size():
    data = bytearray(m.program_dump("K-Station", 1, 0, BLOCK))
    data[60] = 0x90  # a status byte: framing cuts the message there
    msgs = frame_messages(bytes(data))
    dump = registry.identify(msgs[0])
    assert any("expected 142" in p.text for p in dump.problems)
    assert any("status byte 90" in p.text for p in msgs[0].problems)


def test_unknown_type_and_cut_header():
    data = bytearray(m.request_current("K-Station"))
    data[7] = 0x05
    dump = ident(bytes(data))
    assert dump.kind == "unknown" and "message type 0x05" in dump.problems[0].text
    dump = ident(bytes([0xF0, 0, 0x20, 0x29, 1, 0x41, 0x7F, 0x00, 0xF7]))
    assert dump.kind == "unknown" and "inside the 13-byte header" in dump.problems[0].text


def test_bad_control_bank_program_and_channel():
    data = bytearray(m.program_dump("K-Station", 1, 0, BLOCK))
    data[8], data[11], data[12], data[6] = 2, 9, 120, 0x30
    texts = " | ".join(p.text for p in ident(bytes(data)).problems)
    assert "control byte C = 2" in texts
    assert "program P = 120 is outside 0-99" in texts
    assert "SysEx channel byte 0x30" in texts
    data[8] = 1
    assert "bank B = 9 is outside 1-4" in " ".join(p.text for p in ident(bytes(data)).problems)
    data[8] = 0  # with C=0 the bank is ignored by the device: a note, not a problem
    dump = ident(bytes(data))
    assert not any("bank B" in p.text for p in dump.problems)
    assert any("bank B = 9" in n for n in dump.notes)


def test_ks_drum_bank_has_fifty_programs():
    data = bytearray(m.program_dump("KS series", 5, 49, BLOCK, control=1))
    assert ident(bytes(data)).problems == []
    data[12] = 50
    assert any("outside 0-49" in p.text for p in ident(bytes(data)).problems)


def test_receive_channel_becomes_channel():
    dump = ident(m.program_dump("K-Station", 1, 0, BLOCK, sysex_channel=3))
    assert dump.channel == 4
    assert ident(m.program_dump("K-Station", 1, 0, BLOCK)).channel is None


def test_not_ours():
    assert ident(bytes([0xF0, 0x00, 0x20, 0x29, 0x01, 0x21, 0x7F, 0x00, 0xF7])) is None  # Nova
    assert ident(bytes([0xF0, 0x43, 0x10, 0xF7])) is None
    assert ident(bytes([0xF0, 0x00, 0x20, 0x29, 0x01])) is None


@settings(max_examples=300, deadline=None)
@given(st.sampled_from([0x40, 0x41, 0x42]), st.binary(max_size=300), st.booleans())
def test_arbitrary_bytes_never_crash(dt, tail, terminated):
    data = bytes([0xF0, 0x00, 0x20, 0x29, 0x01, dt]) + tail + (b"\xf7" if terminated else b"")
    dump = registry.identify(Message(data, 0, terminated=terminated))
    assert dump is not None and dump.device == "novation-kstation"
    for p in dump.problems:
        assert 0 <= p.offset <= len(data) and p.text


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(["K-Station", "A-Station"]), st.integers(1, 4), st.integers(0, 49),
       st.integers(0, 1), st.integers(0, 127), st.integers(0, 99),
       st.binary(min_size=256, max_size=256).map(lambda b: bytes(x & 0x7F for x in b)))
def test_pair_header_fields_read_back(model, bank, half, control, vv, vi, data):
    msg = m.pair_dump(model, bank, 2 * half, data[:128], data[128:], control=control,
                      version=(vv, vi))
    assert len(msg) == 270
    dump = ident(msg)
    assert (dump.model, dump.bank, dump.program, dump.problems) == (model, bank, 2 * half, [])
    assert (dump.details["control"], dump.details["vv"], dump.details["vi"]) == (control, vv, vi)
    assert dump.payload == data
