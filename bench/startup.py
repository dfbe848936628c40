#!/usr/bin/env python3
"""Start-up time: how long syxkit takes for a small job, as a multiple of starting Python.

Times whole processes, in one run and interleaved (each round runs every command once, so load
on a shared machine falls on all of them alike):

- ``python -c pass``: the interpreter syxkit runs on, doing nothing (the floor);
- ``syxkit --version``;
- ``syxkit info EXAMPLE.syx``, once per built-in driver: its example dump (``example()``: a CZ
  tone, a VZ voice, an RZ-1 sample RAM, a K-Station program, a DTX kit), since each driver
  brings its own modules to the start;
- ``syxkit info --json TONE.syx``: the CZ tone as JSON, to compare with the piped table;
- ``syxkit lib search demo``: a library of the drivers' example dumps, made in a temp folder.

For each: the median wall time over ``--repeat`` rounds and the median CPU time (user + system
of the child process, which other load on the machine disturbs less), each also as a ratio to
``python -c pass``. The target is ``syxkit info`` on one file within 4x of a bare Python start,
for every device: the verdict line says whether each ``syxkit info`` row is.

Bytecode: by default every process caches compiled modules in a temporary folder
(``PYTHONPYCACHEPREFIX``), after warm-up runs: that is what an installed syxkit has after its
first run. ``--as-is`` keeps the environment instead (with ``PYTHONDONTWRITEBYTECODE`` set,
every run compiles syxkit's sources again, which is not what a user waits for).

Commands print to a pipe (not a terminal), as in a script. Prints a table (or ``--json``: one
object with the same figures). Speed is measured here, never asserted in tests.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET = 4.0  # syxkit info on one file, as a multiple of python -c pass


def syxkit_command(explicit: str | None) -> list[str]:
    """The ``syxkit`` entry point installed beside this interpreter (what a user runs), else
    ``python -m syxkit``."""
    if explicit:
        return [explicit]
    script = Path(sys.executable).parent / "syxkit"
    return [str(script)] if script.is_file() else [sys.executable, "-m", "syxkit"]


def make_inputs(folder: Path, syxkit: list[str], env: dict[str, str]) -> tuple[dict[str, Path], Path]:
    """Every built-in driver's example dump as a file (by device id), and a small library
    holding them."""
    from syxkit.devices import registry

    examples = folder / "examples"
    examples.mkdir()
    files: dict[str, Path] = {}
    for builtin in registry.BUILTIN:  # built-ins only: a plug-in's start is its own business
        data = registry.get(builtin.id).example()
        if data is None:
            raise SystemExit(f"the {builtin.id} driver has no example dump to time 'syxkit info' on")
        files[builtin.id] = examples / f"{builtin.id}.syx"
        files[builtin.id].write_bytes(data)
    library = folder / "library.sqlite"
    run(syxkit + ["lib", "--library", str(library), "import", str(examples)], env, check=True)
    return files, library


def run(cmd: list[str], env: dict[str, str], *, check: bool = False) -> subprocess.CompletedProcess:
    proc = subprocess.run(cmd, env=env, stdin=subprocess.DEVNULL, capture_output=True)
    if check and proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed (exit {proc.returncode}):\n"
                         f"{proc.stderr.decode(errors='replace')}")
    return proc


def timed(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU seconds of one run of ``cmd`` as a whole process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(cmd, env=env, stdin=subprocess.DEVNULL, capture_output=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed (exit {proc.returncode}):\n"
                         f"{proc.stderr.decode(errors='replace')}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def measure(repeat: int, warmup: int, syxkit_path: str | None, as_is: bool) -> dict:
    syxkit = syxkit_command(syxkit_path)
    with tempfile.TemporaryDirectory(prefix="syxkit-startup-") as tmp:
        folder = Path(tmp)
        env = dict(os.environ)
        if not as_is:
            env.pop("PYTHONDONTWRITEBYTECODE", None)
            env["PYTHONPYCACHEPREFIX"] = str(folder / "pycache")
        env.pop("SYXKIT_LIBRARY", None)
        examples, library = make_inputs(folder, syxkit, env)
        commands = {
            "python -c pass": [sys.executable, "-c", "pass"],
            "syxkit --version": syxkit + ["--version"],
            **{f"syxkit info {dev}": syxkit + ["info", str(path)] for dev, path in examples.items()},
            "syxkit info --json casio-cz": syxkit + ["info", "--json", str(examples["casio-cz"])],
            "syxkit lib search": syxkit + ["lib", "--library", str(library), "search", "demo"],
        }
        # each command must do its job, or its time means nothing
        found = json.loads(run(syxkit + ["lib", "--library", str(library), "search", "demo", "--json"],
                               env, check=True).stdout)
        if not found:
            raise SystemExit("the benchmark library holds no patch named 'demo'")
        for dev in examples:
            if f"\t{dev}".encode() not in run(commands[f"syxkit info {dev}"], env, check=True).stdout:
                raise SystemExit(f"syxkit info did not recognise the {dev} example")
        for _ in range(warmup):  # fills the bytecode cache and the OS file cache
            for cmd in commands.values():
                run(cmd, env, check=True)
        walls: dict[str, list[float]] = {name: [] for name in commands}
        cpus: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(repeat):
            for name, cmd in commands.items():
                wall, cpu = timed(cmd, env)
                walls[name].append(wall)
                cpus[name].append(cpu)
    base_wall = statistics.median(walls["python -c pass"])
    base_cpu = statistics.median(cpus["python -c pass"])
    rows = []
    for name in commands:
        wall, cpu = statistics.median(walls[name]), statistics.median(cpus[name])
        rows.append({
            "command": name, "wall_ms": round(wall * 1000, 1), "wall_min_ms": round(min(walls[name]) * 1000, 1),
            "cpu_ms": round(cpu * 1000, 1),
            "wall_ratio": round(wall / base_wall, 2) if base_wall else None,
            "cpu_ratio": round(cpu / base_cpu, 2) if base_cpu else None,
        })
    info = [r for r in rows if r["command"].startswith("syxkit info")]
    slow = [r["command"] for r in info if r["wall_ratio"] is None or r["wall_ratio"] > TARGET]
    return {
        "python": sys.executable, "syxkit": " ".join(syxkit), "repeat": repeat,
        "bytecode": "environment as is" if as_is else "cached in a temporary folder",
        "rows": rows, "target_ratio": TARGET,
        "info_within_target": not slow, "info_over_target": slow,
    }


def print_table(f: dict) -> None:
    print(f"python: {f['python']}; syxkit: {f['syxkit']}; median of {f['repeat']} runs; "
          f"bytecode {f['bytecode']}")
    print(f"{'command':<37}{'wall ms':>9}{'x python':>10}{'CPU ms':>9}{'x python':>10}")
    for r in f["rows"]:
        print(f"{r['command']:<37}{r['wall_ms']:>9}{r['wall_ratio']:>10}{r['cpu_ms']:>9}{r['cpu_ratio']:>10}")
    verdict = ("met for every device" if f["info_within_target"]
               else "NOT met by " + ", ".join(f["info_over_target"]))
    print(f"target: syxkit info within {f['target_ratio']}x of python -c pass (wall): {verdict}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=21, help="timed rounds (median taken)")
    parser.add_argument("--warmup", type=int, default=2, help="untimed rounds first")
    parser.add_argument("--syxkit", help="the syxkit command to time (default: beside this python)")
    parser.add_argument("--as-is", action="store_true",
                        help="keep the environment's bytecode settings (see the module help)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    if args.repeat < 1 or args.warmup < 0:
        parser.error("--repeat must be at least 1 and --warmup at least 0")
    figures = measure(args.repeat, args.warmup, args.syxkit, args.as_is)
    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        print_table(figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
