"""Loads bench/fuzz.py (the campaign runner) as a module, for the smoke test and the
regression tests: both use its targets and oracles, so a fixed finding stays fixed under the
same definition of "finding" the campaign uses."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench" / "fuzz.py"


def load_fuzz():
    name = "syxkit_bench_fuzz"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, BENCH)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module  # dataclasses look their module up while the class is built
        spec.loader.exec_module(module)
    return sys.modules[name]
