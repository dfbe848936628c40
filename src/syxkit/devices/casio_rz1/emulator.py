"""An emulated Casio RZ-1: sample RAM and rhythm RAM, MIDI SEND and MIDI RECEIVE as the
reverse-engineered spec and the real capture (``shared/corpus/rz1``) show them.

MIDI SEND (``…7n 10 00`` / ``…7n 14 00``): one block of 256 nibbles per ``7n 31``, ``70 32``
after each block but the last, ``F7`` after the last; then the host's F7 (or one more
handshake) ends MIDI SEND mode. Driven like the capture's host, it sends the capture's device
side byte for byte. Where the spec is silent, the choices are:

* ``header_on="ack"`` (default): the reply header ``F0 44 01 00 70 30`` goes out with the first
  block, after the first ``7n 31`` (the capture shows it after the first acknowledgement);
  ``"request"`` sends it as soon as the request arrives (the seed's "responds … to any of those
  four requests"). The bytes are the same either way; only a host that waits for the header
  before its first ``7n 31`` can tell (and hangs with ``"ack"``).
* The RZ-1's UART sends at 3,125 bytes/s (``uart_rate``), so a block is 83 ms of work. An
  acknowledgement that arrives before the block's ``70 32`` has gone out (a host flooding
  acknowledgements, or pacing them faster than blocks) stops the transfer early, as users
  report: the emulator closes its SysEx with F7 there and leaves MIDI SEND mode (what the real
  unit sends when it stops is not recorded; it stops, which is what matters to a host).
  Acknowledgements on another channel, or when no transfer is under way, are ignored.

MIDI RECEIVE (``…7n 20 00`` / ``…7n 24 00``): the same reply header, then blocks of 256
nibbles, each but the last closed by ``7n 32``, then F7. After each ``7n 32`` it answers
``70 31`` (``receive_answer="none"``: stays silent; the spec says only "an answer (7n 3x) or a
time-out"), and after F7 it answers F7. Anything else refuses the data: the memory stays as it
was and nothing more is answered until the next message. Sample RAM whose link byte has any of
bits 0-4 set is wiped, as the real RZ-1 does at power-on, and the log says so.

Handshakes (droppable with ``drop-handshake:N``) are, in order: the reply header, each
``70 32`` (or answer ``70 31``), and the F7 that confirms a receive.
"""

from __future__ import annotations

from collections.abc import Iterable

from syxkit.core.codecs import denibble_hi_first, nibbles_hi_first
from syxkit.core.framing import frame
from syxkit.devices.base import DeviceError, Dump
from syxkit.devices.casio_rz1 import build, samples, synth
from syxkit.devices.casio_rz1 import table as t
from syxkit.emulators.base import Emulator, EmulatorOptions
from syxkit.protocols.base import WIRE_BYTES_PER_SECOND

UART_CHUNK = 32  # bytes handed to the line at a time while a block goes out at uart_rate
HEADER_MODES = ("ack", "request")
ANSWER_MODES = ("ack", "none")


def default_sample_ram() -> bytes:
    """Four synthesised drums, no links: a valid image built with the driver."""
    return samples.image_from_sounds(synth.drum_kit(), link=0)


def default_rhythm_ram() -> bytes:
    """Rhythm RAM's layout is unknown, so the default is a fixed, varied filler (every byte
    value occurs) that lets a test see any byte that moved."""
    return bytes((i * 37 + (i >> 8)) & 0xFF for i in range(t.RHYTHM.size))


def memory_from_dumps(dumps: Iterable[Dump]) -> dict[str, bytes]:
    """RAM images from RZ-1 dumps (loadable or as captured); requests and replies carry none
    and are passed over. An incomplete dump is refused: loading half a RAM is no emulation."""
    from syxkit.devices.casio_rz1.device import RAM_KINDS, CasioRZ1

    memory: dict[str, bytes] = {}
    for dump in dumps:
        if dump.device != t.DEVICE_ID or not (dump.kind in RAM_KINDS or dump.kind == "dump"):
            continue
        image = CasioRZ1.require_complete(dump)
        memory[RAM_KINDS[dump.kind].name] = image
    return memory


def memory_from_bytes(data: bytes) -> dict[str, bytes]:
    """RAM images from a file's bytes (any RZ-1 dump: the corpus capture, a saved backup)."""
    from syxkit.devices.casio_rz1.device import CasioRZ1

    driver = CasioRZ1()
    dumps = [d for d in (driver.identify(m) for m in frame(data).messages) if d is not None]
    memory = memory_from_dumps(dumps)
    if not memory:
        raise DeviceError("no complete RZ-1 sample or rhythm dump in the data")
    return memory


class RZ1Emulator(Emulator):
    device = t.DEVICE_ID

    def __init__(self, options: EmulatorOptions | None = None, *,
                 memory: dict[str, bytes] | None = None, channel: int = 1,
                 header_on: str = "ack", uart_rate: float | None = WIRE_BYTES_PER_SECOND,
                 receive_answer: str = "ack"):
        super().__init__(options)
        if header_on not in HEADER_MODES:
            raise DeviceError(f"header_on {header_on!r}; expected one of {', '.join(HEADER_MODES)}")
        if receive_answer not in ANSWER_MODES:
            raise DeviceError(f"receive_answer {receive_answer!r}; expected one of "
                              f"{', '.join(ANSWER_MODES)}")
        self.channel_byte = build.channel_byte(channel)
        self.header_on = header_on
        self.uart_rate = uart_rate
        self.receive_answer = receive_answer
        self.memory = {t.SAMPLE.name: default_sample_ram(), t.RHYTHM.name: default_rhythm_ram()}
        for name, image in (memory or {}).items():
            ram = build.ram_for_image(image, name)
            self.memory[ram.name] = bytes(image)
        self.state = "idle"
        self.buf = bytearray()
        self.ram: t.Ram | None = None
        self.block = 0  # blocks sent (MIDI SEND) or received (MIDI RECEIVE)
        self.nibbles = bytearray()  # MIDI RECEIVE: nibbles of the blocks received so far
        self.in_block = 0
        self.epoch = 0  # bumped by reset(): timers of an abandoned transfer do nothing
        self.sysex_open = False  # MIDI SEND: our reply header went out, F7 not yet

    # -- the memory ------------------------------------------------------------------------------
    def save(self) -> bytes:
        """The memory as a loadable sample dump followed by a loadable rhythm dump."""
        ch = (self.channel_byte & 0x0F) + 1
        return b"".join(build.loadable(self.memory[ram.name], ch, ram) for ram in (t.SAMPLE, t.RHYTHM))

    def reset(self) -> None:
        self.state = "idle"
        self.buf.clear()
        self.ram = None
        self.nibbles.clear()
        self.sysex_open = False
        self.epoch += 1

    def _later(self, seconds: float, action) -> None:
        epoch = self.epoch

        def run() -> None:
            if epoch == self.epoch and not self.stalled:
                action()

        self.after(seconds, run)

    # -- input ---------------------------------------------------------------------------------
    def on_bytes(self, data: bytes) -> None:
        self.buf += data
        while self.buf:
            handler = getattr(self, f"_in_{self.state}")
            if not handler():
                break

    def _in_idle(self) -> bool:
        start = self.buf.find(t.SOX)
        if start < 0:
            self.buf.clear()  # stray bytes (e.g. spare 7n 31 after a dump) mean nothing now
            return False
        del self.buf[:start]
        head = bytes(self.buf[:t.REQUEST_LEN])
        if not head.startswith(t.HEADER[:len(head)]) or (
                len(head) > len(t.HEADER) and head[len(t.HEADER)] & 0xF0 != t.CHANNEL_BASE):
            self.log.append(f"ignored a message that is not for an RZ-1: {head.hex(' ')}")
            del self.buf[:1]
            self.state = "skip"
            return True
        if len(head) < t.REQUEST_LEN:
            return False
        del self.buf[:t.REQUEST_LEN]
        ch, code, tail = head[len(t.HEADER)], head[len(t.HEADER) + 1], head[len(t.HEADER) + 2]
        if ch != self.channel_byte:
            self.log.append(f"ignored a request on channel {(ch & 0x0F) + 1}; this RZ-1 is on "
                            f"channel {(self.channel_byte & 0x0F) + 1}")
            self.state = "skip"
            return True
        if code not in t.REQUESTS or tail != t.REQUEST_TAIL:
            self.log.append(f"ignored an unknown request {head.hex(' ')}")
            self.state = "skip"
            return True
        self.ram, direction = t.REQUESTS[code]
        self.block = 0
        self.sysex_open = False
        if direction == "send":
            self.state = "send_ready"
            self.log.append(f"MIDI SEND {self.ram.title}")
            if self.header_on == "request":
                self._later(self.options.block_delay, self._open_sysex)
        else:
            self.state = "receive"
            self.nibbles.clear()
            self.in_block = 0
            self.log.append(f"MIDI RECEIVE {self.ram.title}")
            self._later(self.options.block_delay, lambda: self.handshake(build.reply()))
        return True

    def _in_skip(self) -> bool:
        """Pass over the rest of a message that is not for us (or that we refused)."""
        for i, b in enumerate(self.buf):
            if b == t.EOX:
                del self.buf[:i + 1]
                self.state = "idle"
                return True
            if b == t.SOX:
                del self.buf[:i]
                self.state = "idle"
                return True
        self.buf.clear()
        return False

    # -- MIDI SEND ------------------------------------------------------------------------------
    def _handshake_in(self) -> tuple[str, int] | None:
        """The next host handshake: ("ack"|"other"|"end"|"new", bytes used), None = need more."""
        b = self.buf[0]
        if b == t.SOX:
            return "new", 0
        if b == t.EOX:
            return "end", 1
        if b & 0xF0 == t.CHANNEL_BASE:
            if len(self.buf) < 2:
                return None
            if b == self.channel_byte and self.buf[1] == t.ACK:
                return "ack", 2
            self.log.append(f"ignored handshake {self.buf[0]:02X} {self.buf[1]:02X}")
            return "other", 2
        return "other", 1

    def _send_mode_input(self) -> tuple[str, bool] | None:
        got = self._handshake_in()
        if got is None:
            return None
        what, used = got
        del self.buf[:used]
        if what == "new":
            self.log.append("a new message arrived: MIDI SEND abandoned")
            self._stop_sending()
        elif what == "end" and self.state != "send_done":
            self.log.append(f"the host ended MIDI SEND (F7) after {self.block} blocks")
            self._stop_sending()
        return what, True

    def _in_send_ready(self) -> bool:
        got = self._send_mode_input()
        if got is None:
            return False
        if got[0] == "ack":
            self.state = "sending"
            self._later(self.options.block_delay, self._send_block)
        return True

    def _in_sending(self) -> bool:
        got = self._send_mode_input()
        if got is None:
            return False
        if got[0] == "ack":
            self.log.append(f"7n 31 arrived while block {self.block + 1} of {self.ram.blocks} was "
                            "still going out (before its 70 32): MIDI SEND stopped early, as "
                            "users report when acknowledgements are flooded")
            self._stop_sending()
        return True

    def _in_send_done(self) -> bool:
        got = self._send_mode_input()
        if got is None:
            return False
        if got[0] in ("ack", "end"):
            self.log.append("left MIDI SEND mode")
            self.state = "idle"
        return True

    def _open_sysex(self) -> None:
        self.sysex_open = True
        self.handshake(build.reply())

    def _stop_sending(self) -> None:
        self.cancel_timers()
        self.state = "idle"
        if self.sysex_open:
            self.sysex_open = False
            self.send(build.END)  # close the SysEx the RZ-1 had open

    def _intact(self, epoch: int) -> bool:
        """No fault (reset, stall) struck while we were sending."""
        return epoch == self.epoch and not self.stalled

    def _send_block(self) -> None:
        k = self.block
        image = self.memory[self.ram.name]
        data = nibbles_hi_first(image[k * t.BLOCK_BYTES:(k + 1) * t.BLOCK_BYTES])
        lead = 0.0
        if not self.sysex_open:
            epoch = self.epoch
            self._open_sysex()
            if not self._intact(epoch):
                return
            lead = self._uart(len(build.reply()))
        if self.uart_rate is None:
            self._emit(data, 0)
        else:
            self._later(lead, lambda: self._emit(data, 0))

    def _uart(self, n: int) -> float:
        return 0.0 if self.uart_rate is None else n / self.uart_rate

    def _emit(self, data: bytes, pos: int) -> None:
        """Hand the block to the line at the UART's pace, then close it."""
        epoch = self.epoch
        if self.uart_rate is None:
            self.send(data)
            if self._intact(epoch):
                self._block_sent()
            return
        piece = data[pos:pos + UART_CHUNK]
        self.send(piece)
        if not self._intact(epoch):
            return
        pos += len(piece)
        if pos < len(data):
            self._later(self._uart(len(piece)), lambda: self._emit(data, pos))
        else:
            self._later(self._uart(len(piece)), self._block_sent)

    def _block_sent(self) -> None:
        self.block += 1
        if self.block < self.ram.blocks:
            self.state = "send_ready"
            self.handshake(bytes([t.REPLY_CHANNEL_BYTE, t.MORE]))
        else:
            self.state = "send_done"
            self.sysex_open = False
            self.log.append(f"sent {self.ram.title}: {self.block} blocks")
            self.send(build.END)

    # -- MIDI RECEIVE -------------------------------------------------------------------------
    def _refuse(self, reason: str) -> None:
        self.log.append(f"refused {self.ram.title} data: {reason}; memory unchanged")
        self.cancel_timers()
        self.state = "skip"

    def _in_receive(self) -> bool:
        b = self.buf[0]
        where = f"block {self.block + 1} of {self.ram.blocks}"
        if b <= 0x0F:
            n = 1
            while n < len(self.buf) and self.buf[n] <= 0x0F:
                n += 1
            if self.block >= self.ram.blocks or self.in_block + n > t.BLOCK_NIBBLES:
                self._refuse(f"{where} goes on past {t.BLOCK_NIBBLES} nibbles")
                return True
            self.nibbles += self.buf[:n]
            self.in_block += n
            del self.buf[:n]
            return True
        if b & 0xF0 == t.CHANNEL_BASE:
            if len(self.buf) < 2:
                return False
            pair = bytes(self.buf[:2])
            del self.buf[:2]
            if pair[1] != t.MORE or pair[0] != self.channel_byte:
                self._refuse(f"handshake {pair.hex(' ')} in {where}; expected "
                             f"{self.channel_byte:02X} 32")
            elif self.in_block != t.BLOCK_NIBBLES or self.block + 1 >= self.ram.blocks:
                self._refuse(f"7n 32 after {self.in_block} nibbles of {where}")
            else:
                self.block += 1
                self.in_block = 0
                if self.receive_answer == "ack":
                    answer = bytes([t.REPLY_CHANNEL_BYTE, t.ACK])
                    self._later(self.options.block_delay, lambda: self.handshake(answer))
            return True
        if b == t.EOX:
            del self.buf[:1]
            if self.block + 1 != self.ram.blocks or self.in_block != t.BLOCK_NIBBLES:
                self._refuse(f"F7 after {self.block} blocks and {self.in_block} nibbles; "
                             f"{self.ram.blocks} blocks expected")
                self.state = "idle"
                return True
            image = denibble_hi_first(bytes(self.nibbles))
            ram = self.ram
            self.state = "idle"
            self._later(self.options.block_delay, lambda: self._store(ram, image))
            return True
        self._refuse(f"byte {b:02X} in {where} is not a nibble")
        if b != t.SOX:
            del self.buf[:1]
        else:
            self.state = "idle"
        return True

    def _store(self, ram: t.Ram, image: bytes) -> None:
        if ram is t.SAMPLE and image[t.LINK_OFFSET] & t.LINK_RESERVED_MASK:
            self.memory[ram.name] = bytes(ram.size)
            self.log.append(f"link byte {image[t.LINK_OFFSET]:02X} has bits 0-4 set: sample RAM "
                            "wiped, as the RZ-1 does at power-on")
        else:
            self.memory[ram.name] = image
            self.log.append(f"received {ram.title}: {ram.blocks} blocks")
        self.handshake(build.END)
