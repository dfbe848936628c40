"""Splitting a cut-short or damaged bulk writes the whole parts and never a damaged part as if
it were a sound: the damaged ones are named with what is wrong, and the command fails (found
by the fuzz campaign: a VZ split wrote a part ending in F7 F7)."""

from __future__ import annotations

import subprocess
import sys

from syxkit.devices.casio_vz.messages import bulk_file
from syxkit.devices.casio_vz.sounds import example_voice, with_name
from syxkit.devices.casio_vz.table import VOICE
from syxkit.ops import files


def bank() -> bytes:
    return bulk_file([with_name(example_voice(), f"V {k:02d}", VOICE) for k in range(64)])


def test_cut_short_bulk_writes_whole_parts_only(tmp_path):
    data = bank()
    cut = tmp_path / "cut.syx"
    cut.write_bytes(data[:30000] + b"\xf7")
    done = files.split([str(cut)], str(tmp_path / "out"))
    assert len(done.paths) == 44 and len(done.skipped) == 1
    name, wrong = done.skipped[0]
    assert "45" in name and "ends after" in wrong
    for p in done.paths:
        assert files.damage(p.read_bytes()) == ""
    proc = subprocess.run([sys.executable, "-m", "syxkit", "split", str(cut), "-o",
                           str(tmp_path / "cli")], capture_output=True, text=True)
    assert proc.returncode == 1
    assert "error:" in proc.stderr and "not written" in proc.stderr
    assert len(list((tmp_path / "cli").iterdir())) == 44


def test_a_bad_nibble_leaves_that_voice_out(tmp_path):
    data = bytearray(bank())
    data[5000] = 0x1F  # not a nibble
    path = tmp_path / "bad.syx"
    path.write_bytes(bytes(data))
    done = files.split([str(path)], str(tmp_path / "out"))
    assert len(done.paths) == 63
    assert "not a nibble" in done.skipped[0][1]


def test_a_whole_bulk_splits_into_64(tmp_path):
    path = tmp_path / "ok.syx"
    path.write_bytes(bank())
    done = files.split([str(path)], str(tmp_path / "out"))
    assert len(done.paths) == 64 and done.skipped == []
