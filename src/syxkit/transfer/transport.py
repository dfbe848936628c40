"""Transports: duplex byte streams. This module has the in-memory link (tests) and file
descriptors (OS pipes between processes, ptys, rawmidi device files, serial ports)."""

from __future__ import annotations

import os
import select
import threading
import time
from abc import ABC, abstractmethod


class TransportClosed(Exception):
    pass


class Transport(ABC):
    name = "transport"
    # Can a SysEx go out in pieces (our F0 … now, 7n 31 later)? Byte streams can; APIs that
    # only send whole messages cannot, and protocols then use embedded or paced forms.
    can_split_sysex = True

    @abstractmethod
    def write(self, data: bytes) -> None: ...

    @abstractmethod
    def read(self, timeout: float | None) -> bytes:
        """Bytes that arrived, waiting at most ``timeout`` seconds; b"" when none came."""

    def close(self) -> None:  # noqa: B027 - closing is optional for transports without resources
        return None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class _Buffer:
    def __init__(self) -> None:
        self.data = bytearray()
        self.cond = threading.Condition()
        self.closed = False


class MemoryTransport(Transport):
    """One end of an in-process link; make two with :func:`memory_pair`."""

    name = "memory"

    def __init__(self, inbox: _Buffer, outbox: _Buffer):
        self._in, self._out = inbox, outbox

    def write(self, data: bytes) -> None:
        with self._out.cond:
            if self._out.closed:
                raise TransportClosed("link closed")
            self._out.data += data
            self._out.cond.notify_all()

    def read(self, timeout: float | None) -> bytes:
        with self._in.cond:
            if not self._in.data and not self._in.closed:
                self._in.cond.wait(timeout)
            data = bytes(self._in.data)
            self._in.data.clear()
            if not data and self._in.closed:
                raise TransportClosed("link closed")
            return data

    def close(self) -> None:
        for buf in (self._in, self._out):
            with buf.cond:
                buf.closed = True
                buf.cond.notify_all()


def memory_pair() -> tuple[MemoryTransport, MemoryTransport]:
    a, b = _Buffer(), _Buffer()
    return MemoryTransport(a, b), MemoryTransport(b, a)


class FdTransport(Transport):
    """Raw bytes over file descriptors: pipes, a pty, /dev/snd/midiC*D*, a serial device."""

    name = "fd"

    def __init__(self, read_fd: int, write_fd: int, *, owns: bool = True, name: str = "fd"):
        self.read_fd, self.write_fd = read_fd, write_fd
        self._owns = owns
        self.name = name

    def write(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            try:
                n = os.write(self.write_fd, view)
            except BlockingIOError:
                select.select([], [self.write_fd], [], 1.0)
                continue
            view = view[n:]

    def read(self, timeout: float | None) -> bytes:
        ready, _, _ = select.select([self.read_fd], [], [], timeout)
        if not ready:
            return b""
        try:
            data = os.read(self.read_fd, 65536)
        except OSError as exc:  # a pty whose other end closed reads EIO
            raise TransportClosed(str(exc)) from exc
        if not data:
            raise TransportClosed("end of stream")
        return data

    def close(self) -> None:
        if self._owns:
            for fd in {self.read_fd, self.write_fd}:
                try:
                    os.close(fd)
                except OSError:
                    pass
            self._owns = False


class PacedTransport(Transport):
    """Limits writes to ``rate`` bytes per second, as a real MIDI cable does (3,125 B/s)."""

    def __init__(self, inner: Transport, rate: float, clock=time.monotonic, sleep=time.sleep):
        self.inner, self.rate = inner, rate
        self.name = inner.name
        self.can_split_sysex = inner.can_split_sysex
        self._clock, self._sleep = clock, sleep
        self._free_at = 0.0

    def write(self, data: bytes, chunk: int = 32) -> None:
        # Each piece is handed over when its last byte would have crossed the cable, so the
        # other end never sees a byte earlier than a real MIDI line would deliver it.
        for k in range(0, len(data), chunk):
            piece = data[k : k + chunk]
            now = self._clock()
            end = max(now, self._free_at) + len(piece) / self.rate
            if end > now:
                self._sleep(end - now)
            self.inner.write(piece)
            self._free_at = end

    def read(self, timeout: float | None) -> bytes:
        return self.inner.read(timeout)

    def close(self) -> None:
        self.inner.close()
