"""Live jobs through the web server's API: a real ``syxkit web`` process, a private JACK
server and ``syxkit emulate`` in its own process. A backup started through ``POST /api/jobs``
must hold byte for byte what the same protocol gets from the same emulator in the
virtual-time simulator (whose tests compare it with the emulator's memory) and land in the
library, for all five devices, with the CLI live tests' emulator settings
(test_live_devices.SPECS); so must one started by clicking in the Devices view in Chromium
(one browser and one server for those tests). A bank sent from the library, and one built in
the Banks view by dragging and sent from the Devices view, must leave the emulator's memory as
the simulated send does; a stalled emulator gives a failed job with its recovery file; cancel
stops the job with nothing half-written; a second job on a busy port is refused (409)."""

from __future__ import annotations

import json
import os
import signal
import sys
import time
from pathlib import Path

import pytest
from livehelpers import EmulatorProcess, wait_for_connection
from test_live_devices import SPECS as LIVE_SPECS  # the CLI live tests' emulator and host settings

from syxkit.devices import registry
from syxkit.devices.base import Options
from syxkit.emulators.base import Faults
from syxkit.ops.backup import file_name
from syxkit.transfer.sim import simulate

# As the CLI live tests, except that the RZ-1 emulator sends its 32 KB sample RAM without a
# cable's pace (uart_rate=0): those tests time the wire; these test the jobs layer above it, and
# would otherwise wait 10 s per backup, twice. The bytes, and so every check, are the same.
SPECS = {**LIVE_SPECS, "casio-rz1": {**LIVE_SPECS["casio-rz1"],
                                     "emu": {**LIVE_SPECS["casio-rz1"]["emu"], "uart_rate": 0}}}

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


def simulated_backup(device_id: str, model: str, faults: Faults | None = None, *,
                     emu: dict | None = None, host: dict | None = None, panel: bool = False,
                     memory: list | None = None):
    """The same backup in virtual time, against an emulator set up as the live one (``emu``:
    its ``--set`` values; ``panel``: the simulated user starts the dump at once)."""
    dev = registry.get(device_id)
    emu_settings = dict(emu or {})
    if panel:
        emu_settings["panel_send"] = "voices"
    if memory is not None:
        emu_settings["memory"] = memory
    emulator = dev.emulator(Options(model=model, faults=faults or Faults(), **emu_settings))
    return simulate(dev.backup_protocol(Options(model=model, form="faithful", **(host or {}))),
                    emulator, rate=None)


def _sets(settings: dict) -> list[str]:
    return [arg for k, v in settings.items() for arg in ("--set", f"{k}={v}")]


def press_panel_when_listening(emu: EmulatorProcess) -> None:
    """The VZ answers no request: its backup is a SAVE -> MIDI pressed on the panel once the
    host listens (``syxkit emulate`` presses it on SIGUSR1), as the CLI live tests do."""
    wait_for_connection(f"{emu.ready['port']}:out")
    time.sleep(0.2)
    emu.send_signal(signal.SIGUSR1)


def objects_counted(sim) -> int:
    """Objects as the protocol counts them (a VZ bulk: 64 voices; a K-Station backup: 201),
    which a done job shows (tests/ops/test_jobs_progress.py)."""
    from syxkit.protocols.base import Progress

    totals = [e.objects_total or 0 for e in sim.events if isinstance(e, Progress)]
    return max([len(sim.result), *totals])


def check_backup(server: Server, job: dict, sim) -> None:
    """The job's files hold byte for byte what the simulated backup got, and its patches are
    in the library, tagged with the device and the time, seen in the backup's own file."""
    device_id = job["device"]
    assert job["state"] == "done", job
    assert job["form"] == "faithful"
    assert sim.ok, sim.error
    folder = Path(job["folder"])
    assert folder.parent.name == "library.backups"
    for out in sim.result:
        assert (folder / file_name(out.name)).read_bytes() == out.data, out.name
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["complete"] and manifest["device"] == device_id
    assert manifest["model"] == job["model"]
    combined = folder / manifest["combined"]["file"]
    assert combined.read_bytes() == b"".join(o.data for o in sim.result)
    assert not [p for p in folder.iterdir() if p.name.endswith(".part")]
    n = objects_counted(sim)
    assert job["progress"]["objects"] == job["progress"]["objects_expected"] == n, job["progress"]
    ids = job["result"]["patch_ids"]
    assert ids
    listed = {i["id"]: i for i in server.client.get(
        f"/api/patches?device={device_id}&limit=1000").json()["items"]}
    for pid in ids:
        tags = listed[pid]["tags"]
        assert device_id in tags and any(t.startswith("backup ") for t in tags), listed[pid]
    for pid in (ids[0], ids[-1]):
        sources = server.client.get(f"/api/patches/{pid}").json()["sources"]
        assert str(combined) in json.dumps(sources)  # seen in the backup's own file


@pytest.mark.parametrize("device_id", sorted(SPECS))
def test_backup_through_the_api_lands_in_files_and_library(server, device_id):
    """Every device, with the emulator and host settings of the CLI live tests (the host's
    as the job's ``settings``, as ``--set`` gives them to the CLI)."""
    spec = SPECS[device_id]
    model = registry.get(device_id).models[0]
    port = f"webemu-{device_id}"
    emu = EmulatorProcess([device_id, "--port", port, "--model", model, *_sets(spec["emu"])],
                          dict(os.environ))
    try:
        job_id = start(server, command="backup", device=device_id, model=model, port=port,
                       backend="jack", options={"settings": spec["host"]})
        if spec["panel"]:
            press_panel_when_listening(emu)
        job = wait(server, job_id)
    finally:
        emu.stop()
    sim = simulated_backup(device_id, model, emu=spec["emu"], host=spec["host"],
                           panel=spec["panel"])
    check_backup(server, job, sim)
    folder = Path(job["folder"])
    combined = folder / json.loads((folder / "manifest.json").read_text())["combined"]["file"]
    assert job["progress"]["bytes"] == job["progress"]["bytes_expected"] or \
        job["progress"]["bytes"] >= len(combined.read_bytes())
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


# -- in Chromium -------------------------------------------------------------------------------
# One browser and one ``syxkit web`` for the page tests of this module (each device's backup
# lands in the same library: each test checks its own job's patches), one emulator per test.


@pytest.fixture(scope="module")
def chromium():
    """(browser, Page): Debian's chromium through Playwright, and the librarian page helper of
    the web browser tests (imported here: that module skips itself where chromium is absent)."""
    import shutil

    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is in the test extra")
    if not (shutil.which("chromium") or shutil.which("chromium-browser")):
        pytest.skip("Debian's chromium is not installed")
    from test_web_browser import ARGS, CHROMIUM, Page

    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser, Page
        browser.close()


@pytest.fixture(scope="module")
def page_server(tmp_path_factory, jack_server):
    s = Server(tmp_path_factory.mktemp("webpage"))
    yield s
    s.stop()


def dtx_all_songs(tmp_path: Path) -> tuple[Path, list]:
    """An emulator memory of 32 recorded songs (small ones). The page sends no ``--set``
    values, so the host asks for the default layout (50 kits, 32 chains, 32 songs, 16 stacks);
    the emulator's own memory has 3 songs, and each of the 29 empty ones costs the host its
    no-reply wait twice (ask, then ask once more): 30 s of silence. With every song recorded
    none is silent and the whole backup takes about 7 s."""
    from syxkit.devices.yamaha_dtx.songs import song_packets
    from syxkit.inspect import entries, load_bytes

    data = b"".join(m for n in range(32) for m in song_packets(bytes([n, 1, 2, 3]) * 4, n))
    path = tmp_path / "dtx-songs.syx"
    path.write_bytes(data)
    dumps = [e.dump for src in load_bytes(data, path.name) for e in entries(src) if e.dump]
    return path, dumps


def choose(p, device_id: str, model: str, port: str) -> None:
    """Pick device, model and port in the Devices view, by value as a user picks them."""
    p.click("nav button:has-text('Devices')")
    p.wait_for_selector("syx-devices .backend[data-backend=jack] li")
    p.locator("syx-devices select[name=device]").select_option(value=device_id)
    p.locator("syx-devices select[name=model]").select_option(value=model)
    p.locator("syx-devices select[name=port]").select_option(
        value=json.dumps({"backend": "jack", "port": port}, separators=(",", ":")))


def wait_over(p, timeout_ms: int = 90_000) -> str:
    """Until the page shows the job over; its state (the error shown, when it failed)."""
    section = p.wait_for_selector("section.job[data-state]:not([data-state=running])",
                                  timeout=timeout_ms)
    state = section.get_attribute("data-state")
    assert state == "done", p.inner_text("section.job")
    return state


@pytest.mark.parametrize("device_id", sorted(SPECS))
def test_back_up_from_the_devices_view_in_chromium(chromium, page_server, tmp_path, device_id):
    """Click Back up in the Devices view against a JACK emulator: the progress bar reaches
    done, the backup holds what the simulated backup gets, and the patches are in the library
    (and open from the result's links)."""
    browser, Page = chromium
    server = page_server
    spec = SPECS[device_id]
    model = registry.get(device_id).models[0]
    port = f"webpage-{device_id}"
    emu_args, memory = _sets(spec["emu"]), None
    if device_id == "yamaha-dtxtreme2":  # the page's host uses the default layout
        path, memory = dtx_all_songs(tmp_path)
        emu_args = ["--memory", str(path)]
    emu = EmulatorProcess([device_id, "--port", port, "--model", model, *emu_args],
                          dict(os.environ))
    try:
        page = Page(browser, server)
        p = page.page
        choose(p, device_id, model, port)
        assert "SysEx in pieces" in p.inner_text(".backend[data-backend=jack] .carries")
        p.click("syx-devices button.backup")
        if spec["panel"]:
            press_panel_when_listening(emu)
        wait_over(p)
        sim = simulated_backup(device_id, model, emu=None if memory else spec["emu"],
                               panel=spec["panel"], memory=memory)
        assert sim.ok, sim.error
        n = objects_counted(sim)
        bar = p.locator("section.job progress.jobprogress")
        assert bar.evaluate("b => b.value === b.max && b.max > 0")
        figures = p.inner_text("section.job .figures")
        assert f"{n} / {n} objects" in figures, figures
        job_id = p.inner_text("section.job h3").split(":")[0].removeprefix("Job ").strip()
        job = server.client.get(f"/api/jobs/{job_id}").json()
        assert job["command"] == "backup" and job["device"] == device_id, job
        p.wait_for_selector("section.job ul.patches li a")
        links = p.locator("section.job ul.patches li a")
        assert links.count() == len(job["result"]["patch_ids"])
        links.first.click()
        p.wait_for_selector("syx-patch")
        page.close()  # no page errors
    finally:
        emu.stop()
    check_backup(server, job, sim)


def test_bank_built_in_the_page_is_sent_from_the_devices_view(chromium, jack_server, tmp_path):
    """The bank is built as a user builds it (import, Banks view, rows dragged into the
    slots), then sent from the Devices view: the emulator's memory afterwards is what the
    simulated send of that bank leaves, and differs from its memory before."""
    browser, Page = chromium
    server = Server(tmp_path)  # a library of its own: the rows dragged are the tones picked here
    saved = tmp_path / "memory.syx"
    emu = None
    try:
        page = Page(browser, server)
        p = page.page
        page.pick([("tones.syx", cz_tones(16, seed=9))])
        page.new_bank("sent", "casio-cz", "CZ-101")
        page.filter("casio-cz")
        page.drag_rows_to_bank(0, 15)
        p.wait_for_selector("syx-bank p.ok")
        emu = EmulatorProcess(["casio-cz", "--port", "webbank", "--model", "CZ-101",
                               "--save-on-exit", str(saved)], dict(os.environ))
        choose(p, "casio-cz", "CZ-101", "webbank")
        p.locator("syx-devices select[name=bank]").select_option(value="sent")
        p.click("syx-devices button.sendbtn")
        wait_over(p, 60_000)
        assert "Stored to:" in p.inner_text("section.job .result")
        page.close()
        bank = server.client.get("/api/banks/sent").json()
        bank_bytes = server.client.get("/api/banks/sent/syx").content
    finally:
        if emu is not None:
            emu.stop()
        server.stop()
    assert len([s for s in bank["slots"] if s.get("id")]) == 16, bank
    dev = registry.get("casio-cz")
    ref = dev.emulator(Options(model="CZ-101"))
    before = ref.save()
    sent = simulate(dev.send_protocol(bank_bytes, Options(model="CZ-101", form="faithful")), ref,
                    rate=None)
    assert sent.ok, sent.error
    assert ref.save() != before  # the bank changes the memory: the comparison can fail
    assert saved.read_bytes() == ref.save()
