"""The transfer benchmark runs and reports every case (simulated: figures are not asserted)."""

import json
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
