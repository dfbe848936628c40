"""Byte-level MIDI over a pty, the way a Linux rawmidi device file or a serial MIDI port
carries it: ``syxkit emulate`` in its own process makes the pty and links it at --port PATH;
the commands open that path (the rawmidi backend) and run the faithful handshakes through it.
No JACK needed."""

from __future__ import annotations

import json
import os
import threading

import pytest
from click.testing import CliRunner
from livehelpers import EmulatorProcess
from livetoy import SLOTS, ToyEmulator, default_tone, tone_message

from syxkit.cli import cli
from syxkit.emulators.base import EmulatorOptions, Faults
from syxkit.midi import open_port
from syxkit.midi.ports import PortError
from syxkit.midi.rawmidi import open_pty
from syxkit.protocols.base import WIRE_BYTES_PER_SECOND
from syxkit.transfer import engine


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_pty_emulator_request_send_backup_save(plugin_env, toy_device, tmp_path):
    link = tmp_path / "toy-midi"
    saved = tmp_path / "saved.syx"
    emu = EmulatorProcess(["live-toy", "--port", str(link), "--wire-speed",
                           "--save-on-exit", str(saved)], plugin_env)
    try:
        assert emu.ready["backend"] == "rawmidi" and emu.ready["port"] == str(link)
        assert os.readlink(link).startswith("/dev/pts/")
        out = tmp_path / "tone1.syx"
        res = invoke("request", "live-toy", "tone:1", "--port", str(link), "-o", str(out), "--json")
        assert res.exit_code == 0, res.output
        s = json.loads(res.stdout)
        assert s["backend"] == "rawmidi" and s["form"] == "faithful"
        assert out.read_bytes() == tone_message(1, default_tone(1))

        new = tone_message(0, bytes(range(16))[::-1] * 4)
        src = tmp_path / "new.syx"
        src.write_bytes(new)
        res = invoke("send", str(src), "--program", "2", "--port", str(link))
        assert res.exit_code == 0, res.output

        folder = tmp_path / "backup"
        res = invoke("backup", "live-toy", "--port", str(link), "-o", str(folder), "--json")
        assert res.exit_code == 0, res.output
        seconds = json.loads(res.stdout)["seconds"]
        expected = [tone_message(s, default_tone(s)) for s in range(SLOTS)]
        expected[2] = tone_message(2, new[4:-1])
        for s in range(SLOTS):
            assert (folder / f"tone-{s}.syx").read_bytes() == expected[s]
        # At wire speed the device's 4 x 68 answer bytes alone take this long on a cable.
        assert seconds >= 0.9 * SLOTS * 68 / WIRE_BYTES_PER_SECOND
    finally:
        stopped = emu.stop()
    assert saved.read_bytes() == b"".join(expected)
    assert stopped["saved"]["bytes"] == SLOTS * 69
    assert not link.exists()  # the emulator removes its link when it stops


def test_pty_corrupt_byte_fails_clearly_with_recovery(plugin_env, toy_device, tmp_path):
    link = tmp_path / "toy-bad"
    emu = EmulatorProcess(["live-toy", "--port", str(link), "--fault", "corrupt:10"], plugin_env)
    try:
        out = tmp_path / "tone.syx"
        res = invoke("request", "live-toy", "tone:0", "--port", str(link), "--json", "-o", str(out))
    finally:
        emu.stop()
    assert res.exit_code == 1
    s = json.loads(res.stdout)
    assert s["error"].startswith("live-toy: tone 0: corrupt data waiting for nibbles 00-0F")
    damaged = bytearray(b"\xf0\x7d\x30" + default_tone(0) + b"\xf7")
    damaged[10] ^= 0x40
    recovered = (tmp_path / os.path.basename(s["recovery_file"])).read_bytes()
    # Everything up to the damaged byte, and whatever came with it in the same read.
    assert len(recovered) > 10 and damaged.startswith(recovered)
    assert not out.exists()


def test_pty_in_process_serve_and_run(tmp_path):
    """The same over a pty within one process (FdTransport on os.openpty via open_pty)."""
    device, path = open_pty(str(tmp_path / "link"))
    stop = threading.Event()
    t = threading.Thread(target=engine.serve, args=(ToyEmulator(EmulatorOptions()), device),
                         kwargs={"stop": stop}, daemon=True)
    t.start()
    try:
        from livetoy import LiveToy

        from syxkit.devices.base import Options

        for _ in range(2):  # a second session on the same pty: the emulator stays up
            host = open_port(path).transport
            try:
                result = engine.run(LiveToy().request_protocol("tone:3", Options()), host)
            finally:
                host.close()
            assert result[0].data == tone_message(3, default_tone(3))
    finally:
        stop.set()
        t.join(5)
        device.close()


def test_pty_stall_in_process_times_out(tmp_path):
    device, path = open_pty(None)
    emu = ToyEmulator(EmulatorOptions(faults=Faults(stall_after=5)))
    stop = threading.Event()
    t = threading.Thread(target=engine.serve, args=(emu, device), kwargs={"stop": stop}, daemon=True)
    t.start()
    try:
        from livetoy import LiveToy

        from syxkit.devices.base import Options
        from syxkit.protocols.base import TransferError

        host = open_port(path).transport
        with pytest.raises(TransferError, match="timed out waiting for 64 nibbles") as exc:
            engine.run(LiveToy().request_protocol("tone:0", Options(timeout=0.3)), host,
                       recovery_dir=tmp_path)
        host.close()
        assert exc.value.received == b"\xf0\x7d\x30" + default_tone(0)[:2]
        assert os.path.exists(exc.value.recovery_file)
    finally:
        stop.set()
        t.join(5)
        device.close()


def test_missing_device_file_is_a_clear_error(tmp_path):
    with pytest.raises(PortError, match="does not exist"):
        open_port(str(tmp_path / "nothing"))


def test_serial_backend_over_a_pty(toy_device, tmp_path):
    """The serial backend (pyserial, optional) at 31,250 baud, on a pty standing in for a UART."""
    pytest.importorskip("serial", reason="pyserial is optional (pip install pyserial)")
    device, path = open_pty(None)
    stop = threading.Event()
    t = threading.Thread(target=engine.serve, args=(ToyEmulator(EmulatorOptions()), device),
                         kwargs={"stop": stop}, daemon=True)
    t.start()
    try:
        out = tmp_path / "tone.syx"
        res = invoke("request", "live-toy", "tone:2", "--backend", "serial", "--port", path,
                     "-o", str(out), "--json")
        assert res.exit_code == 0, res.output
        s = json.loads(res.stdout)
        assert s["backend"] == "serial" and s["form"] == "faithful"
        assert out.read_bytes() == tone_message(2, default_tone(2))
    finally:
        stop.set()
        t.join(5)
        device.close()


def test_verify_catches_a_damaged_byte_that_no_checksum_would(tmp_path):
    """A K-Station has no checksum: an emulator that damages one data byte of its first answer
    (bit 6 flipped, still a valid 7-bit value) gets through a plain backup unnoticed; with
    --verify every object is read until two reads agree, and the backup equals the memory."""
    results = {}
    for verify in (False, True):
        link = tmp_path / f"ks-{verify}"
        saved = tmp_path / f"memory-{verify}.syx"
        emu = EmulatorProcess(["novation-kstation", "--port", str(link), "--fault", "corrupt:100",
                               "--save-on-exit", str(saved)], dict(os.environ))
        try:
            folder = tmp_path / f"backup-{verify}"
            args = ["backup", "novation-kstation", "--port", str(link), "-o", str(folder), "--json"]
            res = invoke(*args, *(["--verify"] if verify else []))
            assert res.exit_code == 0, res.output
        finally:
            emu.stop()
        results[verify] = (folder / "novation-kstation-backup.syx").read_bytes(), saved.read_bytes()
    plain, memory = results[False]
    assert plain != memory and len(plain) == len(memory)  # one byte silently wrong
    verified, memory = results[True]
    assert verified == memory
