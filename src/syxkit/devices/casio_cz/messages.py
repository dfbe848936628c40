"""Builders for every CZ message: the plain Python functions that the operations here and the
live-transfer work later call. Header bytes come from :mod:`.table`.

Requests come in two forms:

* faithful: ``F0 44 00 00 7n 10 pp`` with no ``F7``. The CZ answers ``F0 44 00 00 7n 30`` and
  waits for the host's ``7n 31`` (sent inside the host's still-open SysEx), then sends the data
  and ``F7``; the host closes its own SysEx with ``F7``. Needs a byte-level MIDI path.
* embedded: ``F0 44 00 00 7n 10 pp 7n 31 F7``, the go-ahead inside the request, for MIDI APIs
  that can only send whole messages (what most editors do).
"""

from __future__ import annotations

from syxkit.core.codecs import nibbles_lo_first
from syxkit.devices.casio_cz.table import (
    BEND_RANGE_MAX,
    BLOCK_END,
    COMMANDS,
    CZ1_MODES,
    EOX,
    GO_AHEAD,
    NAMED_TONE,
    OPMEM,
    REPLY,
    TONE,
    TRANSPOSE_DOWN_FLAG,
    TRANSPOSE_DOWN_MAX,
    TRANSPOSE_UP_MAX,
    Command,
    channel_byte,
    header,
)

# What each request asks for, by the names the protocol layer uses.
REQUESTABLE = {"tone": 0x10, "named-tone": 0x11, "operation-memory": 0x12, "sequencer": 0x14}
RECEIVABLE = {"tone": 0x20, "named-tone": 0x21, "operation-memory": 0x22, "sequencer": 0x24}


def _program(pp: int) -> int:
    if isinstance(pp, bool) or not isinstance(pp, int) or not 0 <= pp <= 0x7F:
        raise ValueError(f"program {pp!r} is out of range (a CZ program address is 0x00-0x7F)")
    return pp


def _command_for(what: str, table: dict[str, int]) -> int:
    try:
        return table[what]
    except KeyError:
        raise ValueError(f"unknown object {what!r} (expected one of {', '.join(table)})") from None


def go_ahead(channel: int = 1) -> bytes:
    """``7n 31``: the host's "send it" after the CZ's ``…7n 30``."""
    return bytes([channel_byte(channel), GO_AHEAD])


def block_end(channel: int = 1) -> bytes:
    """``7n 32``: end of one 256-nibble block in a multi-block transfer."""
    return bytes([channel_byte(channel), BLOCK_END])


def reply_header(channel: int = 1) -> bytes:
    """``F0 44 00 00 7n 30``: the CZ's answer to a request (the SysEx stays open)."""
    return header(channel, REPLY)


def send_request(program: int, channel: int = 1, what: str = "tone", *,
                 embedded: bool = False) -> bytes:
    """Ask the CZ to send an object: faithful ``…7n 10 pp`` (no F7) or embedded
    ``…7n 10 pp 7n 31 F7``. ``what``: tone, named-tone (CZ-1), operation-memory (CZ-1),
    sequencer (CZ-5000, program 0x61)."""
    msg = header(channel, _command_for(what, REQUESTABLE)) + bytes([_program(program)])
    if embedded:
        msg += go_ahead(channel) + bytes([EOX])
    return msg


def receive_request(program: int, channel: int = 1, what: str = "tone") -> bytes:
    """Tell the CZ an object for slot ``pp`` follows: ``…7n 20 pp`` (no F7). The faithful host
    then waits for the CZ's ``…7n 30`` before sending :func:`data_block`."""
    return header(channel, _command_for(what, RECEIVABLE)) + bytes([_program(program)])


def data_block(payload: bytes) -> bytes:
    """The data that follows a receive request (or a CZ's reply): nibbles low first, then F7."""
    return nibbles_lo_first(payload) + bytes([EOX])


def _object_command(payload: bytes) -> Command:
    for command in (TONE, NAMED_TONE, OPMEM):
        if len(payload) == command.data_bytes:
            return command
    raise ValueError(f"{len(payload)} bytes is no CZ object (tone {TONE.data_bytes}, CZ-1 tone "
                     f"with name {NAMED_TONE.data_bytes}, operation memory {OPMEM.data_bytes})")


def object_message(payload: bytes, channel: int = 1, program: int | None = 0x60) -> bytes:
    """A tone (128 bytes), CZ-1 tone with name (144) or CZ-1 operation memory (20) as one
    message: the receive form ``…7n 2x pp`` + nibbles + F7 that a CZ accepts, or with
    ``program=None`` the form a CZ sends (``…7n 30`` + nibbles + F7, no address)."""
    command = _object_command(payload)
    if program is None:
        return header(channel, REPLY) + data_block(payload)
    return header(channel, command.code) + bytes([_program(program)]) + data_block(payload)


def tone_message(payload: bytes, channel: int = 1, program: int | None = 0x60) -> bytes:
    """A tone for slot ``program`` (264 bytes; 296 for a CZ-1 tone with name). ``program=None``
    builds what a CZ sends when asked (263/295 bytes, no address)."""
    if len(payload) not in (TONE.data_bytes, NAMED_TONE.data_bytes):
        raise ValueError(f"a CZ tone is {TONE.data_bytes} bytes ({NAMED_TONE.data_bytes} with a "
                         f"CZ-1 name), not {len(payload)}")
    return object_message(payload, channel, program)


def _value_message(code: int, value: int, channel: int) -> bytes:
    return header(channel, code) + bytes([value, EOX])


def bend_range(semitones: int, channel: int = 1) -> bytes:
    """``…7n 40 vv F7``: pitch bend range 0-12 semitones."""
    if isinstance(semitones, bool) or not isinstance(semitones, int) or not 0 <= semitones <= BEND_RANGE_MAX:
        raise ValueError(f"bend range {semitones!r} is out of range (0-{BEND_RANGE_MAX} semitones)")
    return _value_message(0x40, semitones, channel)


def transpose_value(semitones: int) -> int:
    if isinstance(semitones, bool) or not isinstance(semitones, int) or \
            not -TRANSPOSE_DOWN_MAX <= semitones <= TRANSPOSE_UP_MAX:
        raise ValueError(f"key transpose {semitones!r} is out of range "
                         f"(-{TRANSPOSE_DOWN_MAX} to +{TRANSPOSE_UP_MAX} semitones)")
    return semitones if semitones >= 0 else TRANSPOSE_DOWN_FLAG | -semitones


def transpose_semitones(value: int) -> int | None:
    """The semitones a transpose byte means, or None for a byte the CZ does not define."""
    if 0 <= value <= TRANSPOSE_UP_MAX:
        return value
    if value & TRANSPOSE_DOWN_FLAG and 1 <= value & 0x3F <= TRANSPOSE_DOWN_MAX:
        return -(value & 0x3F)
    return None


def key_transpose(semitones: int, channel: int = 1) -> bytes:
    """``…7n 41 vv F7``: 00-06 up, 41-45 down."""
    return _value_message(0x41, transpose_value(semitones), channel)


def tone_mix(value: int, channel: int = 1) -> bytes:
    """``…7n 42 vv F7`` (CZ-1): the tone mix value byte, as documented by one source only."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 0x7F:
        raise ValueError(f"tone mix value {value!r} is out of range (0x00-0x7F)")
    return _value_message(0x42, value, channel)


def cz1_mode(mode: str | int, channel: int = 1) -> bytes:
    """``…7n 4D dd F7`` (CZ-1): normal, tone mix, key split or operation memory."""
    codes = {v: k for k, v in CZ1_MODES.items()}
    if isinstance(mode, str):
        if mode not in codes:
            raise ValueError(f"unknown CZ-1 mode {mode!r} (expected {', '.join(codes)})")
        mode = codes[mode]
    if mode not in CZ1_MODES:
        raise ValueError(f"CZ-1 mode byte {mode!r} is not one of "
                         f"{', '.join(f'{k:02X}' for k in CZ1_MODES)}")
    return _value_message(0x4D, mode, channel)


def command_name(code: int) -> str:
    cmd = COMMANDS.get(code)
    return f"0x{code:02X}" + (f" ({cmd.kind}: {cmd.what})" if cmd else "")
