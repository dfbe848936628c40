"""Old DOS librarian files (.P01/.P02/.P05/.PCH/.P64 voices, .O01/.O64 op-mems): read like
SysEx, converted to SysEx, strict enough not to claim random binaries."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from click.testing import CliRunner
from corpus_files import corpus_path

from syxkit.cli import cli
from syxkit.devices.casio_vz import DEVICE
from syxkit.devices.casio_vz import messages as m
from syxkit.devices.casio_vz.dosfiles import read_dos_file
from syxkit.devices.casio_vz.sounds import example_opmem, example_voice
from syxkit.inspect import entries, info_rows, load_bytes

NAMES = {
    "CLAVI.P05": ["CLAVI"], "GITIANO.P01": ["GITIANO"], "NYLON.P01": ["NYLON STRING"],
    "VIBE.P01": ["VIBIANO"], "VIBIANO.PCH": ["VIBIANO"], "VZEP.P01": ["VZ EP"],
    "VZEPSTD.P01": ["VZ EP"], "PIANO.P02": ["VZ PIANO", "THE SAX"],
}


def record(payload: bytes, lead: int = 0x40) -> bytes:
    return bytes([lead]) + payload + bytes([m.checksum(payload)])


def rows(data: bytes, name: str) -> list[dict]:
    return info_rows(load_bytes(data, name)[0])


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args))


def test_every_corpus_record_is_read_with_its_name_and_a_good_checksum():
    folder = corpus_path("vz", "dos_files")
    seen = 0
    for path in sorted(folder.iterdir()):
        data = path.read_bytes()
        found = rows(data, str(path))
        size = 102 if path.suffix.upper().startswith(".O") else 338
        assert len(found) == len(data) // size, path.name
        for k, row in enumerate(found):
            rec = data[k * size : (k + 1) * size]
            at = 2 if size == 102 else 323
            assert row["form"] == "foreign:casio-vz"
            assert row["device"] == "casio-vz" and row["checksum"] == "ok", (path.name, k)
            assert row["kind"] == ("opmem" if size == 102 else "voice")
            assert row["name"] == rec[at : at + 12].decode("ascii").rstrip(), (path.name, k)
            assert row["offset"] == k * size and row["length"] == size and row["problems"] == []
            seen += 1
        if path.name in NAMES:
            assert [r["name"] for r in found] == NAMES[path.name]
    assert seen >= 64 + 64 + 9


def test_bank_files_hold_the_expected_names():
    p64 = rows(corpus_path("vz", "dos_files", "PBANK1.P64").read_bytes(), "PBANK1.P64")
    o64 = rows(corpus_path("vz", "dos_files", "OBANK1.O64").read_bytes(), "OBANK1.O64")
    assert len(p64) == 64 and p64[0]["name"] == "VZ EP" and p64[-1]["name"] == "BELL TREE"
    assert len(o64) == 64 and o64[0]["name"] == "SEE GOD" and o64[-1]["name"] == "HARP ROLL"
    assert o64[3]["name"] == "ICE AGE"


def test_p64_converts_to_a_bulk_that_splits_back_into_the_records(tmp_path):
    src = corpus_path("vz", "dos_files", "PBANK1.P64")
    bank = tmp_path / "bank.syx"
    result = invoke("convert", str(src), "-o", str(bank))
    assert result.exit_code == 0, result.output
    assert bank.stat().st_size == 43_094
    info = json.loads(invoke("info", "--json", str(bank)).stdout)
    assert [r["kind"] for r in info] == ["bulk-open", "bulk", "bulk-close"]
    assert info[1]["checksum"] == "ok" and len(info[1]["parts"]) == 64
    out = tmp_path / "parts"
    assert invoke("split", str(bank), "-o", str(out)).exit_code == 0
    files = sorted(out.iterdir())
    assert len(files) == 64
    records = src.read_bytes()
    for k, f in enumerate(files):  # slot labels A1..H8 sort in memory order
        dump = entries(load_bytes(f.read_bytes(), f.name)[0])[0].dump
        assert dump.kind == "voice" and dump.checksum == "ok"
        assert dump.payload == records[k * 338 + 1 : k * 338 + 337], f.name


def test_op_mem_bank_and_both_banks(tmp_path):
    p64 = corpus_path("vz", "dos_files", "PBANK1.P64")
    o64 = corpus_path("vz", "dos_files", "OBANK1.O64")
    ops = tmp_path / "ops.syx"
    assert invoke("convert", str(o64), "-o", str(ops)).exit_code == 0
    assert ops.stat().st_size == 8 + 6 + 64 * 201 + 1 + 7
    both = tmp_path / "both.syx"
    assert invoke("join", str(p64), str(o64), "-o", str(both)).exit_code == 0
    assert both.stat().st_size == 55_958
    info = json.loads(invoke("info", "--json", str(both)).stdout)
    assert info[0]["details"]["content"] == "voices+opmems"
    parts = info[1]["parts"]
    assert [p["kind"] for p in parts] == ["voice"] * 64 + ["opmem"] * 64
    assert parts[64]["name"] == "SEE GOD"


def test_single_records_convert_to_single_voices(tmp_path):
    src = corpus_path("vz", "dos_files", "PIANO.P02")
    out = tmp_path / "piano.syx"
    assert invoke("convert", str(src), "-o", str(out)).exit_code == 0
    info = json.loads(invoke("info", "--json", str(out)).stdout)
    assert [(r["kind"], r["name"], r["checksum"], r["length"]) for r in info] == \
        [("voice", "VZ PIANO", "ok", 681), ("voice", "THE SAX", "ok", 681)]
    decoded = json.loads(invoke("decode", "--json", str(src)).stdout)
    assert decoded[1]["name"] == "THE SAX" and decoded[1]["params"]["unused"] == [0x20, 0x20]


def test_bad_records_are_reported_at_their_offset():
    payloads = [example_voice(f"REC {i}") for i in range(4)]
    data = bytearray(b"".join(record(p, lead=i * 37) for i, p in enumerate(payloads)))
    data[2 * 338 + 337] ^= 0x11  # record 2's checksum byte
    found = rows(bytes(data), "BANK.P64")
    assert [r["checksum"] for r in found] == ["ok", "ok", "bad", "ok"]
    assert found[2]["problems"][0].startswith(f"offset {2 * 338 + 337} ")
    assert found[2]["name"] == "REC 2"


def test_the_extension_can_lie():
    data = b"".join(record(example_voice(f"V{i}")) for i in range(3))
    found = rows(data, "SOUNDS.O64")
    assert [r["kind"] for r in found] == ["voice"] * 3
    assert any("suggests opmem" in n for n in found[0]["notes"])
    ops = b"".join(record(example_opmem(f"O{i}"), lead=0xC3) for i in range(5))
    assert [r["kind"] for r in rows(ops, "X.P64")] == ["opmem"] * 5


def test_size_decides_between_voice_and_opmem_records():
    # 51 voice records = 17,238 bytes = 169 op-mem records: the checksums decide.
    data = b"".join(record(example_voice(f"V{i}")) for i in range(51))
    msgs = read_dos_file(data, "AMBIGUOUS.DAT")
    assert msgs is not None and len(msgs) == 51 and msgs[0].kind == "voice"


def test_random_binaries_are_not_claimed():
    rng = random.Random(1234)
    for size in [338, 676, 102, 204, 3380, 21632, 6528, 17238]:
        for _ in range(60):
            data = bytes([rng.randrange(1, 256)]) + rng.randbytes(size - 1)
            assert read_dos_file(data, "x.bin") is None
    assert read_dos_file(bytes(338), "zeros.P01") is None
    assert read_dos_file(b"\x40" * 339, "odd.P01") is None
    # A valid checksum alone is not enough: the name must be printable text.
    payload = bytearray(example_voice())
    payload[322:334] = bytes(range(0x80, 0x8C))
    assert read_dos_file(record(bytes(payload)), "x.P01") is None
    # Printable names but mostly bad checksums: another format, not ours.
    recs = bytearray(b"".join(record(example_voice(f"V{i}")) for i in range(4)))
    for k in range(3):
        recs[k * 338 + 337] ^= 0x01
    assert read_dos_file(bytes(recs), "x.P64") is None
    elf = Path(__file__).read_bytes()[: 338 * 3]  # text-ish but not records
    assert read_dos_file(b"\x7fELF" + elf[4:], "prog") is None


def test_a_lone_damaged_record_is_still_read_and_reported():
    data = bytearray(record(example_voice("LONE")))
    data[-1] ^= 0x01
    found = rows(bytes(data), "LONE.P01")
    assert found[0]["checksum"] == "bad" and found[0]["name"] == "LONE"


def test_fix_and_rename_on_librarian_files_write_sysex(tmp_path):
    data = bytearray(b"".join(record(example_voice(f"V{i}")) for i in range(2)))
    data[337] ^= 0x01
    src = tmp_path / "TWO.P02"
    src.write_bytes(bytes(data))
    out = tmp_path / "fixed.syx"
    result = invoke("fix", str(src), "-o", str(out))
    assert result.exit_code == 0, result.output
    info = json.loads(invoke("info", "--json", str(out)).stdout)
    assert [(r["name"], r["checksum"], r["length"]) for r in info] == [("V0", "ok", 681), ("V1", "ok", 681)]
    renamed = tmp_path / "renamed.syx"
    result = invoke("rename", str(out), "--index", "2", "--name", "second", "-o", str(renamed))
    assert result.exit_code == 0, result.output
    assert [r["name"] for r in json.loads(invoke("info", "--json", str(renamed)).stdout)] == ["V0", "SECOND"]


@pytest.mark.parametrize("lead", [0x40, 0x00, 0xF7])
def test_records_decode_like_sysex(lead):
    payload = example_voice("DOS VOICE")
    dump = entries(load_bytes(record(payload, lead), "A.P01")[0])[0].dump
    assert dump.payload == payload and dump.details["lead_byte"] == lead
    obj = {"device": "casio-vz", "kind": "voice", "channel": None, "name": dump.name,
           "params": DEVICE.decode(dump)}
    assert DEVICE.encode(obj) == m.voice_message(payload)
