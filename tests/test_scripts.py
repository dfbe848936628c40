"""The two-command setup (README, scripts/demo, scripts/test, .ci/run), ``syxkit demo`` and the
parse benchmark (run tiny: its figures, not its speed, are checked)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("script", ["scripts/demo", "scripts/test", ".ci/run"])
def test_scripts_exist_and_are_executable(script):
    path = REPO / script
    assert path.is_file(), script
    assert os.access(path, os.X_OK), f"{script} is not executable"
    assert path.read_text().startswith("#!/usr/bin/env bash")


def test_ci_runs_the_test_script_and_nothing_else():
    lines = [ln.strip() for ln in (REPO / ".ci/run").read_text().splitlines()
             if ln.strip() and not ln.startswith("#")]
    assert lines[-1] == "./scripts/test"
    assert all(not re.search(r"\b(pytest|pip)\b", ln) for ln in lines)


def test_test_script_treats_no_tests_as_failure():
    text = (REPO / "scripts/test").read_text()
    assert '"$rc" -eq 5' in text and "exit 1" in text


def test_readme_starts_with_the_two_commands():
    lines = [ln for ln in (REPO / "README.md").read_text().splitlines() if ln.strip()]
    assert lines[0].startswith("# ")
    assert lines[1].startswith("```")
    commands = [ln.split("#")[0].strip() for ln in lines[2:4]]
    assert commands == ["./scripts/demo", "./scripts/test"]
    assert lines[4].startswith("```")


def test_demo_builds_and_reads_its_examples(tmp_path):
    from syxkit.devices import registry

    out = tmp_path / "demo"
    proc = subprocess.run([sys.executable, "-m", "syxkit", "demo", "-o", str(out)],
                          capture_output=True, text=True, timeout=120, env={**os.environ, "COLUMNS": "200"})
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    with_example = [d.id for d in registry.devices() if d.example() is not None]
    examples = out / "examples"
    written = sorted(p.stem for p in examples.glob("*.syx"))
    assert written == sorted(with_example)
    assert f"{len(written)} example dump(s) built by syxkit in {examples}" in proc.stdout
    assert "Try next:" in proc.stdout
    # piped, the demo serves the web librarian, fetches its page once through the token, stops
    assert re.search(r"^syxkit web: http://127\.0\.0\.1:\d+/\?token=\S+$", proc.stdout, re.M)
    served = re.search(r"^served: the page \([\d,]+ bytes\) and ([\d,]+) patches", proc.stdout, re.M)
    assert served and int(served.group(1).replace(",", "")) > 400
    for name in written:
        assert str(examples / f"{name}.syx") in proc.stdout
    # every built-in device is backed up from its emulator, and the backup reads back clean
    backups = sorted(p.stem for p in (out / "backups").glob("*.syx"))
    assert backups == sorted(f"{d}-backup" for d in with_example)
    info = subprocess.run([sys.executable, "-m", "syxkit", "info", "--json", str(out / "backups")],
                          capture_output=True, text=True, timeout=120)
    rows = json.loads(info.stdout)
    assert rows and all(r["device"] and not r["problems"] for r in rows)
    # the library made from them: a second import adds nothing
    assert "importing again added 0" in proc.stdout
    assert (out / "library.sqlite").exists()


def test_bench_runs_small_and_reports_its_figures():
    proc = subprocess.run([sys.executable, str(REPO / "bench" / "parse.py"), "--size-mb", "0.3",
                           "--slice-mb", "0.05", "--repeat", "1", "--json"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    figures = json.loads(proc.stdout)
    for key in ("syxkit_mb_s", "syxkit_messages_s", "mido_parser_mb_s", "mido_read_syx_mb_s",
                "find_scan_mb_s", "object_floor_mb_s"):
        assert isinstance(figures[key], (int, float)) and figures[key] > 0, key
    assert figures["corpus_mb"] == 0.3 and figures["slice_mb"] == 0.05
    # the same data framed by syxkit and by mido gives messages; the scan sees every F7
    assert figures["messages"] > 100 and figures["f7_bytes"] >= figures["messages"] - 1
    assert figures["mido_parser_messages"] > 0 and figures["mido_read_syx_messages"] > 0


def test_bench_table_and_bad_arguments():
    proc = subprocess.run([sys.executable, str(REPO / "bench" / "parse.py"), "--size-mb", "0.2",
                           "--slice-mb", "0.05", "--repeat", "1"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "syxkit frame()" in proc.stdout and "mido.Parser" in proc.stdout
    proc = subprocess.run([sys.executable, str(REPO / "bench" / "parse.py"), "--size-mb", "0"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
