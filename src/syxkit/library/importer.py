"""Importing files into the library: one patch per sound object, one transaction per file.

Each file on disk is read and understood completely first (``plan_file``: no database work,
every driver call guarded), then written in a single transaction (``_write``). A bad file, or a
driver that trips over one, is listed with its problem and the import goes on; a killed process
leaves only whole files in the library.

A file whose earlier import went without any problem is skipped when it comes back unchanged
(same path, same sha256): that is what makes a second import of a folder cheap. A file that had
problems is read again each time, since a driver installed or fixed since then may understand
it now; the unique keys on sources and fingerprints still make that add nothing twice.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from syxkit.core.framing import frame
from syxkit.core.manufacturers import manufacturer_name
from syxkit.core.message import Message
from syxkit.core.readers import MAX_FILE_BYTES, ForeignReader, SourceFile, iter_files, read_bytes
from syxkit.devices import registry
from syxkit.devices.base import Device, Dump, Options, Unsupported
from syxkit.inspect import Entry
from syxkit.library.fingerprint import fingerprint
from syxkit.library.naming import clean_device_name, file_based_name, file_stem, norm_name
from syxkit.library.store import Library, now

Progress = Callable[[int, int, str], None]  # (files done, files in all, path just done)


@dataclass
class ObjectRow:
    """One sound object found in a file, ready to be written."""

    fp: bytes
    device: str
    kind: str
    model: str | None
    name: str
    name_from: str
    source_key: str  # what "same sound, different names" compares for this source
    payload: bytes | None
    message: bytes | None  # the object's own standalone message
    offset: int
    part: int  # -1 = the whole message
    channel: int | None
    bank: int | None
    program: int | None
    slot: str | None
    msg_data: bytes  # the whole message as the device reads it
    msg_raw: bytes | None  # the verbatim bytes, when they differ from msg_data


@dataclass
class MemberPlan:
    """One SourceFile (a plain file, or one member of a zip)."""

    path: str
    sha256: bytes
    size: int
    form: str
    rows: list[ObjectRow] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class FileReport:
    path: str
    status: str  # imported | unchanged | failed
    objects: int = 0
    new: int = 0
    duplicates: int = 0
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"path": self.path, "status": self.status, "objects": self.objects, "new": self.new,
                "duplicates": self.duplicates, "problems": self.problems, "notes": self.notes}


@dataclass
class ImportReport:
    files: list[FileReport] = field(default_factory=list)

    @property
    def new(self) -> int:
        return sum(f.new for f in self.files)

    @property
    def duplicates(self) -> int:
        return sum(f.duplicates for f in self.files)

    @property
    def objects(self) -> int:
        return sum(f.objects for f in self.files)

    @property
    def with_problems(self) -> list[FileReport]:
        return [f for f in self.files if f.problems]

    def to_json(self) -> dict[str, Any]:
        return {
            "files": len(self.files),
            "unchanged": sum(f.status == "unchanged" for f in self.files),
            "failed": sum(f.status == "failed" for f in self.files),
            "objects": self.objects, "new": self.new, "duplicates": self.duplicates,
            "problems": [{"path": f.path, "problems": f.problems} for f in self.with_problems],
            "details": [f.to_json() for f in self.files],
        }


def _dedupe(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _guard(what: str, offset: int, problems: list[str], call, *args):
    """Run a driver call; a driver exception becomes a problem of this file, not a crash."""
    try:
        return call(*args)
    except Exception as exc:  # drivers are plug-ins: never let one stop an import
        problems.append(f"offset {offset}: {what} failed: {type(exc).__name__}: {exc}")
        return None


def _standalone_messages(dev: Device, dump: Dump, fps: list[bytes | None],
                         problems: list[str]) -> list[bytes | None]:
    """For each object of a bulk dump (by its fingerprint, None = not a sound), the standalone
    message the driver's split() builds for it, or None when it builds none."""
    offset = dump.message.offset if dump.message is not None else 0
    try:
        outputs = dev.split([dump], Options())
    except Unsupported:
        outputs = []  # the parts stay readable through their bulk message (see notes)
    except Exception as exc:
        problems.append(f"offset {offset}: split (standalone messages for the parts) failed: "
                        f"{type(exc).__name__}: {exc}")
        outputs = []
    messages = [m for out in outputs or () for m in frame(out.data).messages]

    def fp_of(msg: Message) -> bytes | None:
        try:
            part = dev.identify(msg) if dev.accepts(msg.data) else None
            objs = dev.objects(part) if part is not None else []
            sound = dev.sound_bytes(objs[0]) if len(objs) == 1 else None
        except Exception:  # a message the driver cannot read back is simply not used
            return None
        return None if sound is None else fingerprint(dev.id, objs[0].kind, sound)

    wanted = [i for i, fp in enumerate(fps) if fp is not None]
    if not wanted:
        return [None] * len(fps)
    # Drivers build one message per object, in order; reading every one back costs as much
    # as the import itself, so check the first, middle and last and then trust the order.
    sample = {wanted[0], wanted[len(wanted) // 2], wanted[-1]}
    if len(messages) == len(fps) and all(fp_of(messages[i]) == fps[i] for i in sample):
        return [messages[i].data if fps[i] is not None else None for i in range(len(fps))]
    found: dict[bytes, bytes] = {}
    for msg in messages:
        fp = fp_of(msg)
        if fp is not None:
            found.setdefault(fp, msg.data)
    return [found.get(fp) if fp is not None else None for fp in fps]


def plan_source(src: SourceFile) -> MemberPlan:
    """Everything a SourceFile holds, as rows to write; problems collected, nothing raised."""
    plan = MemberPlan(src.path, hashlib.sha256(src.data).digest(), len(src.data), src.form)
    if src.error:
        plan.problems.append(src.error)
        return plan
    problems = plan.problems
    problems += [str(p) for p in src.problems]
    found: list[tuple[Message, Dump, Device, Dump, bytes, int, bytes | None]] = []
    kinds_without_sound: list[str] = []
    for msg in src.messages:
        dump = _guard("identify", msg.offset, problems, registry.identify, msg)
        problems += [str(p) for p in Entry(src, msg, dump).problems]
        if dump is None:
            maker = manufacturer_name(msg.data) or "an unknown maker"
            problems.append(f"offset {msg.offset}: {len(msg.original)}-byte message from {maker} "
                            "is not from a known device; not imported")
            continue
        dev = registry.get(dump.device)
        objs = _guard("objects", msg.offset, problems, dev.objects, dump) or []
        whole = not dump.parts and len(objs) == 1
        fps: list[bytes | None] = []
        for k, obj in enumerate(objs):
            sound = _guard("sound_bytes", msg.offset, problems, dev.sound_bytes, obj)
            if obj is not dump:
                problems += [f"part {k}: {p}" for p in obj.problems]
            if sound is None:
                kinds_without_sound.append(obj.kind)
            fps.append(None if sound is None else fingerprint(dev.id, obj.kind, sound))
        if whole:
            standalone: list[bytes | None] = [msg.data]
        elif any(fps):
            standalone = _standalone_messages(dev, dump, fps, problems)
        for k, (obj, fp) in enumerate(zip(objs, fps, strict=True)):
            if fp is None:
                continue
            message = standalone[k]
            if message is None:
                plan.notes.append(f"offset {msg.offset} part {k}: {dev.id} builds no standalone "
                                  "message for it; kept with its bulk message")
            part = -1 if whole else (obj.index if obj.index is not None else k)
            found.append((msg, dump, dev, obj, fp, part, message))
    stem = None
    for position, (msg, dump, dev, obj, fp, part, message) in enumerate(found):
        name = clean_device_name(obj.name)
        name_from, source_key = "device", norm_name(name or "")
        if name is None:
            # A made-up name ("BASS 07") says only which file the sound came from, so for the
            # "same sound, different names" question the file's own name is what counts: the
            # blank tones 6-16 of BASS.SYX are one name, not eleven.
            name, name_from = file_based_name(src.path, position, len(found)), "file"
            if stem is None:
                stem = norm_name(file_stem(src.path))
            source_key = stem
        raw = msg.raw if msg.raw is not None and msg.raw != msg.data else None
        plan.rows.append(ObjectRow(
            fp, dev.id, obj.kind, obj.model or dump.model, name, name_from, source_key,
            obj.payload, message,
            msg.offset, part,
            obj.channel if obj.channel is not None else dump.channel,
            obj.bank if obj.bank is not None else dump.bank,
            obj.program if obj.program is not None else dump.program,
            obj.slot or (None if obj is not dump and dump.parts else dump.slot),
            msg.data, raw))
    if not plan.rows and src.messages:
        only = ", ".join(sorted(set(kinds_without_sound)))
        problems.append("no sound object in this file" + (f" (only: {only})" if only else ""))
    plan.problems = _dedupe(problems)
    return plan


def plan_file(data: bytes, path: str, readers: list[ForeignReader]) -> list[MemberPlan]:
    return [plan_source(src) for src in read_bytes(data, path, readers)]


def _member_problems(members: list[MemberPlan], disk_path: str) -> list[str]:
    out = []
    for m in members:
        prefix = "" if m.path == disk_path else f"{m.path.rsplit('!', 1)[-1]}: "
        out += [prefix + p for p in m.problems]
    return out


_SOURCE_SQL = (
    "INSERT INTO sources (patch_id, file_id, offset, part, name, name_key, name_from, "
    "channel, bank, program, slot, message_id, seen_at) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
_PATCH_SQL = (
    "INSERT INTO patches (id, fingerprint, device, kind, model, name, name_key, name_from, "
    "payload, message_id, created_at, modified_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
_FILE_SQL = (
    "INSERT INTO files (path, sha256, size, mtime, form, container_id, objects, problems, "
    "imported_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (path, sha256) DO UPDATE SET objects = excluded.objects, "
    "problems = excluded.problems, imported_at = excluded.imported_at, "
    "container_id = excluded.container_id RETURNING id")


def _write(c: sqlite3.Connection, disk: tuple[str, bytes, int, float | None, str],
           members: list[MemberPlan], report: FileReport) -> None:
    """Write one disk file's plan; the caller holds the (write-locked) transaction, so ids
    can be handed out from max(id) + 1 and every table filled with one executemany."""
    when = now()
    disk_path, disk_sha, size, mtime, form = disk
    container_id = None
    if not (len(members) == 1 and members[0].path == disk_path):
        (container_id,) = c.execute(_FILE_SQL, (
            disk_path, disk_sha, size, mtime, form, None, report.objects,
            json.dumps(report.problems), when)).fetchone()
    next_message = c.execute("SELECT coalesce(max(id), 0) FROM messages").fetchone()[0] + 1
    next_patch = c.execute("SELECT coalesce(max(id), 0) FROM patches").fetchone()[0] + 1
    message_ids: dict[int, int] = {}  # id(bytes object) -> messages.id
    message_rows: list[tuple[int, bytes, bytes | None]] = []

    def store(data: bytes, raw: bytes | None = None) -> int:
        key = id(data)
        mid = message_ids.get(key)
        if mid is None:
            nonlocal next_message
            mid = message_ids[key] = next_message
            next_message += 1
            message_rows.append((mid, data, raw))
        return mid

    select_fp = "SELECT id FROM patches WHERE fingerprint = ?"
    local: dict[bytes, int] = {}
    patch_rows, source_rows, names = [], [], []
    for m in members:
        problems = report.problems if container_id is None else m.problems
        (file_id,) = c.execute(_FILE_SQL, (
            m.path, m.sha256, m.size, mtime, m.form, container_id, len(m.rows),
            json.dumps(problems), when)).fetchone()
        # A file read again (rescan, or it had problems last time) keeps the sources it has.
        known = set(c.execute("SELECT offset, part FROM sources WHERE file_id = ?", (file_id,)))
        for r in m.rows:
            if (r.offset, r.part) in known:
                report.duplicates += 1
                continue
            pid = local.get(r.fp)
            if pid is None:
                got = c.execute(select_fp, (r.fp,)).fetchone()
                if got is None:
                    pid, next_patch = next_patch, next_patch + 1
                    message_id = None
                    if r.message is r.msg_data:
                        message_id = store(r.msg_data, r.msg_raw)
                    elif r.message is not None:
                        message_id = store(r.message)
                    patch_rows.append((
                        pid, r.fp, r.device, r.kind, r.model, r.name, norm_name(r.name),
                        r.name_from, r.payload, message_id, when, when))
                    names.append((pid, r.name))
                    report.new += 1
                else:
                    pid = got[0]
                    report.duplicates += 1
                    if r.model:
                        c.execute("UPDATE patches SET model = ? WHERE id = ? AND model IS NULL",
                                  (r.model, pid))
                local[r.fp] = pid
            else:
                report.duplicates += 1
            source_rows.append((
                pid, file_id, r.offset, r.part, r.name, r.source_key, r.name_from, r.channel,
                r.bank, r.program, r.slot, store(r.msg_data, r.msg_raw), when))
    # Parents before children, so every foreign key holds at each statement.
    c.executemany("INSERT INTO messages (id, data, raw) VALUES (?, ?, ?)", message_rows)
    c.executemany(_PATCH_SQL, patch_rows)
    c.executemany(_SOURCE_SQL, source_rows)
    c.executemany("INSERT INTO patches_fts (rowid, name) VALUES (?, ?)", names)


def import_file(lib: Library, path: Path, readers: list[ForeignReader], *,
                rescan: bool = False) -> FileReport:
    """Import one file on disk (a zip counts as one file) in one transaction."""
    shown = str(path)
    try:
        disk_path = str(path.resolve())
        st = path.stat()
        if st.st_size > MAX_FILE_BYTES:
            return FileReport(shown, "failed",
                              problems=[f"file is {st.st_size} bytes; at most {MAX_FILE_BYTES} are read"])
        data = path.read_bytes()
    except OSError as exc:
        return FileReport(shown, "failed", problems=[f"cannot read: {exc.strerror or exc}"])
    sha = hashlib.sha256(data).digest()
    if not rescan:
        row = lib.conn.execute(
            "SELECT objects, problems FROM files WHERE path = ? AND sha256 = ? "
            "AND container_id IS NULL", (disk_path, sha)).fetchone()
        if row is not None and json.loads(row[1]) == []:
            return FileReport(shown, "unchanged", objects=row[0], duplicates=row[0])
    members = plan_file(data, disk_path, readers)
    report = FileReport(shown, "imported")
    report.objects = sum(len(m.rows) for m in members)
    report.problems = _member_problems(members, disk_path)
    report.notes = [n for m in members for n in m.notes]
    if report.objects == 0 and report.problems:
        # Nothing usable: say so; the file is still recorded, with its problems.
        report.status = "failed"
    form = "zip" if not (len(members) == 1 and members[0].path == disk_path) else members[0].form
    try:
        with lib.transaction() as c:
            _write(c, (disk_path, sha, len(data), st.st_mtime, form), members, report)
    except sqlite3.Error as exc:
        report.status, report.new, report.duplicates = "failed", 0, 0
        report.problems.append(f"not stored: library error: {exc}")
    return report


def import_paths(lib: Library, paths: Iterable[str | os.PathLike], *, rescan: bool = False,
                 progress: Progress | None = None) -> ImportReport:
    """Import files, folders (recursively) and zips; ``progress`` is called after each file."""
    # The library's own files may sit in the folder being imported; the database holds SysEx
    # bytes, so reading it would import the library into itself.
    own = {str(lib.path.resolve()) + suffix for suffix in ("", "-wal", "-shm", "-journal")}
    items = [i for i in iter_files(paths) if isinstance(i, tuple) or str(i.resolve()) not in own]
    readers = registry.foreign_readers()
    report = ImportReport()
    for done, item in enumerate(items, 1):
        if isinstance(item, tuple):
            result = FileReport(str(item[0]), "failed", problems=[item[1]])
        else:
            result = import_file(lib, item, readers, rescan=rescan)
        report.files.append(result)
        if progress is not None:
            progress(done, len(items), result.path)
    return report
