"""Transfer benchmark: host protocols against emulated devices at MIDI wire speed (3,125 B/s).

For each case it prints the time the protocol takes, the wire-time floor (every byte that
crossed the cable, both directions, divided by 3,125: the handshakes here alternate, so the
directions do not overlap), and the time of the fixed-pause approach other tools use, with
ratios. Times come from two runs:

* ``seconds``: real time, host and emulator in two threads joined by a pty, each side's writes
  paced to 3,125 B/s (``--simulate`` uses the virtual-time simulator instead, in milliseconds);
* ``fixed_pause_seconds``: always the simulator (the RZ-1's one-ack-per-second approach takes
  over two minutes of real time; the simulator runs the same peer code with exact wire timing).

    python bench/transfer.py [--json] [--simulate] [--case NAME]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
import tty
from dataclasses import dataclass
from typing import Any

from syxkit.devices import registry
from syxkit.devices.base import Options
from syxkit.midi.recorder import Recorder
from syxkit.protocols.base import WIRE_BYTES_PER_SECOND
from syxkit.transfer import engine
from syxkit.transfer.sim import simulate
from syxkit.transfer.transport import FdTransport, PacedTransport


@dataclass
class Case:
    name: str
    device: str
    emulator: dict[str, Any]
    host: Any  # (device) -> protocol
    fixed: Any  # (device) -> protocol using fixed pauses
    fixed_label: str


def _backup(**opts):
    return lambda dev: dev.backup_protocol(Options(**opts))


def _request(what, **opts):
    return lambda dev: dev.request_protocol(what, Options(**opts))


CASES = [
    Case("cz101-backup-16-internal", "casio-cz", {"model": "CZ-101"},
         _backup(model="CZ-101"), _backup(model="CZ-101", form="fixed_pause"),
         "embedded request, 200 ms pause after each tone"),
    Case("rz1-sample-ram-fetch", "casio-rz1", {},
         _request("sample-ram"), _request("sample-ram", form="paced"),
         "one 70 31 acknowledgement per second"),
    Case("kstation-4-banks-global", "novation-kstation", {"model": "K-Station"},
         _backup(model="K-Station"), _backup(model="K-Station", form="fixed_pause"),
         "100 ms pause after each answer"),
    Case("vz-64-voice-bulk-receive", "casio-vz", {"panel_send": "voices"},
         _backup(), lambda dev: Recorder(quiet=1.0, first_wait=30.0),
         "recorder that never answers OK (the VZ's own 0.5 s wait), 1 s quiet"),
]


def _emulator(case: Case):
    return registry.get(case.device).emulator(Options(**case.emulator))


def run_simulated(case: Case, fixed: bool = False):
    dev = registry.get(case.device)
    host = (case.fixed if fixed else case.host)(dev)
    result = simulate(host, _emulator(case), rate=WIRE_BYTES_PER_SECOND)
    if not result.ok:
        raise RuntimeError(f"{case.name}: {result.error}")
    return result.seconds, result.wire_bytes


def run_real_time(case: Case) -> tuple[float, int]:
    """Host and emulator over a pty, both directions paced to 3,125 B/s."""
    dev = registry.get(case.device)
    master, slave = os.openpty()
    tty.setraw(master)
    tty.setraw(slave)
    counts = {"host": 0, "device": 0}

    class Counting(PacedTransport):
        def __init__(self, inner, who):
            super().__init__(inner, WIRE_BYTES_PER_SECOND)
            self.who = who

        def write(self, data, chunk=32):
            counts[self.who] += len(data)
            super().write(data, chunk)

    stop = threading.Event()
    device_side = Counting(FdTransport(slave, slave), "device")
    server = threading.Thread(target=engine.serve, args=(_emulator(case), device_side),
                              kwargs={"stop": stop, "poll": 0.005}, daemon=True)
    server.start()
    host_side = Counting(FdTransport(master, master), "host")
    try:
        started = time.monotonic()
        engine.run(case.host(dev), host_side, poll=0.005)
        seconds = time.monotonic() - started
    finally:
        stop.set()
        server.join(2)
        host_side.close()
    return seconds, counts["host"] + counts["device"]


def measure(case: Case, simulate_only: bool) -> dict[str, Any]:
    seconds, wire = (run_simulated(case) if simulate_only else run_real_time(case))
    sim_seconds, sim_wire = run_simulated(case)
    fixed_seconds, _ = run_simulated(case, fixed=True)
    floor = sim_wire / WIRE_BYTES_PER_SECOND
    return {
        "case": case.name, "seconds": round(seconds, 3), "floor_seconds": round(floor, 3),
        "fixed_pause_seconds": round(fixed_seconds, 3),
        "ratio_to_floor": round(seconds / floor, 3),
        "fixed_pause_ratio_to_floor": round(fixed_seconds / floor, 3),
        "simulated_seconds": round(sim_seconds, 3), "wire_bytes": sim_wire,
        "real_time": not simulate_only, "fixed_pause": case.fixed_label,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print a JSON list, one object per case")
    parser.add_argument("--simulate", action="store_true", help="virtual time only (fast)")
    parser.add_argument("--case", action="append", help="run only these cases")
    args = parser.parse_args(argv)
    cases = [c for c in CASES if not args.case or c.name in args.case]
    rows = [measure(c, args.simulate) for c in cases]
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    mode = "simulated" if args.simulate else "real time over a pty"
    print(f"transfers at {WIRE_BYTES_PER_SECOND} B/s ({mode}); fixed pause: simulated")
    print(f"{'case':28} {'seconds':>9} {'floor':>8} {'x floor':>8} {'fixed':>9} {'x floor':>8}")
    for r in rows:
        print(f"{r['case']:28} {r['seconds']:9.3f} {r['floor_seconds']:8.3f} {r['ratio_to_floor']:8.3f} "
              f"{r['fixed_pause_seconds']:9.3f} {r['fixed_pause_ratio_to_floor']:8.3f}")
    for r in rows:
        print(f"  {r['case']}: fixed pause = {r['fixed_pause']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
