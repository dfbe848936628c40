"""Framing: cut a byte stream into SysEx messages, reporting every irregularity.

The fast path leans on C-level ``bytes.find`` and ``bytes.isascii``: a well-formed message is
located with ``find`` calls and checked for stray high bytes with one ``isascii``; only a
message that holds a byte >= 0x80 takes the slower byte-by-byte path. That keeps framing within
a few percent of the least any framer returning objects must do (copy each message out and wrap
it in a Message); ``bench/parse.py`` measures both.
"""

from __future__ import annotations

import gc
import re

from syxkit.core.message import Message, Problem
from syxkit.core.record import Record

SOX = 0xF0
EOX = 0xF7
_SOX = b"\xf0"
_EOX = b"\xf7"
_HIGH = re.compile(rb"[\x80-\xff]")
_REALTIME = bytes(range(0xF8, 0x100))
_LONG = 512  # messages longer than this are checked for an inner F0 before anything else


class Framed(Record):
    """Messages found in a stream plus the problems that belong to no message (stray bytes)."""

    __slots__ = ("messages", "stray")
    _fields = __slots__

    def __init__(self, messages: list[Message] | None = None, stray: list[Problem] | None = None):
        self.messages = [] if messages is None else messages
        self.stray = [] if stray is None else stray

    def problems_for(self, index: int) -> list[Problem]:
        """Stray-byte problems shown with message ``index``: those just before it, and for the
        last message also those after it."""
        msgs = self.messages
        lo = msgs[index - 1].offset + len(msgs[index - 1].original) if index else -1
        hi = msgs[index].offset
        last = index == len(msgs) - 1
        return [p for p in self.stray if lo <= p.offset < hi or (last and p.offset > hi)]


def _describe_stray(chunk: bytes) -> str:
    if not chunk.translate(None, _REALTIME):  # C-level test: every byte is F8-FF
        kinds = " ".join(f"{b:02X}" for b in _REALTIME if chunk.find(b) >= 0)
        return f"{len(chunk)} real-time byte(s) ({kinds}) between messages skipped"
    first = chunk[0]
    found = "F7 without F0" if first == EOX else f"{first:02X}"
    return f"{len(chunk)} byte(s) outside any SysEx message skipped (expected F0, found {found})"


def frame(data: bytes, source: str = "") -> Framed:
    """Cut ``data`` into :class:`Message` objects. Never raises on bad input."""
    data = bytes(data)
    out = Framed()
    # Framing allocates one object per message and none of them form reference cycles, so the
    # cyclic garbage collector's passes over the growing list are pure overhead (they doubled
    # the time on a 100 MB corpus). It is paused for the duration and restored as it was.
    collecting = gc.isenabled()
    gc.disable()
    try:
        _frame_into(data, source, out)
    finally:
        if collecting:
            gc.enable()
    return out


def _frame_into(data: bytes, source: str, out: Framed) -> None:
    messages = out.messages
    append = messages.append
    n = len(data)
    i = 0
    count = 0
    f7 = -2  # the next F7 at or after the current message; -1: none left; -2: not looked yet
    find = data.find
    while i < n:
        if data[i] == SOX:  # the common case: the next message starts right here
            start = i
        else:
            start = find(_SOX, i)
            if start < 0:
                out.stray.append(Problem(i, _describe_stray(data[i:])))
                break
            out.stray.append(Problem(i, _describe_stray(data[i:start])))
        if f7 <= start and f7 != -1:  # F7 positions do not move: reuse the last one found
            f7 = find(_EOX, start + 1)
        end = f7
        if end >= 0:
            if end - start > _LONG:
                # A long way to the F7: a new F0 in between means a truncated message. Look for
                # it first, so that many F0s before one distant F7 cost linear time, not quadratic.
                nxt = find(_SOX, start + 1, end)
                if nxt >= 0:
                    msg, i = _frame_slow(data, start, nxt + 1, end, source)
                    msg.index = count
                    append(msg)
                    count += 1
                    continue
            if data[start + 1 : end].isascii():
                msg = Message(data[start : end + 1], start, source, [], None, True, count)
                if end == start + 1:
                    msg.problems.append(Problem(start, "empty SysEx (F0 F7 with no data)"))
                append(msg)
                count += 1
                i = end + 1
                continue
            msg, i = _frame_slow(data, start, end, end, source)
        else:
            nxt = find(_SOX, start + 1)  # with no F7 left, the next F0 (if any) ends the message
            if nxt >= 0:
                msg, i = _frame_slow(data, start, nxt + 1, end, source)
            elif data[start + 1 :].isascii():
                msg = Message(data[start:], start, source, [], None, False)
                msg.problems.append(
                    Problem(n, f"end of data without F7 (SysEx started at offset {start} is unterminated)")
                )
                i = n
            else:
                msg, i = _frame_slow(data, start, n, end, source)
        msg.index = count
        append(msg)
        count += 1


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
    if len(kept) == 2:  # only real-time bytes between F0 and F7
        problems.append(Problem(start, "empty SysEx (F0 F7 with no data)"))
    msg = Message(bytes(kept), start, source, problems, raw=data[start : end + 1])
    return msg, end + 1


def frame_messages(data: bytes, source: str = "") -> list[Message]:
    return frame(data, source).messages
