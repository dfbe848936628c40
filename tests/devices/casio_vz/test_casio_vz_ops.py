"""The seed's workflow and every operation: join voices from many files in any order into one
bulk to upload, split, convert, fix, rename, decode/encode round trips, de-duplication."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from click.testing import CliRunner
from corpus_files import corpus_path
from hypothesis import given, settings
from hypothesis import strategies as st

from syxkit.cli import cli
from syxkit.devices.base import DeviceError, Options
from syxkit.devices.casio_vz import DEVICE
from syxkit.devices.casio_vz import messages as m
from syxkit.devices.casio_vz.sounds import example_opmem, example_voice
from syxkit.inspect import entries, load_bytes

VOICE_BULK = 43_094
BOTH_BULK = 55_958


def invoke(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def dumps(data: bytes, name: str = "x.syx"):
    return [e.dump for e in entries(load_bytes(data, name)[0]) if e.dump is not None]


def said(result) -> str:
    """The command's output with the terminal's line wrapping undone."""
    return " ".join(result.output.split())


def info(path: Path) -> list[dict]:
    return json.loads(invoke("info", "--json", path).stdout)


def write_voices(folder: Path, names: list[str]) -> list[Path]:
    paths = []
    for k, name in enumerate(names):
        p = folder / f"{k:03d}.syx"
        p.write_bytes(m.voice_message(example_voice(name)))
        paths.append(p)
    return paths


def test_join_picks_and_rearranges_voices_from_many_files(tmp_path):
    # A bank file, a few singles, in a user's order: 60 from the bank, 4 singles first.
    bank = tmp_path / "bank.syx"
    bank.write_bytes(m.bulk_file([example_voice(f"BANK {i}") for i in range(60)]
                                 + [example_voice("DROP ME")] * 4))
    singles = write_voices(tmp_path, ["FIRST", "SECOND", "THIRD", "FOURTH"])
    # Take the bank's first 60 voices by splitting it and choosing files.
    parts = tmp_path / "parts"
    assert invoke("split", bank, "-o", parts).exit_code == 0
    chosen = [p for p in sorted(parts.iterdir()) if "DROP" not in p.name]
    assert len(chosen) == 60
    out = tmp_path / "upload.syx"
    result = invoke("join", *reversed(singles), *chosen, "-o", out)
    assert result.exit_code == 0, result.output
    assert out.stat().st_size == VOICE_BULK
    rows = info(out)
    assert rows[0]["kind"] == "bulk-open" and rows[2]["kind"] == "bulk-close"
    names = [p["name"] for p in rows[1]["parts"]]
    assert names[:4] == ["FOURTH", "THIRD", "SECOND", "FIRST"]
    assert names[4:] == [f"BANK {i}" for i in range(60)]
    assert {p["checksum"] for p in rows[1]["parts"]} == {"ok"}
    assert [p["slot"] for p in rows[1]["parts"]][:9] == ["A1", "A2", "A3", "A4", "A5", "A6", "A7", "A8", "B1"]


def test_join_needs_exactly_64_voices(tmp_path):
    many = write_voices(tmp_path, [f"V{i}" for i in range(65)])
    result = invoke("join", *many, "-o", tmp_path / "x.syx")
    assert result.exit_code == 1 and "65 voices given" in said(result) and "leave 1 out" in said(result)
    result = invoke("join", *many[:63], "-o", tmp_path / "x.syx")
    assert result.exit_code == 1 and "add 1 more or pass --pad-with" in said(result)
    assert not (tmp_path / "x.syx").exists()
    pad = tmp_path / "pad.syx"
    pad.write_bytes(m.voice_message(example_voice("INIT VOICE")))
    out = tmp_path / "padded.syx"
    result = invoke("join", *many[:60], "--pad-with", pad, "-o", out)
    assert result.exit_code == 0, result.output
    assert out.stat().st_size == VOICE_BULK
    names = [p["name"] for p in info(out)[1]["parts"]]
    assert names[:60] == [f"V{i}" for i in range(60)] and names[60:] == ["INIT VOICE"] * 4
    result = invoke("join", *many[:64], "--bank-size", "32", "-o", tmp_path / "y.syx")
    assert result.exit_code == 1 and "always holds 64" in said(result)


def test_join_voices_and_op_mems(tmp_path):
    bank = tmp_path / "both.syx"
    bank.write_bytes(m.bulk_file([example_voice(f"V{i}") for i in range(64)],
                                 [example_opmem(f"O{i}") for i in range(64)]))
    out = tmp_path / "again.syx"
    assert invoke("join", bank, "-o", out).exit_code == 0
    assert out.stat().st_size == BOTH_BULK and out.read_bytes() == bank.read_bytes()
    single_op = tmp_path / "op.syx"
    single_op.write_bytes(m.opmem_message(example_opmem("LONE OP")))
    result = invoke("join", single_op, *write_voices(tmp_path, [f"V{i}" for i in range(64)]),
                    "-o", tmp_path / "bad.syx")
    assert result.exit_code == 1 and "1 op-mems given" in said(result)
    pad = tmp_path / "pad.syx"
    pad.write_bytes(m.voice_message(example_voice("PAD")) + m.opmem_message(example_opmem("PAD OP")))
    result = invoke("join", single_op, *write_voices(tmp_path, [f"V{i}" for i in range(64)]),
                    "--pad-with", pad, "-o", out)
    assert result.exit_code == 0, result.output
    parts = info(out)[1]["parts"]
    assert out.stat().st_size == BOTH_BULK and parts[64]["name"] == "LONE OP" and parts[65]["name"] == "PAD OP"


def test_join_refuses_bad_checksums_and_unjoinable_messages(tmp_path):
    paths = write_voices(tmp_path, [f"V{i}" for i in range(64)])
    data = bytearray(paths[5].read_bytes())
    data[-2] ^= 0x01
    paths[5].write_bytes(bytes(data))
    result = invoke("join", *paths, "-o", tmp_path / "x.syx")
    assert result.exit_code == 1 and "bad checksum" in said(result) and "syxkit fix" in said(result)
    voices = dumps(b"".join(m.voice_message(example_voice()) for _ in range(64))
                   + bytes.fromhex("F0 44 03 00 70 02 01 F7"))
    with pytest.raises(DeviceError, match="a multi message cannot go into a bulk dump"):
        DEVICE.join(voices, Options())


def test_split_names_are_unique_and_blocks_kept_as_found(tmp_path):
    bank = m.bulk_file([example_voice("SAME")] * 64, [example_opmem("OP/1")] * 64, channel=3)
    outputs = DEVICE.split(dumps(bank), Options())
    assert len(outputs) == 128 and len({o.name for o in outputs}) == 128
    assert outputs[0].name == "x-001-voice-A1-SAME.syx"
    assert outputs[64].name == "x-065-opmem-A1-OP_1.syx"
    assert [o.name for o in outputs] == sorted(o.name for o in outputs)
    for o in outputs[:3] + outputs[64:67]:
        d = dumps(o.data)[0]
        assert d.checksum == "ok" and d.channel == 3 and len(o.data) in (681, 209)
    result = invoke("split", "--channel", "9", corpus_path("vz", "KILLER_ORGAN.syx"), "-o", tmp_path)
    assert result.exit_code == 0
    out = tmp_path / "KILLER_ORGAN-01-voice-KILLER_ORGAN.syx"
    assert dumps(out.read_bytes())[0].channel == 9


def test_split_keeps_a_damaged_part_and_says_so():
    bank = bytearray(m.bulk_file([example_voice("V")] * 64))
    bank[8 + 6 + 3 * 673 + 10] = 0x33  # not a nibble in part 3
    bank[8 + 6 + 7 * 673 + 672] ^= 1  # bad checksum in part 7
    outputs = DEVICE.split(dumps(bytes(bank)), Options())
    assert outputs[3].name == "x-04-voice-A4-unnamed-damaged.syx"
    assert dumps(outputs[3].data)[0].problems
    assert dumps(outputs[7].data)[0].checksum == "bad"


def test_convert_forms_and_channels(tmp_path):
    bank = tmp_path / "bank.syx"
    bank.write_bytes(m.bulk_file([example_voice(f"V{i}") for i in range(64)]))
    out = tmp_path / "singles.syx"
    assert invoke("convert", bank, "--to", "single", "-o", out).exit_code == 0
    rows = info(out)
    assert len(rows) == 64 and {r["kind"] for r in rows} == {"voice"} and rows[9]["name"] == "V9"
    back = tmp_path / "back.syx"
    assert invoke("convert", out, "-o", back).exit_code == 0  # 64 voices: a bulk by default
    assert back.read_bytes() == bank.read_bytes()
    ch = tmp_path / "ch5.syx"
    assert invoke("convert", bank, "--channel", "5", "-o", ch).exit_code == 0
    assert {r["channel"] for r in info(ch)} == {5}
    result = invoke("convert", bank, "--to", "edit", "-o", ch)
    assert result.exit_code == 1 and "bulk, single" in said(result)
    few = tmp_path / "few.syx"
    few.write_bytes(b"".join(m.voice_message(example_voice(f"F{i}"), channel=2) for i in range(3)))
    result = invoke("convert", few, "--to", "bulk", "-o", tmp_path / "x.syx")
    assert result.exit_code == 1 and "3 voices given" in said(result)


def test_fix_repairs_only_checksums(tmp_path):
    bank = bytearray(m.bulk_file([example_voice(f"V{i}") for i in range(64)]))
    for part in (2, 40):
        bank[8 + 6 + part * 673 + 672] ^= 0x0F
    src = tmp_path / "bank.syx"
    src.write_bytes(bytes(bank))
    out = tmp_path / "fixed.syx"
    result = invoke("fix", src, "-o", out, "--json")
    assert result.exit_code == 0, result.output
    changes = [c["change"] for c in json.loads(result.stdout)["changes"]]
    assert len(changes) == 2 and changes[0].startswith("part 2 (A3) voice 'V2': checksum")
    fixed = out.read_bytes()
    assert fixed == m.bulk_file([example_voice(f"V{i}") for i in range(64)])
    diff = [i for i, (a, b) in enumerate(zip(bank, fixed, strict=True)) if a != b]
    assert diff == [8 + 6 + 2 * 673 + 672, 8 + 6 + 40 * 673 + 672]
    # Nothing to fix: no change, same bytes.
    again = tmp_path / "again.syx"
    assert json.loads(invoke("fix", out, "-o", again, "--json").stdout)["changes"] == []
    assert again.read_bytes() == fixed
    # Unrepairable (a byte that is not a nibble): refused, nothing written.
    bank[8 + 6 + 5] = 0x40
    src.write_bytes(bytes(bank))
    result = invoke("fix", src, "-o", tmp_path / "no.syx")
    assert result.exit_code == 1 and "cannot repair" in said(result) and "offset 19" in said(result)
    assert not (tmp_path / "no.syx").exists()


def test_rename_in_a_bulk_changes_only_that_part(tmp_path):
    original = m.bulk_file([example_voice(f"V{i}") for i in range(64)])
    src = tmp_path / "bank.syx"
    src.write_bytes(original)
    out = tmp_path / "renamed.syx"
    result = invoke("rename", src, "--index", 11, "--name", "warm pad", "-o", out)  # the 11th
    assert result.exit_code == 0, result.output
    parts = info(out)[1]["parts"]
    assert parts[10]["name"] == "WARM PAD" and parts[10]["checksum"] == "ok"
    assert [p["name"] for p in parts if p["index"] != 10] == [f"V{i}" for i in range(64) if i != 10]
    new = out.read_bytes()
    start = 8 + 6 + 10 * 673
    assert new[:start] == original[:start] and new[start + 673 :] == original[start + 673 :]
    result = invoke("rename", src, "--name", "x", "-o", out)
    assert result.exit_code == 2 and "64 objects" in said(result)
    for bad in ("THIRTEEN CHAR", "tilde~"):
        result = invoke("rename", src, "--index", 1, "--name", bad, "-o", out)
        assert result.exit_code == 1


def test_rename_refuses_a_bad_checksum():
    data = bytearray(m.voice_message(example_voice("OLD")))
    data[-2] ^= 1
    with pytest.raises(DeviceError, match="fix"):
        DEVICE.rename(dumps(bytes(data))[0], "NEW", Options())
    with pytest.raises(DeviceError, match="has no name"):
        DEVICE.rename(dumps(m.bulk_close())[0], "NEW", Options())


def test_decode_encode_round_trip_through_the_cli(tmp_path):
    src = tmp_path / "both.syx"
    src.write_bytes(m.bulk_file([example_voice(f"V{i}") for i in range(64)],
                                [example_opmem(f"O{i}") for i in range(64)], channel=7)
                    + m.voice_message(example_voice("SINGLE")) + bytes.fromhex("F0 44 03 00 70 50 01 F7"))
    decoded = tmp_path / "both.json"
    result = invoke("decode", "--json", src)
    assert result.exit_code == 0, result.output
    decoded.write_text(result.stdout)
    out = tmp_path / "out.syx"
    assert invoke("encode", decoded, "-o", out).exit_code == 0
    assert out.read_bytes() == src.read_bytes()
    # Edit: rename a part and lower a level in the JSON; only those change.
    objs = json.loads(decoded.read_text())
    bulk = objs[1]
    bulk["params"]["parts"][3]["name"] = "EDITED"
    bulk["params"]["parts"][3]["params"]["vibrato"]["depth"] = 55
    objs[3]["name"] = "RENAMED"
    decoded.write_text(json.dumps(objs))
    assert invoke("encode", decoded, "-o", out).exit_code == 0
    rows = info(out)
    assert rows[1]["parts"][3]["name"] == "EDITED" and rows[1]["checksum"] == "ok"
    assert rows[3]["name"] == "RENAMED" and rows[3]["checksum"] == "ok"
    assert dumps(out.read_bytes())[1].parts[3].payload[315] == 55


def test_killer_organ_round_trip_and_params(tmp_path):
    src = corpus_path("vz", "KILLER_ORGAN.syx")
    obj = json.loads(invoke("decode", "--json", src).stdout)[0]
    p = obj["params"]
    assert obj["name"] == "KILLER ORGAN" and p["range"] == 0x40
    assert p["lines"]["A"]["mode"] == "ring" and p["modules"]["M1"]["waveform"] == "sine"
    assert p["modules"]["M2"]["detune"] == {"fine": 0, "fixed_pitch": False, "range": 0, "sign": "-",
                                            "octave": 1, "note": 0}
    assert p["modules"]["M1"]["envelope"][0] == {"rate": 127, "velocity": False, "level": 127, "sustain": True}
    assert all(mod["on"] for mod in p["modules"].values())
    (tmp_path / "ko.json").write_text(json.dumps(obj))
    assert invoke("encode", tmp_path / "ko.json", "-o", tmp_path / "ko.syx").exit_code == 0
    assert (tmp_path / "ko.syx").read_bytes() == src.read_bytes()


@settings(max_examples=8, deadline=None)
@given(st.integers(0, 2**32), st.integers(1, 16))
def test_random_banks_round_trip(seed, channel):
    # 64 random voices (drawn from a seed: 21 kB per example is too big to draw directly).
    rng = random.Random(seed)
    payloads = [rng.randbytes(336) for _ in range(64)]
    data = m.bulk_file(payloads, channel=channel)
    found = dumps(data)
    bulk = found[1]
    assert [p.payload for p in bulk.parts] == payloads
    out = b"".join(DEVICE.encode({"kind": d.kind, "channel": d.channel, "model": d.model,
                                  "name": d.name, "params": DEVICE.decode(d)}) for d in found)
    assert out == data
    assert b"".join(o.data for o in DEVICE.join(found, Options())) == data


def test_objects_and_sound_bytes_for_the_library():
    a = m.voice_message(example_voice("ONE NAME"))
    b = m.voice_message(example_voice("OTHER NAME"), channel=9)
    da, db = dumps(a)[0], dumps(b)[0]
    assert DEVICE.objects(da) == [da]
    assert DEVICE.sound_bytes(da) == DEVICE.sound_bytes(db)
    bank = dumps(m.bulk_file([example_voice("ONE NAME")] * 64))
    assert DEVICE.sound_bytes(DEVICE.objects(bank[1])[5]) == DEVICE.sound_bytes(da)
    assert DEVICE.sound_bytes(bank[0]) is None and DEVICE.objects(bank[2]) == []


def test_demo_builds_a_vz_voice(tmp_path):
    result = invoke("demo", "-o", tmp_path)
    assert result.exit_code == 0, result.output
    dump = dumps((tmp_path / "examples" / "casio-vz.syx").read_bytes())[0]
    assert dump.name == "SYXKIT DEMO" and dump.checksum == "ok"


@pytest.mark.parametrize("name", ["PBANK1.P64", "OBANK1.O64"])
def test_dos_bank_split_then_join_of_the_sorted_folder_keeps_the_order(tmp_path, name):
    # Issue 13 point 8: a DOS bank split into voice-NAME.syx files came back alphabetical.
    src = corpus_path("vz", "dos_files", name)
    assert invoke("split", src, "-o", tmp_path / "parts").exit_code == 0
    files = sorted((tmp_path / "parts").iterdir())
    assert len(files) == 64 and files[0].name.startswith(f"{src.stem}-01-")
    bank = tmp_path / "bank.syx"
    assert invoke("convert", src, "-o", bank).exit_code == 0
    back = tmp_path / "back.syx"
    result = invoke("join", *files, "-o", back)
    assert result.exit_code == 0, result.output
    assert back.read_bytes() == bank.read_bytes()


def test_bulk_split_then_join_gives_the_bulk_back(tmp_path):
    payloads = [example_voice(f"V{i:02}") for i in range(64)][::-1]  # names not in slot order
    src = tmp_path / "B.syx"
    src.write_bytes(m.bulk_file(payloads, channel=5))
    assert invoke("split", src, "-o", tmp_path / "parts").exit_code == 0
    back = tmp_path / "back.syx"
    assert invoke("join", *sorted((tmp_path / "parts").iterdir()), "-o", back).exit_code == 0
    assert back.read_bytes() == src.read_bytes()
