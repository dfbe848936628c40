"""Files of an old DOS VZ librarian (1991, MIDI.EXE): records of ``lead byte + data bytes +
checksum``, 338 bytes per voice (.P01, .P02, .P05, .PCH, .P64 …) and 102 per op-mem (.O01,
.O64). The lead byte is a leftover of the program's buffer (40 in single files, anything in
banks) and the extension can lie, so the record size decides the kind; the checksum rule is
the SysEx one. Each record becomes a synthesised single SysEx message that keeps the record's
bytes in ``raw`` and maps positions back to them, so problems name offsets in the real file.
"""

from __future__ import annotations

from pathlib import PurePath

from syxkit.core.codecs import nibbles_hi_first
from syxkit.core.message import Message
from syxkit.devices.casio_vz.messages import checksum
from syxkit.devices.casio_vz.table import (
    DEFAULT_RANGE,
    HEADER,
    OPMEM,
    SINGLE_HEADER_LEN,
    VOICE,
    ObjectSpec,
)

# The program always wrote 40 as the lead byte of single-record files.
SINGLE_LEAD = 0x40
_PRINTABLE = range(0x20, 0x7F)
_EXTENSION_KIND = {"O": OPMEM.kind, "P": VOICE.kind}


class RecordMessage(Message):
    """A librarian record standing as the single SysEx message it is equivalent to: a
    :class:`Message` with the record's kind, number and the file's record count."""

    __slots__ = ("kind", "record", "records")

    def __init__(self, *args, kind: str = "voice", record: int = 0, records: int = 1, **kw):
        super().__init__(*args, **kw)
        self.kind = kind
        self.record = record
        self.records = records

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return Message.__eq__(self, other) and (self.kind, self.record, self.records) == (
            other.kind, other.record, other.records)

    __hash__ = None  # type: ignore[assignment]  (mutable)

    def locate(self, pos: int) -> int:
        """Position in the synthesised message -> offset in the file: the header stands for the
        lead byte, two nibbles for one data byte, then the checksum byte."""
        size = (VOICE if self.kind == VOICE.kind else OPMEM).size
        if pos < SINGLE_HEADER_LEN:
            return self.offset
        k = pos - SINGLE_HEADER_LEN
        if k < 2 * size:
            return self.offset + 1 + k // 2
        return self.offset + 1 + size


def _records(data: bytes, spec: ObjectSpec) -> list[bytes]:
    n = spec.dos_record
    return [data[i : i + n] for i in range(0, len(data), n)]


def _name_ok(record: bytes, spec: ObjectSpec) -> bool:
    at = 1 + spec.name_field.offset
    return all(b in _PRINTABLE for b in record[at : at + 12])


def _sum_ok(record: bytes) -> bool:
    return record[-1] == checksum(record[1:-1])


def _plausible(data: bytes, spec: ObjectSpec) -> int | None:
    """How many records have a valid checksum, or None when the file is not of this kind:
    most records must carry a printable name and at least half a valid checksum (a lone record
    with a bad checksum is still taken when it has the program's 40 lead byte and a printable
    name). Twelve printable bytes at the name's place in every record already rule out random
    binaries; the checksums rule out other formats with text at that place."""
    if not data or len(data) % spec.dos_record:
        return None
    recs = _records(data, spec)
    names = sum(_name_ok(r, spec) for r in recs)
    sums = sum(_sum_ok(r) for r in recs)
    if names * 2 <= len(recs):
        return None
    if (sums and sums * 2 >= len(recs)) or (len(recs) == 1 and recs[0][0] == SINGLE_LEAD):
        return sums
    return None


def read_dos_file(data: bytes, path: str) -> list[Message] | None:
    if data[:1] == b"\xf0":
        return None
    scored = [(n, spec) for spec in (VOICE, OPMEM) if (n := _plausible(data, spec)) is not None]
    if not scored:
        return None
    spec = max(scored, key=lambda s: s[0])[1]
    recs = _records(data, spec)
    messages: list[Message] = []
    for i, rec in enumerate(recs):
        # The stored checksum goes in as found (even above 7F) so a bad one shows as bad.
        synth = HEADER + bytes([0x70, spec.tag, DEFAULT_RANGE]) + nibbles_hi_first(rec[1:-1]) \
            + rec[-1:] + b"\xf7"
        messages.append(RecordMessage(synth, i * spec.dos_record, path, raw=rec, index=i,
                                      kind=spec.kind, record=i, records=len(recs)))
    return messages


def extension_note(path: str, kind: str) -> str | None:
    """A note when the file's extension says the other kind (.Oxx vs .Pxx)."""
    suffix = PurePath(path.split("!")[-1]).suffix.upper()
    said = _EXTENSION_KIND.get(suffix[1:2]) if len(suffix) >= 2 else None
    if said is not None and said != kind:
        return f"extension {suffix} suggests {said} records, but the record size says {kind}"
    return None
