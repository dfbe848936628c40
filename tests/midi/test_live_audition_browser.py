"""The editor's audition switch in Chromium against a real ``syxkit web`` and ``syxkit emulate
casio-cz`` on a private JACK server: with "Audition on" and the emulator's port picked, a typed
vibrato rate reaches the emulator's edit buffer (0x60) and no memory slot changes. The test-note
button, on a port the test records: a K-Station program's edit goes out, then the picked note
(note on, note off) on the audition's channel."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest
from livehelpers import EmulatorProcess
from test_live_audition import EDIT_BUFFER, block_of, by_program, drain, recorder

from syxkit.core.framing import frame_messages
from syxkit.devices import registry
from syxkit.devices.base import Options

pytest.importorskip("httpx")
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is in the test extra")
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "web"))
from test_web_browser import ARGS, CHROMIUM, Page  # noqa: E402
from test_web_editor_browser import open_editor  # noqa: E402
from webhelpers import Server, cz_tones, ks_programs, upload  # noqa: E402

pytestmark = pytest.mark.jack


@pytest.fixture(scope="module")
def server(tmp_path_factory, jack_server):
    s = Server(tmp_path_factory.mktemp("server"))
    yield s
    s.stop()


def pick_port(p, name: str) -> None:
    """Audition on, and the JACK port ``name`` picked in the page's port list."""
    p.check("syx-editor input.audition-on")
    port = p.locator("syx-editor select.audition-port")
    # the first option is "choose a port…": nothing is sent before a port is picked
    p.wait_for_selector("syx-editor select.audition-port option:not([value=''])", state="attached")
    assert port.input_value() == ""
    values = port.locator("option").evaluate_all("os => os.map(o => o.value)")
    value = next((v for v in values if f'"{name}' in v and '"jack"' in v), None)
    assert value, values
    port.select_option(value)


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
                pick_port(p, "webaud")
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


def test_test_note_button_plays_after_the_edit(server):
    pid = upload(server, [("ks.syx", ks_programs(1))])[0]["patches"][0]["id"]
    fields = server.client.get(f"/api/patches/{pid}/fields").json()
    key = next(f["key"] for f in fields["fields"] if f["kind"] == "int" and not f.get("envelope")
               and fields["values"][f["key"]] is not None
               and fields["values"][f["key"]] < f["max"])
    value = fields["values"][key] + 1
    rec = recorder("notebrowser")
    try:
        with sync_api.sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            try:
                page = Page(browser, server)
                p = open_editor(page, pid, "novation-kstation")
                pick_port(p, "notebrowser")
                # switching on and picking the port send the stored sound (once or twice, as
                # the page's pause after each falls): let it all arrive, then start afresh
                p.wait_for_function("() => document.querySelector('syx-editor .audition-note')"
                                    "?.textContent.includes('edit buffer')")
                first = drain(rec, 142, tail=1.0)
                assert first and len(first) % 142 == 0, first.hex(" ")
                box = p.locator(f"syx-editor input[data-key='{key}']")
                box.fill(str(value))
                box.press("Tab")
                note = p.locator("syx-editor input.test-note-number")
                assert note.input_value() == "60"  # middle C unless picked
                note.fill("64")
                note.press("Tab")
                # at once: the edit still waits for the pause in typing, and must go first
                p.click("syx-editor button.test-note")
                p.wait_for_function("() => document.querySelector('syx-editor .audition-note')"
                                    "?.textContent.includes('on channel 1')")
                got = drain(rec, 142 + 6)
                assert not page.errors, page.errors
            finally:
                browser.close()
    finally:
        rec.close()
    want = server.client.post(f"/api/patches/{pid}/edit", json={
        "values": {key: value}, "mode": "preview"}).content
    assert block_of(got[:-6]) == block_of(want)
    assert got[-6:] == bytes((0x90, 64, 100, 0x80, 64, 0x40))
