"""Identification of every VZ message, the real voice file, and every malformed case with the
offset it is reported at."""

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
from syxkit.devices.casio_vz import DEVICE
from syxkit.devices.casio_vz import messages as m
from syxkit.devices.casio_vz.sounds import example_opmem, example_voice
from syxkit.inspect import entries, info_rows, load_bytes


def dumps_of(data: bytes):
    return [registry.identify(msg) for msg in frame_messages(data)]


def problems(dump) -> list[str]:
    return [str(p) for p in dump.problems]


def test_registry_finds_the_driver():
    assert registry.get("casio-vz") is not None
    assert registry.get("casio-vz").models == ("VZ-1", "VZ-10M", "VZ-8M", "HS-1", "HS-2")


def test_killer_organ(tmp_path):
    path = corpus_path("vz", "KILLER_ORGAN.syx")
    result = CliRunner().invoke(cli, ["info", "--json", str(path)])
    assert result.exit_code == 0, result.output
    row = json.loads(result.stdout)[0]
    assert (row["device"], row["kind"], row["name"], row["checksum"]) == \
        ("casio-vz", "voice", "KILLER ORGAN", "ok")
    assert row["channel"] == 1 and row["problems"] == [] and row["details"]["checksum_byte"] == 0x33
    # Change one data nibble: the checksum goes bad, fix repairs it and only it.
    data = bytearray(path.read_bytes())
    data[7 + 2 * 100 + 1] ^= 0x01
    decoded = [(data[k] << 4) | data[k + 1] for k in range(7, 7 + 672, 2)]
    want = (128 - sum(decoded) % 128) % 128
    assert want != 0x33
    bad = tmp_path / "bad.syx"
    bad.write_bytes(bytes(data))
    row = json.loads(CliRunner().invoke(cli, ["info", "--json", str(bad)]).stdout)[0]
    assert row["checksum"] == "bad"
    assert any(p.startswith("offset 679 ") and f"expected {want:02X}" in p for p in row["problems"])
    fixed = tmp_path / "fixed.syx"
    result = CliRunner().invoke(cli, ["fix", str(bad), "-o", str(fixed), "--json"])
    assert result.exit_code == 0, result.output
    changes = json.loads(result.stdout)["changes"]
    assert [c["change"] for c in changes] == [f"voice 'KILLER ORGAN': checksum 33 -> {want:02X}"]
    row = json.loads(CliRunner().invoke(cli, ["info", "--json", str(fixed)]).stdout)[0]
    assert row["checksum"] == "ok" and row["problems"] == []
    out = fixed.read_bytes()
    assert out[:679] == bytes(data[:679]) and out[680:] == bytes(data[680:])


def test_single_opmem():
    dump = dumps_of(m.opmem_message(example_opmem("SPLIT ME"), channel=5))[0]
    assert (dump.kind, dump.name, dump.channel, dump.checksum, len(dump.payload)) == \
        ("opmem", "SPLIT ME", 5, "ok", 100)


def test_bulk_lists_every_part():
    voices = [example_voice(f"VOICE {i}") for i in range(64)]
    opmems = [example_opmem(f"OP {i}") for i in range(64)]
    found = dumps_of(m.bulk_file(voices, opmems, channel=2))
    assert [d.kind for d in found] == ["bulk-open", "bulk", "bulk-close"]
    assert found[0].details["content"] == "voices+opmems"
    bulk = found[1]
    assert len(bulk.parts) == 128 and bulk.checksum == "ok" and not bulk.problems
    assert [p.name for p in bulk.parts] == [f"VOICE {i}" for i in range(64)] + [f"OP {i}" for i in range(64)]
    assert [p.index for p in bulk.parts] == list(range(128))
    assert bulk.parts[0].slot == "A1" and bulk.parts[63].slot == "H8" and bulk.parts[64].slot == "A1"
    assert bulk.parts[70].program == 6 and bulk.parts[70].kind == "opmem"
    assert DEVICE.objects(bulk) == bulk.parts and DEVICE.objects(found[0]) == []


def test_info_json_shows_bulk_parts():
    data = m.bulk_file([example_voice(f"V{i}") for i in range(64)])
    src = load_bytes(data, "bank.syx")[0]
    rows = info_rows(src)
    assert [r["kind"] for r in rows] == ["bulk-open", "bulk", "bulk-close"]
    assert [p["name"] for p in rows[1]["parts"]] == [f"V{i}" for i in range(64)]
    assert {p["checksum"] for p in rows[1]["parts"]} == {"ok"}


def test_bad_checksum_in_a_bulk_part_is_located():
    data = bytearray(m.bulk_file([example_voice()] * 64))
    # Part 9's checksum byte: open (8) + header (6) + 9 blocks + 672 nibbles.
    at = 8 + 6 + 9 * 673 + 672
    data[at] ^= 0x05
    bulk = dumps_of(bytes(data))[1]
    assert bulk.checksum == "bad"
    assert [p.index for p in bulk.parts if p.checksum == "bad"] == [9]
    assert str(bulk.parts[9].problems[0]).startswith(f"offset {at} ")
    assert any("parts 9" in s for s in problems(bulk))


def test_nibble_above_0f_is_reported_with_its_offset():
    data = bytearray(m.voice_message(example_voice()))
    data[7 + 41] = 0x1A
    dump = dumps_of(bytes(data))[0]
    assert dump.payload is None and dump.checksum == "bad"
    assert problems(dump) == [f"offset {7 + 41} (0x{7 + 41:X}): byte 1A in voice data is not a nibble "
                              "(expected 00-0F)"]
    with pytest.raises(Exception, match="cannot be read"):
        DEVICE.decode(dump)
    with pytest.raises(Exception, match="cannot repair"):
        DEVICE.fix(dump)


def test_wrong_lengths_are_reported():
    good = m.voice_message(example_voice())
    short = good[:-10] + b"\xf7"
    dump = dumps_of(short)[0]
    assert dump.payload is None and dump.checksum == "none"
    assert "ends after 664 of 673 bytes" in problems(dump)[0]
    assert problems(dump)[0].startswith(f"offset {len(short) - 1} ")
    long = good[:-1] + b"\x00\x00\xf7"
    dump = dumps_of(long)[0]
    assert dump.checksum == "ok"
    assert problems(dump) == ["offset 680 (0x2A8): 2 byte(s) after the voice checksum; a single voice "
                              "is 681 bytes with F7"]
    dump = dumps_of(good[:300])[0]  # cut off, no F7
    assert dump.payload is None and any("ends after" in p for p in problems(dump))


def test_bulk_of_unexpected_size_is_read_as_far_as_it_goes():
    data = m.bulk_data([example_voice(f"V{i}") for i in range(64)])
    cut = data[: 6 + 10 * 673 + 100] + b"\xf7"
    bulk = dumps_of(cut)[0]
    assert bulk.details["content"] == "unknown"
    assert len(bulk.parts) == 11 and [p.name for p in bulk.parts[:10]] == [f"V{i}" for i in range(10)]
    assert bulk.parts[10].payload is None and bulk.checksum == "bad"
    assert problems(bulk)[0].startswith(f"offset {len(cut) - 1} ") and "6,830 bytes" in problems(bulk)[0]
    with pytest.raises(Exception, match="unexpected size"):
        DEVICE.decode(bulk)
    empty = dumps_of(bytes.fromhex("F0 44 03 00 70 74 F7"))[0]
    assert empty.parts == [] and empty.checksum == "none" and empty.problems


def test_control_and_other_messages():
    cases = {
        "F0 44 03 00 70 70 00 F7": ("bulk-open", {"content": "voices"}),
        "F0 44 03 00 70 70 01 F7": ("bulk-open", {"content": "opmems"}),
        "F0 44 03 00 70 70 03 F7": ("bulk-open", {"content": "vz8m-total"}),
        "F0 44 03 00 73 71 F7": ("bulk-close", {}),
        "F0 44 03 00 70 72 F7": ("bulk-ok", {}),
        "F0 44 03 00 70 73 F7": ("bulk-error", {}),
        "F0 44 03 00 70 40 00 04 02 F7": ("master-tune", {"select": 0, "value": 0x42}),
        "F0 44 03 00 70 40 01 00 03 F7": ("transpose", {"select": 1, "value": 3}),
    }
    for hexdata, (kind, details) in cases.items():
        dump = dumps_of(bytes.fromhex(hexdata))[0]
        assert dump.kind == kind and dump.details == details and not dump.problems, hexdata
        assert DEVICE.encode({"kind": kind, "channel": dump.channel, "model": dump.model,
                              "params": DEVICE.decode(dump)}) == bytes.fromhex(hexdata)
    assert dumps_of(bytes.fromhex("F0 44 03 00 73 71 F7"))[0].channel == 4


@pytest.mark.parametrize("hexdata, kind, note", [
    ("F0 44 03 00 70 02 01 02 03 F7", "multi", "layout not documented"),
    ("F0 44 03 00 70 50 01 F7", "mode", "layout not documented"),
    ("F0 44 03 00 70 51 02 F7", "card-bank", "layout not documented"),
    ("F0 44 03 02 70 10 01 02 F7", "vz8m-data", "VZ-8M-only"),
    ("F0 44 03 00 70 3C 00 F7", "unknown", "not a known VZ message"),
])
def test_documented_but_opaque_messages_are_kept_as_found(hexdata, kind, note):
    data = bytes.fromhex(hexdata)
    dump = dumps_of(data)[0]
    assert dump.kind == kind and any(note in n for n in dump.notes)
    params = DEVICE.decode(dump)
    assert DEVICE.encode({"kind": kind, "channel": 1, "params": params}) == data


def test_vz8m_messages():
    dump = dumps_of(bytes.fromhex("F0 44 03 02 70 72 F7"))[0]
    assert (dump.kind, dump.model) == ("bulk-ok", "VZ-8M")
    assert DEVICE.encode({"kind": "bulk-ok", "channel": 1, "model": "VZ-8M", "params": {}}) == \
        bytes.fromhex("F0 44 03 02 70 72 F7")


@pytest.mark.parametrize("hexdata, offset, text", [
    ("F0 44 03 00 70 70 09 F7", 6, "content byte is 09"),
    ("F0 44 03 00 70 70 F7", 6, "bulk-open message is 7 bytes; expected 8"),
    ("F0 44 03 00 70 71 00 F7", 6, "bulk-close message is 8 bytes; expected 7"),
    ("F0 44 03 00 10 71 F7", 4, "channel byte is 10"),
    ("F0 44 03 05 70 00 F7", 3, "format byte is 05"),
    ("F0 44 03 00 70 40 00 14 02 F7", 7, "byte 14 is not a nibble"),
    ("F0 44 03 00 70 40 05 00 02 F7", 6, "selector byte is 05"),
    ("F0 44 03 00 70 40 00 02 F7", 8, "message is 9 bytes; expected 10"),
    ("F0 44 03 00 F7", 5, "ends after 5 bytes"),
    ("F0 44 03 00 70 00 F7", 6, "voice message ends in its header"),
])
def test_malformed_messages_name_the_offset(hexdata, offset, text):
    data = b"\x00\x00" + bytes.fromhex(hexdata)  # two stray bytes first: offsets are absolute
    dump = [d for d in dumps_of(data) if d is not None][0]
    hit = [p for p in dump.problems if text in p.text]
    assert hit, problems(dump)
    assert hit[0].offset == offset + 2


def test_not_ours():
    assert DEVICE.identify(Message(bytes.fromhex("F0 44 00 00 70 20 60 F7"))) is None
    assert DEVICE.identify(Message(bytes.fromhex("F0 43 03 00 70 00 F7"))) is None


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=1200))
def test_identify_never_crashes(body):
    data = bytes.fromhex("F0 44 03") + bytes(b & 0x7F for b in body) + b"\xf7"
    dump = DEVICE.identify(Message(data))
    assert dump is not None and dump.device == "casio-vz"
    for p in dump.problems:
        assert 0 <= p.offset <= len(data)
    for part in dump.parts:
        assert part.checksum in ("ok", "bad", "none")


def test_example_is_a_valid_voice():
    data = DEVICE.example()
    dump = dumps_of(data)[0]
    assert (dump.kind, dump.name, dump.checksum, dump.problems) == ("voice", "SYXKIT DEMO", "ok", [])
    assert DEVICE.sound_bytes(dump) == dump.payload[:322]


def test_entries_through_the_registry_for_a_mixed_file():
    data = (m.voice_message(example_voice("ONE")) + bytes.fromhex("F0 43 10 4C 00 00 7E 00 F7")
            + m.opmem_message(example_opmem("TWO")))
    found = entries(load_bytes(data, "mixed.syx")[0])
    assert [(e.dump.device if e.dump else None) for e in found] == ["casio-vz", None, "casio-vz"]
