"""What every renderer shares: the numpy import (lazy, with the install hint), the finishing
of a rendered float signal into 16-bit samples, and the WAV writer.

Finishing, in this order: a DC blocker (two cascaded moving averages of 50 ms subtracted from
the signal, standing in for the output capacitors of the real instruments), a 2 ms
raised-cosine fade-in and a 10 ms fade-out (the note starts and ends at zero: no click), then
headroom: each renderer mixes at a fixed gain, and only when a render would peak above -1 dBFS
is the whole render scaled down to -1 dBFS (one gain for the whole file, so nothing is
distorted and nothing clips). Everything is plain arithmetic on float64 arrays with fixed
seeds for noise: the same input gives the same bytes.
"""

from __future__ import annotations

import io
import wave
from typing import Any

INSTALL_HINT = "pip install 'syxkit[audio]' (numpy, soundfile, soxr)"
PEAK = 10 ** (-1 / 20)  # -1 dBFS: the loudest sample a render may reach
FADE_IN = 0.002
FADE_OUT = 0.010
DC_WINDOW = 0.050


class AudioMissing(ImportError):
    """An audio library is not installed; the message says how to install it."""


def np() -> Any:
    """numpy, imported when first needed (the rest of syxkit does not need it)."""
    try:
        import numpy
    except ImportError:
        raise AudioMissing(f"rendering audio needs numpy: {INSTALL_HINT}") from None
    return numpy


def _moving_average(x, width: int):
    n = np()
    if width < 2 or len(x) < 2:
        return x
    c = n.concatenate(([0.0], n.cumsum(x)))
    half = width // 2
    idx = n.arange(len(x))
    lo = n.clip(idx - half, 0, len(x))
    hi = n.clip(idx - half + width, 0, len(x))
    return (c[hi] - c[lo]) / n.maximum(hi - lo, 1)


def dc_block(x, rate: int):
    """Take away the slowly moving mean (below about 20 Hz)."""
    width = max(2, int(DC_WINDOW * rate))
    return x - _moving_average(_moving_average(x, width), width)


def finish(x, rate: int):
    """A float signal (any level) to int16 samples: DC blocked, faded in and out, and scaled
    down to -1 dBFS only when it would be louder (see the module text)."""
    n = np()
    x = n.asarray(x, dtype=n.float64)
    if len(x) == 0:
        return n.zeros(0, dtype=n.int16)
    x = n.nan_to_num(dc_block(x, rate))
    fin = min(len(x), max(1, int(FADE_IN * rate)))
    fout = min(len(x), max(1, int(FADE_OUT * rate)))
    x[:fin] *= 0.5 - 0.5 * n.cos(n.pi * n.arange(fin) / fin)
    x[len(x) - fout:] *= 0.5 + 0.5 * n.cos(n.pi * (n.arange(fout) + 1) / fout)
    peak = float(n.max(n.abs(x)))
    if peak > PEAK:
        x *= PEAK / peak
    return n.round(x * 32767.0).astype(n.int16)


def wav_bytes(samples, rate: int) -> bytes:
    """Mono 16-bit PCM WAV of int16 samples (little-endian whatever the machine)."""
    n = np()
    data = n.asarray(samples, dtype="<i2").tobytes()
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(int(rate))
        w.writeframes(data)
    return out.getvalue()
