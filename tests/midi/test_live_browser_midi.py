"""The browser's own MIDI (the ``browser`` backend) end to end: a real ``syxkit web``, Debian's
Chromium on its page with the Devices view's "Use this browser's MIDI" switch on, and two real
``syxkit emulate`` processes on a private JACK server.

Chromium here has no MIDI devices (``requestMIDIAccess`` rejects: no ALSA), so the one thing
stood in for is ``navigator.requestMIDIAccess`` itself (an init script): its outputs' ``send``
validates as Chromium's does (and throws the same way on an incomplete SysEx), records every
call, and hands the bytes to this test, which writes them to the emulator's JACK input; what
the emulator answers comes back as ``midimessage`` events, one whole message each, as Chromium
delivers them. Everything else is real: the page's code, its WebSocket, the server's backend
and pacing, the device protocols, the CLI's relay through the server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from livehelpers import EmulatorProcess, syxkit_cmd
from webmidi_standin import Bridge, stand_in_script

from syxkit.core.framing import frame
from syxkit.devices import registry
from syxkit.devices.base import Options
from syxkit.ops.backup import file_name
from syxkit.transfer.sim import simulate

pytest.importorskip("httpx")
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is in the test extra")
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "web"))
from test_web_browser import ARGS, CHROMIUM  # noqa: E402
from webhelpers import Server, cz_tones, upload  # noqa: E402

pytestmark = pytest.mark.jack

# page port id -> (name the page shows, JACK client of the emulator behind it)
PORTS = {"cz": ("CZ UM-ONE", "bwcz"), "ks": ("K-Station MIDI", "bwks")}

STAND_IN = stand_in_script(PORTS)


def jack_bridge() -> Bridge:
    """The stand-in's far side on the emulators' JACK ports, through syxkit's own raw JACK
    transport."""
    from syxkit.midi.jack_backend import JackTransport

    transports = {}
    for key, (_name, client) in PORTS.items():
        t = JackTransport(f"standin-{key}", rate=None)
        t.connect(f"{client}:out", f"{client}:in")
        transports[key] = t
    return Bridge(transports)


@pytest.fixture(scope="module")
def setup(tmp_path_factory, jack_server):
    tmp = tmp_path_factory.mktemp("browser-midi")
    old = os.environ.get("SYXKIT_RUNTIME_DIR")
    os.environ["SYXKIT_RUNTIME_DIR"] = str(tmp / "run")  # where the CLI finds the server
    emus = [EmulatorProcess(["casio-cz", "--port", "bwcz", "--model", "CZ-101"], dict(os.environ)),
            EmulatorProcess(["novation-kstation", "--port", "bwks", "--model", "K-Station"],
                            dict(os.environ))]
    server = Server(tmp)
    bridge = jack_bridge()
    try:
        with sync_api.sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            ctx = browser.new_context(viewport={"width": 1280, "height": 900})
            ctx.expose_function("__standinOut", bridge.out)
            ctx.expose_function("__standinIn", bridge.poll)
            ctx.add_init_script(STAND_IN)
            page = ctx.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(server.url)
            page.click("nav button:has-text('Devices')")
            page.wait_for_selector("syx-devices .webmidi-on")
            yield server, page, errors, tmp
            browser.close()
    finally:
        bridge.close()
        server.stop()
        for emu in emus:
            emu.stop()
        if old is None:
            os.environ.pop("SYXKIT_RUNTIME_DIR", None)
        else:
            os.environ["SYXKIT_RUNTIME_DIR"] = old


def browser_report(server) -> dict:
    return next(b for b in server.client.get("/api/ports").json() if b["backend"] == "browser")


def simulated_backup(device_id: str, model: str):
    dev = registry.get(device_id)
    emu = dev.emulator(Options(model=model))
    return simulate(dev.backup_protocol(Options(model=model, form="embedded")), emu, rate=None)


def test_switch_offers_the_browsers_ports_and_follows_statechange(setup):
    server, page, errors, _ = setup
    off = browser_report(server)
    assert not off["available"] and "no browser has offered MIDI ports" in off["reason"]
    assert page.evaluate("window.__standin.asked.length") == 0  # not asked before the switch
    # the stand-in's send fails as Chromium's does on an incomplete SysEx
    assert "incomplete" in page.evaluate(
        "() => { try { window.__standin.validate([0xf0, 0x44, 0x00]); return ''; }"
        " catch (e) { return e.message; } }")
    page.check("syx-devices .webmidi-on")
    page.wait_for_selector("syx-devices .backend[data-backend=browser] li:has-text('CZ UM-ONE')")
    assert page.evaluate("window.__standin.asked") == [{"sysex": True}]
    on = browser_report(server)
    assert on["available"] and on["can_split_sysex"] is False
    assert sorted(p["name"] for p in on["inputs"]) == ["CZ UM-ONE", "K-Station MIDI"]
    assert sorted(p["name"] for p in on["outputs"]) == ["CZ UM-ONE", "K-Station MIDI"]
    assert "whole messages only" in page.inner_text(".backend[data-backend=browser] .carries")
    # unplugged and plugged again: the server's list follows (statechange)
    page.evaluate("window.__standin.plug('ks', false)")
    page.wait_for_function("() => !document.querySelector('.backend[data-backend=browser]')"
                           "?.textContent.includes('K-Station MIDI')")
    assert [p["name"] for p in browser_report(server)["outputs"]] == ["CZ UM-ONE"]
    page.evaluate("window.__standin.plug('ks', true)")
    page.wait_for_selector(".backend[data-backend=browser] li:has-text('K-Station MIDI')")
    assert len(browser_report(server)["outputs"]) == 2
    assert not errors, errors


def test_cz_backup_as_a_job_from_the_page(setup):
    server, page, errors, _ = setup
    page.wait_for_selector(".backend[data-backend=browser] li:has-text('CZ UM-ONE')")
    page.locator("syx-devices select[name=device]").select_option(value="casio-cz")
    page.locator("syx-devices select[name=model]").select_option(value="CZ-101")
    page.locator("syx-devices select[name=port]").select_option(
        value=json.dumps({"backend": "browser", "port": "CZ UM-ONE"}, separators=(",", ":")))
    page.click("syx-devices button.backup")
    page.wait_for_selector("section.job[data-state=done], section.job[data-state=failed]",
                           timeout=90_000)
    job = server.client.get("/api/jobs").json()[-1]
    assert job["state"] == "done", job
    assert job["backend"] == "browser" and job["form"] == "embedded"
    assert any("whole messages only" in n for n in job["notes"]), job["notes"]
    sim = simulated_backup("casio-cz", "CZ-101")
    assert sim.ok and len(sim.result) == 16
    folder = Path(job["folder"])
    for out in sim.result:
        assert (folder / file_name(out.name)).read_bytes() == out.data, out.name
    assert len(job["result"]["patch_ids"]) == 16
    assert not errors, errors


def test_kstation_backup_through_the_cli_while_the_page_is_open(setup):
    server, page, errors, tmp = setup
    page.wait_for_selector(".backend[data-backend=browser] li:has-text('K-Station MIDI')")
    out = tmp / "ks-backup"
    proc = subprocess.Popen(syxkit_cmd("backup", "novation-kstation", "--model", "K-Station",
                                       "--backend", "browser", "--port", "K-Station MIDI",
                                       "-o", str(out), "--json"),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=dict(os.environ))
    deadline = time.monotonic() + 120
    while proc.poll() is None:  # the page's stand-in answers only while Playwright listens
        assert time.monotonic() < deadline, "the CLI backup did not finish"
        page.wait_for_timeout(50)
    stdout, stderr = proc.communicate()
    assert proc.returncode == 0, stderr
    summary = json.loads(stdout)
    assert summary["backend"] == "browser" and summary["form"] == "embedded", summary
    sim = simulated_backup("novation-kstation", "K-Station")
    assert sim.ok
    for o in sim.result:
        assert (out / file_name(o.name)).read_bytes() == o.data, o.name
    assert not errors, errors


def run_job(server, page, body: dict) -> dict:
    """Start a job and wait for its end, letting the page (and its stand-in) work meanwhile."""
    r = server.client.post("/api/jobs", json=body)
    assert r.status_code in (200, 201, 202), r.text
    job_id = r.json()["id"]
    deadline = time.monotonic() + 120
    while True:
        job = server.client.get(f"/api/jobs/{job_id}").json()
        if job["state"] != "running":
            return job
        assert time.monotonic() < deadline, job
        page.wait_for_timeout(50)


def test_a_bank_built_in_the_library_goes_back_through_the_browsers_midi(setup):
    """The issue's round trip through Web MIDI: a bank of 16 tones sent to the CZ through the
    page's port lands in internal 1-16 (read back by a backup through the same port)."""
    server, page, errors, _ = setup
    tones = cz_tones(16, seed=11)
    got = upload(server, [("bank.syx", tones)])
    ids = [p["id"] for p in got[0]["patches"]]
    r = server.client.post("/api/banks", json={"name": "webmidi", "device": "casio-cz",
                                               "model": "CZ-101", "ids": ids})
    assert r.status_code == 201, r.text
    port = {"backend": "browser", "port": "CZ UM-ONE", "device": "casio-cz", "model": "CZ-101"}
    sent = run_job(server, page, {"command": "send", "bank": "webmidi", **port})
    assert sent["state"] == "done", sent
    back = run_job(server, page, {"command": "backup", **port})
    assert back["state"] == "done", back
    cz = registry.get("casio-cz")
    folder = Path(back["folder"])
    fetched = sorted(folder.glob("*.syx"))
    payloads = [cz.identify(frame(f.read_bytes()).messages[0]).payload for f in fetched
                if "internal" in f.name]
    want = [cz.identify(m).payload for m in frame(tones).messages]
    assert payloads == want
    assert not errors, errors


def test_page_never_sent_an_incomplete_message(setup):
    _, page, _, _ = setup
    record = page.evaluate("({ sends: window.__standin.sends, threw: window.__standin.threw })")
    assert record["threw"] == []
    # the backups above went out through MIDIOutput.send, every one a whole message
    assert len(record["sends"]) >= 16
    for data in record["sends"]:
        page.evaluate("(d) => window.__standin.validate(d)", data)  # throws on a bad one
        if data[0] == 0xF0:
            assert data[-1] == 0xF7 and all(b < 0x80 for b in data[1:-1])
