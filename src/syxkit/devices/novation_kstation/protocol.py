"""Host protocols for the K-Station family: requests, a full backup and a paced send.

There is no handshake on these devices: the host sends a 14-byte request and the device
answers with one dump (current sound, program, pair or global). A backup is therefore a row of
request/answer exchanges, and this module runs them strictly one at a time: the next request
goes out only once the previous answer has fully arrived and checked out, so neither the
device nor a small USB-MIDI buffer is ever asked to queue anything. With an answer that starts
as soon as the request has arrived, the line is never idle and a 4-bank + global backup takes
the wire time of its bytes (see ``tests/devices/novation_kstation``).

Facts and the assumptions made where the spec is silent:

* Program, pair and global requests (M = 41/42/43) are documented for the A-Station and the KS
  series, not on the K-Station's manual page, which shows only the current-sound request. They
  are sent to a K-Station all the same (same family, same header); if one goes unanswered the
  error says so and points to the panel's all-banks dump instead.
* The answer's control byte C is documented only for the KS series (it copies C from the
  request). Whatever C the device sends, the files written here carry the request's C: the
  backup asks with C = 1, so its files restore every bank to its own place, as the panel's
  all-banks dump does. Nothing else of the answer is changed (Vv/Vi stay with the data).
* No checksum exists, so a data byte damaged on the cable cannot be seen in one read. What can
  be seen (a damaged header, F0 or F7, a wrong size, a wrong address) is refused and the
  request sent again. ``verify`` reads every object until two reads agree, for when a doubled
  transfer time is worth it.
* The device sends no acknowledgement for a dump it receives, so :class:`Send` paces messages
  by the wire time of each plus a gap (``DEFAULT_SEND_GAP``), and can read everything back
  afterwards (``verify``).

Forms ``faithful``, ``embedded`` and ``paced`` are the same here (no handshake to place);
``fixed_pause`` is the way other editors run a backup, a fixed pause after every answer, kept
for comparison in the benchmarks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from syxkit.core.framing import frame
from syxkit.core.message import Message
from syxkit.devices.base import DeviceError, Dump, OptionError, Options, Output
from syxkit.devices.novation_kstation.identify import identify, slot_label
from syxkit.devices.novation_kstation.messages import (
    bank_requests,
    model_of,
    parse,
    request_current,
    request_global,
    request_pair,
    request_program,
)
from syxkit.devices.novation_kstation.table import (
    DEVICE_ID,
    HEADER_LEN,
    KIND_BY_NAME,
    MODELS,
    POS_BANK,
    POS_CONTROL,
    POS_SYSEX_CHANNEL,
    POS_VV,
    SYSEX_CHANNEL_ALL,
    Kind,
    Model,
)
from syxkit.protocols.base import (
    WIRE_BYTES_PER_SECOND,
    ObjectDone,
    Peer,
    Progress,
    strip_realtime,
)

# Time allowed for an answer to start, and between two pieces of it. An answer is at most 270
# bytes (86 ms on the wire) and the device only reads it from flash; a second is ample, and
# short enough that a dead link is reported promptly.
DEFAULT_TIMEOUT = 1.0
# A request that went unanswered (or whose answer arrived damaged) is sent once more before
# the transfer fails: a single lost or garbled message should not end a 200-object backup.
DEFAULT_RETRIES = 1
# What other editors do between objects; only the ``fixed_pause`` variant uses it.
FIXED_PAUSE = 0.1
# Idle time after each message of a send. The K-Station stores a pair dump in flash; a
# 256-byte flash page of its era programs in up to ~10 ms, and its own all-banks dump feeds
# another K-Station pairs back to back, so the device is built to keep up with the wire. The
# gap is headroom, not a wait for an answer (none comes): 10 ms lets each page write finish
# before the next message starts and stops a USB interface or JACK from being flooded (they
# drop SysEx sent back to back), for 2 s over a 4-bank + global restore (17.4 s on the wire:
# 1.12x). Raise it with ``packet_gap`` for an interface that still loses messages.
DEFAULT_SEND_GAP = 0.010
# Most reads of one object in ``verify`` mode before deciding the line cannot be trusted.
VERIFY_READS = 3

_STATUS = re.compile(rb"[\x80-\xff]")


# --- framing of the incoming stream --------------------------------------------------------------


@dataclass
class Frame:
    """One SysEx message cut out of a stream; ``complete`` is False when a status byte (given in
    ``ended_by``) cut it short, as MIDI ends an exclusive at any status byte."""

    data: bytes
    complete: bool = True
    ended_by: int | None = None


class SysexReader:
    """Cuts a byte stream into SysEx messages as they complete, across any chunking. Real-time
    bytes must be removed first (:func:`strip_realtime`). Bytes outside a message are counted
    in ``stray``; a message longer than ``limit`` is dropped (it cannot be one of ours)."""

    def __init__(self, limit: int = 4096):
        self.limit = limit
        self.buf = bytearray()
        self.inside = False
        self.stray = 0
        self.overlong = 0

    def reset(self) -> None:
        self.buf.clear()
        self.inside = False

    def feed(self, data: bytes) -> list[Frame]:
        out: list[Frame] = []
        i, n = 0, len(data)
        while i < n:
            if not self.inside:
                j = data.find(b"\xf0", i)
                if j < 0:
                    self.stray += n - i
                    break
                self.stray += j - i
                self.inside = True
                self.buf = bytearray(b"\xf0")
                i = j + 1
                continue
            m = _STATUS.search(data, i)
            stop = n if m is None else m.start()
            self.buf += data[i:stop]
            if len(self.buf) > self.limit:
                self.overlong += 1
                self.reset()
                i = stop
                continue
            if m is None:
                break
            status = data[stop]
            self.inside = False
            if status == 0xF7:
                self.buf.append(0xF7)
                out.append(Frame(bytes(self.buf)))
                i = stop + 1
            else:  # F0 starts the next message at once; any other status byte is consumed
                out.append(Frame(bytes(self.buf), False, status))
                i = stop if status == 0xF0 else stop + 1
            self.buf = bytearray()
        return out


# --- what is asked and how the answer must look ---------------------------------------------------


@dataclass(frozen=True)
class Ask:
    """One request and the answer it calls for, read from the request's own bytes."""

    request: bytes
    reply: Kind
    bank: int | None  # the B the answer must carry; None: whichever bank is selected (C = 0)
    program: int | None
    control: int  # C of the request; the answer is filed with it
    label: str

    @property
    def reply_size(self) -> int:
        return HEADER_LEN + self.reply.data_size + 1


def ask_for(request: bytes) -> Ask:
    parsed = parse(request)
    if parsed is None or not parsed.complete or not parsed.header.kind.request_for:
        raise DeviceError(f"{DEVICE_ID}: {request.hex(' ')} is not a K-Station family request")
    h = parsed.header
    addressed = h.kind.addressed
    return Ask(
        request, KIND_BY_NAME[h.kind.request_for],
        bank=h.bank if addressed and h.control == 1 else None,
        program=h.program if addressed else None, control=h.control,
        label=slot_label(h.kind.name, h.bank, h.program, h.control),
    )


def check_answer(ask: Ask, model: Model, data: bytes) -> tuple[Dump | None, str]:
    """The dump when ``data`` is exactly the answer asked for, else None and why not."""
    dump = identify(Message(data))
    if dump is None:
        return None, f"a message that is not a K-Station family one ({data[:8].hex(' ').upper()} …)"
    if dump.model != model.name:
        article = "an" if dump.model[0] in "AEIOU" else "a"
        return None, f"a message from {article} {dump.model}, not the {model.name} asked"
    if dump.kind != ask.reply.name:
        return None, f"a {dump.kind} message instead of a {ask.reply.name}"
    if dump.problems:
        p = dump.problems[0]
        return None, f"a damaged {dump.kind} (byte {p.offset}: {p.text})"
    # What the device transmits as fixed values (7F, and 0 for C, B, P of an unstored kind)
    # is checked too: with no checksum, these are the only bytes a damaged header shows in.
    if data[POS_SYSEX_CHANNEL] != SYSEX_CHANNEL_ALL:
        return None, (f"a {dump.kind} with SysEx channel byte {data[POS_SYSEX_CHANNEL]:02X} "
                      "(the device transmits 7F)")
    if not ask.reply.addressed and any(data[POS_CONTROL:POS_VV] + data[POS_BANK:HEADER_LEN]):
        return None, f"a {dump.kind} with C, B or P not 0 (the device transmits 0)"
    if ask.program is not None and dump.program != ask.program or (
            ask.bank is not None and dump.bank != ask.bank):
        return None, f"the {dump.slot} instead of the {ask.label}"
    return dump, ""


def filed(ask: Ask, data: bytes) -> bytes:
    """The answer as written to a file: C set to the request's C for stored kinds."""
    if ask.reply.addressed and data[POS_CONTROL] != ask.control:
        return data[:POS_CONTROL] + bytes([ask.control]) + data[POS_CONTROL + 1:]
    return data


@dataclass
class Group:
    """Consecutive answers written together as one file (one bank, the global block …)."""

    name: str
    count: int
    parts: list[bytes] = field(default_factory=list)
    changed_c: int = 0  # answers that came with another C than the request's
    control: int = 0


# --- fetching: requests, bank, backup ------------------------------------------------------------


class Fetch(Peer):
    """Sends each request once the previous answer is in, checks every answer with the driver's
    identify(), and returns the answers as files (one per group).

    ``pause`` > 0 waits that long after each answer before the next request (the fixed-pause
    variant); ``verify`` reads each object until two reads agree."""

    device = DEVICE_ID

    def __init__(self, model: Model | str, asks: list[Ask], groups: list[tuple[str, int]], *,
                 timeout: float = DEFAULT_TIMEOUT, retries: int = DEFAULT_RETRIES,
                 pause: float = 0.0, verify: bool = False):
        super().__init__()
        if sum(n for _, n in groups) != len(asks) or not asks:
            raise DeviceError(f"{DEVICE_ID}: internal: groups do not cover the requests")
        if timeout <= 0:
            raise DeviceError(f"{DEVICE_ID}: time-out must be more than 0 seconds; got {timeout}")
        self.model = model_of(model)
        self.asks = asks
        self.groups = [Group(name, n) for name, n in groups]
        self.timeout, self.retries, self.pause, self.verify = timeout, retries, pause, verify
        self.reader = SysexReader()
        self.index = 0  # the ask under way
        self.tries = 0  # requests sent for the current read
        self.reads: list[bytes] = []  # verify: checked reads of the current object
        self.state = "idle"
        self.heard = False  # any SysEx came back, ever (the K-Station hint needs to know)
        self.retried = 0
        self.ignored: list[str] = []  # messages that came but were not the answer
        self.bytes_total = sum(a.reply_size for a in asks)
        self.bytes_done = 0
        self._group = 0

    # -- sequencing --------------------------------------------------------------------------------
    def on_start(self, now: float) -> None:
        self._ask()

    def _ask(self) -> None:
        ask = self.asks[self.index]
        self.tries += 1
        self.state = "waiting"
        self.reader.reset()
        self.send(ask.request)
        self.wait(self.timeout, f"the {ask.reply.name} dump for the {ask.label}",
                  step=f"{ask.label} ({self.index + 1}/{len(self.asks)})")

    def on_bytes(self, data: bytes, now: float) -> None:
        data = strip_realtime(data)
        if not data:
            return  # active sensing says the device lives, not that it answers
        frames = self.reader.feed(data)
        for fr in frames:
            if self.done:
                return
            self._frame(fr)
        self.heard = self.heard or bool(frames) or self.reader.inside
        if self.state == "waiting" and not self.done and (frames or self.reader.inside):
            # An answer is coming: the time-out counts from its latest byte. (Notes played on
            # the keyboard meanwhile are no sign of an answer and extend nothing.)
            self.wait(self.timeout, self._waiting_for)

    def _frame(self, fr: Frame) -> None:
        if not fr.complete:
            self._ignore(f"a message cut short by status byte {fr.ended_by:02X} after "
                         f"{len(fr.data)} bytes")
            return
        if self.state != "waiting":
            self._ignore(f"an unasked message of {len(fr.data)} bytes")
            return
        ask = self.asks[self.index]
        dump, why = check_answer(ask, self.model, fr.data)
        if dump is None:
            self._ignore(why)
            return
        if self.verify:
            agreed = fr.data in self.reads
            self.reads.append(fr.data)
            if not agreed:
                if len(self.reads) >= VERIFY_READS:
                    self.fail(f"two equal reads of the {ask.label}",
                              reason=f"{len(self.reads)} reads all differ (damaged on the cable, "
                                     "or the sound was being edited)")
                else:
                    self.tries = 0
                    self._ask()
                return
        self._accept(ask, fr.data)

    def _ignore(self, why: str) -> None:
        self.ignored.append(why)

    def _accept(self, ask: Ask, data: bytes) -> None:
        group = self.groups[self._group]
        out = filed(ask, data)
        group.changed_c += out != data
        group.control = ask.control
        group.parts.append(out)
        self.bytes_done += len(data)
        self.emit(Progress(self.bytes_done, self.bytes_total, self.index + 1, len(self.asks),
                           step=ask.label))
        if len(group.parts) == group.count:
            self.emit(ObjectDone(group.name, b"".join(group.parts)))
            self._group += 1
        self.index += 1
        self.tries = 0
        self.reads = []
        if self.index == len(self.asks):
            self._fetched()
        elif self.pause > 0:
            self.state = "pausing"
            self.wake_at(self.now + self.pause)
        else:
            self._ask()

    def on_timeout(self, now: float) -> None:
        if self.state == "pausing":
            self._ask()
            return
        if self.tries <= self.retries:
            self.retried += 1
            self._ask()
            return
        ask = self.asks[self.index]
        reason = f"timed out ({self.tries} request(s) sent, {self.timeout:g} s each)"
        if self.ignored:
            reason += f"; {len(self.ignored)} other message(s) came, the last: {self.ignored[-1]}"
        if (self.model.name == "K-Station" and not self.heard
                and ask.reply.name != "current-sound"):
            reason += ("; the K-Station manual documents only the current-sound request: if "
                       "this one is ignored, start an all-banks dump from the panel and record "
                       "it with `syxkit receive`")
        self.fail(self._waiting_for, reason=reason)

    # -- results ---------------------------------------------------------------------------------
    def outputs(self) -> list[Output]:
        out = []
        for g in self.groups:
            notes = []
            if g.changed_c:
                meaning = "1: store to bank B" if g.control else "0: the selected bank"
                notes.append(f"{g.changed_c} message(s) came with another control byte; filed "
                             f"with the request's C = {meaning}")
            out.append(Output(g.name, b"".join(g.parts), notes))
        return out

    def _fetched(self) -> None:
        self.finish(self.outputs())


# --- sending -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outgoing:
    data: bytes
    dump: Dump


def read_sendable(data: bytes, model: Model | None) -> list[Outgoing]:
    """The dumps of a file to send, or DeviceError naming the offset of what cannot go."""
    framed = frame(data)
    for p in framed.stray:
        if data[p.offset] < 0xF8:
            raise DeviceError(f"{DEVICE_ID}: {p}")
    out = []
    for msg in framed.messages:
        dump = identify(msg)
        where = f"message at offset {msg.offset}"
        if dump is None:
            raise DeviceError(f"{DEVICE_ID}: {where} is not a K-Station family message "
                              f"({msg.data[:8].hex(' ').upper()} …)")
        kind = KIND_BY_NAME.get(dump.kind)
        if kind is None or kind.request_for:
            raise DeviceError(f"{DEVICE_ID}: {where} is a {dump.kind}, not a dump; send takes "
                              "current-sound, program, pair and global dumps")
        problems = list(msg.problems) + dump.problems
        if problems:
            raise DeviceError(f"{DEVICE_ID}: {where} ({dump.kind}) cannot be sent: {problems[0]}")
        out.append(Outgoing(msg.data, dump))
    if not out:
        raise DeviceError(f"{DEVICE_ID}: nothing to send (no K-Station family dump found)")
    models = sorted({o.dump.model for o in out})
    if len(models) > 1:
        raise DeviceError(f"{DEVICE_ID}: the file mixes {' and '.join(models)} dumps; each device "
                          "listens to its own device type only: convert --model first")
    if model is not None and models[0] != model.name:
        raise DeviceError(f"{DEVICE_ID}: the file holds {models[0]} dumps; a {model.name} ignores "
                          f"them: convert --model {model.name!r} first")
    to_selected = [o for o in out if o.dump.kind in ("program", "program-pair")
                   and o.dump.details.get("control") == 0]
    banks = sorted({o.dump.bank for o in to_selected})
    if len(banks) > 1:
        raise DeviceError(f"{DEVICE_ID}: the file holds programs of banks "
                          f"{', '.join(map(str, banks))} sent with C = 0, which stores them all in "
                          "the selected bank, one over the other; convert --store-to-bank (C = 1) "
                          "to keep each in its bank")
    return out


class Send(Fetch):
    """Sends dumps with ``gap`` seconds of silence after each message's wire time; the device
    answers nothing, so pacing is the only protection. With ``verify`` everything stored is
    then requested back and compared."""

    def __init__(self, data: bytes, model: Model | str | None = None, *,
                 gap: float = DEFAULT_SEND_GAP, verify: bool = False,
                 timeout: float = DEFAULT_TIMEOUT, retries: int = DEFAULT_RETRIES,
                 rate: float = WIRE_BYTES_PER_SECOND):
        chosen = model_of(model) if model is not None else None
        self.outgoing = read_sendable(data, chosen)
        the_model = chosen or model_of(self.outgoing[0].dump.model)
        if gap < 0:
            raise DeviceError(f"{DEVICE_ID}: the gap between messages must be 0 or more; got {gap}")
        self.expected = _read_back_plan(self.outgoing)
        asks = [ask_for(req) for req, _ in self.expected]
        super().__init__(the_model, asks, [("read-back", len(asks))], timeout=timeout,
                         retries=retries)
        self.gap, self.rate, self.verify_after = gap, rate, verify
        self.stored: list[str] = []
        self.sent_count = 0
        self.send_bytes = sum(len(o.data) for o in self.outgoing)
        self.sent_bytes = 0
        self.started = 0.0
        self.state = "sending"

    def on_start(self, now: float) -> None:
        self.started = now
        self._send_next()

    def _send_next(self) -> None:
        msg = self.outgoing[self.sent_count]
        self.send(msg.data)
        self.sent_count += 1
        self.sent_bytes += len(msg.data)
        self.emit(Progress(self.sent_bytes, self.send_bytes, self.sent_count, len(self.outgoing),
                           step=f"sending {msg.dump.slot}"))
        self.step_name = f"sending {msg.dump.slot} ({self.sent_count}/{len(self.outgoing)})"
        # The next message starts when this one has crossed a MIDI cable, plus the gap; the
        # last one is followed by the gap too, so the device has stored it when we report.
        self.wake_at(self.now + len(msg.data) / self.rate + self.gap)

    def on_bytes(self, data: bytes, now: float) -> None:
        if self.state == "sending":
            return  # kept in self.received; the device has nothing to say to a dump
        super().on_bytes(data, now)

    def on_timeout(self, now: float) -> None:
        if self.state != "sending":
            super().on_timeout(now)
        elif self.sent_count < len(self.outgoing):
            self._send_next()
        elif self.verify_after and self.expected:
            self.state = "idle"
            self._ask()
        else:
            self.finish(self.summary(now))

    def _fetched(self) -> None:
        self.stored = []
        for (_, expect), got, ask in zip(self.expected, self.groups[0].parts, self.asks,
                                         strict=True):
            block, slot = expect
            data = got[HEADER_LEN:-1]
            if data != block:
                at = next(i for i, (a, b) in enumerate(zip(data, block, strict=True)) if a != b)
                self.fail(f"the {slot} as sent", reason=f"read back differs at data byte {at}: "
                          "the device did not store what was sent")
                return
            self.stored.append(_verified_place(ask, got))
        self.finish(self.summary(self.now, verified=True))

    def summary(self, now: float, verified: bool = False) -> dict:
        kinds: dict[str, int] = {}
        for o in self.outgoing:
            kinds[o.dump.kind] = kinds.get(o.dump.kind, 0) + 1
        # Banks really written to: B only where C = 1 (C = 0 goes to the selected bank).
        banks = sorted({o.dump.bank for o in self.outgoing if o.dump.bank is not None
                        and o.dump.details.get("control") == 1})
        out = {"model": self.model.name, "messages": len(self.outgoing), "bytes": self.send_bytes,
               "kinds": kinds, "banks": banks, "gap_ms": round(self.gap * 1000, 3),
               "seconds": round(now - self.started, 3), "acknowledged": False,
               "verified": verified,
               # where each message goes, read from its own bytes (M, C, B, P)
               "stored": [o.dump.store for o in self.outgoing if o.dump.store]}
        if verified:
            out["read_back"] = list(self.stored)
        return out


def _verified_place(ask: Ask, answer: bytes) -> str:
    """Where a read-back came from: the place the sent bytes chose (C = 1: bank B), or, for
    C = 0, the selected bank as the device's answer names it in B."""
    got = identify(Message(answer))
    where = got.slot if got is not None and got.slot else ask.label
    if ask.reply.addressed and ask.bank is None:
        return f"{where} (C = 0: the bank selected on the device, bank {answer[POS_BANK]} by its answer)"
    return where


def _read_back_plan(outgoing: list[Outgoing]) -> list[tuple[bytes, tuple[bytes, str]]]:
    """For verify: the request that reads back each stored object and the data expected (the
    last one sent to each place wins, as on the device)."""
    plan: dict[tuple, tuple[bytes, tuple[bytes, str]]] = {}
    for o in outgoing:
        d = o.dump
        h = parse(o.data).header
        block = o.data[HEADER_LEN:-1]
        # Read back from where the bytes sent store, never from a command's intent: C = 1 in
        # bank B; C = 0 in the selected bank, which a C = 0 request reads (its answer's B
        # names that bank, reported in the summary).
        bank = d.bank if h.control == 1 else None
        if d.kind == "current-sound":
            req = request_current(h.model)
        elif d.kind == "global":
            req = request_global(h.model)
        elif d.kind == "program":
            req = request_program(h.model, d.program, bank)
        else:
            req = request_pair(h.model, d.program, bank)
        key = (d.kind, bank, d.program)
        plan.pop(key, None)
        plan[key] = (req, (block, d.slot or d.kind))
    return list(plan.values())


# --- the device hooks ----------------------------------------------------------------------------

WHAT_FORMS = "current, program:B:P, program:P, pair:B:P, pair:P, global, bank:B"


def _number(text: str, what: str) -> int:
    try:
        return int(text, 0)
    except ValueError:
        raise OptionError(f"{DEVICE_ID}: {what} {text!r} is not a number") from None


def _settings(options: Options) -> dict:
    timeout = options.get("timeout")
    form = options.get("form")
    if form not in (None, "faithful", "embedded", "paced", "fixed_pause", "fixed-pause"):
        raise OptionError(f"{DEVICE_ID}: form {form!r}: expected faithful, embedded, paced (all "
                          "the same here: no handshake) or fixed_pause")
    return {"timeout": DEFAULT_TIMEOUT if timeout is None else float(timeout),
            "verify": bool(options.get("verify")),
            "pause": FIXED_PAUSE if form in ("fixed_pause", "fixed-pause") else 0.0}


def _channel(options: Options) -> int:
    ch = options.get("channel")
    return SYSEX_CHANNEL_ALL if ch is None else int(ch) - 1


def _slug(model: Model) -> str:
    return model.name.lower().replace(" ", "-")


def plan_request(what: str, model: Model, sysex_channel: int = SYSEX_CHANNEL_ALL
                 ) -> tuple[list[bytes], list[tuple[str, int]]]:
    """Requests and file names for WHAT (see ``WHAT_FORMS``)."""
    word, *args = what.strip().lower().split(":")
    slug = _slug(model)
    nums = [_number(a, word) for a in args]
    if word in ("current", "global") and not nums:
        build = request_current if word == "current" else request_global
        return [build(model, sysex_channel=sysex_channel)], [(f"{slug}-{word}.syx", 1)]
    if word in ("program", "pair") and len(nums) in (1, 2):
        bank, program = (None, nums[0]) if len(nums) == 1 else nums
        build = request_program if word == "program" else request_pair
        try:
            req = build(model, program, bank, sysex_channel=sysex_channel)
        except DeviceError as exc:  # a bank or program the model has not got
            raise OptionError(f"{DEVICE_ID}: {what!r}: {exc}") from None
        where = f"b{bank}" if bank is not None else "selected-bank"
        span = f"p{program:02d}" + (f"-{program + 1:02d}" if word == "pair" else "")
        return [req], [(f"{slug}-{where}-{span}.syx", 1)]
    if word == "bank" and len(nums) == 1:
        try:
            reqs = bank_requests(model, nums[0], sysex_channel=sysex_channel)
        except DeviceError as exc:
            raise OptionError(f"{DEVICE_ID}: {what!r}: {exc}") from None
        return reqs, [(f"{slug}-bank{nums[0]}.syx", len(reqs))]
    raise OptionError(f"{DEVICE_ID}: cannot request {what!r}; expected one of {WHAT_FORMS} "
                      "(B: bank, P: program; without B the selected bank answers)")


def request_protocol(what: str, options: Options) -> Fetch:
    model = model_of(options.get("model") or MODELS[0].name)
    requests, groups = plan_request(what, model, _channel(options))
    return Fetch(model, [ask_for(r) for r in requests], groups, **_settings(options))


def backup_plan(model: Model, banks: list[int] | None = None,
                sysex_channel: int = SYSEX_CHANNEL_ALL) -> tuple[list[bytes], list[tuple[str, int]]]:
    """Every bank's pair requests (C = 1), one file per bank, then the global block."""
    slug = _slug(model)
    requests: list[bytes] = []
    groups: list[tuple[str, int]] = []
    for bank in banks or sorted(model.banks):
        reqs = bank_requests(model, bank, sysex_channel=sysex_channel)
        requests += reqs
        groups.append((f"{slug}-bank{bank}.syx", len(reqs)))
    requests.append(request_global(model, sysex_channel=sysex_channel))
    groups.append((f"{slug}-global.syx", 1))
    return requests, groups


def backup_protocol(options: Options) -> Fetch:
    """Every bank the model has (4 on a K-Station or A-Station, 8 on the KS series) as 50 (or
    25) pair requests each, then the global request."""
    model = model_of(options.get("model") or MODELS[0].name)
    bank = options.get("bank")
    requests, groups = backup_plan(model, [bank] if bank is not None else None, _channel(options))
    return Fetch(model, [ask_for(r) for r in requests], groups, **_settings(options))


def fixed_pause_backup(model: Model | str = "K-Station", pause: float = FIXED_PAUSE,
                       timeout: float = DEFAULT_TIMEOUT) -> Fetch:
    """The backup as other editors run it: a fixed pause after each answer (benchmarks)."""
    m = model_of(model)
    requests, groups = backup_plan(m)
    return Fetch(m, [ask_for(r) for r in requests], groups, timeout=timeout, pause=pause)


def send_protocol(data: bytes, options: Options) -> Send:
    model = options.get("model")
    gap = options.get("packet_gap")
    settings = _settings(options)
    return Send(data, model, gap=DEFAULT_SEND_GAP if gap is None else float(gap),
                verify=settings["verify"], timeout=settings["timeout"])

