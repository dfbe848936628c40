"""SysEx out of Standard MIDI Files.

mido parses the file structure (chunk headers, variable-length quantities, channel message
lengths). The SysEx events are taken here because mido's own reader strips the trailing F7 that
tells a complete ``F0`` packet from the first piece of a split one, and refuses ``F7`` escape
packets holding bytes above 0x7F; both matter for reassembling split dumps.
"""

from __future__ import annotations

import io
from bisect import bisect_right
from dataclasses import dataclass, field

from mido.messages.specs import SPEC_BY_STATUS
from mido.midifiles.midifiles import read_chunk_header, read_variable_int

from syxkit.core.framing import Framed, frame
from syxkit.core.message import Problem


class SMFError(ValueError):
    pass


@dataclass
class SysexStream:
    """The SysEx bytes of one track joined in order, with where each piece sat in the file."""

    track: int
    data: bytearray = field(default_factory=bytearray)
    stream_offsets: list[int] = field(default_factory=list)
    file_offsets: list[int] = field(default_factory=list)

    def add(self, file_offset: int, piece: bytes) -> None:
        self.stream_offsets.append(len(self.data))
        self.file_offsets.append(file_offset)
        self.data += piece

    def to_file_offset(self, stream_offset: int) -> int:
        k = bisect_right(self.stream_offsets, stream_offset) - 1
        if k < 0:
            return stream_offset
        return self.file_offsets[k] + (stream_offset - self.stream_offsets[k])


def _data_length(status: int) -> int:
    spec = SPEC_BY_STATUS.get(status & 0xF0 if status < 0xF0 else status)
    if spec is None:
        return 0
    return spec["length"] - 1


def read_smf_sysex(data: bytes, source: str) -> tuple[Framed, list[Problem]]:
    """All SysEx messages of an SMF, framed, with offsets pointing into the file."""
    infile = io.BytesIO(data)
    notes: list[Problem] = []
    try:
        name, size = read_chunk_header(infile)
    except EOFError:
        raise SMFError("file ends inside the MThd header") from None
    if name != b"MThd":
        raise SMFError(f"expected an MThd chunk at offset 0, found {name!r}")
    infile.seek(size, io.SEEK_CUR)
    streams: list[SysexStream] = []
    track_no = 0
    while True:
        chunk_at = infile.tell()
        try:
            name, size = read_chunk_header(infile)
        except EOFError:
            break
        body_at = infile.tell()
        body = infile.read(size)
        if len(body) < size:
            notes.append(Problem(chunk_at, f"chunk {name!r} declares {size} bytes but the file ends "
                                           f"after {len(body)}; reading what is there"))
        if name != b"MTrk":
            continue
        stream = SysexStream(track_no)
        _walk_track(body, body_at, stream, notes)
        streams.append(stream)
        track_no += 1
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
    f = io.BytesIO(body)
    running = None
    while True:
        at = f.tell()
        if at >= len(body):
            return
        try:
            read_variable_int(f)
            first = f.read(1)
            if not first:
                return
            status = first[0]
            if status < 0x80:
                if running is None:
                    notes.append(Problem(base + at, "data byte with no running status in track; "
                                                    "rest of track skipped"))
                    return
                f.seek(_data_length(running) - 1, io.SEEK_CUR)
                continue
            if status == 0xFF:
                f.read(1)
                f.seek(read_variable_int(f), io.SEEK_CUR)
            elif status in (0xF0, 0xF7):
                length = read_variable_int(f)
                piece_at = base + f.tell()
                piece = f.read(length)
                if status == 0xF0:
                    stream.add(piece_at - 1, b"\xf0" + piece)
                else:
                    stream.add(piece_at, piece)
            else:
                if status < 0xF0:
                    running = status
                f.seek(_data_length(status), io.SEEK_CUR)
        except EOFError:
            notes.append(Problem(base + at, "track ends inside an event"))
            return
