"""The one table of the Yamaha DTXtreme IIs driver: header bytes, field offsets, object types.

Everything else (identify, decode, encode, builders, split/join, requests) reads these names, so
a fact learnt from a real dump changes one line here. Source: the IIs Data List (bulk dump and
dump request sections), cross-read with the DTXPRESS Data List; see
``/work/shared/specs/yamaha-dtxtreme2.md``. The Data Tables (what the data bytes mean) are not
published for the IIs, so every payload is kept as opaque bytes.
"""

from __future__ import annotations

from collections import namedtuple

DEVICE_ID = "yamaha-dtxtreme2"
MODEL = "DTXtreme IIs"

YAMAHA = 0x43
MODEL_GROUP = 0x7D
BULK_STATUS = 0x00  # byte 3 = 0n: bulk dump, n = device number - 1
REQUEST_STATUS = 0x20  # byte 3 = 2n: dump request
MODEL_ID = b"DTXT"
PREFIX = bytes([0xF0, YAMAHA, MODEL_GROUP])

# 14-bit numbers (object number, packet index, byte count) are two 7-bit bytes, MSB first.
EDIT_BUFFER = 0x3FFF  # object number 7F 7F: edit buffer / current song / the single item
MAX_14BIT = 0x3FFF

# Bulk dump layout (offsets in the whole message, F0 = 0).
BULK_BYTE_COUNT = 4
BULK_MODEL_ID = 6
BULK_TYPE = 10
BULK_INDEX = 14
BULK_NUMBER = 16
BULK_DATA = 18
BULK_MIN_LENGTH = BULK_DATA + 2  # header, checksum, F7 (no data)

# Dump request layout: F0 43 7D 2n "DTXT" t1 t2 t3 t4 numM numL F7 (no byte count, no checksum).
REQUEST_MODEL_ID = 4
REQUEST_TYPE = 8
REQUEST_NUMBER = 12
REQUEST_LENGTH = 15

# Checksum ranges: (sum(message[start:-2]) + csum) & 0x7F == 0. The Data Lists disagree on the
# start (see the spec); syxkit writes the first and accepts either, naming the one that matched.
CHECKSUM_RULES: dict[str, int] = {
    "bytecount..data": BULK_BYTE_COUNT,
    "DTXT..data": BULK_MODEL_ID,
}
WRITE_CHECKSUM_RULE = "bytecount..data"

# Byte count readings: what a byte count of a message with ``n`` data bytes would be. syxkit
# writes the first (the usual Yamaha reading, which the DTXPRESS Data List spells out: "from
# model ID to data"); the others are accepted with a note.
BYTE_COUNT_RULES: dict[str, int] = {  # rule -> count for zero data bytes (then + n)
    "DTXT..data": BULK_DATA - BULK_MODEL_ID,
    "DTXT..csum": BULK_DATA - BULK_MODEL_ID + 1,
    "data": 0,
}
WRITE_BYTE_COUNT_RULE = "DTXT..data"

# Songs: split over several messages when large (DTXPRESS rule, assumed for the IIs). The limit
# is read as data bytes on the wire (nibbles), i.e. 2,048 song bytes per packet: the smaller
# reading, so a packet never outgrows a receive buffer sized for the larger one.
SONG_PACKET_DATA_BYTES = 4096
SINGLE_PACKET = 0x0000  # index of a song sent in one message
FIRST_PACKET = 0x0001  # multi-packet songs count up from here...
LAST_PACKET = 0x3FFF  # ...and the last packet is 7F 7F


class ObjectType(namedtuple("ObjectType", ["kind", "code", "also_read", "title", "encoding", "numbered",
                                           "max_number", "edit_buffer", "packets", "file_stem",
                                           "order"])):
    """One kind of bulk data the module sends and receives. (A namedtuple, not a dataclass:
    the table is built when ``syxkit info`` starts, see syxkit.core.record.)"""

    __slots__ = ()  # fields as listed in the comments below

    # kind: str  # Dump.kind
    # code: bytes  # the 4 ASCII type bytes syxkit writes
    # also_read: tuple[bytes, ...]  # other codes accepted on input
    # title: str  # panel name for slots: "User kit 12"
    # encoding: str  # "bytes" (data bytes as they are) or "nibbles" (MS nibble first)
    # numbered: bool  # False: the object number is always 7F 7F (system)
    # max_number: int | None  # highest 0-based number the Data List gives (None: not stated)
    # edit_buffer: str | None  # slot label for 7F 7F; None: 7F 7F is not defined for this type
    # packets: bool  # may be split over several messages with a packet index
    # file_stem: str  # split file names: kit-012.syx
    # order: int  # position in a full backup


OBJECT_TYPES: tuple[ObjectType, ...] = (
    ObjectType("system", b"SYS0", (), "System", "bytes", False, None, "system", False, "system", 0),
    ObjectType("kit", b"OKI2", (), "User kit", "bytes", True, None, "edit buffer", False, "kit", 1),
    ObjectType("chain", b"OCH0", (), "User chain", "bytes", True, None, "edit buffer", False, "chain", 2),
    # The Data List prints $30 but labels it '1'; accept both, write OSG1 (see the spec).
    ObjectType("song", b"OSG1", (b"OSG0",), "User song", "nibbles", True, None, "current song", True, "song", 3),
    # "numM and numL ($00 - $0F ...) determines the user stack 1 - 16"; no edit buffer given.
    ObjectType("stack", b"VCE0", (), "User stack", "nibbles", True, 0x0F, None, False, "stack", 4),
)

_BY_CODE = {code: t for t in OBJECT_TYPES for code in (t.code, *t.also_read)}
_BY_KIND = {t.kind: t for t in OBJECT_TYPES}
KINDS = tuple(t.kind for t in OBJECT_TYPES)


def type_for_code(code: bytes) -> ObjectType | None:
    return _BY_CODE.get(bytes(code))


def type_for_kind(kind: str) -> ObjectType:
    try:
        return _BY_KIND[kind.removesuffix("-request")]
    except KeyError:
        raise KeyError(f"unknown DTXtreme IIs object kind {kind!r} (known: {', '.join(KINDS)})") from None


def known_codes() -> str:
    return ", ".join(t.code.decode() for t in OBJECT_TYPES)


def slot_label(otype: ObjectType, number: int) -> str:
    """The panel's name for an object number (panel numbering counts from 1)."""
    if not otype.numbered:
        return otype.edit_buffer or otype.title
    if number == EDIT_BUFFER:
        return otype.edit_buffer or f"{otype.title} 7F 7F (not defined)"
    return f"{otype.title} {number + 1}"
