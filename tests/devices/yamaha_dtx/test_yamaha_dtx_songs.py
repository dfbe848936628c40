"""Songs in several messages: the spec's index rule (00 00 alone; else 00 01, 00 02, ..., 7F 7F),
the 4,096-data-byte packet limit, and every way a packet sequence can be broken."""

from __future__ import annotations

import pytest
from dtx_spec_layout import dumps_of, nibbles_ms_first, spec_bulk

from syxkit.devices.yamaha_dtx import builders

SONG = bytes((i * 7 + 3) & 0xFF for i in range(10))


def three_packets(number: int = 4) -> list[bytes]:
    """Song bytes 0-3 / 4-7 / 8-9 in three packets, laid out from the spec."""
    return [
        spec_bulk(b"OSG1", 0x0001, number, nibbles_ms_first(SONG[0:4])),
        spec_bulk(b"OSG1", 0x0002, number, nibbles_ms_first(SONG[4:8])),
        spec_bulk(b"OSG1", 0x3FFF, number, nibbles_ms_first(SONG[8:10])),
    ]


def test_three_packet_song_joins_and_splits_back_to_the_same_bytes():
    packets = three_packets()
    dumps = dumps_of(b"".join(packets))
    assert [d.details["packet"] for d in dumps] == [1, 2, 0x3FFF]
    assert [d.details["last_packet"] for d in dumps] == [False, False, True]
    song = builders.join_song(dumps)
    assert song.complete and song.problems == [] and song.payload == SONG and song.number == 4
    # 8 data bytes (nibbles) per packet reproduces the same three packets
    assert builders.song_packets(SONG, 4, max_data_bytes=8) == packets
    assert builders.dump_messages("song", SONG, 4, max_data_bytes=8) == packets
    assert builders.join_song_messages(packets).payload == SONG


def test_default_limit_is_4096_data_bytes_per_packet():
    fits = builders.song_packets(bytes(2048), 0)
    assert len(fits) == 1 and fits[0][14:16] == b"\x00\x00" and len(fits[0]) == 18 + 4096 + 2
    two = builders.song_packets(bytes(2049), 0)
    assert [p[14:16] for p in two] == [b"\x00\x01", b"\x7f\x7f"]
    assert [len(p) - 20 for p in two] == [4096, 2]
    big = builders.song_packets(bytes(5000), 0)
    assert max(len(p) - 20 for p in big) <= 4096


def test_packet_index_rule():
    assert builders.packet_indexes(1) == [0]
    assert builders.packet_indexes(2) == [1, 0x3FFF]
    assert builders.packet_indexes(4) == [1, 2, 3, 0x3FFF]
    with pytest.raises(ValueError):
        builders.packet_indexes(0)
    with pytest.raises(ValueError, match="even"):
        builders.song_packets(SONG, 0, max_data_bytes=7)
    with pytest.raises(ValueError, match="use song_packets"):
        builders.dump_message("song", bytes(3000), 0)


def test_empty_song_is_one_packet():
    (packet,) = builders.song_packets(b"", 0)
    assert packet == spec_bulk(b"OSG1", 0, 0, b"")


def _song(stream: bytes):
    return builders.join_song(dumps_of(stream))


def test_missing_last_packet():
    packets = three_packets()
    song = _song(packets[0] + packets[1])
    assert not song.complete and song.payload is None
    (p,) = song.problems
    assert p.offset == len(packets[0])  # the last packet that did arrive
    assert "no last packet (7F 7F)" in p.text


def test_missing_middle_packet():
    packets = builders.song_packets(SONG, 4, max_data_bytes=4)  # 00 01 .. 00 04, 7F 7F
    assert len(packets) == 5
    song = _song(packets[0] + packets[2] + packets[3] + packets[4])
    assert not song.complete
    (p,) = song.problems
    assert p.offset == len(packets[0])  # where it should have come: before packet 00 03
    assert "packet 00 02 is missing" in p.text


def test_lost_packet_just_before_the_last_cannot_be_seen():
    """The index rule's blind spot (documented in songs.py): 00 01, 7F 7F is a valid song."""
    packets = three_packets()
    song = _song(packets[0] + packets[2])
    assert song.complete and song.payload == SONG[0:4] + SONG[8:10]


def test_missing_first_packets():
    packets = three_packets()
    song = _song(packets[1] + packets[2])
    assert not song.complete and "packet 00 01 is missing" in song.problems[0].text


def test_out_of_order_packets_are_reported_but_joinable():
    packets = three_packets()
    stream = packets[1] + packets[0] + packets[2]
    song = _song(stream)
    (p,) = song.problems
    assert p.offset == len(packets[1]) and "out of order" in p.text
    assert song.complete and song.payload == SONG  # the index says where each part goes


def test_last_packet_before_the_others_is_out_of_order():
    packets = three_packets()
    song = _song(packets[2] + packets[0] + packets[1])
    assert any("out of order" in p.text for p in song.problems)


def test_duplicate_packet():
    packets = three_packets()
    song = _song(packets[0] + packets[1] + packets[1] + packets[2])
    assert not song.complete
    assert any("repeats" in p.text and p.offset == len(packets[0]) + len(packets[1])
               for p in song.problems)


def test_lone_last_packet():
    song = _song(three_packets()[2])
    assert not song.complete and "without packet 00 01" in song.problems[0].text


def test_single_message_song_mixed_with_packets():
    single = spec_bulk(b"OSG1", 0, 4, nibbles_ms_first(b"\x01"))
    song = _song(single + b"".join(three_packets()))
    assert not song.complete and any("00 00" in p.text for p in song.problems)


def test_damaged_packet_stops_the_join():
    packets = three_packets()
    broken = packets[1][:-2] + bytes([(packets[1][-2] + 1) & 0x7F, 0xF7])
    song = _song(packets[0] + broken + packets[2])
    assert not song.complete and "damaged" in song.problems[0].text


def test_several_songs_are_kept_apart():
    a = three_packets(1)
    b = builders.song_packets(b"\x01\x02", 2)
    songs = builders.join_songs(dumps_of(a[0] + b[0] + a[1] + a[2]))
    assert [(s.number, s.payload) for s in songs] == [(1, SONG), (2, b"\x01\x02")]
    with pytest.raises(ValueError, match="one song"):
        builders.join_song(dumps_of(a[0] + b[0] + a[1] + a[2]))


def test_device_number_mismatch_between_packets():
    packets = three_packets()
    other = spec_bulk(b"OSG1", 0x3FFF, 4, nibbles_ms_first(SONG[8:10]), device_number=2)
    song = _song(packets[0] + packets[1] + other)
    assert any("different device numbers" in p.text for p in song.problems)
