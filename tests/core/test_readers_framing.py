"""The optimised framer behind every reader, checked against a plain byte-by-byte reference
(the MIDI rules written as simply as possible), and on inputs that would make a careless
framer quadratic."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from syxkit.core.framing import frame
from syxkit.core.readers import read_bytes


def reference(data: bytes):
    """(messages, stray runs) by the rules: F0 starts a message; inside one, F8-FF are removed,
    F7 ends it, any other byte >= 0x80 truncates it (and is then read as outside); outside,
    everything up to the next F0 is one stray run."""
    messages = []  # (offset, data, terminated, [(offset, kind)])
    stray = []  # (offset, length)
    i, n = 0, len(data)
    while i < n:
        if data[i] != 0xF0:
            j = i
            while j < n and data[j] != 0xF0:
                j += 1
            stray.append((i, j - i))
            i = j
            continue
        start, kept, problems = i, bytearray(b"\xf0"), []
        i += 1
        while True:
            if i == n:
                problems.append((n, "unterminated"))
                messages.append((start, bytes(kept), False, problems))
                break
            b = data[i]
            if b >= 0xF8:
                problems.append((i, "realtime"))
                i += 1
            elif b == 0xF7:
                kept.append(b)
                if len(kept) == 2:
                    problems.append((start, "empty"))
                messages.append((start, bytes(kept), True, problems))
                i += 1
                break
            elif b >= 0x80:
                problems.append((i, "truncated"))
                messages.append((start, bytes(kept), False, problems))
                break
            else:
                kept.append(b)
                i += 1
    return messages, stray


def _kind(text: str) -> str:
    if text.startswith("real-time byte"):
        return "realtime"
    if text.startswith("end of data without F7"):
        return "unterminated"
    if text.startswith("empty SysEx"):
        return "empty"
    assert "inside SysEx: message truncated here" in text, text
    return "truncated"


def _stray_length(text: str) -> int:
    return int(text.split(" ", 1)[0])


pieces = st.one_of(
    st.binary(min_size=0, max_size=700).map(lambda b: b"\xf0" + bytes(x & 0x7F for x in b) + b"\xf7"),
    st.binary(min_size=0, max_size=700).map(lambda b: b"\xf0" + bytes(x & 0x7F for x in b)),  # no F7
    st.sampled_from([b"\xf8", b"\xfe", b"\xf7", b"\x90\x3c\x40", b"\xf0", b"\xc0", b"\x00\x01"]),
    st.binary(max_size=20),
)


@settings(max_examples=400)
@given(st.lists(pieces, max_size=25))
def test_framer_matches_the_reference(parts):
    data = b"".join(parts)
    framed = frame(data)
    want_messages, want_stray = reference(data)
    got = [(m.offset, m.data, m.terminated, [(p.offset, _kind(p.text)) for p in m.problems])
           for m in framed.messages]
    assert got == want_messages
    assert [(p.offset, _stray_length(p.text)) for p in framed.stray] == want_stray
    for m in framed.messages:
        assert data[m.offset : m.offset + len(m.original)] == m.original
    assert [m.index for m in framed.messages] == list(range(len(framed.messages)))


def test_many_f0_before_one_distant_f7():
    data = b"\xf0\x01" * 50_000 + b"\xf7"
    (src,) = read_bytes(data, "f0s.bin")
    assert len(src.messages) == 50_000
    assert src.messages[-1].data == b"\xf0\x01\xf7" and src.messages[-1].terminated
    assert not src.messages[0].terminated and src.messages[0].problems[0].offset == 2


def test_many_f0_and_no_f7_at_all():
    data = (b"\xf0" + bytes(10)) * 20_000
    (src,) = read_bytes(data, "nof7.bin")
    assert len(src.messages) == 20_000
    assert all(not m.terminated for m in src.messages)
    assert src.messages[-1].problems[0].text.startswith("end of data without F7")


def test_huge_run_of_real_time_bytes():
    (src,) = read_bytes(b"\xf8\xfe" * 500_000, "clock.bin")
    assert [str(p) for p in src.stray] == [
        "offset 0 (0x0): 1000000 real-time byte(s) (F8 FE) between messages skipped"]
