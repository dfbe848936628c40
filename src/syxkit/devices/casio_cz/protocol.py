"""Host protocols for the CZ handshake (sans-I/O peers, see :mod:`syxkit.protocols.base`).

Fetching an object (tone ``10``, CZ-1 tone with name ``11``, CZ-1 operation memory ``12``):

* faithful: ``F0 44 00 00 7n 10 pp`` (our SysEx stays open) -> the CZ answers ``F0 44 00 00 7n
  30`` -> we send ``7n 31`` at once -> the CZ sends the nibbles and ``F7`` -> we close our own
  SysEx with ``F7`` (sent together with the next request in a backup). Needs a link that carries
  SysEx in pieces.
* embedded: ``F0 44 00 00 7n 10 pp 7n 31 F7`` in one message, then the same answer. For links
  that only carry whole messages (what most editors do).

Sending an object (``20`` / ``21`` / ``22``):

* faithful: ``F0 44 00 00 7n 20 pp`` -> wait for the CZ's ``…7n 30`` -> nibbles + ``F7`` -> wait
  for the CZ's own ``F7`` (it sends it when it has all nibbles, then writes the tone).
* paced ("defeated"): the whole 264-byte message, then a gap; the CZ's ``…30``/``F7`` chatter is
  not waited for, only counted at the end: when answers were heard, every object must have one.

Every fetched object is checked with the driver's ``identify`` before it counts, and saved in the
receive form ``…7n 2x pp`` (a fetched ``…7n 30`` message carries no address and a CZ will not
take it back, the seed-000 complaint). There is no checksum: a damaged byte is caught when it is
no nibble any more (line noise flips high bits), a nibble damaged into another nibble cannot be.

The backup runs one object after the other in one peer, without idle time: at 3,125 bytes/s a
CZ-101 tone costs 273 bytes of wire time (10 ours, 263 the CZ's) against the 263-byte floor.
``fixed_pause_backup`` is what other editors do (embedded request, fixed 200 ms pause after each
tone), kept for the benchmark's comparison.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from syxkit.core.codecs import decode_name, first_non_nibble
from syxkit.core.framing import frame_messages
from syxkit.core.message import Message
from syxkit.core.numbers import parse_int
from syxkit.devices.base import DeviceError, OptionError, Options, Output
from syxkit.devices.casio_cz import messages, operations
from syxkit.devices.casio_cz.identify import DEVICE_ID, identify
from syxkit.devices.casio_cz.slots import (
    LAYOUTS,
    MODELS,
    parse_model,
    readings,
    slot_label,
    slot_stem,
)
from syxkit.devices.casio_cz.table import (
    COMMANDS,
    EDIT_BUFFER,
    EOX,
    NAMED_TONE,
    OPMEM,
    REPLY,
    TONE,
    Command,
)
from syxkit.protocols.base import (
    WIRE_BYTES_PER_SECOND,
    ObjectDone,
    Peer,
    Progress,
    strip_realtime,
)

DEFAULT_TIMEOUT = 1.0  # a CZ answers within milliseconds; this covers USB interfaces' latency
PACED_GAP = 0.1  # blind send: pause after each message has crossed the cable (see send_protocol)
ANSWER_SETTLE = 0.05  # paced send: listen this long after the last message for its answer
FIXED_PAUSE = 0.2  # what other editors wait after each tone (fixed_pause_backup only)
MAX_READS = 4  # reread: give up when this many reads of one object never agreed twice running
FORMS = ("faithful", "embedded", "paced")

# The objects, by the names the protocol layer uses (messages.REQUESTABLE / RECEIVABLE keys).
OBJECTS: dict[str, Command] = {"tone": TONE, "named-tone": NAMED_TONE, "operation-memory": OPMEM}
WHAT_WORDS = {"tone": "tone", "named-tone": "named-tone", "opmem": "operation-memory",
              "op-mem": "operation-memory", "operation-memory": "operation-memory"}
WHAT_FORMS = ("internal:N, preset:N, cartridge:N (as the panel counts: internal:3 on a CZ-101, "
              "internal:B2 on a CZ-3000/5000, internal:H8 on a CZ-1), edit-buffer, "
              "named-tone:A1 (CZ-1), opmem:N (CZ-1, 1-64), or a wire address tone:0x20")
_AREA_WORDS = {"internal": ("internal", "", "slot"), "preset": ("preset",),
               "cartridge": ("cartridge",)}

# Backup sets: the user's own memory by default; ROM presets and the cartridge on request.
AREAS = ("internal", "presets", "cartridge", "edit-buffer", "tones", "opmems")


@dataclass
class Job:
    """One object to move: fetched from the CZ, sent to it, or a control message sent plainly."""

    action: str  # "fetch" | "send" | "control"
    obj: str  # tone | named-tone | operation-memory ("" for control messages)
    program: int | None
    channel: int
    label: str  # for steps and errors, e.g. "tone 0x20 (Internal 1)"
    name: str = ""  # file name of the fetched object
    message: bytes = b""  # send/control: the complete message
    model: str | None = None

    @property
    def command(self) -> Command:
        return OBJECTS[self.obj]

    @property
    def nibbles(self) -> int:
        return 2 * self.command.data_bytes

    @property
    def answer_size(self) -> int:
        """What the CZ sends for a fetch: ``F0 44 00 00 7n 30``, the nibbles, ``F7``."""
        return 6 + self.nibbles + 1


def _wire(n: int) -> float:
    return n / WIRE_BYTES_PER_SECOND


# ---------------------------------------------------------------------------------------------
# The peer


class CZSession(Peer):
    """Runs jobs one after the other. ``result``: a list of Output for fetches; for sends a
    summary dict (see :class:`CZSend`)."""

    device = DEVICE_ID

    def __init__(self, jobs: list[Job], *, form: str = "faithful",
                 timeout: float = DEFAULT_TIMEOUT, gap: float = PACED_GAP, pause: float = 0.0,
                 reread: bool = False):
        super().__init__()
        if form not in FORMS:
            raise DeviceError(f"{DEVICE_ID}: form {form!r}: expected one of {', '.join(FORMS)}")
        if timeout <= 0:
            raise DeviceError(f"{DEVICE_ID}: the time-out must be more than 0 seconds")
        if gap < 0 or pause < 0:
            raise DeviceError(f"{DEVICE_ID}: pauses cannot be negative")
        if not jobs:
            raise DeviceError(f"{DEVICE_ID}: nothing to transfer")
        self.jobs = list(jobs)
        self.form, self.timeout, self.gap, self.pause = form, timeout, gap, pause
        self.index = -1
        self.state = "start"
        self.buf = bytearray()  # bytes for the current job, real-time bytes removed
        self.nibbles = bytearray()
        self.outputs: list[Output] = []
        self.fetched: dict[tuple[str, int], bytes] = {}  # (obj, pp) -> payload
        self.notes: list[str] = []
        self.ignored = 0  # non-SysEx bytes (notes played on the CZ …) before an answer
        self.bytes_done = 0
        self.bytes_total = sum(self._job_bytes(j) for j in self.jobs)
        self.open_sysex = False  # our faithful request is still open (needs an F7)
        # ``reread``: the CZ sends no checksum, so a nibble damaged into another nibble is
        # invisible in one read. Each object is fetched until two reads in a row agree.
        self.reread = reread
        self.previous_read: bytes | None = None
        self.reads = 0
        self.repeat = False
        if reread:
            self.bytes_total *= 2

    # -- plumbing ----------------------------------------------------------------------------
    @property
    def job(self) -> Job:
        return self.jobs[self.index]

    def _job_bytes(self, job: Job) -> int:
        return job.answer_size if job.action == "fetch" else len(job.message)

    def _objects(self) -> int:
        return sum(1 for j in self.jobs if j.action != "control")

    def _progress(self) -> None:
        done = sum(1 for j in self.jobs[: self.index] if j.action != "control")
        self.emit(Progress(self.bytes_done, self.bytes_total, done, self._objects(),
                           step=self.job.label))

    def _header(self, channel: int) -> bytes:
        return messages.reply_header(channel)

    # -- events ------------------------------------------------------------------------------
    def on_start(self, now: float) -> None:
        self._next(b"")

    def on_bytes(self, data: bytes, now: float) -> None:
        data = strip_realtime(data)
        if not data or self.state in ("gap", "pause"):
            return  # chatter during a pause is kept in self.received (counted for paced sends)
        self.buf += data
        while self.buf and not self.done and self.state in ("answer", "data", "announce", "stored"):
            before = (self.state, len(self.buf))
            if self.state in ("answer", "announce"):
                self._on_answer()
            elif self.state == "data":
                self._on_data()
            else:
                self._on_stored()
            if (self.state, len(self.buf)) == before:
                break

    def on_timeout(self, now: float) -> None:
        if self.state in ("gap", "pause"):
            self._next(b"")
            return
        job = self.job
        if self.state in ("answer", "announce"):
            reason = f"no answer from the CZ within {self.timeout:g} s ({self._hints(job)})"
        elif self.state == "data":
            reason = (f"the CZ stopped after {len(self.nibbles)} of {job.nibbles} nibbles "
                      f"(nothing for {self.timeout:g} s)")
        else:
            reason = (f"the CZ took the data but did not confirm it within {self.timeout:g} s; "
                      "it ends a receive with F7 once it has every nibble")
        self._fail(self._waiting_for, reason)

    def _hints(self, job: Job) -> str:
        hints = [f"check both MIDI cables and that the CZ listens on channel {job.channel}"]
        if job.action == "send":
            hints.append("a CZ does not answer writes to presets")
        if job.program is not None and 0x40 <= job.program <= 0x4F and job.model in (
                None, "CZ-101", "CZ-1000"):
            hints.append("0x40-0x4F need a RAM cartridge in the CZ")
        if job.model in (None, "CZ-1"):
            hints.append("a CZ-1 needs SYSTEM EXCLUSIVE TONE DATA = ENA")
        if self.form == "faithful":
            hints.append("a MIDI interface that holds SysEx back until F7 cannot carry the "
                         "faithful handshake: try --form embedded (fetch) or paced (send)")
        return "; ".join(hints)

    def _fail(self, expected: str, reason: str) -> None:
        if self.open_sysex:  # close our own request so the interface and the CZ are not left open
            self.send(bytes([EOX]))
            self.open_sysex = False
        self.fail(expected, reason)

    # -- job sequencing ----------------------------------------------------------------------
    def _next(self, prefix: bytes) -> None:
        """Start the next job; ``prefix`` goes out first (the F7 closing our last request)."""
        if self.repeat:  # read the same object again (reread)
            self.repeat = False
            self.index -= 1
        self.index += 1
        self.buf.clear()
        self.nibbles.clear()
        if self.index >= len(self.jobs):
            if prefix:
                self.send(prefix)
            self._complete()
            return
        job = self.job
        if job.action == "fetch":
            self._start_fetch(job, prefix)
        elif job.action == "send":
            self._start_send(job, prefix)
        else:
            self.send(prefix + job.message)
            self.bytes_done += len(job.message)
            self._progress()
            # A control message needs no answer; only the paced form keeps its rhythm.
            if self.form == "paced":
                self.state = "gap"
                self.wake_at(self.now + _wire(len(job.message)))
            else:
                self._next(b"")

    def _after_object(self, prefix: bytes = b"") -> None:
        if self.pause and self.index + 1 < len(self.jobs):
            if prefix:
                self.send(prefix)
            self.state = "pause"
            self.wake_at(self.now + self.pause)
        else:
            self._next(prefix)

    def _complete(self) -> None:
        if self.outputs:  # what the user should hear about goes with the first file
            self.outputs[0].notes.extend(self.notes)
        self.state = "done"
        self.finish(self.outputs)

    # -- fetching ----------------------------------------------------------------------------
    def _start_fetch(self, job: Job, prefix: bytes) -> None:
        embedded = self.form != "faithful"
        request = messages.send_request(job.program, job.channel, job.obj, embedded=embedded)
        self.send(prefix + request)
        self.open_sysex = not embedded
        self.state = "answer"
        self.wait(self.timeout, f"the CZ's answer {self._header(job.channel).hex(' ').upper()}",
                  step=f"{job.label}: request")

    def _on_answer(self) -> None:
        job = self.job
        expected = self._header(job.channel)
        start = self.buf.find(0xF0)
        if start < 0:  # MIDI the CZ sends between messages (keys played …): not ours
            self.ignored += len(self.buf)
            self.buf.clear()
            return
        if start:
            self.ignored += start
            del self.buf[:start]
        n = min(len(self.buf), len(expected))
        if self.buf[:n] != expected[:n]:
            got = bytes(self.buf[: len(expected)])
            reason = f"the CZ answered {got.hex(' ').upper()}"
            if n >= 5 and got[:4] == expected[:4] and got[4] & 0xF0 == 0x70 and got[4] != expected[4]:
                reason += f" on channel {(got[4] & 0x0F) + 1} instead of {job.channel}"
            self._fail(expected.hex(" ").upper(), reason + " (a damaged or unexpected answer)")
            return
        if n < len(expected):
            return
        del self.buf[: len(expected)]
        if self.state == "announce":
            self._send_data(job)
            return
        if self.form == "faithful":
            self.send(messages.go_ahead(job.channel))  # the moment the header is complete
        self.bytes_done += len(expected)
        self.state = "data"
        self.wait(self.timeout, f"{job.nibbles} nibbles and F7", step=f"{job.label}: data")

    def _on_data(self) -> None:
        job = self.job
        room = job.nibbles - len(self.nibbles)
        chunk = bytes(self.buf[:room])
        bad = first_non_nibble(chunk)
        if bad >= 0:
            pos = len(self.nibbles) + bad
            self._fail(f"{job.nibbles} nibbles (00-0F) and F7",
                       f"byte {chunk[bad]:02X} at nibble {pos} of the {job.command.what} data is "
                       "no nibble (damaged on the way)")
            return
        self.nibbles += chunk
        del self.buf[: len(chunk)]
        self.bytes_done += len(chunk)
        if len(self.nibbles) < job.nibbles or not self.buf:
            self._progress()
            self.wait(self.timeout, f"{job.nibbles - len(self.nibbles)} more nibble(s) and F7")
            return
        end = self.buf[0]
        if end != EOX:
            self._fail("F7", f"byte {end:02X} after the {job.nibbles} nibbles instead of F7 (the "
                             "data is longer than expected or damaged)")
            return
        del self.buf[:1]
        self.bytes_done += 1
        fetched = self._header(job.channel) + bytes(self.nibbles) + bytes([EOX])
        dump = identify(Message(fetched, source=job.label))
        if (dump is None or dump.problems or dump.payload is None
                or len(dump.payload) != job.command.data_bytes):
            why = "; ".join(str(p) for p in dump.problems) if dump else "not a CZ message"
            self._fail(f"a valid {job.command.what}", f"the data is not one ({why})")
            return
        self._store(job, dump.payload)
        if self.done:  # rereads that never agreed
            return
        close = bytes([EOX]) if self.open_sysex else b""
        self.open_sysex = False
        self._after_object(close)

    def _store(self, job: Job, payload: bytes) -> None:
        if self.reread and not self._reads_agree(job, payload):
            return
        self.fetched[(job.obj, job.program)] = payload
        data = messages.object_message(payload, job.channel, job.program)
        name = object_file_name(job.obj, job.program, job.model, payload)
        out = Output(name, data, [f"fetched as {job.label}; saved in the receive form "
                                  f"({data[5]:02X} {job.program:02X}) so a CZ takes it back"])
        self.outputs.append(out)
        self.emit(ObjectDone(name, data))
        self._progress()

    def _reads_agree(self, job: Job, payload: bytes) -> bool:
        """True when this read equals the one before; otherwise the job is read again (at
        most MAX_READS times)."""
        self.reads += 1
        if self.previous_read == payload:
            self.previous_read, self.reads = None, 0
            return True
        if self.reads >= MAX_READS:
            self.step_name = f"{job.label} read again"
            self.fail(f"two reads of {job.label} that agree",
                      f"{self.reads} reads all differed: the cable or interface damages data")
            return False
        if self.previous_read is not None:
            self.notes.append(f"{job.label}: two reads differed; read again")
            self.bytes_total += self._job_bytes(job)
        self.previous_read = payload
        self.repeat = True
        return False

    # -- sending -----------------------------------------------------------------------------
    def _start_send(self, job: Job, prefix: bytes) -> None:
        if self.form == "paced":
            self.send(prefix + job.message)
            self.bytes_done += len(job.message)
            self._progress()
            self.state = "gap"
            last = all(j.action != "send" for j in self.jobs[self.index + 1:])
            # After the last one, listen long enough for its F7 (counted as the CZ's answer).
            gap = max(self.gap, ANSWER_SETTLE) if last else self.gap
            self.wake_at(self.now + _wire(len(job.message)) + gap)
            return
        announce = job.message[:7]
        self.send(prefix + announce)
        self.state = "announce"
        self.wait(self.timeout, f"the CZ's answer {self._header(job.channel).hex(' ').upper()} "
                                "(ready to receive)", step=f"{job.label}: announce")

    def _send_data(self, job: Job) -> None:
        block = job.message[7:]
        self.send(block)
        self.bytes_done += len(job.message)
        self._progress()
        self.state = "stored"
        # The F7 can only come once our block has crossed the cable.
        self.wait(_wire(len(block)) + self.timeout, "the CZ's F7 (all nibbles received)",
                  step=f"{job.label}: data")

    def _on_stored(self) -> None:
        byte = self.buf[0]
        del self.buf[:1]
        if byte != EOX:
            self._fail("the CZ's F7", f"the CZ sent {byte:02X} instead of F7 after our data")
            return
        self._after_object()


# ---------------------------------------------------------------------------------------------
# Sending


class CZSend(CZSession):
    """Sends objects (and control messages); with ``verify`` reads every object back afterwards
    and compares (memory protect makes a CZ ignore writes without saying so). Result: a summary
    dict."""

    def __init__(self, jobs: list[Job], *, verify: bool = False, notes: Iterable[str] = (),
                 **kw: Any):
        self.verify = verify
        self.sent_jobs = [j for j in jobs if j.action == "send"]
        self.read_form = "faithful" if kw.get("form", "faithful") == "faithful" else "embedded"
        self.answers_end: int | None = None  # where the send's answers end in self.received
        # Read back from where the bytes sent put each object (their pp and channel), never
        # from what the command meant; when several went to one place (e.g. all to the edit
        # buffer 0x60) only the last one is still there to compare.
        last: dict[tuple, Job] = {}
        for j in self.sent_jobs:
            last[(j.obj, j.program, j.channel)] = j
        self.verify_jobs = list(last.values())
        overwritten = len(self.sent_jobs) - len(self.verify_jobs)
        if verify:
            jobs = jobs + [Job("fetch", j.obj, j.program, j.channel, f"{j.label} read back",
                               model=j.model) for j in self.verify_jobs]
        super().__init__(jobs, **kw)
        self.notes.extend(notes)
        if overwritten:
            self.notes.append(f"{overwritten} object(s) went to a place a later one overwrote "
                              "(same pp and channel): only the last is there to read back")
        self.send_form = self.form

    def _start_fetch(self, job: Job, prefix: bytes) -> None:
        if self.answers_end is None:
            self.answers_end = len(self.received)
        self.form = self.read_form  # a paced send reads back with the embedded request
        super()._start_fetch(job, prefix)

    def _store(self, job: Job, payload: bytes) -> None:
        self.fetched[(job.obj, job.program)] = payload
        self._progress()

    def _complete(self) -> None:
        summary: dict[str, Any] = {
            "objects": len(self.sent_jobs),
            "controls": sum(1 for j in self.jobs if j.action == "control"),
            "form": self.send_form,
            "slots": [f"0x{j.program:02X}" for j in self.sent_jobs],
        }
        if self.send_form == "paced":
            heard, acks = paced_answers(bytes(self.received[: self.answers_end]))
            summary["acknowledged"] = acks
            summary["confirmed"] = heard and acks >= len(self.sent_jobs)
            if not heard:
                self.notes.append("no answers heard from the CZ (no MIDI input?): the paced send "
                                  "is unconfirmed")
            elif acks < len(self.sent_jobs):
                self.step_name = "paced send"
                self.fail(f"an answer (…7n 30 … F7) for each of the {len(self.sent_jobs)} "
                          f"object(s)", f"the CZ confirmed only {acks}: the others may be lost "
                          "or damaged; send again with a longer --packet-gap or the faithful form")
                return
        if self.verify:
            for job in self.verify_jobs:
                sent = _payload_of(job.message)
                back = self.fetched.get((job.obj, job.program))
                if back != sent:
                    self.step_name = f"{job.label} read back"
                    self.fail(f"{job.label} to read back as sent",
                              "the CZ kept other data there: memory protect on? (a CZ ignores "
                              "writes while it is on, even to the edit buffer)")
                    return
            summary["verified"] = True
        summary["notes"] = self.notes
        self.state = "done"
        self.finish(summary)


def _payload_of(message: bytes) -> bytes:
    dump = identify(Message(message))
    assert dump is not None and dump.payload is not None  # built by us from a checked dump
    return dump.payload


def paced_answers(received: bytes) -> tuple[bool, int]:
    """(anything heard, how many ``…7n 30 … F7`` answers) in what a paced send got back: the
    CZ answers each receive with its header and, once it has every nibble, ``F7``."""
    data = strip_realtime(received)
    acks = 0
    pos = 0
    while True:
        start = data.find(b"\xf0\x44\x00\x00", pos)
        if start < 0:
            break
        end = start + 4
        if end + 1 < len(data) and data[end] & 0xF0 == 0x70 and data[end + 1] == REPLY:
            nxt = data.find(b"\xf0", end)
            close = data.find(bytes([EOX]), end)
            if close >= 0 and (nxt < 0 or close < nxt):
                acks += 1
        pos = end
    return bool(data), acks


# ---------------------------------------------------------------------------------------------
# Plans: what to fetch or send


def object_file_name(obj: str, program: int, model: str | None, payload: bytes | None = None) -> str:
    if obj == "operation-memory":
        return f"{program:02x}-opmem.syx"
    stem = slot_stem(program, model)
    if payload is not None and len(payload) == NAMED_TONE.data_bytes:
        name = decode_name(payload[TONE.data_bytes:]).strip().lower()
        slug = "".join(c if c.isalnum() else "-" for c in name).strip("-")
        if slug:
            stem += "-" + slug
    return stem + ".syx"


def _model(options: Options) -> str | None:
    return parse_model(options.get("model"))


def _channel(options: Options) -> int:
    ch = options.get("channel")
    if ch is None:
        return 1
    if isinstance(ch, bool) or not isinstance(ch, int) or not 1 <= ch <= 16:
        raise DeviceError(f"{DEVICE_ID}: MIDI channel {ch!r} is out of range (1-16)")
    return ch


def _timeout(options: Options) -> float:
    t = options.get("timeout")
    return DEFAULT_TIMEOUT if t is None else float(t)


def _form(options: Options) -> str:
    form = options.get("form") or "faithful"
    if form not in FORMS:
        raise DeviceError(f"{DEVICE_ID}: form {form!r}: expected faithful, embedded or paced "
                          "(or fixed_pause for a backup)")
    return form


def fetch_job(obj: str, program: int, channel: int, model: str | None) -> Job:
    """A checked fetch of one object (raises DeviceError for addresses the model lacks)."""
    if not 0 <= program <= 0x7F:
        raise DeviceError(f"{DEVICE_ID}: program {program} is out of range (0x00-0x7F)")
    if obj in ("named-tone", "operation-memory"):
        if model not in (None, "CZ-1"):
            raise DeviceError(f"{DEVICE_ID}: a {OBJECTS[obj].what} exists on the CZ-1 only, "
                              f"not on the {model}")
        model = "CZ-1"
        if obj == "operation-memory" and not 0 <= program <= 0x3F:
            raise DeviceError(f"{DEVICE_ID}: CZ-1 operation memory {program} is out of range "
                              "(0x00-0x3F)")
    if obj != "operation-memory":
        if model is not None and LAYOUTS[model].label(program) is None:
            raise DeviceError(f"{DEVICE_ID}: program 0x{program:02X} is no slot of the {model} "
                              f"({slot_label(program, model)})")
        if model is None and program != EDIT_BUFFER and not readings(program):
            raise DeviceError(f"{DEVICE_ID}: program 0x{program:02X} is no CZ program address")
    return Job("fetch", obj, program, channel, job_label(obj, program, model), model=model)


def job_label(obj: str, program: int, model: str | None) -> str:
    """``tone 0x20 (Internal 1)``, ``tone 0x20 (internal 1 on CZ-101)`` without a model,
    ``CZ-1 operation memory 0x05``."""
    what = OBJECTS[obj].what
    if obj == "operation-memory":
        return f"{what} 0x{program:02X}"
    if model is None:
        return f"{what} {slot_label(program)}"
    return f"{what} 0x{program:02X} ({slot_label(program, model)})"


def _panel_slot(word: str, arg: str, model: str | None) -> int:
    """The pp of a slot named as the panel names it (``internal``, ``3`` or ``B2``)."""
    key = arg.strip().lower()
    layouts = [LAYOUTS[model]] if model else [LAYOUTS["CZ-101"], LAYOUTS["CZ-5000"]]
    for lay in layouts:
        for area in lay.areas:
            if area.kind.lower() not in _AREA_WORDS[word]:
                continue
            for pp in range(area.first, area.first + area.count):
                label = area.label(pp).lower()
                if label.split(" ")[-1] == key:
                    return pp
    where = f"the {model}" if model else "a CZ-101/1000 (1-16) or CZ-3000/5000 (A1-D8)"
    raise OptionError(f"{DEVICE_ID}: {word}:{arg} is no slot of {where}; expected {WHAT_FORMS}")


def parse_what(what: str, model: str | None = None) -> tuple[str, int]:
    """``(object, pp)`` for a WHAT counted as the panel counts (see :data:`REQUEST_NAMES`).
    Bad names and values raise OptionError (a usage error)."""
    word, sep, arg = what.strip().lower().partition(":")
    if word in ("edit-buffer", "edit") and not arg:
        return "tone", EDIT_BUFFER
    if not sep or not arg.strip():
        raise OptionError(f"{DEVICE_ID}: cannot request {what!r}; expected {WHAT_FORMS}")
    if word in _AREA_WORDS:
        return "tone", _panel_slot(word, arg, model)
    if word == "named-tone" and not arg.startswith("0x"):
        return "named-tone", _panel_slot("internal", arg, "CZ-1")
    if word in ("opmem", "op-mem", "operation-memory") and not arg.startswith("0x"):
        try:
            n = int(arg)
        except ValueError:
            n = 0
        if not 1 <= n <= 64:
            raise OptionError(f"{DEVICE_ID}: {what!r}: a CZ-1 operation memory is 1-64")
        return "operation-memory", n - 1
    if word not in WHAT_WORDS:
        raise OptionError(f"{DEVICE_ID}: cannot request {what!r}; expected {WHAT_FORMS}")
    if not arg.strip().startswith("0x"):
        raise OptionError(f"{DEVICE_ID}: {what!r}: {word}:PP takes a wire address in hex "
                          f"({word}:0x20); for the panel's numbers use internal:N, preset:N, "
                          "cartridge:N or edit-buffer")
    try:
        pp = parse_int(arg)
    except ValueError as exc:
        raise OptionError(f"{DEVICE_ID}: {what!r}: {exc}") from None
    if not 0 <= pp <= 0x7F:
        raise OptionError(f"{DEVICE_ID}: {what!r}: a CZ program address is 0x00-0x7F")
    return WHAT_WORDS[word], pp


# What `--program` takes (convert, join, send), for its errors and help.
PROGRAM_FORMS = ("a slot as the panel counts it: 3 or internal:3 (CZ-101/1000: 1-16), B2 or "
                 "internal:B2 (CZ-3000/5000: A1-D8; CZ-1: A1-H8, with --model), cartridge:N "
                 "(CZ-101/1000: 1-16), 97-99 (CZ-230S, with --model), edit-buffer; or a wire address in hex, "
                 "0x00-0x7F (0x20 = internal 1)")


def _program_range(model: str | None) -> str:
    """The slots `--program` can name on ``model``, in panel words with their wire addresses."""
    if model is None:
        return PROGRAM_FORMS
    lay = LAYOUTS[model]
    parts = []
    for area in lay.areas:
        last = area.first + area.count - 1
        parts.append(f"{area.label(area.first)}-{area.label(last).split(' ')[-1]} "
                     f"(0x{area.first:02X}-0x{last:02X}{'' if area.writable else ', read only'})")
    parts.append(f"edit-buffer (0x{EDIT_BUFFER:02X})")
    return f"on the {model}: " + ", ".join(parts) + "; or a wire address in hex, 0x00-0x7F"


def parse_program(text: str, model: str | None = None) -> int:
    """The address pp for ``--program`` counted as the CZ panel counts: ``3`` / ``internal:3``
    (CZ-101/1000), ``B2`` / ``internal:B2`` (CZ-3000/5000, CZ-1), ``cartridge:5``,
    ``edit-buffer``, and every WHAT of `request` (``preset:2``, ``tone:0x20``). A number
    written in hex (``0x20``) stays the wire address, so scripts written before panel
    counting keep their meaning. Bad values raise OptionError naming the valid range."""
    raw = str(text).strip()
    key = raw.lower()
    if key.startswith(("0x", "-0x", "$")):
        try:
            pp = parse_int(key)
        except ValueError as exc:
            raise OptionError(f"{DEVICE_ID}: --program {raw}: {exc}") from None
        if not 0 <= pp <= 0x7F:
            raise OptionError(f"{DEVICE_ID}: --program {raw}: a CZ program address is 0x00-0x7F; "
                              f"expected {_program_range(model)}")
        return pp
    if model is not None and LAYOUTS[model].internal == EDIT_BUFFER and key in ("96", "slot:96"):
        return EDIT_BUFFER  # CZ-230S: slot 96 is the address 0x60
    if ":" not in key and key not in ("edit-buffer", "edit"):
        key = "internal:" + key  # a bare number or B2 is the model's own (writable) memory
    try:
        return parse_what(key, model)[1]
    except OptionError:
        where = f" of the {model}" if model else ""
        raise OptionError(f"{DEVICE_ID}: --program {raw}: no such slot{where}; expected "
                          f"{_program_range(model)}") from None


def request_protocol(what: str, options: Options) -> CZSession:
    """One object: ``tone:0x20``, ``named-tone:0x00`` (CZ-1), ``opmem:5`` (CZ-1)."""
    obj, program = parse_what(what, _model(options))
    form = options.get("form")
    pause = 0.0
    if form in ("fixed_pause", "fixed-pause"):
        options = _with_form(options, "embedded")
        pause = FIXED_PAUSE
    try:
        job = fetch_job(obj, program, _channel(options), _model(options))
    except DeviceError as exc:  # a slot the model lacks: the WHAT is a bad option value
        raise OptionError(str(exc)) from None
    return CZSession([job], form=_form(options), timeout=_timeout(options), pause=pause,
                     reread=bool(options.get("verify")))


def _with_form(options: Options, form: str) -> Options:
    keys = ("model", "channel", "timeout", "include")
    return Options(form=form, **{k: options.get(k) for k in keys})


def backup_sets(model: str) -> dict[str, list[tuple[str, int]]]:
    """What the model can send, by area: [(object, program), …] (see :data:`AREAS`)."""
    lay = LAYOUTS[model]
    sets: dict[str, list[tuple[str, int]]] = {}
    for area in lay.areas:
        pps = list(range(area.first, area.first + area.count))
        kind = {"Preset": "presets", "Cartridge": "cartridge"}.get(area.kind, "internal")
        sets.setdefault(kind, []).extend(("tone", pp) for pp in pps)
    if model == "CZ-1":
        sets["tones"] = [("named-tone", pp) for _, pp in sets.pop("internal")]
        sets["opmems"] = [("operation-memory", pp) for pp in range(64)]
        sets["edit-buffer"] = [("named-tone", EDIT_BUFFER)]
    elif lay.internal == EDIT_BUFFER:  # CZ-230S: 0x60 is user slot 96, not a separate buffer
        sets["internal"] = [("tone", EDIT_BUFFER)] + sets.get("internal", [])
    else:
        sets["edit-buffer"] = [("tone", EDIT_BUFFER)]
    return sets


def default_areas(model: str) -> tuple[str, ...]:
    return ("tones", "opmems") if model == "CZ-1" else ("internal",)


def backup_jobs(model: str, include: Iterable[str] | None = None, channel: int = 1) -> list[Job]:
    sets = backup_sets(model)
    areas = list(include) if include else list(default_areas(model))
    jobs: list[Job] = []
    for area in areas:
        if area not in sets:
            have = ", ".join(sorted(sets))
            raise DeviceError(f"{DEVICE_ID}: the {model} has no {area!r} to back up "
                              f"(it has: {have})")
        jobs += [fetch_job(obj, pp, channel, model) for obj, pp in sets[area]]
    return jobs


def _include(options: Options) -> list[str] | None:
    inc = options.get("include")
    if inc is None:
        return None
    if isinstance(inc, str):
        inc = [s.strip() for s in inc.split(",") if s.strip()]
    return [str(s).lower() for s in inc]


def backup_protocol(options: Options) -> CZSession:
    """Everything the model's user memory holds (``include`` adds presets, cartridge, edit
    buffer): CZ-101/1000 internal 0x20-0x2F (16), CZ-3000/5000 internal 0x20-0x3F (32), CZ-230S
    user slots 96-99 (0x60-0x63), CZ-1 64 tones with name and 64 operation memories."""
    model = _model(options)
    note = None
    if model is None:
        model = MODELS[0]
        note = ("no --model given: backed up a CZ-101/1000's internal memory (0x20-0x2F); give "
                "--model for a CZ-3000/5000 (32 tones), CZ-230S or CZ-1")
    form = options.get("form")
    pause = 0.0
    if form in ("fixed_pause", "fixed-pause"):
        options, pause = _with_form(options, "embedded"), FIXED_PAUSE
    jobs = backup_jobs(model, _include(options), _channel(options))
    session = CZSession(jobs, form=_form(options), timeout=_timeout(options), pause=pause,
                        reread=bool(options.get("verify")))
    if note:
        session.notes.append(note)
    return session


def fixed_pause_backup(model: str = "CZ-101", pause: float = FIXED_PAUSE,
                       timeout: float = DEFAULT_TIMEOUT, channel: int = 1,
                       include: Iterable[str] | None = None) -> CZSession:
    """The backup as other editors run it: embedded request per tone and a fixed pause after
    each tone (for the benchmark's comparison)."""
    canonical = parse_model(model)
    assert canonical is not None
    return CZSession(backup_jobs(canonical, include, channel), form="embedded", timeout=timeout,
                     pause=pause)


_SENDABLE = ("tone", "operation-memory", "bend-range", "key-transpose", "tone-mix", "cz1-mode")


def send_jobs(data: bytes, options: Options) -> tuple[list[Job], list[str]]:
    """The messages of a file as jobs: tones and op-mems in the receive form (fetched ones need
    ``program``), control messages as they are."""
    model = _model(options)
    channel = options.get("channel")
    program = options.get("program")
    dumps = []
    for msg in frame_messages(bytes(data), "send data"):
        dump = identify(msg)
        where = f"message {msg.index + 1} (offset {msg.offset})"
        if dump is None:
            raise DeviceError(f"{DEVICE_ID}: {where} is not a CZ message ({msg.data[:6].hex(' ')}…)")
        if dump.problems:
            raise DeviceError(f"{DEVICE_ID}: {where}: {dump.problems[0]}")
        if dump.kind not in _SENDABLE:
            raise DeviceError(f"{DEVICE_ID}: {where} is a {dump.kind}; only tones, CZ-1 operation "
                              "memories and control messages (bend range, transpose …) are sent")
        dumps.append(dump)
    if not dumps:
        raise DeviceError(f"{DEVICE_ID}: no CZ message to send")
    outputs = operations.convert(dumps, Options(program=program, channel=channel, model=model))
    jobs, notes = [], []
    for out in outputs:
        notes += out.notes
        message = out.data
        dump = identify(Message(message))
        assert dump is not None
        ch = dump.channel or 1
        if dump.kind in ("tone", "operation-memory"):
            obj = {0x20: "tone", 0x21: "named-tone", 0x22: "operation-memory"}[message[5]]
            target = "CZ-1" if obj != "tone" else model
            jobs.append(Job("send", obj, dump.program, ch, job_label(obj, dump.program, target),
                            message=message, model=target))
        else:
            jobs.append(Job("control", "", None, ch, COMMANDS[message[5]].what, message=message,
                            model=model))
    return jobs, notes


def send_protocol(data: bytes, options: Options) -> CZSend:
    """Send a file's tones / op-mems with the handshake (faithful) or blind with a gap (paced;
    ``packet_gap`` seconds, default 0.1: the CZ's 256-byte ring absorbs the start of the next
    message while it writes a tone). The faithful send keeps our ``…7n 20 pp`` open until the
    CZ answers, so a link for whole messages cannot carry it: there "embedded" means paced.
    ``verify``: read every object back and compare."""
    form = _form(options)
    if form == "embedded":
        form = "paced"
    gap = options.get("packet_gap")
    jobs, notes = send_jobs(data, options)
    return CZSend(jobs, form=form, timeout=_timeout(options), notes=notes,
                  gap=PACED_GAP if gap is None else float(gap), verify=bool(options.get("verify")))


def wire_floor(jobs: Iterable[Job]) -> float:
    """Seconds the CZ's answers to these fetches alone take on a 3,125 B/s cable: no protocol
    can finish a backup faster."""
    return _wire(sum(j.answer_size for j in jobs if j.action == "fetch"))
