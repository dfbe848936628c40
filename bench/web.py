"""Web librarian benchmark: server time of the API on the 120,000-patch library of
bench/library.py (first page of the list, search as you type, bank export).

    python bench/web.py                      # full size (builds the library: minutes)
    python bench/web.py --scale 0.05         # a quick small run
    python bench/web.py --library PATH       # time an existing library instead

Requests go through the whole app (security guard included) in this process with an ASGI
test client, so the figures are the server's time without the network.
"""

from __future__ import annotations

import argparse
import json
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
    first = [timed(client, "GET", "/api/patches?limit=100")[0] for _ in range(10)]
    by_name = [timed(client, "GET", "/api/patches?limit=100&sort=name")[0] for _ in range(5)]
    search = []
    for q in QUERIES:
        for k in range(1, len(q) + 1):
            if q[:k].strip():
                search.append(timed(client, "GET", "/api/patches", params={"q": q[:k],
                                                                            "limit": 100})[0])
    filtered = [timed(client, "GET", "/api/patches?device=casio-vz&limit=100&offset=5000")[0]
                for _ in range(5)]
    ids = [i["id"] for i in client.get("/api/patches", params={
        "device": "casio-vz", "kind": "voice", "limit": 64}).json()["items"]]
    client.delete("/api/banks/bench", headers={"Origin": "http://127.0.0.1:8000"})
    client.post("/api/banks", json={"name": "bench", "device": "casio-vz", "ids": ids})
    export = [timed(client, "GET", "/api/banks/bench/syx")[0] for _ in range(5)]
    client.delete("/api/banks/bench")
    search.sort()
    return {
        "first_page_ms": ms(statistics.median(first)),
        "first_page_sorted_by_name_ms": ms(statistics.median(by_name)),
        "search_requests": len(search),
        "search_median_ms": ms(statistics.median(search)),
        "search_p95_ms": ms(search[int(len(search) * 0.95) - 1]),
        "search_max_ms": ms(search[-1]),
        "filtered_deep_page_ms": ms(statistics.median(filtered)),
        "bank_export_ms": ms(statistics.median(export)),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="Fraction of the full size.")
    parser.add_argument("--library", type=Path, help="Time this library (no build).")
    parser.add_argument("--dir", type=Path, help="Work folder for the build (kept).")
    parser.add_argument("--json", action="store_true", help="Print one JSON object.")
    args = parser.parse_args(argv)
    if args.library:
        result = run(args.library)
    else:
        work = args.dir or Path(tempfile.mkdtemp(prefix="syxkit-bench-web-"))
        library = work / "library.sqlite"
        if not library.exists():
            generate(work / "files", args.scale)
            with Library(library) as lib:
                import_paths(lib, [work / "files"])
        result = run(library)
    if args.json:
        print(json.dumps(result))
    else:
        for key, value in result.items():
            print(f"{key:32} {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
