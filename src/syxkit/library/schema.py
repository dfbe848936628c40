"""The library's SQLite schema, as an ordered list of migrations.

``PRAGMA user_version`` holds the number of migrations applied. Opening a library applies the
missing ones, each in its own transaction, so an old library file is upgraded in place and a
crash mid-upgrade leaves it at the last whole version. A file from a newer syxkit (a higher
version than this code knows) is refused rather than guessed at.

Design notes:
- Message bytes live in ``messages`` under sequential integer ids: a 43 KB VZ bulk message is
  stored once although 128 patches came out of it, and a patch whose standalone message is its
  source message (the usual case) shares the row. Integer ids matter for import speed: with
  one transaction per file, every random-key index page an insert touches is written to the
  WAL at each commit, and a sha256-keyed message store doubled the import time.
- ``sources.part`` is -1 for a whole message (not NULL) so the UNIQUE constraint that makes a
  second import of the same file add nothing also holds for single messages.
- ``patches_fts`` is an external-content FTS5 index over the names. Triggers keep it in step
  on rename and delete; the importer adds new names itself, in one batch per file (faster
  than a trigger per row), in the same transaction.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

V1 = """
CREATE TABLE messages (
    id   INTEGER PRIMARY KEY,
    data BLOB NOT NULL,                     -- the message as the device reads it
    raw  BLOB                               -- the verbatim file bytes, when they differ
);

CREATE TABLE files (
    id           INTEGER PRIMARY KEY,
    path         TEXT NOT NULL,             -- absolute; zip members as ARCHIVE!MEMBER
    sha256       BLOB NOT NULL,
    size         INTEGER NOT NULL,
    mtime        REAL,
    form         TEXT NOT NULL,             -- raw | hex | smf | zip | foreign:<device> ...
    container_id INTEGER REFERENCES files(id),
    objects      INTEGER NOT NULL DEFAULT 0,  -- sound objects found (duplicates included)
    problems     TEXT NOT NULL DEFAULT '[]',  -- JSON list of strings
    imported_at  TEXT NOT NULL,
    UNIQUE (path, sha256)
);

CREATE TABLE patches (
    id          INTEGER PRIMARY KEY,
    fingerprint BLOB NOT NULL UNIQUE,       -- sha256(device, kind, sound bytes)
    device      TEXT NOT NULL,
    kind        TEXT NOT NULL,
    model       TEXT,
    name        TEXT NOT NULL,
    name_key    TEXT NOT NULL,              -- name folded for "same name" (naming.norm_name)
    name_from   TEXT NOT NULL,              -- device | file | user
    payload     BLOB,                       -- the driver's normalised (decoded) bytes
    message_id  INTEGER REFERENCES messages(id),  -- the object's own standalone message
    favourite   INTEGER NOT NULL DEFAULT 0,
    notes       TEXT NOT NULL DEFAULT '',
    created_at  TEXT NOT NULL,
    modified_at TEXT NOT NULL
);
-- Only the indexes queries need: device/model/kind filters scan 120,000 rows in a few ms,
-- and every index costs on import.
CREATE INDEX patches_name ON patches (device, kind, name_key);
CREATE INDEX patches_message ON patches (message_id);  -- ascending ids: appends, cheap

CREATE TABLE sources (
    id          INTEGER PRIMARY KEY,
    patch_id    INTEGER NOT NULL REFERENCES patches(id) ON DELETE CASCADE,
    file_id     INTEGER NOT NULL REFERENCES files(id),
    offset      INTEGER NOT NULL,           -- of the message in its file
    part        INTEGER NOT NULL DEFAULT -1,  -- index in a bulk message, -1 = whole message
    name        TEXT NOT NULL,              -- the name this source gave the sound
    name_key    TEXT NOT NULL,
    name_from   TEXT NOT NULL,              -- device | file
    channel     INTEGER,
    bank        INTEGER,
    program     INTEGER,
    slot        TEXT,
    message_id  INTEGER NOT NULL REFERENCES messages(id),  -- the whole message it sat in
    seen_at     TEXT NOT NULL,
    UNIQUE (file_id, offset, part)
);
CREATE INDEX sources_patch ON sources (patch_id, name_key);  -- also serves "same sound"
CREATE INDEX sources_message ON sources (message_id);

CREATE TABLE tags (
    id   INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE COLLATE NOCASE
);
CREATE TABLE patch_tags (
    patch_id INTEGER NOT NULL REFERENCES patches(id) ON DELETE CASCADE,
    tag_id   INTEGER NOT NULL REFERENCES tags(id) ON DELETE CASCADE,
    PRIMARY KEY (patch_id, tag_id)
) WITHOUT ROWID;
CREATE INDEX patch_tags_tag ON patch_tags (tag_id);

CREATE TABLE banks (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE COLLATE NOCASE,
    device     TEXT NOT NULL,
    model      TEXT,
    created_at TEXT NOT NULL
);
CREATE TABLE bank_slots (
    bank_id  INTEGER NOT NULL REFERENCES banks(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,              -- 0-based, dense
    patch_id INTEGER NOT NULL REFERENCES patches(id),
    PRIMARY KEY (bank_id, position)
) WITHOUT ROWID;
CREATE INDEX bank_slots_patch ON bank_slots (patch_id);

CREATE VIRTUAL TABLE patches_fts USING fts5(
    name, content='patches', content_rowid='id',
    tokenize='unicode61 remove_diacritics 2'
);
CREATE TRIGGER patches_fts_delete AFTER DELETE ON patches BEGIN
    INSERT INTO patches_fts (patches_fts, rowid, name) VALUES ('delete', old.id, old.name);
END;
CREATE TRIGGER patches_fts_rename AFTER UPDATE OF name ON patches BEGIN
    INSERT INTO patches_fts (patches_fts, rowid, name) VALUES ('delete', old.id, old.name);
    INSERT INTO patches_fts (rowid, name) VALUES (new.id, new.name);
END;
"""

# Version 2 (issue 14): patches get the model family their data fits (``fits``, e.g.
# "|CZ-101|CZ-1000|…|", matched by ``--model``) and a trash (``removed_at``: ``lib rm`` sets
# it, ``lib restore`` clears it); the full-text index covers names, tags and notes, so it
# keeps its own copy of the text (tags live in another table, which an external-content
# index cannot follow); a source's name_key is its own name folded, also for made-up file
# names, so "dupes names" finds one sound under two names from one file.
V2_SQL = """
ALTER TABLE patches ADD COLUMN fits TEXT NOT NULL DEFAULT '';
ALTER TABLE patches ADD COLUMN removed_at TEXT;
CREATE INDEX patches_removed ON patches (removed_at) WHERE removed_at IS NOT NULL;
DROP TRIGGER patches_fts_delete;
DROP TRIGGER patches_fts_rename;
DROP TABLE patches_fts;
CREATE VIRTUAL TABLE patches_fts USING fts5(
    name, tags, notes, tokenize='unicode61 remove_diacritics 2'
);
INSERT INTO patches_fts (rowid, name, tags, notes)
    SELECT p.id, p.name, (SELECT group_concat(t.name, ' ') FROM patch_tags pt
                          JOIN tags t ON t.id = pt.tag_id WHERE pt.patch_id = p.id), p.notes
    FROM patches p;
CREATE TRIGGER patches_fts_delete AFTER DELETE ON patches BEGIN
    DELETE FROM patches_fts WHERE rowid = old.id;
END;
CREATE TRIGGER patches_fts_rename AFTER UPDATE OF name ON patches BEGIN
    UPDATE patches_fts SET name = new.name WHERE rowid = new.id;
END;
CREATE TRIGGER patches_fts_notes AFTER UPDATE OF notes ON patches BEGIN
    UPDATE patches_fts SET notes = new.notes WHERE rowid = new.id;
END;
CREATE TRIGGER patches_fts_tag_added AFTER INSERT ON patch_tags BEGIN
    UPDATE patches_fts SET tags = (SELECT group_concat(t.name, ' ') FROM patch_tags pt
        JOIN tags t ON t.id = pt.tag_id WHERE pt.patch_id = new.patch_id)
    WHERE rowid = new.patch_id;
END;
CREATE TRIGGER patches_fts_tag_removed AFTER DELETE ON patch_tags BEGIN
    UPDATE patches_fts SET tags = (SELECT group_concat(t.name, ' ') FROM patch_tags pt
        JOIN tags t ON t.id = pt.tag_id WHERE pt.patch_id = old.patch_id)
    WHERE rowid = old.patch_id;
END;
"""


def v2(conn: sqlite3.Connection) -> None:
    from syxkit.library.naming import norm_name
    from syxkit.library.vocabulary import canonicalise_kinds, fill_fits

    for statement in _statements(V2_SQL):
        conn.execute(statement)
    rows = conn.execute("SELECT id, name, name_key FROM sources").fetchall()
    conn.executemany("UPDATE sources SET name_key = ? WHERE id = ?",
                     [(norm_name(name), sid) for sid, name, key in rows if norm_name(name) != key])
    canonicalise_kinds(conn)
    fill_fits(conn)


# Version 3 (issue 15): the web list stays fast at 120,000 patches. Every sort the list offers
# gets an index over the live patches (partial: ``removed_at IS NULL``, which every list query
# says), keyed by the sort column and then the id (the list's tie-break, so paging is stable),
# and carrying the filter columns (device, kind, favourite): a page sorted by one column and
# filtered by another is read in order from one index, the filters checked in the index
# itself, and the table row is only read for the rows shown. A filter on the sort column (or
# any filter when sorting by id) is a seek in its own index, which also keeps the id order.
# ``seen`` (in how many files a patch was seen) becomes a column kept by triggers, so that
# "most seen" is an index too instead of a count per patch; ``fits`` gets one for the model
# filter. Import pays one index insert per patch per index (measured: see bench/library.py).
# The full-text index is rebuilt with prefix indexes for one and two letters: the first
# keystrokes of a search ("b*": 16,000 patches) read one list instead of merging hundreds
# (10 -> 4 ms at 96,000 patches); the triggers of version 2 name the table and stay.
V3_SQL = """
ALTER TABLE patches ADD COLUMN seen INTEGER NOT NULL DEFAULT 0;
UPDATE patches SET seen = (SELECT count(DISTINCT s.file_id) FROM sources s
                           WHERE s.patch_id = patches.id);
CREATE TRIGGER patches_seen_added AFTER INSERT ON sources
WHEN NOT EXISTS (SELECT 1 FROM sources s WHERE s.patch_id = new.patch_id
                 AND s.file_id = new.file_id AND s.id <> new.id) BEGIN
    UPDATE patches SET seen = seen + 1 WHERE id = new.patch_id;
END;
CREATE TRIGGER patches_seen_moved AFTER UPDATE OF patch_id, file_id ON sources BEGIN
    UPDATE patches SET seen = (SELECT count(DISTINCT s.file_id) FROM sources s
                               WHERE s.patch_id = patches.id)
    WHERE id IN (old.patch_id, new.patch_id);
END;
CREATE TRIGGER patches_seen_removed AFTER DELETE ON sources BEGIN
    UPDATE patches SET seen = (SELECT count(DISTINCT s.file_id) FROM sources s
                               WHERE s.patch_id = patches.id)
    WHERE id = old.patch_id;
END;
CREATE INDEX patches_live_id ON patches (id, device, kind, favourite)
    WHERE removed_at IS NULL;
CREATE INDEX patches_live_name ON patches (name_key, id, device, kind, favourite)
    WHERE removed_at IS NULL;
CREATE INDEX patches_live_device ON patches (device, id, kind, favourite)
    WHERE removed_at IS NULL;
CREATE INDEX patches_live_kind ON patches (kind, id, device, favourite)
    WHERE removed_at IS NULL;
CREATE INDEX patches_live_model ON patches (model, id, device, kind, favourite)
    WHERE removed_at IS NULL;
CREATE INDEX patches_live_favourite ON patches (favourite, id, device, kind)
    WHERE removed_at IS NULL;
CREATE INDEX patches_live_seen ON patches (seen, id, device, kind, favourite)
    WHERE removed_at IS NULL;
CREATE INDEX patches_live_fits ON patches (fits, id, device, kind, favourite)
    WHERE removed_at IS NULL;
DROP TABLE patches_fts;
CREATE VIRTUAL TABLE patches_fts USING fts5(
    name, tags, notes, tokenize='unicode61 remove_diacritics 2', prefix='1 2'
);
INSERT INTO patches_fts (rowid, name, tags, notes)
    SELECT p.id, p.name, (SELECT group_concat(t.name, ' ') FROM patch_tags pt
                          JOIN tags t ON t.id = pt.tag_id WHERE pt.patch_id = p.id), p.notes
    FROM patches p;
INSERT INTO patches_fts (patches_fts) VALUES ('optimize');
"""

# Version 4 (issue 16): versions of a patch. ``lib set`` (and the editor's "save as a new
# version") stores the edited sound as a new patch whose ``parent_id`` is the patch it was
# made from, so the library keeps both and knows which came from which; ``lib show`` walks
# the chain. ON DELETE SET NULL: emptying the trash of a parent leaves its children as roots.
V4_SQL = """
ALTER TABLE patches ADD COLUMN parent_id INTEGER REFERENCES patches(id) ON DELETE SET NULL;
CREATE INDEX patches_parent ON patches (parent_id) WHERE parent_id IS NOT NULL;
"""

Migration = Callable[[sqlite3.Connection], None] | str

# Append only; never edit a released step. Each entry moves the schema one version up.
MIGRATIONS: list[Migration] = [V1, v2, V3_SQL, V4_SQL]


class SchemaError(Exception):
    pass


def current_version(conn: sqlite3.Connection) -> int:
    return conn.execute("PRAGMA user_version").fetchone()[0]


def migrate(conn: sqlite3.Connection, migrations: list[Migration] | None = None) -> int:
    """Bring the schema up to date; returns the version reached. ``conn`` must be in
    autocommit mode (isolation_level None): each step runs in its own BEGIN IMMEDIATE."""
    steps = MIGRATIONS if migrations is None else migrations
    version = current_version(conn)
    if version > len(steps):
        raise SchemaError(f"library schema version {version} is newer than this syxkit knows "
                          f"({len(steps)}); upgrade syxkit to open it")
    for number in range(version, len(steps)):
        step = steps[number]
        conn.execute("BEGIN IMMEDIATE")
        try:
            # Another process may have migrated while we waited for the lock.
            if current_version(conn) != number:
                conn.execute("ROLLBACK")
                return migrate(conn, migrations)
            if isinstance(step, str):
                for statement in _statements(step):
                    conn.execute(statement)
            else:
                step(conn)
            conn.execute(f"PRAGMA user_version = {number + 1}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    return len(steps)


def _statements(script: str) -> list[str]:
    """Split a script into statements (executescript would commit our transaction)."""
    out, buf = [], ""
    for line in script.splitlines(keepends=True):
        buf += line
        if sqlite3.complete_statement(buf):
            out.append(buf.strip())
            buf = ""
    if buf.strip():
        out.append(buf.strip())
    return out
