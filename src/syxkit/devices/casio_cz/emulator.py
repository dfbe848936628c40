"""An emulated CZ: the firmware's SysEx handling as the spec describes it (from a disassembly of
the CZ-101 firmware), with a memory per model.

Behaviour, byte by byte:

* ``F0 44 00 00 7n`` on the CZ's channel, then a command. Other channels and unknown commands
  are skipped up to ``F7``.
* Send requests ``10``/``11``/``12 pp``: answer ``F0 44 00 00 7n 30``, then wait for ``7n`` and
  ``31`` (other bytes, such as the F7 of a request closed too early, are ignored while waiting;
  ``7n`` followed by anything but ``31`` aborts), then send the nibbles low first and ``F7``.
* Receive requests ``20``/``21``/``22 pp``: answer ``…7n 30`` and store nibbles. Any byte of
  0x10 or more other than ``7n`` aborts; after ``7n`` the next byte must be ``32`` (block end),
  so a ``7n 31`` during a receive aborts it. After the last nibble the CZ sends its own ``F7``
  and writes the object.
* An inactivity timer (``inactivity`` seconds, default 1) aborts a transfer that stops.
* Refusals (no answer at all, the rest skipped): writes to presets, cartridge slots without a
  cartridge, addresses the model lacks, CZ-1 commands on other models, and on a CZ-1 with
  SYSTEM EXCLUSIVE TONE DATA off every tone or op-mem request. Memory protect answers and takes
  the data as usual but does not write it (not even to the edit buffer 0x60).
* Bend range, key transpose, tone mix and the CZ-1 mode are stored (``settings``).

Timing: the firmware's MIDI input is a 256-byte ring filled while the CZ is busy, i.e. while it
sends (its UART runs at ``wire_rate``, 3,125 bytes/s) and while it writes a received object
(``block_delay`` seconds, default 0). Bytes that arrive when the ring is full are lost (logged).
The simulator delivers a chunk when its last byte has crossed; the emulator spreads the chunk's
bytes back over the time they took on the wire, so a 264-byte message sent in one piece fills the
ring as it would on a real cable.

Assumptions where the spec is silent (documented, not facts): a CZ-1 answers ``10 pp`` with the
first 128 bytes of its tone and keeps a slot's name when ``20 pp`` writes the tone part; a
request for an address the model lacks gets no answer; a CZ-5000 sequencer transfer (``14``/``24``)
is not emulated (skipped).
"""

from __future__ import annotations

import random
from collections import deque
from collections.abc import Iterable
from functools import lru_cache

from syxkit.core.codecs import decode_name, encode_name
from syxkit.devices.base import DeviceError, Dump
from syxkit.devices.casio_cz import messages
from syxkit.devices.casio_cz.identify import DEVICE_ID
from syxkit.devices.casio_cz.slots import LAYOUTS, parse_model
from syxkit.devices.casio_cz.table import (
    BLOCK_END,
    CZ1_CHARSET,
    EDIT_BUFFER,
    EOX,
    GO_AHEAD,
    HEADER,
    NAME_BYTES,
    NAMED_TONE,
    OPMEM,
    OPMEM_BYTES,
    TONE,
    TONE_BYTES,
    channel_byte,
)
from syxkit.devices.casio_cz.tone import (
    INIT_PANEL,
    LINE_SELECT,
    VIBRATO_WAVE_CODES,
    WAVE_NAMES,
    WAVE_OFF,
    encode_tone,
)
from syxkit.emulators.base import Emulator, EmulatorOptions
from syxkit.protocols.base import WIRE_BYTES_PER_SECOND

RING_SIZE = 256  # the firmware's MIDI receive buffer
DEFAULT_INACTIVITY = 1.0
EPS = 1e-9

REQUESTS = {0x10: "tone", 0x11: "named-tone", 0x12: "operation-memory"}
RECEIVES = {0x20: "tone", 0x21: "named-tone", 0x22: "operation-memory"}
SIZES = {"tone": TONE.data_bytes, "named-tone": NAMED_TONE.data_bytes,
         "operation-memory": OPMEM.data_bytes}
CZ1_ONLY = {0x11, 0x12, 0x21, 0x22, 0x42, 0x4D}
SETTINGS = {0x40: "bend-range", 0x41: "key-transpose", 0x42: "tone-mix", 0x4D: "cz1-mode"}
TRANSFER_STATES = ("await-go", "await-go-31", "receive", "receive-32")


# ---------------------------------------------------------------------------------------------
# Generated memory: valid tones built with the driver's own tone table


VIBRATO_WAVES = tuple(VIBRATO_WAVE_CODES)


@lru_cache(maxsize=1024)  # deterministic, and built through the whole tone table
def generated_tone(seed: str) -> bytes:
    """A plausible, valid 128-byte tone, different for every seed (deterministic)."""
    r = random.Random(seed)
    panel = {k: (dict(v) if isinstance(v, dict) else v) for k, v in INIT_PANEL.items()}
    panel["line_select"] = r.choice(LINE_SELECT)
    panel["octave"] = r.choice((-1, 0, 1))
    panel["detune"] = {"direction": r.choice("+-"), "fine": r.randrange(61),
                       "octave": r.randrange(4), "note": r.randrange(12)}
    panel["vibrato"] = {"wave": VIBRATO_WAVES[r.randrange(1, 5) - 1], "delay": r.randrange(100),
                        "rate": r.randrange(100), "depth": r.randrange(100)}
    for line in ("line1", "line2"):
        spec = {k: (dict(v) if isinstance(v, dict) else v) for k, v in INIT_PANEL[line].items()}
        w1 = r.randrange(1, 9)
        spec["waveform1"] = WAVE_NAMES[w1 - 1]
        w2 = r.choice((0, 1, 2, 3, 4, 5, w1))  # one resonance type per line
        spec["waveform2"] = WAVE_NAMES[w2 - 1] if w2 else WAVE_OFF
        spec["dca_key_follow"] = r.randrange(10)
        spec["dcw_key_follow"] = r.randrange(10)
        for env in ("dca", "dcw"):
            e = dict(spec[env])
            e["rates"] = [r.randrange(100) for _ in range(8)]
            e["levels"] = [r.randrange(100), r.randrange(100)] + [0] * 6
            spec[env] = e
        panel[line] = spec
    return encode_tone(panel, bytes(TONE_BYTES), force=True)


def generated_name(pp: int) -> bytes:
    return encode_name(f"GEN {pp:02X} {'ABCDEFGH'[pp // 8 % 8]}{pp % 8 + 1}", NAME_BYTES, CZ1_CHARSET)


def generated_opmem(seed: str) -> bytes:
    return random.Random(seed).randbytes(OPMEM_BYTES)


# ---------------------------------------------------------------------------------------------


class CZEmulator(Emulator):
    device = DEVICE_ID

    def __init__(self, model: str = "CZ-101", options: EmulatorOptions | None = None, *,
                 channel: int = 1, memory: Iterable[Dump] | None = None,
                 memory_protect: bool = False, sysex_enable: bool = True, cartridge: bool = True,
                 inactivity: float = DEFAULT_INACTIVITY,
                 wire_rate: float | None = WIRE_BYTES_PER_SECOND):
        super().__init__(options)
        canonical = parse_model(model)
        assert canonical is not None
        self.model = canonical
        self.layout = LAYOUTS[canonical]
        self.channel = channel
        self.cb = channel_byte(channel)  # 7n
        self.memory_protect = memory_protect
        self.sysex_enable = sysex_enable
        self.cartridge = cartridge and self._has_cartridge_slots()
        if inactivity <= 0:
            raise DeviceError("the inactivity timer must be more than 0 seconds")
        self.inactivity = inactivity
        self.wire_rate = wire_rate
        self.cz1 = canonical == "CZ-1"
        # Memory: tones by program address (144 bytes on a CZ-1: tone + name), CZ-1 op-mems.
        self.tones: dict[int, bytes] = {}
        self.opmems: dict[int, bytes] = {}
        self.settings: dict[str, int] = {}
        self._generate()
        if memory:
            self.load(memory)
        self.lost = 0  # bytes lost to a full receive ring
        self.transfers: list[str] = []  # what was done, for tests and the log
        self._gen = 0
        self.reset()

    # -- memory ------------------------------------------------------------------------------
    def _has_cartridge_slots(self) -> bool:
        return any(a.kind == "Cartridge" for a in self.layout.areas)

    def _slots(self) -> list[int]:
        out = []
        for area in self.layout.areas:
            if area.kind == "Cartridge" and not self.cartridge:
                continue
            out += range(area.first, area.first + area.count)
        return sorted(set(out) | {EDIT_BUFFER})

    def _generate(self) -> None:
        for pp in self._slots():
            tone = generated_tone(f"{self.model}:{pp:02x}")
            self.tones[pp] = tone + generated_name(pp) if self.cz1 else tone
        if self.cz1:
            for pp in range(64):
                self.opmems[pp] = generated_opmem(f"{self.model}:opmem:{pp:02x}")

    def load(self, dumps: Iterable[Dump]) -> None:
        """Put dumps into memory as they are (presets included: this is the factory, not MIDI)."""
        for dump in dumps:
            where = dump.message.source if dump.message is not None else "memory"
            where = f"{where or 'memory'} offset {dump.message.offset if dump.message else 0}"
            if dump.device != DEVICE_ID:
                raise DeviceError(f"{where}: a {dump.device} dump is no CZ memory")
            if dump.problems:
                raise DeviceError(f"{where}: {dump.problems[0]}")
            if dump.kind in ("bend-range", "key-transpose", "tone-mix", "cz1-mode"):
                self.settings[dump.kind] = dump.details["value"]
                continue
            if dump.kind not in ("tone", "operation-memory") or dump.payload is None:
                raise DeviceError(f"{where}: a {dump.kind} message is no memory content")
            pp = dump.program
            if pp is None:
                raise DeviceError(f"{where}: this {dump.kind} was fetched from a CZ and carries "
                                  "no address; convert it with --program first")
            if dump.kind == "operation-memory":
                if not self.cz1 or not 0 <= pp < 64:
                    raise DeviceError(f"{where}: operation memory {pp} does not exist on the "
                                      f"{self.model}")
                self.opmems[pp] = dump.payload
                continue
            if pp not in self._slots():
                raise DeviceError(f"{where}: program 0x{pp:02X} is no slot of this {self.model}"
                                  + ("" if self.cartridge or not self._has_cartridge_slots()
                                     else " (no cartridge inserted)"))
            self.tones[pp] = self._fit(dump.payload, pp)

    def _fit(self, payload: bytes, pp: int) -> bytes:
        """A tone as this model stores it: a CZ-1 keeps a name (a plain tone keeps the slot's
        name, or gets a blank one); other models have none."""
        if self.cz1 and len(payload) == TONE_BYTES:
            old = self.tones.get(pp)
            name = old[TONE_BYTES:] if old is not None and len(old) > TONE_BYTES else b" " * NAME_BYTES
            return payload + name
        if not self.cz1 and len(payload) > TONE_BYTES:
            self.log.append(f"0x{pp:02X}: the CZ-1 name {decode_name(payload[TONE_BYTES:])!r} "
                            f"was not kept: a {self.model} stores no names")
            return payload[:TONE_BYTES]
        return payload

    def tone(self, pp: int) -> bytes:
        return self.tones[pp]

    def save(self) -> bytes:
        """The memory as receive-form messages, every slot in address order, then the op-mems
        and the control settings (loadable again with ``memory``)."""
        out = bytearray()
        for pp in sorted(self.tones):
            out += messages.object_message(self.tones[pp], self.channel, pp)
        for pp in sorted(self.opmems):
            out += messages.object_message(self.opmems[pp], self.channel, pp)
        codes = {v: k for k, v in SETTINGS.items()}
        for kind, value in self.settings.items():
            out += messages.header(self.channel, codes[kind]) + bytes([value, EOX])
        return bytes(out)

    # -- what may be read and written ----------------------------------------------------------
    def _readable(self, obj: str, pp: int) -> str | None:
        """None when the CZ answers, else why it stays silent."""
        if obj == "operation-memory":
            return None if pp in self.opmems else f"no operation memory {pp}"
        if pp in self.tones:
            return None
        if self.layout.area(pp) is not None and self.layout.area(pp).kind == "Cartridge":
            return "no cartridge inserted"
        return f"0x{pp:02X} is no slot of the {self.model}"

    def _writable(self, obj: str, pp: int) -> str | None:
        if obj == "operation-memory":
            return None if 0 <= pp < 64 else f"no operation memory {pp}"
        if not self.layout.writable(pp):
            area = self.layout.area(pp)
            return (f"0x{pp:02X} is a preset: writes refused" if area is not None
                    else f"0x{pp:02X} is no slot of the {self.model}")
        if pp not in self.tones:
            return "no cartridge inserted"
        return None

    # -- the firmware --------------------------------------------------------------------------
    def start(self, now: float):
        # A new link (or a new simulation, whose clock starts again): no transfer under way and
        # no busy time left over; the memory stays.
        self.now = now
        self.reset()
        self.cancel_timers(keep_sensing=False)
        return super().start(now)

    def reset(self) -> None:
        self._gen = getattr(self, "_gen", 0) + 1
        self.state = "idle"
        self.head = bytearray()
        self.nibbles = bytearray()
        self.target: tuple[str, int] | None = None
        self.ring: deque[tuple[float, int]] = deque()
        self.free_at = self.now
        self.last_arrival = self.now
        self.last_activity = self.now
        self._pump_due: float | None = None
        self._watch_due: float | None = None

    def on_bytes(self, data: bytes) -> None:
        now = self.now
        n = len(data)
        lost = 0
        for i, b in enumerate(data):
            # When this byte really arrived: the chunk crossed the cable byte after byte.
            arrival = now if not self.wire_rate else max(self.last_arrival,
                                                         now - (n - 1 - i) / self.wire_rate)
            self._pump(arrival)
            if len(self.ring) >= RING_SIZE:
                lost += 1
                continue
            self.ring.append((arrival, b))
        self.last_arrival = now
        if lost:
            self.lost += lost
            self.log.append(f"receive ring full: {lost} byte(s) lost")
        self._pump(now)
        self._schedule()

    def _pump(self, upto: float) -> None:
        """Let the firmware read every byte it gets to by ``upto``."""
        gen = self._gen
        while self.ring and gen == self._gen:
            arrival, b = self.ring[0]
            t = max(arrival, self.free_at)
            if t > upto + EPS:
                return
            self.ring.popleft()
            self._byte(b, t)

    def _schedule(self) -> None:
        if self.ring and self._pump_due is None:
            self._pump_due = max(self.free_at, self.ring[0][0])
            self.after(max(0.0, self._pump_due - self.now), self._on_pump)
        if self.state in TRANSFER_STATES and self._watch_due is None:
            self._watch_due = max(self.last_activity, self.free_at) + self.inactivity
            self.after(max(0.0, self._watch_due - self.now), self._on_watch)

    def _on_pump(self) -> None:
        self._pump_due = None
        self._pump(self.now)
        self._schedule()

    def _on_watch(self) -> None:
        self._watch_due = None
        self._pump(self.now)
        if self.state in TRANSFER_STATES:
            due = max(self.last_activity, self.free_at) + self.inactivity
            if due <= self.now + EPS and not self.ring:
                self._abort(f"inactivity timer ({self.inactivity:g} s)")
        self._schedule()

    def _busy(self, t: float, sent: int, extra: float = 0.0) -> None:
        start = max(t, self.free_at)
        self.free_at = start + (sent / self.wire_rate if self.wire_rate else 0.0) + extra
        self.last_activity = self.free_at

    def _abort(self, why: str) -> None:
        what = f"{self.state} {self.target}" if self.target else self.state
        self.log.append(f"transfer aborted in {what}: {why}")
        self.state = "idle"
        self.target = None
        self.nibbles.clear()

    def _byte(self, b: int, t: float) -> None:
        state = self.state
        if state in TRANSFER_STATES:
            self.last_activity = t
        if state == "receive":
            if b <= 0x0F:
                self.nibbles.append(b)
                if len(self.nibbles) == 2 * SIZES[self.target[0]]:
                    self._received(t)
            elif b == self.cb:
                self.state = "receive-32"
            else:
                self._abort(f"byte {b:02X} during the data")
                if b == 0xF0:
                    self._begin()
        elif state == "receive-32":
            if b == BLOCK_END:
                self.state = "receive"
            else:
                self._abort(f"{self.cb:02X} {b:02X} during the data (only {self.cb:02X} 32 may "
                            "come there)")
        elif state == "await-go":
            if b == self.cb:
                self.state = "await-go-31"
            elif b == 0xF0:
                self._abort("a new message before the go-ahead")
                self._begin()
            # anything else (the F7 of a request closed too early …) is ignored while waiting
        elif state == "await-go-31":
            if b == GO_AHEAD:
                self._go(t)
            else:
                self._abort(f"{self.cb:02X} {b:02X} instead of the go-ahead {self.cb:02X} 31")
        elif b == 0xF0:
            self._begin()
        elif state == "header":
            self._header_byte(b, t)
        elif state == "skip" and b == EOX:
            self.state = "idle"
        # idle: bytes outside SysEx (and F7s) mean nothing here

    def _begin(self) -> None:
        self.state = "header"
        self.head = bytearray(b"\xf0")

    def _header_byte(self, b: int, t: float) -> None:
        head = self.head
        head.append(b)
        k = len(head)
        if k <= 4:
            if b != HEADER[k - 1]:
                self.state = "idle" if b == EOX else "skip"
            return
        if k == 5:
            if b != self.cb:  # another channel (or device): not for this CZ
                self.state = "idle" if b == EOX else "skip"
            return
        code = head[5]
        if (code in CZ1_ONLY and not self.cz1) or not (
                code in REQUESTS or code in RECEIVES or code in SETTINGS):
            self._skip_or_idle(b)
            if k == 6:
                self.log.append(f"command {code:02X} ignored on the {self.model}")
            return
        if k == 6:
            return
        if k == 7:
            if b > 0x7F:
                self._skip_or_idle(b)
                return
            if code in REQUESTS:
                self._request(REQUESTS[code], b, t)
            elif code in RECEIVES:
                self._receive(RECEIVES[code], b, t)
            return
        # k == 8: a control message's F7
        if b == EOX:
            self._setting(code, head[6])
        self.state = "idle" if b == EOX else "skip"

    def _skip_or_idle(self, b: int) -> None:
        self.state = "idle" if b == EOX else "skip"

    def _tone_data_enabled(self) -> bool:
        if self.cz1 and not self.sysex_enable:
            self.log.append("SYSTEM EXCLUSIVE TONE DATA is off: request ignored")
            return False
        return True

    def _request(self, obj: str, pp: int, t: float) -> None:
        why = None if self._tone_data_enabled() else "sysex off"
        why = why or self._readable(obj, pp)
        if why:
            if why != "sysex off":
                self.log.append(f"request {obj} 0x{pp:02X} not answered: {why}")
            self.state = "skip"
            return
        self.state = "await-go"
        self.target = (obj, pp)
        header = messages.reply_header(self.channel)
        self._busy(t, len(header))
        self.handshake(header)

    def _go(self, t: float) -> None:
        obj, pp = self.target
        if obj == "operation-memory":
            payload = self.opmems[pp]
        else:
            payload = self.tones[pp][: SIZES[obj]]
        data = messages.data_block(payload)
        self.state = "idle"
        self.target = None
        self.transfers.append(f"sent {obj} 0x{pp:02X}")
        self._busy(t, len(data))
        self.send(data)

    def _receive(self, obj: str, pp: int, t: float) -> None:
        why = None if self._tone_data_enabled() else "sysex off"
        why = why or self._writable(obj, pp)
        if why:
            if why != "sysex off":
                self.log.append(f"receive {obj} 0x{pp:02X} refused: {why}")
            self.state = "skip"
            return
        self.state = "receive"
        self.target = (obj, pp)
        self.nibbles = bytearray()
        header = messages.reply_header(self.channel)
        self._busy(t, len(header))
        self.handshake(header)

    def _received(self, t: float) -> None:
        obj, pp = self.target
        payload = bytes((h << 4) | lo for lo, h in zip(self.nibbles[0::2], self.nibbles[1::2],
                                                       strict=True))
        self.state = "idle"
        self.target = None
        self.nibbles = bytearray()
        self._busy(t, 1, self.options.block_delay)  # its F7, then writing the object
        gen = self._gen
        self.handshake(bytes([EOX]))
        if gen != self._gen:
            return  # reset while answering: nothing written
        if self.memory_protect:
            self.log.append(f"memory protect: {obj} 0x{pp:02X} not written")
            return
        if obj == "operation-memory":
            self.opmems[pp] = payload
        elif obj == "named-tone":
            self.tones[pp] = payload
        else:
            self.tones[pp] = self._fit(payload, pp)
        self.transfers.append(f"stored {obj} 0x{pp:02X}")

    def _setting(self, code: int, value: int) -> None:
        kind = SETTINGS[code]
        ok = {"bend-range": lambda v: v <= 12,
              "key-transpose": lambda v: messages.transpose_semitones(v) is not None,
              "tone-mix": lambda v: True,
              "cz1-mode": lambda v: v in (0x00, 0x20, 0x40, 0x60)}[kind](value)
        if ok:
            self.settings[kind] = value
        else:
            self.log.append(f"{kind} value {value:02X} ignored")
