"""The five real devices through JACK: ``syxkit emulate DEVICE`` in its own process, ``syxkit
backup`` and ``syxkit send`` against it. What arrives over JACK in real time must be byte for
byte what the same protocol gets from the same emulator in the virtual-time simulator (whose
tests compare it with the emulator's memory), and the emulator's memory saved on exit must be
byte for byte the simulated emulator's after the same transfers. A stalled emulator of each
device gives the clear error and a recovery file holding exactly what arrived.

Emulator settings only make the tests quick (no idle slots, no wire-speed sending where the
device model allows); the RZ-1 sends at its own UART's 3,125 B/s (its emulator models that),
so its backup takes 16 s: the only wire-speed transfer here.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from livehelpers import EmulatorProcess, syxkit_cmd, wait_for_connection

from syxkit.cli import cli
from syxkit.cli.live import _file_name, _setting_value
from syxkit.devices import registry
from syxkit.devices.base import Device, Options
from syxkit.emulators.base import Faults
from syxkit.transfer.sim import simulate

pytestmark = pytest.mark.jack

# Per device: emulator settings, host settings, whether the backup waits for a panel dump
# (the VZ answers no request: its backup is a SAVE -> MIDI the user starts), and the byte at
# which the fault test stalls the emulator.
SPECS = {
    "casio-cz": {"emu": {}, "host": {}, "panel": False, "stall": 300},
    "casio-rz1": {"emu": {}, "host": {}, "panel": False, "stall": 600},
    "casio-vz": {"emu": {"send_rate": 0, "rx_buffer": 0}, "host": {}, "panel": True, "stall": 300},
    "novation-kstation": {"emu": {}, "host": {}, "panel": False, "stall": 300},
    "yamaha-dtxtreme2": {"emu": {"user_kits": 3, "chains": 2, "songs": 2, "stacks": 2},
                         "host": {"user_kits": 3, "chains": 2, "songs": 2, "stacks": 2,
                                  "no_reply_timeout": 0.3},
                         "panel": False, "stall": 300},
}


def _device(device_id: str) -> Device:
    try:
        dev = registry.get(device_id)
    except KeyError:
        pytest.skip(f"{device_id}: driver not present")
    if type(dev).backup_protocol is Device.backup_protocol or type(dev).emulator is Device.emulator:
        pytest.skip(f"{device_id}: no live protocols yet")
    return dev


def _sets(settings: dict) -> list[str]:
    return [arg for k, v in settings.items() for arg in ("--set", f"{k}={v}")]


def _options(settings: dict, **more) -> Options:
    values = {k: _setting_value(str(v)) for k, v in settings.items()}
    values.update(more)
    return Options(**values)


def _host(args: list[str], emu: EmulatorProcess, panel: bool, env: dict) -> tuple[int, dict, str]:
    """Run a host command; for a panel-started dump, in its own process with SIGUSR1 sent to
    the emulator once the host listens."""
    if not panel:
        res = CliRunner().invoke(cli, args, catch_exceptions=False)
        return res.exit_code, json.loads(res.stdout), res.stderr
    proc = subprocess.Popen(syxkit_cmd(*args), env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    wait_for_connection(f"{emu.ready['port']}:out")
    time.sleep(0.2)
    emu.send_signal(signal.SIGUSR1)
    out, err = proc.communicate(timeout=120)
    return proc.returncode, json.loads(out), err


def _simulated(dev: Device, spec: dict, example: bytes, faults: Faults | None = None):
    """The same transfers in virtual time: backup, then send; returns (outputs, memory)."""
    emu_settings = dict(spec["emu"])
    if spec["panel"]:
        emu_settings["panel_send"] = "voices"  # the simulated user presses SAVE -> MIDI at once
    emu = dev.emulator(_options(emu_settings, faults=faults or Faults()))
    host = dev.backup_protocol(_options(spec["host"], form="faithful"))
    r = simulate(host, emu, rate=None)
    if faults is not None:
        return r, None
    assert r.ok, r.error
    # The simulation stops when the host is done; bytes it sent last (a closing F7) are still
    # on the simulated cable. Over JACK they arrive: deliver them here too.
    rest = r.host_sent[len(r.device_received):]
    emu.feed(rest, r.seconds + 0.5)
    emu.tick(r.seconds + 5)
    sent = simulate(dev.send_protocol(example, _options({}, form="faithful")), emu, rate=None)
    assert sent.ok, sent.error
    return r.result, emu.save()


@pytest.mark.parametrize("device_id", sorted(SPECS))
def test_backup_and_send_match_the_simulator(device_id, jack_server, tmp_path):
    dev = _device(device_id)
    spec = SPECS[device_id]
    port = f"emu-{device_id}"
    saved = tmp_path / "memory.syx"
    env = dict(os.environ)
    emu = EmulatorProcess([device_id, "--port", port, "--save-on-exit", str(saved),
                           *_sets(spec["emu"])], env)
    example = dev.example()
    try:
        folder = tmp_path / "backup"
        code, summary, err = _host(["backup", device_id, "--port", port, "-o", str(folder),
                                    "--json", *_sets(spec["host"])], emu, spec["panel"], env)
        assert code == 0, err
        assert summary["form"] == "faithful" and summary["backend"] == "jack"
        src = tmp_path / "example.syx"
        src.write_bytes(example)
        res = CliRunner().invoke(cli, ["send", str(src), "--device", device_id, "--port", port,
                                       "--rate", "0", "--json"], catch_exceptions=False)
        assert res.exit_code == 0, res.output
    finally:
        stopped = emu.stop()
    outputs, memory = _simulated(dev, spec, example)
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["complete"] and len(manifest["objects"]) == len(outputs)
    for out in outputs:
        assert (folder / _file_name(out.name)).read_bytes() == out.data, out.name
    assert (folder / manifest["combined"]["file"]).read_bytes() == b"".join(o.data for o in outputs)
    expected_files = {_file_name(o.name) for o in outputs} | {manifest["combined"]["file"], "manifest.json"}
    assert {p.name for p in folder.iterdir()} == expected_files  # no interim or .part files left
    assert saved.read_bytes() == memory, stopped["log"][-5:]


@pytest.mark.parametrize("device_id", sorted(SPECS))
def test_stalled_device_error_and_recovery_file(device_id, jack_server, tmp_path):
    dev = _device(device_id)
    spec = SPECS[device_id]
    port = f"stall-{device_id}"
    stall = spec["stall"]
    env = dict(os.environ)
    emu = EmulatorProcess([device_id, "--port", port, "--fault", f"stall:{stall}",
                           *_sets(spec["emu"])], env)
    folder = tmp_path / "backup"
    try:
        code, summary, _err = _host(["backup", device_id, "--port", port, "-o", str(folder),
                                     "--json", "--timeout", "0.5", *_sets(spec["host"])],
                                    emu, spec["panel"], env)
    finally:
        emu.stop()
    assert code == 1
    assert summary["error"].startswith(f"{device_id}: ") and "received so far" in summary["error"]
    recovered = Path(summary["recovery_file"]).read_bytes()
    sim, _ = _simulated(dev, spec, b"", faults=Faults(stall_after=stall))
    assert not sim.ok and recovered == sim.error.received  # exactly what arrived, all of it
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["complete"] is False and manifest["recovery_file"] == summary["recovery_file"]


def test_vz_panel_dump_through_receive(jack_server, tmp_path):
    """``syxkit receive`` answers the VZ's bulk open through the driver's ``answer`` hook: the
    VZ then sends at once (without the OK it would wait 0.5 s first, then send anyway)."""
    dev = _device("casio-vz")
    from syxkit.devices.casio_vz import messages

    env = dict(os.environ)
    emu = EmulatorProcess(["casio-vz", "--port", "vzrecv", "--set", "send_rate=0"], env)
    out = tmp_path / "vz.syx"
    try:
        code, summary, err = _host(["receive", "--port", "vzrecv", "-o", str(out), "--quiet",
                                    "0.5", "--wait", "30", "--json"], emu, True, env)
    finally:
        stopped = emu.stop()
    assert code == 0, err
    reference = dev.emulator(Options())
    assert out.read_bytes() == messages.bulk_file(reference.voices, [], 1)
    assert len(summary["answers"]) == 1 and "(casio-vz)" in summary["answers"][0]
    assert not any("sending anyway" in line for line in stopped["log"])
