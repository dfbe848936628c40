"""Casio VZ-1 / VZ-10M voices rendered from their parameters (iPD, approximated).

Modelled, from the VZ manuals' block diagrams, the SysEx layout in ``specs/casio-vz.md`` and
M. Wende's description of the line modes (1999):

- Eight modules M1-M8, each an oscillator with its waveform (sine, saw1-saw5, noise1,
  noise2), its pitch (the voice's note + the module's detune, or a fixed pitch), its own
  8-step amplitude envelope (sustain and end steps), envelope depth, on/off, velocity
  sensitivity and amplitude key follow.
- Four lines A-D of two modules (odd, even) combined as **mix** (M1 + M2), **ring**
  (M2 + M1's level x M1's wave x M2's wave: M2's wave and pitch act inside the ring term even
  when M2 is off) or **phase** (M2 read with its phase moved by M1: only M2 is heard, M1's
  level sets how far the phase moves); the external phase switches send line A, B or C into
  the phase of the next line's even module (M4, M6, M8) instead of the output.
- The pitch envelope (8 steps, sustain, end, depth, range) moves every module; the voice's
  octave and total level; vibrato (rate, depth, delay, wave).

Approximated, and why (no VZ here to record, and its chip is not published like the CZ's):

- Phase mode is rendered as phase modulation of M2 by M1 (what Casio's manual and
  third-party books describe; it adds sidebands at M2 +- k x M1). Measurements published by
  J. Vosmaer and acreil indicate the hardware really folds M2's wave (sin(sin(x)), the two
  modules sharing one pitch); the spectra differ in detail, the character (a brighter,
  level-controlled timbre) is the same.
- saw1-saw5 are phase-distortion saws of increasing brightness (knees at 0.35, 0.25, 0.15,
  0.08, 0.03 of the cycle, CZ-style); noise1 is a sine whose pitch jumps at random (as the
  CZ's noise modulation), noise2 white noise; the noise has a fixed seed.
- Envelope timing borrows the CZ chip's rate law (the VZ is its successor from the same
  maker; its own tables are not public): panel rate r moves r*127/99 on the CZ's scale, a full
  0-99 sweep at rate 99 takes about 3 ms. Levels are logarithmic: 0.75 dB per step below
  99, 0 is silence; envelope depth and total level scale the level in the same steps.
- Pitch envelope: level +-63 times depth/63 gives up to +-12 semitones (+-48 with the wide
  range bit). Velocity: each module loses up to sensitivity/7 x 24 dB as velocity falls from
  127 to 0. Key follow: between its key points the module's level follows the key-follow
  levels, 0.3 dB per step below 99. Tremolo is not rendered.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from syxkit.render import cz
from syxkit.render import envelope as env
from syxkit.render.common import finish, np

A4 = 440.0
WAVEFORMS = ("sine", "saw1", "saw2", "saw3", "saw4", "saw5", "noise1", "noise2")
SAW_KNEES = (0.35, 0.25, 0.15, 0.08, 0.03)
MODES = ("mix", "phase", "ring")
DB_PER_STEP = 0.75
PHASE_INDEX = 4.0  # radians of phase shift at full modulator level
MIX_GAIN = 0.30
NOISE_SEED = 0x5A


@dataclass
class Envelope:
    """Panel values: 8 rates and levels 0-99, end and sustain steps counted from 1."""

    rates: list[int] = field(default_factory=lambda: [99] * 8)
    levels: list[int] = field(default_factory=lambda: [99] + [0] * 7)
    end: int = 2
    sustain: int | None = 1


@dataclass
class Module:
    waveform: str = "sine"
    on: bool = True
    detune: float = 0.0  # semitones from the played note (signed; octave*12 + note + fine/64)
    fixed: bool = False  # fixed pitch: the key does not move it (pitch = 60 + detune)
    envelope: Envelope = field(default_factory=Envelope)
    depth: int = 99  # envelope depth 0-99
    velocity_sensitivity: int = 0  # 0-7
    key_follow: list[tuple[int, int]] = field(default_factory=list)  # (key, level 0-99)


@dataclass
class PitchEnvelope:
    rates: list[int] = field(default_factory=lambda: [99] * 8)
    levels: list[int] = field(default_factory=lambda: [0] * 8)  # -63..+63
    end: int = 1
    sustain: int | None = None
    depth: int = 0  # 0-63
    wide: bool = False


@dataclass
class Vibrato:
    wave: str = "triangle"
    depth: int = 0
    rate: int = 0
    delay: int = 0


@dataclass
class Voice:
    """A VZ voice in panel terms, enough to render it."""

    modules: list[Module] = field(default_factory=lambda: [Module() for _ in range(8)])
    lines: list[str] = field(default_factory=lambda: ["mix"] * 4)  # A-D
    external_phase: list[bool] = field(default_factory=lambda: [False] * 3)  # A->M4, B->M6, C->M8
    pitch: PitchEnvelope = field(default_factory=PitchEnvelope)
    octave: int = 0
    total_level: int = 99
    vibrato: Vibrato = field(default_factory=Vibrato)


def _db(steps):
    return 10.0 ** (-DB_PER_STEP * steps / 20.0)


def _amp_curve(e: Envelope, key_off: float, count: int, rate: int):
    steps = [env.Step(float(cz._clamp99(lv)), cz.dca_speed(r) * 99 / 127)
             for r, lv in zip(e.rates, e.levels, strict=False)]
    sustain = None if e.sustain is None else e.sustain - 1
    return env.render(steps, sustain, max(1, e.end) - 1, key_off, count, rate)


def _pitch_curve(p: PitchEnvelope, key_off: float, count: int, rate: int):
    n = np()
    if p.depth <= 0:
        return n.zeros(count)
    span = (48.0 if p.wide else 12.0) * min(63, p.depth) / 63.0
    steps = [env.Step(max(-63, min(63, lv)) / 63.0 * span, cz.dco_speed(r) * span / 12.0 + 1e-9)
             for r, lv in zip(p.rates, p.levels, strict=False)]
    sustain = None if p.sustain is None else p.sustain - 1
    return env.render(steps, sustain, max(1, p.end) - 1, key_off, count, rate)


def _wave(name: str, phase, index: int):
    """The module's waveform at phase (cycles, any real): -1..1."""
    n = np()
    try:
        w = WAVEFORMS.index(name)
    except ValueError:
        raise ValueError(f"unknown VZ waveform {name!r} (expected one of {', '.join(WAVEFORMS)})") from None
    pos = n.mod(phase, 1.0)
    if w == 0 or w == 6:
        return n.sin(2 * n.pi * pos)
    if w == 7:
        rng = n.random.default_rng(NOISE_SEED + index)
        return rng.uniform(-1.0, 1.0, size=len(pos))
    p = SAW_KNEES[w - 1]
    ph = n.where(pos < p, pos * 0.5 / p, 0.5 + (pos - p) * 0.5 / (1 - p))
    return -n.cos(2 * n.pi * ph)


def synthesize(voice: Voice, note: int = 60, velocity: int = 100, seconds: float = 2.5,
               release: float = 1.0, rate: int = 44_100):
    n = np()
    count = max(1, int(round((seconds + release) * rate)))
    key_off = float(seconds)
    base = n.full(count, 12.0 * max(-2, min(2, int(voice.octave))))
    base = base + _pitch_curve(voice.pitch, key_off, count, rate)
    vib = cz._vibrato(cz.Vibrato(voice.vibrato.wave, voice.vibrato.delay, voice.vibrato.rate,
                                 voice.vibrato.depth), count, rate)
    if vib is not None:
        base = base + vib
    vel = max(0, min(127, int(velocity)))
    phases, waves, amps = [], [], []
    for i, m in enumerate(voice.modules[:8]):
        key = 60 if m.fixed else note
        freq = A4 * n.exp2((key - 69 + m.detune + base) / 12.0)
        if m.waveform == "noise1":
            rng = n.random.default_rng(NOISE_SEED + 16 + i)
            block = max(1, rate // 5000)
            jumps = n.repeat(rng.uniform(-12.0, 12.0, size=count // block + 1), block)[:count]
            freq = freq * n.exp2(jumps / 12.0)
        phase = n.cumsum(freq / rate) - freq[0] / rate
        level = _amp_curve(m.envelope, key_off, count, rate) * (cz._clamp99(m.depth) / 99.0)
        loss = 99.0 - level
        if m.velocity_sensitivity:
            loss = loss + (min(7, m.velocity_sensitivity) / 7.0 * 24.0 / DB_PER_STEP) * (1 - vel / 127)
        if m.key_follow:
            keys = [k for k, _ in m.key_follow]
            lv = [99 - cz._clamp99(v) for _, v in m.key_follow]
            order = n.argsort(keys, kind="stable")
            loss = loss + float(n.interp(note, n.asarray(keys)[order], n.asarray(lv, float)[order])) * 0.3 / DB_PER_STEP
        amp = n.where(level > 0.0, _db(loss), 0.0) * (1.0 if m.on else 0.0)
        phases.append(phase)
        amps.append(amp)
        waves.append(m.waveform)

    out = n.zeros(count)
    carry = None  # a line's output going into the next line's even module
    for line in range(4):
        o, e = 2 * line, 2 * line + 1
        mode = voice.lines[line] if line < len(voice.lines) else "mix"
        even_phase = phases[e]
        if carry is not None:
            even_phase = even_phase + PHASE_INDEX / (2 * n.pi) * carry
        wo = _wave(waves[o], phases[o], o)
        if mode == "phase":
            result = amps[e] * _wave(waves[e], even_phase + PHASE_INDEX / (2 * n.pi) * amps[o] * wo, e)
        else:
            we = _wave(waves[e], even_phase, e)
            if mode == "ring":
                result = amps[e] * we + amps[o] * wo * we
            else:
                result = amps[o] * wo + amps[e] * we
        if line < 3 and line < len(voice.external_phase) and voice.external_phase[line]:
            carry = result
        else:
            carry = None
            out += result
    return out * MIX_GAIN * _db(99 - cz._clamp99(voice.total_level))


def render(voice: Voice, note: int = 60, velocity: int = 100, seconds: float = 2.5,
           release: float = 1.0, rate: int = 44_100):
    return finish(synthesize(voice, note, velocity, seconds, release, rate), rate)
