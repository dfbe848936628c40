"""Songs sent in several messages: the packetiser (one song -> packets) and the joiner (packets
-> one song, with every gap, duplicate and ordering fault reported).

Packet index rule (DTXPRESS Data List, assumed for the IIs): a song that fits in one message has
index 00 00; otherwise the packets count 00 01, 00 02, ... and the last one is 7F 7F.

Limit of the rule: the last packet carries no count, so losing the packet just before it
(00 01, 00 02, [00 03 lost], 7F 7F) looks like a shorter complete song. Any other gap, a missing
last packet, repeats and wrong order are found.
"""

from __future__ import annotations

from syxkit.core.message import Message, Problem
from syxkit.core.record import Record
from syxkit.devices.base import Dump
from syxkit.devices.yamaha_dtx.table import (
    EDIT_BUFFER,
    FIRST_PACKET,
    LAST_PACKET,
    MAX_14BIT,
    SINGLE_PACKET,
    SONG_PACKET_DATA_BYTES,
    type_for_kind,
)
from syxkit.devices.yamaha_dtx.wire import WRITE_RULES, Rules, build_bulk, data_from_payload, hex14

SONG = type_for_kind("song")


def packet_indexes(count: int) -> list[int]:
    """The index field of each of ``count`` packets."""
    if count < 1:
        raise ValueError("a song has at least one packet")
    if count == 1:
        return [SINGLE_PACKET]
    if count - 1 >= LAST_PACKET:
        raise ValueError(f"{count} packets are more than the 14-bit packet index can number")
    return [*range(FIRST_PACKET, count), LAST_PACKET]


def song_packets(payload: bytes, number: int, *, device_number: int = 1,
                 max_data_bytes: int = SONG_PACKET_DATA_BYTES, code: bytes = SONG.code,
                 rules: Rules = WRITE_RULES) -> list[bytes]:
    """The messages that carry one song: its bytes nibbled (MS nibble first) and cut so that no
    message holds more than ``max_data_bytes`` data bytes (nibbles) on the wire."""
    if max_data_bytes < 2 or max_data_bytes % 2:
        raise ValueError(f"max_data_bytes {max_data_bytes} must be an even number >= 2 "
                         "(each song byte is sent as two nibbles)")
    if not 0 <= number <= MAX_14BIT:
        raise ValueError(f"song number {number} does not fit in 14 bits")
    if not 1 <= device_number <= 16:
        raise ValueError(f"device number {device_number} is out of range 1-16")
    per_packet = max_data_bytes // 2
    chunks = [payload[i:i + per_packet] for i in range(0, len(payload), per_packet)] or [b""]
    return [
        build_bulk(code, number, data_from_payload(SONG, chunk), device=device_number - 1,
                   index=index, rules=rules)
        for index, chunk in zip(packet_indexes(len(chunks)), chunks, strict=True)
    ]


class Song(Record):
    """One song put back together from its packets (in stream order as found). (A plain
    class, not a dataclass: it is on the start path of ``syxkit info``, see
    syxkit.core.record.)"""

    _fields = ("number", "packets", "payload", "problems", "sequence_problems", "damage")

    def __init__(self, number: int, packets: list[Dump], payload: bytes | None = None,
                 problems: list[Problem] | None = None,
                 sequence_problems: list[Problem] | None = None,
                 damage: list[Problem] | None = None):
        self.number = number
        self.packets = packets
        self.payload = payload  # the whole song, when every packet is there and intact
        # damaged packets + sequence faults
        self.problems = [] if problems is None else problems
        # gaps, repeats, order only
        self.sequence_problems = [] if sequence_problems is None else sequence_problems
        # packets with problems of their own
        self.damage = [] if damage is None else damage

    @property
    def complete(self) -> bool:
        return self.payload is not None

    @property
    def device_number(self) -> int:
        return self.packets[0].details.get("device_number", 1)

    def ordered(self) -> list[Dump]:
        """The packets in sending order (by index, the last one at the end)."""
        return sorted(self.packets, key=lambda p: _order_key(p.details.get("index", 0)))


def _order_key(index: int) -> int:
    return MAX_14BIT + 1 if index == LAST_PACKET else index


def _where(dump: Dump) -> str:
    msg = dump.message
    if msg is None:
        return "?"
    return f"offset {msg.offset}" + (f" of {msg.source}" if msg.source else "")


def _offset(dump: Dump) -> int:
    return dump.message.offset if dump.message is not None else 0


def join_songs(dumps: list[Dump]) -> list[Song]:
    """Every song among ``dumps`` (other kinds are ignored), in order of first appearance."""
    groups: dict[int, list[Dump]] = {}
    for dump in dumps:
        if dump.kind == "song" and dump.program is not None:
            groups.setdefault(dump.program, []).append(dump)
    return [_join(number, packets) for number, packets in groups.items()]


def join_song(dumps: list[Dump]) -> Song:
    """The one song in ``dumps``; ValueError when there is none or several."""
    songs = join_songs(dumps)
    if len(songs) != 1:
        found = ", ".join(str(s.number) for s in songs) or "none"
        raise ValueError(f"expected the packets of one song; found songs: {found}")
    return songs[0]


def join_song_messages(messages: list[bytes]) -> Song:
    """:func:`join_song` for plain message bytes (e.g. what a transfer received)."""
    from syxkit.devices.yamaha_dtx.identify import identify

    dumps = []
    offset = 0
    for i, data in enumerate(messages):
        dump = identify(Message(bytes(data), offset=offset, index=i))
        if dump is None:
            raise ValueError(f"message {i} is not a DTXtreme IIs message")
        dumps.append(dump)
        offset += len(data)
    return join_song(dumps)


def _join(number: int, packets: list[Dump]) -> Song:
    song = _check(number, packets)
    song.problems = song.damage + song.sequence_problems
    return song


def _check(number: int, packets: list[Dump]) -> Song:
    song = Song(number, packets)
    problems = song.sequence_problems
    damage = song.damage
    label = f"song {number + 1}" if number != EDIT_BUFFER else "current song"
    intact = True
    for p in packets:
        if p.payload is None or p.problems:
            intact = False
            damage.append(Problem(_offset(p), f"{label}: packet at {_where(p)} is damaged "
                                              f"({len(p.problems)} problem(s)); song not joined"))
    devices = {p.details.get("device_number") for p in packets}
    if len(devices) > 1:
        problems.append(Problem(_offset(packets[0]), f"{label}: packets carry different device "
                                                     f"numbers ({', '.join(map(str, sorted(devices)))})"))
    seen: dict[int, Dump] = {}
    for p in packets:
        index = p.details.get("index", 0)
        if index in seen:
            intact = False
            problems.append(Problem(_offset(p), f"{label}: packet {hex14(index)} repeats the one "
                                                f"at {_where(seen[index])}"))
        else:
            seen[index] = p
    if SINGLE_PACKET in seen:
        if len(packets) > 1:
            intact = False
            p = seen[SINGLE_PACKET]
            problems.append(Problem(_offset(p), f"{label}: a one-message song (index 00 00) at "
                                                f"{_where(p)} is mixed with other packets of the "
                                                "same song"))
        if intact:
            song.payload = packets[0].payload
        return song
    numbered = sorted(i for i in seen if i != LAST_PACKET)
    top = numbered[-1] if numbered else 0
    for missing in sorted(set(range(FIRST_PACKET, top + 1)) - set(numbered)):
        nxt = seen[min(i for i in numbered if i > missing)]  # top > missing is always there
        intact = False
        problems.append(Problem(_offset(nxt), f"{label}: packet {hex14(missing)} is missing "
                                              f"(expected before the packet at {_where(nxt)})"))
    if LAST_PACKET not in seen:
        intact = False
        last = packets[-1]
        problems.append(Problem(_offset(last), f"{label}: no last packet (7F 7F) after packet "
                                               f"{hex14(last.details.get('index', 0))} at "
                                               f"{_where(last)}; the song is incomplete"))
    elif not numbered:
        intact = False
        p = seen[LAST_PACKET]
        problems.append(Problem(_offset(p), f"{label}: last packet (7F 7F) at {_where(p)} without "
                                            "packet 00 01 before it (expected 00 00 for a song in "
                                            "one message)"))
    previous: Dump | None = None
    for p in packets:
        index = p.details.get("index", 0)
        if previous is not None and _order_key(index) < _order_key(previous.details.get("index", 0)):
            problems.append(Problem(_offset(p), f"{label}: packets out of order: packet "
                                                f"{hex14(index)} comes after packet "
                                                f"{hex14(previous.details.get('index', 0))} at "
                                                f"{_where(previous)}"))
            break
        previous = p
    if intact:
        song.payload = b"".join(p.payload for p in song.ordered())
    return song
