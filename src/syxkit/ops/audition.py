"""Audition: the sound being edited, sent to the device's edit buffer while the user edits.

Where it lands is decided here, never by the page: the edited message is rebuilt in the
device's edit-buffer form (CZ: program 0x60, the sound area; K-Station / A-Station: a
current-sound dump, which no program slot keeps; VZ: a single-voice message, which has no
address byte, so the VZ puts it in its compare/recall (edit) area, per the spec) and checked
again after rebuilding, and the send job is also told to address the edit buffer where the
device has an address. A device or kind without such a form is refused: a VZ operation memory,
because the spec says where a single voice lands but not a single op-mem.

Each send is an ordinary ``send`` job of :mod:`syxkit.ops.jobs` (same transports, pacing and
handshake, one job per port). Coalescing: while an audition runs on a port, a new one waits
in the port's queue; a newer one replaces a send waiting at the end of the queue, so only the
latest values are heard next and the edits in between are dropped.

The test note (a ``note`` job: note on, a hold, note off) goes through the same queue and is
never coalesced or dropped: it leaves after every edit submitted before it, so it sounds the
sound as edited when the button was pressed. It plays on the MIDI channel the audition's
message addresses (CZ: the tone's 7n); a message for every channel (K-Station SysEx channel
7F) names none, and then the channel asked for (default 1) is used.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from syxkit.devices.base import Device, DeviceError, OptionError, Options
from syxkit.ops.jobs import Busy, Job, Jobs, JobSpec, _key

CZ_EDIT_BUFFER = 0x60
AUDITION_DEVICES = ("casio-cz", "casio-vz", "novation-kstation")


def edit_buffer_bytes(dev: Device, data: bytes, model: str | None,
                      index: int | None = None) -> tuple[bytes, dict[str, Any]]:
    """The edited message rebuilt for the edit buffer, and the send options that keep it there.
    ``index``: which sound object (from 0, as the editor counts them) where the data holds
    several and the edit area takes one (a VZ bulk dump). OptionError for a device or kind
    whose edit buffer we cannot address."""
    from syxkit.inspect import entries, load_bytes

    if dev.id not in AUDITION_DEVICES:
        raise OptionError(f"audition: not available for {dev.id} (only the CZ edit buffer, "
                          "the VZ edit area and the K-Station / A-Station current sound are "
                          "known to be written without touching a memory slot)")
    dumps = [e.dump for src in load_bytes(data, "audition") for e in entries(src)
             if e.dump is not None and e.dump.device == dev.id]
    if not dumps:
        raise DeviceError(f"audition: no {dev.id} sound in the edited data")
    if dev.id == "casio-vz":
        voice = _vz_voice(dev, dumps, index)
        # form "single" whatever the input was (a single voice, a bulk part, a DOS record): the
        # voice's own channel (a record has none: 1), its range byte kept
        outs = dev.convert([voice], Options(form="single", model=model))
        options: dict[str, Any] = {}
        wanted = ("a single voice (no address byte: the VZ's edit area)",
                  lambda d: d.kind == "voice" and d.index is None)
    elif dev.id == "casio-cz":
        from syxkit.devices.casio_cz.slots import LAYOUTS, parse_model

        canonical = parse_model(model)
        if canonical is not None and LAYOUTS[canonical].internal == CZ_EDIT_BUFFER:
            # a CZ-230S keeps what 0x60 receives as its user slot 96: no edit buffer to use
            raise OptionError(f"audition: the {canonical} has no edit buffer (0x60 is its "
                              "memory slot 96); nothing sent")
        outs = dev.convert(dumps, Options(program=CZ_EDIT_BUFFER, model=model))
        options = {"program": f"0x{CZ_EDIT_BUFFER:02X}"}
        wanted = ("a tone addressed to the edit buffer (0x60)",
                  lambda d: d.kind == "tone" and d.program == CZ_EDIT_BUFFER)
    else:  # novation-kstation
        outs = dev.convert(dumps, Options(form="current-sound", model=model))
        options = {}
        wanted = ("a current-sound dump", lambda d: d.kind == "current-sound")
    built = b"".join(o.data for o in outs)
    # Checked on the rebuilt bytes themselves: whatever the conversion did, nothing that would
    # land in a memory slot leaves the server.
    got = [e.dump for src in load_bytes(built, "audition") for e in entries(src)]
    if not got or not all(d is not None and wanted[1](d) for d in got):
        raise DeviceError(f"audition: the rebuilt message is not {wanted[0]}; nothing sent")
    return built, options


def _vz_voice(dev: Device, dumps: list[Any], index: int | None) -> Any:
    """The one VZ voice to audition: the edit area holds one voice, and only a voice is known
    to land there."""
    objects = [o for d in dumps for o in dev.objects(d)]
    if index is not None:
        if not 0 <= index < len(objects):
            raise OptionError(f"audition: object {index + 1} asked for; the edited data holds "
                              f"{len(objects)} VZ object(s)")
        objects = [objects[index]]
    voices = [o for o in objects if o.kind == "voice"]
    if not voices:
        kinds = ", ".join(sorted({"operation memory" if o.kind == "opmem" else o.kind
                                  for o in objects})) or "message without a voice"
        raise OptionError(f"audition: not available for a VZ {kinds}: the VZ spec says a single "
                          "voice lands in the edit (compare/recall) area but not where a single "
                          "operation memory goes, so it is not sent (it might replace one in "
                          "memory); audition a voice instead")
    if len(voices) > 1 or len(objects) > 1:
        raise OptionError(f"audition: the edited data holds {len(objects)} VZ objects; the VZ's "
                          "edit area holds one voice: choose one (its index)")
    return voices[0]


def audition_channel(dev: Device, built: bytes) -> int | None:
    """The MIDI channel (1-16) the audition's rebuilt message is addressed to; None when it
    names none (a message for any channel) or the dumps disagree."""
    from syxkit.inspect import entries, load_bytes

    channels = {e.dump.channel for src in load_bytes(built, "audition") for e in entries(src)
                if e.dump is not None and e.dump.device == dev.id}
    return channels.pop() if len(channels) == 1 else None


def note_channel(dev: Device, built: bytes, asked: int | None) -> int:
    """The test note's channel: the audition's own; ``asked`` only where the audition names
    none (a different one would play a synth that never got the edited sound)."""
    own = audition_channel(dev, built)
    if own is None:
        return 1 if asked is None else asked
    if asked is not None and asked != own:
        raise OptionError(f"test note: the audition sends this sound on channel {own}; a note "
                          f"on channel {asked} would not play it")
    return own


@dataclass
class _Port:
    job: Job
    # waiting jobs in order: edits ("send") and test notes ("note")
    queue: list[JobSpec] = field(default_factory=list)
    dropped: int = 0


class Auditions:
    """Audition sends of one server, coalesced per port."""

    def __init__(self, jobs: Jobs):
        self.jobs = jobs
        self.ports: dict[str, _Port] = {}
        self.lock = threading.Lock()

    def submit(self, spec: JobSpec) -> dict[str, Any]:
        """Start ``spec`` now if the port has no audition running (Busy when another job
        holds it), else queue it behind what waits there (an edit replaces an edit waiting
        last). Answers {state: "sent"|"queued", job, dropped}: ``job`` is the one started, or
        the one running ahead of the queue."""
        key = _key(spec.port)
        with self.lock:
            port = self.ports.get(key)
            if port is not None:
                last = port.queue[-1] if port.queue else None
                if spec.command == "send" and last is not None and last.command == "send":
                    port.dropped += 1
                    port.queue[-1] = spec
                else:
                    port.queue.append(spec)
                return {"state": "queued", "job": port.job.id, "dropped": port.dropped}
            job = self.jobs.start(spec)
            self.ports[key] = _Port(job)
        threading.Thread(target=self._follow, args=(key,), name=f"syxkit-audition-{key}",
                         daemon=True).start()
        return {"state": "sent", "job": job.id, "dropped": 0}

    def _follow(self, key: str) -> None:
        """Wait for the port's running job; then start the next waiting one, if any."""
        while True:
            with self.lock:
                job = self.ports[key].job
            self.jobs.wait(job.id, timeout=3600)
            with self.lock:
                port = self.ports[key]
                spec = port.queue.pop(0) if port.queue else None
                if spec is None:
                    del self.ports[key]
                    return
                try:
                    port.job = self.jobs.start(spec)
                except (Busy, DeviceError):
                    # another job took the port, or it is gone: the audition stops; the page
                    # sees it on its next send
                    del self.ports[key]
                    return
