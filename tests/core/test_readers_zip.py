"""Zip archives: read member by member in memory (never extracted), with size limits, nested
zips, corrupt archives and corrupt members."""

from __future__ import annotations

import io
import os
import zipfile

import pytest

from syxkit.core import readers
from syxkit.core.readers import read_bytes, read_paths

ROLAND = bytes([0xF0, 0x41, 0x10, 0x42, 0x12, 0x40, 0x00, 0x7F, 0x00, 0x41, 0xF7])
KORG = bytes([0xF0, 0x42, 0x30, 0x00, 0x01, 0x2F, 0x55, 0xF7])


def make_zip(members: dict[str, bytes], compression=zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def by_path(srcs):
    return {s.path: s for s in srcs}


@pytest.fixture
def no_extraction(monkeypatch):
    """Reading must never write members to disk."""

    def refuse(*args, **kwargs):
        raise AssertionError("zip members must be read in memory, not extracted")

    monkeypatch.setattr(zipfile.ZipFile, "extract", refuse)
    monkeypatch.setattr(zipfile.ZipFile, "extractall", refuse)


def test_members_of_every_form_are_read_in_memory(tmp_path, no_extraction):
    import mido

    mid = mido.MidiFile()
    track = mido.MidiTrack([mido.Message("sysex", data=KORG[1:-1])])
    mid.tracks.append(track)
    smf = io.BytesIO()
    mid.save(file=smf)
    archive = tmp_path / "patches.zip"
    archive.write_bytes(make_zip({
        "raw/roland.syx": ROLAND + KORG,
        "text.syx": b"F0 42 30 00 01 2F 55 F7\n",
        "song.mid": smf.getvalue(),
        "folder/": b"",
    }))
    before = sorted(os.listdir(tmp_path))
    srcs = by_path(read_paths([archive]))
    assert sorted(os.listdir(tmp_path)) == before  # nothing written next to the archive
    assert set(srcs) == {f"{archive}!raw/roland.syx", f"{archive}!text.syx", f"{archive}!song.mid"}
    raw = srcs[f"{archive}!raw/roland.syx"]
    assert raw.form == "raw" and [m.data for m in raw.messages] == [ROLAND, KORG]
    assert all(m.source == f"{archive}!raw/roland.syx" for m in raw.messages)
    assert srcs[f"{archive}!text.syx"].form == "hex"
    assert [m.data for m in srcs[f"{archive}!song.mid"].messages] == [KORG]
    assert srcs[f"{archive}!song.mid"].form == "smf"


def test_stored_members_and_macos_clutter(no_extraction):
    data = make_zip({"a.syx": KORG, "__MACOSX/._a.syx": b"\x00\x05\x16\x07junk", ".DS_Store": b"\x00\x00"},
                    zipfile.ZIP_STORED)
    srcs = read_bytes(data, "mac.zip")
    assert [s.path for s in srcs] == ["mac.zip!a.syx"]


def test_nested_zip_is_read_one_level_deep(no_extraction):
    inner = make_zip({"b.syx": ROLAND})
    outer = make_zip({"a.syx": KORG, "inner.zip": inner})
    srcs = by_path(read_bytes(outer, "outer.zip"))
    assert [m.data for m in srcs["outer.zip!inner.zip!b.syx"].messages] == [ROLAND]
    assert [m.data for m in srcs["outer.zip!a.syx"].messages] == [KORG]
    deeper = make_zip({"outer.zip": outer})
    srcs = by_path(read_bytes(deeper, "deep.zip"))
    assert srcs["deep.zip!outer.zip!inner.zip"].error == (
        "zip nested 2 levels deep; at most 1 level(s) of zip inside zip are opened")
    assert [m.data for m in srcs["deep.zip!outer.zip!a.syx"].messages] == [KORG]


def test_corrupt_zip_is_an_error():
    (src,) = read_bytes(b"PK\x03\x04" + bytes(range(60)), "broken.zip")
    assert src.form == "zip" and src.messages == []
    assert src.error.startswith("not a readable zip archive: ")


def test_truncated_zip_is_an_error():
    data = make_zip({"a.syx": KORG * 50})
    (src,) = read_bytes(data[: len(data) // 2], "cut.zip")
    assert src.error.startswith("not a readable zip archive: ")


def test_corrupt_member_is_an_error_for_that_member_only():
    data = bytearray(make_zip({"a.syx": KORG * 200, "b.syx": ROLAND}))
    at = data.index(b"a.syx") + len(b"a.syx") + 5  # inside a.syx's compressed bytes
    data[at : at + 8] = b"\xff" * 8
    srcs = by_path(read_bytes(bytes(data), "half.zip"))
    assert srcs["half.zip!a.syx"].error.startswith("cannot read zip member: ")
    assert [m.data for m in srcs["half.zip!b.syx"].messages] == [ROLAND]


def test_empty_zip():
    (src,) = read_bytes(make_zip({}), "empty.zip")
    assert src.error is None and src.messages == []
    assert [str(p) for p in src.problems] == ["offset 0 (0x0): zip archive has no files in it"]


def test_member_size_limit(monkeypatch):
    monkeypatch.setattr(readers, "MAX_ZIP_MEMBER_BYTES", 100)
    srcs = by_path(read_bytes(make_zip({"big.syx": KORG * 20, "small.syx": KORG}), "z.zip"))
    assert srcs["z.zip!big.syx"].error == "member is 160 bytes; at most 100 are read"
    assert [m.data for m in srcs["z.zip!small.syx"].messages] == [KORG]


def test_total_size_limit(monkeypatch):
    monkeypatch.setattr(readers, "MAX_ZIP_TOTAL_BYTES", 20)
    srcs = read_bytes(make_zip({"1.syx": KORG, "2.syx": KORG, "3.syx": KORG, "4.syx": KORG}), "z.zip")
    assert [(s.path, s.error) for s in srcs] == [
        ("z.zip!1.syx", None), ("z.zip!2.syx", None),
        ("z.zip!3.syx", "zip expands beyond the 20-byte limit; this and later members not read"),
    ]


def test_member_count_limit(monkeypatch):
    monkeypatch.setattr(readers, "MAX_ZIP_MEMBERS", 3)
    (src,) = read_bytes(make_zip({f"{i}.syx": KORG for i in range(4)}), "many.zip")
    assert src.error == "zip has 4 members; at most 3 are read"


def test_member_larger_than_declared_is_not_read():
    """A member whose header understates its size (a zip-bomb trick) is never read past the
    declared size; the cut-off data fails its CRC and the member is refused."""
    data = bytearray(make_zip({"liar.syx": KORG * 40}, zipfile.ZIP_STORED))
    # lower the uncompressed size in the central directory entry (offset 24 in the entry)
    cd = data.index(b"PK\x01\x02")
    data[cd + 24 : cd + 28] = (50).to_bytes(4, "little")
    (src,) = read_bytes(bytes(data), "liar.zip")
    assert src.error == "cannot read zip member: BadZipFile: Bad CRC-32 for file 'liar.syx'"
    assert src.messages == []
