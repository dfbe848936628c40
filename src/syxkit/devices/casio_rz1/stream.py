"""Reading RZ-1 streams: what a message is (request, reply, dump in capture or loadable form)
and, for a dump, the RAM image it carries, with every irregularity located.

A dump is a run of nibble bytes (00-0F) cut into 256-nibble blocks by ``7n 32`` pairs. The
parser first cuts the stream at the pairs into *segments*, then checks each segment against
the block size. Positions here are indexes into ``message.data``; the driver turns them into
file offsets.

"As far as it goes": data is decoded up to the first point where a nibble may have been lost
or damaged (a block of the wrong length, a byte that is not a nibble). A missing or extra
handshake pair loses nothing, so decoding goes on past it.
"""

from __future__ import annotations

import re
from collections import namedtuple

from syxkit.core.record import Record
from syxkit.devices.casio_rz1 import table as t

# One token of a stream body: a run of nibbles, a handshake pair (7n 3x), or one other byte.
_TOKEN = re.compile(rb"([\x00-\x0f]+)|([\x70-\x7f][\x30-\x3f])|(.)", re.DOTALL)
MAX_ISSUES = 25  # a badly damaged stream would otherwise list thousands


# Issue is a namedtuple and Segment and Parsed plain classes, not dataclasses: reading a dump
# is on the start path of ``syxkit info`` (see syxkit.core.record).


class Issue(namedtuple("Issue", ["pos", "text"])):
    __slots__ = ()  # fields as listed in the comments below

    # pos: int  # index into message.data
    # text: str


class Segment(Record):
    """The stretch of a dump between two handshake pairs (or the header / the end)."""

    _fields = ("start", "pieces", "length", "closed_by")

    def __init__(self, start: int, pieces: list[tuple[int, int, bool]] | None = None,
                 length: int = 0, closed_by: int | None = None):
        self.start = start
        self.pieces = [] if pieces is None else pieces  # (pos, length, is_nibble)
        self.length = length  # nibble positions: nibbles plus bytes that should have been nibbles
        self.closed_by = closed_by  # position of the 7n 32 pair that ends the segment

    def at(self, k: int) -> int:
        """Position in the message of the segment's k-th nibble position (k may be length)."""
        for pos, n, _ in self.pieces:
            if k < n:
                return pos + k
            k -= n
        return self.closed_by if self.closed_by is not None else self.end

    @property
    def end(self) -> int:
        if not self.pieces:
            return self.start
        pos, n, _ = self.pieces[-1]
        return pos + n


class Parsed(Record):
    """What an RZ-1 message is, as read from its bytes."""

    _fields = ("kind", "command", "channel_byte", "ram", "form", "nibbles", "positions", "blocks",
               "pairs", "acks", "issues", "notes", "intact")

    def __init__(self, kind: str, command: int | None = None, channel_byte: int | None = None,
                 ram: t.Ram | None = None, form: str | None = None, nibbles: bytes = b"",
                 positions: int = 0, blocks: int = 0, pairs: list[tuple[int, int]] | None = None,
                 acks: list[tuple[int, int]] | None = None, issues: list[Issue] | None = None,
                 notes: list[str] | None = None, intact: bool = True):
        self.kind = kind
        self.command = command
        self.channel_byte = channel_byte  # the 7n byte after the header
        self.ram = ram
        self.form = form  # capture | loadable (dumps only)
        self.nibbles = nibbles  # the nibbles decoded before anything went wrong
        self.positions = positions  # nibble positions received (nibbles and damaged bytes)
        self.blocks = blocks  # well-formed 256-nibble blocks received
        self.pairs = [] if pairs is None else pairs  # (pos, 7n byte) of 7n 32
        self.acks = [] if acks is None else acks  # (pos, 7n byte) of 7n 31
        self.issues = [] if issues is None else issues
        self.notes = [] if notes is None else notes
        self.intact = intact  # no nibble was lost or damaged (so far)

    @property
    def complete(self) -> bool:
        """The whole RAM was recovered (``nibbles`` stops where damage starts)."""
        return self.ram is not None and len(self.nibbles) == self.ram.nibbles


def parse(data: bytes, terminated: bool) -> Parsed | None:
    """Read one framed message; None when it is not an RZ-1 message."""
    if len(data) < len(t.HEADER) + 1 or not data.startswith(t.HEADER):
        return None
    ch = data[len(t.HEADER)]
    if ch & 0xF0 != t.CHANNEL_BASE:
        return None
    end = len(data) - 1 if terminated else len(data)
    cmd_pos = len(t.HEADER) + 1
    if end <= cmd_pos:
        p = Parsed("unknown", channel_byte=ch)
        p.issues.append(Issue(end, "message ends after the channel byte; expected a command "
                                   "(10, 14, 20, 24 or 30)"))
        return p
    cmd = data[cmd_pos]
    if cmd == t.REPLY:
        return _parse_reply(data, ch, cmd_pos + 1, end)
    if cmd in t.REQUESTS:
        return _parse_request(data, ch, cmd, cmd_pos + 1, end)
    p = Parsed("unknown", command=cmd, channel_byte=ch)
    p.issues.append(Issue(cmd_pos, f"command {cmd:02X} is not one the RZ-1 knows "
                                   "(expected 10, 14, 20, 24 or 30)"))
    return p


def _has_data(data: bytes, start: int, end: int) -> bool:
    """Whether anything but handshake pairs follows: then the message carries a dump."""
    return any(m.lastindex != 2 for m in _TOKEN.finditer(data, start, end))


def _parse_reply(data: bytes, ch: int, start: int, end: int) -> Parsed:
    if _has_data(data, start, end):
        p = _parse_dump(data, t.REPLY, ch, None, t.CAPTURE, start, end)
    else:
        p = _parse_handshakes(data, "reply", t.REPLY, ch, start, end)
    if ch != t.REPLY_CHANNEL_BYTE:
        p.notes.append(f"the reply says {ch:02X}; the RZ-1 was seen to answer {t.REPLY_CHANNEL_BYTE:02X} "
                       "on any channel")
    return p


def _parse_request(data: bytes, ch: int, cmd: int, start: int, end: int) -> Parsed:
    ram, direction = t.REQUESTS[cmd]
    tail_issue = None
    if start < end:
        if data[start] != t.REQUEST_TAIL:
            tail_issue = Issue(start, f"byte after the request code is {data[start]:02X}; expected "
                                      f"{t.REQUEST_TAIL:02X}")
        start += 1
    else:
        tail_issue = Issue(start, f"request ends after its code {cmd:02X}; expected one more byte "
                                  f"{t.REQUEST_TAIL:02X}")
    if direction == "receive" and _has_data(data, start, end):
        p = _parse_dump(data, cmd, ch, ram, t.LOADABLE, start, end)
    else:
        kind = f"{ram.name}-{t.REQUEST_KINDS[direction]}"
        p = _parse_handshakes(data, kind, cmd, ch, start, end)
        p.ram = ram
    if tail_issue is not None:
        p.issues.insert(0, tail_issue)
    return p


def _parse_handshakes(data: bytes, kind: str, cmd: int, ch: int, start: int, end: int) -> Parsed:
    """A request or a bare reply: only handshake pairs may follow (a host-side capture holds
    the host's acknowledgements, a device-side one of a receive flow the RZ-1's answers)."""
    p = Parsed(kind, command=cmd, channel_byte=ch)
    for m in _TOKEN.finditer(data, start, end):
        pos = m.start()
        if m.lastindex == 2:
            pair = (pos, data[pos])
            (p.acks if data[pos + 1] == t.ACK else p.pairs).append(pair)
            continue
        text = m.group().hex(" ").upper()
        if len(m.group()) > 8:
            text = f"{len(m.group())} bytes {m.group()[:4].hex(' ').upper()} …"
        _add(p, Issue(pos, f"unexpected {text} after the {kind}; expected 7n 3x handshake pairs "
                           "or F7"))
    _check_pair_channels(p, p.acks, "acknowledgement(s) 7n 31")
    return p


def _segments(data: bytes, start: int, end: int, p: Parsed) -> list[Segment]:
    segments = [Segment(start)]
    for m in _TOKEN.finditer(data, start, end):
        pos = m.start()
        seg = segments[-1]
        if m.lastindex == 1:
            n = m.end() - pos
            seg.pieces.append((pos, n, True))
            seg.length += n
        elif m.lastindex == 2:
            if data[pos + 1] == t.MORE:
                p.pairs.append((pos, data[pos]))
                seg.closed_by = pos
                segments.append(Segment(pos + 2))
            else:
                if data[pos + 1] == t.ACK:
                    p.acks.append((pos, data[pos]))
                _add(p, Issue(pos, f"handshake {data[pos]:02X} {data[pos + 1]:02X} in block "
                                   f"{_block_no(segments)}: only 7n 32 belongs inside a dump "
                                   "(stripped)"))
        else:
            seg.pieces.append((pos, 1, False))
            # Not marked as damage here: decoding stops when ``take`` reaches this byte.
            block, nib = _block_no(segments), seg.length % t.BLOCK_NIBBLES + 1
            _add(p, Issue(pos, f"byte {data[pos]:02X} in block {block} (nibble {nib} of "
                               f"{t.BLOCK_NIBBLES}) is not a nibble: expected 00-0F"))
            seg.length += 1
    return segments


def _block_no(segments: list[Segment]) -> int:
    """1-based number of the block the last segment is in (for messages)."""
    before = sum(max(1, s.length // t.BLOCK_NIBBLES) for s in segments[:-1] if s.length)
    return before + 1 + segments[-1].length // t.BLOCK_NIBBLES


def _parse_dump(data: bytes, cmd: int, ch: int, ram: t.Ram | None, form: str, start: int,
                end: int) -> Parsed:
    p = Parsed("dump", command=cmd, channel_byte=ch, ram=ram, form=form)
    terminated = end < len(data) and data[end] == 0xF7
    segments = _segments(data, start, end, p)
    nibbles = bytearray()
    block = 0  # blocks seen so far (numbering)
    partial = 0  # nibbles of a last block the stream stops inside

    def take(seg: Segment) -> None:
        for pos, n, ok in seg.pieces:
            if not ok:
                p.intact = False
                return
            nibbles.extend(data[pos:pos + n])

    for i, seg in enumerate(segments):
        p.positions += seg.length
        if seg.length == 0:
            if seg.closed_by is not None:
                where = "before any data" if block == 0 else f"right after another, after block {block}"
                _add(p, Issue(seg.closed_by, f"handshake 7n 32 {where}: expected a block of "
                                             f"{t.BLOCK_NIBBLES} nibbles first"))
            continue
        full, rest = divmod(seg.length, t.BLOCK_NIBBLES)
        ends_stream = i == len(segments) - 1
        if rest == 0:
            for k in range(1, full):
                _add(p, Issue(seg.at(k * t.BLOCK_NIBBLES),
                              f"no 7n 32 handshake after block {block + k}: block {block + k + 1} "
                              "follows without the pair that belongs between blocks"))
            block += full
            p.blocks += full if all(ok for *_, ok in seg.pieces) else 0
            if p.intact:
                take(seg)
        elif ends_stream and full == 0 and not terminated:
            # The stream was cut off inside a block: what came is a true prefix of the RAM.
            # Said once, by the length check below.
            block += 1
            partial = seg.length
            if p.intact:
                take(seg)
        elif ends_stream and full == 0:
            # The RZ-1 sent its F7, so it claimed the block whole: a short block means nibbles
            # were lost somewhere inside it, and every nibble after the gap would decode one
            # place off. Nothing of it is decoded.
            _add(p, Issue(seg.start, f"block {block + 1} has {seg.length} nibbles before the F7; "
                                     f"expected {t.BLOCK_NIBBLES} (nibbles were lost inside it; "
                                     "this block is not decoded)"), damage=True)
            block += 1
        else:
            _add(p, Issue(seg.start, f"block {block + 1} has {seg.length} nibbles; expected "
                                     f"{t.BLOCK_NIBBLES} (data from here on is not decoded)"),
                 damage=True)
            block += max(1, full)

    if p.ram is None:  # a capture says nothing of its RAM: tell it by its length
        p.ram = _ram_by_length(p.positions, len(p.pairs))
    where = (f"in block {block} after {partial} of its {t.BLOCK_NIBBLES} nibbles" if partial
             else f"after block {block}")
    _check_length(p, segments, end, where)
    if p.ram is not None:
        p.kind = p.ram.kind
        del nibbles[p.ram.nibbles:]
    if len(nibbles) % 2:
        p.notes.append("the decoded data ends on half a byte; that last nibble is dropped")
        del nibbles[-1:]
    p.nibbles = bytes(nibbles)
    if form == t.LOADABLE:
        _check_pair_channels(p, p.pairs, "handshake(s) 7n 32")
    return p


def _ram_by_length(positions: int, pairs: int) -> t.Ram | None:
    for ram in t.RAMS.values():
        if positions == ram.nibbles:
            return ram
    for ram in t.RAMS.values():
        if pairs == ram.blocks - 1:
            return ram
    if positions > t.RHYTHM.nibbles:
        return t.SAMPLE
    return None


def _check_length(p: Parsed, segments: list[Segment], end: int, where: str) -> None:
    got = p.positions
    if p.ram is None:
        _add(p, Issue(end, f"the dump ends {where}, {got:,} nibbles in all: shorter than a rhythm dump ({t.RHYTHM.blocks} blocks) and a "
                           f"sample dump ({t.SAMPLE.blocks} blocks), so which RAM it holds is "
                           "unknown"))
        return
    ram = p.ram
    if got < ram.nibbles:
        _add(p, Issue(end, f"the dump is short: {got:,} of {ram.nibbles:,} nibbles received; it "
                           f"ends {where} (a {ram.name} dump has {ram.blocks} blocks)"))
    elif got > ram.nibbles:
        pos = _position_of(segments, ram.nibbles)
        _add(p, Issue(pos, f"data goes on past the {ram.blocks} blocks of {ram.title}: "
                           f"{got - ram.nibbles:,} extra nibble(s) ignored"))
    elif len(segments) > 1 and segments[-1].length == 0 and segments[-2].closed_by is not None:
        _add(p, Issue(segments[-2].closed_by, "handshake 7n 32 after the last block: the RZ-1 "
                                              "ends with F7 right after its last block"))


def _position_of(segments: list[Segment], k: int) -> int:
    for seg in segments:
        if k < seg.length:
            return seg.at(k)
        k -= seg.length
    return segments[-1].end


def _check_pair_channels(p: Parsed, pairs: list[tuple[int, int]], what: str) -> None:
    others = sorted({b for _, b in pairs if b != p.channel_byte})
    if others and p.channel_byte is not None:
        count = sum(1 for _, b in pairs if b != p.channel_byte)
        says = ", ".join(f"channel {(b & 0x0F) + 1}" for b in others)
        p.notes.append(f"{count} {what} say {says} while the header says channel "
                       f"{(p.channel_byte & 0x0F) + 1}; the RZ-1 checks that channel")


def _add(p: Parsed, issue: Issue, damage: bool = False) -> None:
    if damage:
        p.intact = False
    if len(p.issues) < MAX_ISSUES:
        p.issues.append(issue)
    elif len(p.issues) == MAX_ISSUES:
        p.issues.append(Issue(issue.pos, "more problems follow from here; not all are listed"))
