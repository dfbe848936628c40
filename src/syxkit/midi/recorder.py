"""Recording what a device sends on its own (a dump started from its panel), answering the
handshakes some devices want on the way (the VZ's bulk open wants OK), until the line has
been quiet for a while. A sans-I/O peer like the protocols, so it runs in the simulator too.
"""

from __future__ import annotations

from collections.abc import Callable

from syxkit.protocols.base import Peer, Progress


class Recorder(Peer):
    device = "receive"

    def __init__(self, *, quiet: float = 2.0, first_wait: float | None = None,
                 answer: Callable[[bytes], bytes | None] | None = None, keep_realtime: bool = False):
        super().__init__()
        if quiet <= 0:
            raise ValueError("the quiet time must be more than 0 seconds")
        self.quiet = quiet
        self.first_wait = first_wait
        self.answer = answer
        self.keep_realtime = keep_realtime
        self.stream = bytearray()  # what is saved
        self.realtime = 0  # real-time bytes (clock, active sensing) left out of the stream
        self.messages = 0  # complete SysEx messages seen
        self.answers: list[bytes] = []
        self._start: int | None = None  # offset of an open F0 in ``stream``
        self._scan = 0

    def on_start(self, now: float) -> None:
        self.wait(self.first_wait, "a dump sent from the device's panel", step="waiting")

    def on_bytes(self, data: bytes, now: float) -> None:
        protocol = bytes(b for b in data if b < 0xF8)
        self.realtime += len(data) - len(protocol)
        self.stream += data if self.keep_realtime else protocol
        if not protocol:
            return  # active sensing alone is not activity: the quiet time keeps running
        self._frame()
        self.emit(Progress(len(self.stream), None, self.messages, None, step="receiving"))
        self.wait(self.quiet, f"more data (the dump ends after {self.quiet:g} s of quiet)",
                  step="receiving")

    def _frame(self) -> None:
        """Hand every SysEx that has just been completed to ``answer``."""
        stream = self.stream
        for k in range(self._scan, len(stream)):
            b = stream[k]
            if b == 0xF0:
                self._start = k
            elif b == 0xF7 and self._start is not None:
                self.messages += 1
                message = bytes(b for b in stream[self._start : k + 1] if b < 0xF8)
                self._start = None
                reply = self.answer(message) if self.answer else None
                if reply:
                    self.answers.append(reply)
                    self.send(reply)
            elif 0x80 <= b < 0xF0 and b != 0xF7:
                self._start = None  # a status byte ends any open SysEx
        self._scan = len(stream)

    def on_timeout(self, now: float) -> None:
        if self.step_name == "receiving":
            self.finish(bytes(self.stream))
        else:
            self.fail("a dump sent from the device's panel",
                      reason=f"nothing arrived within {self.first_wait:g} s")
