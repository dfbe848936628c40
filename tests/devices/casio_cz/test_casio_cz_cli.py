"""casio-cz through the command line: info, decode/encode, convert, join, split, rename."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from corpus_files import corpus_path
from czhelp import CZ_FILES, dumps_of, one, plain_tone

from syxkit.cli import cli
from syxkit.devices.casio_cz import messages as M


def run(*args):
    result = CliRunner().invoke(cli, [str(a) for a in args])
    return result


def test_info_json_on_every_corpus_file():
    paths = [corpus_path("cz", name) for name in CZ_FILES]
    res = run("info", "--json", *paths)
    assert res.exit_code == 0, res.output
    rows = json.loads(res.stdout)
    assert len(rows) == 138
    assert {r["device"] for r in rows} == {"casio-cz"} and {r["kind"] for r in rows} == {"tone"}
    for r in rows:
        assert r["problems"] == [] and isinstance(r["program"], int) and r["slot"]
        ch = 13 if r["path"].endswith("cz10001.syx") else 1
        assert r["channel"] == ch
    bank = [r for r in rows if r["path"].endswith("cz10001.syx")]
    assert [r["program"] for r in bank] == list(range(0x20, 0x40))


@pytest.mark.parametrize("name", CZ_FILES)
def test_decode_encode_cli_is_byte_exact(name, tmp_path):
    path = corpus_path("cz", name)
    res = run("decode", "--json", path)
    assert res.exit_code == 0, res.output
    objs = json.loads(res.stdout)
    assert all(o["device"] == "casio-cz" and o["kind"] == "tone" for o in objs)
    assert {"line1", "line2", "vibrato", "detune", "raw"} <= set(objs[0]["params"])
    j = tmp_path / "t.json"
    j.write_text(json.dumps(objs))
    res = run("encode", j, "-o", tmp_path / "out.syx")
    assert res.exit_code == 0, res.output
    assert (tmp_path / "out.syx").read_bytes() == path.read_bytes()


def test_edited_json_rederives_and_bad_edit_fails(tmp_path):
    path = corpus_path("cz", "bassbling.syx")
    objs = json.loads(run("decode", "--json", path).stdout)
    objs[0]["params"]["vibrato"]["rate"] = 51
    objs[0]["params"]["line1"]["dca"]["levels"][1] = 40
    j = tmp_path / "e.json"
    j.write_text(json.dumps(objs))
    assert run("encode", j, "-o", tmp_path / "e.syx").exit_code == 0
    dump = one((tmp_path / "e.syx").read_bytes())
    assert dump.payload[8:11] == bytes([51, 0x60, 0x0A])
    from syxkit.devices.casio_cz.tone import decode_tone
    assert decode_tone(dump.payload)["line1"]["dca"]["levels"][1] == 40
    objs[0]["params"]["line1"]["dca"]["levels"][1] = 140
    j.write_text(json.dumps(objs))
    res = run("encode", j, "-o", tmp_path / "bad.syx")
    assert res.exit_code == 1 and "params.line1.dca.levels[1]: expected a whole number 0-99, got 140" in res.output
    assert not (tmp_path / "bad.syx").exists()


def test_decode_text_shows_panel_values():
    res = run("decode", corpus_path("cz", "CZ-101_panel_src.syx"))
    assert res.exit_code == 0
    assert "casio-cz tone @ edit buffer" in res.stdout and "vibrato" in res.stdout


def test_convert_capture_back_to_receive_form(tmp_path):
    original = corpus_path("cz", "CZ-101_internal_01_src.syx").read_bytes()
    capture = M.tone_message(one(original).payload, 1, None)
    cap = tmp_path / "cap.syx"
    cap.write_bytes(capture)
    res = run("convert", cap, "-o", tmp_path / "back.syx", "--program", "0x20")
    assert res.exit_code == 0, res.output
    assert (tmp_path / "back.syx").read_bytes() == original
    assert "rewritten to the receive form" in res.output
    # a 0x number is the wire address (0x03: preset 4, refused as a bad option value)
    res = run("convert", cap, "-o", tmp_path / "p.syx", "--program", "0x03")
    assert res.exit_code == 2 and "preset" in res.output
    res = run("convert", cap, "-o", tmp_path / "p.syx")
    assert res.exit_code == 1 and "--program" in res.output
    info = json.loads(run("info", "--json", cap).stdout)[0]
    assert info["program"] is None and "convert" in " ".join(info["notes"])


def test_convert_to_cz1_and_back(tmp_path):
    src = tmp_path / "t.syx"
    src.write_bytes(M.tone_message(plain_tone(), 1, 0x60))
    res = run("convert", src, "-o", tmp_path / "n.syx", "--to", "cz1", "--name", "Soft Bell",
              "--program", "0x07")
    assert res.exit_code == 0, res.output
    named = one((tmp_path / "n.syx").read_bytes())
    assert (named.name, named.model, named.slot) == ("SOFT BELL", "CZ-1", "A8")
    res = run("convert", tmp_path / "n.syx", "-o", tmp_path / "p.syx", "--to", "cz101",
              "--program", "0x60")
    assert res.exit_code == 0 and "dropped" in res.output
    assert (tmp_path / "p.syx").read_bytes() == src.read_bytes()


def test_join_seed_workflow_one_command(tmp_path):
    caps = []
    for k in range(32):
        p = tmp_path / f"cap{k:02d}.syx"
        p.write_bytes(M.tone_message(plain_tone(k), 1, None))
        caps.append(p)
    res = run("join", *caps, "-o", tmp_path / "cz5000.syx", "--model", "CZ-5000")
    assert res.exit_code == 0, res.output
    for k, letter in enumerate("ABCD"):
        bank = tmp_path / f"cz5000-internal-{letter}.syx"
        tones = dumps_of(bank.read_bytes())
        assert [t.program for t in tones] == list(range(0x20 + 8 * k, 0x28 + 8 * k))
        assert tones[0].payload == plain_tone(8 * k)
    res = run("join", *caps[:8], "-o", tmp_path / "eb.syx", "--as-edit-buffer")
    assert res.exit_code == 0
    assert {t.program for t in dumps_of((tmp_path / "eb.syx").read_bytes())} == {0x60}
    res = run("join", *caps, "-o", tmp_path / "x.syx", "--bank-size", "8")
    assert res.exit_code == 0 and (tmp_path / "x-bank-4.syx").exists()


def test_split_and_rename(tmp_path):
    res = run("split", corpus_path("cz", "230SB7.syx"), "-o", tmp_path / "parts")
    assert res.exit_code == 0, res.output
    names = sorted(p.name for p in (tmp_path / "parts").iterdir())
    assert names == ["230SB7-01-20-internal-1.syx", "230SB7-02-21-internal-2.syx",
                     "230SB7-03-22-internal-3.syx", "230SB7-04-23-internal-4.syx"]
    named = tmp_path / "n.syx"
    named.write_bytes(M.tone_message(plain_tone() + b"OLD".ljust(16), 1, 0x01))
    res = run("rename", named, "--name", "brass 2", "-o", tmp_path / "r.syx")
    assert res.exit_code == 0, res.output
    assert one((tmp_path / "r.syx").read_bytes()).name == "BRASS 2"
    res = run("rename", named, "--name", "BRASS!", "-o", tmp_path / "r2.syx")
    assert res.exit_code == 1 and "'!'" in res.output
    res = run("rename", corpus_path("cz", "bassbling.syx"), "--name", "X", "-o", tmp_path / "r3.syx")
    assert res.exit_code == 1 and "no name" in res.output


def test_fix_says_nothing_to_change(tmp_path):
    res = run("fix", corpus_path("cz", "bassbling.syx"), "-o", tmp_path / "f.syx")
    assert res.exit_code == 0 and "0 change(s)" in res.output
    assert (tmp_path / "f.syx").read_bytes() == corpus_path("cz", "bassbling.syx").read_bytes()


@pytest.mark.parametrize("name,join_args", [
    ("cz101-preset.bank", ["--as-edit-buffer"]),  # 16 tones all for the edit buffer
    ("INTERNAL.SYX", []),
    ("BASS.SYX", []),
])
def test_split_then_join_of_the_sorted_folder_gives_the_file_back(tmp_path, name, join_args):
    src = corpus_path("cz", name)
    assert run("split", src, "-o", tmp_path / "parts").exit_code == 0
    parts = sorted((tmp_path / "parts").iterdir())
    assert len(parts) == len(dumps_of(src.read_bytes()))
    res = run("join", *parts, "-o", tmp_path / "back.syx", *join_args)
    assert res.exit_code == 0, res.output
    assert (tmp_path / "back.syx").read_bytes() == src.read_bytes()
