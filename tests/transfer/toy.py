"""A toy handshake device for testing the transfer machinery itself (not a real device):
host sends F0 7D 10 (open), device answers F0 7D 30, host sends 31, device sends 64 nibbles,
F7."""

from __future__ import annotations

from syxkit.emulators.base import Emulator
from syxkit.protocols.base import Peer, Progress, strip_realtime

PAYLOAD = bytes(range(16)) * 4


class ToyFetch(Peer):
    device = "toy"

    def __init__(self, timeout: float = 0.5):
        super().__init__()
        self.timeout = timeout
        self.buf = bytearray()
        self.state = "header"

    def on_start(self, now):
        self.send(b"\xf0\x7d\x10")
        self.wait(self.timeout, "the device's header F0 7D 30", step="request")

    def on_bytes(self, data, now):
        self.buf += strip_realtime(data)
        if self.state == "header":
            if self.buf.startswith(b"\xf0\x7d\x30"):
                del self.buf[:3]
                self.state = "data"
                self.send(b"\x31")
                self.wait(self.timeout, "64 nibbles and F7", step="data")
            elif len(self.buf) >= 3:
                self.fail("F0 7D 30", reason=f"unexpected bytes {self.buf[:3].hex(' ')}")
                return
        if self.state == "data":
            if any(b > 0x0F and b != 0xF7 for b in self.buf):
                self.fail("nibbles 00-0F", reason="corrupt data")
                return
            self.emit(Progress(len(self.buf), 65, step="data"))
            if len(self.buf) >= 65:
                if self.buf[64] != 0xF7:
                    self.fail("F7", reason="no end of message")
                    return
                self.send(b"\xf7")
                self.finish(bytes(self.buf[:64]))
            else:
                self.wait(self.timeout, "64 nibbles and F7")


class ToyDevice(Emulator):
    device = "toy"

    def __init__(self, options=None):
        super().__init__(options)
        self.state = "idle"
        self.buf = bytearray()

    def reset(self):
        self.state = "idle"
        self.buf.clear()

    def on_bytes(self, data):
        self.buf += data
        if self.state == "idle" and self.buf.startswith(b"\xf0\x7d\x10"):
            del self.buf[:3]
            self.state = "answer"
            self.after(self.options.block_delay, lambda: self.handshake(b"\xf0\x7d\x30"))
        if self.state == "answer" and self.buf[:1] == b"\x31":
            del self.buf[:1]
            self.state = "sending"
            for k in range(0, 64, 16):
                self.send(PAYLOAD[k : k + 16])
            self.send(b"\xf7")
            self.state = "idle"
