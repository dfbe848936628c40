"""Framing: every kind of bad input from DESIGN.md / issue 2, with the exact problem reported."""

from hypothesis import given
from hypothesis import strategies as st

from syxkit.core.framing import frame

TONE = bytes([0xF0, 0x44, 0x00, 0x00, 0x70, 0x20, 0x20]) + bytes(256) + b"\xf7"


def texts(problems):
    return [str(p) for p in problems]


def test_clean_messages_back_to_back():
    f = frame(TONE + TONE, "x.syx")
    assert [m.offset for m in f.messages] == [0, 264]
    assert all(m.data == TONE and not m.problems and m.terminated for m in f.messages)
    assert f.stray == []
    assert f.messages[1].index == 1 and f.messages[1].source == "x.syx"


def test_bytes_outside_messages_are_counted_per_run():
    data = b"\x00\x01\x02" + TONE + b"\x90\x40\x7f" + TONE + b"\x0a"
    f = frame(data)
    assert len(f.messages) == 2
    assert texts(f.stray) == [
        "offset 0 (0x0): 3 byte(s) outside any SysEx message skipped (expected F0, found 00)",
        "offset 267 (0x10B): 3 byte(s) outside any SysEx message skipped (expected F0, found 90)",
        "offset 534 (0x216): 1 byte(s) outside any SysEx message skipped (expected F0, found 0A)",
    ]
    # shown with the neighbouring messages
    assert texts(f.problems_for(0)) == texts(f.stray[:1])
    assert texts(f.problems_for(1)) == texts(f.stray[1:])


def test_realtime_inside_sysex_removed_and_reported_original_kept():
    data = TONE[:100] + b"\xf8" + TONE[100:200] + b"\xfe" + TONE[200:]
    f = frame(data)
    (m,) = f.messages
    assert m.data == TONE
    assert m.raw == data and m.original == data
    assert texts(m.problems) == [
        "offset 100 (0x64): real-time byte F8 inside SysEx removed",
        "offset 201 (0xC9): real-time byte FE inside SysEx removed",
    ]
    assert m.terminated


def test_status_byte_inside_sysex_truncates():
    data = TONE[:50] + b"\x90\x3c\x40" + TONE
    f = frame(data)
    first, second = f.messages
    assert first.data == TONE[:50] and not first.terminated
    assert texts(first.problems) == [
        "offset 50 (0x32): status byte 90 inside SysEx: message truncated here (expected data 00-7F or F7)"
    ]
    assert texts(f.stray) == [
        "offset 50 (0x32): 3 byte(s) outside any SysEx message skipped (expected F0, found 90)"
    ]
    assert second.data == TONE and second.offset == 53


def test_new_f0_inside_sysex_truncates_and_starts_next():
    data = TONE[:10] + TONE
    first, second = frame(data).messages
    assert first.data == TONE[:10] and not first.terminated
    assert "F0 (a new SysEx starts) inside SysEx" in str(first.problems[0])
    assert second.data == TONE and second.offset == 10


def test_end_of_stream_without_f7():
    f = frame(TONE[:-1])
    (m,) = f.messages
    assert not m.terminated and m.data == TONE[:-1]
    assert texts(m.problems) == [
        "offset 263 (0x107): end of data without F7 (SysEx started at offset 0 is unterminated)"
    ]


def test_end_of_stream_without_f7_after_realtime():
    f = frame(TONE[:20] + b"\xfe" + TONE[20:-1])
    (m,) = f.messages
    assert m.data == TONE[:-1] and not m.terminated
    assert [p.offset for p in m.problems] == [20, 264]


def test_empty_sysex():
    (m,) = frame(b"\xf0\xf7").messages
    assert texts(m.problems) == ["offset 0 (0x0): empty SysEx (F0 F7 with no data)"]


def test_lone_f7_and_realtime_between_messages():
    f = frame(b"\xf7" + TONE + b"\xfe\xfe")
    assert texts(f.stray) == [
        "offset 0 (0x0): 1 byte(s) outside any SysEx message skipped (expected F0, found F7 without F0)",
        "offset 265 (0x109): 2 real-time byte(s) (FE) between messages skipped",
    ]


def test_handshake_capture_is_one_message():
    block = bytes(range(16)) * 16
    stream = b"\xf0\x44\x01\x00\x70\x30" + (block + b"\x70\x32") * 3 + block + b"\xf7"
    (m,) = frame(stream).messages
    assert m.data == stream and not m.problems


def test_empty_input():
    f = frame(b"")
    assert f.messages == [] and f.stray == []


@given(st.binary(max_size=2000))
def test_never_crashes_and_accounts_for_every_byte(data):
    f = frame(data)
    covered = sum(len(m.original) for m in f.messages)
    stray = 0
    for p in f.stray:
        stray += int(str(p).split(": ", 1)[1].split(" ", 1)[0])
    assert covered + stray == len(data)
    for m in f.messages:
        assert m.data[0] == 0xF0
        assert all(b < 0x80 for b in m.data[1:-1] if True) or not m.terminated
        assert data[m.offset : m.offset + len(m.original)] == m.original


@given(st.lists(st.binary(max_size=300).map(lambda b: bytes(x & 0x7F for x in b)), max_size=20))
def test_clean_messages_round_trip(bodies):
    data = b"".join(b"\xf0" + b + b"\xf7" for b in bodies)
    f = frame(data)
    assert [m.data for m in f.messages] == [b"\xf0" + b + b"\xf7" for b in bodies]
    assert f.stray == []
