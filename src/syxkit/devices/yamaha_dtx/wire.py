"""The bytes of one DTXtreme IIs message: 14-bit fields, checksum and byte-count rules, payload
encodings, and parsing/building of bulk dumps and dump requests. Pure functions on bytes."""

from __future__ import annotations

from collections import namedtuple

from syxkit.core.codecs import denibble_hi_first, nibbles_hi_first
from syxkit.devices.yamaha_dtx.table import (
    BULK_BYTE_COUNT,
    BULK_DATA,
    BULK_INDEX,
    BULK_MIN_LENGTH,
    BULK_MODEL_ID,
    BULK_NUMBER,
    BULK_STATUS,
    BULK_TYPE,
    BYTE_COUNT_RULES,
    CHECKSUM_RULES,
    MAX_14BIT,
    MODEL_ID,
    PREFIX,
    REQUEST_NUMBER,
    REQUEST_STATUS,
    REQUEST_TYPE,
    WRITE_BYTE_COUNT_RULE,
    WRITE_CHECKSUM_RULE,
    ObjectType,
)


def split14(value: int) -> bytes:
    """A 14-bit number as two 7-bit bytes, MSB first."""
    if not 0 <= value <= MAX_14BIT:
        raise ValueError(f"{value} does not fit in 14 bits (0-{MAX_14BIT})")
    return bytes([value >> 7, value & 0x7F])


def join14(msb: int, lsb: int) -> int:
    return ((msb & 0x7F) << 7) | (lsb & 0x7F)


def hex14(value: int) -> str:
    """A 14-bit number as its two wire bytes, e.g. '7F 7F'."""
    return split14(value).hex(" ").upper()


def checksum(head_and_data: bytes, rule: str = WRITE_CHECKSUM_RULE) -> int:
    """The checksum byte for a message whose bytes up to the last data byte are given."""
    return (-sum(head_and_data[CHECKSUM_RULES[rule]:])) & 0x7F


def byte_count(n_data: int, rule: str = WRITE_BYTE_COUNT_RULE) -> int:
    return BYTE_COUNT_RULES[rule] + n_data


# Rules and Bulk are namedtuples, not dataclasses: parsing a dump is on the start path of
# ``syxkit info`` (see syxkit.core.record).


class Rules(namedtuple("Rules", ["checksum", "byte_count"],
                       defaults=(WRITE_CHECKSUM_RULE, WRITE_BYTE_COUNT_RULE))):
    """Which checksum range and byte-count reading a message is written with."""

    __slots__ = ()  # fields as listed in the comments below

    # checksum: str = WRITE_CHECKSUM_RULE
    # byte_count: str = WRITE_BYTE_COUNT_RULE


WRITE_RULES = Rules()


def build_bulk(code: bytes, number: int, data: bytes, *, device: int = 0, index: int = 0,
               rules: Rules = WRITE_RULES) -> bytes:
    """A complete bulk dump message around ``data`` (the data bytes as sent)."""
    code = bytes(code)
    if len(code) != 4 or not code.isascii():
        raise ValueError(f"type {code!r} must be 4 ASCII characters")
    if not 0 <= device <= 15:
        raise ValueError(f"device number {device + 1} is out of range 1-16")
    bad = next((i for i, b in enumerate(data) if b > 0x7F), -1)
    if bad >= 0:
        raise ValueError(f"data byte {bad} is {data[bad]:02X}; MIDI data bytes are 00-7F")
    count = byte_count(len(data), rules.byte_count)
    if count > MAX_14BIT:
        raise ValueError(f"{len(data)} data bytes are too many for one message (the 14-bit byte "
                         f"count allows {MAX_14BIT - byte_count(0, rules.byte_count)})")
    body = (PREFIX + bytes([BULK_STATUS | device]) + split14(count) + MODEL_ID + code
            + split14(index) + split14(number) + bytes(data))
    return body + bytes([checksum(body, rules.checksum), 0xF7])


def build_request(code: bytes, number: int, *, device: int = 0) -> bytes:
    """A dump request: ``F0 43 7D 2n "DTXT" t1 t2 t3 t4 numM numL F7``."""
    code = bytes(code)
    if len(code) != 4 or not code.isascii():
        raise ValueError(f"type {code!r} must be 4 ASCII characters")
    if not 0 <= device <= 15:
        raise ValueError(f"device number {device + 1} is out of range 1-16")
    return PREFIX + bytes([REQUEST_STATUS | device]) + MODEL_ID + code + split14(number) + b"\xf7"


class Bulk(namedtuple("Bulk", ["device", "byte_count", "code", "index", "number", "data", "checksum",
                               "checksum_rules", "byte_count_rules"])):
    """The fields of one bulk dump as found (nothing checked or repaired). (The field
    ``index`` hides the tuple method of that name.)"""

    __slots__ = ()  # fields as listed in the comments below

    # device: int  # 0-15
    # byte_count: int
    # code: bytes
    # index: int
    # number: int
    # data: bytes  # data bytes as sent
    # checksum: int | None  # None: the message has no F7, so no byte can be told to be the checksum
    # checksum_rules: tuple[str, ...]  # the ranges the checksum satisfies (empty: bad)
    # byte_count_rules: tuple[str, ...]  # the readings the byte count matches (empty: wrong)

    def rules(self) -> Rules:
        """The rules to keep when rewriting this message: the ones it was found to follow,
        syxkit's own where it follows both or neither."""
        cs = self.checksum_rules
        bc = self.byte_count_rules
        return Rules(
            cs[0] if cs and WRITE_CHECKSUM_RULE not in cs else WRITE_CHECKSUM_RULE,
            bc[0] if bc and WRITE_BYTE_COUNT_RULE not in bc else WRITE_BYTE_COUNT_RULE,
        )


def parse_bulk(msg: bytes, terminated: bool = True) -> Bulk | None:
    """Split a bulk dump into its fields; None when it is too short to hold the header."""
    if len(msg) < BULK_DATA + (2 if terminated else 0):
        return None
    end = len(msg) - 2 if terminated else len(msg)
    data = bytes(msg[BULK_DATA:end])
    count = join14(msg[BULK_BYTE_COUNT], msg[BULK_BYTE_COUNT + 1])
    csum = msg[-2] if terminated else None
    cs_rules: tuple[str, ...] = ()
    if csum is not None:
        head = msg[:end]
        cs_rules = tuple(r for r in CHECKSUM_RULES if checksum(head, r) == csum)
    bc_rules = tuple(r for r in BYTE_COUNT_RULES if byte_count(len(data), r) == count)
    return Bulk(
        device=msg[3] & 0x0F, byte_count=count, code=bytes(msg[BULK_TYPE:BULK_TYPE + 4]),
        index=join14(msg[BULK_INDEX], msg[BULK_INDEX + 1]),
        number=join14(msg[BULK_NUMBER], msg[BULK_NUMBER + 1]),
        data=data, checksum=csum, checksum_rules=cs_rules, byte_count_rules=bc_rules,
    )


def is_bulk(msg: bytes) -> bool:
    return (len(msg) >= BULK_MODEL_ID + 4 and msg[3] & 0xF0 == BULK_STATUS
            and msg[BULK_MODEL_ID:BULK_MODEL_ID + 4] == MODEL_ID)


def is_request(msg: bytes) -> bool:
    return (len(msg) >= REQUEST_TYPE and msg[3] & 0xF0 == REQUEST_STATUS
            and msg[4:REQUEST_TYPE] == MODEL_ID)


def request_fields(msg: bytes) -> tuple[int, bytes, int | None]:
    """(device 0-15, type code, object number or None when the message is too short)."""
    code = bytes(msg[REQUEST_TYPE:REQUEST_TYPE + 4])
    number = (join14(msg[REQUEST_NUMBER], msg[REQUEST_NUMBER + 1])
              if len(msg) >= REQUEST_NUMBER + 2 else None)
    return msg[3] & 0x0F, code, number


def payload_from_data(otype: ObjectType | None, data: bytes) -> bytes:
    """The logical bytes of a dump's data (raises CodecError with the offset in ``data``)."""
    if otype is not None and otype.encoding == "nibbles":
        return denibble_hi_first(data)
    return bytes(data)


def data_from_payload(otype: ObjectType | None, payload: bytes) -> bytes:
    """The data bytes to send for a payload (raises ValueError when a byte cannot be sent)."""
    if otype is not None and otype.encoding == "nibbles":
        return nibbles_hi_first(payload)
    bad = next((i for i, b in enumerate(payload) if b > 0x7F), -1)
    if bad >= 0:
        what = otype.kind if otype else "this"
        raise ValueError(f"payload byte {bad} is {payload[bad]:02X}: {what} data is sent as "
                         "plain MIDI data bytes, so each must be 00-7F")
    return bytes(payload)


__all__ = [
    "BULK_MIN_LENGTH", "Bulk", "Rules", "WRITE_RULES", "build_bulk", "build_request", "byte_count",
    "checksum", "data_from_payload", "hex14", "is_bulk", "is_request", "join14", "parse_bulk",
    "payload_from_data", "request_fields", "split14",
]
