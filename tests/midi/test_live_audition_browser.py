"""The editor's audition switch in Chromium against a real ``syxkit web`` and ``syxkit emulate
casio-cz`` on a private JACK server: with "Audition on" and the emulator's port picked, a typed
vibrato rate reaches the emulator's edit buffer (0x60) and no memory slot changes."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest
from livehelpers import EmulatorProcess
from test_live_audition import EDIT_BUFFER, by_program

from syxkit.core.framing import frame_messages
from syxkit.devices import registry
from syxkit.devices.base import Options

pytest.importorskip("httpx")
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is in the test extra")
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "web"))
from test_web_browser import ARGS, CHROMIUM, Page  # noqa: E402
from test_web_editor_browser import open_editor  # noqa: E402
from webhelpers import Server, cz_tones, upload  # noqa: E402

pytestmark = pytest.mark.jack


@pytest.fixture
def server(tmp_path, jack_server):
    s = Server(tmp_path)
    yield s
    s.stop()


def test_audition_switch_sends_edits_to_the_edit_buffer(server, tmp_path):
    pid = upload(server, [("tone.syx", cz_tones(1, seed=3))])[0]["patches"][0]["id"]
    rate = server.client.get(f"/api/patches/{pid}/fields").json()["values"]["vibrato.rate"]
    new_rate = rate + 11 if rate <= 88 else rate - 11
    saved = tmp_path / "memory.syx"
    start = registry.get("casio-cz").emulator(Options(model="CZ-101")).save()
    emu = EmulatorProcess(["casio-cz", "--port", "webaud", "--model", "CZ-101",
                           "--save-on-exit", str(saved)], dict(os.environ))
    try:
        with sync_api.sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            try:
                page = Page(browser, server)
                p = open_editor(page, pid)
                p.check("syx-editor input.audition-on")
                port = p.locator("syx-editor select.audition-port")
                p.wait_for_selector("syx-editor select.audition-port option", state="attached")
                values = port.locator("option").evaluate_all("os => os.map(o => o.value)")
                value = next((v for v in values if '"webaud"' in v and '"jack"' in v), None)
                assert value, values
                port.select_option(value)
                box = p.locator("syx-editor input[data-key='vibrato.rate']")
                box.fill(str(new_rate))
                box.press("Tab")
                p.wait_for_function(
                    "() => document.querySelector('syx-editor .audition-note')"
                    "?.textContent.includes('edit buffer')")
                # the send is over once no job runs
                end = time.monotonic() + 10
                while time.monotonic() < end:
                    jobs = server.client.get("/api/jobs").json()
                    if jobs and all(j["state"] != "running" for j in jobs):
                        break
                    time.sleep(0.1)
                assert not page.errors, page.errors
            finally:
                browser.close()
    finally:
        emu.stop()
    assert jobs and all(j["state"] == "done" for j in jobs), jobs
    want = server.client.post(f"/api/patches/{pid}/edit", json={
        "values": {"vibrato.rate": new_rate}, "mode": "preview"}).content
    (tone,) = by_program(registry.get("casio-cz").convert(
        [registry.identify(m) for m in frame_messages(want, "want")],
        Options(program=EDIT_BUFFER, model="CZ-101"))[0].data).values()
    before, after = by_program(start), by_program(saved.read_bytes())
    assert after[EDIT_BUFFER] == tone != before[EDIT_BUFFER]
    changed = sorted(pp for pp in set(before) | set(after) if before.get(pp) != after.get(pp))
    assert changed == [EDIT_BUFFER]
