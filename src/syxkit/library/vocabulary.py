"""One vocabulary for devices, kinds and models, taken from the drivers.

The drivers say how their kinds are spelled (``Device.kinds``) and which models an object fits
(``Device.fits``); the library stores those spellings and checks filters against them, so a
misspelt filter is a usage error listing the valid values instead of an empty result. A kind
stored under an older spelling ("opmem" when the driver now says "operation-memory") is
rewritten, fingerprints included, by :func:`canonicalise_kinds`.
"""

from __future__ import annotations

import os
import re
import sqlite3
from collections.abc import Iterable

_NOT_ALNUM = re.compile(r"[^0-9a-z]+")


def fold(text: str) -> str:
    """A spelling with case, hyphens and spaces left out: "Op-Mem" -> "opmem"."""
    return _NOT_ALNUM.sub("", text.casefold())


def _abbreviates(short: str, words: list[str]) -> bool:
    """True when ``short`` is a prefix of each word in turn ("opmem": op-eration mem-ory)."""
    if not words:
        return not short
    head, rest = words[0], words[1:]
    return any(short.startswith(head[:k]) and _abbreviates(short[k:], rest)
               for k in range(1, len(head) + 1))


def canonical_kind(kind: str, kinds: Iterable[str]) -> str | None:
    """The driver's spelling of ``kind`` (itself when already right), None when it names
    none of ``kinds`` or more than one."""
    kinds = list(kinds)
    if kind in kinds:
        return kind
    folded = fold(kind)
    same = [k for k in kinds if fold(k) == folded]
    if not same and folded:
        same = [k for k in kinds if _abbreviates(folded, [fold(w) for w in k.split("-") if fold(w)])]
    return same[0] if len(same) == 1 else None


def fits_text(models: Iterable[str]) -> str:
    """How ``patches.fits`` stores a model family: ``|CZ-101|CZ-1000|`` (matched with instr,
    the bars keeping "CZ-1" from matching "CZ-101")."""
    models = [m for m in models if m]
    return "|" + "|".join(models) + "|" if models else ""


def fits_list(text: str | None) -> tuple[str, ...]:
    return tuple(m for m in (text or "").split("|") if m)


def compact_models(models: Iterable[str]) -> str:
    """A model family for a table cell: "CZ-101/1000/3000/5000/230S"."""
    models = list(models)
    if len(models) < 2:
        return "".join(models)
    prefix = os.path.commonprefix(models)
    prefix = prefix[:prefix.rfind("-") + 1] if "-" in prefix else ""
    return "/".join([models[0]] + [m[len(prefix):] for m in models[1:]])


def fill_fits(conn: sqlite3.Connection) -> None:
    """Give patches stored without a model family (older libraries) the one their driver
    says; patches of a device whose driver is not installed keep '' (``--model`` then
    matches their own model column)."""
    combos = conn.execute("SELECT DISTINCT device, kind, model FROM patches WHERE fits = ''").fetchall()
    if not combos:
        return  # the usual case: no driver needs loading
    from syxkit.devices import registry
    from syxkit.devices.base import Dump

    for device, kind, model in combos:
        try:
            dev = registry.get(device)
            fits = fits_text(dev.fits(Dump(device, kind, model=model)))
        except Exception:  # an absent or failing plug-in: the patch keeps its own model only
            continue
        if fits:
            conn.execute("UPDATE patches SET fits = ? WHERE fits = '' AND device = ? AND kind = ? "
                         "AND model IS ?", (fits, device, kind, model))


def _sound(conn: sqlite3.Connection, dev, patch_id: int, message_id: int | None) -> bytes | None:
    """A stored patch's sound bytes, read back through its driver (its own message, else the
    part of its first source's bulk message)."""
    from syxkit.core.framing import frame

    def objects(data: bytes):
        msgs = frame(data).messages
        dumps = [dev.identify(m) if dev.accepts(m.data) else None for m in msgs]
        if not dumps or any(d is None for d in dumps):
            return []
        return dumps

    if message_id is not None:
        (data,) = conn.execute("SELECT data FROM messages WHERE id = ?", (message_id,)).fetchone()
        dumps = objects(data)
        if len(dumps) > 1:  # an object sent in pieces: its sound is the pieces' in order
            sounds = [dev.sound_bytes(d) for d in dumps]
            return None if any(s is None for s in sounds) else b"".join(sounds)
        objs = dev.objects(dumps[0]) if dumps else []
        return dev.sound_bytes(objs[0]) if len(objs) == 1 else None
    for data, part in conn.execute(
            "SELECT m.data, s.part FROM sources s JOIN messages m ON m.id = s.message_id "
            "WHERE s.patch_id = ? ORDER BY s.id", (patch_id,)):
        for dump in objects(data)[:1]:
            for k, obj in enumerate(dev.objects(dump)):
                if (obj.index if obj.index is not None else k) == part:
                    return dev.sound_bytes(obj)
    return None


def canonicalise_kinds(conn: sqlite3.Connection) -> int:
    """Rewrite stored kinds to their driver's spelling, with the fingerprints (which hash the
    kind) recomputed; a patch that then equals one stored under the new spelling is merged
    into it (sources, tags, bank slots moved). Returns how many patches were rewritten. The
    caller holds the transaction."""
    from syxkit.library.fingerprint import fingerprint

    changed = 0
    for device, kind in conn.execute("SELECT DISTINCT device, kind FROM patches").fetchall():
        from syxkit.devices import registry

        try:
            dev = registry.get(device)
        except KeyError:
            continue
        new = canonical_kind(kind, dev.kinds) if dev.kinds else None
        if new is None or new == kind:
            continue
        rows = conn.execute("SELECT id, message_id FROM patches WHERE device = ? AND kind = ?",
                            (device, kind)).fetchall()
        for pid, message_id in rows:
            try:
                sound = _sound(conn, dev, pid, message_id)
            except Exception:
                sound = None
            if sound is None:  # cannot be read back: the spelling changes, the identity stays
                conn.execute("UPDATE patches SET kind = ? WHERE id = ?", (new, pid))
                changed += 1
                continue
            fp = fingerprint(device, new, sound)
            other = conn.execute("SELECT id FROM patches WHERE fingerprint = ? AND id != ?",
                                 (fp, pid)).fetchone()
            if other is not None:
                _merge(conn, pid, other[0])
            else:
                conn.execute("UPDATE patches SET kind = ?, fingerprint = ? WHERE id = ?",
                             (new, fp, pid))
            changed += 1
    return changed


def _merge(conn: sqlite3.Connection, old: int, into: int) -> None:
    conn.execute("UPDATE OR IGNORE sources SET patch_id = ? WHERE patch_id = ?", (into, old))
    conn.execute("INSERT OR IGNORE INTO patch_tags SELECT ?, tag_id FROM patch_tags "
                 "WHERE patch_id = ?", (into, old))
    conn.execute("UPDATE bank_slots SET patch_id = ? WHERE patch_id = ?", (into, old))
    conn.execute("UPDATE patches SET favourite = max(favourite, (SELECT favourite FROM patches "
                 "WHERE id = ?)) WHERE id = ?", (old, into))
    conn.execute("DELETE FROM patches WHERE id = ?", (old,))
