"""The shape every protocol (host side) and emulator (device side) shares.

A peer is driven by three calls, each given the current time in seconds:

* ``start(now)`` once,
* ``feed(data, now)`` when bytes arrive,
* ``tick(now)`` when the deadline it asked for has come and nothing else happened.

Each returns a :class:`Step`: bytes to send now, events (progress, objects, completion), and the
next deadline. The peer keeps everything it received, so a failed transfer loses nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from syxkit.core.message import hexdump

WIRE_BYTES_PER_SECOND = 3125  # 31,250 baud, 10 bits per byte


class TransferError(Exception):
    """A transfer that cannot finish: names the device, the step, what arrived and what was
    expected. ``received`` holds every byte that came in, for a recovery file."""

    def __init__(self, device: str, step: str, expected: str, received: bytes = b"", reason: str = ""):
        self.device = device
        self.step = step
        self.expected = expected
        self.received = bytes(received)
        self.reason = reason or "timed out"
        self.recovery_file: str | None = None
        super().__init__(self._text())

    def _text(self) -> str:
        tail = f" (last bytes: {hexdump(self.received[-12:], 12)})" if self.received else ""
        text = (f"{self.device}: {self.step}: {self.reason} waiting for {self.expected}; "
                f"{len(self.received)} byte(s) received so far{tail}")
        if self.recovery_file:
            text += f"; what arrived is saved in {self.recovery_file}"
        return text

    def __str__(self) -> str:
        return self._text()


@dataclass
class Progress:
    bytes_done: int
    bytes_total: int | None
    objects_done: int = 0
    objects_total: int | None = None
    step: str = ""


@dataclass
class ObjectDone:
    """One object (tone, bank, RAM image …) fully transferred."""

    name: str
    data: bytes


@dataclass
class Step:
    send: bytes = b""
    events: list[Any] = field(default_factory=list)
    deadline: float | None = None
    done: bool = False
    error: TransferError | None = None


class Peer:
    """Common machinery: collects sends and events for the step under way, keeps every byte
    received, tracks the current wait (what is expected and until when)."""

    device = "device"

    def __init__(self) -> None:
        self.received = bytearray()
        self.done = False
        self.error: TransferError | None = None
        self.result: Any = None
        self._out = bytearray()
        self._events: list[Any] = []
        self._deadline: float | None = None
        self._waiting_for = ""
        self.step_name = "start"
        self.now = 0.0

    # -- driver API ------------------------------------------------------------------------
    def start(self, now: float) -> Step:
        self.now = now
        self.on_start(now)
        return self._step()

    def feed(self, data: bytes, now: float) -> Step:
        self.now = now
        if self.done:
            self.received += data
            return self._step()
        self.received += data
        self.on_bytes(bytes(data), now)
        return self._step()

    def tick(self, now: float) -> Step:
        self.now = now
        if self.done:
            return self._step()
        if self._deadline is not None and now + 1e-9 >= self._deadline:
            self._deadline = None
            self.on_timeout(now)
        return self._step()

    # -- for subclasses --------------------------------------------------------------------
    def on_start(self, now: float) -> None:
        pass

    def on_bytes(self, data: bytes, now: float) -> None:
        pass

    def on_timeout(self, now: float) -> None:
        """Default: a wait ran out -> the transfer fails with a clear error."""
        self.fail(self._waiting_for or "an answer")

    def send(self, data: bytes) -> None:
        self._out += data

    def emit(self, event: Any) -> None:
        self._events.append(event)

    def wait(self, seconds: float | None, what: str, step: str | None = None) -> None:
        """Expect ``what`` within ``seconds`` (None: no time limit)."""
        if step:
            self.step_name = step
        self._waiting_for = what
        self._deadline = None if seconds is None else self.now + seconds

    def wake_at(self, when: float) -> None:
        """Ask to be called back at ``when`` (for paced sends), without a failure meaning."""
        self._deadline = when

    def finish(self, result: Any = None) -> None:
        self.done = True
        self.result = result
        self._deadline = None

    def fail(self, expected: str, reason: str = "timed out") -> None:
        self.error = TransferError(self.device, self.step_name, expected, bytes(self.received), reason)
        self.done = True
        self._deadline = None

    def _step(self) -> Step:
        step = Step(bytes(self._out), self._events, self._deadline, self.done, self.error)
        self._out = bytearray()
        self._events = []
        return step


def strip_realtime(data: bytes) -> bytes:
    """Remove MIDI real-time bytes (clock, active sensing …), which may appear anywhere."""
    if max(data, default=0) < 0xF8:
        return data
    return bytes(b for b in data if b < 0xF8)
