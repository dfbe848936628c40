"""What every MIDI backend shares: port descriptions, the report ``syxkit ports`` prints, and
how a ``--port`` given by name or number picks one port.

Directions are seen from syxkit: an *input* is a port syxkit reads from (the device's MIDI
OUT), an *output* one syxkit writes to (the device's MIDI IN). On JACK that is the other way
round from JACK's own words (a JACK "output" port is what syxkit reads).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import asdict, dataclass, field
from typing import Any

from syxkit.protocols.base import WIRE_BYTES_PER_SECOND
from syxkit.transfer.transport import Transport

# Real DIN MIDI carries 31,250 baud = 3,125 bytes per second: the default pace for backends
# that would otherwise flood a device (or drop SysEx, as JACK through rtmidi does).
WIRE_RATE = float(WIRE_BYTES_PER_SECOND)  # one MIDI cable: 31,250 baud, 10 bits a byte
# An RZ-1 sample dump is one 33,029-byte stream: every input path must hold at least that.
LARGEST_DUMP = 33 * 1024


class PortError(Exception):
    """A port that cannot be found or opened; the text says which ones exist."""


@dataclass
class PortInfo:
    backend: str
    index: int
    name: str
    direction: str  # "in" (syxkit reads) | "out" (syxkit writes)
    detail: str = ""  # device path, JACK aliases …

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class BackendReport:
    name: str
    title: str
    available: bool
    can_split_sysex: bool
    virtual_ports: bool
    reason: str = ""  # why it is unavailable, or a caveat when it is
    inputs: list[PortInfo] = field(default_factory=list)
    outputs: list[PortInfo] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "backend": self.name, "title": self.title, "available": self.available,
            "reason": self.reason, "can_split_sysex": self.can_split_sysex,
            "virtual_ports": self.virtual_ports,
            "inputs": [p.to_json() for p in self.inputs],
            "outputs": [p.to_json() for p in self.outputs],
        }


class Backend(ABC):
    """One way of reaching MIDI ports. ``probe`` never raises: an unusable backend says why."""

    name = ""
    title = ""
    can_split_sysex = False
    virtual_ports = False
    default_rate: float | None = WIRE_RATE

    @abstractmethod
    def probe(self) -> BackendReport: ...

    @abstractmethod
    def open(self, report: BackendReport, source: PortInfo | None, sink: PortInfo | None, *,
             rate: float | None, client_name: str, baud: int | None = None) -> Transport:
        """A transport reading from ``source`` and writing to ``sink`` (either may be None)."""

    def open_virtual(self, name: str, *, rate: float | None) -> Transport:
        """Ports named ``name`` that other programs connect to (for ``syxkit emulate``)."""
        raise PortError(f"{self.name}: this backend cannot create virtual ports")

    def report(self, available: bool, reason: str = "", inputs=(), outputs=()) -> BackendReport:
        return BackendReport(self.name, self.title, available, self.can_split_sysex,
                             self.virtual_ports, reason, list(inputs), list(outputs))

    def looks_like_mine(self, spec: str) -> bool:
        """Whether a --port value can only mean this backend (a device path, hw:1,0 …)."""
        return False


def numbered(backend: str, names: list[str], direction: str, details: list[str] | None = None) -> list[PortInfo]:
    return [PortInfo(backend, i, n, direction, (details or [""] * len(names))[i])
            for i, n in enumerate(names)]


def _client(name: str) -> str:
    return name.split(":", 1)[0] if ":" in name else name


def match(ports: list[PortInfo], spec: str) -> list[PortInfo]:
    """Ports a --port value names: a number picks by index; otherwise the exact name wins, then
    the exact client name (JACK ``client:port``, ALSA ``client:port 20:0``), then the ports
    whose name or detail contains it (any case)."""
    spec = spec.strip()
    if spec.isdigit():
        return [p for p in ports if p.index == int(spec)]
    exact = [p for p in ports if p.name == spec or p.detail == spec]
    if exact:
        return exact
    client = [p for p in ports if _client(p.name) == spec]
    if client:
        return client
    low = spec.lower()
    return [p for p in ports if low in p.name.lower() or (p.detail and low in p.detail.lower())]


def pick(report: BackendReport, spec: str | None, direction: str) -> PortInfo | None:
    """The one port of ``direction`` that ``spec`` names, None when nothing matches; several
    matches are an error that lists them."""
    ports = report.inputs if direction == "in" else report.outputs
    if spec is None:
        return None
    found = match(ports, spec)
    if len(found) > 1:
        names = ", ".join(repr(p.name) for p in found)
        raise PortError(f"{report.name}: --port {spec!r} matches several {_words[direction]} "
                        f"({names}); give the full name or its number")
    return found[0] if found else None


_words = {"in": "inputs", "out": "outputs"}


def describe(report: BackendReport) -> str:
    """Short listing for error messages."""
    if not report.available:
        return f"{report.name}: unavailable ({report.reason})"
    ins = ", ".join(f"{p.index}={p.name}" for p in report.inputs) or "none"
    outs = ", ".join(f"{p.index}={p.name}" for p in report.outputs) or "none"
    return f"{report.name}: inputs {ins}; outputs {outs}"
