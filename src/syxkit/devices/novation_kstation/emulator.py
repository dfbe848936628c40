"""An emulated K-Station, A-Station or KS-series synth: banks of programs, the global block and
the current-sound buffer, answering requests and storing dumps as the spec says.

* Requests: current sound (M=40) -> current-sound dump; program (41) -> program dump; pair
  (42, P even) -> pair dump; global (43) -> global dump. C = 1 reads bank B, C = 0 the selected
  bank. A KS-series answer copies C from the request (documented); a K-Station or A-Station
  answer is sent with C = 0, as their panels send single dumps (undocumented: the host files
  answers with its own C anyway).
* Dumps: a current sound only replaces the sound being played; program and pair dumps are
  stored in bank B when C = 1, in the selected bank when C = 0; a global dump overwrites the
  global block whatever C, B and P say.
* Refused (ignored, as a synth ignores what it cannot use; the reason goes to ``log``): other
  device types, a SysEx channel byte that is neither 7F nor the receive channel, unknown message
  types, wrong sizes, a bank or program the model has not got, a pair at an odd program, a C
  other than 0 or 1 on a stored dump, a message cut short by a status byte.
* Answers start as soon as the request's F7 is in (plus ``block_delay``): no idle gap.

``save()`` gives the whole memory as the panel's all-banks dump does (pair dumps, C = 1), then
the global dump; ``panel_dump()`` sends that all-banks dump (without the global block, whose
place in a panel dump is undocumented).
"""

from __future__ import annotations

import functools
import random

from syxkit.core.framing import frame
from syxkit.devices.base import DeviceError, Dump, Options
from syxkit.devices.novation_kstation.messages import (
    DEFAULT_VERSION,
    current_sound,
    global_dump,
    model_of,
    pair_dump,
    parse,
    program_dump,
)
from syxkit.devices.novation_kstation.protocol import SysexReader
from syxkit.devices.novation_kstation.table import (
    BLOCK,
    DEVICE_ID,
    GLOBAL_BLOCK,
    HEADER_LEN,
    PROGRAM_FIELDS,
    SYSEX_CHANNEL_ALL,
    Model,
)
from syxkit.emulators.base import Emulator, EmulatorOptions, Faults


def generated_block(model: Model, bank: int, program: int) -> bytes:
    """A valid program of its own for every slot: each table field at a value its bits and
    documented range allow (enums at a named value), chosen by a generator seeded with the
    slot, so a program filed at the wrong place shows."""
    return _generated(model.name, bank, program)


@functools.lru_cache(maxsize=4096)  # the same every time; tests build many emulators
def _generated(model_name: str, bank: int, program: int) -> bytes:
    rng = random.Random(f"{model_name}/{bank}/{program}")
    block = bytearray(BLOCK)
    for f in PROGRAM_FIELDS:
        lo, hi = f.range or (0, (1 << f.width) - 1)
        if f.conv.kind == "enum":
            hi = min(hi, len(f.conv.names) - 1)
        block[f.offset] |= rng.randint(lo, hi) << f.shift
    return bytes(block)


def generated_global(model: Model) -> bytes:
    # The global block's layout is not documented: any 7-bit bytes stand in for it.
    rng = random.Random(f"{model.name}/global")
    return bytes(rng.randrange(128) for _ in range(GLOBAL_BLOCK))


class KStationEmulator(Emulator):
    device = DEVICE_ID

    def __init__(self, model: Model | str = "K-Station", options: EmulatorOptions | None = None,
                 *, channel: int = 1, memory: list | None = None,
                 answers_stored_requests: bool = True, version: tuple[int, int] = DEFAULT_VERSION):
        super().__init__(options)
        self.model = model_of(model)
        if not 1 <= channel <= 16:
            raise DeviceError(f"{DEVICE_ID}: receive channel {channel}: expected 1-16")
        self.receive_channel = channel - 1
        # False: a K-Station that knows only the request its manual documents (current sound).
        self.answers_stored_requests = answers_stored_requests
        self.version = version
        self.banks = {b: [generated_block(self.model, b, p) for p in range(n)]
                      for b, n in sorted(self.model.banks.items())}
        self.global_block = generated_global(self.model)
        self.selected_bank = min(self.model.banks)
        self.current = self.banks[self.selected_bank][0]
        self.reader = SysexReader()
        self.answered = 0
        self.stored = 0
        for item in memory or []:
            self.load(item)

    @classmethod
    def from_options(cls, options: Options) -> KStationEmulator:
        faults = options.get("faults") or Faults()
        emu_options = EmulatorOptions(active_sensing=bool(options.get("active_sensing")),
                                      block_delay=float(options.get("block_delay") or 0.0),
                                      faults=faults)
        return cls(options.get("model") or "K-Station", emu_options,
                   channel=int(options.get("channel") or 1), memory=options.get("memory"))

    # -- memory ------------------------------------------------------------------------------------
    def load(self, item: Dump | bytes) -> None:
        """Load dumps into memory as if received (C rules apply); DeviceError for what the
        device would refuse, so a wrong memory file is never half-loaded in silence."""
        if isinstance(item, Dump):
            if item.device != DEVICE_ID or item.message is None:
                raise DeviceError(f"{DEVICE_ID} emulator memory: a {item.device} {item.kind} "
                                  "cannot be loaded")
            messages = [(item.message.offset, item.message.data)]
        else:
            framed = frame(bytes(item))
            messages = [(m.offset, m.data) for m in framed.messages]
        for offset, data in messages:
            why = self._message(data, answer=False)
            if why:
                raise DeviceError(f"{DEVICE_ID} emulator memory: message at offset {offset}: {why}")

    def program(self, bank: int, program: int) -> bytes:
        return self.banks[bank][program]

    def save(self) -> bytes:
        """Every bank as pair dumps with C = 1 (the all-banks dump), then the global dump."""
        return self._all_banks() + global_dump(self.model, self.global_block, version=self.version)

    def _all_banks(self) -> bytes:
        return b"".join(
            pair_dump(self.model, bank, p, blocks[p], blocks[p + 1], control=1,
                      version=self.version)
            for bank, blocks in self.banks.items() for p in range(0, len(blocks), 2))

    def panel_dump(self) -> None:
        """The panel's all-banks dump (SIGUSR1 under ``syxkit emulate``)."""
        self.send(self._all_banks())

    # -- the wire ------------------------------------------------------------------------------------
    def reset(self) -> None:
        self.reader.reset()  # flash memory survives; a half-received message does not

    def on_bytes(self, data: bytes) -> None:
        for fr in self.reader.feed(data):
            if not fr.complete:
                self.log.append(f"ignored a message cut short by status byte {fr.ended_by:02X}")
                continue
            why = self._message(fr.data, answer=True)
            if why:
                self.log.append(f"ignored {fr.data[:13].hex(' ')}…: {why}")

    def _message(self, data: bytes, answer: bool) -> str | None:
        """Act on one complete message; the reason when it is refused."""
        parsed = parse(data)
        if parsed is None:
            return "not a K-Station family message"
        if parsed.model is not self.model:
            return f"device type {parsed.model.device_type:02X} is the {parsed.model.name}'s"
        if not parsed.complete:
            return parsed.problems[0][1]
        h = parsed.header
        if h.sysex_channel not in (SYSEX_CHANNEL_ALL, self.receive_channel):
            return (f"SysEx channel byte {h.sysex_channel:02X} is neither 7F nor the receive "
                    f"channel {self.receive_channel + 1}")
        kind = h.kind
        if kind.request_for and not answer:
            return f"a {kind.name} holds no data to load"
        bank = program = None
        if kind.addressed:
            if h.control not in (0, 1):
                return f"control byte C = {h.control}; 0 or 1 expected"
            bank = h.bank if h.control == 1 else self.selected_bank
            if bank not in self.banks:
                return f"no bank {bank}"
            size = len(self.banks[bank])
            pair = kind.programs == 2 or kind.request_for == "program-pair"
            if not 0 <= h.program < size or pair and h.program % 2:
                return f"no {'pair at ' if pair else ''}program {h.program} in bank {bank}"
            program = h.program
        if kind.request_for:
            if kind.name != "current-sound-request" and not self.answers_stored_requests:
                return f"this {self.model.name} answers only the current-sound request"
            reply = self._reply(kind.request_for, h.control, bank, program)
            self.answered += 1
            self.after(self.options.block_delay, lambda: self.send(reply))
            return None
        block = parsed.data
        if kind.name == "current-sound":
            self.current = block
        elif kind.name == "global":
            self.global_block = block
        else:
            for i in range(kind.programs):
                self.banks[bank][program + i] = block[i * BLOCK:(i + 1) * BLOCK]
            self.stored += kind.programs
        return None

    def _reply(self, kind: str, control: int, bank: int | None, program: int | None) -> bytes:
        # The KS series copies C from the request (spec); the others send 0 as their panel does.
        c = control if self.model.name == "KS series" else 0
        v = self.version
        if kind == "current-sound":
            return current_sound(self.model, self.current, version=v)
        if kind == "global":
            return global_dump(self.model, self.global_block, version=v)
        blocks = self.banks[bank]
        if kind == "program":
            return program_dump(self.model, bank, program, blocks[program], control=c, version=v)
        return pair_dump(self.model, bank, program, blocks[program], blocks[program + 1],
                         control=c, version=v)


def block_of(message: bytes) -> bytes:
    """The data block of a dump message (for tests and comparisons)."""
    return message[HEADER_LEN:-1]
