"""Real MIDI ports as transports (duplex byte streams, see syxkit.transfer.transport).

Backends, in the order ``--backend auto`` tries them (byte-level ones first, because only they
carry a SysEx in pieces, which the faithful handshakes need):

=============  =====================================================  ===============
backend        what                                                   can_split_sysex
=============  =====================================================  ===============
jack           JACK MIDI through JACK-Client (raw events)             yes
rawmidi        /dev/snd/midiC*D* (``hw:1,0``), ptys, any byte device  yes
alsa           ALSA sequencer through python-rtmidi                   no
coremidi       macOS CoreMIDI through python-rtmidi                   no
winmm          Windows MME through python-rtmidi                      no
rtmidi-jack    JACK through python-rtmidi                             no
serial         a serial port at 31,250 baud (pyserial, optional)      yes
browser        a page of ``syxkit web`` offering its Web MIDI ports   no
=============  =====================================================  ===============

``browser`` comes last: its ports exist only while a page has its MIDI switch on, and another
process reaches them through the running server (see :mod:`syxkit.midi.browser_backend`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from syxkit.midi.browser_backend import BrowserBackend
from syxkit.midi.jack_backend import JackBackend
from syxkit.midi.ports import (
    Backend,
    BackendReport,
    PortError,
    describe,
    pick,
)
from syxkit.midi.rawmidi import RawMidiBackend, device_path
from syxkit.midi.rtmidi_backend import (
    AlsaBackend,
    CoreMidiBackend,
    RtMidiJackBackend,
    WinMmBackend,
)
from syxkit.midi.serial_backend import SerialBackend
from syxkit.transfer.transport import PacedTransport, Transport

BACKENDS: tuple[Backend, ...] = (
    JackBackend(), RawMidiBackend(), AlsaBackend(), CoreMidiBackend(), WinMmBackend(),
    RtMidiJackBackend(), SerialBackend(), BrowserBackend(),
)
BACKEND_NAMES = tuple(b.name for b in BACKENDS)
DEFAULT_RATE = object()  # "not given": each backend's own default pace
_SERIAL_DEVICE = re.compile(r"^(/dev/(tty(USB|ACM|AMA|S|THS)\d+|serial\d*|cu\..+)|COM\d+)$")

__all__ = ["BACKENDS", "BACKEND_NAMES", "DEFAULT_RATE", "Opened", "PortError", "backend",
           "open_port", "open_virtual", "probe_all"]


def backend(name: str) -> Backend:
    for b in BACKENDS:
        if b.name == name:
            return b
    raise PortError(f"unknown backend {name!r} (known: {', '.join(BACKEND_NAMES)})")


def probe_all() -> list[BackendReport]:
    return [b.probe() for b in BACKENDS]


@dataclass
class Opened:
    transport: Transport
    backend: str
    source: str | None  # port read from
    sink: str | None  # port written to

    def describe(self) -> str:
        if self.source == self.sink or self.sink is None:
            return f"{self.backend} {self.source}"
        if self.source is None:
            return f"{self.backend} {self.sink}"
        return f"{self.backend} in {self.source}, out {self.sink}"


def _rate(b: Backend, rate) -> float | None:
    if rate is DEFAULT_RATE:
        return b.default_rate
    return rate or None


def _paced(transport: Transport, b: Backend, rate) -> Transport:
    """Byte-device backends (rawmidi, ptys, serial) leave pacing to the device's UART; a rate
    given for them anyway (e.g. an emulator on a pty at wire speed) paces the writes here."""
    rate = _rate(b, rate)
    if b.default_rate is not None or not rate:
        return transport  # JACK and rtmidi pace inside their transports
    paced = PacedTransport(transport, rate)
    paced.path = getattr(transport, "path", None)
    paced.notes = getattr(transport, "notes", [])
    return paced


def open_port(port: str | None, *, backend_name: str = "auto", in_port: str | None = None,
              out_port: str | None = None, rate=DEFAULT_RATE, client_name: str = "syxkit",
              need_input: bool = True, need_output: bool = True, baud: int | None = None) -> Opened:
    """Open the device named by ``port`` (or ``in_port``/``out_port`` when its input and output
    have different names), by name or number, on ``backend_name`` or the first that has it."""
    source_spec, sink_spec = in_port or port, out_port or port
    if source_spec is None and sink_spec is None:
        raise PortError("no port given: name one with --port (see `syxkit ports`)")
    path_spec = source_spec if source_spec == sink_spec else None
    if path_spec and device_path(path_spec) is not None and backend_name in ("auto", "rawmidi", "serial"):
        path = device_path(path_spec)
        if backend_name == "serial" or (backend_name == "auto" and _SERIAL_DEVICE.match(path)):
            b = backend("serial")
            return Opened(_paced(b.open_path(path, baud=baud), b, rate), "serial", path, path)
        b = backend("rawmidi")
        return Opened(_paced(b.open_path(path_spec), b, rate), "rawmidi", path, path)
    candidates = BACKENDS if backend_name == "auto" else (backend(backend_name),)
    reports = []
    for b in candidates:
        report = b.probe()
        reports.append(report)
        if not report.available:
            continue
        # Both sides are opened when they exist; only the needed ones must.
        source = pick(report, source_spec, "in")
        sink = pick(report, sink_spec, "out")
        if (need_input and source is None) or (need_output and sink is None) or not (source or sink):
            continue
        transport = b.open(report, source, sink, rate=_rate(b, rate), client_name=client_name,
                           baud=baud)
        return Opened(transport, b.name, source.name if source else None, sink.name if sink else None)
    wanted = " and ".join(w for w, n in (("an input", need_input), ("an output", need_output)) if n)
    spec = port or source_spec or sink_spec
    usable = [r for r in reports if r.available]
    if not usable and len(reports) == 1:
        # one backend asked for by name: its own reason is the whole answer
        raise PortError(f"{reports[0].name}: {reports[0].reason}")
    if not usable:
        raise PortError("no MIDI backend is available here: "
                        + "; ".join(f"{r.name}: {r.reason}" for r in reports))
    unusable = [r.name for r in reports if not r.available]
    raise PortError(f"no port matching {spec!r} with {wanted} ("
                    + "; ".join(describe(r) for r in usable)
                    + (f"; unavailable here: {', '.join(unusable)}, `syxkit ports` says why" if unusable else "")
                    + ")")


def open_virtual(name: str, *, backend_name: str = "auto", rate=DEFAULT_RATE) -> tuple[Transport, str]:
    """Virtual ports called ``name`` for an emulated device; returns the transport and the
    backend used. ``auto``: a path means a pty (rawmidi), else JACK, else ALSA virtual ports."""
    if backend_name == "auto":
        if device_path(name) is not None:
            order = ("rawmidi",)
        else:
            order = ("jack", "alsa", "coremidi", "rtmidi-jack")
        reasons = []
        for n in order:
            b = backend(n)
            report = b.probe() if n != "rawmidi" else None
            if report is not None and not report.available:
                reasons.append(f"{n}: {report.reason}")
                continue
            return _paced(b.open_virtual(name, rate=_rate(b, rate)), b, rate), n
        raise PortError("no backend can create virtual ports here (" + "; ".join(reasons) +
                        "); or give --port /some/path for a pty")
    b = backend(backend_name)
    if not b.virtual_ports:
        raise PortError(f"{b.name}: this backend has no virtual ports")
    if b.name != "rawmidi":
        report = b.probe()
        if not report.available:
            raise PortError(f"{b.name}: {report.reason}")
    return _paced(b.open_virtual(name, rate=_rate(b, rate)), b, rate), b.name
