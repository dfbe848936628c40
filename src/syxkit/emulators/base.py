"""What every emulated device shares: a timer queue, active sensing, faults, and a byte
counter on its output so faults strike at an exact byte.

Emulators are sans-I/O like the protocols (``start``/``feed``/``tick`` returning a Step), so the
same object runs inside the virtual-time simulator and behind a real port.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from dataclasses import dataclass, field

from syxkit.protocols.base import Step

ACTIVE_SENSING = 0xFE
SENSING_INTERVAL = 0.3


@dataclass
class Faults:
    """Faults to inject. Byte numbers count the emulator's output from 0."""

    stall_after: int | None = None  # send nothing more after this many bytes, ignore input
    drop_handshake: int | None = None  # do not send handshake number N (0-based)
    corrupt_byte: int | None = None  # damage output byte N
    reset_after: int | None = None  # forget the transfer after this many bytes

    @classmethod
    def parse(cls, specs: list[str] | tuple[str, ...]) -> Faults:
        """From ``stall:N``, ``drop-handshake:N``, ``corrupt:N``, ``reset:N``."""
        names = {"stall": "stall_after", "drop-handshake": "drop_handshake",
                 "corrupt": "corrupt_byte", "reset": "reset_after"}
        faults = cls()
        for spec in specs:
            key, _, value = spec.partition(":")
            if key not in names or not value.isdigit():
                raise ValueError(f"fault {spec!r}: expected one of stall:N, drop-handshake:N, "
                                 "corrupt:N, reset:N with N a byte or handshake number")
            setattr(faults, names[key], int(value))
        return faults


@dataclass
class EmulatorOptions:
    active_sensing: bool = False
    block_delay: float = 0.0  # processing time per block or message before answering
    faults: Faults = field(default_factory=Faults)


class Emulator:
    device = "device"

    def __init__(self, options: EmulatorOptions | None = None):
        self.options = options or EmulatorOptions()
        self.now = 0.0
        self.sent = 0  # bytes output so far (fault counter)
        self.handshakes = 0
        self.stalled = False
        self._reset_done = False
        self.log: list[str] = []
        self._out = bytearray()
        self._timers: list[tuple[float, int, Callable[[], None]]] = []
        self._seq = 0

    # -- driver API (same as protocols) ------------------------------------------------------
    def start(self, now: float) -> Step:
        self.now = now
        if self.options.active_sensing:
            self.after(SENSING_INTERVAL, self._sense)
        return self._step()

    def feed(self, data: bytes, now: float) -> Step:
        self.now = now
        self._run_timers(now)
        if not self.stalled:
            data = bytes(b for b in data if b < 0xF8)  # real-time bytes are not for us
            if data:
                self.on_bytes(data)
        return self._step()

    def tick(self, now: float) -> Step:
        self.now = now
        self._run_timers(now)
        return self._step()

    # -- for subclasses ------------------------------------------------------------------------
    def on_bytes(self, data: bytes) -> None:
        pass

    def reset(self) -> None:
        """Back to idle, transfer state forgotten (a power cycle mid-transfer)."""

    def corrupt(self, byte: int) -> int:
        """How a damaged byte looks: a flipped bit 6, so a nibble or 7-bit value changes."""
        return byte ^ 0x40

    def after(self, seconds: float, action: Callable[[], None]) -> None:
        self._seq += 1
        heapq.heappush(self._timers, (self.now + seconds, self._seq, action))

    def cancel_timers(self, keep_sensing: bool = True) -> None:
        self._timers = [t for t in self._timers if keep_sensing and t[2] == self._sense]
        heapq.heapify(self._timers)

    def handshake(self, data: bytes) -> None:
        """Send a handshake message (counted, so one can be dropped on purpose)."""
        n = self.handshakes
        self.handshakes += 1
        if self.options.faults.drop_handshake == n:
            self.log.append(f"dropped handshake {n}: {data.hex(' ')}")
            return
        self.send(data)

    def send(self, data: bytes) -> None:
        if self.stalled:
            return
        f = self.options.faults
        out = bytearray(data)
        start = self.sent
        end = start + len(out)
        if f.corrupt_byte is not None and start <= f.corrupt_byte < end:
            k = f.corrupt_byte - start
            out[k] = self.corrupt(out[k])
            self.log.append(f"corrupted output byte {f.corrupt_byte}")
        # A reset strikes once; the Faults object stays as given (it may be shared).
        reset_after = None if self._reset_done else f.reset_after
        for limit, what in ((f.stall_after, "stall"), (reset_after, "reset")):
            if limit is not None and start <= limit < end:
                out = out[: limit - start]
                self._out += out
                self.sent += len(out)
                if what == "stall":
                    self.stalled = True
                    self.cancel_timers(keep_sensing=False)
                else:
                    self.reset()
                    self.cancel_timers()
                    self._reset_done = True
                self.log.append(f"{what} after {limit} bytes")
                return
        self._out += out
        self.sent = end

    # -- internals -------------------------------------------------------------------------
    def _sense(self) -> None:
        if not self.stalled:
            self._out.append(ACTIVE_SENSING)  # not counted: faults address protocol bytes
            self.after(SENSING_INTERVAL, self._sense)

    def _run_timers(self, now: float) -> None:
        while self._timers and self._timers[0][0] <= now + 1e-9:
            _, _, action = heapq.heappop(self._timers)
            action()

    def _step(self) -> Step:
        deadline = self._timers[0][0] if self._timers else None
        step = Step(bytes(self._out), [], deadline)
        self._out = bytearray()
        return step
