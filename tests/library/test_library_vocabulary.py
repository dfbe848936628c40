"""Issue 14 point 1 (one vocabulary) and 4 (--library after the subcommand): kinds and models
as the drivers spell them, a filter naming nothing known is a usage error, the model family
a nameless or model-less object fits, and the schema migration that brings old libraries in
line."""

from __future__ import annotations

import json
import sqlite3

from click.testing import CliRunner
from corpus_files import corpus_path
from libtoy import ToyDevice, data_bytes, pattern, voice

from syxkit.cli import cli
from syxkit.devices import registry
from syxkit.library import Library, Query, find, import_paths, schema
from syxkit.library.vocabulary import canonical_kind, compact_models


def lib_cli(db, *args, code=0):
    result = CliRunner().invoke(cli, ["lib", *args, "--library", str(db)])
    assert result.exit_code == code, result.output + str(result.exception)
    return result


def test_every_driver_declares_its_kinds_in_the_house_spelling():
    for dev in registry.devices():
        assert dev.kinds, f"{dev.id} declares no kinds"
        for kind in dev.kinds:
            assert kind == kind.lower() and "_" not in kind and " " not in kind, (dev.id, kind)


def test_canonical_kind_folds_spelling_and_abbreviations():
    kinds = ["tone", "operation-memory"]
    assert canonical_kind("op-mem", kinds) == "operation-memory"
    assert canonical_kind("opmem", kinds) == "operation-memory"
    assert canonical_kind("Operation Memory", kinds) == "operation-memory"
    assert canonical_kind("tone", kinds) == "tone"
    assert canonical_kind("kit", kinds) is None
    assert compact_models(["CZ-101", "CZ-1000", "CZ-230S"]) == "CZ-101/1000/230S"


def test_unknown_device_kind_or_model_is_a_usage_error_listing_the_valid_ones(tmp_path, toy):
    (tmp_path / "v.syx").write_bytes(voice(data_bytes(1), "ONE"))
    db = tmp_path / "lib.sqlite"
    lib_cli(db, "import", str(tmp_path / "v.syx"))
    out = lib_cli(db, "list", "--kind", "op-mem", code=2).output
    assert "unknown kind 'op-mem'" in out and "operation-memory" in out and "voice" in out
    out = lib_cli(db, "list", "--device", "toy-lib", "--kind", "patern", code=2).output
    assert "voice, pattern, song" in out
    assert "unknown model" in lib_cli(db, "search", "one", "--model", "TOY-9", code=2).output
    assert "unknown device" in lib_cli(db, "dupes", "--device", "casio", code=2).output
    # Any case works for a known value, and the stored spelling is what comes back.
    listed = json.loads(lib_cli(db, "list", "--kind", "VOICE", "--model", "toy-1", "--json").stdout)
    assert [p["name"] for p in listed] == ["ONE"]


def test_cz_tone_and_vz_dos_voice_match_every_model_they_fit(tmp_path):
    cz = registry.get("casio-cz").example()
    (tmp_path / "tone.syx").write_bytes(cz)
    db = tmp_path / "lib.sqlite"
    lib_cli(db, "import", str(tmp_path / "tone.syx"))
    for model in ("CZ-101", "CZ-1000", "CZ-3000", "CZ-5000", "CZ-230S"):
        found = json.loads(lib_cli(db, "list", "--model", model, "--json").stdout)
        assert [p["device"] for p in found] == ["casio-cz"], model
    assert json.loads(lib_cli(db, "list", "--model", "CZ-1", "--json").stdout) == []
    lib_cli(db, "import", str(corpus_path("vz", "dos_files", "GITIANO.P01")))
    for model in ("VZ-1", "VZ-10M", "VZ-8M"):
        found = json.loads(lib_cli(db, "list", "--model", model, "--json").stdout)
        assert [p["name"] for p in found] == ["GITIANO"], model
        assert model in found[0]["models"]
    table = lib_cli(db, "list", "--device", "casio-cz").output
    assert "CZ-101/1000/3000/5000/230S" in table


def test_library_option_after_every_subcommand(tmp_path, toy):
    (tmp_path / "v.syx").write_bytes(voice(data_bytes(1), "ONE"))
    db = tmp_path / "after.sqlite"
    runner = CliRunner()
    for args in (["import", str(tmp_path / "v.syx")], ["list"], ["search", "one"], ["show", "1"],
                 ["tags"], ["trash"], ["trash", "empty"], ["check"], ["bank", "list"],
                 ["bank", "create", "b", "--device", "toy-lib"], ["bank", "show", "b"]):
        result = runner.invoke(cli, ["lib", *args, "--library", str(db)])
        assert result.exit_code == 0, (args, result.output)
    with Library(db) as lib:
        assert [p.name for p in find(lib, Query())] == ["ONE"]
    clash = runner.invoke(cli, ["lib", "--library", str(tmp_path / "a.sqlite"), "list",
                                "--library", str(tmp_path / "b.sqlite")])
    assert clash.exit_code == 2 and "--library given twice" in clash.output


def downgrade_to_v1(db) -> None:
    """Turn a library file back into the version-1 layout (as syxkit 0.x wrote it), data kept."""
    con = sqlite3.connect(db, isolation_level=None)
    # versions 4 and 3 first, newest first (their indexes name the columns dropped below)
    for statement in ["DROP INDEX patches_parent", "ALTER TABLE patches DROP COLUMN parent_id",
                      *(f"DROP INDEX patches_live_{k}" for k in (
                          "id", "name", "device", "kind", "model", "favourite", "seen", "fits")),
                      *(f"DROP TRIGGER patches_seen_{k}" for k in ("added", "moved", "removed")),
                      "ALTER TABLE patches DROP COLUMN seen"]:
        con.execute(statement)
    for statement in ["DROP INDEX patches_removed", "ALTER TABLE patches DROP COLUMN fits",
                      "ALTER TABLE patches DROP COLUMN removed_at", "DROP TABLE patches_fts",
                      *(f"DROP TRIGGER {name}" for name in (
                          "patches_fts_delete", "patches_fts_rename", "patches_fts_notes",
                          "patches_fts_tag_added", "patches_fts_tag_removed")),
                      "UPDATE sources SET name_key = 'old key'"]:
        con.execute(statement)
    v1_fts = schema.V1[schema.V1.index("CREATE VIRTUAL TABLE patches_fts"):]
    for statement in schema._statements(v1_fts):
        con.execute(statement)
    con.execute("INSERT INTO patches_fts (rowid, name) SELECT id, name FROM patches")
    con.execute("PRAGMA user_version = 1")
    con.close()


class RenamedToy(ToyDevice):
    """The toy as a newer driver that respells a kind ("pattern" -> "drum-pattern")."""

    kinds = ("voice", "drum-pattern", "song")
    spelling = "drum-pattern"

    def identify(self, message):
        dump = super().identify(message)
        if dump is not None and dump.kind == "pattern":
            dump.kind = self.spelling
        return dump

    def sound_bytes(self, dump):
        if dump.kind == self.spelling:
            return dump.payload[:-1]
        return super().sound_bytes(dump)


class OldToy(RenamedToy):
    """The toy as an older driver that spelt it "drumpat"."""

    kinds = ()
    spelling = "drumpat"


def test_migration_respells_kinds_keeps_identity_and_fills_model_families(tmp_path):
    folder = tmp_path / "d"
    folder.mkdir()
    (folder / "p.syx").write_bytes(pattern(data_bytes(5)) + pattern(data_bytes(6), 1))
    (folder / "v.syx").write_bytes(voice(data_bytes(1), "ONE"))
    db = tmp_path / "old.sqlite"
    old = registry.register(OldToy)
    try:
        with Library(db) as lib:
            import_paths(lib, [folder], workers=0)
    finally:
        registry.unregister(old.id)
    downgrade_to_v1(db)
    con = sqlite3.connect(db)
    assert sorted(r[0] for r in con.execute("SELECT kind FROM patches")) == ["drumpat", "drumpat", "voice"]
    con.close()
    new = registry.register(RenamedToy)
    try:
        with Library(db) as lib:
            assert schema.current_version(lib.conn) == len(schema.MIGRATIONS)
            kinds = sorted(p.kind for p in find(lib, Query()))
            assert kinds == ["drum-pattern", "drum-pattern", "voice"]
            assert [p.name for p in find(lib, Query(model="TOY-1", kind="drum-pattern"))] == ["p 01", "p 02"]
            # The fingerprints follow the new spelling: reading the files again adds nothing.
            again = import_paths(lib, [folder], rescan=True, workers=0)
            assert again.new == 0 and lib.count() == 3
            assert lib.integrity_check() == ["ok"]
            assert {r[0] for r in lib.conn.execute("SELECT name_key FROM sources")} == {
                "p 01", "p 02", "one"}
            assert [p.name for p in find(lib, Query(text="one"))] == ["ONE"]
    finally:
        registry.unregister(new.id)


def test_a_library_opened_with_a_newer_kind_spelling_is_fixed_on_import(tmp_path):
    """A driver respelling a kind after the library was migrated: the next import rewrites
    the stored kinds (and fingerprints) before comparing."""
    (tmp_path / "p.syx").write_bytes(pattern(data_bytes(5)))
    db = tmp_path / "lib.sqlite"
    old = registry.register(OldToy)
    try:
        with Library(db) as lib:
            import_paths(lib, [tmp_path / "p.syx"], workers=0)
    finally:
        registry.unregister(old.id)
    new = registry.register(RenamedToy)
    try:
        with Library(db) as lib:
            report = import_paths(lib, [tmp_path / "p.syx"], rescan=True, workers=0)
            assert report.new == 0
            assert [p.kind for p in find(lib, Query())] == ["drum-pattern"]
    finally:
        registry.unregister(new.id)

