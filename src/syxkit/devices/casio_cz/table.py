"""Casio CZ family: the message table, defined once.

Every CZ message starts ``F0 44 00 00 7n cc`` (Casio, CZ family, then ``7n`` = channel n and a
command byte ``cc``). This table says, for each command, what it is, whether a program address
byte ``pp`` follows, and how many logical bytes of data come after it (sent as nibbles, low
nibble first). Identification, the builders and the operations all read it; nothing else
spells out header bytes.
"""

from __future__ import annotations

from collections import namedtuple

HEADER = b"\xf0\x44\x00\x00"  # Casio (44), then 00 00 for the CZ family
CHANNEL_BASE = 0x70  # the fifth byte is 7n, n = MIDI channel - 1
EOX = 0xF7

# Handshake bytes: both sides put ``7n`` before them.
REPLY = 0x30  # the CZ: "here comes data" / "ready to receive"
GO_AHEAD = 0x31  # the host: "send it"
BLOCK_END = 0x32  # end of one 256-nibble block of a multi-block transfer

TONE_BYTES = 128  # CZ-101/1000/3000/5000/230S tone
NAME_BYTES = 16  # CZ-1 names follow the tone data
NAMED_TONE_BYTES = TONE_BYTES + NAME_BYTES  # CZ-1 "tone with name"
OPMEM_BYTES = 20  # CZ-1 operation memory

# The CZ-1 panel can show these in a name (spec: A-Z, 0-9, space, * - / .).
CZ1_CHARSET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 *-/."

EDIT_BUFFER = 0x60  # the "sound area": every model takes a tone sent there without storing it


class Command(namedtuple("Command", ['code', 'kind', 'what', 'program', 'data_bytes', 'value', 'model', 'request_of'], defaults=(False, 0, False, None, None,))):
    """One command byte of the CZ protocol."""

    __slots__ = ()  # fields as listed in the comments below

    # code: int
    # kind: str  # Dump.kind of a message with this command
    # what: str  # the object it concerns, in words
    # program: bool = False  # a program address byte pp follows the command
    # data_bytes: int = 0  # logical bytes of nibble data after the header (receive forms)
    # value: bool = False  # a single value byte follows (control messages)
    # model: str | None = None  # set when only one model knows the command
    # request_of: int | None = None  # for send requests: the receive command of the same object


# Objects that travel as data: tone, CZ-1 named tone, CZ-1 operation memory.
TONE = Command(0x20, "tone", "tone", program=True, data_bytes=TONE_BYTES)
NAMED_TONE = Command(0x21, "tone", "CZ-1 tone with name", program=True,
                     data_bytes=NAMED_TONE_BYTES, model="CZ-1")
OPMEM = Command(0x22, "operation-memory", "CZ-1 operation memory", program=True,
                data_bytes=OPMEM_BYTES, model="CZ-1")
SEQUENCE = Command(0x24, "receive-request", "CZ-5000 sequencer data", program=True,
                   model="CZ-5000")

COMMANDS: dict[int, Command] = {c.code: c for c in (
    Command(0x10, "send-request", "tone", program=True, request_of=0x20),
    Command(0x11, "send-request", "CZ-1 tone with name", program=True, model="CZ-1",
            request_of=0x21),
    Command(0x12, "send-request", "CZ-1 operation memory", program=True, model="CZ-1",
            request_of=0x22),
    Command(0x14, "send-request", "CZ-5000 sequencer data", program=True, model="CZ-5000",
            request_of=0x24),
    TONE, NAMED_TONE, OPMEM, SEQUENCE,
    Command(REPLY, "reply", "data from the CZ"),
    Command(0x40, "bend-range", "pitch bend range", value=True),
    Command(0x41, "key-transpose", "key transpose", value=True),
    Command(0x42, "tone-mix", "CZ-1 tone mix", value=True, model="CZ-1"),
    Command(0x4D, "cz1-mode", "CZ-1 mode", value=True, model="CZ-1"),
)}

# What a CZ's ``7n 30`` reply carries, told apart by its length (it has no address byte).
REPLY_FORMS: dict[int, Command] = {2 * c.data_bytes: c for c in (TONE, NAMED_TONE, OPMEM)}

# Control values (spec): bend range 0-12 semitones; transpose 00-06 up, 41-45 down.
BEND_RANGE_MAX = 12
TRANSPOSE_UP_MAX = 6
TRANSPOSE_DOWN_MAX = 5
TRANSPOSE_DOWN_FLAG = 0x40
CZ1_MODES = {0x00: "normal", 0x20: "tone mix", 0x40: "key split", 0x60: "operation memory"}


def channel_byte(channel: int) -> int:
    """``7n`` for MIDI channel 1-16."""
    if not isinstance(channel, int) or not 1 <= channel <= 16:
        raise ValueError(f"MIDI channel {channel!r} is out of range (expected 1-16)")
    return CHANNEL_BASE | (channel - 1)


def header(channel: int, command: int) -> bytes:
    return HEADER + bytes([channel_byte(channel), command])
