"""The live commands through a real JACK server, against ``syxkit emulate`` running in its own
process on virtual JACK ports. The emulated device is the live-toy test device (the toy
handshake of tests/transfer grown into a device); files are compared byte for byte with the
emulator's memory."""

from __future__ import annotations

import json
import random
import signal
import subprocess
import threading
import time

import pytest
from click.testing import CliRunner
from livehelpers import EmulatorProcess, syxkit_cmd, wait_for_connection
from livetoy import CLOSE, OPEN, SLOTS, default_tone, tone_message

from syxkit.cli import cli
from syxkit.midi import open_virtual
from syxkit.midi.jack_backend import JackTransport
from syxkit.transfer.transport import TransportClosed

pytestmark = pytest.mark.jack


def _memory_tones(seed: int) -> list[bytes]:
    rng = random.Random(seed)
    return [tone_message(s, bytes(rng.randrange(16) for _ in range(64))) for s in range(SLOTS)]


@pytest.fixture(scope="module")
def memory_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("memory") / "toy-memory.syx"
    path.write_bytes(b"".join(_memory_tones(7)))
    return path


@pytest.fixture(scope="module")
def toyemu(jack_server, plugin_env, memory_file):
    """The shared emulator: memory loaded from a file; SIGUSR1 starts its panel dump."""
    emu = EmulatorProcess(["live-toy", "--port", "toyemu", "--memory", str(memory_file)], plugin_env)
    yield emu
    emu.stop()


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def summary(result) -> dict:
    return json.loads(result.stdout)


def test_emulator_ready_on_jack(toyemu):
    assert toyemu.ready["backend"] == "jack" and toyemu.ready["split_sysex"] is True
    assert toyemu.ready["panel"] is True


def test_ports_lists_jack_ports_and_reasons(toyemu):
    res = invoke("ports", "--json")
    assert res.exit_code == 0, res.output
    reports = {r["backend"]: r for r in summary(res)}
    jack = reports["jack"]
    assert jack["available"] and jack["can_split_sysex"]
    assert "toyemu:out" in [p["name"] for p in jack["inputs"]]  # syxkit reads the device's out
    assert "toyemu:in" in [p["name"] for p in jack["outputs"]]
    assert reports["rtmidi-jack"]["available"] and not reports["rtmidi-jack"]["can_split_sysex"]
    for r in reports.values():
        assert r["available"] or r["reason"], r  # every unavailable backend says why
    res = invoke("ports")
    assert res.exit_code == 0 and "toyemu:out" in res.stdout


def test_request_faithful_over_raw_jack(toyemu, session_toy_device, memory_file, tmp_path):
    out = tmp_path / "tone2.syx"
    res = invoke("request", "live-toy", "tone:2", "--port", "toyemu", "-o", str(out), "--json")
    assert res.exit_code == 0, res.output
    s = summary(res)
    assert s["ok"] and s["backend"] == "jack" and s["form"] == "faithful"
    assert out.read_bytes() == _memory_tones(7)[2]
    assert s["files"][0]["messages"][0]["slot"] == "tone 2"


def test_request_embedded_over_rtmidi(toyemu, session_toy_device, tmp_path):
    """rtmidi sends whole messages only: the default form becomes embedded, and it works."""
    out = tmp_path / "tone1.syx"
    res = invoke("request", "live-toy", "tone:1", "--port", "toyemu", "--backend", "rtmidi-jack",
                 "-o", str(out), "--json")
    assert res.exit_code == 0, res.output
    s = summary(res)
    assert s["form"] == "embedded" and any("whole messages only" in n for n in s["notes"])
    assert out.read_bytes() == _memory_tones(7)[1]


def test_faithful_form_cannot_cross_rtmidi(toyemu, session_toy_device, tmp_path):
    """The measured reason for the fallback: rtmidi holds the open F0 7D 10 back until an F7
    that the faithful host only sends at the end, so the device never hears the request."""
    out = tmp_path / "never.syx"
    res = invoke("request", "live-toy", "tone:0", "--port", "toyemu", "--backend", "rtmidi-jack",
                 "--form", "faithful", "--timeout", "0.4", "-o", str(out), "--json")
    assert res.exit_code == 1
    s = summary(res)
    assert "timed out waiting for the header F0 7D 30" in s["error"]
    assert any("whole messages only" in n for n in s["notes"])
    assert not out.exists()


def test_backup_files_manifest_and_combined(toyemu, session_toy_device, memory_file, tmp_path):
    folder = tmp_path / "backup"
    res = invoke("backup", "live-toy", "--port", "toyemu", "-o", str(folder), "--json")
    assert res.exit_code == 0, res.output
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["complete"] is True and manifest["device"] == "live-toy"
    assert [o["file"] for o in manifest["objects"]] == [f"tone-{s}.syx" for s in range(SLOTS)]
    for s, tone in enumerate(_memory_tones(7)):
        assert (folder / f"tone-{s}.syx").read_bytes() == tone
    combined = folder / manifest["combined"]["file"]
    assert combined.read_bytes() == memory_file.read_bytes()
    assert not list(folder.glob(".*.part"))


def test_send_then_request_and_save_on_exit(jack_server, plugin_env, session_toy_device, tmp_path):
    saved = tmp_path / "saved.syx"
    emu = EmulatorProcess(["live-toy", "--port", "toysend", "--save-on-exit", str(saved)], plugin_env)
    try:
        new = _memory_tones(99)[0]  # a tone for slot 0, sent to slot 3
        src = tmp_path / "new.syx"
        src.write_bytes(new)
        res = invoke("send", str(src), "--program", "3", "--port", "toysend", "--json")
        assert res.exit_code == 0, res.output
        assert summary(res)["result"] == {"tones": 1}
        back = tmp_path / "back.syx"
        res = invoke("request", "live-toy", "tone:3", "--port", "toysend", "-o", str(back))
        assert res.exit_code == 0, res.output
        assert back.read_bytes() == tone_message(3, new[4:-1])
    finally:
        stopped = emu.stop()
    assert stopped["saved"]["path"] == str(saved)
    memory = saved.read_bytes()
    expected = b"".join(tone_message(s, default_tone(s)) for s in range(3)) + tone_message(3, new[4:-1])
    assert memory == expected


def test_receive_panel_dump_answers_the_bulk_open(toyemu, plugin_env, memory_file, tmp_path):
    out = tmp_path / "panel.syx"
    proc = subprocess.Popen(syxkit_cmd("receive", "-o", str(out), "--port", "toyemu", "--quiet",
                                       "0.5", "--wait", "20", "--json"),
                            env=plugin_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wait_for_connection("toyemu:out")
    time.sleep(0.1)
    toyemu.send_signal(signal.SIGUSR1)  # "press SAVE -> MIDI" on the emulated panel
    stdout, stderr = proc.communicate(timeout=30)
    assert proc.returncode == 0, stderr
    s = json.loads(stdout)
    assert out.read_bytes() == OPEN + memory_file.read_bytes() + CLOSE
    assert len(s["answers"]) == 1 and "f0 7d 72 f7" in s["answers"][0]
    slots = [m["slot"] for m in s["file"]["messages"] if m["kind"] == "tone"]
    assert slots == [f"tone {k}" for k in range(SLOTS)]


def test_stalled_device_gives_clear_error_and_recovery_file(jack_server, plugin_env,
                                                            session_toy_device, tmp_path):
    emu = EmulatorProcess(["live-toy", "--port", "toystall", "--fault", "stall:20"], plugin_env)
    try:
        out = tmp_path / "tone.syx"
        res = invoke("request", "live-toy", "tone:1", "--port", "toystall", "--timeout", "0.5",
                     "-o", str(out), "--json")
    finally:
        stopped = emu.stop()
    assert res.exit_code == 1
    s = summary(res)
    assert s["error"].startswith("live-toy: tone 1: timed out waiting for 64 nibbles and F7; "
                                 "20 byte(s) received so far")
    recovered = tmp_path.joinpath(s["recovery_file"].rsplit("/", 1)[-1])
    assert recovered.read_bytes() == b"\xf0\x7d\x30" + default_tone(1)[:17]
    assert not out.exists()
    assert "stall after 20 bytes" in stopped["log"]


def test_sigterm_mid_transfer_saves_recovery_and_no_output(jack_server, plugin_env, tmp_path):
    emu = EmulatorProcess(["live-toy", "--port", "toyhang", "--fault", "stall:30"], plugin_env)
    try:
        out = tmp_path / "out" / "tone.syx"
        out.parent.mkdir()
        proc = subprocess.Popen(syxkit_cmd("request", "live-toy", "tone:0", "--port", "toyhang",
                                           "--timeout", "60", "-o", str(out)),
                                env=plugin_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True)
        wait_for_connection("toyhang:out")
        time.sleep(0.5)  # the first 30 bytes come within milliseconds of the request
        proc.send_signal(signal.SIGTERM)
        _, stderr = proc.communicate(timeout=20)
    finally:
        emu.stop()
    assert proc.returncode == 1
    assert "interrupted" in stderr and "saved in" in stderr
    files = list(out.parent.iterdir())
    assert len(files) == 1 and files[0].name.endswith(".recovered.syx")  # no tone.syx, no .part
    assert files[0].read_bytes() == b"\xf0\x7d\x30" + default_tone(0)[:27]


# -- the transports themselves, on the same server ------------------------------------------------
@pytest.fixture
def jack_pair(jack_server):
    a = JackTransport("syxkit-test-a", rate=None)
    b = JackTransport("syxkit-test-b", rate=None)
    a.connect(f"{b.client.name}:out", f"{b.client.name}:in")
    yield a, b
    a.close()
    b.close()


def _read_all(transport, size: int, timeout: float = 10.0) -> bytes:
    got = bytearray()
    deadline = time.monotonic() + timeout
    while len(got) < size and time.monotonic() < deadline:
        got += transport.read(0.1)
    return bytes(got)


def test_jack_transport_carries_sysex_in_pieces(jack_pair):
    a, b = jack_pair
    for chunk in (b"\xf0\x44\x00\x00\x70\x10\x20", b"\x70\x31", b"\xf7"):
        a.write(chunk)
        assert _read_all(b, len(chunk)) == chunk  # each piece arrives on its own, before F7


def test_jack_transport_holds_an_rz1_sized_stream(jack_pair):
    a, b = jack_pair
    stream = b"\xf0\x44\x01\x00\x70\x30" + bytes(k & 0x0F for k in range(33022)) + b"\xf7"
    threading.Thread(target=a.write, args=(stream,), daemon=True).start()
    time.sleep(0.3)  # let it all queue up on the reading side before reading
    assert _read_all(b, len(stream)) == stream


def test_jack_transport_paces_and_bounds_events(jack_server):
    paced = JackTransport("syxkit-test-paced", rate=3125, max_event=32)
    sink = JackTransport("syxkit-test-sink", rate=None)
    events: list[bytes] = []
    put = sink._inbox.put
    sink._inbox.put = lambda data: (events.append(data), put(data))
    try:
        paced.connect(None, f"{sink.client.name}:in")
        data = bytes(range(128)) * 5  # 640 bytes: 0.2 s on a real cable
        start = time.monotonic()
        paced.write(data)
        took = time.monotonic() - start
        assert _read_all(sink, len(data)) == data
    finally:
        paced.close()
        sink.close()
    assert took >= 0.9 * len(data) / 3125  # never faster than a MIDI cable
    assert max(len(e) for e in events) <= 32


def test_rtmidi_input_reassembles_and_output_limit(jack_server):
    """The measured rtmidi facts: pieces of a SysEx arrive as one message; JACK output drops
    messages of 16,380 bytes or more, so the transport refuses them with a clear error.

    The rtmidi ports are made first and closed last: python-rtmidi keeps the GIL while libjack
    opens or closes a client, and a JACK server in sync mode waits for this process's other
    clients, whose callbacks need the GIL (a 15 s stall, then failure). Commands never mix the
    two in one process."""
    rt, _ = open_virtual("syxkit-test-rt", backend_name="rtmidi-jack", rate=0)
    a = JackTransport("syxkit-test-raw", rate=None)
    try:
        rt_out = a.client.get_ports("syxkit-test-rt.*", is_midi=True, is_output=True)
        rt_in = a.client.get_ports("syxkit-test-rt.*", is_midi=True, is_input=True)
        assert len(rt_out) == 1 and len(rt_in) == 1, (rt_out, rt_in)
        a.connect(rt_out[0].name, rt_in[0].name)
        for chunk in (b"\xf0\x44\x00\x00\x70\x30", b"\x01\x02", b"\xf7"):
            a.write(chunk)
            time.sleep(0.05)
        got = []
        deadline = time.monotonic() + 5
        while sum(map(len, got)) < 9 and time.monotonic() < deadline:
            got.append(rt._inbox._q.get(timeout=1))  # one queue item per rtmidi message
        assert got == [b"\xf0\x44\x00\x00\x70\x30\x01\x02\xf7"]
        largest = b"\xf0" + bytes(16374) + b"\xf7"
        rt.write(largest)
        assert _read_all(a, len(largest)) == largest
        with pytest.raises(TransportClosed, match="cannot send a 16380-byte message"):
            rt.write(b"\xf0" + bytes(16378) + b"\xf7")
    finally:
        a.close()
        rt.close()
