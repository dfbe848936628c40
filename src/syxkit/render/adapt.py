"""From the drivers' ``decode`` output (panel values, see the shared conventions) to the
engines' parameter objects. Kept apart from the engines so that the engines can be tested on
their own parameters, and so that a change in a driver's decode touches only this file.

Tolerant on purpose: a field that is missing takes the instrument's neutral value, and values
still on the stored 0-127 scale (VZ envelopes, before the drivers fold everything into panel
values) are scaled to 0-99.
"""

from __future__ import annotations

import re
from typing import Any

from syxkit.render import cz, vz

CZ_WAVES = {
    "saw": "saw", "square": "square", "pulse": "pulse", "double-sine": "double sine",
    "double sine": "double sine", "saw-pulse": "saw-pulse", "resonance-saw": "resonance I",
    "resonance-triangle": "resonance II", "resonance-trapezoid": "resonance III",
    "resonance i": "resonance I", "resonance ii": "resonance II", "resonance iii": "resonance III",
}
VIBRATO_WAVES = {"triangle": "triangle", "saw-up": "saw up", "saw up": "saw up",
                 "saw-down": "saw down", "saw down": "saw down", "square": "square"}
_NOTE = re.compile(r"^([A-Ga-g])([#b]?)(-?\d+)$")
_PITCH_CLASS = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}


def _int(value: Any, default: int = 0) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _first(value: Any) -> int | None:
    """A sustain step: a number, None, or (several sustain bits set) a list: the first."""
    if isinstance(value, list):
        value = value[0] if value else None
    return None if value is None else _int(value)


def _cz_wave(name: Any) -> str | None:
    if name is None or str(name).lower() in ("off", "none", ""):
        return None
    return CZ_WAVES.get(str(name).lower(), "saw")


def _cz_env(e: dict[str, Any] | None) -> cz.Envelope:
    e = e or {}
    rates = [_int(r) for r in e.get("rates", [99] * 8)][:8]
    levels = [_int(v) for v in e.get("levels", [0] * 8)][:8]
    return cz.Envelope(rates, levels, max(1, _int(e.get("end_step"), 1)), _first(e.get("sustain_step")))


def _cz_line(p: dict[str, Any] | None) -> cz.Line:
    p = p or {}
    return cz.Line(
        waveform1=_cz_wave(p.get("waveform1")) or "saw",
        waveform2=_cz_wave(p.get("waveform2")),
        dco=_cz_env(p.get("dco")), dcw=_cz_env(p.get("dcw")), dca=_cz_env(p.get("dca")),
        dca_key_follow=_int(p.get("dca_key_follow")), dcw_key_follow=_int(p.get("dcw_key_follow")))


def cz_tone(decoded: dict[str, Any]) -> cz.Tone:
    """A CZ tone's ``decode`` params -> :class:`cz.Tone`."""
    p = decoded
    det = p.get("detune") or {}
    fine = _int(det.get("fine"))
    stored_fine = 0 if fine <= 0 else 4 * (fine + (fine - 1) // 15)  # as the CZ stores it
    semis = _int(det.get("octave")) * 12 + _int(det.get("note")) + stored_fine / 256
    if det.get("direction") == "-":
        semis = -semis
    vib = p.get("vibrato") or {}
    line1 = p.get("line1") or {}
    return cz.Tone(
        line1=_cz_line(line1), line2=_cz_line(p.get("line2")),
        line_select=str(p.get("line_select", "1")), octave=_int(p.get("octave")),
        detune=semis, modulation=str(line1.get("modulation") or "none"),
        vibrato=cz.Vibrato(VIBRATO_WAVES.get(str(vib.get("wave")), "triangle"),
                           _int(vib.get("delay")), _int(vib.get("rate")), _int(vib.get("depth"))))


def _note(key: Any) -> int | None:
    if isinstance(key, int):
        return key
    m = _NOTE.match(str(key))
    if not m:
        return None
    pc = _PITCH_CLASS[m.group(1).upper()] + {"#": 1, "b": -1, "": 0}[m.group(2)]
    return (int(m.group(3)) + 1) * 12 + pc


def _panel(values: list[int], top: int = 99) -> list[int]:
    """Values on the stored 0-127 scale (any above 99) brought to 0-99."""
    if any(v > top for v in values):
        return [round(v * top / 127) for v in values]
    return values


def _steps(e: Any) -> tuple[list[int], list[int], int | None]:
    """Rates, levels and the sustain step (from 1) of a VZ envelope in either shape: a list of
    step objects with a sustain flag each, or rates/levels lists with a sustain step."""
    if isinstance(e, dict):
        return ([_int(r) for r in e.get("rates", [])], [_int(v) for v in e.get("levels", [])],
                _first(e.get("sustain_step")))
    rates = [_int(s.get("rate")) for s in e or []]
    levels = [_int(s.get("level")) for s in e or []]
    sustain = next((i + 1 for i, s in enumerate(e or []) if s.get("sustain")), None)
    return rates, levels, sustain


def _vz_end(m: dict[str, Any], env: Any) -> int:
    end = m.get("envelope_end")
    if end is None and isinstance(env, dict):
        end = env.get("end_step")
    return max(1, _int(end, 8))


def _vz_module(m: dict[str, Any]) -> vz.Module:
    env = m.get("envelope") or []
    rates, levels, sustain = _steps(env)
    det = m.get("detune") or {}
    semis = _int(det.get("octave")) * 12 + _int(det.get("note")) + _int(det.get("fine")) / 64
    if det.get("sign") == "-":
        semis = -semis
    vel = m.get("velocity") or {}
    keys = []
    for kf in m.get("key_follow") or []:
        key = _note(kf.get("key"))
        if key is not None:
            keys.append((key, _int(kf.get("level"), 99)))
    return vz.Module(
        waveform=str(m.get("waveform", "sine")), on=bool(m.get("on", True)), detune=semis,
        fixed=bool(det.get("fixed_pitch", False)),
        envelope=vz.Envelope(_panel(rates) or [99] * 8, _panel(levels) or [0] * 8,
                             _vz_end(m, env), sustain),
        depth=min(99, _int(m.get("depth"), 99)),
        velocity_sensitivity=min(7, round(_int(vel.get("sensitivity")) * 7 / 31)),
        key_follow=keys)


def vz_voice(decoded: dict[str, Any]) -> vz.Voice:
    """A VZ voice's ``decode`` params -> :class:`vz.Voice`."""
    p = decoded
    mods = p.get("modules") or {}
    modules = [_vz_module(mods.get(f"M{i}") or {}) for i in range(1, 9)]
    lines = [str((p.get("lines") or {}).get(x, {}).get("mode", "mix")) for x in "ABCD"]
    ext = p.get("external_phase") or {}
    pitch = p.get("pitch") or {}
    penv = pitch.get("envelope") or []
    prates, plevels, psus = _steps(penv)
    if any(v > 63 for v in plevels):  # stored around 64
        plevels = [v - 64 for v in plevels]
    octave = p.get("octave") or {}
    oct_value = _int(octave.get("value")) if isinstance(octave, dict) else _int(octave)
    if isinstance(octave, dict) and octave.get("sign") == "-":
        oct_value = -oct_value
    vib = p.get("vibrato") or {}
    return vz.Voice(
        modules=modules, lines=lines,
        external_phase=[bool(ext.get(m)) for m in ("M4", "M6", "M8")],
        pitch=vz.PitchEnvelope(_panel(prates) or [99] * 8, plevels or [0] * 8,
                               _vz_end(pitch, penv), psus, min(63, _int(pitch.get("depth"))),
                               bool(pitch.get("range_wide"))),
        octave=oct_value, total_level=min(99, _int(p.get("total_level"), 99)),
        vibrato=vz.Vibrato(VIBRATO_WAVES.get(str(vib.get("wave")), "triangle"),
                           _int(vib.get("depth")), _int(vib.get("rate")), _int(vib.get("delay"))))
