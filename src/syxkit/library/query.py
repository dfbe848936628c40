"""Finding patches: filters (device, model, kind, tags, favourite, source folder, ids) and a
full-text search over names, tags and notes (the FTS5 index), plus the two duplicate questions users ask:
"which sounds do I have under several names" and "which names stand for several sounds"."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from syxkit.library.store import Library, LibraryError, Patch, UsageError
from syxkit.library.vocabulary import canonical_kind

_WORD = re.compile(r"\w+", re.UNICODE)


def fts_expression(text: str) -> str:
    """User text -> an FTS5 query: every word must occur, each as a prefix ("pia" finds
    PIANO). Words are quoted so FTS syntax characters in names mean nothing special."""
    words = _WORD.findall(text)
    if not words:
        raise LibraryError(f"search text {text!r} has no letters or digits to look for")
    return " ".join(f'"{w}"*' for w in words)


def folder_range(folder: str | os.PathLike) -> tuple[str, str]:
    """[lo, hi) bounds on absolute paths for everything below a folder (index-friendly)."""
    base = str(Path(folder).expanduser().resolve()).rstrip(os.sep) + os.sep
    return base, base[:-1] + chr(ord(os.sep) + 1)


# The distinct model families of the live patches, one index seek each (a skip scan of
# patches_live_fits), as a subquery to filter: ``SELECT v FROM f`` plus a WHERE.
_LIVE_FITS = ("WITH RECURSIVE f(v) AS (SELECT min(fits) FROM patches WHERE removed_at IS NULL "
              "UNION ALL SELECT (SELECT min(fits) FROM patches WHERE removed_at IS NULL "
              "AND fits > f.v) FROM f WHERE f.v IS NOT NULL) SELECT v FROM f")

# The list's sort keys -> column; each has a patches_live_* index (schema version 3).
SORTS = {"id": "p.id", "name": "p.name_key", "device": "p.device", "model": "p.model",
         "kind": "p.kind", "favourite": "p.favourite", "seen": "p.seen"}


@dataclass
class Query:
    text: str | None = None
    device: str | None = None
    model: str | None = None
    kind: str | None = None
    tags: tuple[str, ...] = ()
    favourite: bool | None = None
    folder: str | None = None
    ids: tuple[int, ...] = ()
    trash: bool = False  # look in the trash instead of the library

    def where(self, sort: str | None = None) -> tuple[str, list[Any]]:
        """SQL over ``patches p`` and its parameters. ``sort``: the column a page is ordered
        by (see :data:`SORTS`); a filter on another column is then written so that SQLite
        cannot seek by it (``+p.column``) and reads the sort's index in order instead,
        checking the filter in that index (every ``patches_live_*`` index carries device,
        kind and favourite) -- otherwise it would fetch every matching row and sort them."""
        clauses: list[str] = [f"p.removed_at IS {'NOT ' if self.trash else ''}NULL"]
        params: list[Any] = []

        def col(name: str, selective: bool = False) -> str:
            seek = sort in (None, "id", name) or selective
            return f"p.{name}" if seek else f"+p.{name}"

        if self.text:
            clauses.append("p.id IN (SELECT rowid FROM patches_fts WHERE patches_fts MATCH ?)")
            params.append(fts_expression(self.text))
        for column in ("device", "kind"):
            value = getattr(self, column)
            if value:
                # Stored values are the canonical ids (lower case; resolve() spells a user's
                # input so): an exact comparison can use the binary indexes, NOCASE cannot.
                clauses.append(f"{col(column)} = ?")
                params.append(value)
        if self.model and not self.trash:
            # The model family the data fits (a CZ tone: CZ-101 … CZ-230S), else the model its
            # message named (a device whose driver is not installed: fits ''). The few
            # distinct families are listed from the index (one seek each) and then sought.
            clauses.append(f"{col('fits')} IN ({_LIVE_FITS} WHERE instr(lower(v), ?) > 0 "
                           "OR v = '') AND (p.fits <> '' OR p.model = ? COLLATE NOCASE)")
            params += [f"|{self.model.lower()}|", self.model]
        elif self.model:  # the trash: few rows, found by its own index
            clauses.append("(instr(lower(p.fits), ?) > 0 OR p.model = ? COLLATE NOCASE)")
            params += [f"|{self.model.lower()}|", self.model]
        for tag in self.tags:
            clauses.append("p.id IN (SELECT pt.patch_id FROM patch_tags pt JOIN tags t "
                           "ON t.id = pt.tag_id WHERE t.name = ?)")
            params.append(tag)
        if self.favourite is not None:
            # Favourites are few: seek them and sort; "not favourite" is nearly everything.
            clauses.append(f"{col('favourite', selective=bool(self.favourite))} = ?")
            params.append(int(self.favourite))
        if self.folder:
            lo, hi = folder_range(self.folder)
            clauses.append("p.id IN (SELECT s.patch_id FROM sources s JOIN files f "
                           "ON f.id = s.file_id WHERE f.path >= ? AND f.path < ?)")
            params += [lo, hi]
        if self.ids:
            clauses.append(f"p.id IN ({', '.join('?' * len(self.ids))})")
            params += list(self.ids)
        return " AND ".join(clauses), params

    def is_empty(self) -> bool:
        return self == Query()


# A search counts its matches up to this many (beyond, the page says "10,000+"): counting the
# 16,000 patches one typed letter matches is the slowest part of search-as-you-type.
COUNT_CAP = 10_000


@dataclass
class Page:
    total: int
    total_is_estimate: bool  # more than ``total`` match; counting stopped there
    rows: list[tuple]  # (id, name, device, model, kind, favourite, fits, seen)


def order_by(query: Query, sort: str) -> str:
    """ORDER BY for a sort key of :data:`SORTS` (``-`` before it: descending); ties by id in
    the same direction, so that one index read in one direction gives the order."""
    key = sort.lstrip("-")
    if key not in SORTS:
        raise UsageError(f"sort {sort!r}: use one of {', '.join(SORTS)}")
    direction = "DESC" if sort.startswith("-") else "ASC"
    # The trash is few rows found by its own index and sorted; without the "+" SQLite would
    # walk the whole table in id order to skip the sort.
    plus = "+" if query.trash else ""
    return f"{plus}{SORTS[key]} {direction}, {plus}p.id {direction}"


def list_page(lib: Library, query: Query, *, words: list[str] | tuple[str, ...] = (),
              note_ids: Callable[[str], list[int]] | None = None, sort: str = "id",
              limit: int = 50, offset: int = 0, cap: int = COUNT_CAP) -> Page:
    """One page of the list: the query's filters (spelled as stored: see :func:`resolve`),
    and every word of ``words`` starting a word of the name (FTS) or a tag, or among
    ``note_ids(word)``. ``sort``: a key of :data:`SORTS`, ``-`` before it for descending;
    ties go by id in the same direction, so the sort's index is read in one direction.
    The page is read first; the count is skipped when the page shows the end, and stops at
    ``cap`` (or the page's end, if further) otherwise."""
    key = sort.lstrip("-")
    where, params = query.where(key)
    order = order_by(query, sort)
    texts, text_params = [], []
    for word in words:
        like = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        texts.append("p.id IN (SELECT rowid FROM patches_fts WHERE patches_fts MATCH ? "
                     "UNION SELECT pt.patch_id FROM patch_tags pt JOIN tags t ON t.id = pt.tag_id "
                     "WHERE t.name LIKE ? ESCAPE '\\' UNION SELECT value FROM json_each(?))")
        text_params += [fts_expression(word), f"{like}%",
                        json.dumps(note_ids(word) if note_ids else [])]
    c = lib.conn
    rows = c.execute(
        "SELECT p.id, p.name, p.device, p.model, p.kind, p.favourite, p.fits, p.seen "
        f"FROM patches p WHERE {' AND '.join([where, *texts])} "
        f"ORDER BY {order} LIMIT ? OFFSET ?",
        params + text_params + [limit, offset]).fetchall()
    if len(rows) < limit and (rows or offset == 0):
        return Page(offset + len(rows), False, rows)  # the page shows the end: no count
    plain = Query(trash=query.trash)
    if not texts and query == plain:
        # Everything (or the whole trash): the table's count less the trash's (its index).
        in_trash = c.execute("SELECT count(*) FROM patches WHERE removed_at IS NOT NULL"
                             ).fetchone()[0]
        if query.trash:
            return Page(in_trash, False, rows)
        return Page(c.execute("SELECT count(*) FROM patches").fetchone()[0] - in_trash,
                    False, rows)
    # The count may seek by any filter (no order to keep): where() without a sort.
    where, params = query.where()
    # Filters alone count exactly (an index range); a search stops at the cap.
    upto = max(cap, offset + limit) if texts else -1
    n = c.execute(f"SELECT count(*) FROM (SELECT 1 FROM patches p WHERE "
                  f"{' AND '.join([where, *texts])} LIMIT ?)",
                  params + text_params + [upto + 1 if upto >= 0 else -1]).fetchone()[0]
    if upto < 0:
        return Page(n, False, rows)
    return Page(min(n, upto), n > upto, rows)


def _drivers():
    from syxkit.devices import registry

    return registry.devices()


def _choose(what: str, value: str, valid: list[str], hint: str = "") -> str:
    for v in valid:
        if v.casefold() == value.casefold():
            return v
    raise UsageError(f"unknown {what} {value!r}{hint}; valid: {', '.join(valid) or '(none)'}")


def resolve(lib: Library, query: Query) -> Query:
    """The query with device, kind and model spelled as the drivers spell them. One that
    names none (a typo, an old spelling) is a UsageError listing the valid values: an empty
    result would look like "you have no such patches"."""
    if not (query.device or query.kind or query.model):
        return query
    devices = {d.id: d for d in _drivers()}

    def stored(column: str, device: str | None = None) -> list[str]:
        sql = f"SELECT DISTINCT {column} FROM patches WHERE {column} IS NOT NULL"
        args: list[Any] = []
        if device:
            sql += " AND device = ?"
            args.append(device)
        return [r[0] for r in lib.conn.execute(sql, args)]

    out = Query(**{k: getattr(query, k) for k in query.__dataclass_fields__})
    chosen = None
    if query.device:
        names = list(devices)
        if query.device.casefold() not in {n.casefold() for n in names}:
            names += [d for d in stored("device") if d not in names]
        out.device = _choose("device", query.device, names)
        chosen = devices.get(out.device)
    pool = [chosen] if chosen else list(devices.values())
    if query.kind:
        kinds = list(dict.fromkeys(k for d in pool for k in d.kinds))
        if query.kind.casefold() not in {k.casefold() for k in kinds}:
            kinds += [k for k in stored("kind", out.device) if k not in kinds]
        guess = canonical_kind(query.kind, kinds)
        hint = f" (did you mean {guess!r}?)" if guess and guess.casefold() != query.kind.casefold() else ""
        out.kind = _choose("kind", query.kind, kinds, hint)
    if query.model:
        models = list(dict.fromkeys(m for d in pool for m in d.models))
        if query.model.casefold() not in {m.casefold() for m in models}:
            models += [m for m in stored("model", out.device) if m not in models and "/" not in m]
        out.model = _choose("model", query.model, models)
    return out


def find(lib: Library, query: Query, *, with_sources: bool = True) -> list[Patch]:
    """Every patch matching the query (no limit), in import order. An unknown device, kind
    or model is a UsageError (see :func:`resolve`)."""
    where, params = resolve(lib, query).where()
    return lib.load_where(where, params, with_sources=with_sources)


def find_ids(lib: Library, query: Query) -> list[int]:
    where, params = resolve(lib, query).where()
    return [r[0] for r in lib.conn.execute(
        f"SELECT p.id FROM patches p WHERE {where} ORDER BY p.id", params)]


def same_sound_different_names(lib: Library, query: Query | None = None) -> list[dict[str, Any]]:
    """Patches seen under more than one name, e.g. one VZ voice saved as "BRASS 1" and as
    "FAT BRASS", one CZ tone in two differently named files, or two identical tones in one
    CZ bank file ("BASS 03" = "BASS 07": for a nameless device the made-up name counts like
    any other). One row per patch with the names (one per distinct name) and how many
    sources it has."""
    where, params = resolve(lib, query or Query()).where()
    # First the patches (a scan of the covering index on sources), then only their names.
    filtered = f" JOIN patches p ON p.id = s.patch_id WHERE {where}"
    rows = lib.conn.execute(
        f"WITH dup AS (SELECT s.patch_id AS pid FROM sources s{filtered} "
        " GROUP BY s.patch_id HAVING count(DISTINCT s.name_key) > 1) "
        "SELECT p.id, p.device, p.kind, p.model, p.name, min(s.name), count(*) FROM dup "
        "JOIN patches p ON p.id = dup.pid JOIN sources s ON s.patch_id = dup.pid "
        "GROUP BY dup.pid, s.name_key ORDER BY dup.pid", params)
    out: list[dict[str, Any]] = []
    for pid, device, kind, model, name, seen, n in rows:
        if not out or out[-1]["id"] != pid:
            out.append({"id": pid, "device": device, "kind": kind, "model": model, "name": name,
                        "names": [], "sources": 0})
        out[-1]["names"].append(seen)
        out[-1]["sources"] += n
    for row in out:
        row["names"].sort(key=str.casefold)
    return out


def same_name_different_sounds(lib: Library, query: Query | None = None) -> list[dict[str, Any]]:
    """Groups of patches of one device and kind that share a name but are different sounds
    (names compared without case and spacing)."""
    where, params = resolve(lib, query or Query()).where()
    rows = lib.conn.execute(
        "WITH shared AS ("
        f" SELECT p.device, p.kind, p.name_key FROM patches p WHERE {where}"
        " GROUP BY p.device, p.kind, p.name_key HAVING count(*) > 1) "
        "SELECT p.device, p.kind, p.name_key, p.id, p.name, p.model FROM patches p "
        "JOIN shared USING (device, kind, name_key) "
        f"WHERE {where} ORDER BY p.device, p.kind, p.name_key, p.id", params + params)
    groups: list[dict[str, Any]] = []
    last = None
    for device, kind, key, pid, name, model in rows:
        if (device, kind, key) != last:
            groups.append({"device": device, "kind": kind, "name": name, "patches": []})
            last = (device, kind, key)
        groups[-1]["patches"].append({"id": pid, "name": name, "model": model})
    return groups


def seen_several_times(lib: Library, query: Query | None = None) -> list[dict[str, Any]]:
    """Patches found in more than one place (under any names), with how many."""
    where, params = resolve(lib, query or Query()).where()
    rows = lib.conn.execute(
        "SELECT p.id, p.device, p.kind, p.model, p.name, count(*) FROM sources s "
        f"JOIN patches p ON p.id = s.patch_id WHERE {where} GROUP BY s.patch_id "
        "HAVING count(*) > 1 ORDER BY s.patch_id", params)
    return [{"id": pid, "device": device, "kind": kind, "model": model, "name": name,
             "sources": n} for pid, device, kind, model, name, n in rows]


def patch_ref(lib: Library, ref: str) -> int:
    """The patch a user means by ``ref``: its id, or its name (case and spacing do not count)
    when exactly one patch outside the trash has it. Several or none: a usage error that says
    which ids to choose from, or how to find the patch."""
    from syxkit.library.naming import norm_name

    text = ref.strip()
    if text.isdigit():
        return int(text)
    rows = lib.conn.execute(
        "SELECT id, device, kind FROM patches WHERE name_key = ? AND removed_at IS NULL "
        "ORDER BY id", (norm_name(text),)).fetchall()
    if len(rows) == 1:
        return rows[0][0]
    if not rows:
        raise UsageError(f"no patch is named {text!r} (give its id, or find it with "
                         f"`syxkit lib search {text}`)")
    listed = ", ".join(f"{pid} ({device} {kind})" for pid, device, kind in rows[:12])
    more = f" and {len(rows) - 12} more" if len(rows) > 12 else ""
    raise UsageError(f"{len(rows)} patches are named {text!r}: {listed}{more}; give the id")
