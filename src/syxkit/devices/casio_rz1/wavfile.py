"""WAV in and out for RZ-1 samples, in pure Python.

Reading: the stdlib ``wave`` module for integer PCM (8/16/24/32-bit, any rate and channel
count); files it refuses because they are IEEE float or WAVE_FORMAT_EXTENSIBLE (as many editors
write 24-bit and float files) are read by a small RIFF reader here. Audio becomes floats in
[-1, 1), is mixed to mono, resampled to 20 kHz with a windowed-sinc filter, and quantised to
signed 8-bit.

Exactness: a value v of an n-bit file maps to v / 2**(n-1); times 128 and rounded gives the
8-bit sample. For a 16-bit file written by :func:`write_wav` (v = s * 256) or an 8-bit one
(v = s + 128 unsigned) that gives back s exactly, so export then import is lossless.
"""

from __future__ import annotations

import io
import math
import struct
import sys
import wave
from array import array
from collections.abc import Sequence
from dataclasses import dataclass

from syxkit.devices.base import DeviceError

_PCM, _FLOAT, _EXTENSIBLE = 0x0001, 0x0003, 0xFFFE
HALF_TAPS = 12  # zero crossings each side of the resampling kernel


@dataclass
class Audio:
    """A WAV file as read: its format and the mono signal (first ``len(mono)`` frames)."""

    rate: int
    channels: int
    bits: int
    encoding: str  # "PCM" | "float"
    frames: int  # frames in the file
    mono: list[float]

    def describe(self) -> str:
        chans = {1: "mono", 2: "stereo"}.get(self.channels, f"{self.channels} channels")
        return (f"{self.rate:,} Hz {self.bits}-bit {self.encoding} {chans}, "
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
    """Read a WAV file's format and its audio mixed to mono. ``need`` = (rate, samples): only
    the frames that many output samples at that rate draw on are decoded (a long file costs
    no more than a short one)."""

    def limit(rate: int) -> int | None:
        return None if need is None or rate < 1 else frames_needed(rate, *need)

    try:
        with wave.open(io.BytesIO(data), "rb") as w:
            rate, channels, width = w.getframerate(), w.getnchannels(), w.getsampwidth()
            frames = w.getnframes()
            most = limit(rate)
            raw = w.readframes(frames if most is None else min(frames, most))
        encoding = "PCM"
    except wave.Error as exc:
        if "unknown format" not in str(exc):
            raise DeviceError(f"{name}: not a readable WAV file ({exc})") from None
        rate, channels, width, frames, raw, encoding = _read_riff(data, name, limit)
    except (EOFError, struct.error) as exc:
        raise DeviceError(f"{name}: not a readable WAV file (truncated: {exc or 'ends early'})") \
            from None
    if channels < 1 or rate < 1 or width < 1:
        raise DeviceError(f"{name}: WAV header says {channels} channels at {rate} Hz, "
                          f"{width * 8}-bit; nothing to read")
    values = _decode(raw, width, encoding, name)
    return Audio(rate, channels, width * 8, encoding, frames, _mix(values, channels))


def _read_riff(data: bytes, name: str, limit):
    """The fmt and data chunks of a float or WAVE_FORMAT_EXTENSIBLE file."""
    if data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise DeviceError(f"{name}: not a WAV file (expected RIFF … WAVE at offset 0)")
    pos, fmt, body = 12, None, None
    while pos + 8 <= len(data):
        cid, size = data[pos:pos + 4], struct.unpack_from("<I", data, pos + 4)[0]
        chunk = data[pos + 8:pos + 8 + size]
        if cid == b"fmt ":
            fmt = chunk
        elif cid == b"data":
            body = chunk
        pos += 8 + size + (size & 1)
    if fmt is None or len(fmt) < 16 or body is None:
        raise DeviceError(f"{name}: WAV file without a readable 'fmt ' and 'data' chunk")
    tag, channels, rate, _, align, bits = struct.unpack_from("<HHIIHH", fmt)
    if tag == _EXTENSIBLE and len(fmt) >= 26:
        tag = struct.unpack_from("<H", fmt, 24)[0]  # first two bytes of the sub-format GUID
    if tag not in (_PCM, _FLOAT):
        raise DeviceError(f"{name}: WAV encoding {tag:#06x} is not supported (expected integer "
                          "PCM or IEEE float)")
    width = max(1, (bits + 7) // 8)
    if channels < 1 or align != width * channels:
        raise DeviceError(f"{name}: WAV header is inconsistent ({channels} channels, "
                          f"{bits}-bit, {align} bytes per frame)")
    frames = len(body) // align
    most = limit(rate)
    keep = frames if most is None else min(frames, most)
    return rate, channels, width, frames, body[:keep * align], "float" if tag == _FLOAT else "PCM"


def _decode(raw: bytes, width: int, encoding: str, name: str) -> list[float]:
    if encoding == "float":
        if width not in (4, 8):
            raise DeviceError(f"{name}: {width * 8}-bit float WAV; expected 32- or 64-bit")
        vals = array("f" if width == 4 else "d")
        vals.frombytes(raw[:len(raw) - len(raw) % width])
        if sys.byteorder == "big":
            vals.byteswap()
        return list(vals)
    raw = raw[:len(raw) - len(raw) % width]
    if width == 1:  # 8-bit WAV is unsigned
        return [(b - 128) / 128 for b in raw]
    if width in (2, 4):
        vals = array("h" if width == 2 else "i")
        vals.frombytes(raw)
        if sys.byteorder == "big":
            vals.byteswap()
        scale = float(1 << (8 * width - 1))
        return [v / scale for v in vals]
    if width == 3:
        scale = float(1 << 23)
        return [int.from_bytes(raw[i:i + 3], "little", signed=True) / scale
                for i in range(0, len(raw), 3)]
    raise DeviceError(f"{name}: {width * 8}-bit PCM is not supported (expected 8, 16, 24, 32)")


def _mix(values: list[float], channels: int) -> list[float]:
    if channels == 1:
        return values
    frames = len(values) // channels
    return [sum(values[f * channels:(f + 1) * channels]) / channels for f in range(frames)]


def frames_needed(src_rate: int, dst_rate: int, count: int) -> int:
    """Source frames that ``count`` output samples draw on (kernel reach included)."""
    ratio = src_rate / dst_rate
    return int(count * ratio) + int(HALF_TAPS * max(1.0, ratio)) + 2


def resample(x: Sequence[float], src_rate: int, dst_rate: int, count: int | None = None) -> list[float]:
    """Band-limited resampling with a Hann-windowed sinc kernel; ``count`` output samples (by
    default as many as the input's duration gives). Equal rates return the input unchanged,
    which keeps 20 kHz files exact."""
    if count is None:
        count = int(len(x) * dst_rate / src_rate)
    if src_rate == dst_rate:
        return list(x[:count])
    step = src_rate / dst_rate
    cutoff = min(1.0, dst_rate / src_rate)  # of the source Nyquist: low-pass when shrinking
    reach = HALF_TAPS / cutoff
    n = len(x)
    out = []
    sin, cos, pi = math.sin, math.cos, math.pi
    for i in range(count):
        centre = i * step
        lo, hi = max(0, math.ceil(centre - reach)), min(n - 1, math.floor(centre + reach))
        acc = 0.0
        for k in range(lo, hi + 1):
            d = centre - k
            if d == 0:
                w = cutoff
            else:
                a = pi * cutoff * d
                w = cutoff * sin(a) / a * (0.5 + 0.5 * cos(pi * d / reach))
            acc += x[k] * w
        out.append(acc)
    return out


def to_signed8(x: Sequence[float]) -> tuple[list[int], int]:
    """Floats in [-1, 1) to signed 8-bit (round half up), and how many went beyond full scale
    (resampling overshoot, float files above 0 dBFS) and were clipped. A source's own top value
    (32767 in 16-bit) rounds to 128 and is held at 127 without counting as clipped."""
    out, clipped = [], 0
    for v in x:
        if v > 1.0 or v < -1.0:
            clipped += 1
        s = math.floor(v * 128 + 0.5)
        out.append(127 if s > 127 else -128 if s < -128 else s)
    return out, clipped
