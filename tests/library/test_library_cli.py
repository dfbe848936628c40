"""``syxkit lib`` end to end through click, with the test device."""

from __future__ import annotations

import hashlib
import json
import zipfile

import pytest
from click.testing import CliRunner
from libtoy import bulk, data_bytes, pattern, voice

from syxkit.cli import cli
from syxkit.core.readers import read_bytes
from syxkit.library import ENV_VAR, Library


@pytest.fixture
def run(tmp_path, toy):
    db = tmp_path / "db" / "lib.sqlite"

    def invoke(*args: str, code: int | None = 0):
        result = CliRunner().invoke(cli, ["lib", "--library", str(db), *args])
        if code is not None:
            assert result.exit_code == code, result.output + str(result.exception)
        return result

    def as_json(*args: str, code: int | None = 0):
        return json.loads(invoke(*args, "--json", code=code).stdout)

    invoke.json = as_json
    invoke.db = db
    return invoke


@pytest.fixture
def dumps(tmp_path):
    folder = tmp_path / "dumps"
    (folder / "sub").mkdir(parents=True)
    (folder / "brass.syx").write_bytes(voice(data_bytes(1), "BRASS 1", 0x20))
    (folder / "strings.syx").write_bytes(voice(data_bytes(2), "STRINGS", 0x21)
                                         + voice(data_bytes(3), "STR PAD", 0x22))
    (folder / "sub" / "BASS.syx").write_bytes(b"".join(pattern(data_bytes(10 + i), i) for i in range(3)))
    (folder / "sub" / "fat.syx").write_bytes(voice(data_bytes(1), "FAT HORN", 0x05))
    return folder


def test_import_twice_and_list_json(run, dumps):
    first = run.json("import", str(dumps))
    assert (first["new"], first["duplicates"], first["problems"]) == (6, 1, [])
    second = run.json("import", str(dumps))
    assert (second["new"], second["duplicates"], second["unchanged"]) == (0, 7, 4)
    listed = run.json("list")
    assert len(listed) == 6
    for p in listed:
        assert {"id", "device", "model", "kind", "name", "tags", "favourite", "sources"} <= set(p)
        assert all({"path", "offset", "seen_at"} <= set(s) for s in p["sources"])
    brass = next(p for p in listed if p["name"] == "BRASS 1")
    assert sorted(s["name"] for s in brass["sources"]) == ["BRASS 1", "FAT HORN"]


def test_import_human_summary_and_problem_exit_code(run, dumps):
    (dumps / "junk.syx").write_bytes(b"\x01\x02\x03")
    result = run("import", str(dumps), code=1)
    assert "junk.syx" in result.output and "no SysEx message found" in result.output
    assert "6 new patches, 1 duplicate, 1 file with problems" in " ".join(result.output.split())


def test_search_filters_and_show(run, dumps):
    run("import", str(dumps))
    assert [p["name"] for p in run.json("search", "str")] == ["STRINGS", "STR PAD"]
    assert [p["name"] for p in run.json("search", "brass")] == ["BRASS 1"]
    assert [p["name"] for p in run.json("search", "str pa")] == ["STR PAD"]
    assert len(run.json("list", "--kind", "pattern")) == 3
    assert len(run.json("list", "--folder", str(dumps / "sub"))) == 4
    # A filter naming nothing known is a usage error listing what is valid, not "no patches".
    refused = run("list", "--device", "nope", code=2).output
    assert "unknown device 'nope'" in refused and "toy-lib" in refused
    assert run.json("search", "zzz") == []
    shown = run.json("show", "1")
    assert shown["decoded"]["params"]["data"] == list(data_bytes(1))
    assert shown["decoded"]["kind"] == "voice"
    text = run("show", "1").output
    assert "BRASS 1" in text and "parameters" in text
    assert "has no letters or digits" in run("search", "**", code=1).output


def test_tag_rename_fav_note_rm(run, dumps):
    run("import", str(dumps))
    assert run.json("tag", "1", "2", "-a", "lead", "-a", "Warm") == [
        {"id": 1, "tags": ["lead", "Warm"]}, {"id": 2, "tags": ["lead", "Warm"]}]
    run("tag", "2", "-r", "lead")
    assert [p["id"] for p in run.json("list", "--tag", "lead")] == [1]
    assert [p["id"] for p in run.json("list", "--tag", "warm", "--tag", "LEAD")] == [1]
    run("rename", "3", "Soft Pad")
    assert [p["id"] for p in run.json("search", "soft")] == [3]
    assert run.json("search", "pad") and run.json("search", "pad")[0]["name_from"] == "user"
    run("fav", "3", "4")
    assert [p["id"] for p in run.json("list", "--fav")] == [3, 4]
    run("fav", "4", "--off")
    assert [p["id"] for p in run.json("list", "--fav")] == [3]
    run("note", "3", "use with chorus")
    assert run.json("show", "3")["notes"] == "use with chorus"
    assert run.json("rm", "5") == {"removed": [5]}
    assert "(in the trash)" in run("show", "5").output
    assert "lib restore 5" in run("tag", "5", "-a", "x", code=1).output
    assert "no patch with id 99" in run("tag", "99", "-a", "x", code=1).output


def test_dupes(run, dumps, tmp_path):
    run("import", str(dumps))
    names = run.json("dupes")
    assert [g["names"] for g in names] == [["BRASS 1", "FAT HORN"]]
    other = tmp_path / "other"
    other.mkdir()
    (other / "x.syx").write_bytes(voice(data_bytes(50), "strings"))
    run("import", str(other))
    (group,) = run.json("dupes", "sounds")
    assert group["name"] == "STRINGS" and len(group["patches"]) == 2
    assert [p["id"] for p in run.json("dupes", "sources")] == [1]


def test_export_clean_file_gives_same_bytes(run, dumps, tmp_path):
    run("import", str(dumps))
    out = tmp_path / "out.syx"
    run("export", "--folder", str(dumps / "sub"), "--kind", "pattern", "-o", str(out))
    original = (dumps / "sub" / "BASS.syx").read_bytes()
    assert hashlib.sha256(out.read_bytes()).digest() == hashlib.sha256(original).digest()
    one = tmp_path / "one.syx"
    run("export", "str", "-o", str(one))
    assert one.read_bytes() == (dumps / "strings.syx").read_bytes()
    # Re-addressed on request, through the driver's convert().
    moved = tmp_path / "moved.syx"
    result = run.json("export", "--id", "1", "--channel", "9", "--program", "0x30", "-o", str(moved))
    assert moved.read_bytes() == voice(data_bytes(1), "BRASS 1", 0x30, channel=9)
    assert result["unused_options"] == []
    assert "say which patches" in run("export", "-o", str(tmp_path / "x.syx"), code=2).output


def test_export_forms_dir_zip_mid(run, dumps, tmp_path):
    run("import", str(dumps))
    run("export", "--all", "-o", str(tmp_path / "folder"))
    files = sorted(p.name for p in (tmp_path / "folder").iterdir())
    assert files == ["BASS 01.syx", "BASS 02.syx", "BASS 03.syx", "BRASS 1.syx", "STR PAD.syx",
                     "STRINGS.syx"]
    run("export", "--all", "-o", str(tmp_path / "all.zip"))
    with zipfile.ZipFile(tmp_path / "all.zip") as zf:
        assert sorted(zf.namelist()) == sorted(f for f in files)
        assert zf.read("BRASS 1.syx") == (dumps / "brass.syx").read_bytes()
    run("export", "--all", "-o", str(tmp_path / "all.mid"))
    (src,) = read_bytes((tmp_path / "all.mid").read_bytes(), "all.mid")
    assert src.form == "smf" and len(src.messages) == 6
    # Re-importing what was exported adds nothing new.
    assert run.json("import", str(tmp_path / "all.mid"), str(tmp_path / "all.zip"))["new"] == 0


def test_rename_is_written_into_the_dump_on_export(run, dumps, tmp_path):
    run("import", str(dumps))
    run("rename", "1", "HORNS")
    run("export", "--id", "1", "-o", str(tmp_path / "h.syx"))
    assert (tmp_path / "h.syx").read_bytes() == voice(data_bytes(1), "HORNS", 0x20)
    # A name the device cannot take is refused by the driver's own rule, as the top-level
    # rename refuses it; nothing changes, and export still writes the last good name.
    refused = run("rename", "1", "FAR TOO LONG A NAME", code=1).output
    assert "at most 8 ASCII characters" in refused
    assert run.json("show", "1")["name"] == "HORNS"
    result = run.json("export", "--id", "1", "-o", str(tmp_path / "h2.syx"))
    assert result["notes"] == []
    assert (tmp_path / "h2.syx").read_bytes() == voice(data_bytes(1), "HORNS", 0x20)


def test_banks(run, dumps, tmp_path):
    run("import", str(dumps))
    assert run.json("bank", "create", "Live", "--device", "toy-lib", "--model", "toy-2")["model"] == "TOY-2"
    assert "exists already" in run("bank", "create", "live", "--device", "toy-lib", code=1).output
    assert "has no model" in run("bank", "create", "X", "--device", "toy-lib", "--model", "Q", code=1).output
    run("bank", "add", "Live", "1", "2", "3")
    shown = run.json("bank", "add", "Live", "1", "--at", "1")
    assert [s["id"] for s in shown["slots"]] == [1, 1, 2, 3]
    shown = run.json("bank", "move", "Live", "4", "1")
    assert [s["id"] for s in shown["slots"]] == [3, 1, 1, 2]
    shown = run.json("bank", "remove", "Live", "2")
    assert [(s["position"], s["id"]) for s in shown["slots"]] == [(1, 3), (2, 1), (3, 2)]
    assert "positions 1..3" in run("bank", "move", "Live", "7", "1", code=1).output
    out = tmp_path / "live.syx"
    run("bank", "add", "Live", "4")  # a pattern: the toy bulk holds voices only
    assert "only voices go into a bulk" in run("bank", "export", "Live", "-o", str(out), code=1).output
    assert not out.exists()
    run("bank", "remove", "Live", "4")
    result = run.json("bank", "export", "Live", "-o", str(out), "--bank-size", "5", "--pad-with", "2")
    assert out.read_bytes() == bulk([("STR PAD", data_bytes(3)), ("BRASS 1", data_bytes(1)),
                                     ("STRINGS", data_bytes(2)), ("STRINGS", data_bytes(2)),
                                     ("STRINGS", data_bytes(2))])
    assert result["unused_options"] == []
    assert "patches in user banks" in run("rm", "1", code=1).output
    run("rm", "1", "--force")
    assert [s["id"] for s in run.json("bank", "show", "Live")["slots"]] == [3, 2]
    assert [b["name"] for b in run.json("bank", "list")] == ["Live"]
    run("bank", "delete", "Live")
    assert run.json("bank", "list") == []


def test_library_location_from_env_and_default(tmp_path, toy, dumps, monkeypatch):
    env_db = tmp_path / "env.sqlite"
    monkeypatch.setenv(ENV_VAR, str(env_db))
    result = CliRunner().invoke(cli, ["lib", "import", str(dumps / "brass.syx")])
    assert result.exit_code == 0, result.output
    assert Library(env_db).count() == 1
    monkeypatch.delenv(ENV_VAR)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    result = CliRunner().invoke(cli, ["lib", "check", "--json"])
    assert json.loads(result.stdout)["library"] == str(tmp_path / "xdg" / "syxkit" / "library.sqlite")


def test_check_reports_integrity(run, dumps):
    run("import", str(dumps))
    stats = run.json("check")
    assert stats["integrity"] == ["ok"] and stats["patches"] == 6 and stats["sources"] == 7


def test_clear_errors_instead_of_tracebacks(run, dumps, tmp_path, toy):
    run("import", str(dumps))
    blocker = tmp_path / "a_file"
    blocker.write_text("x")
    assert "cannot write" in run("export", "--all", "-o", str(blocker / "sub"), code=1).output
    assert "say what to search for" in run("search", "  ", code=2).output
    assert "no 'nope' driver is installed" in run("bank", "create", "b", "--device", "nope", code=1).output
    result = CliRunner().invoke(cli, ["lib", "--library", str(blocker / "lib.sqlite"), "list"])
    assert result.exit_code == 1 and "cannot open the library" in result.output


def test_list_limits_and_original_export(run, tmp_path):
    folder = tmp_path / "bulk"
    folder.mkdir()
    data = bulk([(f"V{i}", data_bytes(300 + i)) for i in range(5)])
    (folder / "b.syx").write_bytes(data)
    run("import", str(folder))
    assert len(run.json("list")) == 5 and len(run.json("list", "--limit", "2")) == 2
    table = run("list", "--limit", "3").output
    assert "5 patches" not in table and "3 patches" in table
    out = tmp_path / "orig.syx"
    run("export", "--all", "--original", "-o", str(out))
    assert out.read_bytes() == data  # the bulk message once, as found
    parts = tmp_path / "parts.syx"
    run("export", "--all", "-o", str(parts))
    assert parts.read_bytes() == b"".join(voice(data_bytes(300 + i), f"V{i}", i) for i in range(5))
    assert "cannot re-address" in run("export", "--all", "--original", "--channel", "2", "-o",
                                      str(out), code=1).output
