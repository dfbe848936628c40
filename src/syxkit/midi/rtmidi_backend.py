"""MIDI ports through ``python-rtmidi``: the ALSA sequencer, JACK, CoreMIDI and Windows MME.

These APIs deal in whole messages, both ways. Measured here: rtmidi *input* reassembles a SysEx
until its ``F7`` (on JACK and ALSA alike), so a device's open ``F0 44 00 00 70 30`` never
reaches the host before the ``F7`` that the device only sends after the host's go-ahead; and
rtmidi *output* cannot send half a SysEx. Hence ``can_split_sysex = False``: protocols pick
their embedded or paced forms here. Also measured: JACK through rtmidi drops SysEx when flooded
(25 of 50 back-to-back 514-byte messages arrived; all 50 with 2 ms gaps), and its output
silently drops any message of 16,380 bytes or more (a 16 KB ring buffer): writes are paced
and too-large messages are refused with a clear error instead.
"""

from __future__ import annotations

import os
import sys
import time

from syxkit.midi.assembler import MessageAssembler
from syxkit.midi.inbox import Inbox
from syxkit.midi.ports import (
    LARGEST_DUMP,
    WIRE_RATE,
    Backend,
    BackendReport,
    PortError,
    PortInfo,
    numbered,
)
from syxkit.transfer.transport import Transport, TransportClosed

MESSAGE_GAP = 0.002  # seconds between messages: what it took for JACK to stop dropping SysEx


class RtMidiTransport(Transport):
    can_split_sysex = False

    def __init__(self, backend: RtMidiBackend, *, source: int | None = None,
                 sink: int | None = None, virtual: str | None = None,
                 rate: float | None = WIRE_RATE, client_name: str = "syxkit"):
        import rtmidi

        self.name = backend.name
        self.rate = rate or None
        self.max_message = backend.max_message
        self.notes: list[str] = []
        self._assembler = MessageAssembler()
        self._inbox = Inbox()
        self._free_at = 0.0
        self._in = self._out = None
        try:
            if source is not None or virtual:
                self._in = rtmidi.MidiIn(backend.api, name=client_name)
                self._in.ignore_types(sysex=False, timing=False, active_sense=False)
                grow = getattr(self._in, "set_buffer_size", None)  # newer python-rtmidi (WinMM)
                if grow is not None:
                    grow(LARGEST_DUMP + 1024, 4)
                elif backend.name == "winmm":
                    self.notes.append("this python-rtmidi cannot enlarge Windows MME SysEx input "
                                      "buffers (8,192 bytes): longer dumps arrive cut")
                self._in.set_callback(self._on_message)
                if virtual:
                    self._in.open_virtual_port(f"{virtual} in" if backend.client_per_object else "in")
                else:
                    self._in.open_port(source, "in")
            if sink is not None or virtual:
                self._out = rtmidi.MidiOut(backend.api, name=client_name)
                if virtual:
                    self._out.open_virtual_port(f"{virtual} out" if backend.client_per_object else "out")
                else:
                    self._out.open_port(sink, "out")
        except Exception as exc:  # rtmidi raises its own SystemError/InvalidPortError types
            self.close()
            raise PortError(f"{backend.name}: cannot open the port: {exc}") from exc

    def _on_message(self, event, _data) -> None:
        message, _delta = event
        self._inbox.put(bytes(message))

    def write(self, data: bytes) -> None:
        if self._out is None:
            raise TransportClosed(f"{self.name}: no output port was opened")
        for message in self._assembler.feed(data):
            self._send(message)
        if self._assembler.dropped:
            self.notes.append(f"{len(self._assembler.dropped)} byte(s) with no status byte could "
                              f"not be sent through {self.name} (it sends whole messages only): "
                              f"{self._assembler.dropped[:12].hex(' ')}")
            self._assembler.dropped.clear()

    def _send(self, message: bytes) -> None:
        if self.max_message and len(message) > self.max_message:
            raise TransportClosed(
                f"{self.name} cannot send a {len(message)}-byte message (its limit is "
                f"{self.max_message}); use the raw JACK backend (--backend jack), a rawmidi "
                "device or another --form")
        now = time.monotonic()
        if self.rate:
            if self._free_at > now:
                time.sleep(self._free_at - now)
            self._free_at = max(now, self._free_at) + len(message) / self.rate + MESSAGE_GAP
        self._out.send_message(message)

    def read(self, timeout: float | None) -> bytes:
        if self._in is None:
            if timeout:
                time.sleep(timeout)
            return b""
        return self._inbox.read(timeout)

    def close(self) -> None:
        if self._assembler.pending:
            self.notes.append(f"an unfinished SysEx ({len(self._assembler.pending)} bytes, no F7) "
                              f"was never sent: {self.name} sends whole messages only")
        for port in (self._in, self._out):
            if port is None:
                continue
            try:
                if port is self._in:
                    port.cancel_callback()
                port.close_port()
                port.delete()
            except Exception:  # closing twice or after a failed open
                pass
        self._in = self._out = None


class RtMidiBackend(Backend):
    can_split_sysex = False
    virtual_ports = True
    client_per_object = False  # JACK: each MidiIn/MidiOut is its own JACK client
    max_message: int | None = None
    api_name = ""  # rtmidi.API_* constant name
    platform_note = ""

    @property
    def api(self) -> int:
        import rtmidi

        return getattr(rtmidi, self.api_name)

    def unavailable_reason(self) -> str | None:
        return None

    def probe(self) -> BackendReport:
        try:
            import rtmidi
        except ImportError as exc:
            return self.report(False, f"python-rtmidi is not installed ({exc})")
        if self.api not in rtmidi.get_compiled_api():
            what = self.title.split(" (")[0]
            return self.report(False, f"python-rtmidi here was built without {what} "
                                      f"({self.platform_note})")
        reason = self.unavailable_reason()
        if reason:
            return self.report(False, reason)
        try:
            probe_in = rtmidi.MidiIn(self.api, name="syxkit-probe")
            probe_out = rtmidi.MidiOut(self.api, name="syxkit-probe")
            ins, outs = probe_in.get_ports(), probe_out.get_ports()
            probe_in.delete()
            probe_out.delete()
        except Exception as exc:  # rtmidi.SystemError on a backend that cannot start
            return self.report(False, f"{self.title} did not start: {exc}")
        return self.report(True, "whole messages only: handshakes use the embedded or paced form",
                           numbered(self.name, ins, "in"), numbered(self.name, outs, "out"))

    def open(self, report, source: PortInfo | None, sink: PortInfo | None, *, rate, client_name, **_):
        return RtMidiTransport(self, source=source.index if source else None,
                               sink=sink.index if sink else None, rate=rate,
                               client_name=client_name)

    def open_virtual(self, name: str, *, rate):
        return RtMidiTransport(self, virtual=name, rate=rate, client_name=name)


class AlsaBackend(RtMidiBackend):
    name = "alsa"
    title = "ALSA sequencer (python-rtmidi)"
    api_name = "API_LINUX_ALSA"
    platform_note = "it exists on Linux only"

    def unavailable_reason(self) -> str | None:
        # Checked first so libasound does not print its own complaint on every probe.
        if sys.platform.startswith("linux") and not os.path.exists("/dev/snd/seq"):
            return ("no /dev/snd/seq: the ALSA sequencer cannot open (no sound devices here, the "
                    "snd-seq module is not loaded, or /dev/snd is not passed into this container)")
        return None


class RtMidiJackBackend(RtMidiBackend):
    name = "rtmidi-jack"
    title = "JACK through python-rtmidi"
    api_name = "API_UNIX_JACK"
    platform_note = "JACK support was not compiled in"
    client_per_object = True
    max_message = 16376  # measured: 16,380 bytes and more are dropped without an error

    def unavailable_reason(self) -> str | None:
        from syxkit.midi.jack_backend import JackBackend

        report = JackBackend().probe()
        return None if report.available else report.reason


class CoreMidiBackend(RtMidiBackend):
    name = "coremidi"
    title = "CoreMIDI (python-rtmidi)"
    api_name = "API_MACOSX_CORE"
    platform_note = "it exists on macOS only"


class WinMmBackend(RtMidiBackend):
    name = "winmm"
    title = "Windows MME (python-rtmidi)"
    api_name = "API_WINDOWS_MM"
    platform_note = "it exists on Windows only"
    virtual_ports = False  # Windows MME has no virtual ports (use loopMIDI)

    def open_virtual(self, name: str, *, rate):
        raise PortError("winmm: Windows MME has no virtual ports; create a loopback port with "
                        "loopMIDI and open it by name")
