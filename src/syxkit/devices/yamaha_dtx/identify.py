"""Saying what one message is: a bulk dump or a dump request, with every check of the header,
byte count, checksum and data reported as a located problem (offsets absolute in the file).

Tolerant when reading: a message that breaks a rule is still identified and described, so the
user sees what is wrong and where; strict rules are kept for what syxkit writes."""

from __future__ import annotations

from syxkit.core.codecs import CodecError
from syxkit.core.message import Message, Problem
from syxkit.devices.base import Dump
from syxkit.devices.yamaha_dtx.table import (
    BULK_BYTE_COUNT,
    BULK_DATA,
    BULK_INDEX,
    BULK_MIN_LENGTH,
    BULK_NUMBER,
    BULK_TYPE,
    DEVICE_ID,
    EDIT_BUFFER,
    LAST_PACKET,
    MAX_14BIT,
    MODEL,
    PREFIX,
    REQUEST_LENGTH,
    REQUEST_NUMBER,
    REQUEST_TYPE,
    SINGLE_PACKET,
    WRITE_BYTE_COUNT_RULE,
    WRITE_CHECKSUM_RULE,
    ObjectType,
    known_codes,
    slot_label,
    type_for_code,
)
from syxkit.devices.yamaha_dtx.wire import (
    Bulk,
    byte_count,
    checksum,
    hex14,
    is_bulk,
    is_request,
    parse_bulk,
    payload_from_data,
    request_fields,
)

CHECKSUM_RANGE_TEXT = {
    "bytecount..data": "sum from the byte count through the last data byte",
    "DTXT..data": "sum from 'DTXT' through the last data byte",
}
BYTE_COUNT_TEXT = {
    "DTXT..data": "bytes from 'DTXT' through the last data byte",
    "DTXT..csum": "bytes from 'DTXT' through the checksum",
    "data": "data bytes only",
}


def file_offset(message: Message, pos: int) -> int:
    """The offset in the file of byte ``pos`` of ``message.data``. Real-time bytes that framing
    removed from inside the message are counted back in, so the offset points at the byte."""
    raw = message.raw
    if raw is None or len(raw) == len(message.data) or raw[:1] != b"\xf0":
        return message.offset + pos
    kept = 0
    for i, b in enumerate(raw):
        if i and b >= 0xF8:  # removed by framing
            continue
        if kept == pos:
            return message.offset + i
        kept += 1
    return message.offset + len(raw) + (pos - kept)


def dump_slot(otype: ObjectType, number: int) -> str:
    """The panel's name with the wire number beside it: "User kit 12 (wire 00 0B)"."""
    label = slot_label(otype, number)
    return label if not otype.numbered or number == EDIT_BUFFER else f"{label} (wire {hex14(number)})"


def store_text(otype: ObjectType, number: int, device: int) -> str:
    """Where the module stores a bulk dump sent to it, from the bytes that decide it: the type,
    the object number (bytes 16-17) and the device number (byte 3 = 0n)."""
    if not otype.numbered:
        where = f"{otype.title.lower()} ({otype.code.decode()})"
    elif number == EDIT_BUFFER:
        where = f"{otype.edit_buffer or 'undefined 7F 7F'} (number 7F 7F)"
    else:
        where = f"{slot_label(otype, number)} (number {hex14(number)})"
    return (f"{where}, on a module set to device number {device + 1} (byte 3 = "
            f"{device:02X}; others ignore it)")


def _type_text(code: bytes) -> str:
    return repr(code.decode("ascii", "replace")) if code.isascii() else code.hex(" ").upper()


def identify(message: Message) -> Dump | None:
    data = message.data
    if not data.startswith(PREFIX):
        return None
    if is_bulk(data):
        return _bulk(message)
    if is_request(data):
        return _request(message)
    return None


def _non_data_byte(message: Message, start: int, problems: list[Problem]) -> None:
    data = message.data
    end = len(data) - 1 if message.terminated else len(data)
    for i in range(start, end):
        if data[i] > 0x7F:
            problems.append(Problem(file_offset(message, i),
                                    f"byte {data[i]:02X} inside the message (expected data 00-7F)"))
            return


def _bulk(message: Message) -> Dump:
    data = message.data
    at = lambda pos: file_offset(message, pos)  # noqa: E731
    code = bytes(data[BULK_TYPE:BULK_TYPE + 4])
    otype = type_for_code(code)
    dump = Dump(DEVICE_ID, otype.kind if otype else "unknown", message, model=MODEL)
    d = dump.details
    d["device_number"] = (data[3] & 0x0F) + 1
    d["type"] = code.decode("ascii", "replace")
    d["encoding"] = "nibbles, MS nibble first" if otype and otype.encoding == "nibbles" else "bytes"
    if otype is None:
        dump.problems.append(Problem(at(BULK_TYPE), f"type {_type_text(code)} is not a DTXtreme IIs "
                                                    f"bulk type (expected one of {known_codes()})"))
    elif code != otype.code:
        dump.notes.append(f"type {code.decode()} read as {otype.kind} data (the Data List prints "
                          f"both); syxkit writes {otype.code.decode()}")
    _non_data_byte(message, 1, dump.problems)
    bulk = parse_bulk(data, message.terminated)
    if bulk is None:
        dump.problems.append(Problem(at(len(data)), f"message is {len(data)} bytes; a bulk dump has "
                                                    f"at least {BULK_MIN_LENGTH} (18-byte header, "
                                                    "checksum, F7)"))
        return dump
    dump.program = bulk.number
    d["index"] = bulk.index
    d["number"] = bulk.number
    d["byte_count"] = bulk.byte_count
    d["data_bytes"] = len(bulk.data)
    if otype is not None:
        dump.slot = dump_slot(otype, bulk.number)
        dump.store = store_text(otype, bulk.number, bulk.device)
        _check_address(dump, otype, bulk, at)
    if not message.terminated:
        dump.problems.append(Problem(at(len(data)), "message has no F7, so the checksum byte cannot "
                                                    "be told from the data; data not decoded"))
        d["checksum_rule"] = None
        return dump
    _check_byte_count(dump, bulk, at)
    _check_checksum(dump, bulk, data, at)
    try:
        dump.payload = payload_from_data(otype, bulk.data)
    except CodecError as exc:
        pos = min(exc.offset, len(bulk.data) - 1) if bulk.data else 0
        dump.problems.append(Problem(at(BULK_DATA + pos), f"{dump.kind} data: {exc.text}"))
    if dump.payload is not None:
        d["payload_bytes"] = len(dump.payload)
    if otype is not None and otype.packets:
        _describe_packet(dump, bulk.index)
    return dump


def _check_address(dump: Dump, otype: ObjectType, bulk: Bulk, at) -> None:
    if not otype.packets and bulk.index != 0:
        dump.problems.append(Problem(at(BULK_INDEX), f"bytes 14-15 are {hex14(bulk.index)}; "
                                                     f"expected 00 00 for {otype.kind} data"))
    if not otype.numbered and bulk.number != EDIT_BUFFER:
        dump.problems.append(Problem(at(BULK_NUMBER), f"object number is {hex14(bulk.number)}; "
                                                      f"expected 7F 7F for {otype.kind} data"))
    elif otype.max_number is not None and bulk.number > otype.max_number:
        dump.problems.append(Problem(at(BULK_NUMBER), _range_text(otype, bulk.number)))


def _range_text(otype: ObjectType, number: int) -> str:
    return (f"{otype.kind} number is {hex14(number)}; expected 00 00-{hex14(otype.max_number)} "
            f"({otype.title.lower()} 1-{otype.max_number + 1})")


def _check_byte_count(dump: Dump, bulk: Bulk, at) -> None:
    found = bulk.byte_count_rules
    dump.details["byte_count_rule"] = (WRITE_BYTE_COUNT_RULE if WRITE_BYTE_COUNT_RULE in found
                                       else found[0] if found else None)
    want = byte_count(len(bulk.data))
    if WRITE_BYTE_COUNT_RULE in found:
        return
    if want > MAX_14BIT:
        # Found by fuzzing: such a message cannot be counted in 14 bits (hex14 would raise).
        dump.problems.append(Problem(at(BULK_BYTE_COUNT), f"byte count is {bulk.byte_count} "
                                                          f"({hex14(bulk.byte_count)}); the "
                                                          f"{len(bulk.data)} data bytes are too "
                                                          f"many for a 14-bit byte count (at most "
                                                          f"{MAX_14BIT - byte_count(0)})"))
        return
    if found:
        dump.notes.append(f"byte count {bulk.byte_count} counts the {BYTE_COUNT_TEXT[found[0]]}; "
                          f"accepted (syxkit writes {want}, the {BYTE_COUNT_TEXT[WRITE_BYTE_COUNT_RULE]})")
        return
    dump.problems.append(Problem(at(BULK_BYTE_COUNT), f"byte count is {bulk.byte_count} "
                                                      f"({hex14(bulk.byte_count)}); expected {want} "
                                                      f"({hex14(want)}), the "
                                                      f"{BYTE_COUNT_TEXT[WRITE_BYTE_COUNT_RULE]}"))


def _check_checksum(dump: Dump, bulk: Bulk, data: bytes, at) -> None:
    matched = bulk.checksum_rules
    head = data[:-2]
    if not matched:
        dump.checksum = "bad"
        dump.details["checksum_rule"] = None
        expected = " or ".join(f"{checksum(head, r):02X} ({CHECKSUM_RANGE_TEXT[r]})"
                               for r in CHECKSUM_RANGE_TEXT)
        dump.problems.append(Problem(at(len(data) - 2),
                                     f"checksum is {bulk.checksum:02X}; expected {expected}"))
        return
    dump.checksum = "ok"
    dump.details["checksum_rule"] = WRITE_CHECKSUM_RULE if WRITE_CHECKSUM_RULE in matched else matched[0]
    if len(matched) > 1:
        dump.details["checksum_rules_matched"] = list(matched)
    elif matched[0] != WRITE_CHECKSUM_RULE:
        dump.notes.append(f"checksum matches the {CHECKSUM_RANGE_TEXT[matched[0]]} (syxkit writes "
                          f"the {CHECKSUM_RANGE_TEXT[WRITE_CHECKSUM_RULE]}); kept when rewriting")


def _describe_packet(dump: Dump, index: int) -> None:
    d = dump.details
    d["packet"] = index
    d["last_packet"] = index in (SINGLE_PACKET, LAST_PACKET)
    if index == SINGLE_PACKET:
        dump.notes.append("song in one message (packet 00 00)")
    elif index == LAST_PACKET:
        dump.notes.append("last packet (7F 7F) of a multi-message song")
    else:
        dump.notes.append(f"packet {hex14(index)} of a multi-message song; more follow")


def _request(message: Message) -> Dump:
    data = message.data
    at = lambda pos: file_offset(message, pos)  # noqa: E731
    device, code, number = request_fields(data)
    otype = type_for_code(code) if len(code) == 4 else None
    dump = Dump(DEVICE_ID, f"{otype.kind}-request" if otype else "request", message, model=MODEL)
    d = dump.details
    d["device_number"] = device + 1
    d["type"] = code.decode("ascii", "replace")
    _non_data_byte(message, 1, dump.problems)
    if otype is None:
        dump.problems.append(Problem(at(REQUEST_TYPE), f"request type {_type_text(code)} is not a "
                                                       f"DTXtreme IIs bulk type (expected one of "
                                                       f"{known_codes()})"))
    if len(data) != REQUEST_LENGTH or not message.terminated:
        dump.problems.append(Problem(at(min(len(data), REQUEST_LENGTH - 1)),
                                     f"dump request is {len(data)} bytes; expected {REQUEST_LENGTH} "
                                     "(F0 43 7D 2n 'DTXT' type numM numL F7)"))
    if number is None:
        return dump
    dump.program = number
    d["number"] = number
    if otype is None:
        return dump
    dump.slot = dump_slot(otype, number)
    if not otype.numbered and number != EDIT_BUFFER:
        dump.problems.append(Problem(at(REQUEST_NUMBER), f"object number is {hex14(number)}; "
                                                         f"a {otype.kind} request must use 7F 7F"))
    elif otype.max_number is not None and number > otype.max_number:
        dump.problems.append(Problem(at(REQUEST_NUMBER), _range_text(otype, number)))
    if otype.packets and number == EDIT_BUFFER:
        dump.notes.append("the module does not answer a song request for 7F 7F (current song)")
    return dump
