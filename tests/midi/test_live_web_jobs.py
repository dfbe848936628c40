"""Live jobs through the web server's API: a real ``syxkit web`` process, a private JACK
server and ``syxkit emulate`` in its own process. A backup started through ``POST /api/jobs``
must hold byte for byte what the same protocol gets from the same emulator in the
virtual-time simulator (whose tests compare it with the emulator's memory) and land in the
library; a bank sent from the library must leave the emulator's memory as the simulated send
does; a stalled emulator gives a failed job with its recovery file; cancel stops the job with
nothing half-written; a second job on a busy port is refused (409)."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import pytest
from livehelpers import EmulatorProcess

from syxkit.devices import registry
from syxkit.devices.base import Options
from syxkit.emulators.base import Faults
from syxkit.ops.backup import file_name
from syxkit.transfer.sim import simulate

pytest.importorskip("httpx")
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "web"))
from webhelpers import Server, cz_tones, upload  # noqa: E402

pytestmark = pytest.mark.jack


@pytest.fixture
def server(tmp_path, jack_server):
    s = Server(tmp_path)
    yield s
    s.stop()


def start(server: Server, **body) -> str:
    r = server.client.post("/api/jobs", json=body)
    assert r.status_code == 201, r.text
    return r.json()["id"]


def wait(server: Server, job_id: str, timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = server.client.get(f"/api/jobs/{job_id}").json()
        if job["state"] != "running":
            return job
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} still running after {timeout} s: {job}")


def simulated_backup(device_id: str, model: str, faults: Faults | None = None):
    dev = registry.get(device_id)
    emu = dev.emulator(Options(model=model, faults=faults or Faults()))
    return simulate(dev.backup_protocol(Options(model=model, form="faithful")), emu, rate=None)


@pytest.mark.parametrize("device_id,model", [("casio-cz", "CZ-101"),
                                             ("novation-kstation", "K-Station")])
def test_backup_through_the_api_lands_in_files_and_library(server, device_id, model):
    port = f"webemu-{device_id}"
    emu = EmulatorProcess([device_id, "--port", port, "--model", model], dict(__import__("os").environ))
    try:
        job_id = start(server, command="backup", device=device_id, model=model, port=port,
                       backend="jack")
        job = wait(server, job_id)
    finally:
        emu.stop()
    assert job["state"] == "done", job
    assert job["form"] == "faithful"
    sim = simulated_backup(device_id, model)
    assert sim.ok
    folder = Path(job["folder"])
    assert folder.parent.name == "library.backups"
    for out in sim.result:
        assert (folder / file_name(out.name)).read_bytes() == out.data, out.name
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["complete"] and manifest["device"] == device_id and manifest["model"] == model
    combined = folder / manifest["combined"]["file"]
    assert combined.read_bytes() == b"".join(o.data for o in sim.result)
    assert not [p for p in folder.iterdir() if p.name.endswith(".part")]
    assert job["progress"]["bytes"] == job["progress"]["bytes_expected"] or \
        job["progress"]["bytes"] >= len(combined.read_bytes())
    # in the library, tagged with the device and the time, the same bytes as the backup
    ids = job["result"]["patch_ids"]
    assert ids
    patch = server.client.get(f"/api/patches/{ids[0]}").json()
    assert device_id in patch["tags"] and any(t.startswith("backup ") for t in patch["tags"])
    for pid in (ids[0], ids[-1]):
        sources = server.client.get(f"/api/patches/{pid}").json()["sources"]
        assert str(combined) in json.dumps(sources)  # seen in the backup's own file
    # the port is free again
    assert server.client.get(f"/api/jobs/{job_id}").json()["state"] == "done"


def test_send_a_bank_equals_what_the_emulator_saved(server, tmp_path):
    tones = cz_tones(16, seed=5)
    got = upload(server, [("tones.syx", tones)])
    ids = [p["id"] for p in got[0]["patches"]]
    r = server.client.post("/api/banks", json={"name": "live", "device": "casio-cz",
                                               "model": "CZ-101", "ids": ids})
    assert r.status_code == 201, r.text
    bank_bytes = server.client.get("/api/banks/live/syx").content
    saved = tmp_path / "memory.syx"
    import os

    emu = EmulatorProcess(["casio-cz", "--port", "websend", "--model", "CZ-101",
                           "--save-on-exit", str(saved)], dict(os.environ))
    try:
        job = wait(server, start(server, command="send", device="casio-cz", model="CZ-101",
                                 port="websend", bank="live", options={"rate": 0}))
    finally:
        emu.stop()
    assert job["state"] == "done", job
    assert job["result"]["destinations"]
    dev = registry.get("casio-cz")
    ref = dev.emulator(Options(model="CZ-101"))
    sent = simulate(dev.send_protocol(bank_bytes, Options(model="CZ-101", form="faithful")), ref,
                    rate=None)
    assert sent.ok, sent.error
    assert saved.read_bytes() == ref.save()


def test_stalled_device_fails_with_recovery_file(server):
    import os

    emu = EmulatorProcess(["casio-cz", "--port", "webstall", "--model", "CZ-101",
                           "--fault", "stall:300"], dict(os.environ))
    try:
        job = wait(server, start(server, command="backup", device="casio-cz", model="CZ-101",
                                 port="webstall", options={"timeout": 0.5}))
    finally:
        emu.stop()
    assert job["state"] == "failed"
    assert job["error"].startswith("casio-cz: ") and "received so far" in job["error"]
    sim = simulated_backup("casio-cz", "CZ-101", Faults(stall_after=300))
    assert not sim.ok
    recovered = Path(job["recovery_file"])
    assert recovered.read_bytes() == sim.error.received
    download = server.client.get(f"/api/jobs/{job['id']}/recovery")
    assert download.status_code == 200 and download.content == sim.error.received
    manifest = json.loads((Path(job["folder"]) / "manifest.json").read_text())
    assert manifest["complete"] is False and manifest["recovery_file"] == job["recovery_file"]
    assert job["result"]["patch_ids"] == []


def test_cancel_stops_the_job_and_leaves_nothing_half_written(server):
    import os

    # at wire speed the CZ's 16 tones take about 1.5 s: time to cancel in the middle
    emu = EmulatorProcess(["casio-cz", "--port", "webcancel", "--model", "CZ-101",
                           "--wire-speed"], dict(os.environ))
    try:
        job_id = start(server, command="backup", device="casio-cz", model="CZ-101",
                       port="webcancel")
        deadline = time.monotonic() + 20
        while server.client.get(f"/api/jobs/{job_id}").json()["progress"]["bytes"] < 600:
            assert time.monotonic() < deadline
            time.sleep(0.02)
        # the port is busy while the job runs: a second job is refused
        busy = server.client.post("/api/jobs", json={"command": "request", "device": "casio-cz",
                                                     "port": "webcancel", "what": "internal:1"})
        # also under another name for the same ports (part of the name)
        busy_too = server.client.post("/api/jobs", json={"command": "request",
                                                         "device": "casio-cz", "port": "webcanc",
                                                         "what": "internal:1"})
        r = server.client.delete(f"/api/jobs/{job_id}")
        assert r.status_code == 200
        job = wait(server, job_id)
        # and free again once the job is over
        again = wait(server, start(server, command="request", device="casio-cz",
                                   model="CZ-101", port="webcancel", what="internal:1"))
    finally:
        emu.stop()
    assert busy.status_code == 409 and "busy" in busy.json()["detail"]
    assert busy_too.status_code == 409 and "busy" in busy_too.json()["detail"], busy_too.text
    assert job["state"] == "cancelled", job
    assert again["state"] == "done" and len(again["result"]["patch_ids"]) == 1, again
    assert "cancelled" in job["error"]
    folder = Path(job["folder"])
    recovered = Path(job["recovery_file"]).read_bytes()
    assert recovered.startswith(b"\xf0") and len(recovered) >= 600
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["complete"] is False
    kept = {o["file"] for o in manifest["objects"]}
    # only whole objects (each as the manifest lists it), the manifest and the recovery file
    for p in folder.iterdir():
        assert p.name in kept | {"manifest.json", Path(job["recovery_file"]).name}, p.name
    for o in manifest["objects"]:
        assert (folder / o["file"]).stat().st_size == o["bytes"]
    assert job["result"]["patch_ids"] == []
    # only the request's one tone reached the library, nothing of the cancelled backup
    assert server.client.get("/api/patches").json()["total"] == 1


def test_ports_and_bad_jobs(server):
    ports = server.client.get("/api/ports").json()
    jack = next(b for b in ports if b["backend"] == "jack")
    assert jack["available"] and jack["can_split_sysex"] is True
    rt = [b for b in ports if b["backend"] == "alsa"]
    assert rt and rt[0]["can_split_sysex"] is False and (rt[0]["available"] or rt[0]["reason"])
    bad = server.client.post("/api/jobs", json={"command": "request", "device": "casio-cz",
                                                "port": "nowhere", "what": "internal:99"})
    assert bad.status_code == 422 and "99" in bad.json()["detail"]
    missing = server.client.post("/api/jobs", json={"command": "backup", "device": "casio-cz",
                                                    "port": "no-such-port"})
    assert missing.status_code == 422
    assert server.client.get("/api/jobs/999").status_code == 404


def test_back_up_from_the_devices_view_in_chromium(server, tmp_path):
    """Click Back up in the Devices view against a JACK emulator: the progress bar reaches
    done and the patches are in the library (and open from the result's links)."""
    import os
    import shutil

    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is in the test extra")
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip("Debian's chromium is not installed")
    emu = EmulatorProcess(["casio-cz", "--port", "webpage", "--model", "CZ-101"], dict(os.environ))
    try:
        with sync_api.sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=[
                "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync"])
            try:
                page = browser.new_page()
                errors: list[str] = []
                page.on("pageerror", lambda e: errors.append(str(e)))
                page.goto(server.url)
                page.click("nav button:has-text('Devices')")
                page.wait_for_selector("syx-devices .backend[data-backend=jack] li")
                assert "SysEx in pieces" in page.inner_text(".backend[data-backend=jack] .carries")
                page.locator("syx-devices select[name=device]").select_option(value="casio-cz")
                page.locator("syx-devices select[name=model]").select_option(value="CZ-101")
                page.locator("syx-devices select[name=port]").select_option(
                    value=json.dumps({"backend": "jack", "port": "webpage"}, separators=(",", ":")))
                page.click("syx-devices button.backup")
                page.wait_for_selector("section.job[data-state=done]", timeout=60_000)
                bar = page.locator("section.job progress.jobprogress")
                assert bar.evaluate("b => b.value === b.max && b.max > 0")
                figures = page.inner_text("section.job .figures")
                assert "16 / 16 objects" in figures, figures
                page.wait_for_selector("section.job ul.patches li a")
                links = page.locator("section.job ul.patches li a")
                assert links.count() == 16
                links.first.click()
                page.wait_for_selector("syx-patch")
                assert not errors, errors
            finally:
                browser.close()
    finally:
        emu.stop()
    items = server.client.get("/api/patches?device=casio-cz&limit=100").json()["items"]
    assert len(items) == 16 and all("casio-cz" in i["tags"] for i in items)
