"""Step envelopes (the CZ's and the VZ's 8-step kind) as piecewise-linear curves.

An envelope is a list of steps, each a target level and a speed (level units per second);
it moves from where it is to each step's level in a straight line at that step's speed, so a
step's time is |level change| / speed (the uPD933 moves its envelopes this way: a fixed
increment per sample until the target is reached). The sustain step holds until the key is
released; then the steps after it run to the end step. A key released before the sustain step
is reached cuts the step under way where it is and goes on with the step after the sustain
step. Without a sustain step the steps run to the end whatever the key does. After the end
step the level holds.

Only the break points are computed in Python (at most a few dozen); the per-sample curve is
one ``numpy.interp`` over them, which is what keeps a render many times faster than real time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from syxkit.render.common import np


@dataclass(frozen=True)
class Step:
    level: float  # target, in the envelope's own units
    speed: float  # units per second (> 0)


def breakpoints(steps: Sequence[Step], sustain: int | None, end: int, key_off: float,
                start: float = 0.0) -> tuple[list[float], list[float]]:
    """Times (s) and values of the envelope's corners. ``sustain`` and ``end`` are 0-based
    step indexes (``sustain`` None: no sustain step); ``key_off`` the release time in s."""
    end = max(0, min(end, len(steps) - 1))
    if sustain is not None and not 0 <= sustain < end:
        sustain = None  # a sustain on (or after) the end step just holds the end level
    times, values = [0.0], [start]
    t, cur = 0.0, start
    i = 0
    released = False
    while i <= end:
        step = steps[i]
        dt = abs(step.level - cur) / step.speed if step.speed > 0 else float("inf")
        if sustain is not None and not released and i <= sustain and t + dt > key_off:
            # the key is released during a step before (or at) the sustain step
            frac = (key_off - t) / dt if dt > 0 and dt != float("inf") else 0.0
            cur = cur + (step.level - cur) * frac
            t = key_off
            times.append(t)
            values.append(cur)
            released = True
            i = sustain + 1
            continue
        if dt == float("inf"):
            break  # never moves: holds where it is
        t += dt
        cur = step.level
        times.append(t)
        values.append(cur)
        if sustain is not None and i == sustain and not released:
            t = max(t, key_off)  # held until the key is released
            times.append(t)
            values.append(cur)
            released = True
        i += 1
    return times, values


def curve(times: Sequence[float], values: Sequence[float], count: int, rate: int):
    """The envelope at each of ``count`` samples at ``rate`` Hz."""
    n = np()
    t = n.arange(count, dtype=n.float64) / rate
    return n.interp(t, n.asarray(times, dtype=n.float64), n.asarray(values, dtype=n.float64))


def render(steps: Sequence[Step], sustain: int | None, end: int, key_off: float, count: int,
           rate: int, start: float = 0.0):
    times, values = breakpoints(steps, sustain, end, key_off, start)
    return curve(times, values, count, rate)
