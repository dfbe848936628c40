"""SysEx out of Standard MIDI Files (and RIFF ``RMID`` files, which wrap one).

mido supplies the file-structure primitives (chunk headers, variable-length quantities, the
lengths of channel messages). The SysEx events are walked here because mido's own reader strips
the trailing F7 that tells a complete ``F0`` packet from the first piece of a split one, and
refuses ``F7`` escape packets holding bytes above 0x7F; both matter for reassembling split dumps.

How SMF stores SysEx: ``F0 <len> <bytes>`` starts a message (its bytes end with F7 when it is
complete); ``F7 <len> <bytes>`` continues a split message or, outside one, carries raw bytes to
send as they are ("escape"). Joining the packets of a track in order therefore gives the byte
stream a device would have received, which the ordinary framer then cuts into messages. Each
piece remembers where it sat in the file so that every offset reported points into the file.
"""

from __future__ import annotations

import io
import struct
from bisect import bisect_right

from syxkit.core.framing import Framed, frame
from syxkit.core.message import Problem
from syxkit.core.record import Record


class SMFError(ValueError):
    """The file is not a readable MIDI file at all (its header is missing or broken)."""


class SysexStream(Record):
    """The SysEx bytes of one track joined in order, with where each piece sat in the file."""

    _fields = ("track", "data", "stream_offsets", "file_offsets")

    def __init__(self, track: int, data: bytearray | None = None,
                 stream_offsets: list[int] | None = None, file_offsets: list[int] | None = None):
        self.track = track
        self.data = bytearray() if data is None else data
        self.stream_offsets = [] if stream_offsets is None else stream_offsets
        self.file_offsets = [] if file_offsets is None else file_offsets

    def add(self, file_offset: int, piece: bytes) -> None:
        if not piece:
            return
        self.stream_offsets.append(len(self.data))
        self.file_offsets.append(file_offset)
        self.data += piece

    def to_file_offset(self, stream_offset: int) -> int:
        k = bisect_right(self.stream_offsets, stream_offset) - 1
        if k < 0:
            return stream_offset
        return self.file_offsets[k] + (stream_offset - self.stream_offsets[k])


def _data_length(status: int) -> int:
    """How many data bytes follow a channel or system-common status byte."""
    from mido.messages.specs import SPEC_BY_STATUS  # mido only when a MIDI file is read

    spec = SPEC_BY_STATUS.get(status & 0xF0 if status < 0xF0 else status)
    if spec is None:
        return 0
    return spec["length"] - 1


def smf_start(data: bytes) -> int | None:
    """Where the ``MThd`` chunk starts: 0 for a plain SMF, inside the ``data`` chunk of a RIFF
    ``RMID`` file, None when the data is neither."""
    if data[:4] == b"MThd":
        return 0
    if data[:4] != b"RIFF" or data[8:12] != b"RMID":
        return None
    at = 12
    while at + 8 <= len(data):
        name = data[at : at + 4]
        (size,) = struct.unpack("<L", data[at + 4 : at + 8])
        if name == b"data":
            return at + 8
        at += 8 + size + (size & 1)  # RIFF chunks are padded to even length
    return None


def read_smf_sysex(data: bytes, source: str, start: int = 0) -> tuple[Framed, list[Problem]]:
    """All SysEx messages of the SMF that begins at ``start`` in ``data``, framed, with offsets
    pointing into ``data``. Raises :class:`SMFError` when there is no usable MThd header;
    anything wrong further in (truncated tracks, garbage events) becomes a Problem."""
    # mido costs a third of syxkit's start: imported only when a MIDI file is actually read
    from mido.midifiles.midifiles import read_chunk_header

    infile = io.BytesIO(data)
    infile.seek(start)
    notes: list[Problem] = []
    try:
        name, size = read_chunk_header(infile)
    except EOFError:
        raise SMFError(f"file ends inside the MThd header at offset {start} "
                       "(expected 14 bytes: 'MThd', length, format, tracks, division)") from None
    if name != b"MThd":
        raise SMFError(f"expected an MThd chunk at offset {start}, found {name!r}")
    if size < 6:
        raise SMFError(f"MThd chunk at offset {start} declares {size} bytes (expected at least 6)")
    header = infile.read(size)
    if len(header) < 6:
        raise SMFError(f"file ends inside the MThd header at offset {start} "
                       f"(expected {size} header bytes, found {len(header)})")
    declared_tracks = int.from_bytes(header[2:4], "big")
    streams: list[SysexStream] = []
    while True:
        chunk_at = infile.tell()
        try:
            name, size = read_chunk_header(infile)
        except EOFError:
            rest = len(data) - chunk_at
            if rest:
                notes.append(Problem(chunk_at, f"{rest} byte(s) after the last chunk ignored "
                                               "(expected an 8-byte chunk header)"))
            break
        body_at = infile.tell()
        body = infile.read(size)
        if len(body) < size:
            notes.append(Problem(chunk_at, f"chunk {name.decode('latin-1')!r} declares {size} bytes "
                                           f"but the file ends after {len(body)}; reading what is there"))
        if name != b"MTrk":
            continue  # unknown chunks are allowed by the SMF spec and skipped
        stream = SysexStream(len(streams))
        _walk_track(body, body_at, stream, notes)
        streams.append(stream)
    if len(streams) != declared_tracks:
        notes.append(Problem(start + 10, f"header declares {declared_tracks} track(s), "
                                         f"the file holds {len(streams)}"))
    merged = Framed()
    for stream in streams:
        framed = frame(bytes(stream.data), source)
        for msg in framed.messages:
            msg.offset = stream.to_file_offset(msg.offset)
            msg.problems = [Problem(stream.to_file_offset(p.offset), p.text) for p in msg.problems]
            msg.index = len(merged.messages)
            merged.messages.append(msg)
        merged.stray += [Problem(stream.to_file_offset(p.offset), p.text) for p in framed.stray]
    return merged, notes


def _walk_track(body: bytes, base: int, stream: SysexStream, notes: list[Problem]) -> None:
    """Collect the SysEx packets of one track body (``base`` = its offset in the file)."""
    from mido.midifiles.midifiles import read_variable_int

    f = io.BytesIO(body)
    end = len(body)
    running: int | None = None
    while f.tell() < end:
        at = f.tell()
        try:
            read_variable_int(f)  # delta time
            status_at = f.tell()
            status = f.read(1)
            if not status:
                notes.append(Problem(base + at, "track ends after a delta time (expected an event)"))
                return
            status = status[0]
            if status < 0x80:  # running status: this byte is already the first data byte
                if running is None:
                    notes.append(Problem(base + status_at, f"data byte {status:02X} with no running "
                                                           "status (expected a status byte); rest of track skipped"))
                    return
                skip = _data_length(running) - 1
            elif status == 0xFF:  # meta event
                f.read(1)
                skip = read_variable_int(f)
            elif status in (0xF0, 0xF7):
                length = read_variable_int(f)
                piece_at = f.tell()
                piece = f.read(length)
                if status == 0xF0:
                    # The F0 itself sits before the length; it is part of the message.
                    stream.add(base + status_at, b"\xf0")
                stream.add(base + piece_at, piece)
                if len(piece) < length:
                    notes.append(Problem(base + status_at, f"SysEx event declares {length} bytes but the "
                                                           f"track ends after {len(piece)}"))
                    return
                continue
            else:
                if status < 0xF0:
                    running = status
                skip = _data_length(status)
            if f.tell() + skip > end:
                notes.append(Problem(base + status_at, f"event {status:02X} runs past the end of the "
                                                       f"track (expected {skip} more byte(s))"))
                return
            f.seek(skip, io.SEEK_CUR)
        except EOFError:
            notes.append(Problem(base + at, "track ends inside an event"))
            return
