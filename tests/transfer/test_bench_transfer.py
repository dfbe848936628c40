"""The transfer benchmark runs and reports every case (simulated: figures are not asserted)."""

import importlib.util
import json
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_bench_transfer_json_keys():
    out = subprocess.run([sys.executable, str(REPO / "bench" / "transfer.py"), "--simulate", "--json"],
                         capture_output=True, text=True, timeout=240, check=True).stdout
    rows = json.loads(out)
    assert [r["case"] for r in rows] == [
        "cz101-backup-16-internal", "rz1-sample-ram-fetch", "kstation-4-banks-global",
        "vz-64-voice-bulk-receive"]
    for r in rows:
        assert {"case", "seconds", "floor_seconds", "fixed_pause_seconds"} <= set(r)
        assert r["floor_seconds"] > 0 and r["wire_bytes"] > 0


def test_bench_transfer_web_path_runs_beside_the_cli_path():
    """The web path (a real ``syxkit web`` job over a pty) runs in the same real-time run as
    the CLI path and is set against it (figures are not asserted, only that both are there)."""
    out = subprocess.run([sys.executable, str(REPO / "bench" / "transfer.py"), "--json",
                          "--case", "cz101-backup-16-internal"],
                         capture_output=True, text=True, timeout=240, check=True).stdout
    rows = {r["case"]: r for r in json.loads(out)}
    web = rows["cz101-backup-16-internal (web)"]
    assert web["cli_seconds"] == rows["cz101-backup-16-internal"]["seconds"]
    assert web["seconds"] > web["floor_seconds"] * 0.9 and web["ratio_to_cli"] > 0
    assert 0 < web["job_seconds"] <= web["seconds"]
    # the browser backend (Chromium and the Web MIDI stand-in) in the same run, or why not
    browser = rows["cz101-backup-16-internal (browser)"]
    if shutil.which("chromium") and importlib.util.find_spec("playwright"):
        assert "skipped" not in browser, browser
        assert browser["form"] == "embedded" and browser["cli_seconds"] == web["cli_seconds"]
        assert browser["seconds"] > browser["floor_seconds"] * 0.9
        assert 0 < browser["job_seconds"] <= browser["seconds"]
    else:
        assert browser["skipped"]


def _bench_module():
    spec = importlib.util.spec_from_file_location("bench_transfer", REPO / "bench" / "transfer.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_bench_transfer_browser_path_is_set_against_its_own_embedded_floor():
    """The browser path's floor is simulated in the form a whole-message port makes the job use
    (embedded), not taken from the CLI path's row; a row saying otherwise would misstate it."""
    from syxkit.devices import registry
    from syxkit.transfer.sim import simulate

    bench = _bench_module()
    path = next(p for p in bench.WEB_PATHS if "(browser)" in p.name)
    assert path.form == "embedded" and path.job["command"] == "backup"
    case = next(c for c in bench.CASES if c.name == path.case)
    sim = simulate(bench.path_host(path, case), bench._emulator(case), rate=None)
    assert sim.ok and len(sim.result) == 16
    # the request whole, the go-ahead inside it; the CLI path's form leaves it open (no F7)
    first = bench.path_host(path, case).start(0.0).send
    assert first == bytes.fromhex("F0 44 00 00 70 10 20 70 31 F7"), first.hex(" ")
    assert case.host(registry.get(case.device)).start(0.0).send == bytes.fromhex(
        "F0 44 00 00 70 10 20")
    seconds, wire = bench.own_floor(path, case)
    assert wire == sim.wire_bytes and seconds == wire / bench.WIRE_BYTES_PER_SECOND


def test_bench_transfer_browser_path_says_why_it_is_skipped(monkeypatch):
    """Without Chromium the browser path is a row saying so, in place of figures; nothing is
    started (not even a server is needed), so the bench goes on with the other paths."""
    bench = _bench_module()
    monkeypatch.setattr(bench.shutil, "which", lambda name: None)
    path = next(p for p in bench.WEB_PATHS if "(browser)" in p.name)
    row = bench.measure_web(path, {"seconds": 1.0, "floor_seconds": 1.0, "wire_bytes": 1}, web=None)
    assert row == {"case": path.name, "cli_case": "cz101-backup-16-internal",
                   "skipped": "Debian's chromium is not installed (apt-get install chromium)"}
