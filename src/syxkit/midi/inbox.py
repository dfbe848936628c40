"""The thread-safe hand-over between a backend's own thread (JACK process callback, rtmidi
callback) and ``Transport.read``: an unbounded queue, so a 33 KB RZ-1 stream or a 55 KB VZ bulk
dump is never cut short by a fixed buffer."""

from __future__ import annotations

import queue

from syxkit.transfer.transport import TransportClosed

_CLOSED = None


class Inbox:
    def __init__(self) -> None:
        self._q: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()  # put() is reentrant
        self.closed_reason: str | None = None
        self.total = 0

    def put(self, data: bytes) -> None:
        """Called from the backend's thread; never blocks."""
        self._q.put(data)

    def close(self, reason: str) -> None:
        self.closed_reason = reason
        self._q.put(_CLOSED)

    def read(self, timeout: float | None) -> bytes:
        """Everything that arrived, waiting at most ``timeout`` for the first piece."""
        try:
            first = self._q.get(timeout=timeout) if timeout is None or timeout > 0 else self._q.get_nowait()
        except queue.Empty:
            return b""
        chunks = [] if first is _CLOSED else [first]
        closed = first is _CLOSED
        while not closed:
            try:
                item = self._q.get_nowait()
            except queue.Empty:
                break
            if item is _CLOSED:
                closed = True
            else:
                chunks.append(item)
        data = b"".join(chunks)
        if closed:
            if data:  # hand over what came before the close; the next read reports it
                self._q.put(_CLOSED)
            else:
                raise TransportClosed(self.closed_reason or "port closed")
        self.total += len(data)
        return data
