"""Four small synthesised drum sounds, one per pad, for ``example()`` and the demo: a kick
(falling sine), a snare (tone plus noise), a closed hi-hat (bright noise) and a clap (noise
bursts). Deterministic, so the example dump is the same every time."""

from __future__ import annotations

import math
import random

from syxkit.devices.casio_rz1 import table as t


def _clip(v: float) -> int:
    return max(-128, min(127, round(v)))


def _kick(n: int, rate: int) -> list[float]:
    out, phase = [], 0.0
    for i in range(n):
        s = i / rate
        phase += 2 * math.pi * (45 + 110 * math.exp(-s * 30)) / rate
        out.append(120 * math.exp(-s * 14) * math.sin(phase))
    return out


def _snare(n: int, rate: int, rnd: random.Random) -> list[float]:
    return [70 * math.exp(-i / rate * 25) * math.sin(2 * math.pi * 190 * i / rate)
            + 60 * math.exp(-i / rate * 18) * rnd.uniform(-1, 1) for i in range(n)]


def _hat(n: int, rate: int, rnd: random.Random) -> list[float]:
    out, prev = [], 0.0
    for i in range(n):
        w = rnd.uniform(-1, 1)
        out.append(110 * math.exp(-i / rate * 45) * (w - prev))  # difference = high-passed noise
        prev = w
    return out


def _clap(n: int, rate: int, rnd: random.Random) -> list[float]:
    bursts = (0.0, 0.011, 0.022, 0.034)
    out = []
    for i in range(n):
        s = i / rate
        env = sum(math.exp(-(s - b) * 180) for b in bursts if s >= b)
        env += 0.5 * math.exp(-max(0.0, s - bursts[-1]) * 20) if s >= bursts[-1] else 0.0
        out.append(80 * min(1.2, env) * rnd.uniform(-1, 1))
    return out


def drum_kit() -> list[list[int]]:
    """One list of signed 8-bit samples per pad, each its pad's exact length."""
    rnd = random.Random(1)
    rate = t.SAMPLE_RATE
    makers = (lambda n: _kick(n, rate), lambda n: _snare(n, rate, rnd),
              lambda n: _hat(n, rate, rnd), lambda n: _clap(n, rate, rnd))
    return [[_clip(v) for v in make(pad.length)] for make, pad in zip(makers, t.PADS, strict=True)]
