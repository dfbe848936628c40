"""Sample RAM to WAV files and back: what ``syxkit rz1 export`` and ``import`` do, without the
command line (files in and out are bytes; the caller writes them)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from syxkit.devices.base import DeviceError, Output
from syxkit.devices.casio_rz1 import samples, wavfile
from syxkit.devices.casio_rz1 import table as t


def pad_filename(group: tuple[t.Pad, ...]) -> str:
    return "pads" + "+".join(str(p.number) for p in group) + ".wav" if len(group) > 1 \
        else f"pad{group[0].number}.wav"


def export_pads(image: bytes, bits: int = 16) -> tuple[list[Output], dict[str, Any]]:
    """One WAV per pad, plus one joined WAV per linked group; and a report with the link
    byte's meaning and a listening check (length, peak, audible length) per file."""
    link = samples.link_byte(image)
    groups = [(pad,) for pad in t.PADS] + [g for g in samples.sounds(link) if len(g) > 1]
    outputs, rows = [], []
    for group in groups:
        values = [v for pad in group for v in samples.pad_samples(image, pad)]
        name = pad_filename(group)
        outputs.append(Output(name, wavfile.write_wav(values, t.SAMPLE_RATE, bits)))
        rows.append({"file": name, "sound": samples.sound_label(group),
                     **samples.level(values).as_dict()})
    report = {"link_byte": link, "link": samples.describe_link(link), "rate": t.SAMPLE_RATE,
              "bits": bits, "files": rows,
              "reimport": reimport_hint(link)}
    return outputs, report


def reimport_hint(link: int) -> str:
    spec = ",".join(lk.label for lk in samples.links_set(link))
    names = " ".join(pad_filename((pad,)) for pad in t.PADS)
    return f"syxkit rz1 import {names}" + (f" --link {spec}" if spec else "") + " -o LOAD.syx"


@dataclass
class Placed:
    """One WAV put into the sample RAM, with what was done to it."""

    target: str
    file: str
    source: str
    samples: int  # length of the target
    actions: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"target": self.target, "file": self.file, "source": self.source,
                "samples": self.samples, "actions": self.actions}


def _targets(count: int, link: int) -> list[tuple[t.Pad, ...]]:
    """Where the WAVs go: one per sound (a linked pair takes one longer WAV), or, with four
    WAVs, one per pad whatever the links."""
    groups = samples.sounds(link)
    if count == len(t.PADS):
        return [(pad,) for pad in t.PADS]
    if count > len(groups):
        raise DeviceError(f"{count} WAV files for {len(groups)} sound(s) ({samples.describe_link(link)});"
                          f" give one WAV per sound, or four (one per pad)")
    return groups[:count]


def fit(audio: wavfile.Audio, length: int) -> tuple[list[int], list[str]]:
    """A WAV's mono signal as exactly ``length`` signed 8-bit samples at 20 kHz."""
    actions = []
    if audio.channels > 1:
        actions.append(f"mixed {audio.channels} channels to mono")
    if audio.rate != t.SAMPLE_RATE:
        actions.append(f"resampled {audio.rate:,} Hz to {t.SAMPLE_RATE:,} Hz")
    available = audio.frames * t.SAMPLE_RATE // audio.rate
    signal = wavfile.resample(audio.mono, audio.rate, t.SAMPLE_RATE, min(available, length))
    values, clipped = wavfile.to_signed8(signal)
    if not (audio.bits == 8 and audio.encoding == "PCM"):
        actions.append(f"converted {audio.bits}-bit {audio.encoding} to signed 8-bit")
    if clipped:
        actions.append(f"clipped {clipped} sample(s) beyond full scale")
    if available > length:
        cut = available - length
        actions.append(f"trimmed: {available:,} samples at 20 kHz, the target holds {length:,}; "
                       f"the last {cut:,} ({cut * 1000 / t.SAMPLE_RATE:.1f} ms) are cut")
    elif available < length:
        pad = length - len(values)
        actions.append(f"padded: {available:,} samples at 20 kHz, the target holds {length:,}; "
                       f"{pad:,} samples of silence added")
        values += [0] * pad
    else:
        actions.append("length fits exactly")
    return values, actions


def import_pads(wavs: list[tuple[str, bytes]], link: int = 0) -> tuple[bytes, list[Placed]]:
    """Sample RAM from up to four WAV files (name, bytes) and a link byte."""
    if not wavs:
        raise DeviceError("no WAV file given")
    if link & t.LINK_RESERVED_MASK:
        raise DeviceError(f"link byte {link:02X}: bits 0-4 must be 0 (the RZ-1 wipes sample RAM "
                          "otherwise)")
    targets = _targets(len(wavs), link)
    image = bytearray(t.SAMPLE.size)
    placed = []
    for group, (name, data) in zip(targets, wavs, strict=True):
        length = sum(p.length for p in group)
        audio = wavfile.read_wav(data, name, need=(t.SAMPLE_RATE, length))
        values, actions = fit(audio, length)
        image[group[0].offset:group[0].offset + length] = samples.unsigned(values)
        placed.append(Placed(samples.sound_label(group), name, audio.describe(), length, actions))
    covered = {p.number for g in targets for p in g}
    for pad in t.PADS:
        if pad.number not in covered:
            placed.append(Placed(f"pad {pad.number}", "", "", pad.length, ["silent: no WAV given"]))
    image[t.LINK_OFFSET] = link
    return bytes(image), placed
