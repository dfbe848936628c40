"""Import: one patch per sound object, names, de-duplication, sources, bad files, zips,
foreign files, re-import adding nothing (with the test device from libtoy)."""

from __future__ import annotations

import io
import zipfile

from libtoy import FOREIGN_MAGIC, bulk, data_bytes, pattern, request, voice

from syxkit.library import Query, find, import_paths, same_sound_different_names
from syxkit.library.fingerprint import fingerprint


def test_bank_gives_one_patch_per_object_named_from_file(lib, tmp_path):
    # A nameless kind: names come from the file name plus the position.
    (tmp_path / "BASS.syx").write_bytes(b"".join(pattern(data_bytes(i), i) for i in range(12)))
    report = import_paths(lib, [tmp_path / "BASS.syx"])
    assert (report.new, report.duplicates, report.objects) == (12, 0, 12)
    names = [p.name for p in find(lib, Query())]
    assert names == [f"BASS {i:02d}" for i in range(1, 13)]
    assert all(p.name_from == "file" and p.kind == "pattern" for p in find(lib, Query()))


def test_single_object_file_is_named_by_its_stem(lib, tmp_path):
    (tmp_path / "dungeon.syx").write_bytes(pattern(data_bytes(5)))
    import_paths(lib, [tmp_path])
    (p,) = find(lib, Query())
    assert p.name == "dungeon"


def test_device_names_win_and_blank_names_fall_back(lib, tmp_path):
    (tmp_path / "v.syx").write_bytes(voice(data_bytes(1), "KILLER", 3) + voice(data_bytes(2), "   ", 4))
    import_paths(lib, [tmp_path])
    a, b = find(lib, Query())
    assert (a.name, a.name_from) == ("KILLER", "device")
    assert (b.name, b.name_from) == ("v 02", "file")


def test_bulk_gives_parts_with_standalone_messages(lib, tmp_path):
    voices = [(f"VOICE {i}", data_bytes(10 + i)) for i in range(5)]
    (tmp_path / "bulk.syx").write_bytes(bulk(voices, channel=3))
    report = import_paths(lib, [tmp_path])
    assert report.new == 5
    patches = find(lib, Query())
    assert [p.name for p in patches] == [n for n, _ in voices]
    for i, p in enumerate(patches):
        (src,) = p.sources
        assert (src.offset, src.part, src.channel) == (0, i, 3)
        # The part's own message as the driver's split() builds it.
        assert lib.message(p.message_id) == voice(voices[i][1], voices[i][0], i, 3)
    # The whole bulk message is stored once, shared by every source.
    assert lib.conn.execute("SELECT COUNT(DISTINCT message_id) FROM sources").fetchone()[0] == 1
    assert lib.message(patches[0].sources[0].message_id) == (tmp_path / "bulk.syx").read_bytes()


def test_same_sound_in_two_forms_is_one_patch_with_two_sources(lib, tmp_path):
    data = data_bytes(42)
    ignored = data[:15] + b"\x33"  # differs only in the byte the device ignores
    (tmp_path / "panel.syx").write_bytes(voice(data, "", None, channel=1))
    (tmp_path / "internal_01.syx").write_bytes(voice(ignored, "", 0x20, channel=5))
    report = import_paths(lib, [tmp_path])
    assert (report.new, report.duplicates) == (1, 1)
    (p,) = find(lib, Query())
    assert sorted(s.path.rsplit("/", 1)[1] for s in p.sources) == ["internal_01.syx", "panel.syx"]
    assert p.name == "internal_01"  # the first one seen (files are read in sorted order)
    # Both names the sources gave are there for the "same sound, different names" question.
    (group,) = same_sound_different_names(lib)
    assert group["names"] == ["internal_01", "panel"] and group["sources"] == 2
    assert group["id"] == p.id


def test_fingerprint_ignores_what_sound_bytes_leaves_out(toy):
    assert fingerprint("toy-lib", "voice", b"ab") != fingerprint("toy-lib", "pattern", b"ab")
    assert fingerprint("a", "bc", b"") != fingerprint("ab", "c", b"")


def test_second_import_adds_nothing(lib, tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "a.syx").write_bytes(voice(data_bytes(1), "ONE") + voice(data_bytes(2), "TWO"))
    (tmp_path / "sub" / "b.syx").write_bytes(bulk([("THREE", data_bytes(3)), ("ONE", data_bytes(1))]))
    first = import_paths(lib, [tmp_path])
    assert (first.new, first.duplicates) == (3, 1)
    counts = [lib.conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
              for t in ("patches", "sources", "files", "messages")]
    second = import_paths(lib, [tmp_path])
    assert (second.new, second.duplicates) == (0, 4)
    assert all(f.status == "unchanged" for f in second.files)
    rescan = import_paths(lib, [tmp_path], rescan=True)
    assert (rescan.new, rescan.duplicates) == (0, 4)
    assert counts == [lib.conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
                      for t in ("patches", "sources", "files", "messages")]


def test_a_copy_elsewhere_adds_a_source_not_a_patch(lib, tmp_path):
    data = voice(data_bytes(7), "SEVEN")
    (tmp_path / "a.syx").write_bytes(data)
    (tmp_path / "copy.syx").write_bytes(data)
    import_paths(lib, [tmp_path])
    (p,) = find(lib, Query())
    assert len(p.sources) == 2


def test_bad_files_are_listed_and_do_not_stop_the_import(lib, tmp_path):
    (tmp_path / "a_good.syx").write_bytes(voice(data_bytes(1), "GOOD"))
    (tmp_path / "b_text.syx").write_text("this is not sysex at all\n")
    (tmp_path / "c_empty.syx").write_bytes(b"")
    (tmp_path / "d_unknown.syx").write_bytes(bytes.fromhex("F0 43 10 4C 00 00 7E 00 F7"))
    (tmp_path / "e_short.syx").write_bytes(voice(data_bytes(2), "SHORT")[:-5] + b"\xf7")
    (tmp_path / "f_trunc.syx").write_bytes(voice(data_bytes(3), "TRUNC")[:-1])
    (tmp_path / "g_request.syx").write_bytes(request(3))
    (tmp_path / "h_bad.zip").write_bytes(b"PK\x03\x04 broken zip")
    (tmp_path / "z_good.syx").write_bytes(voice(data_bytes(4), "LAST"))
    report = import_paths(lib, [tmp_path, tmp_path / "missing.syx"])
    assert [p.name for p in find(lib, Query())] == ["GOOD", "LAST"]
    problems = {f.path.rsplit("/", 1)[1]: f.problems for f in report.with_problems}
    assert set(problems) == {"c_empty.syx", "d_unknown.syx", "e_short.syx", "f_trunc.syx",
                             "h_bad.zip", "missing.syx"}
    # Files that are fine but hold no sound are skipped, with the reason, not called problems.
    skipped = {f.path.rsplit("/", 1)[1]: f.notes for f in report.files if f.status == "skipped"}
    assert set(skipped) == {"b_text.syx", "g_request.syx"}
    assert skipped["g_request.syx"] == ["no sound object in this file (only: request)"]
    assert "text file" in skipped["b_text.syx"][0]
    assert any("Yamaha" in p and "not from a known device" in p for p in problems["d_unknown.syx"])
    assert any("expected 24 bytes of voice, found 20" in p for p in problems["e_short.syx"])
    assert any("zip" in p for p in problems["h_bad.zip"])
    assert problems["missing.syx"] == ["no such file or folder"]
    assert lib.integrity_check() == ["ok"]


def test_driver_exception_becomes_a_problem(lib, tmp_path, toy, monkeypatch):
    def broken(dump):
        raise RuntimeError("driver bug")

    (tmp_path / "a.syx").write_bytes(voice(data_bytes(1), "A"))
    (tmp_path / "b.syx").write_bytes(pattern(data_bytes(2)))
    monkeypatch.setattr(toy, "sound_bytes", lambda d: broken(d) if d.kind == "voice" else d.payload[:15])
    report = import_paths(lib, [tmp_path])
    assert report.new == 1
    (bad,) = report.with_problems
    assert bad.path.endswith("a.syx") and "sound_bytes failed: RuntimeError: driver bug" in bad.problems[0]
    # Fixed driver: the file that had problems is read again and now imports.
    monkeypatch.undo()
    again = import_paths(lib, [tmp_path])
    assert again.new == 1 and not again.with_problems


def test_zip_members_and_foreign_files(lib, tmp_path):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("banks/one.syx", voice(data_bytes(1), "ZIPPED"))
        zf.writestr("two.syx", pattern(data_bytes(2)))
        zf.writestr("readme.txt", "hello")
    (tmp_path / "pack.zip").write_bytes(buf.getvalue())
    records = b"".join(n.ljust(8).encode() + data_bytes(10 + i) for i, n in enumerate(["OLD A", "OLD B"]))
    (tmp_path / "OLD.DOS").write_bytes(FOREIGN_MAGIC + records)
    report = import_paths(lib, [tmp_path])
    assert report.new == 4
    by_name = {p.name: p for p in find(lib, Query())}
    assert set(by_name) == {"ZIPPED", "two", "OLD A", "OLD B"}
    assert by_name["ZIPPED"].sources[0].path.endswith("pack.zip!banks/one.syx")
    old = by_name["OLD B"].sources[0]
    assert old.form == "foreign:toy-lib" and old.offset == 6 + 24
    # The record's own bytes are kept verbatim beside the synthesised message.
    assert lib.original(old.message_id) == records[24:]
    assert lib.message(old.message_id)[5:-1] == records[24:]
    zip_report = next(f for f in report.files if f.path.endswith("pack.zip"))
    assert zip_report.problems == [] and any("readme.txt: text file" in n for n in zip_report.notes)
    assert import_paths(lib, [tmp_path]).new == 0


def test_midi_file_import(lib, tmp_path):
    from syxkit.library.export import smf_bytes

    (tmp_path / "song.mid").write_bytes(smf_bytes([voice(data_bytes(1), "MIDI A"),
                                                   voice(data_bytes(2), "MIDI B")]))
    report = import_paths(lib, [tmp_path])
    assert report.new == 2 and [p.sources[0].form for p in find(lib, Query())] == ["smf", "smf"]


def test_same_file_duplicates_inside_one_file(lib, tmp_path):
    blank = data_bytes(0)
    (tmp_path / "BASS.syx").write_bytes(b"".join(pattern(data_bytes(i) if i < 5 else blank, i)
                                                 for i in range(16)))
    report = import_paths(lib, [tmp_path])
    assert (report.new, report.duplicates) == (5, 11)  # data_bytes(0) is the blank itself
    blank_patch = next(p for p in find(lib, Query()) if len(p.sources) > 1)
    assert blank_patch.name == "BASS 01" and len(blank_patch.sources) == 12
    assert [s.program for s in blank_patch.sources][-3:] == [13, 14, 15]


def test_progress_is_reported_per_file(lib, tmp_path):
    for i in range(3):
        (tmp_path / f"{i}.syx").write_bytes(pattern(data_bytes(i)))
    seen = []
    import_paths(lib, [tmp_path], progress=lambda done, total, path: seen.append((done, total)))
    assert seen == [(1, 3), (2, 3), (3, 3)]


def test_standalone_messages_found_even_when_split_reorders(lib, tmp_path, toy, monkeypatch):
    voices = [(f"V{i}", data_bytes(200 + i)) for i in range(6)]
    (tmp_path / "bulk.syx").write_bytes(bulk(voices))
    original_split = type(toy).split
    monkeypatch.setattr(toy, "split", lambda dumps, options: original_split(toy, dumps, options)[::-1])
    import_paths(lib, [tmp_path])
    for i, p in enumerate(find(lib, Query())):
        assert lib.message(p.message_id) == voice(voices[i][1], voices[i][0], i)


def test_bulk_without_split_keeps_parts_with_their_bulk(lib, tmp_path, toy, monkeypatch):
    from syxkit.devices.base import Unsupported

    def no_split(dumps, options):
        raise Unsupported("toy-lib: split is not supported")

    monkeypatch.setattr(toy, "split", no_split)
    (tmp_path / "bulk.syx").write_bytes(bulk([("A", data_bytes(1)), ("B", data_bytes(2))]))
    report = import_paths(lib, [tmp_path])
    assert report.new == 2 and len(report.files[0].notes) == 2 and not report.files[0].problems
    from syxkit.library import patch_dump

    (a, b) = find(lib, Query())
    assert a.message_id is None and patch_dump(lib, b).name.strip() == "B"


def test_worker_processes_give_the_same_library(tmp_path, toy):
    from syxkit.library import Library
    from syxkit.library.importer import WORKER_MIN_FILES

    folder = tmp_path / "many"
    folder.mkdir()
    for f in range(WORKER_MIN_FILES + 9):
        (folder / f"f{f:03d}.syx").write_bytes(
            b"".join(voice(data_bytes((f * 7 + v) % 60), f"N{f}-{v}", v) for v in range(5))
            + bulk([("BULK", data_bytes(f % 4))]) + pattern(data_bytes(1000 + f)))
    (folder / "junk.syx").write_bytes(b"\x00\x01")
    results = []
    for workers in (0, 1, 3):
        with Library(tmp_path / f"w{workers}.sqlite") as lib:
            report = import_paths(lib, [folder], workers=workers)
            rows = [{k: v for k, v in p.to_json().items()} for p in find(lib, Query())]
            for r in rows:
                for s in r["sources"]:
                    s.pop("seen_at")
            results.append((report.to_json()["new"], report.to_json()["duplicates"],
                            [f.problems for f in report.files], rows))
    assert results[0] == results[1] == results[2]
    assert results[0][0] > 0 and any(results[0][2])


def test_an_object_sent_in_several_messages_is_one_patch(lib, tmp_path):
    from libtoy import song_packets

    from syxkit.library import Library, decoded, export_message
    from syxkit.library.banks import add_to_bank, create_bank, export_bank

    song_a, song_b = bytes(range(20)), bytes(range(40, 70))
    data = (b"".join(song_packets(2, song_a)) + voice(data_bytes(1), "AFTER")
            + b"".join(song_packets(2, song_a)) + b"".join(song_packets(3, song_b)))
    (tmp_path / "songs.syx").write_bytes(data)
    report = import_paths(lib, [tmp_path / "songs.syx"])
    assert (report.new, report.duplicates) == (3, 1)
    song, after, other = find(lib, Query())
    assert (song.kind, after.name, other.kind) == ("song", "AFTER", "song")
    assert [s.offset for s in song.sources] == [0, len(b"".join(song_packets(2, song_a))) + 31]
    assert export_message(lib, song) == b"".join(song_packets(2, song_a))
    assert lib.payload(other.id) == song_b
    assert [p["data"] for p in decoded(lib, song)["params"]["pieces"]] == [
        list(song_a[0:8]), list(song_a[8:16]), list(song_a[16:20])]
    bank = add_to_bank(lib, create_bank(lib, "songs", "toy-lib"), [other.id, song.id])
    out = tmp_path / "out.syx"
    export_bank(lib, bank, out)
    assert out.read_bytes() == b"".join(song_packets(3, song_b)) + b"".join(song_packets(2, song_a))
    with Library(tmp_path / "again.sqlite") as again:
        assert import_paths(again, [out]).new == 2
