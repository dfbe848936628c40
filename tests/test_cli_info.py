"""``syxkit info``: the JSON contract, the table, exit codes, and many unreadable files."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
import time
import zipfile

import pytest
from click.testing import CliRunner

from syxkit.cli import cli, output
from syxkit.core.message import Message
from syxkit.devices import registry
from syxkit.devices.base import Device, Dump

ROLAND = bytes([0xF0, 0x41, 0x10, 0x42, 0x12, 0x40, 0x00, 0x7F, 0x00, 0x41, 0xF7])
KORG = bytes([0xF0, 0x42, 0x30, 0x00, 0x01, 0x2F, 0x55, 0xF7])
FIELDS = ["path", "index", "offset", "length", "manufacturer", "device", "model", "kind", "channel",
          "bank", "program", "slot", "name", "checksum", "problems"]


def run(*args):
    return CliRunner().invoke(cli, ["info", *map(str, args)])


def rows_of(result):
    return json.loads(result.stdout)


class Gadget(Device):
    """A device of the tests: F0 7D 22 <channel> <program> <name…> F7."""

    id = "test-gadget"
    title = "Gadget (tests)"
    prefixes = (b"\xf0\x7d\x22",)

    def identify(self, message: Message) -> Dump | None:
        body = message.body
        if len(body) < 4:
            return None
        return Dump(self.id, "patch", message, model="G-1", channel=body[2] + 1, bank=0,
                    program=body[3], slot=f"Patch {body[3] + 1}", name=bytes(body[4:]).decode("ascii"),
                    checksum="ok")


@pytest.fixture
def gadget():
    dev = registry.register(Gadget)
    yield dev
    registry.unregister(dev.id)


def test_json_fields_for_plain_messages(tmp_path):
    path = tmp_path / "two.syx"
    path.write_bytes(ROLAND + KORG)
    result = run("--json", path)
    assert result.exit_code == 0, result.output
    rows = rows_of(result)
    assert [list(r)[: len(FIELDS)] for r in rows] == [FIELDS, FIELDS]
    first, second = rows
    assert first == {**first, "path": str(path), "index": 0, "offset": 0, "length": 11,
                     "manufacturer": "Roland", "device": None, "model": None, "kind": None,
                     "channel": None, "bank": None, "program": None, "slot": None, "name": None,
                     "checksum": "none", "problems": []}
    assert (second["index"], second["offset"], second["length"], second["manufacturer"]) == (1, 11, 8, "Korg")


def test_json_fields_from_a_device(tmp_path, gadget):
    path = tmp_path / "g.syx"
    path.write_bytes(b"\xf0\x7d\x22\x04\x05PAD\xf7")
    rows = rows_of(run("--json", path))
    (row,) = rows
    assert {k: row[k] for k in FIELDS[4:]} == {
        "manufacturer": "Non-commercial (education / development)", "device": "test-gadget",
        "model": "G-1", "kind": "patch", "channel": 5, "bank": 0, "program": 5, "slot": "Patch 6",
        "name": "PAD", "checksum": "ok", "problems": []}


def test_problems_name_offset_and_expectation_and_exit_is_still_0(tmp_path):
    path = tmp_path / "bad.syx"
    path.write_bytes(b"\x00\x00" + ROLAND[:4] + b"\xfe" + ROLAND[4:] + KORG[:-1])
    result = run("--json", path)
    assert result.exit_code == 0
    first, second = rows_of(result)
    assert first["problems"] == [
        "offset 0 (0x0): 2 byte(s) outside any SysEx message skipped (expected F0, found 00)",
        "offset 6 (0x6): real-time byte FE inside SysEx removed",
    ]
    assert first["length"] == 12  # the original bytes, real-time byte included
    assert second["problems"] == [
        "offset 21 (0x15): end of data without F7 (SysEx started at offset 14 is unterminated)"]


def test_file_without_messages_gets_one_row(tmp_path):
    (tmp_path / "notes.txt").write_text("Just some words about my synth.\n")
    (row,) = rows_of(run("--json", tmp_path / "notes.txt"))
    assert row["index"] is None and row["length"] == 0 and row["checksum"] == "none"
    assert row["problems"][0].startswith("offset 0 (0x0): text file, not hex SysEx")


def test_folders_zips_and_hex_together(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "k.syx").write_text("F0 42 30 00 01 2F 55 F7")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("r.syx", ROLAND)
    (tmp_path / "a.zip").write_bytes(buf.getvalue())
    result = run("--json", tmp_path)
    assert result.exit_code == 0
    got = [(r["path"], r["manufacturer"], r["form"]) for r in rows_of(result)]
    assert got == [(f"{tmp_path / 'a.zip'}!r.syx", "Roland", "raw"),
                   (str(tmp_path / "sub" / "k.syx"), "Korg", "hex")]


def test_table_output(tmp_path, gadget):
    """On a terminal: one table per file under a title line."""
    path = tmp_path / "mixed.syx"
    path.write_bytes(ROLAND + b"\xf0\x7d\x22\x00\x07BASS\xf7" + KORG[:-1])
    (tmp_path / "empty.syx").write_bytes(b"")
    # TTY_COMPATIBLE: rich (and syxkit's is_pipe) take the runner's output for a terminal; the
    # consoles are made afresh for this run and dropped after it
    fresh = ("console", "err_console")
    saved = {name: output.__dict__.pop(name) for name in fresh if name in output.__dict__}
    try:
        result = CliRunner().invoke(cli, ["info", str(tmp_path)], env={"COLUMNS": "200", "TTY_COMPATIBLE": "1"})
    finally:
        for name in fresh:
            output.__dict__.pop(name, None)
        output.__dict__.update(saved)
    assert result.exit_code == 0
    out = re.sub(r"\x1b\[[0-9;]*m", "", result.stdout)  # colours off: compare the text
    cells = [c.strip() for line in out.splitlines() for c in line.split("│")]
    assert f"{path}  (raw, 3 messages)" in out
    assert {"Roland", "Korg", "Patch 8", "BASS", "patch", "ok"} <= set(cells)
    assert "test-gadget (G-1)" in cells
    assert "offset 28 (0x1C): end of data without F7 (SysEx started at offset 21 is unterminated)" in cells
    assert f"{tmp_path / 'empty.syx'}  (empty, no SysEx message)" in out
    assert "file is empty (expected SysEx data)" in out
    assert "2 file(s), 3 message(s)" in out


def test_piped_output_is_tab_separated(tmp_path, gadget):
    """Not on a terminal: one header line, then one line per message (and per part of a bulk
    dump) with every column, the path first; the summary goes to stderr."""
    path = tmp_path / "mixed.syx"
    path.write_bytes(ROLAND + b"\xf0\x7d\x22\x00\x07BASS\xf7" + KORG[:-1])
    (tmp_path / "empty.syx").write_bytes(b"")
    result = CliRunner().invoke(cli, ["info", str(tmp_path)])
    assert result.exit_code == 0
    lines = [line.split("\t") for line in result.stdout.splitlines()]
    header = lines[0]
    assert header[:4] == ["path", "#", "offset", "bytes"] and header[-1] == "problems"
    assert all(len(line) == len(header) for line in lines)
    rows = [dict(zip(header, line, strict=True)) for line in lines[1:]]
    assert [(r["path"], r["#"], r["offset"]) for r in rows] == [
        (str(tmp_path / "empty.syx"), "", ""),
        (str(path), "1", "0"), (str(path), "2", "11"), (str(path), "3", "21")]
    assert rows[0]["problems"] == "offset 0 (0x0): file is empty (expected SysEx data)"
    assert rows[2]["device / maker"] == "test-gadget (G-1)" and rows[2]["name"] == "BASS"
    assert rows[3]["problems"] == ("offset 28 (0x1C): end of data without F7 (SysEx started at "
                                   "offset 21 is unterminated)")
    assert result.stderr.splitlines() == ["2 file(s), 3 message(s), 2 with problems"]


def test_piped_output_keeps_tabs_and_line_breaks_out_of_cells(tmp_path):
    """A file name with a tab or a line break cannot shift the columns."""
    path = tmp_path / "a\tb\nc.syx"
    path.write_bytes(KORG)
    result = CliRunner().invoke(cli, ["info", str(path)])
    assert result.exit_code == 0
    (header, row) = result.stdout.splitlines()
    assert len(row.split("\t")) == len(header.split("\t"))
    assert row.split("\t")[0] == str(path).replace("\t", " ").replace("\n", "; ")


def test_unreadable_file_exit_1_with_one_line(tmp_path):
    good = tmp_path / "good.syx"
    good.write_bytes(KORG)
    bad = tmp_path / "bad.mid"
    bad.write_bytes(b"MThd\x00")
    result = run("--json", good, bad)
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"error: {bad}: not a readable MIDI file: file ends inside the MThd header at offset 0 "
        "(expected 14 bytes: 'MThd', length, format, tracks, division)"]
    rows = rows_of(result)
    assert [r["path"] for r in rows] == [str(good), str(bad)]
    assert rows[1]["error"].startswith("not a readable MIDI file") and rows[1]["index"] is None
    assert rows[1]["problems"] == [rows[1]["error"]]
    assert "error" not in rows[0]


def test_missing_path_is_exit_1(tmp_path):
    result = run(tmp_path / "nope.syx")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == f"error: {tmp_path / 'nope.syx'}: no such file or folder"


@pytest.mark.parametrize("args", [[], ["--bogus", "x.syx"]])
def test_usage_errors_exit_2(args):
    result = CliRunner().invoke(cli, ["info", *args])
    assert result.exit_code == 2


def test_thousands_of_unreadable_files_one_line_each(tmp_path):
    """A folder full of broken files: one plain line per file, no traceback, quickly."""
    for i in range(1000):
        (tmp_path / f"broken{i:04}.zip").write_bytes(b"PK\x03\x04" + bytes([i % 256]) * 30)
        (tmp_path / f"broken{i:04}.mid").write_bytes(b"MThd\x00\x00\x00\x06\x00")
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "syxkit", "info", str(tmp_path)],
                          capture_output=True, text=True, timeout=120)
    elapsed = time.perf_counter() - t0
    assert proc.returncode == 1
    *lines, summary = proc.stderr.splitlines()
    assert len(lines) == 2000
    assert "Traceback" not in proc.stderr
    assert all(line.startswith(f"error: {tmp_path / 'broken'}") for line in lines)
    assert sum(": not a readable zip archive: " in line for line in lines) == 1000
    assert sum(": not a readable MIDI file: " in line for line in lines) == 1000
    assert summary == "2000 file(s), 0 message(s), 2000 file(s) could not be read"
    assert elapsed < 60  # generous: a hang or a per-file traceback storm would blow it


def test_json_for_many_unreadable_files_is_one_array(tmp_path):
    for i in range(300):
        (tmp_path / f"b{i:03}.zip").write_bytes(b"PK\x03\x04garbage")
    result = run("--json", tmp_path)
    assert result.exit_code == 1
    rows = rows_of(result)
    assert len(rows) == 300 and all(r["error"].startswith("not a readable zip") for r in rows)
    assert len(result.stderr.splitlines()) == 300
