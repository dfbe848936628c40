"""Screenshots of the web librarian for the README (docs/*.png), made in real Chromium from the
demo library: the library list, a bank being built by dragging, and an import result.

Run: .venv/bin/python scripts/screenshots.py [--out docs] (needs Debian's chromium and the
test extra's playwright; ./scripts/test installs both)."""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

REPO = Path(__file__).resolve().parents[1]
SYXKIT = str(Path(sys.executable).with_name("syxkit"))
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def drag(page, source, target) -> None:
    source.scroll_into_view_if_needed()
    src, dst = source.bounding_box(), target.bounding_box()
    page.mouse.move(src["x"] + 20, src["y"] + src["height"] / 2)
    page.mouse.down()
    page.mouse.move(dst["x"] + 30, dst["y"] + 5, steps=10)
    page.mouse.move(dst["x"] + 30, dst["y"] + dst["height"] / 2, steps=5)
    page.mouse.up()


def quiet(page) -> None:
    """Wait until the passing messages in the corner are gone (they fade after 5 s)."""
    page.wait_for_function("() => !document.querySelector('.messages p')", timeout=15_000)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--out", default=str(REPO / "docs"))
    args = ap.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    corpus = REPO.parent / "shared" / "corpus"
    with tempfile.TemporaryDirectory(prefix="syxkit-shots-") as tmp:
        demo = [SYXKIT, "demo", "--no-web", "-o", tmp]
        subprocess.run(demo, check=True, capture_output=True)
        library = Path(tmp) / "library.sqlite"
        server = subprocess.Popen([SYXKIT, "web", "--no-browser", "--port", "0", "--library",
                                   str(library)], stdout=subprocess.PIPE, text=True)
        try:
            url = server.stdout.readline().split()[-1]
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=shutil.which("chromium"), args=ARGS)
                page = browser.new_page(viewport={"width": 1280, "height": 800})
                page.goto(url)
                page.wait_for_selector("syx-library tr[data-id]")
                # an import result: real dumps when the shared corpus is beside the repo
                files = sorted(corpus.glob("cz/*.SYX"))[:3] + sorted(corpus.glob("vz/*.syx"))
                if not files:
                    files = sorted((Path(tmp) / "examples").glob("*.syx"))
                page.set_input_files("header input[type=file]:not([webkitdirectory])",
                                     [str(f) for f in files])
                page.wait_for_selector("section.imported")
                quiet(page)
                page.screenshot(path=str(out / "import.png"))
                page.click("section.imported button.close")
                # the library, one patch open
                page.fill("#search", "")
                page.locator("syx-library select[aria-label=Device]").select_option(value="casio-vz")
                page.wait_for_timeout(400)
                page.locator("syx-library tr[data-id]").nth(2).click()
                page.wait_for_selector(".drawer h2")
                quiet(page)
                page.screenshot(path=str(out / "library.png"))
                page.click(".drawer button.close")
                # a VZ bank being built: 40 voices dragged in, then one more on its way
                page.click("nav button:has-text('Banks')")
                page.fill("form.newbank input[name=name]", "VZ live set")
                page.locator("form.newbank select[name=device]").select_option(value="casio-vz")
                page.click("form.newbank button")
                page.wait_for_selector("syx-bank .bankhead h2")
                page.locator("syx-library select[aria-label=Kind]").select_option(value="voice")
                page.wait_for_timeout(400)
                rows = page.locator("syx-library tr[data-id]")
                rows.nth(0).click()
                rows.nth(39).click(modifiers=["Shift"])
                drag(page, rows.nth(39).locator("td.name"), page.locator("ol.slots li.slot").first)
                page.wait_for_selector("syx-bank p.error, syx-bank p.ok")
                page.keyboard.press("Escape")
                page.mouse.move(0, 0)
                quiet(page)
                page.screenshot(path=str(out / "bank.png"))
                # the editor on a CZ tone, its DCW envelope shaped by dragging a point
                page.click("nav button:has-text('Library')")
                page.locator("syx-library select[aria-label=Kind]").select_option(value="")
                page.locator("syx-library select[aria-label=Device]").select_option(value="casio-cz")
                page.wait_for_timeout(400)
                page.locator("syx-library tr[data-id]").nth(1).click()
                page.click("syx-patch .drawer button.edit")
                point = page.locator("svg.envgraph[data-env='line1.dcw'] circle.point[data-step='2']")
                point.wait_for()
                box = point.bounding_box()
                x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
                page.mouse.move(x, y)
                page.mouse.down()
                page.mouse.move(x + 30, y + 35, steps=6)
                page.mouse.up()
                page.fill("syx-editor input[data-key='vibrato.rate']", "42")
                page.keyboard.press("Tab")
                page.mouse.move(0, 0)
                quiet(page)
                page.screenshot(path=str(out / "editor.png"))
                browser.close()
        finally:
            server.terminate()
            server.wait(timeout=20)
    for name in ("library", "bank", "import", "editor"):
        print(out / f"{name}.png")


if __name__ == "__main__":
    main()
