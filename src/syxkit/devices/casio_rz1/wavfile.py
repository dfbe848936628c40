"""Audio in and out for RZ-1 samples.

Reading goes through ``soundfile`` (libsndfile): WAV of every width (8-bit unsigned, 16, 24,
32-bit integer, 32/64-bit float, WAVE_FORMAT_EXTENSIBLE), AIFF and FLAC. Audio becomes floats
in [-1, 1) (libsndfile's scaling: an n-bit value v reads as v / 2**(n-1)), is mixed to mono,
resampled to 20 kHz with ``soxr`` (the SoX resampler, high quality), and quantised to signed
8-bit. numpy, soundfile and soxr are imported only here, when a file is read or resampled:
nothing else in syxkit needs them (``pip install 'syxkit[audio]'``).

Writing stays on the standard library's ``wave`` module (a 16-bit value s * 256 or 8-bit
unsigned s + 128), so ``rz1 export`` needs no audio library. Exactness: a 16-bit value
s * 256 reads as s / 128, times 128 and rounded gives back s; an 8-bit unsigned s + 128 reads
as s / 128 too; so export then import is lossless.
"""

from __future__ import annotations

import io
import math
import sys
import wave
from array import array
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from syxkit.devices.base import DeviceError

INSTALL_HINT = "pip install 'syxkit[audio]' (numpy, soundfile, soxr)"
_BITS = {"PCM_S8": 8, "PCM_U8": 8, "PCM_16": 16, "PCM_24": 24, "PCM_32": 32, "FLOAT": 32,
         "DOUBLE": 64}


def _libs() -> tuple[Any, Any, Any]:
    try:
        import numpy
        import soundfile
        import soxr
    except ImportError as exc:
        raise DeviceError(f"reading audio files needs {exc.name}: {INSTALL_HINT}") from None
    return numpy, soundfile, soxr


@dataclass
class Audio:
    """An audio file as read: its format and the mono signal (first ``len(mono)`` frames)."""

    rate: int
    channels: int
    bits: int
    encoding: str  # "PCM" | "float"
    frames: int  # frames in the file
    mono: Any  # float64 numpy array
    container: str = "WAV"

    def describe(self) -> str:
        chans = {1: "mono", 2: "stereo"}.get(self.channels, f"{self.channels} channels")
        kind = "" if self.container == "WAV" else f"{self.container} "
        return (f"{kind}{self.rate:,} Hz {self.bits}-bit {self.encoding} {chans}, "
                f"{self.frames / self.rate:.3f} s")


def write_wav(values: Sequence[int], rate: int, bits: int = 16) -> bytes:
    """Signed 8-bit samples as a mono WAV: 16-bit (value * 256) or 8-bit unsigned."""
    if bits == 16:
        frames = array("h", (v * 256 for v in values))
        if sys.byteorder == "big":
            frames.byteswap()
        raw = frames.tobytes()
    elif bits == 8:
        raw = bytes(v + 128 for v in values)
    else:
        raise DeviceError(f"WAV export is 8- or 16-bit; {bits} was asked for")
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(bits // 8)
        w.setframerate(rate)
        w.writeframes(raw)
    return out.getvalue()


def read_wav(data: bytes, name: str, need: tuple[int, int] | None = None) -> Audio:
    """Read an audio file's format and its audio mixed to mono (WAV, AIFF, FLAC, whatever
    libsndfile reads). ``need`` = (rate, samples): only the frames that many output samples at
    that rate draw on are decoded (a long file costs no more than a short one)."""
    numpy, soundfile, _ = _libs()
    try:
        with soundfile.SoundFile(io.BytesIO(data)) as f:
            rate, channels, frames = f.samplerate, f.channels, f.frames
            subtype, container = f.subtype, f.format
            most = frames if need is None or rate < 1 else min(frames, frames_needed(rate, *need))
            block = f.read(most, dtype="float64", always_2d=True)
    except (RuntimeError, TypeError, ValueError) as exc:  # LibsndfileError is a RuntimeError
        raise DeviceError(f"{name}: not a readable WAV, AIFF or FLAC file ({exc})") from None
    if channels < 1 or rate < 1:
        raise DeviceError(f"{name}: the header says {channels} channels at {rate} Hz; nothing to read")
    bits = _BITS.get(subtype)
    if bits is None:
        raise DeviceError(f"{name}: {container} encoding {subtype} is not supported (expected "
                          "integer PCM or float)")
    encoding = "float" if subtype in ("FLOAT", "DOUBLE") else "PCM"
    mono = block.mean(axis=1) if channels > 1 else block[:, 0]
    return Audio(rate, channels, bits, encoding, frames, numpy.ascontiguousarray(mono), container)


def frames_needed(src_rate: int, dst_rate: int, count: int) -> int:
    """Source frames that ``count`` output samples draw on (the resampler's reach included)."""
    ratio = src_rate / dst_rate
    return int(count * ratio) + int(64 * max(1.0, ratio)) + 2


def resample(x: Sequence[float], src_rate: int, dst_rate: int, count: int | None = None):
    """Band-limited resampling with soxr (high quality, its delay compensated); ``count``
    output samples (by default as many as the input's duration gives), padded with silence
    if the input is shorter. Equal rates return the input unchanged, which keeps 20 kHz files
    exact."""
    if count is None:
        count = int(len(x) * dst_rate / src_rate)
    if src_rate == dst_rate:
        return x[:count]
    numpy, _, soxr = _libs()
    signal = numpy.asarray(x, dtype=numpy.float64)
    out = soxr.resample(signal, src_rate, dst_rate, quality="HQ") if len(signal) else signal
    if len(out) < count:
        out = numpy.concatenate((out, numpy.zeros(count - len(out))))
    return out[:count]


def to_signed8(x: Sequence[float]) -> tuple[list[int], int]:
    """Floats in [-1, 1) to signed 8-bit (round half up), and how many went beyond full scale
    (resampling overshoot, float files above 0 dBFS) and were clipped. A source's own top value
    (32767 in 16-bit) rounds to 128 and is held at 127 without counting as clipped."""
    try:
        import numpy
    except ImportError:  # plain lists still work without numpy
        out, clipped = [], 0
        for v in x:
            if v > 1.0 or v < -1.0:
                clipped += 1
            s = math.floor(v * 128 + 0.5)
            out.append(127 if s > 127 else -128 if s < -128 else s)
        return out, clipped
    v = numpy.asarray(x, dtype=numpy.float64)
    clipped = int(numpy.count_nonzero((v > 1.0) | (v < -1.0)))
    s = numpy.clip(numpy.floor(v * 128 + 0.5), -128, 127).astype(int)
    return s.tolist(), clipped
