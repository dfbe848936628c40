"""Host protocols for the VZ bulk handshake (sans-I/O peers, see syxkit.protocols.base).

The VZ has no dump request: a bulk dump starts on the VZ (SAVE -> MIDI), a single voice from its
panel. What the host can do:

* :class:`BulkReceive` - take a dump the user starts on the VZ: answer its open with OK as soon
  as the open is complete, take the data message, check it with the driver's ``identify`` (every
  checksum), wait for the close. Result: one Output, the bulk file (43,094 or 55,958 bytes).
* :class:`BulkSend` - open, then wait for OK (72) or ERROR (73). On ERROR it stops; with no
  answer it carries on after the time-out as other editors do (a VZ without a MIDI OUT cable
  still loads). The data goes out in packets with gaps, because a VZ fed at full wire speed
  shows "MIDI error" (users fixed it with 64-byte packets or a delay between buffers). Then the
  close, and a short listen for a late ERROR.
* :class:`SinglesSend` - single voices / op-mems (or other VZ messages), paced the same way.
* :class:`FixedPauseSend` - what simple senders do: fixed pause after the open, never listening.
  Kept small, for the benchmark to compare against.

The VZ's own messages end with F7 before anything is due from the host, so the handshake works
over whole-message ports too: the ``form`` option changes nothing except that "paced" selects
the fixed-pause sender.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from syxkit.core.framing import frame_messages
from syxkit.core.message import Message
from syxkit.devices.base import DeviceError, OptionError, Options, Output
from syxkit.devices.casio_vz import messages as msg
from syxkit.devices.casio_vz.identify import identify
from syxkit.devices.casio_vz.table import (
    BULK_CONTENT,
    BULK_LAYOUTS,
    CLOSE_SIZE,
    CONTROL_KINDS,
    DEVICE_ID,
    FAMILY_PREFIX,
    FORMAT_VZ1,
    HEADER_LEN,
    OPMEM,
    VOICE,
    Tag,
    bulk_data_length,
)
from syxkit.protocols.base import (
    WIRE_BYTES_PER_SECOND,
    ObjectDone,
    Peer,
    Progress,
    strip_realtime,
)

# Defaults. The open wait is long on purpose: after starting `syxkit backup` the user walks to
# the VZ and goes through SAVE -> MIDI -> type -> YES, YES.
OPEN_WAIT = 300.0
DATA_GAP = 2.0  # longest silence inside a dump the VZ sends (it sends without pauses)
OK_WAIT = 1.0  # how long a sender waits for OK before carrying on (others: "a short timeout")
PACKET_SIZE = 64  # what users found works (Sonar's SysxSendPacketSize=64)
PACKET_GAP = 0.010  # pause after each packet has crossed the cable; ~20 s for 64 voices, as users report
SETTLE = 0.3  # after the close: time for a late ERROR to come back
FIXED_PAUSE = 0.5  # fixed-pause senders: pause after the open instead of listening

_HIGH = re.compile(rb"[\x80-\xff]")
_STATUS_NAME = {0xF0: "a new F0", 0xF7: "F7"}


def _data_length(content: str) -> int:
    """The whole data message: header, blocks, F7."""
    return HEADER_LEN + bulk_data_length(*BULK_LAYOUTS[content]) + 1


def file_name(content: str) -> str:
    return f"{DEVICE_ID}-{content}.syx"


def _is_vz(message: bytes, tag: Tag) -> bool:
    """A VZ message with this tag; handshake messages also need their exact size, so a damaged
    one is not taken for the real thing (an open is checked further by identify)."""
    if len(message) <= HEADER_LEN or not message.startswith(FAMILY_PREFIX) or message[5] != tag:
        return False
    if tag in (Tag.BULK_CLOSE, Tag.BULK_OK, Tag.BULK_ERROR):
        return len(message) == CLOSE_SIZE and message[3] == FORMAT_VZ1 and message[4] & 0xF0 == 0x70
    return True


def _data_header(buf: bytes | bytearray) -> bool:
    """Do these bytes (at least a header's worth) start a VZ bulk data message?"""
    return buf[:3] == FAMILY_PREFIX and buf[5] == Tag.BULK_DATA


def _channel_of(message: bytes) -> int | None:
    b = message[4] if len(message) > 4 else 0
    return (b & 0x0F) + 1 if b & 0xF0 == 0x70 else None


def answer(message: bytes) -> bytes | None:
    """The host's reply to a complete VZ message: OK (72) to a bulk open, on the open's channel
    and with its format byte (a VZ-8M total dump opens with format 02); else None. ``syxkit
    receive`` records whatever follows, so every well-formed open is answered."""
    data = strip_realtime(bytes(message))
    if not _is_vz(data, Tag.BULK_OPEN):
        return None
    dump = identify(Message(data))
    if dump is None or dump.kind != "bulk-open" or dump.problems or dump.channel is None:
        return None
    return msg.control_message(Tag.BULK_OK, dump.channel, vz8m=data[3] != FORMAT_VZ1)


# ---------------------------------------------------------------------------------------------
# Receiving a dump started on the VZ.


class BulkReceive(Peer):
    """Take a bulk dump the user starts with SAVE -> MIDI on the VZ."""

    device = DEVICE_ID

    def __init__(self, *, open_wait: float = OPEN_WAIT, timeout: float = DATA_GAP,
                 channel: int | None = None):
        super().__init__()
        if open_wait <= 0 or timeout <= 0:
            raise ValueError("the waits must be more than 0 seconds")
        self.open_wait, self.timeout, self.channel = open_wait, timeout, channel
        self.state = "open"  # open -> data -> close
        self.buf = bytearray()  # incoming SysEx bytes, real-time bytes removed
        self._scan = 0  # where the search for the data message's end goes on
        self.open_message: bytes | None = None
        self.data_message: bytes | None = None
        self.content: str | None = None
        self.ignored: list[str] = []  # messages that were not part of the dump
        self.notes: list[str] = []

    # -- events ------------------------------------------------------------------------------
    def on_start(self, now: float) -> None:
        self.wait(self.open_wait, "the VZ's bulk open F0 44 03 00 7n 70 dd F7 (start SAVE -> "
                                  "MIDI on the VZ)", step="waiting for the VZ")

    def on_bytes(self, data: bytes, now: float) -> None:
        data = strip_realtime(data)
        if not data:
            return  # active sensing alone is no progress: the waits keep running
        self.buf += data
        while not self.done:
            if self.state == "data":
                if not self._take_data():
                    return
                continue
            message = self._next_message()
            if message is None:
                if self.state == "data":  # a data header while waiting for the open
                    continue
                return
            if self.state == "open":
                self._while_waiting(message)
            else:
                self._after_data(message)

    def on_timeout(self, now: float) -> None:
        if self.state == "open":
            self.fail(self._waiting_for, reason=f"nothing from the VZ within {self.open_wait:g} s")
        elif self.state == "close":
            # The data is complete and every checksum is good: the close carries nothing, so the
            # dump is kept with a standard close and the user is told.
            self.notes.append(f"the VZ's close did not arrive within {self.timeout:g} s; the data "
                              "was complete with every checksum good, so the file ends with a "
                              "standard close")
            self._done(None)
        else:
            super().on_timeout(now)

    # -- framing -----------------------------------------------------------------------------
    def _next_message(self) -> bytes | None:
        """The next complete SysEx in ``buf``; bytes outside SysEx (notes, controllers) are
        dropped. In the waiting state a VZ data header switches to streaming at once."""
        buf = self.buf
        start = buf.find(0xF0)
        if start < 0:
            buf.clear()
            return None
        del buf[:start]
        if self.state == "open" and len(buf) >= HEADER_LEN and _data_header(buf):
            self._begin_data(None)
            return None
        end = _HIGH.search(buf, 1)
        if end is None:
            return None
        k = end.start()
        message = bytes(buf[: k + 1])
        if buf[k] != 0xF7:  # a status byte cut the SysEx short
            del buf[:k]
            self.ignored.append(f"unterminated SysEx {message[:6].hex(' ')}…")
            return b""
        del buf[: k + 1]
        return message

    # -- states ------------------------------------------------------------------------------
    def _while_waiting(self, message: bytes) -> None:
        if _is_vz(message, Tag.BULK_OPEN):
            self._on_open(message)
        elif message:
            self.ignored.append(message[:8].hex(" "))

    def _on_open(self, message: bytes) -> None:
        dump = identify(Message(message, source="bulk open"))
        channel = _channel_of(message)
        if self.channel is not None and channel != self.channel:
            self.fail(f"a bulk open on channel {self.channel}",
                      reason=f"the VZ opened a dump on channel {channel}; set the VZ's MIDI channel "
                             f"to {self.channel} or leave --channel out")
            return
        code = message[HEADER_LEN] if len(message) > HEADER_LEN + 1 else None
        content = BULK_CONTENT.get(code) if code is not None else None
        if dump.problems or channel is None or content is None:
            why = "; ".join(str(p) for p in dump.problems) or "it is not a bulk open"
            self.fail("a bulk open F0 44 03 00 7n 70 dd F7 with dd 00-03",
                      reason=f"the open {message.hex(' ').upper()} is damaged ({why})")
            return
        if message[3] != FORMAT_VZ1 or content not in BULK_LAYOUTS:
            # Refuse at once so the VZ stops, instead of taking data nobody can check.
            self.send(msg.bulk_error(channel))
            offer = "a VZ-8M total dump" if content not in BULK_LAYOUTS else "VZ-8M-format data"
            self.fail("voices, op-mems or voices+op-mems",
                      reason=f"the VZ offers {offer}, whose layout is not documented, so it cannot "
                             "be checked; choose VOICE, OP-MEM or VC+OP on the VZ, or record it "
                             "raw with `syxkit receive`")
            return
        self.open_message = message
        self.content = content
        self.send(answer(message))  # OK the moment the open is complete, never before
        self._begin_data(content)

    def _begin_data(self, content: str | None) -> None:
        if content is None:
            self.notes.append("the VZ's bulk open did not arrive; the data told what it holds "
                              "and the file starts with a standard open")
        self.state = "data"
        self._scan = 1
        self.wait(self.timeout, "the bulk data F0 44 03 00 7n 74 …", step="data")

    def _take_data(self) -> bool:
        """Take what came of the data message; True when it is complete and good."""
        buf = self.buf
        if buf[:1] != b"\xf0":  # bytes before the data message (not SysEx) are not ours
            start = buf.find(0xF0)
            del buf[: start if start >= 0 else len(buf)]
            self._scan = 1
            if not buf:
                return False
        if len(buf) >= HEADER_LEN and not _data_header(buf):
            self.fail("the bulk data F0 44 03 00 7n 74 …",
                      reason=f"after the OK the VZ sent {bytes(buf[:8]).hex(' ').upper()} instead")
            return False
        expected = _data_length(self.content) if self.content else None
        end = _HIGH.search(buf, self._scan)
        if end is None:
            self._scan = max(1, len(buf))
            if expected is not None and len(buf) >= expected:
                self.fail("F7 at the end of the bulk data",
                          reason=f"the data runs past its {expected:,} bytes without F7")
                return False
            self._progress()
            self.wait(self.timeout, "the rest of the bulk data and its F7")
            return False
        k = end.start()
        if buf[k] != 0xF7:
            self.fail("nibbles 00-0F", reason=f"byte {buf[k]:02X} (a status byte) at offset {k} of "
                                              "the bulk data interrupted it")
            return False
        message = bytes(buf[: k + 1])
        del buf[: k + 1]
        return self._check_data(message)

    def _check_data(self, message: bytes) -> bool:
        dump = identify(Message(message, source="bulk data"))
        if dump is None or dump.kind != "bulk":
            # e.g. an empty F0 F7, too short for the header check (found by fuzzing)
            self.fail("the bulk data F0 44 03 00 7n 74 …",
                      reason=f"after the OK the VZ sent {message[:8].hex(' ').upper()} instead")
            return False
        content = dump.details.get("content")
        problems = list(dump.problems) + [p for part in dump.parts for p in part.problems]
        if content not in BULK_LAYOUTS:
            sizes = ", ".join(f"{_data_length(c):,} ({c})" for c in BULK_LAYOUTS)
            self.fail(f"a bulk data message of {sizes} bytes",
                      reason=f"the data message has {len(message):,} bytes")
            return False
        if self.open_message is not None and _channel_of(message) != _channel_of(self.open_message):
            self.fail(f"the data on channel {_channel_of(self.open_message)}, as the open",
                      reason=f"the data came on channel {_channel_of(message)}")
            return False
        if self.content is not None and content != self.content:
            self.fail(f"the {self.content} the open announced",
                      reason=f"the data holds {content}")
            return False
        if dump.checksum != "ok" or problems:
            shown = "; ".join(str(p) for p in problems[:3])
            more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
            self.fail(f"{content} with good checksums",
                      reason=f"the data arrived damaged: offsets in the data message: {shown}{more}")
            return False
        self.content = content
        self.data_message = message
        self.state = "close"
        self._progress()
        self.wait(self.timeout, "the VZ's close F0 44 03 00 7n 71 F7", step="close")
        return True

    def _after_data(self, message: bytes) -> None:
        if message == msg.bulk_close(_channel_of(self.data_message) or 1):
            self._done(message)
        elif message:
            self.ignored.append(message[:8].hex(" "))

    # -- result ------------------------------------------------------------------------------
    def _total(self) -> int | None:
        if self.content is None:
            return None
        return _data_length(self.content) + len(msg.bulk_open(self.content)) + len(msg.bulk_close())

    def _progress(self) -> None:
        data = len(self.data_message) if self.data_message else len(self.buf)
        done = len(self.open_message or b"") + data
        objects = total_objects = None
        if self.content:
            voices, opmems = BULK_LAYOUTS[self.content]
            total_objects = voices + opmems
            body = max(0, data - HEADER_LEN)
            in_voices = min(voices, body // VOICE.block)
            rest = max(0, body - voices * VOICE.block)
            objects = in_voices + min(opmems, rest // OPMEM.block)
        self.emit(Progress(done, self._total(), objects or 0, total_objects, step=self.step_name))

    def _done(self, close: bytes | None) -> None:
        data = self.data_message
        channel = _channel_of(data) or 1
        opening = self.open_message or msg.bulk_open(self.content, channel)
        closing = close or msg.bulk_close(channel)
        whole = opening + data + closing
        if self.ignored:
            self.notes.append(f"{len(self.ignored)} other message(s) on the line were left out")
        name = file_name(self.content)
        self.emit(Progress(len(whole), len(whole), *self._objects(), step="done"))
        self.emit(ObjectDone(name, whole))
        self.finish([Output(name, whole, list(self.notes))])

    def _objects(self) -> tuple[int, int]:
        n = sum(BULK_LAYOUTS[self.content])
        return n, n


# ---------------------------------------------------------------------------------------------
# Sending to the VZ.


@dataclass
class Plan:
    """What a file holds, ready to send: one bulk data message, or single messages."""

    kind: str  # bulk | singles
    messages: list[bytes]
    content: str | None = None
    channel: int = 1
    notes: list[str] = field(default_factory=list)


def _with_channel(message: bytes, channel: int | None) -> bytes:
    if channel is None:
        return message
    return message[:4] + bytes([0x70 | (channel - 1)]) + message[5:]


def plan(data: bytes, channel: int | None = None) -> Plan:
    """Read the file to send; refuse what the VZ would refuse or what is damaged, clearly."""
    found = [m for m in frame_messages(data, "input") if m.data.startswith(FAMILY_PREFIX)]
    if not found:
        raise DeviceError(f"{DEVICE_ID}: nothing to send: no VZ message in the input")
    dumps = [identify(m) for m in found]
    for d in dumps:
        problems = list(d.problems) + list(d.message.problems)
        if problems or d.checksum == "bad":
            what = "; ".join(str(p) for p in problems) or "bad checksum"
            raise DeviceError(f"{DEVICE_ID}: the {d.kind} message at offset {d.message.offset} is "
                              f"damaged ({what}); run `syxkit fix` first so the repair is explicit, "
                              "nothing was sent")
    vz8m = [d for d in dumps if d.kind == "vz8m-data" or d.details.get("content") == "vz8m-total"]
    if vz8m:
        raise DeviceError(f"{DEVICE_ID}: the message at offset {vz8m[0].message.offset} is VZ-8M "
                          "total data, whose layout and handshake are not documented; nothing was "
                          "sent")
    bulks = [d for d in dumps if d.kind == "bulk"]
    handshakes = [d for d in dumps if d.kind in CONTROL_KINDS.values()]
    others = [d for d in dumps if d.kind != "bulk" and d not in handshakes]
    if bulks:
        if len(bulks) > 1 or others:
            raise DeviceError(f"{DEVICE_ID}: the input holds {len(bulks)} bulk dump(s) and "
                              f"{len(others)} other message(s); send one bulk dump at a time")
        bulk = bulks[0]
        content = bulk.details["content"]
        for h in handshakes:
            announced = h.details.get("content")
            if h.kind == "bulk-open" and announced != content:
                raise DeviceError(f"{DEVICE_ID}: the open at offset {h.message.offset} announces "
                                  f"{announced} but the data holds {content}; nothing was sent")
        ch = channel or bulk.channel or 1
        return Plan("bulk", [_with_channel(bulk.message.data, ch)], content, ch)
    if handshakes and not others:
        raise DeviceError(f"{DEVICE_ID}: the input holds only handshake messages, no data to send")
    ch = channel or next((d.channel for d in others if d.channel), 1)
    singles = [_with_channel(d.message.data, channel) for d in others]
    result = Plan("singles", singles, channel=ch)
    voices = sum(d.kind == "voice" for d in others)
    if voices > 1:
        result.notes.append(f"{voices} single voices: the VZ puts each in its edit (compare/"
                            "recall) area, so only the last stays there; join them into a bulk "
                            "dump to fill the memory")
    return result


def _packets(message: bytes, size: int | None) -> list[bytes]:
    if not size:
        return [message]
    return [message[k : k + size] for k in range(0, len(message), size)]


class _PacedSender(Peer):
    """Sends packets with a gap after each has crossed the cable, listening for ERROR (73)."""

    device = DEVICE_ID

    def __init__(self, *, packet_size: int | None = PACKET_SIZE, packet_gap: float = PACKET_GAP,
                 settle: float = SETTLE):
        super().__init__()
        if packet_size is not None and packet_size < 0:
            raise ValueError("the packet size must be 0 (no packets) or more")
        if packet_gap < 0 or settle < 0:
            raise ValueError("gaps cannot be negative")
        self.packet_size, self.packet_gap, self.settle = packet_size or None, packet_gap, settle
        self.state = "idle"
        self.queue: list[tuple[bytes, int]] = []  # packet, objects finished with it
        self.sent_bytes = 0
        self.total_bytes = 0
        self.objects_done = 0
        self.objects_total = 0
        self.inbox = bytearray()
        self.heard: list[str] = []
        self.notes: list[str] = []

    def _queue(self, message: bytes, objects: int = 0) -> None:
        parts = _packets(message, self.packet_size)
        for k, p in enumerate(parts):
            self.queue.append((p, objects if k == len(parts) - 1 else 0))
        self.total_bytes += len(message)

    def _pump(self) -> None:
        """Send the next packet; come back when it has crossed the cable plus the gap."""
        if not self.queue:
            self.state = "settle"
            self.wait(self.settle, "a late ERROR (73) from the VZ", step="settle")
            return
        packet, objects = self.queue.pop(0)
        self.send(packet)
        self.sent_bytes += len(packet)
        self.objects_done += objects
        self.emit(Progress(self.sent_bytes, self.total_bytes, self.objects_done,
                           self.objects_total or None, step=self.step_name))
        self.wake_at(self.now + len(packet) / WIRE_BYTES_PER_SECOND + self.packet_gap)

    def _vz_messages(self, data: bytes) -> list[bytes]:
        self.inbox += strip_realtime(data)
        out = []
        while True:
            start = self.inbox.find(0xF0)
            if start < 0:
                self.inbox.clear()
                return out
            del self.inbox[:start]
            end = _HIGH.search(self.inbox, 1)
            if end is None:
                return out
            k = end.start()
            if self.inbox[k] == 0xF7:
                out.append(bytes(self.inbox[: k + 1]))
                del self.inbox[: k + 1]
            else:
                del self.inbox[:k]

    def on_bytes(self, data: bytes, now: float) -> None:
        for m in self._vz_messages(data):
            if _is_vz(m, Tag.BULK_ERROR):
                self._refused()
                return
            self.heard.append(m[:8].hex(" "))
            if _is_vz(m, Tag.BULK_OK):
                self._ok()

    def _ok(self) -> None:
        pass

    def _refused(self) -> None:
        self.fail("the VZ to take the data", reason=(
            f"the VZ answered ERROR (73) after {self.sent_bytes:,} of {self.total_bytes:,} bytes: "
            "it could not keep up (its \"MIDI error\"; try a smaller --packet-size or a longer "
            "packet gap) or a checksum was wrong"))

    def on_timeout(self, now: float) -> None:
        if self.state == "settle":
            self.finish(self.summary())
        else:
            self._pump()

    def summary(self) -> dict[str, Any]:
        return {"bytes": self.sent_bytes, "packet_size": self.packet_size,
                "packet_gap": self.packet_gap, "notes": self.notes}


class BulkSend(_PacedSender):
    """Open, OK or ERROR or time-out, data in packets, close."""

    def __init__(self, data_message: bytes, content: str, channel: int = 1, *,
                 ok_wait: float = OK_WAIT, require_ok: bool = False, **kw: Any):
        super().__init__(**kw)
        self.content, self.channel, self.ok_wait = content, channel, ok_wait
        self.require_ok = require_ok
        self.data_message = data_message
        self.answered = False
        voices, opmems = BULK_LAYOUTS[content]
        self.objects_total = voices + opmems
        self.total_bytes = len(msg.bulk_open(content, channel))

    def on_start(self, now: float) -> None:
        opening = msg.bulk_open(self.content, self.channel)
        self.send(opening)
        self.sent_bytes = len(opening)
        self.state = "open"
        self.wait(len(opening) / WIRE_BYTES_PER_SECOND + self.ok_wait,
                  "the VZ's OK (F0 44 03 00 7n 72 F7) to the bulk open", step="open")

    def _ok(self) -> None:
        if self.state == "open":
            self.answered = True
            self._start_data()

    def _refused(self) -> None:
        if self.state != "open":
            super()._refused()
            return
        self.fail("OK (72) to the bulk open", reason=(
            "the VZ answered ERROR (73) to the open: switch memory protect off, choose LOAD -> "
            f"MIDI with the type {self.content} on the VZ, enable exclusive, and match its MIDI "
            f"channel ({self.channel})"))

    def on_timeout(self, now: float) -> None:
        if self.state == "open" and self.require_ok:
            self.fail(self._waiting_for, reason=f"no answer within {self.ok_wait:g} s (check the "
                                                "MIDI cables, LOAD -> MIDI on the VZ, exclusive "
                                                "enabled and the channel); nothing else was sent")
        elif self.state == "open":
            self.notes.append(f"no OK within {self.ok_wait:g} s of the open: sent anyway, as other "
                              "editors do; the VZ's display tells whether it loaded")
            self._start_data()
        else:
            super().on_timeout(now)

    def _start_data(self) -> None:
        self.state = "data"
        self.step_name = "data"
        self._waiting_for = "nothing (sending)"
        # Objects count when their last byte has gone: the header counts for nothing, then one
        # object per block; the data's F7 and the close finish the dump.
        data = self.data_message
        voices, opmems = BULK_LAYOUTS[self.content]
        bounds = [HEADER_LEN + (k + 1) * VOICE.block for k in range(voices)]
        base = HEADER_LEN + voices * VOICE.block
        bounds += [base + (k + 1) * OPMEM.block for k in range(opmems)]
        pos, b = 0, 0
        for packet in _packets(data, self.packet_size):
            pos += len(packet)
            done = 0
            while b < len(bounds) and bounds[b] <= pos:
                b += 1
                done += 1
            self.queue.append((packet, done))
        self.total_bytes += len(data)
        self._queue(msg.bulk_close(self.channel))
        self._pump()

    def summary(self) -> dict[str, Any]:
        return {"kind": "bulk", "content": self.content, "channel": self.channel,
                "answer": "ok" if self.answered else "none", "confirmed": self.answered,
                **super().summary()}


class FixedPauseSend(BulkSend):
    """The simple way: open, a fixed pause, everything with fixed gaps, close; deaf to the VZ."""

    def __init__(self, data_message: bytes, content: str, channel: int = 1, *,
                 pause: float = FIXED_PAUSE, **kw: Any):
        super().__init__(data_message, content, channel, **kw)
        self.pause = pause

    def on_start(self, now: float) -> None:
        super().on_start(now)
        self.wake_at(now + self.pause)

    def on_bytes(self, data: bytes, now: float) -> None:
        pass  # does not listen: neither OK nor ERROR changes anything

    def on_timeout(self, now: float) -> None:
        if self.state == "open":
            self._start_data()
        else:
            _PacedSender.on_timeout(self, now)

    def summary(self) -> dict[str, Any]:
        out = super().summary()
        out.update(answer="not listened", confirmed=False)
        return out


class SinglesSend(_PacedSender):
    """Single voices / op-mems (and other VZ messages) in order, paced like the bulk data."""

    def __init__(self, messages: list[bytes], **kw: Any):
        super().__init__(**kw)
        self.objects_total = len(messages)
        for m in messages:
            self._queue(m, objects=1)
        self.count = len(messages)

    def on_start(self, now: float) -> None:
        self.step_name = "sending"
        self._pump()

    def summary(self) -> dict[str, Any]:
        return {"kind": "singles", "messages": self.count, **super().summary()}


# ---------------------------------------------------------------------------------------------
# The driver's hooks build these from Options.


def _positive(options: Options, key: str, default: float) -> float:
    value = options.get(key)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        raise DeviceError(f"{DEVICE_ID}: {key} {value!r} must be a number of seconds above 0")
    return float(value)


def _pacing(options: Options) -> dict[str, Any]:
    size = options.get("packet_size")
    gap = options.get("packet_gap")
    if size is not None and (isinstance(size, bool) or not isinstance(size, int) or size < 0):
        raise DeviceError(f"{DEVICE_ID}: packet size {size!r} must be 0 (no packets) or more bytes")
    if gap is not None and (isinstance(gap, bool) or not isinstance(gap, (int, float)) or gap < 0):
        raise DeviceError(f"{DEVICE_ID}: packet gap {gap!r} must be 0 or more seconds")
    return {"packet_size": PACKET_SIZE if size is None else size,
            "packet_gap": PACKET_GAP if gap is None else float(gap),
            "settle": _positive(options, "settle", SETTLE)}


def receive_protocol(options: Options) -> BulkReceive:
    options.get("form")  # every VZ message ends before the host answers: any port form works
    return BulkReceive(open_wait=_positive(options, "open_wait", OPEN_WAIT),
                       timeout=_positive(options, "timeout", DATA_GAP),
                       channel=options.get("channel"))


def send_protocol(data: bytes, options: Options) -> Peer:
    form = options.get("form")
    todo = plan(data, options.get("channel"))
    pacing = _pacing(options)
    if todo.kind == "singles":
        peer: Peer = SinglesSend(todo.messages, **pacing)
    elif form == "paced":
        peer = FixedPauseSend(todo.messages[0], todo.content, todo.channel,
                              pause=_positive(options, "timeout", FIXED_PAUSE), **pacing)
    else:
        peer = BulkSend(todo.messages[0], todo.content, todo.channel,
                        ok_wait=_positive(options, "timeout", OK_WAIT),
                        require_ok=bool(options.get("require_ok")), **pacing)
    peer.notes.extend(todo.notes)
    return peer


def fixed_pause_protocol(data: bytes, options: Options) -> FixedPauseSend:
    """The fixed-pause sender for a bulk file (benchmarks compare it with :class:`BulkSend`)."""
    todo = plan(data, options.get("channel"))
    if todo.kind != "bulk":
        raise DeviceError(f"{DEVICE_ID}: the fixed-pause sender sends bulk dumps only")
    return FixedPauseSend(todo.messages[0], todo.content, todo.channel,
                          pause=_positive(options, "timeout", FIXED_PAUSE), **_pacing(options))


def request_refusal(what: str) -> DeviceError:
    # A usage error (exit 2): no WHAT can be fetched from a VZ, whatever the value.
    return OptionError(
        f"{DEVICE_ID}: the VZ has no dump request ({what!r} cannot be asked for): start the dump "
        "on the VZ with SAVE -> MIDI (type VOICE, OP-MEM or VC+OP) while `syxkit backup casio-vz "
        "-o FOLDER` waits and answers it (checks every checksum), or `syxkit receive -o FILE` "
        "records it as sent; a single voice is sent from the VZ's panel")

