"""``syxkit info --json`` over the real-dump corpus: every file in MANIFEST.tsv reported, with the
right number and length of complete messages, and the right maker. Device-specific fields are
left to the drivers' own tests."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest

MAKERS = {"cz": "Casio", "vz": "Casio", "rz1": "Casio", "astation": "Novation (Focusrite)"}


_REPORTS: dict[Path, tuple] = {}  # one run of the command serves every test


@pytest.fixture
def corpus_report(corpus):
    if corpus not in _REPORTS:
        _REPORTS[corpus] = _report(corpus)
    return _REPORTS[corpus]


def _report(root: Path):
    proc = subprocess.run([sys.executable, "-m", "syxkit", "info", "--json", str(root)],
                          capture_output=True, text=True, timeout=120)
    rows = json.loads(proc.stdout)
    by_file: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        by_file[Path(row["path"]).relative_to(root).as_posix()].append(row)
    with open(root / "MANIFEST.tsv", newline="") as fh:
        manifest = list(csv.DictReader(fh, delimiter="\t"))
    return root, proc, by_file, manifest


def test_runs_cleanly(corpus_report):
    _, proc, _, manifest = corpus_report
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    assert len(manifest) >= 20


def test_every_manifest_file_is_reported(corpus_report):
    _, _, by_file, manifest = corpus_report
    for entry in manifest:
        rows = by_file.get(entry["path"])
        assert rows, f"{entry['path']} is not in the report"
        assert all("error" not in r for r in rows), rows


def test_complete_message_counts_and_lengths(corpus_report):
    root, _, by_file, manifest = corpus_report
    checked = 0
    for entry in manifest:
        expected = int(entry["messages"])
        if expected == 0:
            continue
        data = (root / entry["path"]).read_bytes()
        assert len(data) == int(entry["bytes"])
        length = int(entry["bytes"]) // expected
        rows = by_file[entry["path"]]
        complete = [r for r in rows if r["length"] == length and r["offset"] is not None
                    and data[r["offset"]] == 0xF0 and data[r["offset"] + r["length"] - 1] == 0xF7]
        assert len(complete) == expected == len(rows), entry["path"]
        assert [r["index"] for r in rows] == list(range(expected))
        assert [r["offset"] for r in rows] == [i * length for i in range(expected)]
        assert {r["manufacturer"] for r in rows} == {MAKERS[entry["device"]]}, entry["path"]
        checked += 1
    assert checked >= 15


def test_rz1_host_side_capture_is_one_unterminated_row(corpus_report):
    root, _, by_file, _ = corpus_report
    name = "rz1/rz1_sample_dump_host_side.bin"
    data = (root / name).read_bytes()
    (row,) = by_file[name]
    assert (row["index"], row["offset"], row["length"]) == (0, 0, len(data)) == (0, 0, 267)
    assert data[-1] != 0xF7
    assert row["manufacturer"] == "Casio"


def test_text_notes_are_reported_without_messages(corpus_report):
    _, _, by_file, _ = corpus_report
    (row,) = by_file["rz1/README.txt"]
    assert row["index"] is None and row["form"] == "text"


def test_vz_dos_files_are_reported(corpus_report):
    _, _, by_file, manifest = corpus_report
    dos = [e["path"] for e in manifest if e["path"].startswith("vz/dos_files/")]
    assert len(dos) >= 5
    for path in dos:
        assert by_file[path]
