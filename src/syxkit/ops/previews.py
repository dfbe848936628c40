"""Sound previews of library patches: a CZ tone, a VZ voice or an RZ-1 pad rendered to WAV
(through :mod:`syxkit.render`) once per sound and render settings, and kept in a cache folder
beside the library file, never in it (a preview is ~300 kB: thousands of them would bloat
the SQLite file and every backup of it).

The cache
---------
``<library stem>.previews/<engine>/<fingerprint>-<settings>.wav`` (e.g. ``library.previews/
3f1a…/9c0e…-n60-v100-s2.5-r1-44100hz.wav``, ``…-pad2.wav`` for a pad):

- the patch's fingerprint names the sound (the same sound under several names or in several
  files is rendered once; a renamed patch keeps its preview);
- ``<engine>`` hashes the source of the renderers and of the CZ, VZ and RZ-1 drivers whose
  ``decode`` feeds them, so a changed renderer or a fixed decoder never serves an old
  sound; folders of other engines are deleted when the cache is pruned;
- files are written atomically (temporary file, then rename), so a preview is whole or
  absent, and two processes (the CLI and ``syxkit web``) can share the folder;
- the folder is bounded (:data:`MAX_CACHE_BYTES`): after a write, the previews used least
  recently (a cache hit touches its file) are deleted until it is well under the bound.

:func:`preview` is what the CLI calls (render or reuse, in this thread); :class:`Renderer`
is what the web server uses: renders on a small pool of its own threads, one render per
preview however many requests ask for it at once, and a bounded queue.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from syxkit.devices.base import DeviceError
from syxkit.library.messages import patch_dumps
from syxkit.library.store import Library, LibraryError, Patch, UsageError

# What syxkit.render.sounds() can render, by library device and kind (the list and the page
# need the answer for a page of rows without reading any dump).
RENDERABLE = {
    ("casio-cz", "tone"): "tone",
    ("casio-vz", "voice"): "voice",
    ("casio-rz1", "sample-dump"): "pad",
    ("casio-rz1", "dump"): "pad",
}
WHAT_RENDERS = "CZ tones, VZ voices and RZ-1 sample dumps (pads) can be previewed"
MAX_CACHE_BYTES = 1 << 30  # ~3,500 previews of 3.5 s; enough for a long listening session
PRUNE_TO = 0.8  # prune down to this share of the bound, so not every write prunes
WAV_HEADER = 44


class PreviewError(LibraryError):
    """A patch that cannot be previewed, with the reason (CLI exit 1, HTTP 422)."""


class PreviewBusy(LibraryError):
    """Too many previews waiting to be rendered (HTTP 503: try again)."""


def renderable(device: str, kind: str) -> bool:
    return (device, kind) in RENDERABLE


def pad_count(device: str, kind: str) -> int | None:
    """How many pads a renderable patch holds (an RZ-1 sample dump); None for the others."""
    if RENDERABLE.get((device, kind)) != "pad":
        return None
    from syxkit.devices.casio_rz1.table import PADS

    return len(PADS)


@dataclass(frozen=True)
class Settings:
    """How to render: the key held ``seconds`` then released for ``release`` seconds, at
    ``rate`` Hz. ``pad``: which pad of an RZ-1 sample dump (1-4; default the first). Pads
    play their own samples at 20 kHz: the other settings do not apply to them."""

    note: int = 60
    velocity: int = 100
    seconds: float = 2.5
    release: float = 1.0
    rate: int = 44_100
    pad: int | None = None

    def check(self) -> None:
        """A value no render can use is a usage error naming it."""
        problems = []
        if not 0 <= self.note <= 127:
            problems.append(f"note {self.note}: expected 0-127")
        if not 1 <= self.velocity <= 127:
            problems.append(f"velocity {self.velocity}: expected 1-127")
        if not (0 <= self.seconds <= 60 and 0 <= self.release <= 60):
            problems.append("seconds and release: expected 0-60")
        elif self.seconds + self.release <= 0:
            problems.append("seconds and release are both 0: nothing to render")
        if not 8000 <= self.rate <= 192_000:
            problems.append(f"rate {self.rate}: expected 8000-192000 Hz")
        if problems:
            raise UsageError("; ".join(problems))

    def tag(self, kind: str) -> str:
        """The settings part of a cache file's name."""
        if kind == "pad":
            return f"pad{self.pad or 1}"
        return (f"n{self.note}-v{self.velocity}-s{self.seconds:g}-r{self.release:g}-"
                f"{self.rate}hz")


def cache_folder(library_path: str | os.PathLike) -> Path:
    """The preview cache of a library file: a folder beside it (``library.previews``)."""
    path = Path(library_path)
    return path.with_name(f"{path.stem}.previews")


_engine: list[str] = []


def engine() -> str:
    """A hash of the code a preview depends on (renderers and the decoders feeding them),
    read once per process: a changed file means other previews."""
    if not _engine:
        import syxkit
        from syxkit import render

        root = Path(render.__file__).parent
        h = hashlib.sha256(syxkit.__version__.encode())
        folders = [root] + [root.parent / "devices" / d
                            for d in ("casio_cz", "casio_vz", "casio_rz1")]
        for folder in folders:
            for path in sorted(folder.glob("*.py")):
                h.update(path.name.encode())
                try:
                    h.update(path.read_bytes())
                except OSError:  # installed without sources: the version alone decides
                    pass
        _engine.append(h.hexdigest()[:12])
    return _engine[0]


@dataclass
class Job:
    """One preview to make or reuse, resolved from the library (nothing rendered yet)."""

    patch_id: int
    name: str
    device: str
    kind: str  # the patch's kind (tone, voice, sample-dump)
    label: str  # what is rendered: "tone", "voice", "pad 2"
    settings: Settings
    path: Path  # the cache file
    sound: Any = field(repr=False)  # syxkit.render.Sound

    @property
    def key(self) -> str:
        return str(self.path)

    @property
    def rate(self) -> int:
        from syxkit.render import output_rate

        return output_rate(self.sound, self.settings.rate)


@dataclass
class Preview:
    """A preview ready in the cache."""

    patch_id: int
    name: str
    device: str
    kind: str
    label: str
    path: Path
    size: int
    seconds: float
    rendered: bool  # False: it was in the cache already
    settings: Settings

    def to_json(self) -> dict[str, Any]:
        s = self.settings
        return {"id": self.patch_id, "name": self.name, "device": self.device,
                "kind": self.kind, "sound": self.label, "path": str(self.path),
                "bytes": self.size, "seconds": round(self.seconds, 3), "rendered": self.rendered,
                "settings": {"note": s.note, "velocity": s.velocity, "seconds": s.seconds,
                             "release": s.release, "rate": s.rate, "pad": s.pad}}


def _what(patch: Patch) -> str:
    return f"patch {patch.id} ({patch.device} {patch.kind})"


def plan(library: Library, patch_id: int, settings: Settings | None = None,
         folder: str | os.PathLike | None = None) -> Job:
    """Which sound of a patch to render and where its preview is cached. Refuses (with the
    reason) a patch no renderer takes, a pad the dump does not hold, bad settings."""
    settings = settings or Settings()
    settings.check()
    patch = library.get(patch_id)
    what = _what(patch)
    sound_kind = RENDERABLE.get((patch.device, patch.kind))
    if sound_kind is None:
        raise PreviewError(f"{what} cannot be previewed: {WHAT_RENDERS}")
    if settings.pad is not None and sound_kind != "pad":
        raise UsageError(f"{what}: --pad applies to RZ-1 sample dumps only")
    from syxkit import render

    try:
        found = [s for s in render.sounds(patch_dumps(library, patch)) if s.kind == sound_kind]
    except DeviceError as exc:
        raise PreviewError(f"{what} cannot be previewed: {exc}") from None
    if not found:
        raise PreviewError(f"{what} cannot be previewed: its dump holds no {sound_kind}")
    if sound_kind == "pad" and settings.pad is None:
        settings = replace(settings, pad=1)
    index = (settings.pad or 1) - 1
    if sound_kind == "pad" and not 0 <= index < len(found):
        raise UsageError(f"{what}: pad {settings.pad}: the dump holds pads 1-{len(found)}")
    sound = found[index if sound_kind == "pad" else 0]
    base = Path(folder) if folder is not None else cache_folder(library.path)
    name = f"{patch.fingerprint.hex()}-{settings.tag(sound_kind)}.wav"
    label = sound.label if sound_kind == "pad" else patch.kind  # "pad 2", "tone", "voice"
    return Job(patch.id, patch.name, patch.device, patch.kind, label, settings,
               base / engine() / name, sound)


def render_job(job: Job) -> bytes:
    """Render the job's sound and store it in the cache (atomically); its WAV bytes."""
    from syxkit import render

    s = job.settings
    try:
        data = render.render_wav(job.sound, s.note, s.velocity, s.seconds, s.release, s.rate)
    except (DeviceError, ValueError, TypeError, render.AudioMissing) as exc:
        raise PreviewError(f"patch {job.patch_id} ({job.device} {job.kind}) cannot be "
                           f"previewed: {exc}") from None
    _store(job.path, data)
    return data


def _store(path: Path, data: bytes) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".preview-", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        # The preview still plays; only keeping it failed (a read-only data folder).
        raise LibraryError(f"{path.parent}: cannot keep the preview: "
                           f"{exc.strerror or exc}") from None
    prune(path.parent.parent, keep=path)


def cached(job: Job) -> bytes | None:
    """The cached preview's bytes (and the file marked as used just now), or None."""
    try:
        data = job.path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError:
        return None  # unreadable: render again (the write replaces it)
    if len(data) <= WAV_HEADER or data[:4] != b"RIFF":
        return None  # not a whole WAV (cannot happen with atomic writes; never trust it)
    try:
        os.utime(job.path)  # least recently used is pruned first
    except OSError:
        pass
    return data


def prune(folder: Path, limit: int = MAX_CACHE_BYTES, keep: Path | None = None) -> int:
    """Delete other engines' previews, then the least recently used ones while the folder
    holds more than ``limit`` bytes (down to :data:`PRUNE_TO` of it). Returns files deleted."""
    import shutil

    current = engine()
    deleted = 0
    files: list[tuple[float, int, Path]] = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return 0
    for entry in entries:
        if not entry.is_dir(follow_symlinks=False):
            continue
        if entry.name != current:
            shutil.rmtree(entry.path, ignore_errors=True)
            deleted += 1
            continue
        for f in os.scandir(entry.path):
            if f.name.endswith(".wav") and f.is_file(follow_symlinks=False):
                try:
                    st = f.stat()
                except OSError:
                    continue
                files.append((st.st_mtime, st.st_size, Path(f.path)))
    total = sum(size for _, size, _ in files)
    if total <= limit:
        return deleted
    for _, size, path in sorted(files, key=lambda x: x[:2]):
        if total <= limit * PRUNE_TO:
            break
        if keep is not None and path == keep:
            continue
        try:
            path.unlink()
        except OSError:
            continue
        total -= size
        deleted += 1
    return deleted


def _seconds(size: int, rate: int) -> float:
    return max(0, size - WAV_HEADER) / 2 / rate


def preview(library: Library, patch_id: int, settings: Settings | None = None,
            folder: str | os.PathLike | None = None) -> tuple[Preview, bytes]:
    """A patch's preview: from the cache, else rendered now and kept there."""
    job = plan(library, patch_id, settings, folder)
    data = cached(job)
    rendered = data is None
    if data is None:
        data = render_job(job)
    return _result(job, data, rendered), data


def _result(job: Job, data: bytes, rendered: bool) -> Preview:
    return Preview(job.patch_id, job.name, job.device, job.kind, job.label, job.path, len(data),
                   _seconds(len(data), job.rate), rendered, job.settings)


class Renderer:
    """Previews for a server: cache hits at once, misses rendered on ``workers`` threads of
    its own (so rendering never takes the threads that answer the list), one render per
    preview however many requests wait for it, at most ``max_pending`` renders queued
    (more: :class:`PreviewBusy`). Counters say what happened, for the tests and the curious."""

    def __init__(self, workers: int = 2, max_pending: int = 32,
                 render: Callable[[Job], bytes] = render_job):
        self.workers = workers
        self.max_pending = max_pending
        self._render = render
        self._pool = ThreadPoolExecutor(workers, thread_name_prefix="syxkit-preview")
        self._lock = threading.Lock()
        self._inflight: dict[str, Future] = {}
        self._failed: dict[str, str] = {}  # a sound that failed fails again: say so at once
        self.counts = {"rendered": 0, "cached": 0, "shared": 0, "failed": 0, "busy": 0}

    def request(self, job: Job) -> tuple[Future, str]:
        """A future of the preview's WAV bytes, and how it comes: ``cache``, ``render`` (a
        new render queued) or ``shared`` (joins a render already under way)."""
        with self._lock:
            running = self._inflight.get(job.key)
            if running is not None:
                self.counts["shared"] += 1
                return running, "shared"
            if job.key in self._failed:
                self.counts["failed"] += 1
                raise PreviewError(self._failed[job.key])
            data = cached(job)
            if data is not None:
                self.counts["cached"] += 1
                done: Future = Future()
                done.set_result(data)
                return done, "cache"
            if len(self._inflight) >= self.max_pending:
                self.counts["busy"] += 1
                raise PreviewBusy(f"{len(self._inflight)} previews are being rendered; "
                                  "try again in a moment")
            future = self._pool.submit(self._run, job)
            self._inflight[job.key] = future
        return future, "render"

    def _run(self, job: Job) -> bytes:
        try:
            data = self._render(job)
        except PreviewError as exc:
            with self._lock:
                self.counts["failed"] += 1
                if len(self._failed) > 10_000:
                    self._failed.clear()
                self._failed[job.key] = str(exc)
                self._inflight.pop(job.key, None)
            raise
        except BaseException:
            with self._lock:
                self.counts["failed"] += 1
                self._inflight.pop(job.key, None)
            raise
        with self._lock:
            self.counts["rendered"] += 1
            # Removed only now that the file exists: a request in between joins this render,
            # one after it finds the file.
            self._inflight.pop(job.key, None)
        return data

    def stats(self) -> dict[str, Any]:
        with self._lock:
            return dict(self.counts, pending=len(self._inflight), workers=self.workers,
                        max_pending=self.max_pending, engine=engine())

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


def result(job: Job, data: bytes, how: str) -> Preview:
    """The :class:`Preview` of a job's bytes (``how`` as :meth:`Renderer.request` said)."""
    return _result(job, data, how != "cache")
