"""Transfer benchmark: host protocols against emulated devices at MIDI wire speed (3,125 B/s).

For each case it prints the time the protocol takes, the wire-time floor (every byte that
crossed the cable, both directions, divided by 3,125: the handshakes here alternate, so the
directions do not overlap), and the time of the fixed-pause approach other tools use, with
ratios. Times come from two runs:

* ``seconds``: real time, host and emulator in two threads joined by a pty, each side's writes
  paced to 3,125 B/s (``--simulate`` uses the virtual-time simulator instead, in milliseconds);
* ``fixed_pause_seconds``: always the simulator (the RZ-1's one-ack-per-second approach takes
  over two minutes of real time; the simulator runs the same peer code with exact wire timing).

Web paths (``WEB_PATHS``, real time only): the same transfer as a job of a real ``syxkit web``
server (``POST /api/jobs``), over the same kind of link as the CLI path: the emulator in this
process on a pty's master end, paced to 3,125 B/s, and the job on the pty's other end through
the ``rawmidi`` backend with ``rate`` 3,125 (the CLI path's pacing). ``seconds`` is from the
POST until the job's server-sent events say it is done (files written, patches in the library),
``job_seconds`` the server's own count from the job's start; each is set against the wire floor
and the CLI path's time of the same run (target: web/CLI <= 1.05). A path is a ``WebPath``
with its own ``run`` function.

The browser path (``cz101-backup-16-internal (browser)``): the same backup as a job on backend
``browser`` (Web MIDI). Debian's Chromium, launched by Playwright, opens the server's page and
turns on "Use this browser's MIDI"; its ``navigator.requestMIDIAccess`` is the stand-in the
Chromium tests inject (tests/midi/webmidi_standin.py), whose port ``CZ UM-ONE`` is a cable to
the emulator on a pty, paced as the pty path's on both ends: the emulator's writes, and what
the page's ``MIDIOutput.send`` hands over (after the server's own pacing of what it asks the
page to send; each piece arrives when its last byte would have crossed). The stand-in's bytes
travel over a WebSocket of their own (pushed both ways, as Chromium's MIDI delivers them, not
polled through Playwright), so the page's CSP is bypassed in that browser context. Skipped,
saying why, when Chromium or Playwright is missing.

Web MIDI sends whole messages only, so the CZ protocol runs in its *embedded* form there
(``F0 44 00 00 70 10 pp 70 31 F7`` in one message, then the tone) instead of the CLI path's
split-SysEx handshake (``…70 10 pp``, the CZ's ``…70 30``, then ``70 31`` at once, our ``F7``
with the next request). The browser row's floor is therefore its own, simulated in the embedded
form, and it prints both ratios: to that floor and to the CLI path's time. For the CZ-101 the
two floors come out equal (4,368 bytes: the embedded request carries the same 10 bytes per
tone, only all before the answer instead of 7 before and 3 after its header; the handshakes
alternate, so the floor, which counts bytes, does not see the difference).

    python bench/transfer.py [--json] [--simulate] [--case NAME] [--repeat N] [--no-web]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import tty
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
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


class Counting(PacedTransport):
    """A side of the link paced to 3,125 B/s, counting what it writes into ``counts[who]``."""

    def __init__(self, inner, who: str, counts: dict[str, int]):
        super().__init__(inner, WIRE_BYTES_PER_SECOND)
        self.who = who
        self.counts = counts

    def write(self, data, chunk=32):
        self.counts[self.who] += len(data)
        super().write(data, chunk)


def run_real_time(case: Case) -> tuple[float, int]:
    """Host and emulator over a pty, both directions paced to 3,125 B/s."""
    dev = registry.get(case.device)
    master, slave = os.openpty()
    tty.setraw(master)
    tty.setraw(slave)
    counts = {"host": 0, "device": 0}
    stop = threading.Event()
    device_side = Counting(FdTransport(slave, slave), "device", counts)
    server = threading.Thread(target=engine.serve, args=(_emulator(case), device_side),
                              kwargs={"stop": stop, "poll": 0.005}, daemon=True)
    server.start()
    host_side = Counting(FdTransport(master, master), "host", counts)
    try:
        started = time.monotonic()
        engine.run(case.host(dev), host_side, poll=0.005)
        seconds = time.monotonic() - started
    finally:
        stop.set()
        server.join(2)
        host_side.close()
    return seconds, counts["host"] + counts["device"]


def measure(case: Case, simulate_only: bool, repeat: int = 1) -> dict[str, Any]:
    runs = [run_simulated(case) if simulate_only else run_real_time(case)
            for _ in range(1 if simulate_only else repeat)]
    seconds, wire = min(runs)  # the best of the runs: the others lost time to the machine
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


# -- web paths -------------------------------------------------------------------------------


class WebServer:
    """A real ``syxkit web`` on a temporary library, and a small JSON client for its API (the
    standard library's, so the bench needs nothing the package does not)."""

    def __init__(self) -> None:
        self.tmp = tempfile.TemporaryDirectory(prefix="syxkit-bench-web-")
        syxkit = Path(sys.executable).with_name("syxkit")
        cmd = [str(syxkit)] if syxkit.exists() else [sys.executable, "-m", "syxkit"]
        # its state file (where `--backend browser` in other processes finds a page) in a
        # folder of its own: a CLI someone runs meanwhile must not find the bench's page
        env = dict(os.environ, SYXKIT_RUNTIME_DIR=str(Path(self.tmp.name) / "run"))
        self.proc = subprocess.Popen(
            [*cmd, "web", "--no-browser", "--port", "0", "--library",
             str(Path(self.tmp.name) / "library.sqlite")],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        line = self.proc.stdout.readline()
        if not line.startswith("syxkit web: http://"):
            self.proc.kill()
            raise RuntimeError(f"syxkit web did not start: {line}{self.proc.stderr.read()}")
        self.base, _, self.token = line.split(" ", 2)[2].strip().partition("/?token=")

    def request(self, method: str, path: str, body: dict | None = None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.base + path, data=data, method=method, headers={
            "Authorization": f"Bearer {self.token}", "Content-Type": "application/json"})
        return urllib.request.urlopen(req, timeout=600)

    def call(self, method: str, path: str, body: dict | None = None) -> Any:
        with self.request(method, path, body) as r:
            return json.loads(r.read())

    def until_over(self, job_id: str) -> dict:
        """The job's server-sent events until it is over: the moment the page would know."""
        job: dict = {}
        with self.request("GET", f"/api/jobs/{job_id}/events") as stream:
            for raw in stream:
                line = raw.decode().strip()
                if line.startswith("data: "):
                    job = json.loads(line[6:])
                    if job["state"] != "running":
                        return job
        return self.call("GET", f"/api/jobs/{job_id}")

    def close(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.tmp.cleanup()


def run_web_job(path: WebPath, case: Case, web: WebServer) -> tuple[float, float]:
    """The case as a job: the emulator on the pty's master end (paced), the server's job on its
    other end by path through ``rawmidi``, paced by the job's ``rate`` as the CLI path's host
    side is. Returns (seconds from the POST to the done event, the job's own seconds)."""
    master, slave = os.openpty()
    tty.setraw(master)
    tty.setraw(slave)
    stop = threading.Event()
    device_side = Counting(FdTransport(master, master), "device", {"device": 0})
    server = threading.Thread(target=engine.serve, args=(_emulator(case), device_side),
                              kwargs={"stop": stop, "poll": 0.005}, daemon=True)
    server.start()
    body = {**path.job, "device": case.device, "port": os.ttyname(slave), "backend": "rawmidi",
            "options": {**path.job.get("options", {}), "rate": WIRE_BYTES_PER_SECOND}}
    if "model" in case.emulator:
        body.setdefault("model", case.emulator["model"])
    try:
        started = time.monotonic()
        job_id = web.call("POST", "/api/jobs", body)["id"]
        job = web.until_over(job_id)
        seconds = time.monotonic() - started
    finally:
        stop.set()
        server.join(2)
        device_side.close()
        os.close(slave)  # the bench's own copy of the slave end (kept open so the master reads)
    if job["state"] != "done":
        raise RuntimeError(f"{path.name}: job {job['state']}: {job['error']}")
    return seconds, job["progress"]["seconds"]


class Skipped(Exception):
    """A path that cannot run on this machine; the text says what is missing."""


BROWSER_PORT = "CZ UM-ONE"  # the name the stand-in's input and output carry on the page
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]  # as the Chromium tests launch it (tests/web)


def _standin() -> Any:
    """The Web MIDI stand-in the Chromium tests inject (tests/midi/webmidi_standin.py)."""
    folder = Path(__file__).resolve().parents[1] / "tests" / "midi"
    if not (folder / "webmidi_standin.py").exists():
        raise Skipped(f"the Web MIDI stand-in is not here ({folder / 'webmidi_standin.py'})")
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))
    import webmidi_standin

    return webmidi_standin


def run_browser_job(path: WebPath, case: Case, web: WebServer) -> tuple[float, float]:
    """The case as a job on backend ``browser``: Debian's Chromium (through Playwright) on the
    server's page with "Use this browser's MIDI" on; its ``requestMIDIAccess`` is the tests'
    stand-in, whose port ``CZ UM-ONE`` is a cable to the emulator. The cable is paced as the
    pty path's: the emulator's writes by ``Counting`` on the pty's master end, and what the
    page's ``MIDIOutput.send`` hands over by ``Counting`` on the other end (each piece arrives
    when its last byte would have crossed), after the server's own pacing of what it asks the
    page to send (3,125 B/s, as a DIN interface drains it). What the emulator sends reaches
    the page as whole messages, as Chromium's ``MIDIInput`` delivers them."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        raise Skipped("Debian's chromium is not installed (apt-get install chromium)")
    try:
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import sync_playwright
    except ImportError:
        raise Skipped("playwright is not installed (pip install -e '.[test]')") from None
    standin = _standin()
    master, slave = os.openpty()
    tty.setraw(master)
    tty.setraw(slave)
    counts = {"host": 0, "device": 0}
    stop = threading.Event()
    device_side = Counting(FdTransport(master, master), "device", counts)
    server = threading.Thread(target=engine.serve, args=(_emulator(case), device_side),
                              kwargs={"stop": stop, "poll": 0.005}, daemon=True)
    server.start()
    bridge = standin.SocketBridge({"cz": Counting(FdTransport(slave, slave), "host", counts)})
    body = {**path.job, "device": case.device, "port": BROWSER_PORT, "backend": "browser",
            "options": {**path.job.get("options", {}), "rate": WIRE_BYTES_PER_SECOND}}
    if "model" in case.emulator:
        body.setdefault("model", case.emulator["model"])
    try:
        with sync_playwright() as pw:
            try:
                browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
            except PlaywrightError as exc:
                raise Skipped(f"Chromium did not start: {str(exc).splitlines()[0]}") from None
            try:
                # the stand-in's link to the bridge is a WebSocket to another port, which
                # the page's CSP (connect-src 'self') would refuse
                ctx = browser.new_context(bypass_csp=True)
                ctx.add_init_script(standin.stand_in_script({"cz": (BROWSER_PORT,)},
                                                            link=bridge.url))
                page = ctx.new_page()
                errors: list[str] = []
                page.on("pageerror", lambda e: errors.append(str(e)))
                page.goto(f"{web.base}/?token={web.token}")
                page.click("nav button:has-text('Devices')")
                page.check("syx-devices .webmidi-on")
                page.wait_for_selector("syx-devices .backend[data-backend=browser] "
                                       f"li:has-text('{BROWSER_PORT}')")
                started = time.monotonic()
                job_id = web.call("POST", "/api/jobs", body)["id"]
                job = web.until_over(job_id)
                seconds = time.monotonic() - started
                if errors:
                    raise RuntimeError(f"{path.name}: the page failed: {errors}")
            finally:
                browser.close()
    finally:
        stop.set()
        server.join(2)
        bridge.close()
        device_side.close()
    if job["state"] != "done":
        raise RuntimeError(f"{path.name}: job {job['state']}: {job['error']}")
    if path.form and job.get("form") != path.form:
        raise RuntimeError(f"{path.name}: the job ran the {job.get('form')} form, not {path.form}")
    return seconds, job["progress"]["seconds"]


@dataclass
class WebPath:
    """A way in through the web server for a CLI-path case: ``job`` is the POST /api/jobs body
    (device, port, backend and pacing are filled in by ``run``), ``run(path, case, server)``
    returns (seconds as the user waits, seconds the job counted). ``form``: the protocol form
    the path's backend makes the job use when it is not the CLI path's (its own floor is then
    simulated with it)."""

    name: str
    case: str  # the CLI-path case it is set against
    job: dict[str, Any] = field(default_factory=dict)
    run: Callable[[WebPath, Case, WebServer], tuple[float, float]] = run_web_job
    form: str | None = None


WEB_PATHS = [
    WebPath("cz101-backup-16-internal (web)", "cz101-backup-16-internal", {"command": "backup"}),
    WebPath("rz1-sample-ram-fetch (web)", "rz1-sample-ram-fetch",
            {"command": "request", "what": "sample-ram"}),
    WebPath("cz101-backup-16-internal (browser)", "cz101-backup-16-internal",
            {"command": "backup"}, run_browser_job, form="embedded"),
]


def path_host(path: WebPath, case: Case) -> Any:
    """The host protocol the path's job runs: the case's backup in the path's form."""
    dev = registry.get(case.device)
    opts = {"model": case.emulator["model"]} if "model" in case.emulator else {}
    return dev.backup_protocol(Options(**opts, form=path.form))


def own_floor(path: WebPath, case: Case) -> tuple[float, int]:
    """The wire floor of what the path runs (seconds, bytes)."""
    result = simulate(path_host(path, case), _emulator(case), rate=WIRE_BYTES_PER_SECOND)
    if not result.ok:
        raise RuntimeError(f"{path.name}: {result.error}")
    return result.wire_bytes / WIRE_BYTES_PER_SECOND, result.wire_bytes


def measure_web(path: WebPath, cli_row: dict[str, Any], web: WebServer, repeat: int = 1) -> dict[str, Any]:
    case = next(c for c in CASES if c.name == path.case)
    try:
        seconds, job_seconds = min(path.run(path, case, web) for _ in range(repeat))
    except Skipped as exc:
        return {"case": path.name, "cli_case": path.case, "skipped": str(exc)}
    floor, wire = ((cli_row["floor_seconds"], cli_row["wire_bytes"]) if path.form is None
                   else own_floor(path, case))
    return {"case": path.name, "cli_case": path.case, "form": path.form,
            "seconds": round(seconds, 3),
            "job_seconds": round(job_seconds, 3), "floor_seconds": round(floor, 3),
            "wire_bytes": wire, "ratio_to_floor": round(seconds / floor, 3),
            "cli_floor_seconds": cli_row["floor_seconds"], "cli_seconds": cli_row["seconds"],
            "ratio_to_cli": round(seconds / cli_row["seconds"], 3),
            "job_ratio_to_cli": round(job_seconds / cli_row["seconds"], 3)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print a JSON list, one object per case")
    parser.add_argument("--simulate", action="store_true", help="virtual time only (fast)")
    parser.add_argument("--case", action="append", help="run only these cases")
    parser.add_argument("--repeat", type=int, default=1,
                        help="real-time runs per case and path; the best counts (default 1)")
    parser.add_argument("--no-web", action="store_true", help="leave out the web paths")
    args = parser.parse_args(argv)
    cases = [c for c in CASES if not args.case or c.name in args.case]
    rows = [measure(c, args.simulate, args.repeat) for c in cases]
    by_case = {r["case"]: r for r in rows}
    paths = [] if args.simulate or args.no_web else [p for p in WEB_PATHS if p.case in by_case]
    web_rows = []
    if paths:
        web = WebServer()
        try:
            web_rows = [measure_web(p, by_case[p.case], web, args.repeat) for p in paths]
        finally:
            web.close()
    if args.json:
        print(json.dumps(rows + web_rows, indent=2))
        return 0
    mode = "simulated" if args.simulate else "real time over a pty"
    print(f"transfers at {WIRE_BYTES_PER_SECOND} B/s ({mode}); fixed pause: simulated")
    print(f"{'case':28} {'seconds':>9} {'floor':>8} {'x floor':>8} {'fixed':>9} {'x floor':>8}")
    for r in rows:
        print(f"{r['case']:28} {r['seconds']:9.3f} {r['floor_seconds']:8.3f} {r['ratio_to_floor']:8.3f} "
              f"{r['fixed_pause_seconds']:9.3f} {r['fixed_pause_ratio_to_floor']:8.3f}")
    for r in rows:
        print(f"  {r['case']}: fixed pause = {r['fixed_pause']}")
    if web_rows:
        print("\nweb paths: a job of `syxkit web` (POST /api/jobs until its done event), same run")
        print(f"{'path':34} {'seconds':>9} {'floor':>8} {'x floor':>8} {'CLI':>8} {'web/CLI':>8} "
              f"{'job s':>8} {'job/CLI':>8}")
        for r in web_rows:
            if "skipped" in r:
                print(f"{r['case']:34} skipped: {r['skipped']}")
                continue
            print(f"{r['case']:34} {r['seconds']:9.3f} {r['floor_seconds']:8.3f} "
                  f"{r['ratio_to_floor']:8.3f} {r['cli_seconds']:8.3f} {r['ratio_to_cli']:8.3f} "
                  f"{r['job_seconds']:8.3f} {r['job_ratio_to_cli']:8.3f}")
        for r in web_rows:
            if r.get("form"):
                print(f"  {r['case']}: the {r['form']} form (whole messages only), its own floor "
                      f"{r['floor_seconds']:.3f} s ({r['wire_bytes']} B); the CLI path's "
                      f"{r['cli_floor_seconds']:.3f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
