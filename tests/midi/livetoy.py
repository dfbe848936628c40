"""A test device for the live MIDI commands: the toy handshake of tests/transfer/toy.py (host
opens ``F0 7D 10``, device answers ``F0 7D 30``, host says ``31``, device sends 64 nibbles and
``F7``) grown into a whole device: four tone slots, a receive form, a send handshake, a
panel-started bulk dump that wants an OK, and an emulator with a memory that loads and saves.

It is loaded into ``syxkit emulate`` subprocesses through a real ``syxkit.devices`` entry point
(a dist-info folder on PYTHONPATH, see conftest.py). Not a real device.

Messages (``ss`` = slot 0-3, nibbles high first):
  tone         F0 7D 20 ss <64 nibbles> F7   (68 bytes; what files hold and the device accepts)
  fetch        F0 7D 10 ss  ->  F0 7D 30  <- 31 ->  64 nibbles F7  (faithful: 31 inside the
               host's open SysEx; embedded: F0 7D 10 ss 31 F7 in one go)
  stored OK    F0 7D 72 F7 (device after a tone; host after a bulk open)
  bulk open    F0 7D 70 F7, close F0 7D 71 F7 (panel dump: open, wait for OK, tones, close)
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "transfer"))

from toy import PAYLOAD  # noqa: E402 - the toy's 64 nibbles are slot 0's default tone

from syxkit.core.message import Message, Problem  # noqa: E402
from syxkit.devices.base import Device, DeviceError, Dump, OptionError, Output  # noqa: E402
from syxkit.emulators.base import Emulator, EmulatorOptions  # noqa: E402
from syxkit.protocols.base import ObjectDone, Peer, Progress, strip_realtime  # noqa: E402

HEAD = b"\xf0\x7d"
TONE, FETCH, REPLY, GO = 0x20, 0x10, 0x30, 0x31
OK = HEAD + b"\x72\xf7"
OPEN, CLOSE = HEAD + b"\x70\xf7", HEAD + b"\x71\xf7"
SLOTS = 4
NIBBLES = 64
TONE_SIZE = 4 + NIBBLES + 1


def default_tone(slot: int) -> bytes:
    """Slot s holds the toy payload shifted by s (so every slot differs)."""
    return bytes(((n + slot) & 0x0F) for n in PAYLOAD)


def tone_message(slot: int, nibbles: bytes) -> bytes:
    return HEAD + bytes([TONE, slot]) + nibbles + b"\xf7"


class LiveToy(Device):
    id = "live-toy"
    title = "Live toy (tests of the MIDI commands)"
    prefixes = (HEAD,)
    request_names = (("tone:N", f"tone slot N, 0-{SLOTS - 1}"),)

    def identify(self, message: Message) -> Dump | None:
        data = message.data
        if len(data) != TONE_SIZE or data[2] != TONE or data[-1] != 0xF7:
            return None
        nibbles = data[4:-1]
        problems = []
        if data[3] >= SLOTS:
            problems.append(f"slot {data[3]} (expected 0-{SLOTS - 1})")
        if any(n > 0x0F for n in nibbles):
            problems.append("a nibble above 0F")
        return Dump(self.id, "tone", message, program=data[3], slot=f"tone {data[3]}",
                    store=f"tone slot {data[3]} (ss={data[3]:02X})",
                    payload=bytes(nibbles), problems=[Problem(message.offset, p) for p in problems])

    # -- live hooks --------------------------------------------------------------------------
    def request_protocol(self, what, options):
        kind, _, number = what.partition(":")
        if kind != "tone" or not number.isdigit() or int(number) >= SLOTS:
            raise OptionError(f"{self.id}: cannot request {what!r}; expected tone:0 … tone:{SLOTS - 1}")
        return Fetch([int(number)], options.get("form") or "faithful", options.get("timeout") or 1.0)

    def backup_protocol(self, options):
        return Fetch(list(range(SLOTS)), options.get("form") or "faithful",
                     options.get("timeout") or 1.0, backup=True)

    def send_protocol(self, data, options):
        program = options.get("program")
        messages = [m for m in _split(data) if m[:3] == HEAD + bytes([TONE])]
        if program is not None:
            if len(messages) != 1:
                raise DeviceError(f"{self.id}: --program needs a file with one tone")
            messages = [messages[0][:3] + bytes([program]) + messages[0][4:]]
        options.get("form")  # one form only: every tone is a whole message confirmed by OK
        return Store(messages, options.get("timeout") or 1.0)

    def answer(self, message):
        return OK if message == OPEN else None

    def emulator(self, options):
        memory = {}
        for dump in options.get("memory") or []:
            memory[dump.program] = dump.payload
        options.get("model")  # one model only
        return ToyEmulator(EmulatorOptions(
            active_sensing=bool(options.get("active_sensing")),
            block_delay=options.get("block_delay") or 0.0,
            faults=options.get("faults") or EmulatorOptions().faults), memory)


def _split(data: bytes) -> list[bytes]:
    out, start = [], None
    for k, b in enumerate(data):
        if b == 0xF0:
            start = k
        elif b == 0xF7 and start is not None:
            out.append(bytes(data[start : k + 1]))
            start = None
    return out


class Fetch(Peer):
    """Fetch one or more slots, one after another."""

    device = "live-toy"

    def __init__(self, slots, form, timeout, backup=False):
        super().__init__()
        self.slots, self.form, self.timeout, self.backup = list(slots), form, timeout, backup
        self.outputs: list[Output] = []
        self.buf = bytearray()
        self.total = len(self.slots) * (3 + NIBBLES + 1)

    def on_start(self, now):
        self._next()

    def _next(self):
        slot = self.slots[len(self.outputs)]
        self.buf.clear()
        self.state = "header"
        if self.form == "faithful":
            self.send(HEAD + bytes([FETCH, slot]))
        else:  # embedded (and paced: same here) - the go-ahead inside the request
            self.send(HEAD + bytes([FETCH, slot, GO]) + b"\xf7")
        self.wait(self.timeout, "the header F0 7D 30", step=f"tone {slot}")

    def on_bytes(self, data, now):
        self.buf += strip_realtime(data)
        done_before = len(self.outputs) * (3 + NIBBLES + 1)
        if self.state == "header":
            if len(self.buf) < 3:
                return
            if self.buf[:3] != HEAD + bytes([REPLY]):
                self.fail("F0 7D 30", reason=f"unexpected bytes {self.buf[:3].hex(' ')}")
                return
            del self.buf[:3]
            self.state = "data"
            if self.form == "faithful":
                self.send(bytes([GO]))
            self.wait(self.timeout, f"{NIBBLES} nibbles and F7")
        if self.state == "data":
            if any(b > 0x0F for b in self.buf[:NIBBLES]):
                self.fail("nibbles 00-0F", reason="corrupt data")
                return
            self.emit(Progress(done_before + 3 + min(len(self.buf), NIBBLES + 1), self.total,
                               len(self.outputs), len(self.slots), step=self.step_name))
            if len(self.buf) < NIBBLES + 1:
                self.wait(self.timeout, f"{NIBBLES} nibbles and F7")
                return
            if self.buf[NIBBLES] != 0xF7:
                self.fail("F7", reason="no end of message")
                return
            if self.form == "faithful":
                self.send(b"\xf7")
            slot = self.slots[len(self.outputs)]
            out = Output(f"tone-{slot}.syx", tone_message(slot, bytes(self.buf[:NIBBLES])))
            self.outputs.append(out)
            if self.backup:
                self.emit(ObjectDone(out.name, out.data))
            if len(self.outputs) == len(self.slots):
                self.finish(self.outputs)
            else:
                self._next()


class Store(Peer):
    """Send tones one by one, each confirmed by the device's OK."""

    device = "live-toy"

    def __init__(self, messages, timeout):
        super().__init__()
        self.messages, self.timeout = messages, timeout
        self.sent = 0
        self.buf = bytearray()

    def on_start(self, now):
        if not self.messages:
            self.fail("a tone to send", reason="the file holds no live-toy tone")
            return
        self._send()

    def _send(self):
        self.send(self.messages[self.sent])
        self.wait(self.timeout, "the device's OK (F0 7D 72 F7)", step=f"tone {self.sent + 1}")

    def on_bytes(self, data, now):
        self.buf += strip_realtime(data)
        while True:
            at = self.buf.find(b"\xf0")
            if at < 0 or len(self.buf) - at < 4:
                return
            msg = bytes(self.buf[at : at + 4])
            del self.buf[: at + 4]
            if msg != OK:
                self.fail("F0 7D 72 F7", reason=f"unexpected answer {msg.hex(' ')}")
                return
            self.sent += 1
            self.emit(Progress(self.sent * TONE_SIZE, len(self.messages) * TONE_SIZE, self.sent,
                               len(self.messages), step="sending"))
            if self.sent == len(self.messages):
                self.finish({"tones": self.sent})
                return
            self._send()


class ToyEmulator(Emulator):
    device = "live-toy"

    def __init__(self, options, memory=None):
        super().__init__(options)
        self.memory = {s: default_tone(s) for s in range(SLOTS)}
        self.memory.update(memory or {})
        self.buf = bytearray()
        self.state = "idle"
        self.slot = 0

    def reset(self):
        self.buf.clear()
        self.state = "idle"

    def save(self) -> bytes:
        return b"".join(tone_message(s, self.memory[s]) for s in range(SLOTS))

    def panel_dump(self):
        self.handshake(OPEN)
        self.state = "bulk-wait"
        self.after(1.0, self._bulk_timeout)

    def _bulk_timeout(self):
        if self.state == "bulk-wait":
            self.log.append("bulk open got no OK")
            self.state = "idle"

    def on_bytes(self, data):
        self.buf += data
        self._process()

    def _process(self):
        while self.buf:
            if self.state == "answering":
                return  # the header goes out after the processing delay; the rest waits
            if self.state == "go":
                if self.buf[0] != GO:
                    self.log.append(f"expected 31, got {self.buf[0]:02X}")
                    self.state = "idle"
                    continue
                del self.buf[0]
                self.send(self.memory[self.slot] + b"\xf7")
                self.state = "idle"
                continue
            at = self.buf.find(b"\xf0")
            if at < 0:
                self.buf.clear()  # the host's closing F7 and other stray bytes
                return
            del self.buf[:at]
            if len(self.buf) < 4:
                return
            cmd = self.buf[2]
            if cmd == FETCH:
                self.slot = self.buf[3] % SLOTS
                del self.buf[:4]
                self.state = "answering"
                self.after(self.options.block_delay, self._header)
                return
            if cmd == TONE:
                if len(self.buf) < TONE_SIZE:
                    return
                msg = bytes(self.buf[:TONE_SIZE])
                del self.buf[:TONE_SIZE]
                if msg[-1] == 0xF7 and msg[3] < SLOTS and all(n <= 0x0F for n in msg[4:-1]):
                    self.memory[msg[3]] = msg[4:-1]
                    self.handshake(OK)
                else:
                    self.log.append(f"refused a bad tone message {msg[:4].hex(' ')}")
                continue
            if self.buf[:4] == OK and self.state == "bulk-wait":
                del self.buf[:4]
                self.state = "idle"
                for s in range(SLOTS):
                    self.send(tone_message(s, self.memory[s]))
                self.send(CLOSE)
                continue
            del self.buf[:1]  # not ours: look for the next F0

    def _header(self):
        self.handshake(HEAD + bytes([REPLY]))
        self.state = "go"
        self._process()
