"""Live jobs run in worker threads for the web server: ``backup``, ``request``, ``send`` and
``receive`` on the same operations as the CLI (:mod:`syxkit.ops.backup`: file names,
manifests, recovery files) and the same engine (progress events, cancel).

Where things land: every job of a server gets a folder of its own beside the library,
``<library stem>.backups/DEVICE-COMMAND-TIME/``; a backup is written there exactly as ``syxkit
backup -o FOLDER`` writes it, and a request or receive as ``syxkit request/receive -o FILE``
would. Finished files are imported into the library and their patches tagged with the device
and the time. A failed or cancelled job writes its recovery file into that folder (as the CLI
does next to its output) and nothing is imported.

One job per port at a time: a second job on a port that is busy is refused (:class:`Busy`)
before the port is opened.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from syxkit.devices import registry
from syxkit.devices.base import Device, DeviceError, OptionError
from syxkit.ops import backup as ops

COMMANDS = ("backup", "request", "send", "receive")
# Started by the server itself, never through POST /api/jobs: the editor's test note.
INTERNAL_COMMANDS = ("note",)
STATES = ("running", "done", "failed", "cancelled")


class Busy(DeviceError):
    """The port already has a running job."""


@dataclass
class JobSpec:
    command: str
    port: str
    device: str | None = None
    model: str | None = None
    backend: str = "auto"
    options: dict[str, Any] = field(default_factory=dict)
    what: str | None = None  # request: the object, as `syxkit request` names it
    patch_ids: list[int] = field(default_factory=list)  # send: these patches in this order
    bank: str | None = None  # send: this library bank, built in the device's format
    # send: these bytes as they are, built by the server (audition: the edited sound already
    # addressed to the edit buffer, so the page never chooses where it lands)
    data: bytes | None = None
    # note: {channel, note, velocity, hold} (the editor's test note; nothing is read back)
    note: dict[str, Any] | None = None


# The options a job takes, as the CLI's flags (unknown keys are a usage error, never ignored).
OPTION_KEYS = {"form", "channel", "timeout", "device_number", "verify", "rate", "settings",
               "program", "quiet", "wait", "in_port", "out_port"}


class Job:
    def __init__(self, job_id: str, spec: JobSpec, folder: Path):
        self.id = job_id
        self.spec = spec
        self.folder = folder
        self.state = "running"
        self.started = time.monotonic()
        self.seconds = 0.0
        self.progress: dict[str, Any] = {"bytes": 0, "bytes_expected": None, "objects": 0,
                                         "objects_expected": None, "seconds": 0.0, "eta": None,
                                         "step": ""}
        self.result: dict[str, Any] = {"patch_ids": [], "files": []}
        self.error: str | None = None
        self.recovery_file: str | None = None
        self.notes: list[str] = []
        self.port_name: str | None = None  # as opened: "jack emu:out"
        self.form: str | None = None
        self.outcome = "failed"  # the state once the worker is over (set after the port is free)
        self.cancel = threading.Event()
        self.version = 0  # bumped on every change (the events stream waits on it)
        self.changed = threading.Condition()

    def to_json(self) -> dict[str, Any]:
        progress = dict(self.progress)
        if self.state == "running":
            progress["seconds"] = round(time.monotonic() - self.started, 3)
        return {"id": self.id, "command": self.spec.command, "device": self.spec.device,
                "model": self.spec.model, "port": self.port_name or self.spec.port,
                "backend": self.spec.backend, "form": self.form, "state": self.state,
                "progress": progress, "result": self.result, "error": self.error,
                "recovery_file": self.recovery_file, "folder": str(self.folder),
                "notes": self.notes, "version": self.version}

    def bump(self) -> None:
        with self.changed:
            self.version += 1
            self.changed.notify_all()

    def wait_change(self, seen: int, timeout: float) -> int:
        with self.changed:
            if self.version == seen and self.state == "running":
                self.changed.wait(timeout)
            return self.version

    def on_event(self, event: Any) -> None:
        from syxkit.protocols.base import Progress

        if not isinstance(event, Progress):
            return
        now = time.monotonic() - self.started
        eta = None
        if event.bytes_total and event.bytes_done:
            # time left at the rate so far (the device's own pace, handshakes included)
            eta = round(max(0.0, now * (event.bytes_total - event.bytes_done) / event.bytes_done), 1)
        self.progress = {"bytes": event.bytes_done, "bytes_expected": event.bytes_total,
                         "objects": event.objects_done, "objects_expected": event.objects_total,
                         "seconds": round(now, 3), "eta": eta, "step": event.step}
        self.bump()


def _key(text: str | None) -> str:
    return (text or "").strip().casefold()


class Jobs:
    """The jobs of one server. ``importer(paths, tags) -> patch ids`` puts finished files into
    the library (the server gives one that uses its own library connection); ``send_data(spec)
    -> bytes`` builds what a send sends from the library."""

    def __init__(self, library_path: str | Path, importer: Callable[[list[Path], list[str]], list[int]],
                 send_data: Callable[[JobSpec, Device], bytes], *, opener: Callable[..., Any] | None = None):
        library_path = Path(library_path)
        self.root = library_path.parent / f"{library_path.stem}.backups"
        self.importer = importer
        self.send_data = send_data
        self.opener = opener
        self.jobs: dict[str, Job] = {}
        self.busy: dict[str, str] = {}  # port key -> job id
        self.lock = threading.Lock()
        self.ids = itertools.count(1)

    # -- starting ------------------------------------------------------------------------------
    def start(self, spec: JobSpec) -> Job:
        """Check the request (usage errors: OptionError), claim the port (Busy), open it
        (DeviceError when it cannot be), then run the job in a thread of its own."""
        dev = self._check(spec)
        keys = {_key(spec.port), _key(spec.options.get("in_port")), _key(spec.options.get("out_port"))} - {""}
        with self.lock:
            for k in keys:
                if k in self.busy:
                    raise Busy(f"port {spec.port!r} is busy with job {self.busy[k]} "
                               "(one job per port at a time; cancel it or wait)")
            job_id = str(next(self.ids))
            for k in keys:
                self.busy[k] = job_id
        try:
            data = b"" if spec.command != "send" else (
                spec.data if spec.data is not None else self.send_data(spec, dev))
            opened = self._open(spec)
        except BaseException:
            self._release(keys)
            raise
        # The same ports may be asked for by other names ("cz", "cz:in", a number): the
        # ports as opened count too.
        opened_keys = {_key(f"{opened.backend} {n}") for n in (opened.source, opened.sink) if n}
        with self.lock:
            other = next((self.busy[k] for k in opened_keys if k in self.busy), None)
            if other is None:
                for k in opened_keys:
                    self.busy[k] = job_id
        if other is not None:
            opened.transport.close()
            self._release(keys)
            raise Busy(f"port {opened.describe()} is busy with job {other} (one job per port "
                       "at a time; cancel it or wait)")
        keys |= opened_keys
        folder = self._folder(spec, dev)
        job = Job(job_id, spec, folder)
        job.port_name = opened.describe()
        with self.lock:
            self.jobs[job_id] = job
        thread = threading.Thread(target=self._work, args=(job, dev, opened, data, keys),
                                  name=f"syxkit-job-{job_id}", daemon=True)
        thread.start()
        return job

    def _check(self, spec: JobSpec) -> Device:
        if spec.command not in COMMANDS + INTERNAL_COMMANDS:
            raise OptionError(f"command {spec.command!r}: use one of {', '.join(COMMANDS)}")
        unknown = set(spec.options) - OPTION_KEYS
        if unknown:
            raise OptionError(f"unknown option(s) {', '.join(sorted(unknown))} (known: "
                              f"{', '.join(sorted(OPTION_KEYS))})")
        if not spec.port:
            raise OptionError("no port given: name one from GET /api/ports")
        if spec.device is None:
            if spec.command != "receive":
                raise OptionError(f"{spec.command} needs a device")
            return None  # type: ignore[return-value]
        try:
            dev = registry.get(spec.device)
        except KeyError as exc:
            raise OptionError(str(exc.args[0])) from None
        if spec.command == "request":
            if not spec.what:
                raise OptionError("request needs 'what' (one of the device's request names)")
            # Built once before the port is opened (sans-I/O: nothing is sent), so a bad WHAT
            # is a usage error said at once, as the CLI does.
            try:
                dev.request_protocol(spec.what, self._options(spec, dev, "faithful"))
            except OptionError:
                raise
            except DeviceError:
                pass
        if spec.command == "send" and not spec.patch_ids and not spec.bank and spec.data is None:
            raise OptionError("send needs patch_ids or bank")
        if spec.command == "note":
            from syxkit.protocols.note import check_note

            n = spec.note or {}
            try:
                check_note(int(n["channel"]), int(n["note"]), int(n["velocity"]), float(n["hold"]))
            except (KeyError, TypeError, ValueError):
                raise OptionError("note needs channel, note, velocity and hold") from None
        return dev

    def _options(self, spec: JobSpec, dev: Device, form: str) -> Any:
        o = spec.options
        extra: dict[str, Any] = {}
        if spec.command == "send" and o.get("program") not in (None, ""):
            extra["program"] = dev.program_option(str(o["program"]), spec.model)
        return ops.device_options(dict(o.get("settings") or {}), form, channel=o.get("channel"),
                                  model=spec.model, timeout=o.get("timeout"),
                                  device_number=o.get("device_number"),
                                  verify=bool(o.get("verify")), **extra)

    def _open(self, spec: JobSpec) -> Any:
        from syxkit.midi import DEFAULT_RATE, PortError, open_port

        o = spec.options
        rate = DEFAULT_RATE if o.get("rate") is None else o["rate"]
        opener = self.opener or open_port
        try:
            return opener(spec.port, backend_name=spec.backend or "auto", in_port=o.get("in_port"),
                          out_port=o.get("out_port"), rate=rate, client_name=f"syxkit-web-{spec.command}",
                          need_input=spec.command not in ("send", "note"))
        except PortError as exc:
            raise DeviceError(str(exc)) from None

    def _folder(self, spec: JobSpec, dev: Device | None) -> Path:
        if (spec.data is not None or spec.command == "note") and dev is not None:
            # Auditions come one per edit: they share one folder (only a failed one writes
            # its recovery file there) instead of a new folder per change.
            return self.root / f"{dev.id}-audition"
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        base = f"{dev.id if dev else 'receive'}-{stamp}" if spec.command == "backup" else \
            f"{dev.id if dev else 'any'}-{spec.command}-{stamp}"
        folder = self.root / base
        n = 2
        while folder.exists():  # never into an earlier job's folder
            folder = self.root / f"{base}-{n}"
            n += 1
        return folder

    def _release(self, keys: set[str]) -> None:
        with self.lock:
            for k in keys:
                self.busy.pop(k, None)

    # -- running -------------------------------------------------------------------------------
    def _work(self, job: Job, dev: Device | None, opened: Any, data: bytes, keys: set[str]) -> None:
        try:
            getattr(self, f"_{job.spec.command}")(job, dev, opened, data)
        except Exception as exc:  # noqa: BLE001 - a job's failure is its state, never a crash
            try:
                opened.transport.close()
            except Exception:  # noqa: BLE001
                pass
            job.error = job.error or str(exc)
            job.outcome = "failed"
        finally:
            job.seconds = time.monotonic() - job.started
            job.progress["seconds"] = round(job.seconds, 3)
            job.progress["eta"] = 0 if job.outcome == "done" else None
            # The port is free before anyone can see the job over (a next job may start then).
            self._release(keys)
            job.state = job.outcome
            job.bump()

    def _form(self, job: Job, opened: Any) -> str:
        job.form = ops.choose_form(job.spec.options.get("form"), opened.transport.can_split_sysex,
                                   opened.backend, job.notes)
        return job.form

    def _failed(self, job: Job, error: Any) -> None:
        from syxkit.transfer.engine import Cancelled

        job.outcome = "cancelled" if isinstance(error, Cancelled) else "failed"
        job.error = ops.failure_text(error)
        job.recovery_file = error.recovery_file

    def _make_folder(self, job: Job) -> None:
        job.folder.mkdir(parents=True, exist_ok=True)

    def _done(self, job: Job, files: list[Path], dev: Device | None,
              shown: list[Path] | None = None) -> None:
        """Import ``files`` into the library, tagged with the device and the time."""
        job.result["files"] = [str(p) for p in (shown if shown is not None else files)]
        stamp = datetime.now().strftime("%Y-%m-%d %H:%M")
        tags = [f"{job.spec.command} {stamp}"] + ([dev.id] if dev else [])
        job.result["tags"] = tags
        job.result["patch_ids"] = self.importer(files, tags) if files else []
        job.outcome = "done"

    @staticmethod
    def _objects_done(job: Job, count: int) -> None:
        """A finished transfer has done every object it expected. Counted in the protocol's
        own unit when it gave one, the unit the progress bar showed while it ran (a VZ bulk is
        64 voices in one file, a K-Station backup 201 programs and its global data in five
        files): "1 / 64 objects" on a done job would read as 63 missing. ``count`` (files or
        outputs) only when the protocol gave no total, or a smaller one."""
        total = max(count, job.progress.get("objects_expected") or 0)
        job.progress["objects"] = total
        job.progress["objects_expected"] = total

    def _backup(self, job: Job, dev: Device, opened: Any, data: bytes) -> None:
        form = self._form(job, opened)
        options = self._options(job.spec, dev, form)
        try:
            protocol = dev.backup_protocol(options)
        except DeviceError:
            opened.transport.close()
            raise
        files = ops.BackupFiles(job.folder, dev.id, {"model": job.spec.model,
                                                     "backend": opened.backend,
                                                     "port": opened.describe(), "form": form})
        try:
            files.make_folder()
        except Exception:
            opened.transport.close()
            raise

        def event(ev: Any) -> None:
            from syxkit.protocols.base import ObjectDone

            if isinstance(ev, ObjectDone):  # saved the moment it is complete, as the CLI does
                files.keep(ev.name, ev.data)
            job.on_event(ev)

        result, error, seconds = ops.run(protocol, opened.transport, event, job.folder,
                                         cancel=job.cancel)
        if error:
            files.failed(error, seconds)
            self._failed(job, error)
            return
        done = files.finish(ops.outputs_of(result, "backup"), seconds, job.folder)
        # The protocol's last progress event comes before its last object is complete.
        self._objects_done(job, len(done.written))
        job.result["manifest"] = str(done.manifest)
        job.result["combined"] = str(done.combined)
        # The combined file holds every object in order: one import gives the library all of
        # them (the object files hold the same messages).
        self._done(job, [done.combined], dev,
                   [p for _, p in done.written] + [done.combined, done.manifest])

    def _request(self, job: Job, dev: Device, opened: Any, data: bytes) -> None:
        form = self._form(job, opened)
        protocol = dev.request_protocol(job.spec.what, self._options(job.spec, dev, form))
        self._make_folder(job)
        result, error, _ = ops.run(protocol, opened.transport, job.on_event, job.folder,
                                   cancel=job.cancel)
        if error:
            self._failed(job, error)
            return
        output = job.folder / ops.file_name(f"{dev.id}-{job.spec.what}")
        outputs = ops.outputs_of(result, "request")
        described = ops.save_request(dev.id, job.spec.what, outputs, str(output), job.folder)
        self._objects_done(job, len(outputs))
        self._done(job, [Path(d["path"]) for d in described], dev)

    def _send(self, job: Job, dev: Device, opened: Any, data: bytes) -> None:
        form = self._form(job, opened)
        protocol = dev.send_protocol(data, self._options(job.spec, dev, form))
        self._make_folder(job)
        tap = ops.Tap(opened.transport)
        result, error, _ = ops.run(protocol, tap, job.on_event, job.folder, cancel=job.cancel)
        job.result["destinations"] = ops.destinations(dev, tap.sent)
        job.result["bytes_sent"] = len(tap.sent)
        if error:
            self._failed(job, error)
            return
        verify = ops.verify_text(result, bool(job.spec.options.get("verify")))
        if verify:
            job.result["verify"] = verify
        job.outcome = "done"

    def _note(self, job: Job, dev: Device, opened: Any, data: bytes) -> None:
        from syxkit.protocols.note import TestNote
        from syxkit.transfer import engine

        n = job.spec.note or {}
        protocol = TestNote(dev.id, int(n["channel"]), int(n["note"]), int(n["velocity"]),
                            float(n["hold"]))
        tap = ops.Tap(opened.transport)
        try:
            job.result.update(engine.run(protocol, tap, on_event=job.on_event, cancel=job.cancel))
            job.outcome = "done"
        except engine.TransferError as exc:  # cancelled: the note must not keep sounding
            job.outcome = "cancelled" if isinstance(exc, engine.Cancelled) else "failed"
            job.error = str(exc)
        finally:
            try:
                off = protocol.release()
                if off:
                    tap.write(off)
            finally:
                job.result["sent"] = tap.sent.hex(" ")
                opened.transport.close()

    def _receive(self, job: Job, dev: Device | None, opened: Any, data: bytes) -> None:
        from syxkit.midi.recorder import Recorder

        o = job.spec.options
        log: list[str] = []
        recorder = Recorder(quiet=float(o.get("quiet") or 2.0), first_wait=o.get("wait"),
                            answer=ops.answerer([dev] if dev else None, log))
        self._make_folder(job)
        result, error, _ = ops.run(recorder, opened.transport, job.on_event, job.folder,
                                   cancel=job.cancel)
        job.result["answers"] = log
        if error:
            self._failed(job, error)
            return
        output = job.folder / "received.syx"
        ops.save_received(result, str(output), job.folder)
        self._done(job, [output], dev)

    # -- asking --------------------------------------------------------------------------------
    def get(self, job_id: str) -> Job:
        job = self.jobs.get(job_id)
        if job is None:
            raise KeyError(job_id)
        return job

    def cancel(self, job_id: str) -> Job:
        job = self.get(job_id)
        job.cancel.set()
        return job

    def wait(self, job_id: str, timeout: float) -> Job:
        """Until the job is over (for tests and scripts)."""
        job = self.get(job_id)
        deadline = time.monotonic() + timeout
        while job.state == "running" and time.monotonic() < deadline:
            job.wait_change(job.version, 0.2)
        return job

    def close(self) -> None:
        for job in list(self.jobs.values()):
            job.cancel.set()
