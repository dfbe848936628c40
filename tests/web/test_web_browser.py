"""The web librarian in a real browser: Debian's Chromium driven by Playwright (launched by
``executable_path``; Playwright's own browser download cannot work on these machines) against
a real ``syxkit web`` started here on a temporary library. Files are dropped on the page as a
user drops them (a DataTransfer with File objects, dispatched as a drop), banks are built by
dragging rows with the mouse, and what the page downloads is compared with what
``syxkit lib bank export`` writes from the same library."""

from __future__ import annotations

import base64
import io
import json
import shutil
import zipfile
from pathlib import Path

import pytest

pytest.importorskip("httpx")
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is in the test extra")

from webhelpers import HOSTILE, Server, cli, cz_tones, ks_programs, vz_bank  # noqa: E402

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
if CHROMIUM is None:
    pytest.skip("Debian's chromium is not installed (./scripts/test installs it when run as "
                "root)", allow_module_level=True)

# Chromium as root needs --no-sandbox; the rest keep it from reaching for Google's services,
# which this machine's closed network refuses.
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def server(tmp_path):
    s = Server(tmp_path)
    yield s
    s.stop()


class Page:
    """A page of the librarian, with what it said on the console and any dialog it opened
    (an injected script would open one)."""

    def __init__(self, browser, server: Server, width: int = 1280, height: int = 800):
        self.ctx = browser.new_context(viewport={"width": width, "height": height},
                                       accept_downloads=True)
        self.page = self.ctx.new_page()
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("dialog", self._dialog)
        self.page.goto(server.url)
        self.page.wait_for_selector("syx-library .pager")

    def _dialog(self, dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def drop(self, files: list[tuple[str, bytes]]) -> None:
        """Drop files on the page as a user does (the page's window-wide drop handler)."""
        payload = [{"name": n, "data": base64.b64encode(d).decode()} for n, d in files]
        dt = self.page.evaluate_handle("""(files) => {
            const dt = new DataTransfer();
            for (const f of files) {
                const bytes = Uint8Array.from(atob(f.data), (c) => c.charCodeAt(0));
                dt.items.add(new File([bytes], f.name, { type: "application/octet-stream" }));
            }
            return dt;
        }""", payload)
        self.page.dispatch_event("body", "dragenter", {"dataTransfer": dt})
        self.page.wait_for_selector(".dropzone")
        self.page.dispatch_event("body", "drop", {"dataTransfer": dt})
        self.page.wait_for_selector("section.imported")

    def pick(self, files: list[tuple[str, bytes]]) -> None:
        """Import through the 'Import files…' button."""
        self.page.set_input_files("header input[type=file]:not([webkitdirectory])", [
            {"name": n, "mimeType": "application/octet-stream", "buffer": d} for n, d in files])
        self.page.wait_for_selector("section.imported")

    def rows(self):
        return self.page.locator("syx-library tr[data-id]")

    def names(self) -> list[str]:
        return self.page.locator("syx-library tr[data-id] td.name").all_inner_texts()

    def new_bank(self, name: str, device: str, model: str | None = None) -> None:
        p = self.page
        p.click("nav button:has-text('Banks')")
        p.fill("form.newbank input[name=name]", name)
        # by value: Playwright's plain string also tries labels, and misses while lit re-renders
        p.locator("form.newbank select[name=device]").select_option(value=device)
        if model:
            p.locator("form.newbank select[name=model]").select_option(value=model)
        p.click("form.newbank button")
        p.wait_for_selector(f"syx-bank .bankhead h2:text-is('{name}')")

    def filter(self, device: str, kind: str | None = None) -> None:
        self.page.locator("syx-library select[aria-label=Device]").select_option(value=device)
        if kind:
            self.page.locator("syx-library select[aria-label=Kind]").select_option(value=kind)
        self.page.wait_for_function(
            "d => [...document.querySelectorAll('syx-library tr[data-id] td.device')]"
            ".every(td => td.textContent === d)", arg=device)

    def drag(self, source, target) -> None:
        """A mouse drag as a hand makes it: press, move in steps, release (SortableJS places
        the item on the drag-over events the moves make; a jump makes only one)."""
        source.scroll_into_view_if_needed()
        src, dst = source.bounding_box(), target.bounding_box()
        mouse = self.page.mouse
        mouse.move(src["x"] + 20, src["y"] + src["height"] / 2)
        mouse.down()
        mouse.move(dst["x"] + 30, dst["y"] + 5, steps=10)
        mouse.move(dst["x"] + 30, dst["y"] + dst["height"] / 2, steps=5)
        # rest over the target as a hand does, so a busy page has handled the drag-over
        # events (where SortableJS places the item) before the button is released
        self.page.wait_for_timeout(150)
        mouse.move(dst["x"] + 32, dst["y"] + dst["height"] / 2 + 1, steps=2)
        mouse.up()

    def drag_rows_to_bank(self, first: int, last: int, slot: int = 0) -> None:
        rows = self.rows()
        rows.nth(first).click()
        rows.nth(last).click(modifiers=["Shift"])
        count = last - first + 1
        assert self.page.inner_text(".bulkbar .count") == f"{count} selected"
        before = self.filled()
        # drag the row clicked last (in view): dragging a selected row carries the selection
        self.drag(rows.nth(last).locator("td.name"), self.page.locator("ol.slots li.slot").nth(slot))
        self.page.wait_for_function(
            "n => document.querySelectorAll('ol.slots li.slot[data-id]').length === n",
            arg=before + count)

    def filled(self) -> int:
        return self.page.locator("ol.slots li.slot[data-id]").count()

    def slot_names(self) -> list[str]:
        return self.page.locator("ol.slots li.slot[data-id] .name").all_inner_texts()

    def download(self, button: str) -> bytes:
        with self.page.expect_download() as info:
            self.page.click(f"syx-bank button:has-text('{button}')")
        return Path(info.value.path()).read_bytes()

    def close(self) -> None:
        assert not self.errors, self.errors
        self.ctx.close()


@pytest.fixture
def page(browser, server):
    p = Page(browser, server)
    yield p
    p.close()


def cli_bank_export(server: Server, tmp_path: Path, name: str, *args: str) -> dict[str, bytes]:
    out = tmp_path / "cli" / f"{name}.syx"
    out.parent.mkdir(exist_ok=True)
    done = cli(server, "bank", "export", name, "-o", str(out), *args)
    assert done.returncode == 0, done.stderr
    return {p.name: p.read_bytes() for p in sorted(out.parent.glob(f"{name}*.syx"))}


def test_page_without_the_token_is_refused(browser, server):
    ctx = browser.new_context()
    page = ctx.new_page()
    answer = page.goto(server.url.split("?")[0])
    assert answer.status == 401
    assert page.locator("syx-app").count() == 0
    ctx.close()


def test_dropped_files_and_zip_show_their_names(page):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("old floppy/cz-bank.syx", cz_tones(4, seed=7))
        zf.writestr("old floppy/readme.txt", "not sysex")
    page.drop([("vz-voices.syx", vz_bank()), ("floppy.zip", buf.getvalue())])
    result = page.page.inner_text("section.imported")
    assert "vz-voices.syx" in result and "64 new" in result
    assert "floppy.zip" in result
    page.page.fill("#search", "web voice 1")  # search as you type: words start names' words
    page.page.wait_for_function(
        "() => document.querySelectorAll('syx-library tr[data-id]').length === 10")
    assert sorted(page.names()) == [f"WEB VOICE {k}" for k in range(10, 20)]
    # dropped again: nothing new, and each patch is shown under the name it has in the library
    page.page.click("section.imported button.close")
    page.drop([("again.syx", vz_bank())])
    again = page.page.inner_text("section.imported")
    assert "0 new" in again and "64 already in the library" in again
    assert "WEB VOICE 00" in again


def test_hostile_file_name_is_shown_as_text_and_runs_nothing(page):
    page.drop([(HOSTILE, cz_tones(1))])
    result = page.page.locator("section.imported .path").first
    assert result.inner_text() == HOSTILE
    assert page.page.locator("section.imported img, syx-library img").count() == 0
    page.page.fill("#search", "img")
    page.page.wait_for_selector("syx-library tr[data-id]")
    page.rows().first.click()
    page.page.wait_for_selector(".drawer .sources .path")
    assert HOSTILE in page.page.inner_text(".drawer .sources")
    assert page.page.locator(".drawer img").count() == 0
    assert page.dialogs == []


def test_vz_bank_by_dragging_reorder_rename_download(page, server, tmp_path):
    page.pick([("vzsrc.syx", vz_bank())])
    page.new_bank("vz A", "casio-vz")
    page.filter("casio-vz", "voice")
    assert len(page.names()) == 64
    page.drag_rows_to_bank(0, 63)
    names = page.slot_names()
    assert names == [f"WEB VOICE {k:02d}" for k in range(64)]
    # reorder: slot 1 dragged onto slot 2
    slots = page.page.locator("ol.slots li.slot")
    page.drag(slots.nth(0), slots.nth(1))
    page.page.wait_for_function(
        "() => document.querySelector('ol.slots li.slot .name').textContent === 'WEB VOICE 01'")
    assert page.slot_names()[:3] == ["WEB VOICE 01", "WEB VOICE 00", "WEB VOICE 02"]
    # rename slot 3 in place; a character the VZ cannot show is refused as you type
    page.page.dblclick("ol.slots li.slot:nth-child(3) .name")
    field = page.page.locator("input.slotname")
    field.fill("BAD~NAME")
    page.page.wait_for_selector("ol.slots li.slot:nth-child(3) .error")
    assert "no" in page.page.inner_text("ol.slots li.slot:nth-child(3) .error")
    field.fill("STRINGS 3")
    field.press("Enter")
    page.page.wait_for_function(
        "() => document.querySelector('ol.slots li.slot:nth-child(3) .name')?.textContent === 'STRINGS 3'")
    page.page.wait_for_selector("syx-bank p.ok")
    data = page.download("Download .syx")
    assert len(data) == 43_094
    assert {"vz A.syx": data} == cli_bank_export(server, tmp_path, "vz A")
    # the library (the CLI's view of it) has the new name too
    listed = json.loads(cli(server, "search", "STRINGS", "--json").stdout)
    assert [p["name"] for p in listed] == ["STRINGS 3"]


def test_cz_bank_by_dragging_downloads_the_cli_bytes(page, server, tmp_path):
    page.pick([("czsrc.syx", cz_tones(16, seed=3))])
    page.new_bank("cz A", "casio-cz", "CZ-101")
    page.filter("casio-cz")
    page.drag_rows_to_bank(0, 15)
    # CZ-101 tones keep no names on the synth: the page says so instead of offering a rename
    page.page.dblclick("ol.slots li.slot:nth-child(1) .name")
    assert page.page.locator("input.slotname").count() == 0
    assert "no names" in page.page.inner_text("syx-bank")
    data = page.download("Download .syx")
    assert {"cz A.syx": data} == cli_bank_export(server, tmp_path, "cz A", "--model", "CZ-101")


def test_kstation_bank_by_dragging_downloads_the_cli_bytes(page, server, tmp_path):
    page.pick([("kssrc.syx", ks_programs(100))])
    page.new_bank("ks 1", "novation-kstation", "K-Station")
    page.filter("novation-kstation")
    page.drag_rows_to_bank(0, 99)
    page.page.wait_for_selector("syx-bank p.ok")
    assert "50" in page.page.inner_text("syx-bank .hint")  # 50 program-pair dumps per bank
    data = page.download("Download .syx")
    assert {"ks 1.syx": data} == cli_bank_export(server, tmp_path, "ks 1")


def test_keyboard_slash_focuses_search_and_escape_clears_selection(page):
    page.pick([("czsrc.syx", cz_tones(3))])
    page.rows().nth(0).click()
    page.rows().nth(2).click(modifiers=["Shift"])
    assert page.page.inner_text(".bulkbar .count") == "3 selected"
    page.page.keyboard.press("Escape")
    assert page.page.locator(".bulkbar .count").count() == 0
    page.page.locator("body").click(position={"x": 5, "y": 790})
    page.page.keyboard.press("/")
    assert page.page.evaluate("document.activeElement.id") == "search"
    page.page.keyboard.press("Escape")
    page.rows().nth(0).click()
    page.page.locator("body").click(position={"x": 5, "y": 790})
    page.page.keyboard.press("Delete")
    page.page.wait_for_function(
        "() => document.querySelectorAll('syx-library tr[data-id]').length === 2")


def test_readable_at_tablet_width(browser, server, tmp_path):
    p = Page(browser, server, width=800, height=1100)
    p.pick([("czsrc.syx", cz_tones(5))])
    p.rows().first.click()
    p.page.wait_for_selector(".drawer h2")
    # nothing wider than the screen: no sideways scrolling
    assert p.page.evaluate("document.documentElement.scrollWidth") <= 800
    p.close()


def test_dropped_bulk_opens_as_bank_in_its_own_order(page, server, tmp_path):
    """The seed's flow: drop a VZ bulk, see its 64 names, open it as a bank, swap two voices,
    fill nothing, download the bulk the VZ takes back."""
    page.drop([("MY VZ BANK.syx", vz_bank())])
    page.page.click("section.imported button:has-text('Open as bank (64)')")
    page.page.wait_for_selector("syx-bank .bankhead h2:text-is('MY VZ BANK')")
    assert page.slot_names() == [f"WEB VOICE {k:02d}" for k in range(64)]
    page.page.check("syx-bank input[type=checkbox]")  # drag swaps slots
    slots = page.page.locator("ol.slots li.slot")
    page.drag(slots.nth(0), slots.nth(5))
    page.page.wait_for_function(
        "() => document.querySelector('ol.slots li.slot .name').textContent === 'WEB VOICE 05'")
    names = page.slot_names()
    assert names[0] == "WEB VOICE 05" and names[5] == "WEB VOICE 00"
    assert names[1:5] == [f"WEB VOICE {k:02d}" for k in range(1, 5)]
    page.page.wait_for_selector("syx-bank p.ok")
    data = page.download("Download .syx")
    assert {"MY VZ BANK.syx": data} == cli_bank_export(server, tmp_path, "MY VZ BANK")


def test_empty_slots_filled_with_a_blank_before_download(page, server, tmp_path):
    page.pick([("vzsrc.syx", vz_bank())])
    page.new_bank("short", "casio-vz")
    page.filter("casio-vz", "voice")
    page.drag_rows_to_bank(0, 9)
    # 10 of 64 voices: the page says why it cannot be built yet, before any download
    assert "Cannot be built yet" in page.page.inner_text("syx-bank")
    assert page.page.locator("syx-bank button:has-text('Download .syx')").is_disabled()
    page.page.locator("syx-bank select[aria-label='Fill empty slots']").select_option(value=":blank")
    page.page.wait_for_selector("syx-bank p.ok")
    assert page.filled() == 64  # a blank voice tops the voices up to 64, no more
    data = page.download("Download .syx")
    assert len(data) == 43_094
    assert {"short.syx": data} == cli_bank_export(server, tmp_path, "short")


def test_duplicates_view_shows_one_sound_under_two_names(page):
    one = vz_bank()
    page.pick([("first.syx", one)])
    from syxkit.devices.casio_vz.messages import bulk_file
    from syxkit.devices.casio_vz.sounds import example_voice, with_name
    from syxkit.devices.casio_vz.table import VOICE

    renamed = bulk_file([with_name(example_voice(), "SAME SOUND A", VOICE)]
                        + [with_name(example_voice(), "SAME SOUND B", VOICE)] * 63)
    page.pick([("second.syx", renamed)])
    page.page.click("nav button:has-text('Duplicates')")
    page.page.wait_for_selector("syx-dupes ul.groups")
    text = page.page.inner_text("syx-dupes")
    assert "SAME SOUND A" in text and "SAME SOUND B" in text
