"""What a ``F0 44 00 00 7n …`` message is: tone (receive form or fetched from a CZ), CZ-1 tone
with name, CZ-1 operation memory, send/receive request, the CZ's reply, or a control message.
Every irregularity becomes a located Problem; nothing raises."""

from __future__ import annotations

from syxkit.core.codecs import decode_name, denibble_lo_first, first_non_nibble
from syxkit.core.message import Message, Problem
from syxkit.devices.base import Dump
from syxkit.devices.casio_cz.messages import transpose_semitones
from syxkit.devices.casio_cz.slots import readings, slot_label
from syxkit.devices.casio_cz.table import (
    BEND_RANGE_MAX,
    CHANNEL_BASE,
    COMMANDS,
    CZ1_CHARSET,
    CZ1_MODES,
    EDIT_BUFFER,
    GO_AHEAD,
    HEADER,
    NAMED_TONE_BYTES,
    REPLY,
    REPLY_FORMS,
    TONE_BYTES,
    Command,
)
from syxkit.devices.casio_cz.tone import tone_notes

DEVICE_ID = "casio-cz"

FETCHED_NOTE = ("fetched from a CZ ('7n 30'): it carries no program address and a CZ will not "
                "take it back as it is; convert it first, e.g. "
                "`syxkit convert FILE -o OUT.syx --program 0x60` (0x60 = edit buffer)")
FETCHED_OPMEM_NOTE = ("fetched from a CZ-1 ('7n 30'): it carries no operation memory number; "
                      "convert it first with `syxkit convert FILE -o OUT.syx --program N`")


def at(message: Message, pos: int) -> int:
    """The file offset of byte ``pos`` of ``message.data`` (real-time bytes that framing
    removed still count in the file)."""
    raw = message.raw
    if raw is None:
        return message.offset + pos
    kept = 0
    for i, b in enumerate(raw):
        if b >= 0xF8 and i:
            continue
        if kept == pos:
            return message.offset + i
        kept += 1
    return message.offset + len(raw)


def _waive_open_end(dump: Dump, message: Message) -> None:
    """The faithful request forms and the CZ's reply never end with F7 by themselves: the
    framing's "no F7" problem is expected there."""
    if not message.terminated:
        end = message.offset + len(message.original)
        dump.waived.extend(p for p in message.problems if p.offset == end)


def store_text(pp: int, channel: int | None, slot: str | None, channel_byte: int) -> str:
    """Where a CZ on ``channel`` puts an object sent with ``pp`` (the bytes that decide it)."""
    wire = f"pp=0x{pp:02X}, channel {channel}: 7n={channel_byte:02X}"
    if pp == EDIT_BUFFER:
        return f"edit buffer / sound area ({wire}): played, not stored in a memory slot"
    label = slot or f"0x{pp:02X}"
    prefix = f"0x{pp:02X} ("
    if label.startswith(prefix) and label.endswith(")"):
        label = label[len(prefix):-1]  # "0x20 (internal 1 on CZ-101)" -> "internal 1 on CZ-101"
    if "preset" in label.lower():
        return f"{label} ({wire}): presets cannot be written, the CZ refuses it"
    return f"{label} ({wire})"


def identify(message: Message) -> Dump | None:
    data = message.data
    if len(data) < 5 or not data.startswith(HEADER) or data[4] & 0xF0 != CHANNEL_BASE:
        return None
    end = len(data) - 1 if message.terminated else len(data)
    dump = Dump(DEVICE_ID, "unknown", message, channel=(data[4] & 0x0F) + 1)
    if end <= 5:
        dump.problems.append(Problem(at(message, end), "CZ message ends after the channel byte "
                                                       "(expected a command byte)"))
        return dump
    code = data[5]
    command = COMMANDS.get(code)
    if command is None:
        known = ", ".join(f"{c:02X}" for c in sorted(COMMANDS))
        dump.problems.append(Problem(at(message, 5), f"command byte {code:02X} is not a known CZ "
                                                     f"message (known: {known})"))
        return dump
    dump.kind = command.kind
    dump.model = command.model
    dump.details["command"] = f"0x{code:02X}"
    if code == REPLY:
        _reply(dump, message, end)
    elif command.value:
        _value(dump, message, command, end)
    else:
        _addressed(dump, message, command, end)
    return dump


def _reply(dump: Dump, message: Message, end: int) -> None:
    count = end - 6
    if count == 0:
        dump.details["form"] = "reply"
        dump.notes.append("the CZ's answer to a request ('7n 30'); the data, or the host's "
                          "data after a receive request, follows")
        _waive_open_end(dump, message)
        return
    # A reply has no address byte: its length says what it carries.
    command = REPLY_FORMS.get(count) or min(REPLY_FORMS.values(),
                                            key=lambda c: abs(2 * c.data_bytes - count))
    dump.kind = command.kind
    dump.model = command.model
    dump.details["form"] = "fetched"
    _data(dump, message, command, 6, end)
    dump.store = ("nowhere: the fetched form (7n 30) carries no program address; a CZ does not "
                  "take it (convert --program sets one)")
    dump.notes.append(FETCHED_NOTE if command.kind == "tone" else FETCHED_OPMEM_NOTE)


def _addressed(dump: Dump, message: Message, command: Command, end: int) -> None:
    data = message.data
    if end <= 6:
        dump.problems.append(Problem(at(message, end), "message ends before the program address "
                                                       "byte pp"))
        return
    pp = data[6]
    dump.program = pp
    if command.code in (0x14, 0x24):  # sequencer transfers: pp is not a tone slot
        dump.details["asks_for"] = command.what
    else:
        dump.slot = slot_label(pp, command.model)
        dump.details["slots"] = readings(pp)
    rest = data[7:end]
    if command.kind == "send-request":
        dump.details["asks_for"] = command.what
        _request_tail(dump, message, rest)
        return
    if not rest:  # a receive request: the data follows once the CZ has answered 7n 30
        dump.kind = "receive-request"
        dump.details["announces"] = command.what
        dump.details["form"] = "faithful" if not message.terminated else "closed"
        if message.terminated:
            dump.notes.append("receive request closed with F7 before any data: the CZ answers "
                              "and then gets nothing to store")
        _waive_open_end(dump, message)
        return
    if command.data_bytes == 0:  # sequencer data travels in handshaken blocks: not decoded
        dump.notes.append(f"{len(rest)} bytes of sequencer data follow (kept, not decoded)")
        return
    dump.details["form"] = "receive"
    _data(dump, message, command, 7, end)
    dump.store = store_text(pp, dump.channel, dump.slot, data[4])


def _request_tail(dump: Dump, message: Message, rest: bytes) -> None:
    channel_byte = message.data[4]
    if not rest:
        dump.details["form"] = "faithful" if not message.terminated else "closed"
        if message.terminated:
            dump.notes.append("request closed with F7 before the go-ahead 7n 31: the CZ answers "
                              "7n 30 and then waits for a go-ahead that does not come")
        _waive_open_end(dump, message)
        return
    if len(rest) == 2 and rest[1] == GO_AHEAD:
        dump.details["form"] = "embedded"
        if rest[0] != channel_byte:
            dump.problems.append(Problem(at(message, 7), f"go-ahead says {rest[0]:02X} but the "
                                                         f"request is for {channel_byte:02X}"))
        return
    dump.details["form"] = "unexpected"
    dump.problems.append(Problem(at(message, 7), f"{len(rest)} unexpected byte(s) after the "
                                                 f"request (expected nothing, or {channel_byte:02X} "
                                                 "31 F7: the embedded go-ahead)"))


def _data(dump: Dump, message: Message, command: Command, start: int, end: int) -> None:
    """Check and de-nibble the data of a tone / named tone / operation memory."""
    nibbles = message.data[start:end]
    expected = 2 * command.data_bytes
    what = command.what
    bad = first_non_nibble(nibbles)
    if bad >= 0:
        more = sum(1 for b in nibbles if b > 0x0F) - 1
        dump.problems.append(Problem(at(message, start + bad), (
            f"byte {nibbles[bad]:02X} in the {what} data is not a nibble (expected 00-0F)"
            + (f"; {more} more such byte(s) follow" if more else ""))))
    if len(nibbles) != expected:
        pos = start + expected if len(nibbles) > expected else end
        dump.problems.append(Problem(at(message, pos), (
            f"{what} data is {len(nibbles)} nibbles; expected {expected} "
            f"({command.data_bytes} bytes, low nibble first)")))
    if dump.problems:
        return
    payload = denibble_lo_first(nibbles)
    dump.payload = payload
    if command.kind == "tone":
        # Stored values the panel cannot show (real banks hold them): decoded as they are and
        # kept byte-exact, but never silently.
        dump.notes += tone_notes(payload)
    if len(payload) == NAMED_TONE_BYTES:
        name_bytes = payload[TONE_BYTES:]
        dump.name = decode_name(name_bytes)
        for i, b in enumerate(name_bytes):
            if chr(b) not in CZ1_CHARSET:
                dump.problems.append(Problem(
                    at(message, start + 2 * (TONE_BYTES + i)),
                    f"name character {i + 1} is byte {b:02X}, not in the CZ-1 character set "
                    "(A-Z, 0-9, space, * - / .)"))
                break


def _value(dump: Dump, message: Message, command: Command, end: int) -> None:
    rest = message.data[6:end]
    if len(rest) != 1:
        dump.problems.append(Problem(at(message, 6), f"{command.what} message has {len(rest)} "
                                                     "value byte(s); expected exactly 1"))
        if not rest:
            return
    value = rest[0]
    dump.details["value"] = value
    if command.code == 0x40:
        if value > BEND_RANGE_MAX:
            dump.problems.append(Problem(at(message, 6), f"bend range {value} is out of range "
                                                         f"(0-{BEND_RANGE_MAX} semitones)"))
        else:
            dump.details["semitones"] = value
    elif command.code == 0x41:
        semitones = transpose_semitones(value)
        if semitones is None:
            dump.problems.append(Problem(at(message, 6), f"key transpose byte {value:02X} is not "
                                                         "defined (00-06 up, 41-45 down)"))
        else:
            dump.details["semitones"] = semitones
    elif command.code == 0x4D:
        if value in CZ1_MODES:
            dump.details["mode"] = CZ1_MODES[value]
        else:
            dump.problems.append(Problem(at(message, 6), f"CZ-1 mode byte {value:02X} is not "
                                                         "defined (00, 20, 40, 60)"))
