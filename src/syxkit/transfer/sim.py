"""A host protocol and an emulated device connected by a simulated MIDI cable, in virtual time.

Each direction is a serial line: bytes queue behind each other and take 1/rate seconds each
(rate None = instant). Every chunk a peer sends arrives at the other end when its last byte
has crossed. Nothing sleeps, so a 30-second RZ-1 dump simulates in milliseconds, and every
time-out is exercised exactly.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field
from typing import Any

from syxkit.protocols.base import WIRE_BYTES_PER_SECOND, Step, TransferError


@dataclass
class SimResult:
    ok: bool
    seconds: float
    result: Any = None
    error: TransferError | None = None
    events: list[Any] = field(default_factory=list)
    host_to_device: int = 0
    device_to_host: int = 0
    device_received: bytes = b""
    # Every byte the host sent, including what was still on the cable when it finished (a
    # closing F7, say), which ``device_received`` does not hold.
    host_sent: bytes = b""

    @property
    def wire_bytes(self) -> int:
        return self.host_to_device + self.device_to_host


class SimulationHang(AssertionError):
    """The host waits with no deadline and nothing can arrive: a protocol bug."""


class _Line:
    def __init__(self, rate: float | None):
        self.rate = rate
        self.free_at = 0.0
        self.bytes = 0

    def arrival(self, now: float, size: int) -> float:
        start = max(now, self.free_at)
        end = start + (size / self.rate if self.rate else 0.0)
        self.free_at = end
        self.bytes += size
        return end


def simulate(host, device, rate: float | None = WIRE_BYTES_PER_SECOND, limit: float = 3600.0,
             start_at: float = 0.0) -> SimResult:
    """Run ``host`` (a protocol) against ``device`` (an emulator) until the host is done."""
    lines = {"host": _Line(rate), "device": _Line(rate)}
    queue: list[tuple[float, int, str, str, bytes]] = []
    seq = 0
    deadlines: dict[str, float | None] = {"host": None, "device": None}
    peers = {"host": host, "device": device}
    events: list[Any] = []
    device_in = bytearray()
    host_out = bytearray()

    def push(t: float, kind: str, who: str, data: bytes = b"") -> None:
        nonlocal seq
        seq += 1
        heapq.heappush(queue, (t, seq, kind, who, data))

    def apply(who: str, step: Step, now: float) -> None:
        if who == "host":
            events.extend(step.events)
            host_out.extend(step.send)
        if step.send:
            other = "device" if who == "host" else "host"
            push(lines[who].arrival(now, len(step.send)), "data", other, step.send)
        deadlines[who] = step.deadline
        if step.deadline is not None:
            push(max(step.deadline, now), "tick", who)

    now = start_at
    apply("device", device.start(now), now)
    apply("host", host.start(now), now)
    while not host.done:
        if not queue:
            raise SimulationHang(f"{type(host).__name__} waits forever in step {host.step_name!r}")
        now, _, kind, who, data = heapq.heappop(queue)
        if now - start_at > limit:
            raise SimulationHang(f"simulation passed {limit} s without the host finishing")
        peer = peers[who]
        if kind == "data":
            if who == "device":
                device_in.extend(data)
            apply(who, peer.feed(data, now), now)
        elif deadlines[who] is not None and abs(deadlines[who] - now) < 1e-9 or (
            deadlines[who] is not None and deadlines[who] <= now
        ):
            apply(who, peer.tick(now), now)
    return SimResult(
        ok=host.error is None, seconds=now - start_at, result=host.result, error=host.error,
        events=events, host_to_device=lines["host"].bytes, device_to_host=lines["device"].bytes,
        device_received=bytes(device_in), host_sent=bytes(host_out),
    )
