"""What a VZ message is: voice, op-mem, bulk data (with its 64 or 128 parts), the handshake
messages, master tune / transpose, mode, card bank, multi, VZ-8M-only data."""

from __future__ import annotations

from collections.abc import Callable

from syxkit.core.codecs import decode_name
from syxkit.core.message import Message, Problem
from syxkit.devices.base import Dump
from syxkit.devices.casio_vz.messages import read_block
from syxkit.devices.casio_vz.table import (
    BANK_SIZE,
    BULK_CONTENT,
    BULK_LAYOUTS,
    CHARSET,
    CLOSE_SIZE,
    CONTROL_KINDS,
    DEVICE_ID,
    FAMILY_PREFIX,
    FORMAT_VZ1,
    FORMAT_VZ8M,
    HEADER_LEN,
    MASTER_KINDS,
    MODEL_VZ1,
    MODEL_VZ8M,
    OPAQUE_KINDS,
    OPEN_SIZE,
    OPMEM,
    SINGLE_BY_TAG,
    SINGLE_HEADER_LEN,
    VOICE,
    ObjectSpec,
    Tag,
    bulk_data_length,
    slot_label,
)

Locate = Callable[[int], int]


def locator(message: Message) -> Locate:
    """Position in ``message.data`` -> offset in the file. Librarian records (synthesised
    SysEx) bring their own mapping back to the record's bytes."""
    own = getattr(message, "locate", None)
    if own is not None:
        return own
    return lambda pos: message.offset + pos


def object_name(payload: bytes, spec: ObjectSpec) -> str:
    f = spec.name_field
    return decode_name(payload[f.offset : f.offset + f.kind.nbytes], CHARSET)


def identify(message: Message) -> Dump | None:
    data = message.data
    if not data.startswith(FAMILY_PREFIX):
        return None
    locate = locator(message)
    if len(data) < HEADER_LEN:
        return Dump(DEVICE_ID, "unknown", message, problems=[Problem(
            locate(len(data)), f"VZ message ends after {len(data)} bytes; expected at least "
                               f"{HEADER_LEN + 1} (F0 44 03 00 7n tt … F7)")])
    fmt, chan_byte, tag = data[3], data[4], data[5]
    problems: list[Problem] = []
    channel = None
    if chan_byte & 0xF0 == 0x70:
        channel = (chan_byte & 0x0F) + 1
    else:
        problems.append(Problem(locate(4), f"channel byte is {chan_byte:02X}; expected 7n "
                                           "(n = MIDI channel - 1)"))
    if fmt == FORMAT_VZ8M:
        if tag in CONTROL_KINDS:
            dump = _control(message, Tag(tag), MODEL_VZ8M, channel, locate)
        else:
            dump = Dump(DEVICE_ID, "vz8m-data", message, MODEL_VZ8M, channel, details={
                "tag": tag, "length": len(data)})
            dump.notes.append("VZ-8M-only data (other VZ models ignore it); layout not documented, "
                              "kept as found")
    elif fmt != FORMAT_VZ1:
        dump = Dump(DEVICE_ID, "unknown", message, channel=channel, details={"format": fmt})
        dump.problems.append(Problem(locate(3), f"format byte is {fmt:02X}; expected 00 (VZ-1 "
                                                "format) or 02 (VZ-8M data)"))
    elif tag in SINGLE_BY_TAG:
        dump = _single(message, SINGLE_BY_TAG[tag], channel, locate)
    elif tag == Tag.BULK_DATA:
        dump = _bulk(message, channel, locate)
    elif tag in CONTROL_KINDS:
        dump = _control(message, Tag(tag), MODEL_VZ1, channel, locate)
    elif tag == Tag.MASTER:
        dump = _master(message, channel, locate)
    elif tag in OPAQUE_KINDS:
        dump = Dump(DEVICE_ID, OPAQUE_KINDS[Tag(tag)], message, MODEL_VZ1, channel,
                    details={"length": len(data)})
        dump.notes.append("layout not documented; kept as found")
    else:
        dump = Dump(DEVICE_ID, "unknown", message, MODEL_VZ1, channel, details={"tag": tag})
        dump.notes.append(f"message type {tag:02X} is not a known VZ message (known: 00, 01, 02, "
                          "40, 50, 51, 70-74)")
    dump.problems[:0] = problems
    return dump


def _end(message: Message) -> int:
    """Where the data stops: before F7, or at the end of an unterminated message."""
    return len(message.data) - 1 if message.terminated else len(message.data)


def _single(message: Message, spec: ObjectSpec, channel: int | None, locate: Locate) -> Dump:
    data = message.data
    dump = Dump(DEVICE_ID, spec.kind, message, MODEL_VZ1, channel, slot="edit area")
    # A single object has no address: the VZ listening on the channel puts it in its edit area.
    dump.store = (f"edit area of the VZ on channel {channel} (7n={data[4]:02X}, no address byte): "
                  "not stored in a memory slot until saved on the panel")
    body = data[: _end(message)]
    if len(body) < SINGLE_HEADER_LEN:
        dump.problems.append(Problem(locate(len(body)), f"{spec.kind} message ends in its header "
                                                        f"after {len(body)} bytes; expected "
                                                        f"{spec.message_size} bytes in all"))
        return dump
    dump.details["range"] = data[6]
    block = read_block(body, SINGLE_HEADER_LEN, spec, locate)
    dump.problems += block.problems
    extra = len(body) - SINGLE_HEADER_LEN - spec.block
    if extra > 0:
        # Kept for decode -> encode (issue 13: a re-encode must not drop them silently).
        dump.details["trailing"] = body[SINGLE_HEADER_LEN + spec.block:].hex()
        dump.problems.append(Problem(locate(SINGLE_HEADER_LEN + spec.block),
                                     f"{extra} byte(s) after the {spec.kind} checksum; a single "
                                     f"{spec.kind} is {spec.message_size} bytes with F7"))
    dump.checksum, dump.payload = block.checksum, block.payload
    if block.payload is not None:
        dump.name = object_name(block.payload, spec)
    if block.stored is not None:
        dump.details["checksum_byte"] = block.stored
    return dump


def _bulk(message: Message, channel: int | None, locate: Locate) -> Dump:
    data = message.data[: _end(message)]
    length = len(data) - HEADER_LEN
    dump = Dump(DEVICE_ID, "bulk", message, MODEL_VZ1, channel)
    dump.store = (f"internal memory A1-H8 of the VZ on channel {channel} (7n={message.data[4]:02X}, "
                  "bulk 74: object n goes to slot n), when the VZ is in LOAD > MIDI")
    content = next((c for c, (v, o) in BULK_LAYOUTS.items() if bulk_data_length(v, o) == length), None)
    if content is None:
        sizes = ", ".join(f"{bulk_data_length(v, o):,} ({c})" for c, (v, o) in BULK_LAYOUTS.items())
        dump.problems.append(Problem(locate(len(data)), f"bulk data holds {length:,} bytes; expected "
                                                        f"{sizes}; read as far as it goes"))
        counts = _guess_counts(length)
    else:
        counts = BULK_LAYOUTS[content]
    pos = HEADER_LEN
    for spec, count in ((VOICE, counts[0]), (OPMEM, counts[1])):
        for i in range(count):
            if pos >= len(data):
                break
            part = _part(message, data, pos, spec, i, len(dump.parts), channel, locate)
            dump.parts.append(part)
            pos += spec.block
    if content is None and pos < len(data):
        dump.problems.append(Problem(locate(pos), f"{len(data) - pos} byte(s) after the last "
                                                  "object of the bulk data"))
    voices = sum(p.kind == VOICE.kind for p in dump.parts)
    opmems = len(dump.parts) - voices
    dump.details.update({"content": content or "unknown", "voices": voices, "opmems": opmems})
    bad = [p.index for p in dump.parts if p.checksum != "ok"]
    if not dump.parts:
        dump.checksum = "none"
    else:
        dump.checksum = "bad" if bad else "ok"
    if bad:
        dump.problems.append(Problem(locate(HEADER_LEN), f"{len(bad)} of {len(dump.parts)} objects "
                                                         f"are bad (parts {', '.join(map(str, bad))})"))
    return dump


def _guess_counts(length: int) -> tuple[int, int]:
    """For a bulk of unexpected size: voices first (as a VZ sends them), then op-mems."""
    voices = min(BANK_SIZE, -(-length // VOICE.block))
    rest = max(0, length - voices * VOICE.block)
    return voices, min(BANK_SIZE, -(-rest // OPMEM.block))


def _part(message: Message, data: bytes, pos: int, spec: ObjectSpec, number: int, index: int,
          channel: int | None, locate: Locate) -> Dump:
    block = read_block(data, pos, spec, locate)
    part = Dump(DEVICE_ID, spec.kind, message, MODEL_VZ1, channel, program=number,
                slot=slot_label(number), checksum=block.checksum, payload=block.payload,
                problems=block.problems, index=index)
    if block.payload is not None:
        part.name = object_name(block.payload, spec)
    part.store = f"internal {slot_label(number)} (object {number + 1} of the bulk)"
    part.details["position"] = pos
    if block.stored is not None:
        part.details["checksum_byte"] = block.stored
    return part


def _control(message: Message, tag: Tag, model: str, channel: int | None, locate: Locate) -> Dump:
    data = message.data
    kind = CONTROL_KINDS[tag]
    dump = Dump(DEVICE_ID, kind, message, model, channel)
    want = OPEN_SIZE if tag == Tag.BULK_OPEN else CLOSE_SIZE
    if tag == Tag.BULK_OPEN and len(data) > HEADER_LEN:
        code = data[HEADER_LEN]
        dump.details["content"] = BULK_CONTENT.get(code, code)
        if code not in BULK_CONTENT:
            dump.problems.append(Problem(locate(HEADER_LEN), f"bulk content byte is {code:02X}; "
                                                             "expected 00-03"))
    if len(data) != want or not message.terminated:
        dump.problems.append(Problem(locate(min(len(data), want) - 1),
                                     f"{kind} message is {len(data)} bytes; expected {want}"))
    return dump


def _master(message: Message, channel: int | None, locate: Locate) -> Dump:
    """``… 7n 40 ss hi lo F7``: ss 00 master tune, 01 transpose; the value as two nibbles."""
    data = message.data
    sub = data[6] if len(data) > 6 else None
    dump = Dump(DEVICE_ID, MASTER_KINDS.get(sub, "master"), message, MODEL_VZ1, channel)
    if len(data) != 10 or not message.terminated:
        dump.problems.append(Problem(locate(min(len(data), 10) - 1), f"{dump.kind} message is "
                                                                f"{len(data)} bytes; expected 10"))
        return dump
    if sub not in MASTER_KINDS:
        dump.problems.append(Problem(locate(6), f"selector byte is {sub:02X}; expected 00 (tune) "
                                                "or 01 (transpose)"))
    hi, lo = data[7], data[8]
    for at, b in ((7, hi), (8, lo)):
        if b > 0x0F:
            dump.problems.append(Problem(locate(at), f"byte {b:02X} is not a nibble (expected 00-0F)"))
    dump.details.update({"select": sub, "value": ((hi & 0x0F) << 4) | (lo & 0x0F)})
    return dump
