"""Hear a sound without the synth: CZ tones, VZ voices and RZ-1 pads as 16-bit WAV.

``render(source, note, velocity, seconds, release, rate)`` gives int16 samples (a numpy
array) for a :class:`Sound` (from :func:`sounds`), a ``Dump`` of one tone / voice / pad, or
the engines' own parameter objects (:class:`syxkit.render.cz.Tone`,
:class:`syxkit.render.vz.Voice`); :func:`render_wav` the WAV file's bytes. Renders are
deterministic: the same input gives the same bytes. numpy is imported only when a sound is
rendered (``pip install 'syxkit[audio]'``); what is modelled and what is approximated is said
in :mod:`syxkit.render.cz` and :mod:`syxkit.render.vz`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from syxkit.devices.base import DeviceError, Dump
from syxkit.render.common import AudioMissing, wav_bytes

__all__ = ["AudioMissing", "Sound", "render", "render_wav", "sounds", "RZ1_RATE"]

RZ1_RATE = 20_000  # RZ-1 pads play at their own rate, as `rz1 export` writes them


@dataclass
class Sound:
    """One renderable sound of a file: ``label`` says which (for messages and file names)."""

    device: str
    kind: str  # tone | voice | pad
    label: str  # e.g. "tone 3", "voice 12 'VZ EP'", "pad 2"
    name: str | None
    dump: Dump
    pad: int | None = None  # RZ-1 pad number (1-4)


def sounds(dumps: list[Dump]) -> list[Sound]:
    """Every sound the dumps hold that can be rendered, in file order."""
    from syxkit.devices import registry

    found: list[Sound] = []
    for dump in dumps:
        if dump.device == "casio-rz1":
            if dump.kind not in ("sample-dump", "dump"):
                continue
            for pad in range(1, 5):
                found.append(Sound(dump.device, "pad", f"pad {pad}", None, dump, pad))
            continue
        if dump.device not in ("casio-cz", "casio-vz"):
            continue
        for obj in registry.get(dump.device).objects(dump):
            if obj.kind not in ("tone", "voice"):
                continue
            count = sum(1 for s in found if s.kind == obj.kind) + 1
            label = f"{obj.kind} {count}" + (f" '{obj.name.strip()}'" if obj.name else "")
            found.append(Sound(obj.device, obj.kind, label, obj.name, obj))
    return found


def params(sound: Sound | Dump) -> Any:
    """The engine's parameter object for a CZ tone or VZ voice (from the driver's decode)."""
    from syxkit.devices import registry
    from syxkit.render import adapt

    dump = sound.dump if isinstance(sound, Sound) else sound
    decoded = registry.get(dump.device).decode(dump)
    if dump.device == "casio-cz":
        return adapt.cz_tone(decoded)
    if dump.device == "casio-vz":
        return adapt.vz_voice(decoded)
    raise DeviceError(f"{dump.device} {dump.kind}: nothing to render (CZ tones, VZ voices and "
                      "RZ-1 pads can be rendered)")


def _pad_samples(sound: Sound):
    from syxkit.devices.casio_rz1 import samples
    from syxkit.devices.casio_rz1.device import CasioRZ1
    from syxkit.render.common import np

    image = CasioRZ1.require_complete(sound.dump)
    values = samples.pad_samples(image, samples.pad_by_number(sound.pad or 1))
    return (np().asarray(values, dtype=np().int32) * 256).astype(np().int16)


def render(source: Any, note: int = 60, velocity: int = 100, seconds: float = 2.5,
           release: float = 1.0, rate: int = 44_100):
    """int16 samples of ``source`` held ``seconds`` and released for ``release`` seconds.
    RZ-1 pads play as they are, at 20 kHz (note, velocity, times and rate do not apply)."""
    from syxkit.render import cz, vz

    if isinstance(source, Dump):
        found = sounds([source])
        if not found:
            raise DeviceError(f"{source.device} {source.kind}: nothing to render")
        source = found[0]
    if isinstance(source, Sound) and source.kind == "pad":
        return _pad_samples(source)
    if isinstance(source, Sound):
        source = params(source)
    if not 0 <= note <= 127:
        raise ValueError(f"note {note}: expected 0-127")
    if seconds < 0 or release < 0 or seconds + release <= 0:
        raise ValueError("seconds and release must not be negative, and not both 0")
    if rate < 8000 or rate > 192_000:
        raise ValueError(f"rate {rate}: expected 8000-192000 Hz")
    if isinstance(source, cz.Tone):
        return cz.render(source, note, velocity, seconds, release, rate)
    if isinstance(source, vz.Voice):
        return vz.render(source, note, velocity, seconds, release, rate)
    raise TypeError(f"cannot render {type(source).__name__}")


def output_rate(source: Any, rate: int) -> int:
    return RZ1_RATE if isinstance(source, Sound) and source.kind == "pad" else rate


def render_wav(source: Any, note: int = 60, velocity: int = 100, seconds: float = 2.5,
               release: float = 1.0, rate: int = 44_100) -> bytes:
    """The WAV file (mono, 16-bit) of :func:`render`. An RZ-1 pad gives the very file
    ``syxkit rz1 export`` writes for it."""
    if isinstance(source, Dump):
        found = sounds([source])
        source = found[0] if found else source
    samples = render(source, note, velocity, seconds, release, rate)
    return wav_bytes(samples, output_rate(source, rate))
