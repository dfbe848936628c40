"""Real-time factor of ``syxkit render``: every CZ tone and VZ voice of ../shared/corpus
rendered at 44.1 kHz for 2.5 s (held 1.5 s, released 1 s), audio seconds per CPU second,
median and worst per device. Targets (issue 18): >= 20x for a CZ tone, >= 10x for a VZ voice.

    .venv/bin/python bench/render.py [CORPUS]
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

from syxkit.inspect import entries, load
from syxkit.render import params, render, sounds

SECONDS, RELEASE, RATE = 1.5, 1.0, 44_100


def main() -> None:
    root = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).parents[2] / "shared" / "corpus")
    files = sorted(p for d in ("cz", "vz") for p in (root / d).rglob("*") if p.is_file())
    factors: dict[str, list[tuple[float, str]]] = {}
    from syxkit.render import cz

    render(cz.Tone(), 60, 100, SECONDS, RELEASE, RATE)  # warm-up: first-call imports, caches
    for src in load([str(f) for f in files]):
        dumps = [e.dump for e in entries(src) if e.dump is not None]
        for sound in sounds(dumps):
            if sound.kind == "pad":
                continue
            tone = params(sound)  # decoding is not rendering: timed apart
            start = time.process_time()
            render(tone, 60, 100, SECONDS, RELEASE, RATE)
            cpu = max(time.process_time() - start, 1e-6)
            factors.setdefault(sound.device, []).append(((SECONDS + RELEASE) / cpu,
                                                         f"{Path(src.path).name} {sound.label}"))
    for device, rows in sorted(factors.items()):
        values = [f for f, _ in rows]
        worst = min(rows)
        print(f"{device}: {len(rows)} sounds, real-time factor median {statistics.median(values):.1f}x, "
              f"worst {worst[0]:.1f}x ({worst[1]})")


if __name__ == "__main__":
    main()
