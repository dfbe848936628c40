"""An emulated DTXtreme IIs: a memory of system, user kits, chains, songs and stacks (plus the
kit and chain edit buffers), answering dump requests as the Data List says and storing the bulk
dumps it receives.

Behaviour, and why:

* Messages addressed to another device number are ignored, requests and dumps alike (Yamaha
  gear listens to its own device number only).
* A request is answered with the object's bulk dump built by the driver's builders; a song
  comes as packets (00 00 when it fits one message, else 00 01, 00 02 ... 7F 7F) of at most
  ``packet_size`` data bytes (the table's 4,096 by default). ``block_delay`` is the time the
  module takes before each message it sends.
* No reply: a song request for 7F 7F (the Data List says so), an empty song, a number past
  the memory's last object, a stack edit buffer (not defined), a malformed request.
* Received bulk dumps are stored when they check out (checksum, byte count, a known type and
  number); a damaged one is ignored and logged, as the real module ignores it. Song packets
  are kept until the last one (00 00 or 7F 7F) arrives, then stored as one song.
* Default memory: generated valid objects (deterministic), with three recorded songs, one
  long enough to need several packets. Loading dumps (``memory``) starts from the generated
  system, kits, chains and stacks (the module always holds those) and no songs (user songs are
  empty until recorded or loaded), then stores every loaded object over them.
"""

from __future__ import annotations

import random

from syxkit.core.message import Message
from syxkit.devices.base import DeviceError, Dump
from syxkit.devices.yamaha_dtx import builders
from syxkit.devices.yamaha_dtx.identify import identify
from syxkit.devices.yamaha_dtx.protocol import Layout, SysexReader
from syxkit.devices.yamaha_dtx.songs import join_song, join_songs
from syxkit.devices.yamaha_dtx.table import (
    DEVICE_ID,
    EDIT_BUFFER,
    LAST_PACKET,
    OBJECT_TYPES,
    SINGLE_PACKET,
    SONG_PACKET_DATA_BYTES,
    slot_label,
    type_for_code,
    type_for_kind,
)
from syxkit.devices.yamaha_dtx.wire import is_bulk, is_request, request_fields
from syxkit.emulators.base import Emulator, EmulatorOptions
from syxkit.protocols.base import WIRE_BYTES_PER_SECOND

# Sizes of the generated objects. The real sizes are in the unpublished data tables; these only
# need to be valid and to exercise every path (a song of several packets among them).
GENERATED_SIZES = {"system": 96, "kit": 300, "chain": 64, "stack": 40}
GENERATED_SONGS = {0: 5000, 1: 600, 4: 120}  # song number -> bytes (song 0 needs 3 packets)
_SEVEN_BITS = bytes(b & 0x7F for b in range(256))


def generated_memory(layout: Layout, *, songs: bool = True, seed: int = 2003) -> dict[str, dict[int, bytes]]:
    """Valid objects for every slot of ``layout``: 7-bit bytes where the data goes as bytes,
    any byte where it is nibbled. Kits begin with a readable name (the DTXPRESS layout's place
    for it; on the IIs only a guess, which is harmless in opaque data)."""
    rnd = random.Random(seed)

    def blob(kind: str, size: int) -> bytes:
        data = rnd.randbytes(size)
        if type_for_kind(kind).encoding == "nibbles":
            return data
        return data.translate(_SEVEN_BITS)

    memory: dict[str, dict[int, bytes]] = {t.kind: {} for t in OBJECT_TYPES}
    memory["system"][EDIT_BUFFER] = blob("system", GENERATED_SIZES["system"])
    for n in range(layout.kits):
        memory["kit"][n] = f"User Kit {n + 1:<3d}".encode()[:12] + blob("kit", GENERATED_SIZES["kit"] - 12)
    for n in range(layout.chains):
        memory["chain"][n] = blob("chain", GENERATED_SIZES["chain"])
    for n in range(layout.stacks):
        memory["stack"][n] = blob("stack", GENERATED_SIZES["stack"])
    if songs:
        for n, size in GENERATED_SONGS.items():
            if n < layout.songs:
                memory["song"][n] = blob("song", size)
    if layout.kits:
        memory["kit"][EDIT_BUFFER] = memory["kit"][0]
    if layout.chains:
        memory["chain"][EDIT_BUFFER] = memory["chain"][0]
    return memory


class DtxEmulator(Emulator):
    device = DEVICE_ID

    def __init__(self, options: EmulatorOptions | None = None, *, device_number: int = 1,
                 layout: Layout | None = None, memory: list[Dump] | None = None,
                 packet_size: int = SONG_PACKET_DATA_BYTES,
                 rate: float | None = WIRE_BYTES_PER_SECOND, chunk: int = 256):
        super().__init__(options)
        self.rate = rate  # bytes/s of the module's MIDI out; None: each message at once
        self.chunk = chunk
        if not 1 <= device_number <= 16:
            raise DeviceError(f"{DEVICE_ID}: device number {device_number} is out of range 1-16")
        if packet_size < 2 or packet_size % 2:
            raise DeviceError(f"{DEVICE_ID}: packet_size {packet_size} must be an even number >= 2 "
                              "(song bytes go as two nibbles)")
        self.device_number = device_number
        self.layout = layout or Layout()
        self.packet_size = packet_size
        self.memory = generated_memory(self.layout, songs=memory is None)
        if memory:
            self.load(memory)
        self.reader = SysexReader()
        self.song_in: dict[int, list[bytes]] = {}  # song packets received, by song number
        self.received_dumps = 0
        self.busy_until = 0.0  # when the MIDI out is free again
        self.generation = 0  # counts resets, so output planned before one is dropped

    # -- memory ------------------------------------------------------------------------------
    def load(self, dumps: list[Dump]) -> None:
        """Store ``dumps`` (bulk dumps of this device) in memory; a damaged dump or a song with
        missing packets is refused with the reason (the memory must be valid to be served)."""
        mine = [d for d in dumps if d.device == DEVICE_ID and not d.kind.endswith("request")]
        for dump in mine:
            if dump.problems or dump.payload is None:
                where = f" at offset {dump.message.offset}" if dump.message is not None else ""
                why = dump.problems[0] if dump.problems else "no data"
                raise DeviceError(f"{DEVICE_ID}: cannot load the {dump.kind} message{where}: {why}")
        for song in join_songs(mine):
            if not song.complete:
                raise DeviceError(f"{DEVICE_ID}: cannot load song {song.number + 1}: "
                                  f"{song.problems[0] if song.problems else 'incomplete'}")
            self.memory["song"][song.number] = song.payload
        for dump in mine:
            if dump.kind != "song" and dump.kind in self.memory:
                self.memory[dump.kind][dump.program] = dump.payload

    def object_messages(self, kind: str, number: int) -> list[bytes] | None:
        """The bulk dump message(s) this module sends for ``kind``/``number``; None: no reply."""
        otype = type_for_kind(kind)
        if otype.packets and number == EDIT_BUFFER:
            return None  # the Data List: a song request for 7F 7F gets no reply
        payload = self.memory.get(kind, {}).get(number)
        if payload is None:
            return None
        return builders.dump_messages(kind, payload, None if not otype.numbered else number,
                                      device_number=self.device_number,
                                      max_data_bytes=self.packet_size)

    def save(self, edit_buffers: bool = False) -> bytes:
        """The memory as a backup file: system, kits, chains, songs, stacks by number, exactly
        the bytes a full backup of this module fetches. Edit buffers (working copies, not part
        of a backup) only with ``edit_buffers``."""
        out = bytearray()
        for otype in OBJECT_TYPES:
            slots = self.memory.get(otype.kind, {})
            numbers = sorted(n for n in slots if n != EDIT_BUFFER or not otype.numbered)
            if edit_buffers and otype.numbered and EDIT_BUFFER in slots and not otype.packets:
                numbers.append(EDIT_BUFFER)
            for n in numbers:
                out += b"".join(self.object_messages(otype.kind, n) or [])
        return bytes(out)

    # -- the device side ---------------------------------------------------------------------
    def reset(self) -> None:
        self.generation += 1
        self.busy_until = 0.0
        self.reader = SysexReader()
        self.song_in.clear()

    def on_bytes(self, data: bytes) -> None:
        for kind, value, _offset in self.reader.feed(data):
            if kind == "message":
                self._message(value)
            else:
                self.log.append(f"input: {value}")

    def _message(self, msg: bytes) -> None:
        if is_request(msg):
            self._request(msg)
        elif is_bulk(msg):
            self._bulk(msg)
        else:
            self.log.append(f"ignored a message that is not for a DTXtreme IIs: {msg[:8].hex(' ')}")

    def _request(self, msg: bytes) -> None:
        device, code, number = request_fields(msg)
        if device + 1 != self.device_number:
            self.log.append(f"ignored a request for device number {device + 1}")
            return
        otype = type_for_code(code)
        if otype is None or number is None or len(msg) != 15:
            self.log.append(f"ignored a malformed request {msg.hex(' ')}")
            return
        messages = self.object_messages(otype.kind, number)
        if messages is None:
            self.log.append(f"no reply: {slot_label(otype, number)} "
                            f"({'empty' if number in self.memory.get(otype.kind, {}) else 'nothing there'})")
            return
        self.log.append(f"answering {slot_label(otype, number)} with {len(messages)} message(s)")
        self.transmit(messages)

    def transmit(self, messages: list[bytes]) -> None:
        """Send ``messages`` as the module's MIDI out does: ``block_delay`` before each message,
        then its bytes at ``rate`` in pieces of ``chunk`` (so a host sees a long song arrive
        bit by bit, as on a cable, not in one lump when its last byte has crossed). An answer
        asked for while another is still going out follows it (the MIDI out is one line)."""
        t = max(0.0, self.busy_until - self.now)
        generation = self.generation
        for msg in messages:
            t += self.options.block_delay
            pieces = [msg] if self.rate is None else [msg[k:k + self.chunk]
                                                      for k in range(0, len(msg), self.chunk)]
            for piece in pieces:
                self._send_at(t, piece, generation)
                if self.generation != generation:
                    return  # a reset struck while sending: the rest is forgotten
                t += len(piece) / self.rate if self.rate else 0.0
        self.busy_until = self.now + t

    def _send_at(self, t: float, data: bytes, generation: int) -> None:
        def go() -> None:
            if self.generation == generation:  # output planned before a reset is not sent
                self.send(data)

        if t <= 0:
            go()
        else:
            self.after(t, go)

    def _bulk(self, msg: bytes) -> None:
        if (msg[3] & 0x0F) + 1 != self.device_number:
            self.log.append(f"ignored a bulk dump for device number {(msg[3] & 0x0F) + 1}")
            return
        dump = identify(Message(msg))
        if dump is None or dump.problems or dump.payload is None or dump.kind not in self.memory:
            why = dump.problems[0].text if dump is not None and dump.problems else "unknown type"
            self.log.append(f"ignored a damaged bulk dump: {why}")
            return
        self.received_dumps += 1
        if dump.kind != "song":
            self.memory[dump.kind][dump.program] = dump.payload
            self.log.append(f"stored {dump.slot}")
            return
        packets = self.song_in.setdefault(dump.program, [])
        index = dump.details.get("index", 0)
        if index == SINGLE_PACKET:
            packets.clear()
        packets.append(msg)
        if index not in (SINGLE_PACKET, LAST_PACKET):
            return
        del self.song_in[dump.program]
        try:
            song = join_song([identify(Message(p)) for p in packets])
        except ValueError as exc:
            self.log.append(f"ignored song packets: {exc}")
            return
        if not song.complete:
            self.log.append(f"ignored {dump.slot}: {song.problems[0]}")
            return
        self.memory["song"][dump.program] = song.payload
        self.log.append(f"stored {dump.slot} ({len(packets)} packet(s))")
