"""Schema versions and migrations; what a library refuses to open."""

from __future__ import annotations

import sqlite3

import pytest
from libtoy import data_bytes, voice

from syxkit.library import Library, LibraryError, Query, find, import_paths, schema


def test_new_library_is_wal_at_latest_version(tmp_path, toy):
    with Library(tmp_path / "a" / "lib.sqlite") as lib:
        assert lib.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert schema.current_version(lib.conn) == len(schema.MIGRATIONS)


def test_old_library_is_migrated_in_place_keeping_its_data(tmp_path, toy, monkeypatch):
    (tmp_path / "v.syx").write_bytes(voice(data_bytes(1), "KEPT"))
    db = tmp_path / "lib.sqlite"
    with Library(db) as lib:
        import_paths(lib, [tmp_path / "v.syx"])

    def add_rating(conn):
        conn.execute("ALTER TABLE patches ADD COLUMN rating INTEGER NOT NULL DEFAULT 0")

    monkeypatch.setattr(schema, "MIGRATIONS", [*schema.MIGRATIONS, add_rating,
                                              "CREATE INDEX patches_rating ON patches (rating);"])
    with Library(db) as lib:
        assert schema.current_version(lib.conn) == len(schema.MIGRATIONS)
        assert [p.name for p in find(lib, Query())] == ["KEPT"]
        assert lib.conn.execute("SELECT rating FROM patches").fetchall() == [(0,)]


def test_failed_migration_leaves_the_last_whole_version(tmp_path, toy, monkeypatch):
    db = tmp_path / "lib.sqlite"
    Library(db).close()

    def broken(conn):
        conn.execute("ALTER TABLE patches ADD COLUMN half INTEGER")
        raise RuntimeError("power cut")

    monkeypatch.setattr(schema, "MIGRATIONS", [*schema.MIGRATIONS, broken])
    with pytest.raises(RuntimeError):
        Library(db)
    con = sqlite3.connect(db)
    assert con.execute("PRAGMA user_version").fetchone()[0] == len(schema.MIGRATIONS) - 1
    assert "half" not in [r[1] for r in con.execute("PRAGMA table_info(patches)")]
    con.close()


def test_newer_library_and_non_library_are_refused(tmp_path):
    db = tmp_path / "new.sqlite"
    Library(db).close()
    con = sqlite3.connect(db)
    con.execute(f"PRAGMA user_version = {len(schema.MIGRATIONS) + 1}")
    con.close()
    with pytest.raises(LibraryError, match="newer than this syxkit knows"):
        Library(db)
    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"this is not a database at all" * 100)
    with pytest.raises(LibraryError, match="not a usable syxkit library"):
        Library(junk)
