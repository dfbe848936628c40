"""Sound previews in a real browser (Debian's Chromium through Playwright, as in
test_web_browser.py): a ▶ on every row that can be rendered and none on the others, a click
fetches the preview and the page's one <audio> element plays it (headless Chromium plays into
a null sink), ■ stops it, one sound at a time, Space plays the selected row, and the patch
view has its own play button."""

from __future__ import annotations

import pytest

pytest.importorskip("httpx")
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is in the test extra")
pytest.importorskip("numpy", reason="rendering needs the audio extra")

from test_web_browser import ARGS, CHROMIUM, Page  # noqa: E402
from test_web_previews import cz_tones  # noqa: E402
from webhelpers import Server, ks_programs, vz_bank  # noqa: E402

SHOTS = "/tmp/syxkit-previews-{}.png"


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM,
                              args=[*ARGS, "--autoplay-policy=no-user-gesture-required"])
        yield b
        b.close()


@pytest.fixture
def page(browser, tmp_path):
    server = Server(tmp_path)
    p = Page(browser, server)
    p.server = server
    yield p
    p.close()
    server.stop()


def playing(page) -> dict:
    return page.page.evaluate("""() => { const a = document.querySelector('audio#preview-audio');
        return { src: a.getAttribute('src'), paused: a.paused, time: a.currentTime }; }""")


def wait_playing(page, src_part: str) -> None:
    page.page.wait_for_function("""(part) => { const a = document.querySelector('audio#preview-audio');
        return a && !a.paused && (a.getAttribute('src') || '').includes(part) && a.currentTime > 0; }""",
                                arg=src_part, timeout=30_000)


def test_play_buttons_play_one_sound_at_a_time(page):
    page.pick([("cz.syx", cz_tones(3)), ("vz.syx", vz_bank()), ("ks.syx", ks_programs(2))])
    rows = page.rows()
    page.page.wait_for_function(
        "() => document.querySelectorAll('syx-library tr[data-id]').length >= 50")
    page.page.screenshot(path=SHOTS.format("library"))
    # a ▶ on CZ tones and VZ voices, none on K-Station programs
    page.filter("novation-kstation")
    assert rows.count() == 2 and page.page.locator("syx-library td.play button").count() == 0
    page.filter("casio-cz")
    assert page.page.locator("syx-library td.play button").count() == 3
    first = rows.nth(0)
    pid = first.get_attribute("data-id")
    responses = []
    page.page.on("response", lambda r: responses.append((r.url, r.status))
                 if "preview.wav" in r.url else None)
    button = first.locator("td.play button")
    assert button.inner_text() == "▶"
    button.click()
    wait_playing(page, f"/api/patches/{pid}/preview.wav")
    assert button.inner_text() == "■"
    assert any(f"/api/patches/{pid}/preview.wav" in u and s in (200, 206) for u, s in responses)
    # the click played, it did not open the patch view or select the row
    assert page.page.locator(".drawer").count() == 0
    page.page.screenshot(path=SHOTS.format("playing"))
    # another row's ▶ stops the first: one sound at a time
    second = rows.nth(1)
    second.locator("td.play button").click()
    wait_playing(page, f"/api/patches/{second.get_attribute('data-id')}/preview.wav")
    assert button.inner_text() == "▶"
    assert page.page.locator("syx-library td.play button.playing").count() == 1
    # ■ stops
    second.locator("td.play button").click()
    page.page.wait_for_function("() => document.querySelector('audio#preview-audio').paused")
    assert page.page.locator("syx-library td.play button.playing, syx-library td.play button.loading").count() == 0


def test_rendering_shows_then_space_plays_the_selected_row(page):
    page.pick([("vz.syx", vz_bank())])
    page.filter("casio-vz")
    row = page.rows().nth(3)
    pid = row.get_attribute("data-id")
    # hold the answer back so "rendering…" can be seen, as on a slow first render
    gate = {"go": False}

    def slow(route):
        while not gate["go"]:
            page.page.wait_for_timeout(20)
        route.continue_()

    row.click()  # select it (and open it beside the list)
    page.page.wait_for_selector(".drawer h2")
    page.page.locator("body").click(position={"x": 5, "y": 790})  # focus off any control
    page.page.route("**/preview.wav*", slow)
    page.page.keyboard.press(" ")
    page.page.wait_for_selector(f"syx-library tr[data-id='{pid}'] .rendering")
    assert "rendering…" in row.inner_text()
    page.page.screenshot(path=SHOTS.format("rendering"))
    gate["go"] = True
    wait_playing(page, f"/api/patches/{pid}/preview.wav")
    assert page.page.locator(".rendering").count() == 0
    # Space again stops it; the patch view's button plays it too
    page.page.keyboard.press(" ")
    page.page.wait_for_function("() => document.querySelector('audio#preview-audio').paused")
    page.page.unroute("**/preview.wav*")
    page.page.click(".drawer button.play")
    wait_playing(page, f"/api/patches/{pid}/preview.wav")
    assert "Stop" in page.page.inner_text(".drawer button.play")
    # Escape stops the sound and still clears the selection
    page.page.keyboard.press("Escape")
    page.page.wait_for_function("() => document.querySelector('audio#preview-audio').paused")
    assert page.page.locator(".bulkbar .count").count() == 0


def test_a_failed_preview_says_why(page):
    page.pick([("cz.syx", cz_tones(1))])
    row = page.rows().nth(0)
    # the server refuses (as for a sound it cannot render): the page shows its reason
    page.page.route("**/preview.wav*", lambda route: route.fulfill(
        status=422, content_type="application/json",
        body='{"detail": "patch 1 (casio-cz tone) cannot be previewed: test reason"}'))
    row.locator("td.play button").click()
    page.page.wait_for_selector(".messages p.error:has-text('test reason')")
    assert row.locator("td.play button").inner_text() == "▶"
