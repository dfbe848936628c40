"""The operations layer called directly, with no CLI: results come back as data (what was
written, notes, changes, counts) and refusals as syxkit's own errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from corpus_files import corpus_path

from syxkit.core.fileio import OutputError
from syxkit.devices import registry
from syxkit.devices.base import DeviceError, OptionError, Options
from syxkit.inspect import entries, load_bytes
from syxkit.ops import backup, devices_tools, files


def example(device_id: str) -> bytes:
    data = registry.get(device_id).example()
    assert data, f"{device_id} builds no example dump"
    return data


def dumps_of(data: bytes):
    return [e.dump for e in entries(load_bytes(data, "x.syx")[0]) if e.dump is not None]


def put(folder: Path, name: str, data: bytes) -> str:
    path = folder / name
    path.write_bytes(data)
    return str(path)


def cz_tone(program: int) -> bytes:
    dev = registry.get("casio-cz")
    (out,) = dev.convert(dumps_of(example("casio-cz")), Options(program=program, form="receive"))
    return out.data


# -- convert / join / split -------------------------------------------------------------------
def test_convert_returns_what_it_wrote(tmp_path):
    src = put(tmp_path, "tone.syx", example("casio-cz"))
    out = tmp_path / "moved.syx"
    done = files.convert([src], str(out), {"program": 0x22, "channel": 3})
    assert done.paths == [out] and out.read_bytes() == done.data
    assert done.device == "casio-cz" and done.unused == []
    assert done.description == f"1 tone ({len(done.data):,} bytes)"
    (dump,) = dumps_of(done.data)
    assert (dump.program, dump.channel) == (0x22, 3)


def test_convert_reports_options_without_effect_as_data(tmp_path):
    src = put(tmp_path, "voice.syx", example("casio-vz"))
    done = files.convert([src], str(tmp_path / "out.syx"), {"store_to_bank": True})
    assert done.unused == ["store_to_bank"]


def test_convert_takes_the_program_as_the_panel_counts_it(tmp_path):
    # text goes through the driver's program_option, as --program does on the command line
    src = put(tmp_path, "tone.syx", example("casio-cz"))
    by_text = files.convert([src], str(tmp_path / "a.syx"), {"program": "0x22"})
    by_number = files.convert([src], str(tmp_path / "b.syx"), {"program": 0x22})
    assert by_text.data == by_number.data


def test_join_then_split_give_the_objects_back(tmp_path):
    tones = [put(tmp_path, f"t{k}.syx", cz_tone(0x20 + k)) for k in range(3)]
    joined = files.join(tones, str(tmp_path / "bank.syx"))
    assert joined.description.startswith("3 tones")
    assert b"".join(Path(t).read_bytes() for t in tones) == joined.data
    split = files.split([str(joined.paths[0])], str(tmp_path / "out"))
    assert [p.name.split("-")[0] for p in split.paths] == ["bank"] * 3
    assert split.paths == sorted(split.paths)  # a plain sort is slot order
    assert [p.read_bytes() for p in split.paths] == [Path(t).read_bytes() for t in tones]
    assert split.description == "3 tones"


def test_split_refuses_to_overwrite_without_force(tmp_path):
    src = put(tmp_path, "bank.syx", cz_tone(0x20) + cz_tone(0x21))
    files.split([src], str(tmp_path / "out"))
    with pytest.raises(OutputError, match="already holds 2 of the files"):
        files.split([src], str(tmp_path / "out"))
    assert len(files.split([src], str(tmp_path / "out"), force=True).paths) == 2


def test_split_refuses_empty_and_cut_short_input(tmp_path):
    with pytest.raises(DeviceError, match="the file is empty"):
        files.split([put(tmp_path, "empty.syx", b"")], str(tmp_path / "o1"))
    cut = example("casio-vz")[:-40]
    with pytest.raises(DeviceError, match="cut short|no SysEx message"):
        files.split([put(tmp_path, "cut.syx", cut)], str(tmp_path / "o2"))
    assert not (tmp_path / "o1").exists() and not (tmp_path / "o2").exists()


def test_an_output_that_is_an_input_is_refused_before_anything_is_written(tmp_path):
    src = put(tmp_path, "tone.syx", example("casio-cz"))
    before = Path(src).read_bytes()
    with pytest.raises(OutputError):
        files.convert([src], src)
    assert Path(src).read_bytes() == before


def test_device_choice_errors_are_usage_or_file_errors(tmp_path):
    both = files.gather([put(tmp_path, "a.syx", example("casio-cz")),
                         put(tmp_path, "b.syx", example("casio-vz"))])
    with pytest.raises(OptionError, match="several devices"):
        files.dumps_by_device(both.entries)
    with pytest.raises(OptionError):
        files.dumps_by_device(both.entries, "no-such-device")
    dev, dumps = files.dumps_by_device(both.entries, "casio-vz")
    assert dev.id == "casio-vz" and {d.device for d in dumps} == {"casio-vz"}
    none = files.gather([put(tmp_path, "junk.syx", b"\xf0\x01\x02\xf7")])
    with pytest.raises(DeviceError, match="no message of a known device"):
        files.dumps_by_device(none.entries)


def test_gather_tells_the_caller_about_unreadable_files(tmp_path):
    heard: list[str] = []
    got = files.gather([str(tmp_path / "missing.syx")], heard.append)
    assert len(got.unreadable) == 1 and got.sources == []
    assert heard and heard[0].startswith(f"error: {tmp_path / 'missing.syx'}")


# -- fix / rename ------------------------------------------------------------------------------
def test_fix_repairs_a_checksum_and_says_where(tmp_path):
    good = example("casio-vz")
    bad = bytearray(good)
    bad[-2] ^= 0x01  # the checksum byte before F7
    src = put(tmp_path, "bad.syx", bytes(bad))
    done = files.fix(src, str(tmp_path / "fixed.syx"))
    assert done.data == good and (tmp_path / "fixed.syx").read_bytes() == good
    assert done.changes and done.changes[0]["index"] == 0 and done.changes[0]["offset"] == 0
    assert done.to_json()["changes"] == done.changes
    again = files.fix(str(tmp_path / "fixed.syx"), str(tmp_path / "again.syx"))
    assert again.changes == [] and again.data == good


def test_fix_keeps_every_other_byte_of_a_raw_file(tmp_path):
    good = example("casio-vz")
    bad = bytearray(good)
    bad[-2] ^= 0x01
    junk = b"not sysex\n"
    src = put(tmp_path, "bad.syx", junk + bytes(bad) + junk)
    done = files.fix(src, str(tmp_path / "fixed.syx"))
    assert done.data == junk + good + junk


def test_rename_writes_the_name_the_device_shows(tmp_path):
    src = put(tmp_path, "voice.syx", example("casio-vz"))
    done = files.rename(src, "NEW NAME", str(tmp_path / "named.syx"))
    assert done.number == 1  # counted from 1, as --index takes it
    (dump,) = dumps_of(done.data)
    assert dump.name.strip() == "NEW NAME"


def test_rename_index_out_of_range_is_a_usage_error(tmp_path):
    src = put(tmp_path, "voice.syx", example("casio-vz"))
    for number in (0, 2):  # one voice: only --index 1 exists
        with pytest.raises(OptionError, match=r"out of range.*\(1\.\.1\)"):
            files.rename(src, "X", str(tmp_path / "n.syx"), number)
    assert not (tmp_path / "n.syx").exists()


# -- decode / encode / diff --------------------------------------------------------------------
@pytest.mark.parametrize("device_id", ["casio-cz", "casio-vz", "novation-kstation"])
def test_decode_then_encode_gives_the_same_bytes(tmp_path, device_id):
    data = example(device_id)
    src = put(tmp_path, "in.syx", data)
    got = files.decode([src])
    objs = [item.object for item in got.items]
    assert objs and all(o["device"] == device_id for o in objs)
    assert files.encode_objects(json.loads(json.dumps(objs))) == data
    js = tmp_path / "in.json"
    js.write_text(json.dumps(objs))
    done = files.encode(str(js), str(tmp_path / "out.syx"))
    assert (tmp_path / "out.syx").read_bytes() == data == done.data


def test_encode_names_a_wrong_object_by_its_place(tmp_path):
    js = tmp_path / "bad.json"
    js.write_text(json.dumps([{"kind": "tone"}, {"device": "casio-cz"}]))
    with pytest.raises(DeviceError, match=r"bad.json: \[0\]: no 'device' key"):
        files.encode(str(js), str(tmp_path / "out.syx"))
    assert not (tmp_path / "out.syx").exists()


def test_diff_as_data(tmp_path):
    a = put(tmp_path, "a.syx", example("casio-vz"))
    b = str(files.rename(a, "OTHER", str(tmp_path / "b.syx")).output)
    same = files.diff(a, a)
    assert same.equal and same.parameters == []
    differ = files.diff(a, b)
    assert not differ.equal
    names = [p for p in differ.parameters if p["param"].endswith("name")]
    assert names and names[0]["b"].strip() == "OTHER"
    assert files.diff(a, b, 1, 1).parameters == differ.parameters  # 1: the first object
    with pytest.raises(OptionError, match=r"--index-b 3 is out of range.*\(1\.\.1\)"):
        files.diff(a, b, 1, 3)
    with pytest.raises(OptionError, match="--index-a 0"):
        files.diff(a, b, 0, 1)


# -- real dumps --------------------------------------------------------------------------------
def test_corpus_dos_bank_converts_to_one_bulk(tmp_path):
    src = corpus_path("vz", "dos_files", "PBANK1.P64")
    done = files.convert([str(src)], str(tmp_path / "bank.syx"))
    assert done.device == "casio-vz"
    assert done.description.startswith("64 voices")
    assert files.kind_counts(done.data)["voice"] == 64


def test_corpus_cz_bank_splits_and_fixes_without_change(tmp_path):
    src = corpus_path("cz", "BASS.SYX")
    split = files.split([str(src)], str(tmp_path / "tones"))
    assert split.paths and all(p.name.startswith("BASS-") for p in split.paths)
    total = sum(files.kind_counts(p.read_bytes())["tone"] for p in split.paths)
    assert total == files.kind_counts(src.read_bytes())["tone"]
    fixed = files.fix(str(src), str(tmp_path / "fixed.syx"))
    assert fixed.changes == [] and fixed.data == src.read_bytes()


# -- backups, as files -------------------------------------------------------------------------
def test_backup_files_finish_with_combined_file_and_manifest(tmp_path):
    from syxkit.devices.base import Output

    folder = tmp_path / "backup"
    job = backup.BackupFiles(folder, "casio-cz", {"model": "CZ-101", "backend": "test",
                                                  "port": "p", "form": "embedded"})
    job.make_folder()
    job.keep("tone 1", cz_tone(0x20))  # interim file, named as the final one
    outs = [Output("tone 1", cz_tone(0x20)), Output("tone 2", cz_tone(0x21))]
    done = job.finish(outs, 1.5, tmp_path)
    assert [p.name for _, p in done.written] == ["tone-1.syx", "tone-2.syx"]
    assert done.combined.read_bytes() == outs[0].data + outs[1].data
    manifest = json.loads(done.manifest.read_text())
    assert manifest["complete"] is True and manifest["device"] == "casio-cz"
    assert [o["file"] for o in manifest["objects"]] == ["tone-1.syx", "tone-2.syx"]
    assert done.kinds == ["tone", "tone"] and backup.count_kinds(done.kinds) == "2 tones"
    with pytest.raises(DeviceError, match="already holds 4 file"):
        backup.refuse_earlier(folder, force=False)
    assert backup.refuse_earlier(folder, force=True) == sorted(p.name for p in folder.iterdir())


def test_destinations_read_from_the_bytes_sent():
    dev = registry.get("casio-cz")
    dests = backup.destinations(dev, cz_tone(0x22))
    assert len(dests) == 1 and dests[0]["kind"] == "tone" and dests[0]["store"]


def test_check_folder_refuses_a_file_in_the_way(tmp_path):
    (tmp_path / "f").write_bytes(b"x")
    with pytest.raises(OutputError, match="is a file, not a folder"):
        backup.check_folder(tmp_path / "f" / "sub")


# -- the devices' own tools --------------------------------------------------------------------
def test_cz_requests_are_consecutive_and_refuse_running_past_0x7f():
    from syxkit.devices.casio_cz import messages

    data = devices_tools.cz_requests(0x20, count=2, channel=2)
    assert data == (messages.send_request(0x20, 2, "tone", embedded=True)
                    + messages.send_request(0x21, 2, "tone", embedded=True))
    with pytest.raises(OptionError, match="run past the last program address"):
        devices_tools.cz_requests(0x7F, count=2)


def test_kstation_requests_need_their_numbers():
    with pytest.raises(OptionError, match="'program' needs --program"):
        devices_tools.kstation_requests("program")
    assert len(devices_tools.kstation_requests("bank", bank=1)) == 50


def test_dtx_request_counts_from_one_and_refuses_two_numbers():
    by_panel, kind = devices_tools.dtx_request("kit", program=12)
    by_wire, _ = devices_tools.dtx_request("kit", wire=11)
    assert by_panel == by_wire and kind
    with pytest.raises(OptionError, match="not both"):
        devices_tools.dtx_request("kit", program=1, wire=0)
