"""Writing patches out: a folder of .syx files, one .syx, a Standard MIDI File or a zip.

The target's form follows its name: ``.syx`` one file with every message in order, ``.mid`` /
``.midi`` a type-0 MIDI file with one SysEx event per message, ``.zip`` one .syx per patch,
anything else a folder with one .syx per patch. Every file is written atomically.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from syxkit.core.fileio import atomic_write
from syxkit.devices.base import Options, Output
from syxkit.library.messages import export_message
from syxkit.library.naming import safe_file_name
from syxkit.library.store import Library, LibraryError, Patch

# MIDI file timing: 96 ticks per beat at 120 bpm is ~5.2 ms a tick; 20 ticks (~104 ms) between
# messages is the pause CZ/VZ editors leave so the synth can store each dump.
SMF_TICKS_PER_BEAT = 96
SMF_GAP_TICKS = 20


@dataclass
class ExportResult:
    written: list[Path] = field(default_factory=list)
    patches: int = 0
    messages: int = 0
    bytes: int = 0
    notes: list[str] = field(default_factory=list)
    unused_options: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"written": [str(p) for p in self.written], "patches": self.patches,
                "messages": self.messages, "bytes": self.bytes, "notes": self.notes,
                "unused_options": self.unused_options}


def target_form(target: str | Path) -> str:
    suffix = Path(target).suffix.lower()
    return {".syx": "syx", ".mid": "mid", ".midi": "mid", ".zip": "zip"}.get(suffix, "dir")


def smf_bytes(messages: list[bytes]) -> bytes:
    """A type-0 MIDI file carrying each complete SysEx message as one event."""
    import mido  # only when a .mid is written: mido costs as much as starting Python

    mid = mido.MidiFile(type=0, ticks_per_beat=SMF_TICKS_PER_BEAT)
    track = mido.MidiTrack()
    mid.tracks.append(track)
    for i, data in enumerate(messages):
        if len(data) < 2 or data[0] != 0xF0 or data[-1] != 0xF7 or max(data[1:-1], default=0) > 0x7F:
            raise LibraryError("a message is not a complete SysEx (F0 … F7, data 00-7F); it "
                               "cannot go into a MIDI file as one event")
        track.append(mido.Message("sysex", data=data[1:-1], time=0 if i == 0 else SMF_GAP_TICKS))
    out = io.BytesIO()
    mid.save(file=out)
    return out.getvalue()


def _unique_names(items: list[tuple[str, bytes]]) -> list[tuple[str, bytes]]:
    """File names for (name, data) pairs: the patch name, made unique with (2), (3) …"""
    seen: dict[str, int] = {}
    out = []
    for name, data in items:
        base = safe_file_name(name)
        key = base.casefold()
        seen[key] = seen.get(key, 0) + 1
        out.append((base if seen[key] == 1 else f"{base} ({seen[key]})", data))
    return out


def write_items(target: Path, items: list[tuple[str, bytes]], result: ExportResult) -> None:
    """Write named messages (``name`` without extension) to a target of any form."""
    form = target_form(target)
    result.messages = len(items)
    if form == "syx":
        data = b"".join(d for _, d in items)
        result.written.append(atomic_write(target, data))
        result.bytes = len(data)
    elif form == "mid":
        data = smf_bytes([d for _, d in items])
        result.written.append(atomic_write(target, data))
        result.bytes = len(data)
    elif form == "zip":
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
            for name, data in _unique_names(items):
                zf.writestr(f"{name}.syx", data)
        result.written.append(atomic_write(target, buf.getvalue()))
        result.bytes = len(buf.getvalue())
    else:
        if target.exists() and not target.is_dir():
            raise LibraryError(f"{target} exists and is not a folder (name a .syx, .mid or .zip "
                               "file, or a folder)")
        target.mkdir(parents=True, exist_ok=True)
        for name, data in _unique_names(items):
            result.written.append(atomic_write(target / f"{name}.syx", data))
            result.bytes += len(data)


def export_patches(lib: Library, patches: list[Patch], target: str | Path, *,
                   options: Options | None = None, original: bool = False) -> ExportResult:
    """Write patches to ``target``. ``options`` (channel, program …) re-address them through
    their drivers; ``original`` writes the messages as they were found in their first source
    instead (a bulk message once, however many of its parts are chosen)."""
    if not patches:
        raise LibraryError("no patch matches; nothing exported")
    result = ExportResult(patches=len(patches))
    items: list[tuple[str, bytes]] = []
    if original:
        if options is not None:
            raise LibraryError("--original writes the bytes as found; it cannot re-address them")
        seen: set[int] = set()
        for p in patches:
            message_id = p.sources[0].message_id
            if message_id in seen:
                continue
            seen.add(message_id)
            items.append((p.name, lib.original(message_id) or b""))
    else:
        for p in patches:
            items.append((p.name, export_message(lib, p, options, result.notes)))
    try:
        write_items(Path(target), items, result)
    except OSError as exc:
        raise LibraryError(f"{exc.filename or target}: cannot write: {exc.strerror or exc}") from exc
    if options is not None:
        result.unused_options = options.unused()
    return result


def write_outputs(outputs: list[Output], target: str | Path) -> list[Path]:
    """A driver's outputs: one goes to ``target``; several go beside it as
    ``<stem>-<output name>``."""
    target = Path(target)
    try:
        if len(outputs) == 1:
            return [atomic_write(target, outputs[0].data)]
        written = []
        for o in outputs:
            name = Path(o.name)
            written.append(atomic_write(
                target.with_name(f"{target.stem}-{name.stem}{name.suffix or target.suffix}"), o.data))
        return written
    except OSError as exc:
        raise LibraryError(f"{exc.filename or target}: cannot write: {exc.strerror or exc}") from exc
