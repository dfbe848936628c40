"""Host protocols for the Casio RZ-1: fetch sample RAM or rhythm RAM, back up both, and send a
loadable file back, each as a sans-I/O :class:`~syxkit.protocols.base.Peer`.

Fetch (the RZ-1 sends), as the real capture in ``shared/corpus/rz1`` shows it:

    host  F0 44 01 00 7n 10 00  7n 31            (request, and the first go-ahead at once)
    RZ    F0 44 01 00 70 30  256 nibbles  70 32
    host                                  7n 31  (one per 70 32, the moment it arrives)
    RZ                       256 nibbles  70 32 … last 256 nibbles  F7
    host                                                              F7  (out of MIDI SEND)

The first ``7n 31`` goes out right after the request, without waiting for the reply header:
the capture's host did exactly that (2 ms later) and it worked, and the reverse-engineered spec
does not settle whether the header comes on the request or only with the first block. Sending
it at once works either way; waiting for the header would hang if the RZ-1 sends the header
only with the first block. After that, exactly one ``7n 31`` per ``70 32``: never early, never
in a flood (flooding stops the RZ-1 prematurely, users report).

Send (the RZ-1 receives) is not verified against hardware, so every wait is an option:
request header ``…7n 20 00`` (or ``24``), the RZ-1's reply, then block by block with the
``7n 32`` pairs the loadable file already holds, waiting after each pair for an answer
(``7n 3x``) or a short time-out, then ``F7``, and the RZ-1's ``F7`` ends it.

All header bytes come from :mod:`table` through :mod:`build`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from syxkit.core.codecs import denibble_hi_first
from syxkit.core.framing import frame
from syxkit.core.message import Message, hexdump
from syxkit.devices.base import DeviceError, Dump, OptionError, Options, Output, Unsupported
from syxkit.devices.casio_rz1 import build
from syxkit.devices.casio_rz1 import table as t
from syxkit.protocols.base import WIRE_BYTES_PER_SECOND, ObjectDone, Peer, Progress, strip_realtime

# Time allowed for the RZ-1's reply and, during a fetch, for each block to go on arriving. It
# answers an acknowledgement at once and a block takes 83 ms on the wire; two seconds is ample
# and still reports a dead link promptly.
DEFAULT_TIMEOUT = 2.0
# Send: how long to wait for the RZ-1's answer after each 7n 32 before going on anyway. The
# answer is not confirmed on hardware; with an RZ-1 that stays silent, 127 waits of 0.15 s
# plus 10.6 s of wire time give the ~30 s the seed reports for playing a dump back.
ANSWER_TIMEOUT = 0.15
# Pause between two objects of a backup (or of a send with two dumps), so the RZ-1 has left
# MIDI SEND / RECEIVE mode before the next request arrives.
OBJECT_GAP = 0.1
# The manual monitor approach the seed describes: one 70 31 per second, whatever arrives.
FIXED_PAUSE = 1.0
# The capture's host sent 130 acknowledgements for 128 blocks (a prepared list); the
# fixed-pause variant does the same, so it still finishes when one is not taken.
FIXED_PAUSE_SPARE = 2
# Paced send: pause after each block instead of waiting for an answer.
PACED_GAP = 0.1

FORMS = ("faithful", "embedded", "paced")
_NOT_NIBBLE = re.compile(rb"[^\x00-\x0f]")
_REPLY = build.reply()


def _wire(n: int) -> float:
    """Seconds ``n`` bytes take on a MIDI cable: waits start when our bytes have arrived."""
    return n / WIRE_BYTES_PER_SECOND


def _looks_like_reply(head: bytes) -> bool:
    """``head`` is (the start of) ``F0 44 01 00 7x 30``. The RZ-1 says 70 whatever its
    channel; another 7x is accepted (the stream parser notes it) since it changes nothing."""
    for i, b in enumerate(head[:t.REPLY_LEN]):
        if i == len(t.HEADER):
            if b & 0xF0 != t.CHANNEL_BASE:
                return False
        elif b != _REPLY[i]:
            return False
    return True


def _identify(data: bytes) -> Dump | None:
    from syxkit.devices.casio_rz1.device import CasioRZ1  # the driver imports us lazily

    return CasioRZ1().identify(Message(bytes(data), terminated=data.endswith(build.END)))


def output_name(ram: t.Ram) -> str:
    return f"rz1-{ram.name}-ram.syx"


# --- reading what the RZ-1 sends -----------------------------------------------------------

class ReadError(Exception):
    def __init__(self, expected: str, reason: str):
        super().__init__(reason)
        self.expected = expected
        self.reason = reason


class DumpReader:
    """Follows the RZ-1's side of a fetch as it arrives, in any pieces: reply header, blocks of
    256 nibbles each closed by ``7n 32``, ``F7`` right after the last block. Raises
    :class:`ReadError` at the first byte that cannot belong there."""

    def __init__(self, ram: t.Ram):
        self.ram = ram
        self.raw = bytearray()  # this dump's bytes as received (real-time bytes removed)
        self.nibbles = bytearray()
        self.head = bytearray()
        self.blocks_done = 0  # blocks closed by 7n 32 (or by the final F7)
        self.in_block = 0  # nibbles of the block under way
        self.pair_byte: int | None = None  # a 7n arrived, its 32 is next
        self.complete = False

    @property
    def block(self) -> int:
        """1-based number of the block under way."""
        return self.blocks_done + 1

    def _where(self) -> str:
        return f"block {self.block} of {self.ram.blocks}"

    def feed(self, data: bytes) -> tuple[int, bytes]:
        """Take bytes; returns (how many 7n 32 pairs closed a block, bytes after the final F7)."""
        if self.complete:
            return 0, bytes(data)
        pairs, i, n = 0, 0, len(data)
        try:
            while i < n:
                if len(self.head) < t.REPLY_LEN:
                    take = data[i:i + t.REPLY_LEN - len(self.head)]
                    self.head += take
                    i += len(take)
                    if not _looks_like_reply(self.head):
                        raise ReadError("the RZ-1's reply F0 44 01 00 70 30",
                                        f"it sent {hexdump(bytes(self.head))} instead")
                    continue
                if self.pair_byte is not None:
                    b = data[i]
                    i += 1
                    if b != t.MORE:
                        raise ReadError(f"7n 32 closing {self._where()}",
                                        f"handshake {self.pair_byte:02X} {b:02X} after {self._where()}")
                    self.pair_byte = None
                    self.blocks_done += 1
                    self.in_block = 0
                    pairs += 1
                    continue
                m = _NOT_NIBBLE.search(data, i)
                end = m.start() if m else n
                if end > i:
                    if self.in_block + end - i > t.BLOCK_NIBBLES:
                        closing = "F7" if self.block == self.ram.blocks else "7n 32"
                        raise ReadError(f"{closing} after {t.BLOCK_NIBBLES} nibbles",
                                        f"{self._where()} goes on past {t.BLOCK_NIBBLES} nibbles")
                    self.nibbles += data[i:end]
                    self.in_block += end - i
                    i = end
                    continue
                b = data[i]
                i += 1
                if b & 0xF0 == t.CHANNEL_BASE:
                    if self.in_block != t.BLOCK_NIBBLES:
                        raise ReadError(f"{t.BLOCK_NIBBLES - self.in_block} more nibble(s) of "
                                        f"{self._where()}", f"handshake byte {b:02X} after "
                                        f"{self.in_block} nibbles of {self._where()}")
                    if self.block == self.ram.blocks:
                        raise ReadError("F7 after the last block",
                                        f"handshake byte {b:02X} after the last block")
                    self.pair_byte = b
                elif b == t.EOX:
                    if self.block == self.ram.blocks and self.in_block == t.BLOCK_NIBBLES:
                        self.blocks_done += 1
                        self.complete = True
                        break
                    got = self.blocks_done + (self.in_block == t.BLOCK_NIBBLES)
                    raise ReadError(f"all {self.ram.blocks} blocks of {self.ram.title}",
                                    f"the RZ-1 ended the dump (F7) after {got} of "
                                    f"{self.ram.blocks} blocks ({self.in_block} nibbles into "
                                    f"block {self.block}); it stops early when acknowledged "
                                    "before its 7n 32")
                elif self.in_block == t.BLOCK_NIBBLES:
                    closing = "F7" if self.block == self.ram.blocks else "7n 32"
                    raise ReadError(f"{closing} after {self._where()}",
                                    f"byte {b:02X} where {closing} belongs, after the "
                                    f"{t.BLOCK_NIBBLES} nibbles of {self._where()}: damaged on "
                                    "the way")
                else:
                    raise ReadError("nibbles 00-0F",
                                    f"byte {b:02X} in {self._where()} (nibble {self.in_block + 1} "
                                    f"of {t.BLOCK_NIBBLES}) is not a nibble: damaged on the way")
        finally:
            self.raw += data[:i]
        return pairs, bytes(data[i:])

    def image(self) -> bytes:
        return denibble_hi_first(bytes(self.nibbles))


# --- fetch -------------------------------------------------------------------------------

class Fetch(Peer):
    """Fetch one or more RAMs in turn (``backup`` = sample RAM then rhythm RAM), answering
    ``7n 31`` exactly once per ``7n 32``. Result: one loadable :class:`Output` per RAM (the
    receive request replaces the reply header, as the seed says to do before saving)."""

    device = t.DEVICE_ID

    def __init__(self, rams: Sequence[str | t.Ram], channel: int = 1,
                 timeout: float = DEFAULT_TIMEOUT, gap: float = OBJECT_GAP):
        super().__init__()
        self.rams = [build.ram_named(r) for r in rams]
        build.channel_byte(channel)  # refuse a bad channel now, not mid-transfer
        self.channel = channel
        self.timeout = timeout
        self.gap = gap
        self.index = -1
        self.reader: DumpReader | None = None
        self.state = "start"
        self.outputs: list[Output] = []
        self.acks = 0  # 7n 31 sent for the object under way
        self.total = sum(r.capture_length for r in self.rams)
        self.bytes_before = 0  # bytes of the objects already done

    @property
    def ram(self) -> t.Ram:
        return self.rams[self.index]

    def on_start(self, now: float) -> None:
        self._begin()

    def _begin(self) -> None:
        self.index += 1
        self.reader = DumpReader(self.ram)
        self.state = "dump"
        # Request and first go-ahead together, as the capture's host did (see module doc).
        self.send(build.request(self.ram, "send", self.channel) + build.ack(self.channel))
        self.acks = 1
        self._expect(f"the RZ-1's reply F0 44 01 00 70 30 and block 1 of {self.ram.blocks}",
                     f"{self.ram.title} request")

    def _expect(self, what: str, step: str) -> None:
        self.wait(self.timeout, what, step=step)

    def on_more(self) -> None:
        """The RZ-1 closed a block with 7n 32: it waits for our go-ahead."""
        self.send(build.ack(self.channel))
        self.acks += 1

    def on_bytes(self, data: bytes, now: float) -> None:
        data = strip_realtime(data)
        if not data:
            return  # active sensing alone is no progress: the deadline stays
        if self.state != "dump":
            self.fail("nothing between two dumps", reason=f"unexpected bytes {hexdump(data)}")
            return
        try:
            pairs, rest = self.reader.feed(data)
        except ReadError as exc:
            self.fail(exc.expected, exc.reason)
            return
        for _ in range(pairs):
            self.on_more()
        self.emit(Progress(self.bytes_before + len(self.reader.raw), self.total, self.index,
                           len(self.rams), step=f"{self.ram.title} block {self.reader.block}"))
        if not self.reader.complete:
            self._expect(f"the rest of block {self.reader.block} of {self.ram.blocks} and its "
                         "7n 32 (or F7 after the last)",
                         f"{self.ram.title} block {self.reader.block}")
            return
        if rest:
            self.fail("nothing after the dump's F7", reason=f"unexpected bytes {hexdump(rest)}")
            return
        self._object_done(now)

    def _object_done(self, now: float) -> None:
        ram, reader = self.ram, self.reader
        self.send(build.END)  # brings the RZ-1 out of MIDI SEND mode
        dump = _identify(bytes(reader.raw))
        image = reader.image()
        if (dump is None or dump.kind != ram.kind or not dump.details.get("complete")
                or dump.problems or dump.payload != image):
            why = "; ".join(str(p) for p in (dump.problems if dump else [])[:3]) or "not a complete dump"
            self.fail(f"a complete {ram.title} dump", reason=f"what arrived does not check out: {why}")
            return
        out = Output(output_name(ram), build.loadable(image, self.channel, ram))
        self.outputs.append(out)
        self.emit(ObjectDone(out.name, out.data))
        self.bytes_before += len(reader.raw)
        if self.index + 1 < len(self.rams):
            self.state = "gap"
            self.step_name = "between dumps"
            self.wake_at(now + self.gap)
        else:
            self.finish(self.outputs)

    def on_timeout(self, now: float) -> None:
        if self.state == "gap":
            self._begin()
            return
        super().on_timeout(now)


class FixedPauseFetch(Fetch):
    """The manual monitor approach, for benchmarks: one ``7n 31`` every ``interval`` seconds
    whatever the RZ-1 sends (blocks + ``spare`` in all, as the capture's host did), then F7.
    Too short an interval acknowledges a block still on its way and stops the RZ-1 early.

    ``patience``: fail when this many acknowledgements in a row brought nothing new; None
    when input arrives only as whole messages (then nothing shows until the dump's F7)."""

    def __init__(self, rams: Sequence[str | t.Ram], channel: int = 1,
                 interval: float = FIXED_PAUSE, timeout: float = DEFAULT_TIMEOUT,
                 gap: float = OBJECT_GAP, spare: int = FIXED_PAUSE_SPARE,
                 patience: int | None = 3):
        super().__init__(rams, channel, timeout, gap)
        self.interval = interval
        self.spare = spare
        self.patience = patience
        self.unanswered = 0
        self.next_ack = 0.0

    def _begin(self) -> None:
        self.next_ack = 0.0
        super()._begin()
        self.unanswered = 0
        self.step_name = f"{self.ram.title} request"
        self._pace(self.now + self.interval)

    def _pace(self, when: float) -> None:
        self.next_ack = when
        if self.acks < self.ram.blocks + self.spare:
            self.wake_at(when)
        else:
            self.wait(max(self.interval, self.timeout),
                      f"the rest of {self.ram.title} and F7 after {self.acks} acknowledgements")

    def _expect(self, what: str, step: str) -> None:
        self.step_name = step
        self.unanswered = 0
        if self.state == "dump" and self.next_ack:
            self._pace(self.next_ack)  # new data never moves the fixed schedule

    def on_more(self) -> None:
        pass  # the point of this variant: 7n 32 is not watched

    def on_timeout(self, now: float) -> None:
        if self.state != "dump" or self.acks >= self.ram.blocks + self.spare:
            super().on_timeout(now)
            return
        if self.patience is not None and self.unanswered >= self.patience:
            self.fail(f"block {self.reader.block} of {self.ram.blocks}",
                      reason=f"nothing new arrived after {self.unanswered} acknowledgements")
            return
        self.send(build.ack(self.channel))
        self.acks += 1
        self.unanswered += 1
        self._pace(now + self.interval)


# --- send ----------------------------------------------------------------------------------

class _AnswerReader:
    """What the RZ-1 says while it receives: its reply header, 7n 3x answers, F7."""

    def __init__(self) -> None:
        self.buf = bytearray()
        self.replies = 0
        self.answers = 0
        self.ends = 0

    def feed(self, data: bytes) -> bytes:
        """Count what arrived; returns bytes that are none of these (empty when all is well)."""
        self.buf += data
        while self.buf:
            b = self.buf[0]
            if b == t.SOX:
                if not _looks_like_reply(self.buf):
                    return bytes(self.buf)
                if len(self.buf) < t.REPLY_LEN:
                    break
                del self.buf[:t.REPLY_LEN]
                self.replies += 1
            elif b & 0xF0 == t.CHANNEL_BASE:
                if len(self.buf) < 2:
                    break
                if self.buf[1] & 0xF0 != 0x30:
                    return bytes(self.buf)
                del self.buf[:2]
                self.answers += 1
            elif b == t.EOX:
                del self.buf[:1]
                self.ends += 1
            else:
                return bytes(self.buf)
        return b""


class _Outgoing:
    """One loadable dump cut where the sender waits: header, blocks (each with its 7n 32 but
    the last), F7."""

    def __init__(self, ram: t.Ram, image: bytes, channel: int):
        self.ram = ram
        self.header = build.request(ram, "receive", channel)
        pair = build.more(channel)
        blocks = list(build.blocks(image))
        self.pieces = [b + pair for b in blocks[:-1]] + [blocks[-1]]
        self.data = build.loadable(image, channel, ram)
        # The cut pieces are the file, byte for byte.
        assert self.header + b"".join(self.pieces) + build.END == self.data


class Send(Peer):
    """Send loadable dumps to the RZ-1, one after the other.

    ``form``: ``faithful`` waits after each 7n 32 for the RZ-1's answer or ``answer_timeout``;
    ``paced`` pauses ``block_gap`` after each block instead; ``embedded`` sends each dump in one
    piece (what a whole-message port can do) and only waits for the closing F7.
    ``require_reply``: False (the default) goes on after ``reply_timeout`` when the RZ-1's
    reply to the request does not come, as older tools that just play the file do (the seed
    says playing the file back as is works); True fails instead.
    The RZ-1's closing F7 is always waited for: it is the only sign the data was taken."""

    device = t.DEVICE_ID

    def __init__(self, dumps: Sequence[tuple[t.Ram, bytes]], channel: int = 1,
                 form: str = "faithful", reply_timeout: float = DEFAULT_TIMEOUT,
                 answer_timeout: float = ANSWER_TIMEOUT, end_timeout: float = DEFAULT_TIMEOUT,
                 require_reply: bool = False, block_gap: float = PACED_GAP,
                 gap: float = OBJECT_GAP, check_link: bool = True):
        super().__init__()
        if form not in FORMS:
            raise DeviceError(f"form {form!r}; expected one of {', '.join(FORMS)}")
        if not dumps:
            raise DeviceError("nothing to send: no RZ-1 sample or rhythm dump")
        build.channel_byte(channel)
        self.objects = []
        for ram, image in dumps:
            ram = build.ram_for_image(image, ram)
            if check_link and ram is t.SAMPLE and image[t.LINK_OFFSET] & t.LINK_RESERVED_MASK:
                raise DeviceError(f"link byte {image[t.LINK_OFFSET]:02X} has bits 0-4 set: the "
                                  "RZ-1 would wipe sample RAM at power-on (`syxkit fix` clears "
                                  "them); not sent")
            self.objects.append(_Outgoing(ram, image, channel))
        self.form = form
        self.reply_timeout = reply_timeout
        self.answer_timeout = answer_timeout
        self.end_timeout = end_timeout
        self.require_reply = require_reply
        self.block_gap = block_gap
        self.gap = gap
        self.index = -1
        self.state = "start"
        self.answers = _AnswerReader()
        self.total = sum(len(o.data) for o in self.objects)
        self.sent_bytes = 0
        self.report: list[dict[str, Any]] = []
        self.notes: list[str] = []

    # -- helpers ------------------------------------------------------------------------------
    @property
    def obj(self) -> _Outgoing:
        return self.objects[self.index]

    def _put(self, data: bytes) -> None:
        self.send(data)
        self.sent_bytes += len(data)
        self.emit(Progress(self.sent_bytes, self.total, self.index, len(self.objects),
                           step=self.step_name))

    def on_start(self, now: float) -> None:
        self._begin(now)

    def _begin(self, now: float) -> None:
        self.index += 1
        self.next_piece = 0
        self.base = (self.answers.replies, self.answers.answers, self.answers.ends)
        self.entry: dict[str, Any] = {"ram": self.obj.ram.name, "bytes": len(self.obj.data),
                                      "blocks": len(self.obj.pieces), "reply": False,
                                      "answers": 0, "answer_timeouts": 0, "confirmed": False}
        self.report.append(self.entry)
        self.step_name = f"{self.obj.ram.title} request"
        if self.form == "embedded":
            self._put(self.obj.data)
            self.state = "end"
            self.wait(self.end_timeout + _wire(len(self.obj.data)),
                      "the RZ-1's F7 confirming it took the data", step=f"{self.obj.ram.title} end")
            return
        self._put(self.obj.header)
        self.state = "reply"
        self.wait(self.reply_timeout + _wire(len(self.obj.header)),
                  "the RZ-1's reply F0 44 01 00 70 30 (is it on this channel?)")

    def _got(self, k: int) -> int:
        return (self.answers.replies, self.answers.answers, self.answers.ends)[k] - self.base[k]

    def _next(self, now: float) -> None:
        k = self.next_piece
        piece = self.obj.pieces[k]
        self.next_piece += 1
        blocks = len(self.obj.pieces)
        self.step_name = f"{self.obj.ram.title} block {k + 1} of {blocks}"
        if k + 1 < blocks:
            self._put(piece)
            if self.form == "faithful":
                self.state = "answer"
                self.wait(self.answer_timeout + _wire(len(piece)),
                          f"the RZ-1's answer 7n 3x after block {k + 1}")
            else:
                self.state = "paced"
                self.wake_at(now + _wire(len(piece)) + self.block_gap)
            return
        self._put(piece + build.END)
        self.state = "end"
        self.wait(self.end_timeout + _wire(len(piece) + 1),
                  "the RZ-1's F7 confirming it took the data", step=f"{self.obj.ram.title} end")

    # -- events -------------------------------------------------------------------------------
    def on_bytes(self, data: bytes, now: float) -> None:
        data = strip_realtime(data)
        if not data:
            return
        bad = self.answers.feed(data)
        if bad:
            self.fail("the RZ-1's reply, 7n 3x answers or F7",
                      reason=f"unexpected bytes {hexdump(bad)} from the RZ-1")
            return
        if self.state == "gap":
            return  # a late answer to the dump before: counted, harmless
        self.entry["reply"] = self._got(0) > 0
        self.entry["answers"] = self._got(1)
        if self._got(2) and self.state != "end":
            self.fail("answers while the data goes out",
                      reason=f"the RZ-1 ended the transfer (F7) during {self.step_name}: it "
                             "stopped receiving")
            return
        if self.state == "reply" and self._got(0):
            self._next(now)
        elif self.state == "answer" and self._got(1) >= self.next_piece:
            # Counting answers (not just noticing one) keeps a late answer to block k from
            # releasing block k+2 early.
            self._next(now)
        elif self.state == "end" and self._got(2):
            self._object_done(now)

    def on_timeout(self, now: float) -> None:
        if self.state == "reply":
            if self.require_reply:
                super().on_timeout(now)
                return
            self.notes.append(f"{self.obj.ram.title}: no reply to the request within "
                              f"{self.reply_timeout:g} s; sent the data anyway")
            self._next(now)
        elif self.state == "answer":
            self.entry["answer_timeouts"] += 1
            self._next(now)
        elif self.state == "paced":
            self._next(now)
        elif self.state == "gap":
            self._begin(now)
        else:
            super().on_timeout(now)

    def _object_done(self, now: float) -> None:
        self.entry["confirmed"] = True
        if self.index + 1 < len(self.objects):
            self.state = "gap"
            self.wake_at(now + self.gap)
            return
        self.state = "done"
        self.finish({"device": t.DEVICE_ID, "form": self.form, "objects": self.report,
                     "notes": self.notes})


# --- what the driver hooks build -----------------------------------------------------------

WHAT = {"sample-ram": t.SAMPLE, "sample": t.SAMPLE, "rhythm-ram": t.RHYTHM, "rhythm": t.RHYTHM}


def _common(options: Options) -> tuple[int, str, float | None]:
    model = options.get("model")
    if model is not None and str(model).upper().replace(" ", "") not in ("RZ-1", "RZ1"):
        raise DeviceError(f"model {model!r}: this driver is for the {t.MODEL} only")
    channel = options.get("channel") or 1
    build.channel_byte(channel)
    form = options.get("form") or "faithful"
    if form not in FORMS:
        raise DeviceError(f"form {form!r}; expected one of {', '.join(FORMS)}")
    timeout = options.get("timeout")
    return channel, form, None if timeout is None else float(timeout)


def _fetch(rams: list[t.Ram], options: Options) -> Fetch:
    channel, form, timeout = _common(options)
    timeout = DEFAULT_TIMEOUT if timeout is None else timeout
    if form == "embedded":
        raise Unsupported(
            "casio-rz1: the RZ-1 cannot be fetched with an embedded handshake: it wants one bare "
            "7n 31 per block inside the host's open SysEx, and acknowledgements sent ahead stop "
            "it early. Use a raw byte port (rawmidi, JACK, serial) with --form faithful, or "
            "--form paced (one 7n 31 per second) where the output can send bare data bytes")
    if form == "paced":
        gap = options.get("packet_gap")
        # Paced is what a port that delivers only whole messages allows: nothing shows before
        # the dump's F7, so silence between acknowledgements is no failure (patience off).
        return FixedPauseFetch(rams, channel, interval=FIXED_PAUSE if gap is None else float(gap),
                               timeout=timeout, patience=None)
    return Fetch(rams, channel, timeout=timeout)


def request_protocol(what: str, options: Options) -> Fetch:
    ram = WHAT.get(str(what).strip().lower())
    if ram is None:
        raise OptionError(f"casio-rz1: cannot request {what!r}; the RZ-1 sends sample-ram or "
                          "rhythm-ram")
    return _fetch([ram], options)


def backup_protocol(options: Options) -> Fetch:
    """Sample RAM, then rhythm RAM."""
    return _fetch([t.SAMPLE, t.RHYTHM], options)


def fixed_pause_fetch(what: str | t.Ram = "sample", interval: float = FIXED_PAUSE,
                      channel: int = 1) -> FixedPauseFetch:
    """The one-acknowledgement-per-second monitor approach, for the benchmark comparison."""
    return FixedPauseFetch([WHAT.get(what, what) if isinstance(what, str) else what], channel,
                           interval=interval)


def images_in(data: bytes) -> list[tuple[t.Ram, bytes, int | None]]:
    """The complete RAM images in a file (loadable or as captured), with their channel."""
    from syxkit.devices.casio_rz1.device import RAM_KINDS, CasioRZ1

    driver = CasioRZ1()
    found = []
    for message in frame(data).messages:
        dump = driver.identify(message)
        if dump is None or not (dump.kind in RAM_KINDS or dump.kind == "dump"):
            continue
        image = CasioRZ1.require_complete(dump)  # DeviceError naming what is missing
        found.append((RAM_KINDS[dump.kind], image, dump.channel))
    if not found:
        raise DeviceError("nothing to send: no RZ-1 sample or rhythm dump in the data (requests "
                          "and replies carry no RAM)")
    return found


def send_protocol(data: bytes, options: Options) -> Send:
    """Each dump of the file in loadable form: a captured dump gets its receive request (what
    the seed says to edit by hand); a loadable one is sent as it is, on the channel asked for
    (else its own)."""
    channel, form, timeout = _common(options)
    found = images_in(data)
    chosen = options.get("channel")
    chan = chosen or next((c for _, _, c in found if c), None) or channel
    waits: dict[str, Any] = {}
    if timeout is not None:
        waits = {"reply_timeout": timeout, "answer_timeout": timeout, "end_timeout": timeout}
    gap = options.get("packet_gap")
    if gap is not None:
        waits["block_gap"] = float(gap)
    return Send([(ram, image) for ram, image, _ in found], chan, form=form,
                require_reply=bool(options.get("require_reply")), **waits)
