"""Casio CZ tones rendered from their parameters (phase distortion, as in the uPD933).

Modelled (from public facts: the CZ manuals, the CZ SysEx tables in ``specs/casio-cz.md``,
and the published analysis of the uPD933 sound chip as modelled in MAME's ``upd933``
device, BSD-3-Clause, read for facts only):

- The chip reads a cosine table through a *phase transfer function* per waveform; the DCW
  envelope moves the function's knee (the "pivot"): with DCW at 0 the phase is linear and
  every waveform is a pure sine (double sine: a pure sine an octave up), with DCW at 99 the
  knee is almost at the cycle start (saw, square, pulse ... edges). Waveforms: saw, square,
  pulse, double sine, saw-pulse, resonance I/II/III (a sine at (1 + DCW/64) times the pitch,
  hard-synced to the fundamental, under a saw / triangle / trapezoid window), and the
  two-waveform cycles (the two waves alternate cycle by cycle).
- The chip's DCW limit: the higher the pitch, the smaller the largest DCW (keeps pulses
  audible, avoids aliasing): ``1024 - frequency * 0.2048`` in its 10-bit DCW units.
- Envelopes as the chip runs them: each step moves linearly, by a fixed increment per
  40 kHz chip sample of ``(8 + (r & 7)) << (r >> 3)`` for the stored 7-bit rate r, towards
  the stored level (DCA 7-bit level << 18, DCW << 19, DCO << 16 units). The panel values are
  turned into stored values with the CZ's published conversions (DCA rate x119/99, DCW rate
  x119/99 + 8, DCO rate x127/99; DCA level + 28; DCW level x127/99; DCO level + 4 above 63).
  So DCA rate 99 sweeps the full range in 3.4 ms, rate 50 in 0.54 s, rate 1 in 92 s.
- DCA level as the chip hears it: a logarithmic volume, 13 binary orders over the 9-bit
  range (about 0.61 dB per stored level step; panel level 1 is about -60 dB, 99 is -0.6 dB).
- DCO level: stored levels below 64 are 1/16 semitone each, 64 and above (bit 6) 2 semitones
  per unit of the low six bits (the chip's two pitch-envelope units).
- Line select 1, 2, 1+1' (line 1 twice, the copy detuned), 1+2' (line 2 detuned); octave;
  detune (octave, note, fine: the stored fine value in 1/256 semitone); ring modulation
  (line 1 multiplied by line 2's output, as the chip does) and noise modulation (line 1's
  pitch jumps by 0 or 32 semitones at random every 8 chip samples, from a fixed seed).
- Pitch: the uPD933's pitch table puts A4 at 442 Hz (:data:`A4`); MIDI note 69 sounds at it.

Approximated (no hardware here to measure, so the choice is stated):

- Vibrato: rate r -> 0.5 + r/10 Hz, depth d -> up to +-1.5 semitones at 99 (depth's machine
  value 0x300 = 768 of 512 per semitone) as (d/99)^2 of it, delay d -> d * 30 ms; waves
  triangle, saw up, saw down, square.
- Key follow (0-9): DCA key follow speeds the DCA envelope up above C3 (and slows it below)
  by up to 2x per octave at 9; DCW key follow lowers the DCW depth above C2, up to all of it
  four octaves up at 9. The real curves are tables in the firmware not yet published.
- The chip runs at 40 kHz; renders are computed directly at the output rate (the phase
  functions are evaluated exactly per output sample), envelopes keep the chip's timing.
- Velocity: the CZ-101/1000/3000/5000/230S have none; it is ignored.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from syxkit.render import envelope as env
from syxkit.render.common import finish, np

A4 = 442.0  # Hz: the uPD933's pitch table (note 69)
CHIP_RATE = 40_000  # the chip's sample rate (envelope timing)
WAVEFORMS = ("saw", "square", "pulse", "double sine", "saw-pulse",
             "resonance I", "resonance II", "resonance III")
LINE_SELECTS = ("1", "2", "1+1'", "1+2'")
VIBRATO_WAVES = ("triangle", "saw up", "saw down", "square")
MIX_GAIN = 0.45  # per line: two lines at full level stay below full scale
NOISE_SEED = 0x0C2


@dataclass
class Envelope:
    """Panel values: 8 rates and levels 0-99, sustain and end steps counted from 1 (sustain
    None: no sustain step)."""

    rates: list[int]
    levels: list[int]
    end: int = 1
    sustain: int | None = None


@dataclass
class Line:
    waveform1: str = "saw"
    waveform2: str | None = None  # None: one waveform per cycle
    dco: Envelope = field(default_factory=lambda: Envelope([99] * 8, [0] * 8, 1))
    dcw: Envelope = field(default_factory=lambda: Envelope([99] * 8, [0] * 8, 1))
    dca: Envelope = field(default_factory=lambda: Envelope([99] * 8, [99] + [0] * 7, 2, 1))
    dca_key_follow: int = 0
    dcw_key_follow: int = 0


@dataclass
class Vibrato:
    wave: str = "triangle"
    delay: int = 0
    rate: int = 0
    depth: int = 0


@dataclass
class Tone:
    """A CZ tone in panel terms (what ``decode`` shows), enough to render it."""

    line1: Line = field(default_factory=Line)
    line2: Line = field(default_factory=Line)
    line_select: str = "1"
    octave: int = 0  # -1, 0, +1
    detune: float = 0.0  # semitones, line 2 (or 1') against line 1, signed
    modulation: str = "none"  # none | ring | noise
    vibrato: Vibrato = field(default_factory=Vibrato)


# --- panel -> stored -> chip -----------------------------------------------------------

def chip_rate(stored: int) -> int:
    """The chip's envelope increment per 40 kHz sample for a stored 7-bit rate."""
    stored &= 0x7F
    return (8 | (stored & 7)) << (stored >> 3)


def _clamp99(v) -> int:
    return max(0, min(99, int(v)))


def dca_level_units(panel: int) -> float:
    """Panel DCA level -> stored 7-bit level (0 or 29-127)."""
    p = _clamp99(panel)
    return 0.0 if p == 0 else float(p + 28)


def dcw_level_units(panel: int) -> float:
    return float(_clamp99(panel) * 127 // 99)


def dco_level_semitones(panel: int) -> float:
    p = _clamp99(panel)
    stored = p + 4 if p > 63 else p
    return (stored & 0x3F) * 2.0 if stored & 0x40 else stored / 16.0


def dca_speed(panel: int) -> float:
    """DCA envelope speed in stored level units per second."""
    return chip_rate(_clamp99(panel) * 119 // 99) * CHIP_RATE / (1 << 18)


def dcw_speed(panel: int) -> float:
    return chip_rate(_clamp99(panel) * 119 // 99 + 8) * CHIP_RATE / (1 << 19)


def dco_speed(panel: int) -> float:
    """DCO envelope speed in semitones per second (1 semitone = 1 << 20 chip units)."""
    return chip_rate(_clamp99(panel) * 127 // 99) * CHIP_RATE / (1 << 20)


def _curve(e: Envelope, level, speed, key_off: float, count: int, rate: int, scale=1.0):
    steps = [env.Step(level(lv), speed(r) * scale) for r, lv in zip(e.rates, e.levels, strict=False)]
    sustain = None if e.sustain is None else e.sustain - 1
    return env.render(steps, sustain, max(1, e.end) - 1, key_off, count, rate)


def dca_gain(units):
    """Stored 7-bit DCA level (float array) -> linear gain, as the chip's log volume table."""
    n = np()
    idx = units * 4.0
    gain = n.exp2(13.0 * (idx - 511.0) / 511.0)
    return n.where(units > 0.0, gain, 0.0)


# --- oscillators -------------------------------------------------------------------------

def _phase_function(wave: int, pos, pivot, dcw10):
    """The read phase (0..1) of the cosine table for ``pos`` in 0..1, pivot in (0, 0.5]."""
    n = np()
    if wave == 0:  # saw
        return n.where(pos < pivot, pos * 0.5 / pivot, 0.5 + (pos - pivot) * 0.5 / (1 - pivot))
    if wave == 1:  # square
        q = n.mod(pos, 0.5)
        ph = n.where(q < pivot, q * 0.5 / pivot, 0.5)
        return ph + n.where(pos >= 0.5, 0.5, 0.0)
    if wave == 2:  # pulse
        return n.where(pos < 2 * pivot, pos / (2 * pivot), 1.0)
    if wave == 3:  # double sine
        return n.where(pos < pivot, pos / pivot, (pos - pivot) / (1 - pivot))
    if wave == 4:  # saw-pulse
        return n.where(pos < 0.5, pos, n.where(pos < pivot + 0.5, 0.5 + (pos - 0.5) * 0.5 / pivot, 1.0))
    return n.mod(pos * (1.0 + dcw10 / 64.0), 1.0)  # resonance: sine hard-synced to the fundamental


def _window(kind: int, pos):
    """Resonance windows (1 = saw, 2 = triangle, 3 = trapezoid): the factor on the unipolar
    cosine."""
    n = np()
    if kind == 1:
        return 1.0 - pos
    if kind == 2:
        return 1.0 - n.abs(2.0 * pos - 1.0)
    return n.where(pos < 0.5, 1.0, 2.0 - 2.0 * pos)


def _wave_index(name: str | None) -> int | None:
    if name is None or name in ("off", "none", ""):
        return None
    try:
        return WAVEFORMS.index(name)
    except ValueError:
        raise ValueError(f"unknown CZ waveform {name!r} (expected one of {', '.join(WAVEFORMS)})") from None


def _line(line: Line, semis, count: int, rate: int, key_off: float, note: int,
          pitch_extra=None):
    """One line: its signal in -1..1 times its DCA gain."""
    n = np()
    base = note - 69
    pitch = semis + _curve(line.dco, dco_level_semitones, dco_speed, key_off, count, rate)
    if pitch_extra is not None:
        pitch = pitch + pitch_extra
    freq = A4 * n.exp2((base + pitch) / 12.0)
    total = n.cumsum(freq / rate) - freq[0] / rate  # the note starts at phase 0
    pos = n.mod(total, 1.0)
    cycle = n.floor(total).astype(n.int64)

    kf_dcw = 1.0
    if line.dcw_key_follow:
        kf_dcw = max(0.0, 1.0 - line.dcw_key_follow / 9 * max(0, note - 36) / 48)
    dcw10 = _curve(line.dcw, dcw_level_units, dcw_speed, key_off, count, rate) * 8.0 * kf_dcw
    limit = 1024.0 - n.minimum(1024.0, freq * 2048.0 / CHIP_RATE * 4.0)
    dcw10 = n.minimum(dcw10, limit)
    pivot = n.maximum(1024.0 - dcw10, 1.0) / 2048.0

    out = n.zeros(count)
    w1 = _wave_index(line.waveform1)
    w2 = _wave_index(line.waveform2)
    waves = [w1 if w1 is not None else 0] if w2 is None else [w1 if w1 is not None else 0, w2]
    which = n.zeros(count, dtype=bool) if len(waves) == 1 else (cycle % 2 == 1)
    for k, w in enumerate(waves):
        mask = which if k == 1 else ~which
        if not mask.any():
            continue
        shape = min(w, 5)
        ph = _phase_function(shape, pos[mask], pivot[mask], dcw10[mask])
        uni = 0.5 - 0.5 * n.cos(2 * n.pi * ph)  # the chip's unipolar cosine table
        if shape == 5:
            uni = uni * _window(w - 4, pos[mask])
        out[mask] = uni * 2.0 - 1.0

    speed = 1.0
    if line.dca_key_follow:
        speed = 2.0 ** (line.dca_key_follow / 9 * (note - 48) / 12)
    gain = dca_gain(_curve(line.dca, dca_level_units, dca_speed, key_off, count, rate, speed))
    return out * gain


def _vibrato(v: Vibrato, count: int, rate: int):
    n = np()
    if v.depth <= 0 or v.rate <= 0:
        return None
    t = n.arange(count) / rate
    hz = 0.5 + _clamp99(v.rate) / 10.0
    depth = 1.5 * (_clamp99(v.depth) / 99.0) ** 2
    ph = n.mod(t * hz, 1.0)
    wave = v.wave if v.wave in VIBRATO_WAVES else "triangle"
    shape = {"triangle": 4.0 * n.abs(ph - 0.5) - 1.0,
             "saw up": 2.0 * ph - 1.0, "saw down": 1.0 - 2.0 * ph,
             "square": n.where(ph < 0.5, 1.0, -1.0)}[wave]
    delay = _clamp99(v.delay) * 0.03
    return n.where(t >= delay, shape * depth, 0.0)


def synthesize(tone: Tone, note: int = 60, seconds: float = 2.5, release: float = 1.0,
               rate: int = 44_100):
    """The tone as float samples (before :func:`~syxkit.render.common.finish`): the key is
    held ``seconds`` and the render goes on ``release`` seconds after."""
    n = np()
    count = max(1, int(round((seconds + release) * rate)))
    key_off = float(seconds)
    octave = 12 * max(-1, min(1, int(tone.octave)))
    vib = _vibrato(tone.vibrato, count, rate)
    select = tone.line_select if tone.line_select in LINE_SELECTS else "1"
    second = {"2": None, "1+1'": tone.line1, "1+2'": tone.line2}.get(select)
    base = n.full(count, float(octave))
    if vib is not None:
        base = base + vib

    lines = []
    if select == "2":
        lines.append(_line(tone.line2, base, count, rate, key_off, note))
    else:
        noise = None
        if tone.modulation == "noise" and second is not None:
            rng = n.random.default_rng(NOISE_SEED)
            block = max(1, int(round(rate * 8 / CHIP_RATE)))
            jumps = rng.integers(0, 2, size=count // block + 1) * 32.0
            noise = n.repeat(jumps, block)[:count]
        first = _line(tone.line1, base, count, rate, key_off, note, noise)
        if second is not None:
            other = _line(second, base + tone.detune, count, rate, key_off, note)
            if tone.modulation == "ring":
                first = first * other
            lines += [first, other]
        else:
            lines.append(first)
    return sum(lines) * MIX_GAIN


def render(tone: Tone, note: int = 60, velocity: int = 100, seconds: float = 2.5,
           release: float = 1.0, rate: int = 44_100):
    """The tone as int16 samples (velocity: the CZ has none; kept for one signature)."""
    del velocity
    return finish(synthesize(tone, note, seconds, release, rate), rate)
