"""Live jobs (backup, request, send, receive, emulate), once for both faces: what is written
where, file names, manifests, recovery files, what a written file holds, where a send stored
its objects, which device answers a handshake.

The protocol running itself stays in :mod:`syxkit.transfer` (the engine: I/O, time, recovery
files); the faces open ports, show progress and render the results. Nothing here prints,
exits or imports a terminal library; a refusal is an :class:`OutputError` (a file or folder
that cannot be written) or a :class:`DeviceError`.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from syxkit.core.fileio import OutputError, atomic_write, check_target
from syxkit.devices import registry
from syxkit.devices.base import Device, DeviceError, Output
from syxkit.inspect import entries, load_bytes

FORMS = ("faithful", "embedded", "paced")


# -- folders and files ---------------------------------------------------------------------------
def check_folder(folder: Path) -> None:
    """Say before the transfer (which may take minutes) when nothing could be written in
    ``folder``: a file in the way, or a folder this user cannot write in."""
    folder = Path(folder)
    for place in (folder, *folder.parents):
        if not place.exists():
            continue
        if not place.is_dir():
            raise OutputError(folder, f"{place} is a file, not a folder" if place != folder
                              else "is a file, not a folder")
        if not os.access(place, os.W_OK | os.X_OK):
            why = "the file system is read-only" if _read_only(place) else "permission denied"
            raise OutputError(folder, f"cannot write in {place} ({why})")
        return


def _read_only(path: Path) -> bool:
    try:
        return bool(os.statvfs(path).f_flag & os.ST_RDONLY)
    except (OSError, AttributeError):
        return False


def check_file(output: str | os.PathLike) -> None:
    """Refuse, before a transfer, an output file that could not be written."""
    check_target(output)
    check_folder(Path(output).parent)


_UNSAFE = re.compile(r"[^A-Za-z0-9._+-]+")


def file_name(name: str) -> str:
    """A backup object's file name from the name the protocol gives it."""
    safe = _UNSAFE.sub("-", name).strip("-.") or "object"
    return safe if Path(safe).suffix else f"{safe}.syx"


def earlier_files(folder: Path) -> list[str]:
    """Files in ``folder`` a backup could write over: everything but hidden files and recovery
    files (those are never overwritten: each gets a new name)."""
    folder = Path(folder)
    if not folder.is_dir():
        return []
    return sorted(p.name for p in folder.iterdir()
                  if not p.name.startswith(".") and not p.name.endswith(".recovered.syx"))


def refuse_earlier(folder: Path, force: bool) -> list[str]:
    """The earlier files in ``folder``; without ``force`` any is a refusal naming them."""
    earlier = earlier_files(folder)
    if earlier and not force:
        shown = ", ".join(earlier[:5]) + (f" and {len(earlier) - 5} more" if len(earlier) > 5 else "")
        raise DeviceError(f"{folder}: already holds {len(earlier)} file(s) ({shown}), e.g. an "
                          "earlier backup; choose a new folder, or add --force to replace files "
                          "of the same names")
    return earlier


# -- what a file holds ---------------------------------------------------------------------------
def describe_file(path: Path | str, data: bytes) -> dict[str, Any]:
    """What syxkit reads in a written file, for the summaries."""
    objects = []
    for src in load_bytes(data, str(path)):
        for entry in entries(src):
            d = entry.dump
            objects.append({"device": d.device if d else None, "kind": d.kind if d else None,
                            "slot": d.slot if d else None, "name": d.name if d else None,
                            "problems": [str(p) for p in entry.problems]})
    return {"path": str(path), "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest(),
            "messages": objects}


def manifest_entry(path: Path, name: str) -> dict[str, Any]:
    data = path.read_bytes()
    described = describe_file(path, data)
    return {"name": name, "file": path.name, "bytes": len(data), "sha256": described["sha256"],
            "messages": described["messages"]}


def _plural(kind: str, n: int) -> str:
    if n == 1 or kind.endswith("s"):
        return kind
    if kind.endswith("y") and kind[-2:-1] not in ("a", "e", "o", "u"):
        return kind[:-1] + "ies"
    return kind + "s"


def count_kinds(kinds: list[str]) -> str:
    """``["tone", "tone", "bulk"]`` -> "2 tones, 1 bulk" (in order of first appearance)."""
    counts: dict[str, int] = {}
    for k in kinds:
        counts[k] = counts.get(k, 0) + 1
    return ", ".join(f"{n} {_plural(k, n)}" for k, n in counts.items()) or "nothing"


def contents(described: dict[str, Any]) -> str:
    """What a written file holds, for a person: "tone 'BASS 1' (internal 1), …"."""
    parts = []
    for m in described["messages"]:
        text = m["kind"] or "a message of no known device"
        if m["name"]:
            text += f" {m['name']!r}"
        if m["slot"]:
            text += f" ({m['slot']})"
        parts.append(text)
    if len(parts) > 4:
        return count_kinds([m["kind"] or "unknown message" for m in described["messages"]])
    return ", ".join(parts) or "no messages"


# -- running a job -------------------------------------------------------------------------------
def choose_form(asked: str | None, can_split_sysex: bool, backend: str, notes: list[str]) -> str:
    """The handshake form: the one asked for (with a note when the port cannot carry it), else
    faithful where the port carries SysEx in pieces, else embedded."""
    if asked:
        if asked == "faithful" and not can_split_sysex:
            notes.append(f"--form faithful on {backend}, which sends and receives whole "
                         "messages only: a handshake inside an open SysEx will not get through")
        return asked
    if can_split_sysex:
        return "faithful"
    notes.append(f"{backend} carries whole messages only: using the embedded form")
    return "embedded"


def run(protocol: Any, transport: Any, on_event: Callable[[Any], None] | None,
        recovery_dir: Path, cancel: Any = None) -> tuple[Any, Any, float]:
    """Run the protocol over the transport (then close it); a failure of any kind becomes a
    TransferError with a recovery file. ``cancel`` (a threading.Event) stops it as Ctrl-C
    does: the engine's ``Cancelled``, with its recovery file. Returns (result, error or None,
    seconds)."""
    from syxkit.midi import PortError
    from syxkit.protocols.base import TransferError
    from syxkit.transfer import engine
    from syxkit.transfer.transport import TransportClosed

    start = time.monotonic()
    error = None
    result = None
    try:
        result = engine.run(protocol, transport, on_event=on_event, recovery_dir=recovery_dir,
                            cancel=cancel)
    except TransferError as exc:
        error = exc
    except (TransportClosed, PortError, OSError) as exc:  # the port failed while writing
        error = TransferError(protocol.device, protocol.step_name, "the transfer to finish",
                              bytes(protocol.received), reason=f"the port failed: {exc}")
        engine.save_recovery(error, recovery_dir)
    except OutputError as exc:  # a file written during the transfer (a backup's object)
        error = TransferError(protocol.device, protocol.step_name, "the transfer to finish",
                              bytes(protocol.received), reason=f"cannot write {exc}")
        engine.save_recovery(error, recovery_dir)
    finally:
        transport.close()
    return result, error, time.monotonic() - start


def device_options(settings: dict[str, Any], form: str, *, channel: int | None = None,
                   model: str | None = None, timeout: float | None = None,
                   device_number: int | None = None, verify: bool = False,
                   **extra: Any) -> Any:
    """The device's Options for a job: its own settings (``--set``) under the common ones."""
    from syxkit.devices.base import Options

    values = dict(settings)
    values.update(form=form, channel=channel, model=model, timeout=timeout,
                  device_number=device_number, **extra)
    if verify:
        values["verify"] = True
    return Options(**values)


def failure_text(error: Any) -> str:
    """A failed transfer in one line (with where what arrived was saved, when the engine says)."""
    text = str(error)
    if getattr(error, "recovery_note", None):
        text += f" ({error.recovery_note})"
    return text


def recover_write(device: str, what: str, data: bytes, recovery_dir: Path,
                  exc: OutputError) -> DeviceError:
    """A write failed after the transfer finished: keep what arrived (a new recovery file, in
    the temporary folder when the recovery folder is the one that failed). Returns the error
    to raise, saying where it was kept."""
    from syxkit.protocols.base import TransferError
    from syxkit.transfer import engine

    error = TransferError(device, what, "the output to be written", data, reason=str(exc))
    engine.save_recovery(error, recovery_dir)
    where = (f"; what arrived is saved in {error.recovery_file}" if error.recovery_file
             else "; what arrived could not be saved")
    return DeviceError(f"{exc}{where}")


def outputs_of(result: Any, what: str) -> list[Output]:
    """The objects a protocol returned, checked: a non-empty list of Output."""
    if not isinstance(result, list) or not all(isinstance(o, Output) for o in result):
        raise DeviceError(f"{what}: the device's protocol returned {type(result).__name__}, "
                          "not a list of Output")
    if not result:
        raise DeviceError(f"{what}: the device sent nothing to save")
    return result


def base_summary(command: str, backend: str, port: str, form: str | None) -> dict[str, Any]:
    return {"ok": True, "command": command, "backend": backend, "port": port, "form": form}


# -- request / receive / save-on-exit ------------------------------------------------------------
def save_request(device: str, what: str, outputs: list[Output], output: str,
                 recovery_dir: Path) -> list[dict[str, Any]]:
    """Write what a request fetched (several objects go next to ``output`` as OUT-NAME) and
    describe each file; a failed write keeps what arrived in a recovery file."""
    from syxkit.ops.files import write_outputs

    try:
        written = write_outputs(outputs, output)
    except OutputError as exc:
        raise recover_write(device, f"request {what}", b"".join(o.data for o in outputs),
                            recovery_dir, exc) from None
    return [describe_file(p, p.read_bytes()) for p in written]


def save_received(data: bytes, output: str, recovery_dir: Path,
                  what: str = "receive") -> dict[str, Any]:
    """Write what arrived and describe it; a failed write keeps it in a recovery file."""
    try:
        path = atomic_write(output, data)
    except OutputError as exc:
        raise recover_write(what, what, data, recovery_dir, exc) from None
    return describe_file(path, data)


def save_memory(device: str, data: bytes, output: str) -> dict[str, Any]:
    """An emulator's memory at exit; when the file cannot be written it is kept in the
    temporary folder (it is all the user has of the session)."""
    import tempfile

    try:
        atomic_write(output, data)
    except OutputError as exc:
        raise recover_write(device, "save-on-exit", data, Path(tempfile.gettempdir()), exc) from None
    return {"path": output, "bytes": len(data)}


# -- backup --------------------------------------------------------------------------------------
@dataclass
class BackupResult:
    folder: Path
    written: list[tuple[str, Path]]  # (object name, file)
    combined: Path
    manifest: Path
    manifest_data: dict[str, Any]
    replaced: list[str] | None = None  # earlier files replaced (--force), None when none were there

    @property
    def kinds(self) -> list[str]:
        return [m["kind"] or "unknown message" for o in self.manifest_data["objects"]
                for m in o["messages"]]


@dataclass
class BackupFiles:
    """The files of one backup in ``folder``: each object is saved the moment it is complete
    (:meth:`keep`), so a cut backup keeps what was done; :meth:`failed` writes the manifest of
    a cut backup, :meth:`finish` the final files, the combined file and the manifest."""

    folder: Path
    device: str
    meta: dict[str, Any]  # model, backend, port, form: what the manifest records of the job
    earlier: list[str] = field(default_factory=list)
    interim: dict[str, Path] = field(default_factory=dict)
    created: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))

    def make_folder(self) -> None:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OutputError(self.folder, f"cannot make the folder ({exc.strerror or exc})") from None

    def keep(self, name: str, data: bytes) -> None:
        # A failed write does not stop the transfer: the device is read to the end, and the
        # final write (or its recovery file) says what went wrong.
        try:
            self.interim[name] = atomic_write(self.folder / file_name(name), data)
        except OutputError:
            pass

    def _manifest(self, seconds: float, complete: bool) -> dict[str, Any]:
        from syxkit import __version__

        return {"syxkit": __version__, "device": self.device, "model": self.meta.get("model"),
                "created": self.created, "backend": self.meta.get("backend"),
                "port": self.meta.get("port"), "form": self.meta.get("form"),
                "seconds": round(seconds, 3), "complete": complete}

    def failed(self, error: Any, seconds: float) -> tuple[str | None, str | None]:
        """The manifest of a cut backup (what was saved, the error, the recovery file).
        Returns (the manifest's path or None, a note when it could not be written)."""
        manifest = self._manifest(seconds, False)
        manifest["objects"] = [manifest_entry(p, name) for name, p in self.interim.items()]
        manifest["error"] = str(error)
        manifest["recovery_file"] = error.recovery_file
        try:
            atomic_write(self.folder / "manifest.json", json.dumps(manifest, indent=2).encode())
        except OutputError as exc:
            return None, f"no manifest written: {exc}"
        return str(self.folder / "manifest.json"), None

    def finish(self, outputs: list[Output], seconds: float, recovery_dir: Path) -> BackupResult:
        """One file per object (interim files the final list names differently are removed),
        one combined file, the manifest. A failed write keeps everything in a recovery file."""
        folder = self.folder
        written = []
        try:
            for out in outputs:
                path = folder / file_name(out.name)
                if self.interim.get(out.name) == path and _holds(path, out.data):
                    # saved whole (atomically, synced) by keep the moment it was complete:
                    # a second write would only cost another sync per object
                    written.append((out.name, path))
                else:
                    written.append((out.name, atomic_write(path, out.data)))
            finals = {p for _, p in written}
            for p in self.interim.values():
                if p not in finals:
                    p.unlink(missing_ok=True)
            combined_name = f"{self.device}-backup.syx"
            if combined_name in {p.name for p in finals}:
                combined_name = f"{self.device}-backup-all.syx"
            combined = atomic_write(folder / combined_name, b"".join(o.data for o in outputs))
            manifest = self._manifest(seconds, True)
            manifest["objects"] = [manifest_entry(p, name) for name, p in written]
            manifest["combined"] = manifest_entry(combined, "all objects, in order")
            manifest_path = atomic_write(folder / "manifest.json",
                                         json.dumps(manifest, indent=2).encode())
        except OutputError as exc:
            raise recover_write(self.device, "backup", b"".join(o.data for o in outputs),
                                recovery_dir, exc) from None
        replaced = None
        if self.earlier:
            mine = {p.name for _, p in written} | {combined.name, "manifest.json"}
            replaced = sorted(mine & set(self.earlier))
        return BackupResult(folder, written, combined, manifest_path, manifest, replaced)


def _holds(path: Path, data: bytes) -> bool:
    """``path`` is a regular file holding exactly ``data``."""
    try:
        return path.is_file() and path.stat().st_size == len(data) and path.read_bytes() == data
    except OSError:
        return False


# -- send ----------------------------------------------------------------------------------------
class Tap:
    """A transport that keeps a copy of every byte the host writes (to tell what was sent)."""

    def __init__(self, inner: Any):
        self.inner = inner
        self.sent = bytearray()

    def write(self, data: bytes) -> None:
        self.inner.write(data)
        self.sent += data

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def destinations(dev: Device, sent: bytes) -> list[dict[str, Any]]:
    """Each stored object in the host's bytes: its kind, name and ``Dump.store`` (the driver's
    words for where it lands); requests and handshakes (nothing stored) are left out."""
    from syxkit.core.framing import frame_messages

    out = []
    for message in frame_messages(bytes(sent)):
        try:
            dump = dev.identify(message)
        except Exception:  # noqa: BLE001 - a report line must not fail a finished send
            dump = None
        if dump is None:
            continue
        # A bulk may say where each part goes rather than where the whole goes.
        stored_parts = [p for p in dump.parts if p.store]
        for part in stored_parts if dump.store is None and stored_parts else [dump]:
            if part.store is None and "request" in part.kind:
                continue  # a read-back request (--verify) stores nothing
            out.append({"kind": part.kind, "name": part.name, "slot": part.slot,
                        "store": part.store})
    return out


def verify_text(result: Any, asked: bool) -> str | None:
    """The driver's verify result in words; None when not asked and not done."""
    done = result.get("verified") if isinstance(result, dict) else None
    if done is None or done is False:
        if not asked:
            return None
        return "not verified: this device's send has no read-back" if done is None else "not verified"
    missed = result.get("not_verified") if isinstance(result, dict) else None
    text = (f"verified: read back {done} object(s), equal to what was sent" if isinstance(done, int)
            and not isinstance(done, bool) else "verified: read back, equal to what was sent")
    if missed:
        text += f"; not verified: {missed if isinstance(missed, str) else ', '.join(map(str, missed))}"
    return text


# -- receive / emulate ---------------------------------------------------------------------------
def answerer(devices: list[Device] | None, log: list[str]) -> Callable[[bytes], bytes | None]:
    """Answers a device's handshake while recording (the VZ's bulk open) by the first driver
    that has an answer; ``log`` gets a line per answer or refusal."""
    devices = devices if devices is not None else registry.devices()

    def answer(message: bytes) -> bytes | None:
        for dev in devices:
            if not dev.accepts(message):
                continue
            try:
                reply = dev.answer(message)
            except DeviceError as exc:
                log.append(f"{dev.id}: {exc}")
                continue
            if reply:
                log.append(f"answered {message[:8].hex(' ')}… with {reply.hex(' ')} ({dev.id})")
                return reply
        return None

    return answer


class Panel:
    """Lets a face press the emulated device's panel "send" button (``presses += 1``) between
    two steps of the serving loop (never in the middle of one)."""

    def __init__(self, emulator: Any):
        self.emulator = emulator
        self.presses = 0

    def start(self, now: float):
        return self.emulator.start(now)

    def feed(self, data: bytes, now: float):
        self._press(now)
        return self.emulator.feed(data, now)

    def tick(self, now: float):
        self._press(now)
        return self.emulator.tick(now)

    def _press(self, now: float) -> None:
        while self.presses:
            self.presses -= 1
            self.emulator.now = now
            self.emulator.panel_dump()
