"""The Library: one SQLite file holding patches, where each was seen, tags, favourites, notes
and user banks.

The connection runs in autocommit mode and every change is an explicit ``BEGIN IMMEDIATE`` …
``COMMIT``: an import commits once per file, an edit once per command, so a killed process
leaves the file as it was after the last whole transaction. WAL journaling lets readers (a
``list`` in another terminal) run while an import writes.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from syxkit.library.fingerprint import short
from syxkit.library.naming import norm_name
from syxkit.library.paths import library_path
from syxkit.library.schema import SchemaError, migrate
from syxkit.library.vocabulary import fits_list


class LibraryError(Exception):
    """A user-facing failure (unknown patch or bank, refused edit)."""


class UsageError(LibraryError):
    """A request that cannot mean anything (an unknown device, kind or model in a filter):
    the faces treat it as a usage error (the CLI exits 2)."""


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass
class Source:
    """One place a patch was seen: a message (or a part of a bulk message) in a file."""

    path: str
    offset: int
    part: int | None
    name: str
    name_from: str
    channel: int | None
    bank: int | None
    program: int | None
    slot: str | None
    seen_at: str
    form: str
    message_id: int

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path, "offset": self.offset, "part": self.part, "name": self.name,
            "name_from": self.name_from, "channel": self.channel, "bank": self.bank,
            "program": self.program, "slot": self.slot, "form": self.form, "seen_at": self.seen_at,
        }


@dataclass
class Patch:
    id: int
    fingerprint: bytes
    device: str
    kind: str
    model: str | None
    name: str
    name_from: str
    favourite: bool
    notes: str
    created_at: str
    modified_at: str
    message_id: int | None
    fits: tuple[str, ...] = ()  # the models that can load it (what --model matches)
    removed_at: str | None = None  # when it went to the trash; None: in the library
    tags: list[str] = field(default_factory=list)
    sources: list[Source] = field(default_factory=list)

    @property
    def models(self) -> tuple[str, ...]:
        return self.fits or ((self.model,) if self.model else ())

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id, "device": self.device, "model": self.model,
            "models": list(self.models), "kind": self.kind, "in_trash": self.removed_at is not None,
            "name": self.name, "name_from": self.name_from, "tags": list(self.tags),
            "favourite": self.favourite, "notes": self.notes,
            "fingerprint": short(self.fingerprint),
            "sources": [s.to_json() for s in self.sources],
        }


_PATCH_COLUMNS = ("p.id, p.fingerprint, p.device, p.kind, p.model, p.name, p.name_from, "
                  "p.favourite, p.notes, p.created_at, p.modified_at, p.message_id, p.fits, "
                  "p.removed_at")


def _patch(row: tuple) -> Patch:
    return Patch(row[0], row[1], row[2], row[3], row[4], row[5], row[6], bool(row[7]), row[8],
                 row[9], row[10], row[11], fits_list(row[12]), row[13])


class Library:
    """An open library file. Use as a context manager or call :meth:`close`."""

    def __init__(self, path: str | Path | None = None):
        self.path = library_path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.conn = sqlite3.connect(self.path, isolation_level=None, timeout=30.0)
        except (OSError, sqlite3.Error) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
            raise LibraryError(f"{self.path}: cannot open the library: {reason}") from exc
        try:
            self._configure()
            migrate(self.conn)
        except (sqlite3.DatabaseError, SchemaError) as exc:
            self.conn.close()
            raise LibraryError(f"{self.path}: not a usable syxkit library: {exc}") from exc
        except BaseException:
            self.conn.close()
            raise

    def _configure(self) -> None:
        c = self.conn
        mode = c.execute("PRAGMA journal_mode=WAL").fetchone()[0]
        if mode.lower() != "wal":
            raise sqlite3.DatabaseError(f"cannot switch the journal to WAL (got {mode})")
        # NORMAL in WAL mode: a commit survives a killed process (it is in the WAL file); only
        # a power cut can lose the last commits, never consistency.
        c.execute("PRAGMA synchronous=NORMAL")
        c.execute("PRAGMA foreign_keys=ON")
        c.execute("PRAGMA temp_store=MEMORY")
        c.execute("PRAGMA cache_size=-32768")

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Library:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.conn
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    # -- reading ---------------------------------------------------------------------------
    def integrity_check(self) -> list[str]:
        """``PRAGMA integrity_check`` plus the FTS index check; ["ok"] when all is well."""
        rows = [r[0] for r in self.conn.execute("PRAGMA integrity_check")]
        try:
            self.conn.execute("INSERT INTO patches_fts(patches_fts) VALUES ('integrity-check')")
        except sqlite3.DatabaseError as exc:
            rows = [r for r in rows if r != "ok"] + [f"full-text index: {exc}"]
        return rows

    def message(self, message_id: int | None) -> bytes | None:
        """A stored message as the device reads it."""
        if message_id is None:
            return None
        row = self.conn.execute("SELECT data FROM messages WHERE id = ?", (message_id,)).fetchone()
        return None if row is None else row[0]

    def original(self, message_id: int) -> bytes | None:
        """A stored message's bytes exactly as they were in the file."""
        row = self.conn.execute("SELECT coalesce(raw, data) FROM messages WHERE id = ?",
                                (message_id,)).fetchone()
        return None if row is None else row[0]

    def payload(self, patch_id: int) -> bytes | None:
        row = self.conn.execute("SELECT payload FROM patches WHERE id = ?", (patch_id,)).fetchone()
        return None if row is None else row[0]

    def get(self, patch_id: int) -> Patch:
        found = self.load_where("p.id = ?", [patch_id])
        if not found:
            raise LibraryError(f"no patch with id {patch_id}")
        return found[0]

    def get_many(self, ids: Iterable[int]) -> list[Patch]:
        """Patches in the order asked; an unknown id is an error naming it."""
        ids = list(ids)
        by_id = {p.id: p for p in self.load_where(
            "p.id IN (SELECT value FROM json_each(?))", [json.dumps(ids)])}
        missing = [i for i in ids if i not in by_id]
        if missing:
            raise LibraryError(f"no patch with id {', '.join(map(str, missing))}")
        return [by_id[i] for i in ids]

    def load_where(self, where: str, params: list, order: str = "p.id", *,
                   with_sources: bool = True) -> list[Patch]:
        """Patches matching a WHERE clause over ``patches p``, with tags and sources."""
        sql = f"SELECT {_PATCH_COLUMNS} FROM patches p WHERE {where} ORDER BY {order}"
        patches = [_patch(r) for r in self.conn.execute(sql, params)]
        if not patches:
            return patches
        by_id = {p.id: p for p in patches}
        subquery = f"SELECT p.id FROM patches p WHERE {where}"
        for pid, tag in self.conn.execute(
                f"SELECT pt.patch_id, t.name FROM patch_tags pt JOIN tags t ON t.id = pt.tag_id "
                f"WHERE pt.patch_id IN ({subquery}) ORDER BY t.name COLLATE NOCASE", params):
            by_id[pid].tags.append(tag)
        if with_sources:
            for row in self.conn.execute(
                    "SELECT s.patch_id, f.path, s.offset, s.part, s.name, s.name_from, s.channel, "
                    "s.bank, s.program, s.slot, s.seen_at, f.form, s.message_id "
                    "FROM sources s JOIN files f ON f.id = s.file_id "
                    f"WHERE s.patch_id IN ({subquery}) ORDER BY s.patch_id, s.id", params):
                part = None if row[3] < 0 else row[3]
                by_id[row[0]].sources.append(Source(row[1], row[2], part, *row[4:]))
        return patches

    def count(self) -> int:
        """Patches in the library (the trash not counted)."""
        return self.conn.execute("SELECT COUNT(*) FROM patches WHERE removed_at IS NULL").fetchone()[0]

    def trash_count(self) -> int:
        return self.conn.execute(
            "SELECT COUNT(*) FROM patches WHERE removed_at IS NOT NULL").fetchone()[0]

    def stats(self) -> dict[str, Any]:
        c = self.conn
        by_device = {f"{d} {k}": n for d, k, n in c.execute(
            "SELECT device, kind, COUNT(*) FROM patches WHERE removed_at IS NULL "
            "GROUP BY device, kind ORDER BY device, kind")}
        return {
            "library": str(self.path),
            "patches": self.count(),
            "trash": self.trash_count(),
            "sources": c.execute("SELECT COUNT(*) FROM sources").fetchone()[0],
            "files": c.execute("SELECT COUNT(*) FROM files").fetchone()[0],
            "banks": c.execute("SELECT COUNT(*) FROM banks").fetchone()[0],
            "favourites": c.execute("SELECT COUNT(*) FROM patches WHERE favourite "
                                    "AND removed_at IS NULL").fetchone()[0],
            "by_kind": by_device,
        }

    # -- editing ---------------------------------------------------------------------------
    def _require(self, ids: Iterable[int], *, trash: bool = False) -> list[int]:
        """The ids, each once; an unknown id is an error, and so is a patch in the trash
        (or, with ``trash``, one that is not)."""
        ids = list(dict.fromkeys(ids))
        if not ids:
            raise LibraryError("no patch given")
        removed = dict(self.conn.execute(
            "SELECT id, removed_at IS NOT NULL FROM patches WHERE id IN "
            "(SELECT value FROM json_each(?))", (json.dumps(ids),)).fetchall())
        missing = [i for i in ids if i not in removed]
        if missing:
            raise LibraryError(f"no patch with id {', '.join(map(str, missing))}")
        wrong = [str(i) for i in ids if bool(removed[i]) != trash]
        if wrong and trash:
            raise LibraryError(f"not in the trash: patch {', '.join(wrong)}")
        if wrong:
            raise LibraryError(f"in the trash: patch {', '.join(wrong)} (`syxkit lib restore "
                               f"{' '.join(wrong)}` brings it back)")
        return ids

    def live(self, ids: Iterable[int]) -> list[Patch]:
        """Patches in the order asked, none of them in the trash."""
        return self.get_many(self._require(ids))

    def rename(self, patch_id: int, name: str) -> None:
        name = name.strip()
        if not name:
            raise LibraryError("a name cannot be empty")
        self._require([patch_id])
        with self.transaction() as c:
            c.execute("UPDATE patches SET name = ?, name_key = ?, name_from = 'user', "
                      "modified_at = ? WHERE id = ?", (name, norm_name(name), now(), patch_id))

    def set_favourite(self, ids: Iterable[int], favourite: bool = True) -> list[int]:
        ids = self._require(ids)
        with self.transaction() as c:
            c.executemany("UPDATE patches SET favourite = ?, modified_at = ? WHERE id = ?",
                          [(int(favourite), now(), i) for i in ids])
        return ids

    def set_notes(self, patch_id: int, notes: str) -> None:
        self._require([patch_id])
        with self.transaction() as c:
            c.execute("UPDATE patches SET notes = ?, modified_at = ? WHERE id = ?",
                      (notes, now(), patch_id))

    def tag(self, ids: Iterable[int], add: Iterable[str] = (), remove: Iterable[str] = ()) -> list[int]:
        ids = self._require(ids)
        add = [t.strip() for t in add if t.strip()]
        remove = [t.strip() for t in remove if t.strip()]
        if not add and not remove:
            raise LibraryError("no tag given")
        with self.transaction() as c:
            for tag in add:
                c.execute("INSERT OR IGNORE INTO tags (name) VALUES (?)", (tag,))
                (tag_id,) = c.execute("SELECT id FROM tags WHERE name = ?", (tag,)).fetchone()
                c.executemany("INSERT OR IGNORE INTO patch_tags VALUES (?, ?)",
                              [(i, tag_id) for i in ids])
            for tag in remove:
                c.executemany("DELETE FROM patch_tags WHERE patch_id = ? AND tag_id = "
                              "(SELECT id FROM tags WHERE name = ?)", [(i, tag) for i in ids])
            # Tags nobody uses any more disappear, so `list --tag` never offers dead ones.
            c.execute("DELETE FROM tags WHERE id NOT IN (SELECT tag_id FROM patch_tags)")
            c.executemany("UPDATE patches SET modified_at = ? WHERE id = ?", [(now(), i) for i in ids])
        return ids

    def tags(self) -> list[tuple[str, int]]:
        """Every tag with how many patches (outside the trash) carry it."""
        return list(self.conn.execute(
            "SELECT t.name, COUNT(*) FROM tags t JOIN patch_tags pt ON pt.tag_id = t.id "
            "JOIN patches p ON p.id = pt.patch_id WHERE p.removed_at IS NULL "
            "GROUP BY t.id ORDER BY t.name COLLATE NOCASE"))

    def remove(self, ids: Iterable[int], *, force: bool = False) -> list[int]:
        """Move patches to the trash (``restore`` brings them back, ``empty_trash`` deletes
        them). A patch in a user bank is refused unless ``force``, which also takes it out of
        those banks. Files on disk are untouched; importing a file again does not bring a
        patch back out of the trash unless asked (``import_paths(restore_removed=True)``)."""
        ids = self._require(ids)
        key = json.dumps(ids)
        in_banks = self.conn.execute(
            "SELECT bs.patch_id, b.name FROM bank_slots bs JOIN banks b ON b.id = bs.bank_id "
            "WHERE bs.patch_id IN (SELECT value FROM json_each(?)) ORDER BY bs.patch_id",
            (key,)).fetchall()
        if in_banks and not force:
            used = ", ".join(f"{pid} (bank {name!r})" for pid, name in in_banks)
            raise LibraryError(f"patches in user banks: {used}; remove them from the banks "
                               "first or use --force")
        with self.transaction() as c:
            banks = {r[0] for r in c.execute(
                "SELECT DISTINCT bank_id FROM bank_slots WHERE patch_id IN "
                "(SELECT value FROM json_each(?))", (key,))}
            c.execute("DELETE FROM bank_slots WHERE patch_id IN (SELECT value FROM json_each(?))", (key,))
            for bank_id in banks:
                renumber_bank(c, bank_id)
            c.execute("UPDATE patches SET removed_at = ? WHERE id IN "
                      "(SELECT value FROM json_each(?))", (now(), key))
        return ids

    def restore(self, ids: Iterable[int]) -> list[int]:
        """Bring patches back out of the trash."""
        ids = self._require(ids, trash=True)
        with self.transaction() as c:
            c.execute("UPDATE patches SET removed_at = NULL WHERE id IN "
                      "(SELECT value FROM json_each(?))", (json.dumps(ids),))
        return ids

    def trash(self) -> list[Patch]:
        return self.load_where("p.removed_at IS NOT NULL", [], "p.removed_at, p.id")

    def empty_trash(self, ids: Iterable[int] | None = None) -> int:
        """Delete patches in the trash for good (all of them, or these); returns how many.
        A file imported again later brings such a sound back only with a rescan."""
        with self.transaction() as c:
            if ids is None:
                n = c.execute("DELETE FROM patches WHERE removed_at IS NOT NULL").rowcount
            else:
                key = json.dumps(self._require(ids, trash=True))
                n = c.execute("DELETE FROM patches WHERE id IN (SELECT value FROM json_each(?))",
                              (key,)).rowcount
            collect_garbage(c)
        return n


def renumber_bank(c: sqlite3.Connection, bank_id: int) -> None:
    """Make a bank's positions dense again (0, 1, 2 …) keeping their order."""
    rows = c.execute("SELECT position, patch_id FROM bank_slots WHERE bank_id = ? ORDER BY position",
                     (bank_id,)).fetchall()
    c.execute("DELETE FROM bank_slots WHERE bank_id = ?", (bank_id,))
    c.executemany("INSERT INTO bank_slots (bank_id, position, patch_id) VALUES (?, ?, ?)",
                  [(bank_id, i, pid) for i, (_, pid) in enumerate(rows)])


def collect_garbage(c: sqlite3.Connection) -> None:
    """Drop stored messages nothing refers to any more (after patches were removed)."""
    c.execute(
        "DELETE FROM messages WHERE id NOT IN ("
        " SELECT message_id FROM patches WHERE message_id IS NOT NULL"
        " UNION SELECT message_id FROM sources)")
