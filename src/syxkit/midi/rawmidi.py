"""Byte-level MIDI through files: Linux ALSA rawmidi devices (``/dev/snd/midiC1D0``, also
named ``hw:1,0``) and any other character device or pty that carries raw MIDI bytes.

Pure Python on top of :class:`FdTransport`: what is written goes out byte for byte and what
arrives is read as it comes, so SysEx can be sent and received in pieces
(``can_split_sysex = True``). The kernel's rawmidi input buffer (4 KB by default, 1.3 s of a
31,250-baud cable) is drained continuously, so a 33 KB RZ-1 stream fits.

Virtual ports for ``syxkit emulate`` are ptys: the emulator keeps the master side, and the
other end is a terminal device file (``/dev/pts/N``), linked from the path given as ``--port``
when that is a path.
"""

from __future__ import annotations

import glob
import os
import re
import sys
from pathlib import Path

try:  # POSIX only; on Windows this backend reports itself unavailable
    import termios
    import tty
except ImportError:  # pragma: no cover - not on the platforms the tests run on
    termios = tty = None

from syxkit.midi.ports import Backend, BackendReport, PortError, PortInfo
from syxkit.transfer.transport import FdTransport

_HW = re.compile(r"^hw:(\d+),(\d+)$")
_DEVICE = re.compile(r"midiC(\d+)D(\d+)$")


def device_path(spec: str) -> str | None:
    """``hw:1,0`` -> /dev/snd/midiC1D0; a path is itself; anything else None."""
    m = _HW.match(spec.strip())
    if m:
        return f"/dev/snd/midiC{m.group(1)}D{m.group(2)}"
    if spec.startswith(("/", "./", "../", "~")):
        return os.path.expanduser(spec)
    return None


def _proc_info(card: str, device: str) -> tuple[str, bool, bool]:
    """Device name and whether it has input and output, from /proc/asound (both when unknown)."""
    try:
        text = Path(f"/proc/asound/card{card}/midi{device}").read_text(errors="replace")
    except OSError:
        return "", True, True
    name = text.splitlines()[0].strip() if text else ""
    return name, "Input" in text, "Output" in text


def _raw(fd: int) -> None:
    if tty is not None and os.isatty(fd):  # a pty or serial device: no echo, no line editing, no CR/LF changes
        tty.setraw(fd)
        termios.tcflush(fd, termios.TCIOFLUSH)  # bytes left over from an earlier session


class RawMidiTransport(FdTransport):
    can_split_sysex = True

    def __init__(self, read_fd: int | None, write_fd: int | None, *, name: str,
                 keep_open: tuple[int, ...] = (), link: str | None = None):
        super().__init__(read_fd if read_fd is not None else -1,
                         write_fd if write_fd is not None else -1, name=name)
        self.notes: list[str] = []
        self._keep = keep_open
        self._link = link
        self.path: str | None = None

    def read(self, timeout: float | None) -> bytes:
        if self.read_fd < 0:
            return b""
        return super().read(timeout)

    def write(self, data: bytes) -> None:
        if self.write_fd < 0:
            raise PortError(f"{self.name}: no output was opened")
        super().write(data)

    def close(self) -> None:
        fds = {fd for fd in (self.read_fd, self.write_fd, *self._keep) if fd >= 0}
        for fd in fds:
            try:
                os.close(fd)
            except OSError:
                pass
        self.read_fd = self.write_fd = -1
        self._keep = ()
        if self._link and os.path.islink(self._link):
            os.unlink(self._link)
        self._link = None


def open_paths(source: str | None, sink: str | None, name: str = "rawmidi") -> RawMidiTransport:
    """Open a device file (or two: one to read, one to write)."""
    fds: list[int] = []
    try:
        if source and source == sink:
            fd = _open(source, os.O_RDWR)
            fds.append(fd)
            read_fd = write_fd = fd
        else:
            read_fd = _open(source, os.O_RDONLY) if source else None
            if read_fd is not None:
                fds.append(read_fd)
            write_fd = _open(sink, os.O_WRONLY) if sink else None
        return RawMidiTransport(read_fd, write_fd, name=f"{name}:{source or sink}")
    except BaseException:
        for fd in fds:
            os.close(fd)
        raise


def _open(path: str, mode: int) -> int:
    try:
        fd = os.open(path, mode | os.O_NONBLOCK | os.O_NOCTTY)
    except FileNotFoundError as exc:
        raise PortError(f"rawmidi: {path} does not exist") from exc
    except PermissionError as exc:
        raise PortError(f"rawmidi: no permission to open {path} (join the 'audio' group)") from exc
    except OSError as exc:  # EBUSY: another program (or the ALSA sequencer) holds it
        raise PortError(f"rawmidi: cannot open {path}: {exc.strerror}") from exc
    _raw(fd)
    return fd


def open_pty(link: str | None) -> tuple[RawMidiTransport, str]:
    """A pty for an emulated device: returns the transport on the master side and the path
    the other side opens (``link`` when given, pointing at /dev/pts/N)."""
    if not hasattr(os, "openpty"):
        raise PortError("rawmidi: ptys exist on Linux and macOS only; use JACK or loopMIDI here")
    master, slave = os.openpty()
    os.set_blocking(master, False)
    _raw(master)
    _raw(slave)
    path = os.ttyname(slave)
    if link:
        if os.path.lexists(link):
            if not os.path.islink(link):
                os.close(master)
                os.close(slave)
                raise PortError(f"rawmidi: {link} exists and is not a link; choose another --port")
            os.unlink(link)
        os.symlink(path, link)
    # Keeping our own slave descriptor open means the master never reads "end of file" when a
    # host closes its side: the emulated device stays up across sessions.
    transport = RawMidiTransport(master, master, name=f"pty:{link or path}", keep_open=(slave,),
                                 link=link)
    transport.path = link or path
    return transport, transport.path


class RawMidiBackend(Backend):
    name = "rawmidi"
    title = "ALSA rawmidi device files and other raw byte devices (ptys)"
    can_split_sysex = True
    virtual_ports = True  # as ptys
    default_rate = None  # the device's own UART paces the bytes

    def looks_like_mine(self, spec: str) -> bool:
        return device_path(spec) is not None

    def probe(self) -> BackendReport:
        if not sys.platform.startswith("linux"):
            return self.report(False, "rawmidi device files exist on Linux only")
        files = sorted(glob.glob("/dev/snd/midiC*D*"),
                       key=lambda p: tuple(int(x) for x in _DEVICE.search(p).groups()))
        if not os.path.isdir("/dev/snd"):
            return self.report(False, "no /dev/snd: no ALSA sound devices here (or /dev/snd is "
                                      "not passed into this container); --port PATH still opens "
                                      "a pty or other raw MIDI byte device")
        inputs, outputs = [], []
        for path in files:
            card, device = _DEVICE.search(path).groups()
            label, has_in, has_out = _proc_info(card, device)
            name = f"hw:{card},{device}" + (f" {label}" if label else "")
            if has_in:
                inputs.append(PortInfo(self.name, len(inputs), name, "in", path))
            if has_out:
                outputs.append(PortInfo(self.name, len(outputs), name, "out", path))
        reason = "" if files else "no rawmidi devices (/dev/snd/midiC*D*) are present"
        return self.report(True, reason, inputs, outputs)

    def open(self, report, source: PortInfo | None, sink: PortInfo | None, *, rate, client_name, **_):
        return open_paths(source.detail if source else None, sink.detail if sink else None)

    def open_path(self, spec: str) -> RawMidiTransport:
        path = device_path(spec)
        if path is None:
            raise PortError(f"rawmidi: {spec!r} is neither a path nor hw:CARD,DEVICE")
        return open_paths(path, path)

    def open_virtual(self, name: str, *, rate):
        link = name if "/" in name else None
        transport, _path = open_pty(link)
        return transport
