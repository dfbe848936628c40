"""A serial port at MIDI's 31,250 baud (a UART wired to a DIN socket, some USB-serial MIDI
adapters, a Raspberry Pi's serial pins), through ``pyserial`` when it is installed.

Bytes go out and come in as they are (``can_split_sysex = True``); the UART paces them. The
baud rate can be changed (``--baud``) for adapters that remap a standard rate to 31,250.
"""

from __future__ import annotations

from syxkit.midi.ports import Backend, BackendReport, PortError, PortInfo, numbered
from syxkit.transfer.transport import Transport, TransportClosed

MIDI_BAUD = 31250
MISSING = "pyserial is not installed (pip install pyserial) — serial ports are optional"


def _serial():
    try:
        import serial
        import serial.tools.list_ports
    except ImportError:
        return None
    return serial


class SerialTransport(Transport):
    can_split_sysex = True

    def __init__(self, path: str, baud: int = MIDI_BAUD):
        serial = _serial()
        if serial is None:
            raise PortError(f"serial: {MISSING}")
        try:
            self.port = serial.Serial(path, baudrate=baud, timeout=0, write_timeout=10)
        except (serial.SerialException, ValueError, OSError) as exc:
            raise PortError(f"serial: cannot open {path} at {baud} baud: {exc}") from exc
        self.port.reset_input_buffer()
        self.name = f"serial:{path}"
        self.notes: list[str] = []
        self._errors = serial.SerialException

    def write(self, data: bytes) -> None:
        try:
            self.port.write(data)
            self.port.flush()  # return when the UART has the bytes, as a cable's clock would
        except (self._errors, OSError) as exc:
            raise TransportClosed(f"{self.name}: {exc}") from exc

    def read(self, timeout: float | None) -> bytes:
        try:
            self.port.timeout = timeout
            first = self.port.read(1)
            if not first:
                return b""
            self.port.timeout = 0
            return first + self.port.read(self.port.in_waiting or 0)
        except (self._errors, OSError) as exc:
            raise TransportClosed(f"{self.name}: {exc}") from exc

    def close(self) -> None:
        try:
            self.port.close()
        except Exception:  # already closed or unplugged
            pass


class SerialBackend(Backend):
    name = "serial"
    title = "serial port at 31,250 baud (pyserial)"
    can_split_sysex = True
    virtual_ports = False
    default_rate = None  # the UART paces

    def probe(self) -> BackendReport:
        serial = _serial()
        if serial is None:
            return self.report(False, MISSING)
        ports = sorted(serial.tools.list_ports.comports(), key=lambda p: p.device)
        names = [p.device for p in ports]
        details = [p.description if p.description and p.description != "n/a" else "" for p in ports]
        return self.report(True, "" if ports else "no serial ports found",
                           numbered(self.name, names, "in", details),
                           numbered(self.name, names, "out", details))

    def open(self, report, source: PortInfo | None, sink: PortInfo | None, *, rate, client_name, baud=None, **_):
        port = source or sink
        if source and sink and source.name != sink.name:
            raise PortError("serial: input and output must be the same serial port")
        return SerialTransport(port.name, baud or MIDI_BAUD)

    def open_path(self, path: str, baud: int | None = None) -> SerialTransport:
        return SerialTransport(path, baud or MIDI_BAUD)
