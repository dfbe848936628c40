"""Standard MIDI Files: SysEx events, split F0/F7 packets, escape packets, RMID wrappers and
malformed files. Simple files are written with mido; split and escape packets by hand."""

from __future__ import annotations

import mido
from hypothesis import given, settings
from hypothesis import strategies as st

from syxkit.core.readers import read_bytes, read_paths

ROLAND = bytes([0xF0, 0x41, 0x10, 0x42, 0x12, 0x40, 0x00, 0x7F, 0x00, 0x41, 0xF7])
KORG = bytes([0xF0, 0x42, 0x30, 0x00, 0x01, 0x2F, 0x55, 0xF7])


def texts(problems):
    return [str(p) for p in problems]


def vlq(n: int) -> bytes:
    out = [n & 0x7F]
    n >>= 7
    while n:
        out.append(0x80 | (n & 0x7F))
        n >>= 7
    return bytes(reversed(out))


def sysex_event(status: int, payload: bytes, delta: int = 0) -> bytes:
    return vlq(delta) + bytes([status]) + vlq(len(payload)) + payload


def mtrk(events: bytes, declared: int | None = None) -> bytes:
    size = len(events) if declared is None else declared
    return b"MTrk" + size.to_bytes(4, "big") + events


def smf(*tracks: bytes, ntracks: int | None = None) -> bytes:
    n = len(tracks) if ntracks is None else ntracks
    header = b"MThd" + (6).to_bytes(4, "big") + (1).to_bytes(2, "big") + n.to_bytes(2, "big") + (96).to_bytes(2, "big")
    return header + b"".join(tracks)


def one(data: bytes, name: str = "song.mid"):
    (src,) = read_bytes(data, name)
    return src


def test_mido_written_file(tmp_path):
    mid = mido.MidiFile()
    track = mido.MidiTrack()
    track.append(mido.MetaMessage("track_name", name="dumps"))
    track.append(mido.Message("note_on", note=60, velocity=64, time=10))
    track.append(mido.Message("sysex", data=ROLAND[1:-1], time=5))
    track.append(mido.Message("note_off", note=60, time=10))
    track.append(mido.Message("sysex", data=KORG[1:-1], time=300))
    mid.tracks.append(track)
    path = tmp_path / "dump.mid"
    mid.save(path)
    (src,) = read_paths([path])
    data = path.read_bytes()
    assert src.form == "smf" and src.error is None
    assert [m.data for m in src.messages] == [ROLAND, KORG]
    assert [m.index for m in src.messages] == [0, 1]
    # offsets point at the F0 status byte in the file, and the payload follows its length
    for msg in src.messages:
        assert data[msg.offset] == 0xF0
        assert data[msg.offset + 2 : msg.offset + 1 + len(msg.data)] == msg.data[1:]
    assert src.problems == [] and src.stray == []


def test_several_tracks_and_running_status():
    notes = b"\x00\x90\x3c\x40" + b"\x10\x3e\x40" + b"\x10\x40\x40"  # running status
    meta = b"\x00\xff\x51\x03\x07\xa1\x20"  # tempo
    t1 = mtrk(meta + notes + sysex_event(0xF0, ROLAND[1:]) + b"\x00\xff\x2f\x00")
    t2 = mtrk(b"\x00\xc0\x05" + b"\x00\xb0\x07\x64" + sysex_event(0xF0, KORG[1:]) + b"\x00\xff\x2f\x00")
    src = one(smf(t1, t2))
    assert [m.data for m in src.messages] == [ROLAND, KORG]
    assert [m.index for m in src.messages] == [0, 1]
    assert src.problems == []


def test_split_packets_are_joined():
    first = sysex_event(0xF0, ROLAND[1:6])  # no F7: more follows
    middle = sysex_event(0xF7, ROLAND[6:9], delta=20)
    last = sysex_event(0xF7, ROLAND[9:], delta=20)
    note = b"\x05\x90\x3c\x40"
    data = smf(mtrk(first + note + middle + last + b"\x00\xff\x2f\x00"))
    src = one(data)
    (msg,) = src.messages
    assert msg.data == ROLAND and msg.terminated and not msg.problems
    assert data[msg.offset] == 0xF0 and msg.offset == 14 + 8 + 1


def test_problem_in_a_continuation_packet_points_into_the_file():
    first = sysex_event(0xF0, ROLAND[1:6])
    cont = sysex_event(0xF7, ROLAND[6:8] + b"\xf8" + ROLAND[8:])
    data = smf(mtrk(first + cont))
    src = one(data)
    (msg,) = src.messages
    assert msg.data == ROLAND
    (problem,) = msg.problems
    assert data[problem.offset] == 0xF8
    assert problem.text == "real-time byte F8 inside SysEx removed"


def test_escape_packets_outside_a_message():
    escaped_note = sysex_event(0xF7, b"\x90\x3c\x40")
    whole = sysex_event(0xF7, KORG)  # some writers store a whole message as one escape packet
    data = smf(mtrk(sysex_event(0xF0, ROLAND[1:]) + escaped_note + whole))
    src = one(data)
    assert [m.data for m in src.messages] == [ROLAND, KORG]
    assert data[src.messages[1].offset : src.messages[1].offset + len(KORG)] == KORG
    (stray,) = src.stray
    assert data[stray.offset] == 0x90
    assert stray.text == "3 byte(s) outside any SysEx message skipped (expected F0, found 90)"


def test_first_packet_never_continued_is_truncated():
    data = smf(mtrk(sysex_event(0xF0, ROLAND[1:6]) + sysex_event(0xF0, KORG[1:], delta=3)))
    src = one(data)
    first, second = src.messages
    assert first.data == ROLAND[:6] and not first.terminated
    assert second.data == KORG
    (problem,) = first.problems
    assert data[problem.offset] == 0xF0 and problem.offset == second.offset
    assert problem.text == ("F0 (a new SysEx starts) inside SysEx: message truncated here "
                            "(expected data 00-7F or F7)")


def test_rmid_wrapper():
    inner = smf(mtrk(sysex_event(0xF0, KORG[1:])))
    riff_body = b"RMID" + b"data" + len(inner).to_bytes(4, "little") + inner
    data = b"RIFF" + len(riff_body).to_bytes(4, "little") + riff_body
    src = one(data, "song.rmi")
    assert src.form == "smf" and [m.data for m in src.messages] == [KORG]
    assert data[src.messages[0].offset] == 0xF0


def test_no_sysex_in_file():
    src = one(smf(mtrk(b"\x00\x90\x3c\x40\x00\xff\x2f\x00")))
    assert src.form == "smf" and src.messages == [] and src.error is None
    assert texts(src.problems) == ["offset 0 (0x0): MIDI file holds no SysEx events"]


# --- malformed files ---------------------------------------------------------------------------


def test_bad_header_is_an_error_not_a_crash():
    src = one(b"MThd\x00\x00")
    assert src.messages == []
    assert src.error == ("not a readable MIDI file: file ends inside the MThd header at offset 0 "
                         "(expected 14 bytes: 'MThd', length, format, tracks, division)")
    src = one(b"MThd\x00\x00\x00\x02\x00\x01")
    assert src.error == "not a readable MIDI file: MThd chunk at offset 0 declares 2 bytes (expected at least 6)"
    src = one(b"MThd\x00\x00\x00\x06\x00\x01")
    assert src.error == ("not a readable MIDI file: file ends inside the MThd header at offset 0 "
                         "(expected 6 header bytes, found 2)")


def test_truncated_track_keeps_what_is_there():
    events = sysex_event(0xF0, KORG[1:]) + sysex_event(0xF0, ROLAND[1:])
    data = smf(mtrk(events[:-4], declared=len(events)))
    src = one(data)
    assert src.error is None
    assert [m.data for m in src.messages] == [KORG, ROLAND[:-4]]
    assert not src.messages[1].terminated
    assert texts(src.problems) == [
        f"offset 14 (0xE): chunk 'MTrk' declares {len(events)} bytes but the file ends after {len(events) - 4}; "
        "reading what is there",
        # the second event: delta at 22 + 10, its F0 status byte one later
        "offset 33 (0x21): SysEx event declares 10 bytes but the track ends after 6",
    ]
    assert "end of data without F7" in texts(src.problems_for(1))[0]


def test_event_running_past_the_track_and_data_without_status():
    src = one(smf(mtrk(b"\x00\x90\x3c")))
    assert texts(src.problems)[0] == ("offset 23 (0x17): event 90 runs past the end of the track "
                                      "(expected 2 more byte(s))")
    src = one(smf(mtrk(b"\x00\x3c\x40" + sysex_event(0xF0, KORG[1:]))))
    assert texts(src.problems)[0] == ("offset 23 (0x17): data byte 3C with no running status "
                                      "(expected a status byte); rest of track skipped")


def test_track_count_and_trailing_garbage_are_noted():
    src = one(smf(mtrk(sysex_event(0xF0, KORG[1:])), ntracks=3) + b"xyz")
    assert [m.data for m in src.messages] == [KORG]
    assert [p.text for p in src.problems] == [
        "3 byte(s) after the last chunk ignored (expected an 8-byte chunk header)",
        "header declares 3 track(s), the file holds 1",
    ]


def test_unknown_chunks_are_skipped():
    data = smf(b"XFIH" + (4).to_bytes(4, "big") + b"\xf0\x01\x02\xf7", mtrk(sysex_event(0xF0, KORG[1:])),
               ntracks=1)
    src = one(data)
    assert [m.data for m in src.messages] == [KORG] and src.problems == []


@settings(max_examples=300)
@given(st.binary(max_size=300), st.integers(0, 400))
def test_random_track_bodies_never_crash(body, declared):
    for data in (smf(mtrk(body)), smf(mtrk(body, declared=declared)), b"MThd" + body):
        (src,) = read_bytes(data, "fuzz.mid")
        assert src.error is None or src.error.startswith("not a readable MIDI file")
        for i, msg in enumerate(src.messages):
            assert data[msg.offset] == 0xF0
            for p in src.problems_for(i):
                assert 0 <= p.offset <= len(data)
