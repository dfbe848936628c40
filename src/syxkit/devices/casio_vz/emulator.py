"""An emulated VZ: 64 voices and 64 operation memories, the bulk handshake both ways, and the
"MIDI error" real units show when data comes faster than they can take it.

As a receiver (the user chose LOAD -> MIDI): it answers a bulk open on its channel with OK (72),
or ERROR (73) when memory protect is on or the type differs from the LOAD type chosen; it takes
the data, checks every checksum (ERROR and the load is dropped when one is wrong) and stores it;
the close ends the load. A single voice or op-mem lands in the edit (compare/recall) area.

As a sender (SAVE -> MIDI, started by :meth:`start_bulk_send`, by the ``panel_send`` option at
start, or by ``syxkit emulate``'s SIGUSR1): open, then it waits ``ok_wait`` for OK; on ERROR it
stops; with no answer it carries on. That choice follows the evidence: users captured whole VZ
dumps (open, data and close, 43,094 bytes) with plain recorders such as MIDI-OX that never
answer, which a unit waiting forever for OK could not produce. The data then goes out at wire
speed and the close follows.

The receive buffer model: incoming bytes fill a buffer of ``rx_buffer`` bytes that the VZ
drains at ``rx_rate`` bytes/s; when it overflows the VZ answers ERROR and drops the transfer.
The figures (256 bytes, 2,500 B/s) are not measured on a real unit (nobody published them); they
are chosen so the model behaves as users describe: full wire speed fails after about 1.3 KB,
64-byte packets with a pause of 6 ms or more pass, a single voice at full speed passes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from syxkit.core.message import Message
from syxkit.devices.base import DeviceError, Dump, Options
from syxkit.devices.casio_vz import messages as msg
from syxkit.devices.casio_vz.identify import identify
from syxkit.devices.casio_vz.sounds import example_opmem, example_voice, with_name
from syxkit.devices.casio_vz.table import (
    BANK_SIZE,
    BULK_CONTENT,
    BULK_LAYOUTS,
    DEVICE_ID,
    FAMILY_PREFIX,
    FORMAT_VZ1,
    HEADER_LEN,
    MODEL_VZ1,
    MODELS,
    OBJECTS,
    OPMEM,
    VOICE,
    Tag,
    slot_label,
)
from syxkit.emulators.base import Emulator, EmulatorOptions, Faults
from syxkit.protocols.base import WIRE_BYTES_PER_SECOND

RX_BUFFER = 256
RX_RATE = 2500.0
OK_WAIT = 0.5  # how long the emulated VZ waits for OK before sending anyway (not documented)
SEND_CHUNK = 64  # bytes per output step while sending: progress arrives in small pieces

_HIGH = re.compile(rb"[\x80-\xff]")
PANEL_KINDS = {"voices": "voices", "opmems": "opmems", "both": "voices+opmems",
               "voices+opmems": "voices+opmems"}


@dataclass
class VZOptions(EmulatorOptions):
    channel: int = 1
    model: str = MODEL_VZ1
    memory_protect: bool = False
    load_type: str | None = None  # the type chosen in LOAD -> MIDI; None: whatever comes
    rx_buffer: int | None = RX_BUFFER  # None: no buffer model (takes any speed)
    rx_rate: float = RX_RATE
    ok_wait: float = OK_WAIT
    send_rate: float | None = WIRE_BYTES_PER_SECOND  # None: all at once
    panel_send: str | None = None  # voices | opmems | both: start a SAVE -> MIDI at start


def default_memory() -> tuple[list[bytes], list[bytes]]:
    """64 valid voices and 64 op-mems built from the driver's tables, each named by its slot
    and each voice at its own total level, so every one is a different sound (tests compare
    memories; the library de-duplicates by sound)."""
    voice, opmem = example_voice(), example_opmem()
    voices = []
    for k in range(BANK_SIZE):
        v = bytearray(voice)
        v[174] = k  # total level (stored inverted): each slot a different sound, not only a name
        voices.append(with_name(bytes(v), f"VOICE {slot_label(k)}", VOICE))
    opmems = []
    for k in range(BANK_SIZE):
        o = bytearray(with_name(opmem, f"OPMEM {slot_label(k)}", OPMEM))
        o[28] = (o[28] & 0xC0) | k  # Combi 1 plays the voice of the same number
        opmems.append(bytes(o))
    return voices, opmems


def _where(d: Dump) -> str:
    m = d.message
    where = f"{m.source}: " if m is not None and m.source else ""
    where += f"offset {m.offset}" if m is not None else ""
    return where + (f", part {d.index}" if d.index is not None else "")


def load_memory(dumps: list[Dump]) -> tuple[list[bytes], list[bytes], list[str]]:
    """Voices and op-mems from dumps (bulk dumps, single messages, DOS librarian records),
    filled from slot A1 on; the rest keep the generated defaults."""
    voices, opmems = default_memory()
    counts = {"voice": 0, "opmem": 0}
    log = []
    for d in dumps:
        if d.device != DEVICE_ID:
            raise DeviceError(f"{_where(d)}: a {d.device} dump cannot load into a VZ")
        items = d.parts if d.kind == "bulk" else [d] if d.kind in OBJECTS else []
        if not items:
            log.append(f"{_where(d)}: {d.kind} message skipped (holds no voice or op-mem)")
        for item in items:
            if item.payload is None or item.checksum == "bad":
                why = "; ".join(str(p) for p in item.problems) or "bad checksum"
                raise DeviceError(f"{_where(item)}: {item.kind} cannot be loaded ({why})")
            n = counts[item.kind]
            if n >= BANK_SIZE:
                raise DeviceError(f"{_where(item)}: more than {BANK_SIZE} {item.kind}s given; "
                                  f"the VZ holds {BANK_SIZE}")
            (voices if item.kind == "voice" else opmems)[n] = item.payload
            counts[item.kind] = n + 1
    log.append(f"memory: {counts['voice']} voice(s), {counts['opmem']} op-mem(s) loaded, the rest "
               "generated")
    return voices, opmems, log


class VZEmulator(Emulator):
    device = DEVICE_ID

    def __init__(self, options: VZOptions | None = None, voices: list[bytes] | None = None,
                 opmems: list[bytes] | None = None):
        super().__init__(options or VZOptions())
        o = self.options
        if o.load_type is not None and o.load_type not in BULK_LAYOUTS:
            raise DeviceError(f"load type {o.load_type!r}: choose {', '.join(BULK_LAYOUTS)}")
        if o.panel_send is not None and o.panel_send not in PANEL_KINDS:
            raise DeviceError(f"panel send {o.panel_send!r}: choose {', '.join(PANEL_KINDS)}")
        default_voices, default_opmems = default_memory() if voices is None or opmems is None else ([], [])
        self.voices = list(voices if voices is not None else default_voices)
        self.opmems = list(opmems if opmems is not None else default_opmems)
        self.edit_voice: bytes | None = None
        self.edit_opmem: bytes | None = None
        self.loads = 0  # bulk loads completed
        self.errors: list[str] = []  # what the VZ's display would show
        self._reset_state()

    def _reset_state(self) -> None:
        self.rx = bytearray()
        self._scan = 1
        self.state = "idle"  # idle | loading | loaded | dropped | offering | sending
        self.expect: str | None = None
        self.level = 0.0
        self._rx_last = self.now
        # bumps when a send is started, abandoned or reset, so stale timers do nothing
        self._turn = getattr(self, "_turn", 0) + 1

    def reset(self) -> None:
        self.log.append("reset: transfer forgotten")
        self._reset_state()

    # -- memory ------------------------------------------------------------------------------
    def save(self) -> bytes:
        """The memory as a bulk file, voices and op-mems (55,958 bytes)."""
        return msg.bulk_file(self.voices, self.opmems, self.options.channel)

    def edit_area(self) -> bytes:
        """What the edit (compare/recall) area holds, as single messages on the VZ's channel:
        the last voice received, then the last op-mem; empty when none came. ``syxkit emulate``
        reports it when stopped: no MIDI request reads it back from a VZ."""
        out = b""
        if self.edit_voice is not None:
            out += msg.voice_message(self.edit_voice, self.options.channel)
        if self.edit_opmem is not None:
            out += msg.opmem_message(self.edit_opmem, self.options.channel)
        return out

    # -- as a sender -------------------------------------------------------------------------
    def start(self, now: float):
        self.now = now
        self._rx_last = now
        if self.options.panel_send:
            self.start_bulk_send(self.options.panel_send)
        return super().start(now)

    def panel_dump(self) -> None:
        """The user's SAVE -> MIDI (``syxkit emulate`` calls this on SIGUSR1)."""
        self.start_bulk_send(self.options.panel_send or "voices")

    def start_bulk_send(self, kind: str) -> None:
        content = PANEL_KINDS.get(kind)
        if content is None:
            raise DeviceError(f"panel send {kind!r}: choose {', '.join(PANEL_KINDS)}")
        if self.state not in ("idle", "loaded", "dropped"):
            self.log.append(f"SAVE -> MIDI ignored: busy ({self.state})")
            return
        self.state, self.expect = "offering", content
        self._turn += 1
        turn = self._turn
        self.log.append(f"SAVE -> MIDI {content}: open sent")
        self.handshake(msg.bulk_open(content, self.options.channel))
        self.after(self.options.ok_wait, lambda: self._no_answer(turn))

    def _no_answer(self, turn: int) -> None:
        if turn == self._turn and self.state == "offering":
            self.log.append(f"no OK within {self.options.ok_wait:g} s: sending anyway")
            self._send_data()

    def _send_data(self) -> None:
        self.state = "sending"
        voices, opmems = BULK_LAYOUTS[self.expect]
        data = msg.bulk_data(self.voices if voices else [], self.opmems if opmems else [],
                             self.options.channel)
        rate, turn = self.options.send_rate, self._turn
        if not rate:
            self.send(data)
            self._close(turn)
            return
        for k in range(0, len(data), SEND_CHUNK):
            chunk = data[k : k + SEND_CHUNK]
            # chunk k leaves when the previous bytes have crossed the cable
            self.after(k / rate, lambda c=chunk: self._send_chunk(turn, c))
        self.after(len(data) / rate, lambda: self._close(turn))

    def _send_chunk(self, turn: int, chunk: bytes) -> None:
        if turn == self._turn and self.state == "sending":
            self.send(chunk)

    def _close(self, turn: int) -> None:
        if turn == self._turn and self.state == "sending":
            self.handshake(msg.bulk_close(self.options.channel))
            self.log.append(f"SAVE -> MIDI {self.expect}: done")
            self.state, self.expect = "idle", None

    # -- as a receiver -----------------------------------------------------------------------
    def on_bytes(self, data: bytes) -> None:
        if self.state == "dropped":
            # After an ERROR the rest of the refused data is thrown away up to the next message.
            start = data.find(0xF0)
            if start < 0:
                return
            data = data[start:]
            self.state, self.expect = "idle", None
            self.level, self._rx_last = 0.0, self.now
        if self._overflows(len(data)):
            self._error(f"MIDI ERROR: receive buffer overflow ({self.options.rx_buffer} bytes, "
                        f"drained at {self.options.rx_rate:g} B/s)")
            self.rx.clear()
            self.level = 0.0
            if self.state not in ("offering", "sending"):  # a SAVE under way goes on
                self.state, self.expect = "dropped", None
            return
        self.rx += data
        self._frame()

    def _overflows(self, n: int) -> bool:
        """Fill the buffer with ``n`` bytes that arrived now, as if they came at wire speed
        (or faster, when they came sooner), while it drains at ``rx_rate``."""
        o = self.options
        if o.rx_buffer is None:
            return False
        now = self.now
        began = max(self._rx_last, now - n / WIRE_BYTES_PER_SECOND)
        level = max(0.0, self.level - o.rx_rate * (began - self._rx_last))
        self.level = max(0.0, level + n - o.rx_rate * (now - began))
        self._rx_last = now
        return self.level > o.rx_buffer

    def _frame(self) -> None:
        rx = self.rx
        while True:
            start = rx.find(0xF0)
            if start < 0:
                rx.clear()
                self._scan = 1
                return
            if start:
                del rx[:start]
                self._scan = 1
            found = _HIGH.search(rx, self._scan)
            if found is None:
                self._scan = len(rx)  # a long data message: search on from here next time
                return
            end = found.start()
            message = bytes(rx[: end + 1])
            self._scan = 1
            if rx[end] != 0xF7:
                del rx[:end]  # a status byte ended the SysEx: what came is dropped
                self.log.append(f"unterminated SysEx dropped: {message[:8].hex(' ')}")
                continue
            del rx[: end + 1]
            self._message(message)

    def _error(self, why: str) -> None:
        self.errors.append(why)
        self.log.append(why + ": ERROR sent")
        self.handshake(msg.bulk_error(self.options.channel))

    def _message(self, m: bytes) -> None:
        if not m.startswith(FAMILY_PREFIX) or len(m) <= HEADER_LEN:
            return  # another device's message
        if m[4] != 0x70 | (self.options.channel - 1):
            self.errors.append("TRANS ERROR: data on another channel")
            self.log.append(f"message on channel byte {m[4]:02X} ignored (the VZ listens on "
                            f"channel {self.options.channel})")
            return
        tag = m[5]
        if tag == Tag.BULK_OK and self.state == "offering":
            self.log.append("OK received: sending")
            self._send_data()
        elif tag == Tag.BULK_ERROR and self.state == "offering":
            self.log.append("ERROR received: SAVE abandoned")
            self.state, self.expect = "idle", None
            self._turn += 1
        elif tag == Tag.BULK_OPEN:
            self._open(m)
        elif tag == Tag.BULK_DATA:
            self._data(m)
        elif tag == Tag.BULK_CLOSE:
            if self.state in ("loading", "loaded"):
                self.log.append(f"close: load {'complete' if self.state == 'loaded' else 'ended without data'}")
                self.state, self.expect = "idle", None
        elif tag in (Tag.VOICE, Tag.OPMEM):
            self._single(m)

    def _open(self, m: bytes) -> None:
        if self.state in ("offering", "sending"):
            self.log.append("bulk open ignored: busy sending")
            return
        code = m[HEADER_LEN] if len(m) == HEADER_LEN + 2 else None
        content = BULK_CONTENT.get(code)
        if self.options.memory_protect:
            self._error("MEMORY PROTECTED")
        elif m[3] != FORMAT_VZ1 or content not in BULK_LAYOUTS:
            self._error(f"MIDI ERROR: bulk type {content or code} not taken")
        elif self.options.load_type not in (None, content):
            self._error(f"MIDI ERROR / RECEIVE ERROR: {content} offered, LOAD type is "
                        f"{self.options.load_type}")
        else:
            self.state, self.expect = "loading", content
            channel = self.options.channel
            self.log.append(f"bulk open {content}: OK")
            self.after(self.options.block_delay, lambda: self.handshake(msg.bulk_ok(channel)))

    def _data(self, m: bytes) -> None:
        if self.state != "loading":
            self.log.append("bulk data without an open: ignored")
            return
        dump = identify(Message(m, source="bulk data"))
        content = dump.details.get("content")
        if content != self.expect or dump.checksum != "ok" or dump.problems:
            self._error(f"LOAD ERROR: {content} data, checksum {dump.checksum}")
            self.state, self.expect = "idle", None
            return
        voices = [p.payload for p in dump.parts if p.kind == "voice"]
        opmems = [p.payload for p in dump.parts if p.kind == "opmem"]
        if voices:
            self.voices = voices
        if opmems:
            self.opmems = opmems
        self.loads += 1
        self.state = "loaded"
        self.log.append(f"bulk data {content}: stored")

    def _single(self, m: bytes) -> None:
        dump = identify(Message(m, source="single"))
        if dump.payload is None or dump.checksum != "ok" or dump.problems:
            self.errors.append(f"{dump.kind}: checksum {dump.checksum}")
            self.log.append(f"single {dump.kind} refused (checksum {dump.checksum})")
            return
        if dump.kind == "voice":
            self.edit_voice = dump.payload
        else:
            self.edit_opmem = dump.payload
        self.log.append(f"single {dump.kind} {dump.name!r}: in the edit area")


def from_options(options: Options) -> VZEmulator:
    """The driver's ``emulator`` hook: options as the CLI and tests give them."""
    faults = options.get("faults") or Faults()
    channel = options.get("channel") or 1
    model = options.get("model") or MODEL_VZ1
    if model not in (MODEL_VZ1, *MODELS):
        raise DeviceError(f"model {model!r}: choose {', '.join(MODELS)}")
    settings = VZOptions(
        active_sensing=bool(options.get("active_sensing")),
        block_delay=float(options.get("block_delay") or 0.0),
        faults=faults, channel=channel, model=model,
        memory_protect=bool(options.get("memory_protect")),
        load_type=options.get("load_type"),
        rx_buffer=options.get("rx_buffer", RX_BUFFER) or None,  # 0: no buffer model
        rx_rate=float(options.get("rx_rate") or RX_RATE),
        ok_wait=float(options.get("ok_wait") or OK_WAIT),
        send_rate=options.get("send_rate", WIRE_BYTES_PER_SECOND) or None,  # 0: all at once
        panel_send=options.get("panel_send"),
    )
    memory = options.get("memory")
    if memory:
        voices, opmems, log = load_memory(list(memory))
        emu = VZEmulator(settings, voices, opmems)
        emu.log.extend(log)
        return emu
    return VZEmulator(settings)
