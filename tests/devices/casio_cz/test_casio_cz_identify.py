"""casio-cz: what every CZ message is, and a located problem for every malformed one."""

from __future__ import annotations

import pytest
from corpus_files import corpus_path
from czhelp import CZ_FILES, corpus_tones, dumps_of, one, plain_tone, receive_form

from syxkit.core.codecs import nibbles_lo_first
from syxkit.devices import registry
from syxkit.devices.casio_cz import messages as M
from syxkit.inspect import info_rows, load

HDR = b"\xf0\x44\x00\x00"


def test_registered_and_prefiltered():
    dev = registry.get("casio-cz")
    assert dev.accepts(receive_form(plain_tone()))
    assert not dev.accepts(b"\xf0\x44\x03\x00\x70\x00\x40\xf7")  # a VZ message
    assert one(b"\xf0\x44\x00\x00\x10\x20\x20\xf7") is None  # fifth byte is not 7n


@pytest.mark.parametrize("name", CZ_FILES)
def test_corpus_files_are_cz_tones(name):
    path = corpus_path("cz", name)
    tones = corpus_tones(path)
    assert tones
    for data, dump in tones:
        assert dump.device == "casio-cz" and dump.kind == "tone"
        assert dump.problems == [] and len(dump.payload) == 128
        assert dump.program == data[6] and dump.channel == (data[4] & 0x0F) + 1
        assert dump.details["form"] == "receive" and dump.name is None


def test_corpus_programs_and_channels():
    bank = [d for _, d in corpus_tones(corpus_path("cz", "cz10001.syx"))]
    assert [d.program for d in bank] == list(range(0x20, 0x40))
    assert {d.channel for d in bank} == {13}
    assert bank[0].slot == "0x20 (internal 1 on CZ-101)"
    assert bank[31].slot == "0x3F (internal D8 on CZ-3000/5000)"
    assert bank[31].details["slots"]["CZ-3000/5000"] == "Internal D8"
    assert bank[0].details["slots"]["CZ-1"] == "E1"
    preset = [d for _, d in corpus_tones(corpus_path("cz", "cz101-preset.bank"))]
    assert len(preset) == 16 and {(d.program, d.slot) for d in preset} == {(0x60, "edit buffer")}
    panel = corpus_tones(corpus_path("cz", "CZ-101_panel_src.syx"))[0][1]
    internal = corpus_tones(corpus_path("cz", "CZ-101_internal_01_src.syx"))[0][1]
    assert panel.payload == internal.payload  # the manifest says so


def test_info_json_rows_for_corpus():
    for name in CZ_FILES:
        (src,) = list(load([corpus_path("cz", name)]))
        for row in info_rows(src):
            assert row["device"] == "casio-cz" and row["kind"] == "tone"
            assert row["program"] is not None and row["slot"] and row["problems"] == []


def test_fetched_tone_has_no_program_and_a_note():
    data = M.tone_message(plain_tone(), 3, None)
    assert len(data) == 263 and data[5] == 0x30
    dump = one(data)
    assert (dump.kind, dump.program, dump.slot, dump.channel) == ("tone", None, None, 3)
    assert dump.details["form"] == "fetched" and dump.payload == plain_tone()
    assert any("convert" in n and "no program" in n for n in dump.notes)


def test_cz1_named_tone_both_forms():
    payload = plain_tone() + b"BRASS 1".ljust(16)
    sent = M.tone_message(payload, 1, 0x05)
    fetched = M.tone_message(payload, 1, None)
    assert (len(sent), len(fetched)) == (296, 295)
    a, b = one(sent), one(fetched)
    assert (a.model, a.kind, a.name, a.program, a.slot) == ("CZ-1", "tone", "BRASS 1", 5, "A6")
    assert (b.model, b.name, b.program) == ("CZ-1", "BRASS 1", None)
    assert a.payload == b.payload == payload


def test_operation_memory_forms():
    opmem = bytes(range(20))
    a = one(M.object_message(opmem, 2, 0x03))
    b = one(M.object_message(opmem, 2, None))
    assert len(M.object_message(opmem, 2, 0x03)) == 48
    assert (a.kind, a.model, a.program, a.payload) == ("operation-memory", "CZ-1", 3, opmem)
    assert (b.kind, b.program, b.payload) == ("operation-memory", None, opmem)


@pytest.mark.parametrize("what,code", [("tone", 0x10), ("named-tone", 0x11),
                                       ("operation-memory", 0x12)])
def test_send_requests_faithful_and_embedded(what, code):
    faithful = M.send_request(0x22, 5, what)
    embedded = M.send_request(0x22, 5, what, embedded=True)
    assert faithful == HDR + bytes([0x74, code, 0x22])
    assert embedded == faithful + b"\x74\x31\xf7"
    f, e = dumps_of(faithful)[0], dumps_of(embedded)[0]
    assert (f.kind, f.details["form"], f.program, f.channel) == ("send-request", "faithful", 0x22, 5)
    assert (e.kind, e.details["form"]) == ("send-request", "embedded")
    # the faithful form has no F7 by design: framing's complaint is waived, not shown
    (src,) = list(load_bytes(faithful))
    assert info_rows(src)[0]["problems"] == []


def load_bytes(data):
    from syxkit.inspect import load_bytes as lb
    return lb(data, "t.syx")


def test_faithful_request_followed_by_other_messages():
    data = M.send_request(0x20, 1) + receive_form(plain_tone())
    dumps = dumps_of(data)
    assert [d.kind for d in dumps] == ["send-request", "tone"]
    assert dumps[0].waived and dumps[0].problems == []


def test_receive_requests_and_reply():
    rr = one(M.receive_request(0x60, 1))
    assert (rr.kind, rr.details["form"], rr.slot) == ("receive-request", "faithful", "edit buffer")
    rr1 = one(M.receive_request(0x02, 1, "named-tone"))
    assert (rr1.kind, rr1.model, rr1.slot) == ("receive-request", "CZ-1", "A3")
    closed = one(HDR + b"\x70\x20\x20\xf7")
    assert closed.kind == "receive-request" and any("before any data" in n for n in closed.notes)
    reply = one(M.reply_header(2))
    assert (reply.kind, reply.channel, reply.problems) == ("reply", 2, [])
    seq = one(M.send_request(0x61, 1, "sequencer", embedded=True))
    assert seq.kind == "send-request" and seq.details["asks_for"] == "CZ-5000 sequencer data"


def test_control_messages():
    assert one(M.bend_range(12, 1)).details["semitones"] == 12
    assert one(M.key_transpose(-5, 1)).details["semitones"] == -5
    assert M.key_transpose(-5) == HDR + b"\x70\x41\x45\xf7"
    assert one(M.key_transpose(6, 1)).details["semitones"] == 6
    assert one(M.tone_mix(0x10, 1)).kind == "tone-mix"
    mode = one(M.cz1_mode("key split", 16))
    assert (mode.kind, mode.details["mode"], mode.channel, mode.model) == ("cz1-mode", "key split", 16, "CZ-1")


# -- malformed cases ---------------------------------------------------------------------------

def _problem(dump, index=0):
    assert dump.problems, "expected a problem"
    return dump.problems[index]


def test_short_tone_reports_length_at_its_end():
    data = receive_form(plain_tone())[:200] + b"\xf7"
    dump = one(data)
    p = _problem(dump)
    assert dump.kind == "tone" and dump.payload is None
    assert p.offset == 200 and "193 nibbles; expected 256" in p.text


def test_long_tone_reports_where_the_extra_starts():
    data = receive_form(plain_tone())[:-1] + b"\x00\x00\xf7"
    p = _problem(one(data))
    assert p.offset == 7 + 256 and "258 nibbles" in p.text


def test_odd_nibble_count():
    data = receive_form(plain_tone())[:-2] + b"\xf7"
    assert "255 nibbles" in _problem(one(data)).text


def test_byte_above_0f_is_located():
    data = bytearray(receive_form(plain_tone()))
    data[7 + 40] = 0x3C
    data[7 + 90] = 0x10
    dump = one(bytes(data))
    p = _problem(dump)
    assert p.offset == 47 and "3C" in p.text and "not a nibble" in p.text and "1 more" in p.text
    assert dump.payload is None


def test_offsets_are_absolute_in_the_file_and_count_removed_realtime_bytes():
    good = receive_form(plain_tone())
    bad = bytearray(receive_form(plain_tone(2)))
    bad[7 + 10] = 0x55
    with_clock = bytes(bad[:5]) + b"\xf8" + bytes(bad[5:])  # clock byte inside the SysEx
    dumps = dumps_of(good + with_clock)
    p = _problem(dumps[1])
    assert p.offset == 264 + 7 + 10 + 1


def test_truncated_tone_without_f7():
    data = receive_form(plain_tone())[:100]
    dump = one(data)
    assert dump.kind == "tone" and any("nibbles" in p.text for p in dump.problems)
    assert dump.message.problems  # framing's own "no F7" stays visible
    assert not dump.waived


def test_fetched_with_unusual_length():
    data = HDR + b"\x70\x30" + nibbles_lo_first(bytes(30)) + b"\xf7"  # 60 nibbles
    dump = one(data)
    assert dump.kind == "operation-memory" and "60 nibbles; expected 40" in _problem(dump).text


def test_unknown_command_and_stumps():
    unknown = one(HDR + b"\x70\x5a\x01\xf7")
    assert unknown.kind == "unknown" and _problem(unknown).offset == 5
    assert "5A" in _problem(unknown).text
    stump = one(HDR + b"\x71\xf7")
    assert stump.kind == "unknown" and "after the channel byte" in _problem(stump).text
    no_pp = one(HDR + b"\x70\x20\xf7")
    assert no_pp.kind == "tone" and "program address" in _problem(no_pp).text


def test_request_with_unexpected_tail_and_wrong_go_ahead():
    tail = one(HDR + b"\x70\x10\x20\x01\x02\x03\xf7")
    assert _problem(tail).offset == 7 and "3 unexpected" in _problem(tail).text
    wrong = one(HDR + b"\x70\x10\x20\x71\x31\xf7")
    assert "go-ahead says 71" in _problem(wrong).text
    closed = one(HDR + b"\x70\x10\x20\xf7")
    assert closed.details["form"] == "closed" and closed.notes


@pytest.mark.parametrize("data,text", [
    (HDR + b"\x70\x40\x0d\xf7", "bend range 13"),
    (HDR + b"\x70\x41\x07\xf7", "key transpose byte 07"),
    (HDR + b"\x70\x41\x46\xf7", "key transpose byte 46"),
    (HDR + b"\x70\x4d\x10\xf7", "CZ-1 mode byte 10"),
    (HDR + b"\x70\x40\xf7", "0 value byte"),
    (HDR + b"\x70\x42\x01\x02\xf7", "2 value byte"),
])
def test_bad_control_values(data, text):
    assert text in _problem(one(data)).text


def test_name_outside_cz1_charset():
    payload = plain_tone() + b"brass".ljust(16)
    dump = one(M.tone_message(payload, 1, 0x00))
    p = _problem(dump)
    assert "name character 1" in p.text and p.offset == 7 + 256
    assert dump.payload == payload  # the tone is still usable
    from czhelp import DEVICE
    params = DEVICE.decode(dump)
    assert params["raw"] == payload.hex()
    obj = {"kind": "tone", "channel": 1, "program": 0, "name": dump.name, "params": params}
    assert DEVICE.encode(obj) == M.tone_message(payload, 1, 0x00)


def test_builders_refuse_bad_arguments():
    with pytest.raises(ValueError, match="channel"):
        M.send_request(0x20, 17)
    with pytest.raises(ValueError, match="program"):
        M.send_request(0x80, 1)
    with pytest.raises(ValueError, match="unknown object"):
        M.send_request(0x20, 1, "song")
    with pytest.raises(ValueError, match="bend range"):
        M.bend_range(13)
    with pytest.raises(ValueError, match="transpose"):
        M.key_transpose(7)
    with pytest.raises(ValueError, match="mode"):
        M.cz1_mode("loud")
    with pytest.raises(ValueError, match="127 bytes"):
        M.object_message(bytes(127))
    assert M.go_ahead(16) == b"\x7f\x31" and M.block_end(1) == b"\x70\x32"
    assert M.data_block(b"\x5f") == b"\x0f\x05\xf7"


def test_store_says_where_the_cz_puts_it_with_the_deciding_bytes():
    from syxkit.devices.casio_cz.tone import init_payload

    assert one(M.tone_message(init_payload(), 1, 0x22)).store == \
        "internal 3 on CZ-101 (pp=0x22, channel 1: 7n=70)"
    assert one(M.tone_message(init_payload(), 13, 0x60)).store.startswith(
        "edit buffer / sound area (pp=0x60, channel 13: 7n=7C): played, not stored")
    assert "presets cannot be written" in one(M.tone_message(init_payload(), 1, 0x03)).store
    assert one(M.tone_message(init_payload(), 1, None)).store.startswith("nowhere: the fetched")
