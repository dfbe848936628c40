"""``lib set``: an edited patch saved as a new version that knows its parent (schema v4)."""

from __future__ import annotations

import json
import sqlite3

from click.testing import CliRunner
from corpus_files import corpus_path

from syxkit.cli import cli
from syxkit.library import Library, import_paths, schema
from syxkit.library.versions import history, set_patch
from syxkit.ops import edit


def _library(tmp_path) -> Library:
    lib = Library(tmp_path / "lib.sqlite")
    import_paths(lib, [corpus_path("cz", "BASS.SYX"), corpus_path("vz", "KILLER_ORGAN.syx")])
    return lib


def test_migration_adds_parent_id_to_an_old_library(tmp_path):
    db = tmp_path / "old.sqlite"
    con = sqlite3.connect(db, isolation_level=None)
    schema.migrate(con, schema.MIGRATIONS[:3])  # a library as the version before this one
    con.execute("INSERT INTO patches (fingerprint, device, kind, name, name_key, name_from, "
                "created_at, modified_at) VALUES (x'01', 'casio-cz', 'tone', 'OLD', 'old', "
                "'user', 'now', 'now')")
    con.close()
    with Library(db) as lib:
        assert schema.current_version(lib.conn) == len(schema.MIGRATIONS)
        assert lib.conn.execute("SELECT name, parent_id FROM patches").fetchall() == [("OLD", None)]
        assert history(lib, 1) == {"parent": None, "ancestors": [], "children": []}


def test_set_saves_a_new_version_and_keeps_the_old(tmp_path):
    with _library(tmp_path) as lib:
        before = lib.count()
        old_bytes = lib.message(lib.get(1).message_id)
        lib.tag([1], ["bass"])
        got = set_patch(lib, 1, ["line1.dcw.rates.3=70"])
        assert got.created and got.parent.id == 1 and lib.count() == before + 1
        assert lib.message(lib.get(1).message_id) == old_bytes  # the original stays
        new = got.patch
        assert (new.name, new.tags) == (lib.get(1).name, ["bass"])
        assert history(lib, new.id)["ancestors"] == [1]
        assert history(lib, 1)["children"] == [new.id]
        values = edit.values(edit.target_of_bytes(lib.message(new.message_id)))
        assert values["line1.dcw.rates.3"] == 70
        again = set_patch(lib, new.id, ["octave=1"])
        assert history(lib, again.patch.id)["ancestors"] == [new.id, 1]
        # the same sound again is not stored twice
        same = set_patch(lib, 1, ["line1.dcw.rates.3=70"])
        assert not same.created and same.patch.id == new.id and lib.count() == before + 2


def test_cli_lib_set_and_show(tmp_path):
    _library(tmp_path).close()
    db = str(tmp_path / "lib.sqlite")
    run = CliRunner().invoke
    r = run(cli, ["lib", "--library", db, "set", "1", "vibrato.wave=square", "--json"])
    assert r.exit_code == 0, r.output
    new_id = json.loads(r.output)["id"]
    r = run(cli, ["lib", "--library", db, "show", str(new_id), "--json"])
    assert json.loads(r.output)["history"]["parent"] == 1
    r = run(cli, ["lib", "--library", db, "show", "1"])
    assert f"versions made from it: {new_id}" in r.output
    r = run(cli, ["lib", "--library", db, "set", "1", "vibrato.wav=square"])
    assert r.exit_code == 2 and "vibrato.wave" in r.output
