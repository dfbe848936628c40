"""Issue 14 point 6: a trash for `lib rm`, re-import leaving removed sounds alone unless asked,
search over names, tags and notes, `lib tags`, and `dupes names` within one file."""

from __future__ import annotations

import json

from click.testing import CliRunner
from libtoy import data_bytes, pattern, voice

from syxkit.cli import cli


def run(db, *args, code=0):
    result = CliRunner().invoke(cli, ["lib", "--library", str(db), *args])
    assert result.exit_code == code, result.output + str(result.exception)
    return result


def js(db, *args, code=0):
    return json.loads(run(db, *args, "--json", code=code).stdout)


def test_rm_goes_to_the_trash_and_restore_brings_it_back(tmp_path, toy):
    folder = tmp_path / "d"
    folder.mkdir()
    (folder / "a.syx").write_bytes(voice(data_bytes(1), "ALPHA") + voice(data_bytes(2), "BETA", 1))
    db = tmp_path / "lib.sqlite"
    run(db, "import", str(folder))
    run(db, "tag", "1", "-a", "keep")
    assert "moved 1 patch to the trash" in run(db, "rm", "1").output
    assert [p["name"] for p in js(db, "list")] == ["BETA"]
    assert js(db, "search", "alpha") == []
    assert [p["name"] for p in js(db, "trash")] == ["ALPHA"]
    assert "ALPHA" in run(db, "trash").output
    # An import of the same file (read again, or not) leaves it in the trash and says so.
    for extra in ([], ["--rescan"]):
        report = js(db, "import", str(folder), *extra)
        assert report["in_trash"] == 1 and report["new"] == 0, extra
        assert "1 patch of these files left in the trash" in run(db, "import", str(folder), *extra).output
    assert [p["name"] for p in js(db, "list")] == ["BETA"]
    # Asked to, the import brings it back, tags and all.
    report = js(db, "import", str(folder), "--restore-removed")
    assert report["restored"] == 1
    assert [p["tags"] for p in js(db, "list", "--id", "1")] == [["keep"]]
    run(db, "rm", "1")
    assert js(db, "restore", "1") == {"restored": [1]}
    assert "not in the trash" in run(db, "restore", "1", code=1).output
    run(db, "rm", "1", "2")
    assert js(db, "trash", "empty", "2") == {"deleted": 1}
    assert "deleted 1 patch from the trash for good" in run(db, "trash", "empty").output
    assert js(db, "trash") == [] and js(db, "list") == []
    # Gone for good: an unchanged file is not read again; --rescan brings the sounds back.
    assert js(db, "import", str(folder), "--rescan")["new"] == 2


def test_search_covers_names_tags_and_notes_and_tags_lists_counts(tmp_path, toy):
    (tmp_path / "a.syx").write_bytes(voice(data_bytes(1), "ALPHA") + voice(data_bytes(2), "BETA", 1)
                                     + voice(data_bytes(3), "GAMMA", 2))
    db = tmp_path / "lib.sqlite"
    run(db, "import", str(tmp_path / "a.syx"))
    run(db, "tag", "1", "2", "-a", "warmpad", "-a", "Lead")
    run(db, "note", "3", "great with chorus")
    assert [p["name"] for p in js(db, "search", "warm")] == ["ALPHA", "BETA"]
    assert [p["name"] for p in js(db, "search", "chorus")] == ["GAMMA"]
    run(db, "tag", "2", "-r", "warmpad")
    assert [p["name"] for p in js(db, "search", "warmpad")] == ["ALPHA"]
    run(db, "note", "3", "")
    assert js(db, "search", "chorus") == []
    run(db, "rename", "3", "CHORUS")
    assert [p["name"] for p in js(db, "search", "chorus")] == ["CHORUS"]
    assert js(db, "tags") == [{"tag": "Lead", "patches": 2}, {"tag": "warmpad", "patches": 1}]
    out = run(db, "tags").output
    assert "Lead\t2" in out and "warmpad\t1" in out
    run(db, "rm", "1")
    assert js(db, "tags") == [{"tag": "Lead", "patches": 1}]


def test_dupes_names_finds_one_sound_twice_in_one_file(tmp_path, toy):
    # Patterns have no name: the library calls them BANK 01, BANK 02 …; 1 and 3 are one sound.
    data = pattern(data_bytes(7), 0) + pattern(data_bytes(8), 1) + pattern(data_bytes(7), 2)
    (tmp_path / "BANK.syx").write_bytes(data)
    db = tmp_path / "lib.sqlite"
    run(db, "import", str(tmp_path / "BANK.syx"))
    groups = js(db, "dupes", "names")
    assert [g["names"] for g in groups] == [["BANK 01", "BANK 03"]]
    assert "BANK 01 = BANK 03" in run(db, "dupes", "names").output


def test_piped_list_is_tab_separated_and_never_wrapped(tmp_path, toy):
    long_file = tmp_path / ("a very long file name that would wrap in any table " * 3 + ".syx")
    long_file.write_bytes(pattern(data_bytes(9)))
    db = tmp_path / "lib.sqlite"
    run(db, "import", str(long_file))
    result = run(db, "list")
    lines = result.stdout.splitlines()
    assert lines[0].split("\t") == ["id", "device", "kind", "models", "name", "tags", "fav", "sources"]
    assert lines[1].split("\t")[4] == long_file.stem.strip()
    assert len(lines) == 2  # the count goes to stderr: stdout holds only the rows
