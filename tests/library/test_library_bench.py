"""bench/library.py runs at a tiny scale and prints the documented JSON keys (not the speed:
speed is the benchmark's business, not the tests')."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from syxkit.devices import registry

BENCH = Path(__file__).resolve().parents[2] / "bench" / "library.py"


def test_bench_tiny_run_json_keys():
    known = {d.id for d in registry.devices()}
    if not {"casio-cz", "casio-vz"} <= known:
        pytest.skip("bench/library.py builds its files with the casio-cz and casio-vz drivers")
    result = subprocess.run([sys.executable, str(BENCH), "--scale", "0.002", "--json"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert {"import_patches_per_s", "search_ms_median", "duplicates_query_ms"} <= set(out)
    assert out["objects"] == out["new"] + out["duplicates"] and out["problem_files"] == 0
    assert out["reimport_new"] == 0 and out["patches"] == out["new"]
