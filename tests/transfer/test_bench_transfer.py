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
