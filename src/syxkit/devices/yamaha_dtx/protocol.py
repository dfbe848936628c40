"""Host protocols for the DTXtreme IIs: dump requests (every object type, songs in several
packets), a whole-module backup, and paced sending of a dump file. Sans-I/O peers
(:class:`syxkit.protocols.base.Peer`): fed bytes and the time, they say what to send.

The module has no handshake: the host sends a dump request, the module answers with one bulk
dump (a song with several packets counting 00 01, 00 02 ... and ending with 7F 7F, or one
packet 00 00), and takes bulk dumps without acknowledging them. So:

* **Requests** wait for the first byte of the answer (``timeout``), then allow at most
  ``timeout`` of silence inside a message and between song packets. A song request for 7F 7F
  (current song) is refused before anything is sent: the Data List says the module does not
  answer it.
* **Backup** asks for the system, every user kit, chain, song and stack in turn, the next
  request going out the moment the previous object is complete. An object whose answer has not
  started within ``no_reply_timeout`` is asked for once more (``retries``: one silence may be
  a lost request or a module busy for a moment), then recorded as "no reply" and the backup
  goes on: the module sends nothing for an empty song, and the kit, chain and song counts are
  not in the Data List, so asking past the real end is silent too. A silence could also be a
  dead link, so after ``probe_after`` silent objects in a row, and when the backup ends on a
  silence, the system is requested again as a liveness check; if that stays silent too the
  backup fails. The system itself must answer (else: no module, or another device number).
* **Send** writes each message of a file, then pauses ``packet_gap`` after the message's last
  byte has crossed a MIDI cable (3,125 bytes/s) before the next: Yamaha modules drop bulk data
  that follows too closely while they write the previous one. The module acknowledges
  nothing; with ``verify`` every object sent is requested back and compared.

Every answer is checked with the driver's ``identify`` (header, byte count, checksum, type,
number, device number, song packet order) before it counts; a transfer never reports success
with data that does not check out.

Numbering in ``WHAT`` (``request_protocol``): ``kit:N`` counts from 1 as the panel does
(``kit:12`` = User kit 12, wire number 11), like the driver's ``--program`` and ``syxkit dtx
request --program`` (issue 14: numbers as the device's display shows them); ``kit:wire:N`` is
the wire number, from 0. Output files are named by panel number (``kit-012.syx`` = wire 11).
"""

from __future__ import annotations

from dataclasses import dataclass

from syxkit.core.message import Message, hexdump
from syxkit.core.numbers import parse_int
from syxkit.devices.base import DeviceError, Dump, OptionError, Output
from syxkit.devices.yamaha_dtx import builders
from syxkit.devices.yamaha_dtx.backup import group_objects, unique_names
from syxkit.devices.yamaha_dtx.identify import identify
from syxkit.devices.yamaha_dtx.songs import join_song_messages
from syxkit.devices.yamaha_dtx.table import (
    DEVICE_ID,
    EDIT_BUFFER,
    LAST_PACKET,
    MODEL,
    SINGLE_PACKET,
    ObjectType,
    slot_label,
    type_for_kind,
)
from syxkit.devices.yamaha_dtx.wire import hex14
from syxkit.protocols.base import (
    WIRE_BYTES_PER_SECOND,
    ObjectDone,
    Peer,
    Progress,
    strip_realtime,
)

DEFAULT_TIMEOUT = 2.0  # the longest silence allowed before/inside an answer (seconds)
DEFAULT_NO_REPLY = 0.5  # backup: an object whose answer has not started by then is "no reply"
DEFAULT_PACKET_GAP = 0.1  # send: pause after each message has crossed the cable
DEFAULT_PROBE_AFTER = 4  # backup: silences in a row before checking the module is still there
DEFAULT_RETRIES = 1  # backup: a silent or damaged object is asked for once more
DRAIN_QUIET = 0.5  # after a damaged answer: silence that says the module has finished sending it
DRAIN_LIMIT = 60.0  # ... and the longest it may go on before the transfer fails
DEFAULT_FIXED_PAUSE = 1.0  # the fixed-pause backup (what simple editors do): seconds per request

STACKS = type_for_kind("stack").max_number + 1  # "user stack 1-16": the Data List states it


@dataclass(frozen=True)
class Layout:
    """How many user objects of each kind a backup asks for. Only the stack count is in the
    Data List; the kit, chain and song counts are assumptions (options ``user_kits``,
    ``chains``, ``songs`` change them). Asking past the real end costs one ``no_reply_timeout``
    per object and is reported as "no reply"; asking too few would miss data, so the defaults
    lean high."""

    kits: int = 50
    chains: int = 32
    songs: int = 32
    stacks: int = STACKS

    def __post_init__(self) -> None:
        for kind in ("kits", "chains", "songs", "stacks"):
            value = getattr(self, kind)
            if not isinstance(value, int) or value < 0:
                raise DeviceError(f"{DEVICE_ID}: the number of {kind} must be 0 or more, got {value!r}")
        if self.stacks > STACKS:
            raise DeviceError(f"{DEVICE_ID}: the module has {STACKS} user stacks (1-{STACKS}); "
                              f"got stacks={self.stacks}")

    def count(self, kind: str) -> int:
        return {"kit": self.kits, "chain": self.chains, "song": self.songs,
                "stack": self.stacks}.get(kind, 1)


@dataclass(frozen=True)
class Item:
    """One object to fetch: its type, wire number and the request that asks for it."""

    otype: ObjectType
    number: int
    request: bytes

    @property
    def label(self) -> str:
        return slot_label(self.otype, self.number)

    @property
    def is_song(self) -> bool:
        return self.otype.packets


def make_item(kind: str, number: int | None, device_number: int) -> Item:
    """The item for ``kind`` / wire ``number`` (None: the edit buffer or the system); every
    refusal (song 7F 7F, stack edit buffer, out of range) is a DeviceError naming the reason."""
    otype = type_for_kind(kind)
    try:
        request = builders.request_message(kind, number, device_number=device_number,
                                           edit_buffer=number is None and otype.numbered)
        target = builders.target_number(otype, number, edit_buffer=number is None and otype.numbered)
    except ValueError as exc:
        raise DeviceError(f"{DEVICE_ID}: {exc}") from None
    return Item(otype, target, request)


WHAT_FORMS = ("system, kit:N, kit:edit, chain:N, chain:edit, song:N, stack:N with N as the "
              "panel shows it (User kit 12 = kit:12; from 1, decimal or 0x hex), or kind:wire:N "
              "with the wire number (from 0)")


def panel_range(kind: str, layout: Layout | None = None) -> int:
    """The highest panel number a user may name for ``kind``: the Data List's 16 stacks; for
    kits, chains and songs the backup layout (an assumption, changed with ``user_kits``,
    ``chains``, ``songs``)."""
    return (layout or Layout()).count(kind) if kind != "stack" else STACKS


def panel_to_wire(kind: str, panel: int, what: str, layout: Layout | None = None) -> int:
    """Panel number (from 1) -> wire number, or OptionError naming the range."""
    top = panel_range(kind, layout)
    if not 1 <= panel <= top:
        otype = type_for_kind(kind)
        hint = "" if kind == "stack" else (f" (that count is syxkit's assumption; --set "
                                           f"{'user_kits' if kind == 'kit' else kind + 's'}=N "
                                           "if your module has more)")
        raise OptionError(f"{DEVICE_ID}: {what}: {otype.title.lower()} {panel} is out of range "
                          f"1-{top}, as the panel counts{hint}")
    return panel - 1


def parse_what(what: str, device_number: int = 1, layout: Layout | None = None) -> Item:
    """``system``, ``kit:12`` (panel number, as the module shows it: User kit 12),
    ``kit:panel:12`` (the same), ``kit:wire:11`` (the wire number), ``kit:edit``, ``chain:N``,
    ``song:N``, ``stack:N``. Every refusal is an OptionError (a usage error)."""
    text = what.strip().lower()
    kind, _, rest = text.partition(":")
    if kind not in ("system", "kit", "chain", "song", "stack"):
        raise OptionError(f"{DEVICE_ID}: cannot request {what!r}; expected {WHAT_FORMS}")
    if kind == "system":
        if rest not in ("", "edit"):
            raise OptionError(f"{DEVICE_ID}: system data has no number; request 'system'")
        return make_item("system", None, device_number)
    if rest in ("edit", "current", "edit-buffer"):
        if kind == "song":
            raise OptionError(f"{DEVICE_ID}: the module does not answer a song request for 7F 7F "
                              "(the current song), per the Data List; ask for a song by number, "
                              "e.g. song:1")
        try:
            return make_item(kind, None, device_number)
        except DeviceError as exc:
            raise OptionError(str(exc)) from None
    wire = rest.startswith("wire:")
    digits = rest.removeprefix("panel:").removeprefix("wire:")
    if not digits:
        raise OptionError(f"{DEVICE_ID}: {what!r} needs a number; expected {WHAT_FORMS}")
    try:
        n = parse_int(digits)
    except ValueError as exc:
        raise OptionError(f"{DEVICE_ID}: {what!r}: {exc}; expected {WHAT_FORMS}") from None
    if wire:
        if n < 0:
            raise OptionError(f"{DEVICE_ID}: {what!r}: wire numbers are 0 or more")
        number = panel_to_wire(kind, n + 1, what, layout)
    else:
        number = panel_to_wire(kind, n, what, layout)
    return make_item(kind, number, device_number)


def backup_items(layout: Layout, device_number: int) -> list[Item]:
    """System, then every user kit, chain, song and stack, in the backup order of the table."""
    items = [make_item("system", None, device_number)]
    for kind in ("kit", "chain", "song", "stack"):
        items += [make_item(kind, n, device_number) for n in range(layout.count(kind))]
    return items


def check_model(model: str | None) -> None:
    if model and model.lower().replace(" ", "") not in ("dtxtremeiis", "dtxtreme2s", "dtxtreme2"):
        raise DeviceError(f"{DEVICE_ID}: this driver speaks to one model, the {MODEL}; got {model!r}")


def device_number_option(options, default: int | None = 1) -> int | None:
    """The module's device number: option ``device_number``, else ``channel`` (the CLI's
    ``--channel``; the Yamaha device number is what addresses SysEx), else ``default``."""
    value = options.get("device_number")
    if value is None:
        value = options.get("channel")
    if value is None:
        return default
    if not isinstance(value, int) or not 1 <= value <= 16:
        raise DeviceError(f"{DEVICE_ID}: device number {value!r} is out of range 1-16")
    return value


def seconds_option(options, key: str, default: float) -> float:
    value = options.get(key)
    if value is None:
        return default
    if not isinstance(value, (int, float)) or value <= 0:
        raise DeviceError(f"{DEVICE_ID}: {key} must be a number of seconds above 0, got {value!r}")
    return float(value)


def compact_labels(labels: list[str]) -> str:
    """'User song 3, User song 4, User song 6' -> 'User song 3-4, 6' (panel numbers)."""
    groups: dict[str, list[int]] = {}
    others: list[str] = []
    for label in labels:
        title, _, number = label.rpartition(" ")
        if number.isdigit():
            groups.setdefault(title, []).append(int(number))
        else:
            others.append(label)
    parts = []
    for title, numbers in groups.items():
        runs: list[list[int]] = []
        for n in sorted(numbers):
            if runs and n == runs[-1][1] + 1:
                runs[-1][1] = n
            else:
                runs.append([n, n])
        parts.append(f"{title} " + ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in runs))
    return "; ".join(parts + others)


# -- reading SysEx from a byte stream ------------------------------------------------------------
class SysexReader:
    """Cuts an incoming stream (real-time bytes already removed) into whole SysEx messages.

    Events: ``("message", bytes, offset)``; ``("stray", description, offset)`` for bytes outside
    any SysEx (channel messages from the pads are normal there; an F7 without F0 means a message
    lost its start); ``("cut", description, offset)`` when a status byte interrupts a SysEx."""

    def __init__(self) -> None:
        self.buf = bytearray()
        self.offset = 0  # stream position of the next byte fed
        self.start = 0  # stream position of the open message

    @property
    def inside(self) -> bool:
        return bool(self.buf)

    def feed(self, data: bytes) -> list[tuple[str, object, int]]:
        events: list[tuple[str, object, int]] = []
        i, n = 0, len(data)
        while i < n:
            if not self.buf:
                start = data.find(b"\xf0", i)
                stop = n if start < 0 else start
                if stop > i:
                    chunk = data[i:stop]
                    eox = chunk.find(b"\xf7")
                    text = ("F7 without F0 (the start of a message was lost or damaged)"
                            if eox >= 0 else f"{len(chunk)} byte(s) outside SysEx ({hexdump(chunk, 6)})")
                    events.append(("stray", text, self.offset + i + max(eox, 0)))
                if start < 0:
                    break
                self.start = self.offset + start
                self.buf.append(0xF0)
                i = start + 1
                continue
            end = data.find(b"\xf7", i)
            stop = n if end < 0 else end
            piece = data[i:stop]
            if not piece.isascii():  # a status byte inside the message cuts it
                k = next(j for j, b in enumerate(piece) if b >= 0x80)
                where = self.offset + i + k
                events.append(("cut", f"status byte {piece[k]:02X} at stream offset {where} inside "
                                      f"a SysEx that started at {self.start} (expected data 00-7F "
                                      "or F7)", where))
                self.buf.clear()
                i += k
                continue
            self.buf += piece
            if end < 0:
                break
            self.buf.append(0xF7)
            events.append(("message", bytes(self.buf), self.start))
            self.buf.clear()
            i = end + 1
        self.offset += n
        return events


# -- fetching objects ----------------------------------------------------------------------------
class BackupResult(list):
    """The list of Output a backup returns, with what did not answer (``no_reply``: slot labels)
    and the layout asked for; the same facts are in the notes of the last Output."""

    def __init__(self, outputs: list[Output], no_reply: list[str], layout: Layout | None):
        super().__init__(outputs)
        self.no_reply = no_reply
        self.layout = layout


class DtxFetch(Peer):
    """Request ``items`` one after the other and collect the answers.

    ``no_reply``: None = every item must answer (a single request); a number of seconds = an
    item whose answer has not started by then is recorded as "no reply" (the backup)."""

    device = DEVICE_ID

    def __init__(self, items: list[Item], *, device_number: int = 1,
                 timeout: float = DEFAULT_TIMEOUT, no_reply: float | None = None,
                 probe_after: int = DEFAULT_PROBE_AFTER, layout: Layout | None = None,
                 retries: int = DEFAULT_RETRIES):
        super().__init__()
        self.retries = retries
        self.attempt = 0
        self.retried: list[str] = []  # what was asked again after a damaged answer, and why
        self.draining = False
        self.drain_until = 0.0
        self.broken = False
        self.heard = False
        if not items:
            raise DeviceError(f"{DEVICE_ID}: nothing to request")
        self.items = items
        self.device_number = device_number
        self.timeout = timeout
        self.no_reply_timeout = no_reply
        self.probe_after = max(1, probe_after)
        self.layout = layout
        self.reader = SysexReader()
        self.index = -1
        self.item: Item | None = None
        self.packets: list[bytes] = []
        self.last_index = 0
        self.outputs: list[Output] = []
        self.silent: list[str] = []  # labels of items that did not answer
        self.silent_run: list[str] = []  # the ones since the last answer
        self.probing = False
        self.data_bytes = 0  # bytes received, real-time bytes left out

    # -- the sequence ------------------------------------------------------------------------
    def on_start(self, now: float) -> None:
        self._next()

    def _next(self) -> None:
        self.index += 1
        self.packets = []
        self.attempt = 0
        self.broken = False
        self.heard = False  # some byte of an answer to this item has arrived
        if self.index >= len(self.items):
            if self.silent_run:
                self._probe()
            else:
                self._finish()
            return
        self.item = self.items[self.index]
        self.send(self.item.request)
        first = self.no_reply_timeout if self._may_be_silent() else self.timeout
        self.wait(first, f"the {self._what()} in answer to the request "
                         f"({hexdump(self.item.request, 15)})", step=self._label_step())

    def _may_be_silent(self) -> bool:
        return self.no_reply_timeout is not None and self.item is not None and self.item.otype.numbered

    def _probe(self) -> None:
        """Ask for the system again: proves the silences before were the module's own."""
        self.probing = True
        self.packets = []
        self.heard = False
        self.item = make_item("system", None, self.device_number)
        self.send(self.item.request)
        self.wait(self.timeout, "the system dump (liveness check after no reply for "
                                f"{', '.join(self.silent_run)})", step="liveness check")

    def _label_step(self) -> str:
        return f"{self.item.label} ({self.index + 1}/{len(self.items)})"

    def _what(self) -> str:
        item = self.item
        if item.is_song:
            return f"{item.label} ({item.otype.code.decode()} packets)"
        return f"{item.label} ({item.otype.code.decode()} bulk dump)"

    def on_timeout(self, now: float) -> None:
        if self.draining:  # the damaged answer has ended: ask again
            self.draining = False
            self.reader = SysexReader()
            self.packets = []
            self.heard = False
            self.send(self.item.request)
            self.wait(self.timeout, f"the {self._what()} (asked again after a damaged or "
                                    "broken-off answer)", step=self._label_step())
            return
        if self.probing:
            self.fail(self._waiting_for, reason="the module stopped answering (no reply to "
                                                "the liveness check either)")
            return
        unanswered = not self.heard
        if unanswered and self.attempt < self.retries:
            # One silence may be a lost request or a module busy for a moment: ask once more.
            self.attempt += 1
            self.send(self.item.request)
            wait = self.no_reply_timeout if self._may_be_silent() else self.timeout
            self.wait(wait, f"the {self._what()} (request repeated after no reply)",
                      step=self._label_step())
            return
        if not unanswered and self.attempt < self.retries:
            # The answer stopped half-way (a module reset, a cable pulled and put back): the
            # line is quiet now, so ask for the whole object again.
            self.attempt += 1
            self.broken = True  # it had begun to answer: silence now is not "no reply"
            self.retried.append(f"{self.item.label}: the answer stopped after "
                                f"{len(self.packets)} packet(s) and {len(self.reader.buf)} byte(s)")
            self.draining = True
            self.on_timeout(now)
            return
        if unanswered and self._may_be_silent() and not self.broken:
            label = self.item.label
            self.silent.append(label)
            self.silent_run.append(label)
            self.emit(self._progress(f"{label}: no reply"))
            if len(self.silent_run) >= self.probe_after:
                self._probe()
            else:
                self._next()
            return
        hint = ""
        if self.broken:
            hint = f" (asked again after: {self.retried[-1]})"
        elif unanswered and self.data_bytes == 0:
            hint = (f" (no answer at all: is the module on, connected both ways and set to device "
                    f"number {self.device_number}?")
            hint += " An empty song is not sent.)" if self.item.is_song else ")"
        self.fail(self._waiting_for, reason="timed out" + hint)

    def _damaged(self, expected: str, reason: str) -> None:
        """A damaged or unexpected answer: with retries left, wait until the module has finished
        sending it (``DRAIN_QUIET`` of silence, at most ``DRAIN_LIMIT``) and ask again; else fail."""
        if self.attempt >= self.retries or self.probing:
            self.fail(expected, reason=reason)
            return
        self.attempt += 1
        self.broken = True
        self.retried.append(f"{self.item.label}: {reason}")
        self.draining = True
        self.drain_until = self.now + DRAIN_LIMIT
        self.reader = SysexReader()
        self.packets = []
        self.wait(DRAIN_QUIET, f"the end of the damaged {self._what()}", step=self._label_step())

    # -- bytes in ----------------------------------------------------------------------------
    def on_bytes(self, data: bytes, now: float) -> None:
        data = strip_realtime(data)
        if not data:
            return  # active sensing moves no deadline
        self.data_bytes += len(data)
        if self.draining:
            if self.now >= self.drain_until:
                self.fail(f"the end of the damaged {self._what()}",
                          reason=f"the module kept sending for {DRAIN_LIMIT:g} s")
            else:
                self.wait(DRAIN_QUIET, self._waiting_for)
            return
        self.heard = True
        lost_start = False
        for kind, value, offset in self.reader.feed(data):
            if kind == "message":
                self._message(value, offset)
            elif kind == "cut":
                self._damaged(self._waiting_for, f"a damaged message: {value}")
            elif str(value).startswith("F7 without F0"):
                self._damaged(self._waiting_for, f"a damaged message at stream offset "
                                                 f"{offset}: {value}")
            elif kind == "stray" and max(data, default=0) < 0x80:
                lost_start = True
            # other bytes outside SysEx (notes from the pads, clock) are not ours: ignored
            if self.done or self.draining:
                return
        if self.reader.inside or lost_start:
            # An answer is under way (or one whose F0 was lost: data bytes with no status byte
            # among them): silence is measured from its last byte.
            self.wait(self.timeout, f"the rest of the {self._what()} (F7)")
        self.emit(self._progress(self.item.label))

    def _message(self, msg: bytes, offset: int) -> None:
        item = self.item
        dump = identify(Message(msg, offset=offset))
        got = f"{len(msg)}-byte message {hexdump(msg, 18)}"
        if dump is None or dump.kind.endswith("request") or dump.kind == "unknown":
            self._damaged(self._waiting_for, f"unexpected {got} at stream offset {offset}")
            return
        if dump.kind != item.otype.kind or dump.program != item.number:
            late = ""
            # silent holds panel labels (Item.label); dump.slot adds the wire number beside it
            label = slot_label(type_for_kind(dump.kind), dump.program) if dump.program is not None else None
            if self.silent and label in self.silent:
                late = (f"; {label} answered after its no-reply time-out "
                        f"({self.no_reply_timeout:g} s): raise no_reply_timeout")
            self._damaged(self._waiting_for, f"the module sent {dump.slot or dump.kind} "
                                                f"({got}) at stream offset {offset}{late}")
            return
        if dump.details.get("device_number") != self.device_number:
            self._damaged(self._waiting_for, f"the answer carries device number "
                                                f"{dump.details.get('device_number')}, the request "
                                                f"device number {self.device_number}")
            return
        if dump.problems:
            self._damaged(self._waiting_for, f"a damaged {item.label} message: {dump.problems[0]} "
                                                f"(stream offset {offset})")
            return
        if item.is_song:
            self._packet(msg, dump)
        else:
            self.packets.append(msg)
            self._complete([dump])

    def _packet(self, msg: bytes, dump: Dump) -> None:
        index = dump.details.get("index", 0)
        if self.packets:
            previous = self.last_index
            expected = {previous + 1, LAST_PACKET}
            expected_text = f"{hex14(previous + 1)} or the last packet 7F 7F"
        else:
            expected = {SINGLE_PACKET, 1}
            expected_text = "00 00 (a one-message song) or 00 01 (the first of several)"
        if index not in expected:
            self._damaged(f"{self.item.label} packet {expected_text}",
                          f"packet {hex14(index)} arrived ({len(self.packets)} packet(s) so far)")
            return
        self.packets.append(msg)
        self.last_index = index
        if index in (SINGLE_PACKET, LAST_PACKET):
            song = join_song_messages(self.packets)
            if not song.complete:  # a sequence fault the order check above did not catch
                self._damaged(f"the packets of {self.item.label}",
                              "; ".join(str(p) for p in song.problems[:2]))
                return
            self._complete(song.packets)
        else:
            self.wait(self.timeout, f"{self.item.label} packet {hex14(index + 1)} or the last "
                                    "packet (7F 7F)", step=self._label_step())

    def _complete(self, dumps: list[Dump]) -> None:
        data = b"".join(self.packets)
        self.silent_run = []
        if self.probing:
            self.probing = False
            if self.index >= len(self.items):
                self._finish()
            else:
                self._next()
            return
        name = unique_names(group_objects(dumps))[0]
        self.outputs.append(Output(name, data))
        self.emit(ObjectDone(name, data))
        self._next()

    def _progress(self, step: str) -> Progress:
        return Progress(self.data_bytes, None, len(self.outputs) + len(self.silent), len(self.items),
                        step=step)

    def _finish(self) -> None:
        self.emit(self._progress("done"))
        notes = [f"asked again after a damaged answer: {r}" for r in self.retried]
        if self.no_reply_timeout is None:
            if notes:
                last = self.outputs[-1]
                self.outputs[-1] = Output(last.name, last.data, [*last.notes, *notes])
            self.finish(list(self.outputs))
            return
        if self.silent:
            notes.append(f"no reply (nothing stored there, or past the module's last object) for "
                         f"{compact_labels(self.silent)}")
        if self.layout is not None:
            lay = self.layout
            notes.append(f"asked for {lay.kits} user kits, {lay.chains} chains, {lay.songs} songs, "
                         f"{lay.stacks} stacks")
        if self.outputs:
            last = self.outputs[-1]
            self.outputs[-1] = Output(last.name, last.data, [*last.notes, *notes])
        self.finish(BackupResult(self.outputs, list(self.silent), self.layout))


class DtxFixedPauseBackup(Peer):
    """What simple editors and librarians do, for the benchmark: send each request, wait a fixed
    ``pause`` whatever happens, then send the next; sort out what arrived at the end. Too short a
    pause overlaps answers (a long song is still coming when the next request goes out), too
    long a one wastes time on every small object. The result is checked like the real backup."""

    device = DEVICE_ID

    def __init__(self, items: list[Item], *, device_number: int = 1,
                 pause: float = DEFAULT_FIXED_PAUSE):
        super().__init__()
        self.items = items
        self.device_number = device_number
        self.pause = pause
        self.index = 0

    def on_start(self, now: float) -> None:
        self._send_next()

    def _send_next(self) -> None:
        item = self.items[self.index]
        self.send(item.request)
        self.step_name = item.label
        self.wake_at(self.now + self.pause)

    def on_timeout(self, now: float) -> None:
        self.index += 1
        if self.index < len(self.items):
            self.emit(Progress(len(strip_realtime(bytes(self.received))), None, self.index,
                               len(self.items), step=self.items[self.index].label))
            self._send_next()
            return
        data = strip_realtime(bytes(self.received))
        dumps = []
        for kind, value, offset in SysexReader().feed(data):
            if kind != "message":
                self.fail("whole bulk dumps", reason=f"{value} (stream offset {offset})")
                return
            dump = identify(Message(value, offset=offset))
            if dump is None or dump.problems:
                why = dump.problems[0] if dump is not None and dump.problems else "not a DTX dump"
                self.fail("valid bulk dumps", reason=str(why))
                return
            dumps.append(dump)
        objects = group_objects(dumps)
        for obj in objects:
            if obj.song is not None and not obj.song.complete:
                self.fail(f"every packet of {obj.stem()}", reason=str(obj.song.problems[0]))
                return
        self.finish([Output(name, obj.data()) for obj, name in zip(objects, unique_names(objects),
                                                                   strict=True)])


# -- sending a file ------------------------------------------------------------------------------
class DtxSend(Peer):
    """Send ``messages`` one by one, each ``gap`` seconds after the previous one's last byte has
    crossed the cable (assumed ``rate`` bytes/s). The module acknowledges nothing, so by itself
    the protocol ends when the last message has crossed and its gap has passed.

    ``verify``: then request every object sent back (a :class:`DtxFetch` run inside this peer)
    and compare its payload with what was sent: the only way to learn that the module stored
    the data (a wrong device number, a cable in the wrong socket or a busy module all look like
    success otherwise). A song sent as the current song (7F 7F) cannot be asked back."""

    device = DEVICE_ID

    def __init__(self, messages: list[bytes], *, gap: float = DEFAULT_PACKET_GAP,
                 rate: float = WIRE_BYTES_PER_SECOND, objects: int | None = None,
                 device_number: int | None = None, verify: bool = False,
                 timeout: float = DEFAULT_TIMEOUT):
        super().__init__()
        if not messages:
            raise DeviceError(f"{DEVICE_ID}: nothing to send")
        self.messages = messages
        self.gap = gap
        self.rate = rate
        self.objects = objects
        self.device_number = device_number
        self.verify = verify
        self.timeout = timeout
        self.index = 0
        self.sent_bytes = 0
        self.total = sum(len(m) for m in messages)
        self.started = 0.0
        self.checker: DtxFetch | None = None
        self.expected: dict[tuple[str, int], bytes] = {}
        self.unverifiable: list[str] = []

    def on_start(self, now: float) -> None:
        self.started = now
        self._send_one()

    def _send_one(self) -> None:
        msg = self.messages[self.index]
        self.send(msg)
        self.sent_bytes += len(msg)
        self.step_name = f"message {self.index + 1}/{len(self.messages)}"
        self.emit(Progress(self.sent_bytes, self.total, self.index + 1, len(self.messages),
                           step=self.step_name))
        self.wake_at(self.now + len(msg) / self.rate + self.gap)

    def on_bytes(self, data: bytes, now: float) -> None:
        if self.checker is not None:
            self._absorb(self.checker.feed(data, now))
        # while sending: the module acknowledges nothing; active sensing and echoes are not ours

    def on_timeout(self, now: float) -> None:
        if self.checker is not None:
            self._absorb(self.checker.tick(now))
            return
        self.index += 1
        if self.index < len(self.messages):
            self._send_one()
        elif self.verify:
            self._start_verify()
        else:
            self.finish(self._summary(now))

    def _summary(self, now: float) -> dict:
        summary = {"messages": len(self.messages), "objects": self.objects, "bytes": self.total,
                   "gap_seconds": self.gap, "device_number": self.device_number,
                   "seconds": round(now - self.started, 3)}
        if self.verify:
            summary["verified"] = len(self.expected)
            if self.unverifiable:
                summary["not_verified"] = self.unverifiable
        return summary

    # -- verification ------------------------------------------------------------------------
    def _start_verify(self) -> None:
        dumps = [identify(Message(m)) for m in self.messages]
        items = []
        for obj in group_objects(dumps):
            otype, number = obj.otype, obj.number
            label = slot_label(otype, number)
            if otype.packets and number == EDIT_BUFFER:
                self.unverifiable.append(f"{label} (the module does not answer 7F 7F song requests)")
                continue
            payload = obj.song.payload if obj.song is not None else obj.first.payload
            self.expected[(otype.kind, number)] = payload
            device = obj.first.details.get("device_number", 1)
            items.append(make_item(otype.kind, None if number == EDIT_BUFFER or not otype.numbered
                                   else number, device))
        if not items:
            self.finish(self._summary(self.now))
            return
        devices = {item.request[3] & 0x0F for item in items}
        self.checker = DtxFetch(items, device_number=(items[0].request[3] & 0x0F) + 1,
                                timeout=self.timeout)
        if len(devices) > 1:
            self.fail("one device number", reason="cannot verify: the file addresses several "
                                                  "device numbers")
            return
        self._absorb(self.checker.start(self.now))

    def _absorb(self, step) -> None:
        if step.send:
            self.send(step.send)
        for event in step.events:
            if isinstance(event, Progress):
                self.emit(Progress(event.bytes_done, None, event.objects_done, event.objects_total,
                                   step=f"verify {event.step}"))
        self.step_name = f"verify {self.checker.step_name}"
        if step.error is not None:
            self.fail(step.error.expected, reason=f"{step.error.reason} (asking the module for "
                                                  "what was sent, to verify it was stored)")
            return
        if step.done:
            self._compare(self.checker.result)
            return
        self._deadline = step.deadline

    def _compare(self, outputs: list[Output]) -> None:
        for out in outputs:
            dumps = [identify(Message(m)) for _, m, _ in
                     (e for e in SysexReader().feed(out.data) if e[0] == "message")]
            obj = group_objects(dumps)[0]
            got = obj.song.payload if obj.song is not None else obj.first.payload
            key = (obj.otype.kind, obj.number)
            if got != self.expected.get(key):
                self.fail(f"{slot_label(obj.otype, obj.number)} as sent",
                          reason="the module holds different data after the send (it did not "
                                 "store the dump)")
                return
        self.finish(self._summary(self.now))
