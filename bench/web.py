"""Web librarian benchmark: server time of the API on the 120,000-object library of
bench/library.py (first page of the list, search as you type, bank export), and in Chromium
the time from navigation to the first rows shown, against a real ``syxkit web`` process.

    python bench/web.py                      # full size (builds the library: minutes)
    python bench/web.py --scale 0.05         # a quick small run
    python bench/web.py --library PATH       # time an existing library instead

Server times: requests go through the whole app (security guard included) in this process
with an ASGI test client, so the figures are the server's time without the network. The
browser time: Debian's /usr/bin/chromium through Playwright (``--no-browser-test`` skips it)
opening the URL that ``syxkit web --no-browser --port 0`` prints, until the first row shows.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from library import generate  # noqa: E402  (bench/library.py)

from syxkit.library import Library, import_paths  # noqa: E402

# What a user types, one keystroke at a time ("b", "br", "bra" …), over 20 typical words.
QUERIES = ["brass", "warm pad", "bass", "lead", "strings", "organ", "piano", "bell", "fat bass",
           "soft", "choir", "dark", "sweep", "pluck", "glassy bell", "metal", "arp", "flute",
           "noisy", "x"]


FIRST_N = 20


def ms(seconds: float) -> float:
    return round(seconds * 1000, 2)


def timed(client, method: str, url: str, **kw) -> tuple[float, object]:
    t = time.perf_counter()
    r = client.request(method, url, **kw)
    took = time.perf_counter() - t
    assert r.status_code < 300, (url, r.status_code, r.text[:200])
    return took, r


def run(library: Path) -> dict:
    from fastapi.testclient import TestClient

    from syxkit.web.app import create_app

    token = "bench"
    app = create_app(library, token=token, host="127.0.0.1", port=8000)
    with Library(library) as lib:
        patches = lib.count()
    # One portal for all requests, as a running server has one event loop: its worker threads
    # (each with its own library connection) live on between requests.
    with TestClient(app, base_url="http://127.0.0.1:8000",
                    headers={"Authorization": f"Bearer {token}"}) as client:
        return {"patches": patches, **_measure(client)}


def _measure(client) -> dict:
    timed(client, "GET", "/api/patches?limit=1")  # warm the connection and the caches
    # The page's first request: sorted by name, 100 rows.
    first = [timed(client, "GET", "/api/patches?limit=100&sort=name")[0] for _ in range(FIRST_N)]
    by_id = [timed(client, "GET", "/api/patches?limit=100")[0] for _ in range(5)]
    search = []
    for q in QUERIES:
        for k in range(1, len(q) + 1):
            if q[:k].strip():  # as the page sends it: sorted by name
                search.append(timed(client, "GET", "/api/patches", params={
                    "q": q[:k], "limit": 100, "sort": "name"})[0])
    filtered = [timed(client, "GET", "/api/patches?device=casio-vz&limit=100&offset=5000")[0]
                for _ in range(5)]
    by_name_filtered = [timed(client, "GET", "/api/patches?device=casio-vz&sort=-name&limit=100"
                              "&offset=5000")[0] for _ in range(5)]
    origin = {"Origin": "http://127.0.0.1:8000"}
    export = {}
    for bank, device, kind, size in (("bench-vz", "casio-vz", "voice", 64),
                                     ("bench-cz", "casio-cz", "tone", 16)):
        ids = [i["id"] for i in client.get("/api/patches", params={
            "device": device, "kind": kind, "limit": size}).json()["items"]]
        client.delete(f"/api/banks/{bank}", headers=origin)
        r = client.post("/api/banks", json={"name": bank, "device": device, "ids": ids},
                        headers=origin)
        assert r.status_code == 201, r.text
        export[bank] = [timed(client, "GET", f"/api/banks/{bank}/syx")[0] for _ in range(5)]
        client.delete(f"/api/banks/{bank}", headers=origin)
    search.sort()
    return {
        "first_page_ms": ms(statistics.median(first)),
        "first_page_by_id_ms": ms(statistics.median(by_id)),
        "search_requests": len(search),
        "search_median_ms": ms(statistics.median(search)),
        "search_p95_ms": ms(search[max(0, math.ceil(len(search) * 0.95) - 1)]),
        "search_max_ms": ms(search[-1]),
        "filtered_deep_page_ms": ms(statistics.median(filtered)),
        "filtered_deep_page_by_name_ms": ms(statistics.median(by_name_filtered)),
        "vz_bank_export_ms": ms(statistics.median(export["bench-vz"])),
        "cz_bank_export_ms": ms(statistics.median(export["bench-cz"])),
    }


CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


def browser(library: Path, runs: int = 3) -> dict:
    """Navigation to the first rows shown in Chromium, against a real ``syxkit web``."""
    import shutil
    import subprocess

    from playwright.sync_api import sync_playwright

    syxkit = Path(sys.executable).with_name("syxkit")
    exe = syxkit if syxkit.exists() else shutil.which("syxkit")
    proc = subprocess.Popen([str(exe), "web", "--no-browser", "--port", "0", "--library",
                             str(library)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    try:
        line = proc.stdout.readline()
        if not line.startswith("syxkit web: http"):
            raise RuntimeError(f"syxkit web did not start: {line!r} {proc.stderr.read()}")
        url = line.split(" ", 2)[2].strip()
        times = []
        with sync_playwright() as p:
            b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            try:
                for _ in range(runs + 1):  # the first run warms the server and the disk cache
                    ctx = b.new_context()
                    page = ctx.new_page()
                    t = time.perf_counter()
                    page.goto(url)
                    page.wait_for_selector("syx-library tbody tr", timeout=60_000)
                    times.append(time.perf_counter() - t)
                    ctx.close()
            finally:
                b.close()
        return {"browser_first_rows_ms": ms(statistics.median(times[1:])),
                "browser_first_rows_cold_ms": ms(times[0])}
    finally:
        proc.terminate()
        proc.wait(timeout=30)


# (figure, target in ms or None, what)
TARGETS = [("first_page_ms", 100, f"first page, sorted by name (median of {FIRST_N})"),
           ("first_page_by_id_ms", 100, "first page, by id"),
           ("search_median_ms", None, "search as you type, median"),
           ("search_p95_ms", 50, "search as you type, p95"),
           ("search_max_ms", None, "search as you type, slowest"),
           ("filtered_deep_page_ms", 100, "device filter, offset 5000, by id"),
           ("filtered_deep_page_by_name_ms", 100, "device filter, offset 5000, by -name"),
           ("vz_bank_export_ms", None, "VZ bank of 64 export"),
           ("cz_bank_export_ms", None, "CZ bank of 16 export"),
           ("browser_first_rows_ms", 1500, "Chromium: navigation to first rows (warm)"),
           ("browser_first_rows_cold_ms", 1500, "Chromium: first navigation after start")]


def table(result: dict) -> str:
    lines = [f"{result.get('patches', '?'):,} patches; load average before "
             f"{result.get('load_before')}, after {result.get('load_after')} "
             f"({os.cpu_count()} CPUs)",
             f"{'figure':46} {'ms':>9} {'target':>9}  ok"]
    for key, target, what in TARGETS:
        if key not in result:
            continue
        value = result[key]
        ok = "" if target is None else ("yes" if value < target else "NO")
        lines.append(f"{what:46} {value:9.1f} {'< ' + str(target) if target else '':>9}  {ok}")
    lines.append(f"({result.get('search_requests')} search requests over {len(QUERIES)} queries "
                 "typed letter by letter)")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="Fraction of the full size.")
    parser.add_argument("--library", type=Path, help="Time this library (no build).")
    parser.add_argument("--dir", type=Path, help="Work folder for the build (kept).")
    parser.add_argument("--json", action="store_true", help="Print one JSON object.")
    parser.add_argument("--no-browser-test", action="store_true",
                        help="Skip the Chromium measurement.")
    args = parser.parse_args(argv)
    if args.library:
        library = args.library
    else:
        work = args.dir or Path(tempfile.mkdtemp(prefix="syxkit-bench-web-"))
        library = work / "library.sqlite"
        if not library.exists():
            generate(work / "files", args.scale)
            with Library(library) as lib:
                import_paths(lib, [work / "files"])
    load_before = round(os.getloadavg()[0], 2)
    result = run(library)
    if not args.no_browser_test:
        result.update(browser(library))
    result.update(load_before=load_before, load_after=round(os.getloadavg()[0], 2))
    print(json.dumps(result) if args.json else table(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
