"""Readers: raw SysEx, wire captures, hex text (named anything, .syx included), plain text, empty
files, foreign readers, folders. The form is found from the content, never the extension."""

from __future__ import annotations

import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from syxkit.core.framing import frame
from syxkit.core.message import Message
from syxkit.core.readers import (
    decode_text,
    parse_hex_text,
    read_bytes,
    read_hex_text,
    read_paths,
)

ROLAND = bytes([0xF0, 0x41, 0x10, 0x42, 0x12, 0x40, 0x00, 0x7F, 0x00, 0x41, 0xF7])
KORG = bytes([0xF0, 0x42, 0x30, 0x00, 0x01, 0x2F, 0x55, 0xF7])


def texts(problems):
    return [str(p) for p in problems]


def one(data: bytes, name: str = "x.syx", **kw):
    (src,) = read_bytes(data, name, **kw)
    return src


# --- raw binary -------------------------------------------------------------------------------


def test_raw_messages_with_offsets():
    src = one(ROLAND + KORG + ROLAND)
    assert src.form == "raw" and src.error is None
    assert [m.data for m in src.messages] == [ROLAND, KORG, ROLAND]
    assert [m.offset for m in src.messages] == [0, 11, 19]
    assert [m.index for m in src.messages] == [0, 1, 2]
    assert src.problems == [] and src.stray == []
    assert all(m.source == "x.syx" for m in src.messages)


def test_raw_problems_are_kept_per_message():
    data = b"\xfe" + ROLAND[:5] + b"\xf8" + ROLAND[5:] + KORG[:-1]
    src = one(data)
    assert [m.data for m in src.messages] == [ROLAND, KORG[:-1]]
    assert texts(src.problems_for(0)) == [
        "offset 0 (0x0): 1 real-time byte(s) (FE) between messages skipped",
        "offset 6 (0x6): real-time byte F8 inside SysEx removed",
    ]
    assert texts(src.problems_for(1)) == [
        "offset 20 (0x14): end of data without F7 (SysEx started at offset 13 is unterminated)"
    ]
    assert src.messages[0].original == data[1:13]  # the real-time byte is kept in the original


def test_binary_without_sysex_says_so():
    src = one(bytes([0x90, 0x3C, 0x40, 0x80, 0x3C, 0x00]))
    assert src.form == "raw" and src.messages == []
    assert texts(src.problems) == ["offset 0 (0x0): no SysEx message found in 6 bytes (expected F0 … F7)"]
    assert texts(src.stray) == [
        "offset 0 (0x0): 6 byte(s) outside any SysEx message skipped (expected F0, found 90)"
    ]


def test_empty_file():
    src = one(b"")
    assert src.form == "empty" and src.messages == [] and src.error is None
    assert texts(src.problems) == ["offset 0 (0x0): file is empty (expected SysEx data)"]


def _rz1_device_side() -> bytes:
    blocks = [bytes((i + k) % 16 for k in range(256)) for i in range(128)]
    return b"\xf0\x44\x01\x00\x70\x30" + b"\x70\x32".join(blocks) + b"\xf7"


def test_wire_capture_with_handshake_pairs_is_one_message():
    data = _rz1_device_side()
    assert len(data) == 33029
    src = one(data, "capture.bin")
    (msg,) = src.messages
    assert msg.data == data and msg.terminated and not msg.problems


def test_host_side_capture_is_one_unterminated_message():
    data = b"\xf0\x44\x01\x00\x70\x10\x00" + b"\x70\x31" * 130
    src = one(data, "host.bin")
    (msg,) = src.messages
    assert len(msg.original) == 267 and not msg.terminated
    assert texts(msg.problems) == [
        "offset 267 (0x10B): end of data without F7 (SysEx started at offset 0 is unterminated)"
    ]


@pytest.mark.parametrize("name, length, terminated", [
    ("rz1_sample_dump_from_device.bin", 33029, True),
    ("rz1_sample_dump_host_side.bin", 267, False),
])
def test_real_rz1_captures(corpus, name, length, terminated):
    path = corpus / "rz1" / name
    (src,) = read_paths([path])
    (msg,) = src.messages
    assert (len(msg.original), msg.terminated, msg.offset) == (length, terminated, 0)


# --- hex text ---------------------------------------------------------------------------------

HEX_FORMS = {
    "spaces": "F0 41 10 42 12 40 00 7F 00 41 F7\nF0 42 30 00 01 2F 55 F7\n",
    "lower, 0x, commas": "0xf0,0x41,0x10,0x42,0x12,0x40,0x00,0x7f,0x00,0x41,0xf7,\n"
                         "0xf0, 0x42, 0x30, 0x00, 0x01, 0x2f, 0x55, 0xf7",
    "dollar": "$F0 $41 $10 $42 $12 $40 $00 $7F $00 $41 $F7 $F0 $42 $30 $00 $01 $2F $55 $F7",
    "h suffix": "F0h 41h 10h 42h 12h 40h 00h 7Fh 00h 41h F7h F0h 42h 30h 00h 01h 2Fh 55h F7h",
    "runs": "F041104212\n40007F0041F7\r\nF04230\n00012F55F7",
    "c array": "const unsigned char a[] = {\n// comment\n 0xF0, 0x41, 0x10, 0x42, 0x12, 0x40,\n"
               " 0x00, 0x7F, 0x00, 0x41, 0xF7, 0xF0, 0x42, 0x30, 0x00, 0x01, 0x2F, 0x55, 0xF7 };",
    "comments": "# a Roland message\nF0 41 10 42 12 ; header\n40 00 7F 00 41 F7 // data\n"
                "; a Korg one\nF0 42 30 00 01 2F 55 F7 # end\n",
    "crlf and tabs": "F0\t41\t10 42 12 40 00 7F 00 41 F7\r\nF0 42 30 00 01 2F 55 F7\r\n",
}


@pytest.mark.parametrize("form", sorted(HEX_FORMS))
def test_hex_text_forms(form):
    text = HEX_FORMS[form]
    if form == "c array":  # the declaration words are reported, the bytes still read
        src = one(text.encode())
        assert src.form == "hex"
        assert [m.data for m in src.messages] == [ROLAND, KORG]
        assert all("is not a hex byte" in p.text for p in src.problems)
        return
    src = one(text.encode())
    assert src.form == "hex", src.problems
    assert [m.data for m in src.messages] == [ROLAND, KORG]
    assert src.problems == [] and src.stray == []
    # offsets count hex bytes
    assert [m.offset for m in src.messages] == [0, 11]


def test_text_file_named_syx(tmp_path):
    path = tmp_path / "patch.syx"
    path.write_text("F0 42 30 00 01 2F 55 F7\n")
    (src,) = read_paths([path])
    assert src.form == "hex" and [m.data for m in src.messages] == [KORG]


def test_binary_file_named_txt_is_raw(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_bytes(KORG)
    (src,) = read_paths([path])
    assert src.form == "raw" and [m.data for m in src.messages] == [KORG]


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "utf-16-be"])
def test_hex_text_with_bom_and_utf16(encoding):
    text = "# Café patch — exported\nF0 42 30 00 01 2F 55 F7\n"
    data = text.encode(encoding)
    if encoding == "utf-16-be":
        data = b"\xfe\xff" + data
    src = one(data)
    assert src.form == "hex" and [m.data for m in src.messages] == [KORG]


def test_unreadable_hex_tokens_are_reported_with_line_and_skipped():
    src = one(b"F0 42 30 00\nZZ 01 2F G5 55 F7\n")
    assert src.form == "hex"
    assert [m.data for m in src.messages] == [bytes([0xF0, 0x42, 0x30, 0x00, 0x01, 0x2F, 0x55, 0xF7])]
    assert texts(src.problems) == [
        "offset 4 (0x4): line 2: 'ZZ' is not a hex byte (expected two hex digits like F0 or 0xF0); skipped",
        "offset 6 (0x6): line 2: 'G5' is not a hex byte (expected two hex digits like F0 or 0xF0); skipped",
    ]


def test_framing_problems_in_hex_name_the_line():
    src = one(b"F0 42 30 00 01 2F 55 F7\nF0 42 30 F8 00\n01 2F 55\n")
    first, second = src.messages
    assert not first.problems
    assert texts(second.problems) == [
        "offset 11 (0xB): line 2: real-time byte F8 inside SysEx removed",
        "offset 16 (0x10): line 3: end of data without F7 (SysEx started at offset 8 is unterminated)",
    ]


def test_hex_without_f0_is_still_hex_with_stray_bytes():
    src = one(b"01 02 03\n")
    assert src.form == "hex" and src.messages == []
    assert texts(src.stray) == [
        "offset 0 (0x0): line 1: 3 byte(s) outside any SysEx message skipped (expected F0, found 01)"
    ]


def test_prose_is_text_not_hex():
    src = one(b"These are my favourite patches.\nSend them with F0 41 ... F7 to be safe.\n")
    assert src.form == "text" and src.messages == []
    assert texts(src.problems) == [
        "offset 0 (0x0): text file, not hex SysEx: 11 of 15 word(s) are not hex bytes, the first "
        "'These' on line 1 (expected bytes like 'F0 44 … F7')"
    ]


def test_decode_text_rejects_binary():
    assert decode_text(KORG) is None
    assert decode_text(b"F0 41\x00 F7") is None  # control bytes are not text
    assert decode_text(b"") is None
    assert decode_text(b"F0 41 F7") == "F0 41 F7"


hex_styles = st.sampled_from([
    lambda b: " ".join(f"{x:02X}" for x in b),
    lambda b: ", ".join(f"0x{x:02x}" for x in b),
    lambda b: " ".join(f"${x:02X}" for x in b),
    lambda b: "\n".join(b[i : i + 16].hex() for i in range(0, len(b), 16)),
    lambda b: "\r\n".join(" ".join(f"{x:02X}" for x in b[i : i + 8]) + " ; row"
                          for i in range(0, len(b), 8)),
])


@settings(max_examples=150)
@given(st.binary(min_size=1, max_size=600), hex_styles)
def test_hex_text_of_random_bytes_parses_back(data, style):
    text = style(data)
    assert parse_hex_text(text) == (data, [])
    src = one(text.encode())
    assert src.form == "hex" and src.problems == []
    assert [m.data for m in src.messages] == [m.data for m in frame(data).messages]


def test_read_hex_text_line_numbers():
    hx = read_hex_text("# header\nF0 01\n\n02 F7\n")
    assert hx.data == b"\xf0\x01\x02\xf7"
    assert [hx.line_of(i) for i in range(4)] == [2, 2, 4, 4]


# --- foreign readers --------------------------------------------------------------------------


def _record_reader(data: bytes, path: str):
    """A toy librarian format: 'REC' + records of 4 bytes, each turned into a SysEx."""
    if not data.startswith(b"REC"):
        return None
    out = []
    for i, at in enumerate(range(3, len(data) - 3, 4)):
        rec = data[at : at + 4]
        out.append(Message(b"\xf0\x7d" + bytes(b & 0x7F for b in rec) + b"\xf7", at, path, raw=rec, index=i))
    return out


_record_reader.form_name = "toy"


def test_foreign_reader_takes_its_form():
    src = one(b"REC\x01\x02\x03\x04\x81\x82\x83\x84", "bank.rec", foreign=[_record_reader])
    assert src.form == "foreign:toy"
    assert [m.raw for m in src.messages] == [b"\x01\x02\x03\x04", b"\x81\x82\x83\x84"]
    assert [m.index for m in src.messages] == [0, 1]


def test_foreign_reader_declining_leaves_raw():
    src = one(b"\x00" + KORG, foreign=[_record_reader])
    assert src.form == "raw" and [m.data for m in src.messages] == [KORG]


def test_foreign_reader_that_crashes_is_reported_not_fatal():
    def broken(data, path):
        raise IndexError("record 3 is short")

    broken.form_name = "buggy"
    src = one(b"\x00" + KORG, foreign=[broken])
    assert src.form == "raw" and [m.data for m in src.messages] == [KORG]
    assert texts(src.problems) == [
        "offset 0 (0x0): buggy file reader failed (IndexError: record 3 is short); read as raw bytes instead"
    ]


def test_sysex_files_are_not_offered_to_foreign_readers():
    calls = []

    def spy(data, path):
        calls.append(path)
        return []

    one(KORG, foreign=[spy])
    assert calls == []


# --- paths ------------------------------------------------------------------------------------


def test_folders_are_read_recursively_sorted_and_hidden_files_skipped(tmp_path):
    (tmp_path / "b").mkdir()
    (tmp_path / ".git").mkdir()
    (tmp_path / "b" / "two.syx").write_bytes(KORG)
    (tmp_path / "a.syx").write_bytes(ROLAND)
    (tmp_path / ".hidden.syx").write_bytes(KORG)
    (tmp_path / ".git" / "x.syx").write_bytes(KORG)
    got = [(os.path.relpath(s.path, tmp_path), len(s.messages)) for s in read_paths([tmp_path])]
    assert got == [("a.syx", 1), (os.path.join("b", "two.syx"), 1)]


def test_missing_paths_fifos_and_broken_links_are_errors_not_crashes(tmp_path):
    fifo = tmp_path / "pipe.syx"
    os.mkfifo(fifo)
    (tmp_path / "dead.syx").symlink_to(tmp_path / "gone")
    srcs = list(read_paths([tmp_path / "nope.syx", tmp_path]))
    errors = {os.path.basename(s.path): s.error for s in srcs}
    assert errors == {
        "nope.syx": "no such file or folder",
        "dead.syx": "no such file (a broken link?)",
        "pipe.syx": "not a regular file",
    }
    assert errors and all(not s.messages for s in srcs)
    fifo.unlink()


def test_file_size_limit(tmp_path, monkeypatch):
    monkeypatch.setattr("syxkit.core.readers.MAX_FILE_BYTES", 10)
    (tmp_path / "big.syx").write_bytes(ROLAND + KORG)
    (tmp_path / "small.syx").write_bytes(KORG)
    srcs = {os.path.basename(s.path): s for s in read_paths([tmp_path])}
    assert srcs["big.syx"].error == "file is 19 bytes; at most 10 are read"
    assert srcs["small.syx"].error is None and len(srcs["small.syx"].messages) == 1


# --- never crash --------------------------------------------------------------------------------

prefixes = st.sampled_from([b"", b"\xf0", b"MThd", b"MThd\x00\x00\x00\x06", b"PK\x03\x04",
                            b"PK\x05\x06", b"RIFF\x00\x00\x00\x00RMID", b"F0 41 ", b"\xef\xbb\xbf",
                            b"\xff\xfe", b"REC"])


@settings(max_examples=300)
@given(prefixes, st.binary(max_size=400))
def test_readers_never_crash_on_random_bytes(prefix, tail):
    data = prefix + tail
    for src in read_bytes(data, "fuzz.bin", foreign=[_record_reader]):
        assert src.error is None or isinstance(src.error, str)
        for i, msg in enumerate(src.messages):
            assert msg.data[:1] == b"\xf0"
            for p in src.problems_for(i):
                assert str(p).startswith("offset ")
