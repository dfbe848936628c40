"""What the live commands write and print: no earlier backup or recovery file overwritten,
output folder problems as one ``error:`` line (exit 1) with what arrived kept, readable
summaries that quote names and paths verbatim, generated ``request --help``, usage errors
(exit 2). The toy device runs in this process on a pty (the rawmidi path): no JACK needed."""

from __future__ import annotations

import errno
import json
import os
import threading

import click
import pytest
from click.testing import CliRunner
from livetoy import SLOTS, ToyEmulator, default_tone, tone_message

from syxkit.cli import cli, live
from syxkit.emulators.base import EmulatorOptions
from syxkit.midi.rawmidi import open_pty
from syxkit.protocols.base import TransferError
from syxkit.transfer import engine


@pytest.fixture
def toy_port(toy_device, tmp_path):
    """A toy device served on a pty linked at a path; yields (path, emulator)."""
    device, path = open_pty(str(tmp_path / "toy-port"))
    emu = ToyEmulator(EmulatorOptions())
    stop = threading.Event()
    t = threading.Thread(target=engine.serve, args=(emu, device), kwargs={"stop": stop}, daemon=True)
    t.start()
    yield path, emu
    stop.set()
    t.join(5)
    device.close()


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


def one_error_line(res, code: int = 1) -> str:
    """The command failed with ``code`` and said so in one ``error:`` line, no traceback."""
    assert res.exit_code == code, res.output
    assert res.exception is None or isinstance(res.exception, SystemExit), repr(res.exception)
    lines = [x for x in res.output.splitlines() if x.strip()]
    errors = [x for x in lines if x.startswith("error: ")]
    assert len(errors) == 1 and "Traceback" not in res.output, res.output
    return errors[0]


# -- backup never overwrites an earlier backup silently ------------------------------------------
def test_backup_into_a_folder_with_an_earlier_backup_is_refused_without_force(toy_port, tmp_path):
    port, emu = toy_port
    folder = tmp_path / "backup"
    assert run("backup", "live-toy", "--port", port, "-o", str(folder)).exit_code == 0
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    assert "manifest.json" in before and "tone-0.syx" in before

    emu.memory[0] = default_tone(9)  # the device changed since: a second backup differs
    line = one_error_line(run("backup", "live-toy", "--port", port, "-o", str(folder)))
    assert str(folder) in line and "--force" in line and "manifest.json" in line
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before  # nothing touched

    res = run("backup", "live-toy", "--port", port, "-o", str(folder), "--force", "--json")
    assert res.exit_code == 0, res.output
    assert "manifest.json" in json.loads(res.stdout)["replaced"]
    assert (folder / "tone-0.syx").read_bytes() == tone_message(0, default_tone(9))


def test_backup_into_a_folder_with_only_recovery_files_goes_ahead(toy_port, tmp_path):
    port, _ = toy_port
    folder = tmp_path / "backup"
    folder.mkdir()
    old = folder / "live-toy-tone-0-20260101-000000.recovered.syx"
    old.write_bytes(b"\xf0\x7d\x30\x01")
    res = run("backup", "live-toy", "--port", port, "-o", str(folder))
    assert res.exit_code == 0, res.output
    assert old.read_bytes() == b"\xf0\x7d\x30\x01"
    assert "wrote 4 object file(s) (4 tones)" in res.stdout


def test_request_replaces_an_existing_output_file(toy_port, tmp_path):
    port, _ = toy_port
    out = tmp_path / "tone.syx"
    out.write_bytes(b"old")
    res = run("request", "live-toy", "tone:1", "--port", port, "-o", str(out))
    assert res.exit_code == 0, res.output
    assert out.read_bytes() == tone_message(1, default_tone(1))


# -- recovery files ------------------------------------------------------------------------------
def test_recovery_files_never_overwrite_earlier_ones(tmp_path):
    paths = []
    for k in range(3):  # the same device, step and second: the same name but for a suffix
        error = TransferError("live-toy", "tone 0", "F7", bytes([0xF0, k]))
        paths.append(engine.save_recovery(error, tmp_path))
    assert len(set(paths)) == 3
    assert [p.read_bytes() for p in paths] == [bytes([0xF0, k]) for k in range(3)]


def test_recovery_goes_to_the_temporary_folder_when_its_folder_cannot_be_written(tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_bytes(b"x")
    spare = tmp_path / "tmp"
    spare.mkdir()
    monkeypatch.setattr(engine.tempfile, "gettempdir", lambda: str(spare))
    error = TransferError("live-toy", "tone 0", "F7", b"\xf0\x7d\x30")
    path = engine.save_recovery(error, blocker / "sub")
    assert path.parent == spare and path.read_bytes() == b"\xf0\x7d\x30"
    assert str(blocker / "sub") in error.recovery_note


# -- output folder problems: one line, exit 1, what arrived kept --------------------------------
def test_output_under_a_file_is_one_error_line_before_any_transfer(toy_port, tmp_path):
    port, _ = toy_port
    blocker = tmp_path / "notes.txt"
    blocker.write_text("not a folder")
    for args in (("request", "live-toy", "tone:0", "-o", str(blocker / "x.syx")),
                 ("backup", "live-toy", "-o", str(blocker / "dir")),
                 ("backup", "live-toy", "-o", str(blocker)),
                 ("receive", "-o", str(blocker / "x.syx")),
                 ("request", "live-toy", "tone:0", "-o", str(tmp_path / "out.syx"),
                  "--recovery-dir", str(blocker))):
        line = one_error_line(run(*args, "--port", port))
        assert str(blocker) in line and "is a file, not a folder" in line, line


def test_request_output_that_is_a_folder_is_one_error_line(toy_port, tmp_path):
    port, _ = toy_port
    line = one_error_line(run("request", "live-toy", "tone:0", "--port", port, "-o", str(tmp_path)))
    assert str(tmp_path) in line and "folder" in line


def _deny_writing(monkeypatch, folder):
    """A folder this user cannot write in: chmod where that binds (not root); as root (who may
    write anywhere) the access check answers as it would for a read-only folder."""
    if os.geteuid() != 0:
        folder.chmod(0o555)
        return
    real = os.access
    monkeypatch.setattr(live.os, "access",
                        lambda p, mode, **kw: False if os.fspath(p) == os.fspath(folder) else real(p, mode, **kw))


def test_read_only_folder_is_one_error_line(toy_port, tmp_path, monkeypatch):
    port, _ = toy_port
    folder = tmp_path / "ro"
    folder.mkdir()
    _deny_writing(monkeypatch, folder)
    try:
        for args in (("request", "live-toy", "tone:0", "-o", str(folder / "x.syx")),
                     ("backup", "live-toy", "-o", str(folder / "b"))):
            line = one_error_line(run(*args, "--port", port))
            assert f"cannot write in {folder}" in line, line
    finally:
        folder.chmod(0o755)


@pytest.mark.parametrize("err", [errno.ENOSPC, errno.EACCES])
def test_a_failing_write_after_the_transfer_keeps_what_arrived(toy_port, tmp_path, monkeypatch, err):
    """The disk fills up (or permission goes) between the transfer and the write: one error
    line naming the path and why, exit 1, and the fetched bytes in a recovery file."""
    port, _ = toy_port
    real = os.replace

    def failing(src, dst, *a, **kw):  # the final rename of every output write fails
        if str(dst).endswith((".syx", ".json")) and ".recovered" not in str(dst):
            raise OSError(err, os.strerror(err), str(dst))
        return real(src, dst, *a, **kw)

    monkeypatch.setattr(os, "replace", failing)
    out = tmp_path / "tone.syx"
    res = run("request", "live-toy", "tone:2", "--port", port, "-o", str(out))
    line = one_error_line(res)
    assert str(out) in line and ("disk is full" if err == errno.ENOSPC else "permission denied") in line
    recovered = sorted(tmp_path.glob("*.recovered.syx"))
    assert len(recovered) == 1 and str(recovered[0]) in line
    assert recovered[0].read_bytes() == tone_message(2, default_tone(2))
    assert not out.exists()

    folder = tmp_path / "backup"
    line = one_error_line(run("backup", "live-toy", "--port", port, "-o", str(folder)))
    assert str(folder) in line
    kept = [p for p in folder.glob("*.recovered.syx")]
    assert len(kept) == 1 and str(kept[0]) in line
    assert kept[0].read_bytes() == b"".join(tone_message(s, default_tone(s)) for s in range(SLOTS))


# -- summaries: readable, names and paths verbatim ----------------------------------------------
def test_send_prints_a_readable_summary_with_the_destination_from_the_bytes_sent(toy_port, tmp_path):
    port, emu = toy_port
    (tmp_path / "one [bold]tone[").mkdir()
    src = tmp_path / "one [bold]tone[/X].syx"  # "[/X]": a closing tag to rich
    src.write_bytes(tone_message(0, default_tone(7)))
    res = run("send", str(src), "--program", "2", "--port", port)
    assert res.exit_code == 0, res.output
    assert "{" not in res.stdout and "}" not in res.stdout  # not a Python dict
    assert f"sent 1 tone (69 bytes) from {src} to live-toy on rawmidi" in res.stdout
    # The file says slot 0; --program 2 re-addressed it: the summary says where it went.
    assert "stored to:\n  tone -> tone slot 2 (ss=02)" in res.stdout
    assert emu.memory[2] == default_tone(7)
    res = run("send", str(src), "--port", port, "--json")
    assert json.loads(res.stdout)["destinations"] == [
        {"kind": "tone", "name": None, "slot": "tone 0", "store": "tone slot 0 (ss=00)"}]


def test_file_names_with_markup_are_printed_verbatim(toy_port, tmp_path):
    port, _ = toy_port
    (tmp_path / "pad [red]hot[").mkdir()
    out = tmp_path / "pad [red]hot[/X].syx"
    res = run("request", "live-toy", "tone:1", "--port", port, "-o", str(out))
    assert res.exit_code == 0, res.output
    assert f"wrote {out} (69 bytes): tone (tone 1)" in res.stdout
    folder = tmp_path / "pad [red]hot[/X]"
    res = run("backup", "live-toy", "--port", port, "-o", str(folder))
    assert res.exit_code == 0, res.output
    assert f"manifest.json to {folder}\n" in res.stdout


# -- request names and usage errors -------------------------------------------------------------
def test_request_help_lists_each_devices_names_from_the_driver(toy_device):
    res = run("request", "--help")
    assert res.exit_code == 0
    assert "WHAT for live-toy:" in res.stdout
    assert "tone:N" in res.stdout and f"tone slot N, 0-{SLOTS - 1}" in res.stdout
    from syxkit.devices import registry
    from syxkit.devices.base import Device

    for dev in registry.devices():
        if type(dev).request_protocol is not Device.request_protocol:
            assert f"WHAT for {dev.id}:" in res.stdout
            for pattern, _meaning in dev.request_names:
                assert pattern in res.stdout


def test_bad_what_is_a_usage_error_even_before_the_port(toy_device, tmp_path):
    res = run("request", "live-toy", "tone:9", "--port", str(tmp_path / "no-such-port"),
              "-o", str(tmp_path / "x.syx"))
    line = one_error_line(res, 2)
    assert "cannot request 'tone:9'" in line


def test_ports_takes_backend_and_json(monkeypatch):
    res = run("ports", "--backend", "rawmidi", "--json")
    assert res.exit_code == 0, res.output
    assert [r["backend"] for r in json.loads(res.stdout)] == ["rawmidi"]
    res = run("ports", "--backend", "nonsense")
    assert res.exit_code == 2


def test_every_live_option_has_help_text():
    for command in live.COMMANDS:
        for param in command.params:
            if isinstance(param, click.Option):
                assert param.help, f"{command.name} {param.opts} has no help text"
