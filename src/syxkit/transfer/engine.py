"""Running a protocol over a real transport, in real time: the only place with I/O and clocks.

Progress goes to a callback, a threading.Event cancels, and a failed transfer writes what
arrived to a recovery file (atomically) and names it in the error.
"""

from __future__ import annotations

import os
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from syxkit.protocols.base import Peer, Step, TransferError
from syxkit.transfer.transport import Transport, TransportClosed


class Cancelled(TransferError):
    pass


def save_recovery(error: TransferError, folder: str | Path) -> Path | None:
    """Save what arrived under a new name in ``folder`` (never over an earlier recovery file);
    when that folder cannot be written (read-only, full, a file in the way), in the system's
    temporary folder instead, and say why in ``error.recovery_note``."""
    if not error.received:
        return None
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    step = "".join(c if c.isalnum() else "-" for c in error.step)[:40]
    stem = f"{error.device}-{step}-{stamp}"
    try:
        path = write_new(Path(folder), stem, ".recovered.syx", error.received)
    except OSError as exc:
        # What arrived may be the only copy of a sound: keep it somewhere rather than nowhere.
        error.recovery_note = f"{folder} could not be written ({exc.strerror or exc})"
        try:
            path = write_new(Path(tempfile.gettempdir()), stem, ".recovered.syx", error.received)
        except OSError as again:
            error.recovery_note += f", nor {tempfile.gettempdir()} ({again.strerror or again})"
            return None
    error.recovery_file = str(path)
    return path


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_new(folder: Path, stem: str, suffix: str, data: bytes) -> Path:
    """Write ``data`` to ``folder/stem+suffix``, or ``stem-2``, ``-3`` … when that exists: an
    existing file is never replaced, also when two processes pick the same name at once (the
    finished temporary file is hard-linked to the name, which fails if the name exists)."""
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{stem}.", suffix=".part", dir=folder)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fchmod(fh.fileno(), 0o666 & ~_umask())  # like any file the user makes, not 0600
            os.fsync(fh.fileno())
        for n in range(1, 10_000):
            path = folder / (f"{stem}{suffix}" if n == 1 else f"{stem}-{n}{suffix}")
            try:
                os.link(tmp, path)
            except FileExistsError:
                continue
            except OSError:  # a file system without hard links: exclusive create instead
                try:
                    with open(path, "xb") as fh:
                        fh.write(data)
                except FileExistsError:
                    continue
            return path
        raise FileExistsError(f"{folder}: no free name for {stem}{suffix}")
    finally:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass


def run(protocol: Peer, transport: Transport, *, on_event: Callable[[Any], None] | None = None,
        cancel: threading.Event | None = None, recovery_dir: str | Path | None = None,
        clock: Callable[[], float] = time.monotonic, poll: float = 0.05) -> Any:
    """Drive ``protocol`` until done. Returns its result or raises TransferError."""

    def apply(step: Step) -> None:
        if step.send:
            transport.write(step.send)
        if on_event:
            for event in step.events:
                on_event(event)

    try:
        apply(protocol.start(clock()))
        while not protocol.done:
            if cancel is not None and cancel.is_set():
                protocol.error = Cancelled(protocol.device, protocol.step_name, "the transfer to finish",
                                           bytes(protocol.received), reason="cancelled")
                break
            deadline = protocol._deadline
            timeout = poll if deadline is None else max(0.0, min(poll, deadline - clock()))
            try:
                data = transport.read(timeout)
            except TransportClosed:
                protocol.fail("more data", reason="the connection closed")
                break
            now = clock()
            apply(protocol.feed(data, now) if data else protocol.tick(now))
    except KeyboardInterrupt:
        protocol.error = Cancelled(protocol.device, protocol.step_name, "the transfer to finish",
                                   bytes(protocol.received), reason="interrupted")
    if protocol.error is not None:
        if recovery_dir is not None:
            save_recovery(protocol.error, recovery_dir)
        raise protocol.error
    return protocol.result


def serve(emulator, transport: Transport, *, stop: threading.Event, clock=time.monotonic,
          poll: float = 0.05) -> None:
    """Run an emulated device on a transport until ``stop`` is set or the link closes."""
    step = emulator.start(clock())
    while True:
        if step.send:
            try:
                transport.write(step.send)
            except (TransportClosed, OSError):
                return
        if stop.is_set():
            return
        timeout = poll if step.deadline is None else max(0.0, min(poll, step.deadline - clock()))
        try:
            data = transport.read(timeout)
        except TransportClosed:
            return
        now = clock()
        step = emulator.feed(data, now) if data else emulator.tick(now)
