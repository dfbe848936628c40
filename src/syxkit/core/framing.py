"""Framing: cut a byte stream into SysEx messages, reporting every irregularity.

The fast path leans on C-level ``bytes.find`` and ``bytes.isascii``: a well-formed message is
located with two ``find`` calls and checked for stray high bytes with one ``isascii``; only a
message that holds a byte >= 0x80 takes the slower byte-by-byte path. That keeps framing within
a small factor of a bare ``find`` scan.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from syxkit.core.message import Message, Problem

SOX = 0xF0
EOX = 0xF7
_SOX = b"\xf0"
_EOX = b"\xf7"
_HIGH = re.compile(rb"[\x80-\xff]")


@dataclass(slots=True)
class Framed:
    """Messages found in a stream plus the problems that belong to no message (stray bytes)."""

    messages: list[Message] = field(default_factory=list)
    stray: list[Problem] = field(default_factory=list)

    def problems_for(self, index: int) -> list[Problem]:
        """Stray-byte problems shown with message ``index``: those just before it, and for the
        last message also those after it."""
        msgs = self.messages
        lo = msgs[index - 1].offset + len(msgs[index - 1].original) if index else -1
        hi = msgs[index].offset
        last = index == len(msgs) - 1
        return [p for p in self.stray if lo <= p.offset < hi or (last and p.offset > hi)]


def _describe_stray(chunk: bytes) -> str:
    if all(b >= 0xF8 for b in chunk):
        kinds = " ".join(sorted({f"{b:02X}" for b in chunk}))
        return f"{len(chunk)} real-time byte(s) ({kinds}) between messages skipped"
    first = chunk[0]
    found = "F7 without F0" if first == EOX else f"{first:02X}"
    return f"{len(chunk)} byte(s) outside any SysEx message skipped (expected F0, found {found})"


def frame(data: bytes, source: str = "") -> Framed:
    """Cut ``data`` into :class:`Message` objects. Never raises on bad input."""
    data = bytes(data)
    out = Framed()
    messages = out.messages
    n = len(data)
    i = 0
    find = data.find
    while i < n:
        start = find(_SOX, i)
        if start < 0:
            out.stray.append(Problem(i, _describe_stray(data[i:])))
            break
        if start > i:
            out.stray.append(Problem(i, _describe_stray(data[i:start])))
        end = find(_EOX, start + 1)
        stop = n if end < 0 else end
        if data[start + 1 : stop].isascii():
            if end < 0:
                msg = Message(data[start:], start, source, terminated=False)
                msg.problems.append(
                    Problem(n, f"end of data without F7 (SysEx started at offset {start} is unterminated)")
                )
                i = n
            else:
                msg = Message(data[start : end + 1], start, source)
                if end == start + 1:
                    msg.problems.append(Problem(start, "empty SysEx (F0 F7 with no data)"))
                i = end + 1
        else:
            msg, i = _frame_slow(data, start, stop, end, source)
        msg.index = len(messages)
        messages.append(msg)
    return out


def _frame_slow(data: bytes, start: int, stop: int, end: int, source: str) -> tuple[Message, int]:
    """A message holding a byte >= 0x80 before its F7: real-time bytes are removed, any other
    status byte ends (truncates) the message there."""
    problems: list[Problem] = []
    kept = bytearray()
    last = start
    for m in _HIGH.finditer(data, start + 1, stop):
        p = m.start()
        b = data[p]
        if b >= 0xF8:
            kept += data[last:p]
            last = p + 1
            problems.append(Problem(p, f"real-time byte {b:02X} inside SysEx removed"))
            continue
        kept += data[last:p]
        what = "F0 (a new SysEx starts)" if b == SOX else f"status byte {b:02X}"
        problems.append(
            Problem(p, f"{what} inside SysEx: message truncated here (expected data 00-7F or F7)")
        )
        msg = Message(bytes(kept), start, source, problems, raw=data[start:p], terminated=False)
        return msg, p
    if end < 0:
        kept += data[last:]
        problems.append(
            Problem(len(data), f"end of data without F7 (SysEx started at offset {start} is unterminated)")
        )
        msg = Message(bytes(kept), start, source, problems, raw=data[start:], terminated=False)
        return msg, len(data)
    kept += data[last : end + 1]
    msg = Message(bytes(kept), start, source, problems, raw=data[start : end + 1])
    return msg, end + 1


def frame_messages(data: bytes, source: str = "") -> list[Message]:
    return frame(data, source).messages
