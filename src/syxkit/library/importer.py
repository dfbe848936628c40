"""Importing files into the library: one patch per sound object, one transaction per file.

Each file is first read and understood completely (planning.py: no database work), then written
in a single transaction (``_write``). A bad file, or a driver that trips over one, is listed with
its problem and the import goes on; a killed process leaves only whole files in the library.

With several files and more than one CPU (on Linux), planning runs in forked worker processes
while this process writes, in file order, so the result is the same as a plain run. Workers
die with their parent (PR_SET_PDEATHSIG) and ignore Ctrl-C, which the writer handles.

A file whose earlier import went without any problem is skipped when it comes back unchanged
(same path, same sha256): that is what makes a second import of a folder cheap. A file that had
problems is read again each time, since a driver installed or fixed since then may understand
it now; the unique keys on sources and fingerprints still make that add nothing twice.
"""

from __future__ import annotations

import gc
import json
import os
import pickle
import signal
import sqlite3
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from syxkit.core.readers import ForeignReader, iter_files
from syxkit.devices import registry
from syxkit.library.naming import norm_name
from syxkit.library.planning import (
    FileWork,
    MemberPlan,
    member_problems,
    member_skips,
    plan_file,
    read_file,
)
from syxkit.library.store import Library, now
from syxkit.library.vocabulary import canonicalise_kinds, fits_list, fits_text

Progress = Callable[[int, int, str], None]  # (files done, files in all, path just done)

# A bigger WAL during an import: fewer checkpoints, and index pages written again and again
# within it reach the database file once (about 20% faster on the benchmark).
IMPORT_WAL_PAGES = 20_000
WORKER_MIN_FILES = 16  # below this, starting a process costs more than it saves

__all__ = ["FileReport", "ImportReport", "import_file", "import_paths", "plan_file"]


@dataclass
class FileReport:
    path: str
    status: str  # imported | unchanged | skipped (fine, but no sound in it) | failed
    objects: int = 0
    new: int = 0
    duplicates: int = 0
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    in_trash: int = 0  # patches of this file found in the trash and left there
    restored: int = 0  # patches of this file brought back out of the trash (restore_removed)

    def to_json(self) -> dict[str, Any]:
        return {"path": self.path, "status": self.status, "objects": self.objects, "new": self.new,
                "duplicates": self.duplicates, "in_trash": self.in_trash,
                "restored": self.restored, "problems": self.problems, "notes": self.notes}


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
    def in_trash(self) -> int:
        return sum(f.in_trash for f in self.files)

    @property
    def restored(self) -> int:
        return sum(f.restored for f in self.files)

    @property
    def with_problems(self) -> list[FileReport]:
        return [f for f in self.files if f.problems]

    def to_json(self) -> dict[str, Any]:
        return {
            "files": len(self.files),
            "unchanged": sum(f.status == "unchanged" for f in self.files),
            "skipped": [{"path": f.path, "reason": "; ".join(f.notes)}
                        for f in self.files if f.status == "skipped"],
            "failed": sum(f.status == "failed" for f in self.files),
            "objects": self.objects, "new": self.new, "duplicates": self.duplicates,
            "in_trash": self.in_trash, "restored": self.restored,
            "problems": [{"path": f.path, "problems": f.problems} for f in self.with_problems],
            "details": [f.to_json() for f in self.files],
        }


_SOURCE_SQL = (
    "INSERT INTO sources (patch_id, file_id, offset, part, name, name_key, name_from, "
    "channel, bank, program, slot, message_id, seen_at) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
_PATCH_SQL = (
    "INSERT INTO patches (id, fingerprint, device, kind, model, name, name_key, name_from, "
    "payload, message_id, created_at, modified_at, fits) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
_FILE_SQL = (
    "INSERT INTO files (path, sha256, size, mtime, form, container_id, objects, problems, "
    "imported_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (path, sha256) DO UPDATE SET objects = excluded.objects, "
    "problems = excluded.problems, imported_at = excluded.imported_at, "
    "container_id = excluded.container_id RETURNING id")


def _union_fits(old: str, new: str) -> str:
    """Both model families (one sound found as a CZ-1 named tone and as a plain tone fits
    every model either fits)."""
    return fits_text(dict.fromkeys(fits_list(old) + fits_list(new)))


def _write(c: sqlite3.Connection, disk: tuple[str, bytes, int, float | None, str],
           members: list[MemberPlan], report: FileReport, restore_removed: bool = False,
           trash: bool = True) -> None:
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

    select_fp = "SELECT id, fits, removed_at FROM patches WHERE fingerprint = ?"
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
                        r.name_from, r.payload, message_id, when, when, r.fits))
                    names.append((pid, r.name))
                    report.new += 1
                else:
                    pid, fits, _ = got
                    report.duplicates += 1
                    if r.model:
                        c.execute("UPDATE patches SET model = ? WHERE id = ? AND model IS NULL",
                                  (r.model, pid))
                    if r.fits and _union_fits(fits, r.fits) != fits:
                        c.execute("UPDATE patches SET fits = ? WHERE id = ?",
                                  (_union_fits(fits, r.fits), pid))
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
    if trash:
        _trash_report(c, disk_path, report, restore_removed)


def _trash_report(c: sqlite3.Connection, path: str, report: FileReport,
                  restore_removed: bool) -> None:
    """A sound of this file that the user put in the trash stays there unless the import was
    asked to bring it back; either way the report says how many."""
    ids = _trashed_of_file(c, path)
    if ids and restore_removed:
        c.executemany("UPDATE patches SET removed_at = NULL WHERE id = ?", [(i,) for i in ids])
        report.restored = len(ids)
    else:
        report.in_trash = len(ids)


def _report(work: FileWork, clean: dict[str, tuple[bytes, int]]) -> FileReport:
    if work.error:
        return FileReport(work.shown, "failed", problems=[work.error])
    if work.unchanged:
        objects = clean[work.path][1]
        return FileReport(work.shown, "unchanged", objects=objects, duplicates=objects)
    report = FileReport(work.shown, "imported")
    report.objects = sum(len(m.rows) for m in work.members)
    report.problems = member_problems(work.members, work.path)
    skips = member_skips(work.members, work.path)
    report.notes = [n for m in work.members for n in m.notes]
    if report.objects == 0 and report.problems:
        report.status = "failed"  # nothing usable; the file is still recorded, with its problems
    elif report.objects == 0 and skips:
        report.status = "skipped"
        report.notes = skips + report.notes
    else:
        report.notes = skips + report.notes  # e.g. the readme inside a zip of dumps
    return report


def _trashed_of_file(c: sqlite3.Connection, path: str) -> list[int]:
    """Patches in the trash with a source in this file on disk (or in a zip's members)."""
    return [r[0] for r in c.execute(
        "SELECT DISTINCT s.patch_id FROM files f JOIN sources s ON s.file_id = f.id "
        "JOIN patches p ON p.id = s.patch_id WHERE p.removed_at IS NOT NULL AND "
        "(f.path = ? OR f.container_id IN (SELECT id FROM files WHERE path = ?))", (path, path))]


def _has_trash(lib: Library) -> bool:
    return lib.conn.execute(
        "SELECT 1 FROM patches WHERE removed_at IS NOT NULL LIMIT 1").fetchone() is not None


def write_work(lib: Library, work: FileWork, clean: dict[str, tuple[bytes, int]], *,
               restore_removed: bool = False, trash: bool = True) -> FileReport:
    """Store one planned file in one transaction. ``trash``: whether the trash may hold
    anything (False skips looking, for speed)."""
    report = _report(work, clean)
    if work.error:
        return report
    if work.unchanged:
        # Not read again, but its sounds in the trash are still counted (or brought back).
        if trash:
            with lib.transaction() as c:
                _trash_report(c, work.path, report, restore_removed)
        return report
    try:
        with lib.transaction() as c:
            _write(c, (work.path, work.sha256, work.size, work.mtime, work.form), work.members,
                   report, restore_removed, trash)
    except sqlite3.Error as exc:
        report.status, report.new, report.duplicates = "failed", 0, 0
        report.problems.append(f"not stored: library error: {exc}")
    return report


def _clean_files(lib: Library) -> dict[str, tuple[bytes, int]]:
    """path -> (sha256, objects) of files whose last import had no problem."""
    return {path: (sha, n) for path, sha, n in lib.conn.execute(
        "SELECT path, sha256, objects FROM files WHERE container_id IS NULL AND problems = '[]'")}


def import_file(lib: Library, path: Path, readers: list[ForeignReader] | None = None, *,
                rescan: bool = False, restore_removed: bool = False) -> FileReport:
    """Import one file on disk (a zip counts as one file) in one transaction."""
    clean = {} if rescan else _clean_files(lib)
    known = clean.get(str(path.resolve()))
    work = read_file(path, None if known is None else known[0],
                     registry.foreign_readers() if readers is None else readers)
    return write_work(lib, work, clean, restore_removed=restore_removed, trash=_has_trash(lib))


# -- worker processes -------------------------------------------------------------------------
# Planning costs as much CPU as writing, so with two CPUs a forked worker plans while this
# process writes. A pipe per worker carries pickled FileWork; workers take every k-th file and
# the writer reads them round-robin, so files are written in their order. A pipe, not a
# multiprocessing.Pool: the Pool's three helper threads fight the writer for the GIL and made
# the import slower, not faster.

def _init_worker() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the writer's to handle
    try:  # die with the parent, even when it is SIGKILLed
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        pass


Job = tuple[Path, str, bytes | None]  # path as given, resolved, sha256 if cleanly imported


def _worker(jobs: list[Job], out_fd: int) -> None:
    _init_worker()
    readers = registry.foreign_readers()
    with os.fdopen(out_fd, "wb") as out:
        for path, resolved, sha in jobs:
            try:
                work = read_file(path, sha, readers, resolved)
            except Exception as exc:  # a bug here must cost one file, not the import
                work = FileWork(str(path), str(path),
                                error=f"internal error while reading: {type(exc).__name__}: {exc}")
            pickle.dump(work, out, protocol=pickle.HIGHEST_PROTOCOL)
            out.flush()


def default_workers() -> int:
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:
        cpus = os.cpu_count() or 1
    return max(0, min(cpus - 1, 3))  # one CPU: no worker, planning and writing take turns


def _planned(jobs: list[Job], workers: int) -> Iterator[FileWork]:
    """FileWork for each job, in order: from forked workers when worthwhile, else here."""
    if workers < 1 or len(jobs) < WORKER_MIN_FILES or not sys.platform.startswith("linux"):
        readers = registry.foreign_readers()
        for path, resolved, sha in jobs:
            yield read_file(path, sha, readers, resolved)
        return
    children: list[tuple[int, Any]] = []
    # Objects that exist now are left out of the workers' garbage collections: a collection
    # touching them all would copy every page of this process into each worker.
    gc.freeze()
    try:
        for k in range(workers):
            read_fd, write_fd = os.pipe()
            pid = os.fork()
            if pid == 0:  # the worker: it sees the drivers registered here (plug-ins, tests)
                status = 0
                try:
                    os.close(read_fd)
                    for _, f in children:
                        f.close()
                    _worker(jobs[k::workers], write_fd)
                except BaseException:
                    status = 1
                finally:
                    os._exit(status)
            os.close(write_fd)
            children.append((pid, os.fdopen(read_fd, "rb")))
        gc.unfreeze()
        for i, (path, _, _) in enumerate(jobs):
            try:
                yield pickle.load(children[i % workers][1])
            except (EOFError, pickle.UnpicklingError):
                yield FileWork(str(path), str(path), error="internal error: the reading process "
                                                           "stopped; import this file again")
    finally:
        gc.unfreeze()
        for pid, f in children:
            f.close()
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            os.waitpid(pid, 0)


def import_paths(lib: Library, paths: Iterable[str | os.PathLike], *, rescan: bool = False,
                 progress: Progress | None = None, workers: int | None = None,
                 restore_removed: bool = False) -> ImportReport:
    """Import files, folders (recursively) and zips; ``progress`` is called after each file.
    ``workers``: planning processes beside this one (default: CPUs - 1, at most 3; 0 = none).
    Sounds in the trash that the files hold stay there (the report counts them) unless
    ``restore_removed``."""
    # Stored kinds follow the drivers' spelling before anything is compared with them (the
    # fingerprint hashes the kind); a no-op unless a driver renamed a kind.
    with lib.transaction() as c:
        canonicalise_kinds(c)
    trash = _has_trash(lib)
    # The library's own files may sit in the folder being imported; the database holds SysEx
    # bytes, so reading it would import the library into itself.
    own = {str(lib.path.resolve()) + suffix for suffix in ("", "-wal", "-shm", "-journal")}
    clean = {} if rescan else _clean_files(lib)
    items: list[Path | tuple[Path, str]] = []
    jobs: list[Job] = []
    for item in iter_files(paths):
        if isinstance(item, tuple):
            items.append(item)
            continue
        resolved = str(item.resolve())
        if resolved in own:
            continue
        items.append(item)
        known = clean.get(resolved)
        jobs.append((item, resolved, None if known is None else known[0]))
    report = ImportReport()
    planned = _planned(jobs, default_workers() if workers is None else workers)
    lib.conn.execute(f"PRAGMA wal_autocheckpoint = {IMPORT_WAL_PAGES}")
    try:
        for done, item in enumerate(items, 1):
            if isinstance(item, tuple):
                result = FileReport(str(item[0]), "failed", problems=[item[1]])
            else:
                result = write_work(lib, next(planned), clean,
                                    restore_removed=restore_removed, trash=trash)
            report.files.append(result)
            if progress is not None:
                progress(done, len(items), result.path)
    finally:
        planned.close()
        lib.conn.execute("PRAGMA wal_autocheckpoint = 1000")
        try:
            lib.conn.execute("PRAGMA optimize")  # fresh statistics after a big import
            lib.conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
        except sqlite3.Error:
            pass  # busy: the next import or checkpoint will do it
    return report
