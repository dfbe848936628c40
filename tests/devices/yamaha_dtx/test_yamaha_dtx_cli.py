"""The DTXtreme IIs driver through the command line: info, decode/encode, convert, split/join,
fix, rename and ``syxkit dtx request``."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from dtx_spec_layout import SPEC_EXAMPLE, spec_bulk, spec_request

from syxkit.cli import cli
from syxkit.devices.yamaha_dtx import builders

SONG = bytes(range(30))


def run(*args: str, code: int = 0):
    result = CliRunner().invoke(cli, [str(a) for a in args])
    assert result.exit_code == code, result.output
    return result


def flat(text: str) -> str:
    """Terminal output with rich's line wrapping undone."""
    return " ".join(text.split())


def info_json(path):
    return json.loads(run("info", "--json", path).stdout)


def test_info_json_fields(tmp_path):
    path = tmp_path / "kit.syx"
    path.write_bytes(SPEC_EXAMPLE + builders.kit_request(11))
    kit, req = info_json(path)
    assert kit["device"] == "yamaha-dtxtreme2" and kit["model"] == "DTXtreme IIs"
    assert (kit["kind"], kit["program"], kit["slot"], kit["checksum"]) == ("kit", 0, "User kit 1 (wire 00 00)", "ok")
    assert kit["name"] is None and kit["problems"] == []
    assert kit["details"]["checksum_rule"] == "bytecount..data"
    assert kit["details"]["device_number"] == 1
    assert (req["kind"], req["program"], req["slot"]) == ("kit-request", 11, "User kit 12 (wire 00 0B)")


def test_info_reports_song_gaps_and_malformed_messages(tmp_path):
    packets = builders.song_packets(SONG, 2, max_data_bytes=16)
    assert len(packets) == 4
    bad = SPEC_EXAMPLE[:-2] + b"\x10\xf7"
    path = tmp_path / "broken.syx"
    path.write_bytes(packets[0] + packets[2] + bad)
    rows = info_json(path)
    assert "packet 00 02 is missing" in " ".join(rows[1]["problems"])
    assert "no last packet" in " ".join(rows[1]["problems"])
    assert rows[2]["checksum"] == "bad"
    offset = len(packets[0]) + len(packets[2]) + len(bad) - 2
    assert rows[2]["problems"][0].startswith(f"offset {offset} ")


def test_info_complete_song_has_no_problems(tmp_path):
    path = tmp_path / "song.syx"
    path.write_bytes(b"".join(builders.song_packets(SONG, 2, max_data_bytes=16)))
    rows = info_json(path)
    assert [r["problems"] for r in rows] == [[], [], [], []]
    assert [r["details"]["last_packet"] for r in rows] == [False, False, False, True]


def test_decode_encode_round_trip(tmp_path):
    src = tmp_path / "in.syx"
    data = SPEC_EXAMPLE + b"".join(builders.song_packets(SONG, 2, max_data_bytes=16)) + spec_request(b"VCE0", 3)
    src.write_bytes(data)
    objs = json.loads(run("decode", "--json", src).stdout)
    assert objs[0]["params"]["payload_hex"] == "4D 79 4B 69 74 20 20"
    j = tmp_path / "in.json"
    j.write_text(json.dumps(objs))
    run("encode", j, "-o", tmp_path / "out.syx")
    assert (tmp_path / "out.syx").read_bytes() == data
    objs[0]["program"] = 11
    j.write_text(json.dumps(objs[:1]))
    run("encode", j, "-o", tmp_path / "k12.syx")
    assert (tmp_path / "k12.syx").read_bytes() == spec_bulk(b"OKI2", 0, 11, b"MyKit  ")


def test_convert(tmp_path):
    src = tmp_path / "kit.syx"
    src.write_bytes(SPEC_EXAMPLE)
    out = tmp_path / "out.syx"
    run("convert", src, "-o", out, "--program", "12")  # panel numbering (issue 14)
    assert out.read_bytes() == spec_bulk(b"OKI2", 0, 11, b"MyKit  ")
    run("convert", src, "-o", out, "--edit-buffer", "--device-number", "3")
    assert out.read_bytes() == spec_bulk(b"OKI2", 0, 0x3FFF, b"MyKit  ", device_number=3)
    result = run("convert", src, "-o", out, "--program", "0x11", "--channel", "2")
    assert "--channel has no effect" in flat(result.stderr)
    assert out.read_bytes() == spec_bulk(b"OKI2", 0, 16, b"MyKit  ")
    result = run("convert", src, "-o", out, code=2)  # a usage error
    assert "nothing to change" in flat(result.stderr)


def test_split_and_join(tmp_path):
    backup = [builders.dump_message("system", b"\x01"), SPEC_EXAMPLE,
              *builders.song_packets(SONG, 0, max_data_bytes=16), builders.dump_message("stack", b"\x02", 1)]
    src = tmp_path / "backup.syx"
    src.write_bytes(b"".join(backup))
    folder = tmp_path / "parts"
    run("split", src, "-o", folder)
    names = sorted(p.name for p in folder.iterdir())
    # issue 13: names carry the source and sort in backup order
    assert names == ["backup-001-system.syx", "backup-002-kit-001.syx", "backup-003-song-001.syx",
                     "backup-004-stack-02.syx"]
    out = tmp_path / "joined.syx"
    run("join", *sorted(folder.iterdir()), "-o", out)
    assert out.read_bytes() == src.read_bytes()


def test_fix(tmp_path):
    src = tmp_path / "bad.syx"
    junk = b"\xf8\xf8"
    src.write_bytes(junk + spec_bulk(b"OKI2", 0, 0, b"MyKit  ", count=3, csum=0x01) + junk)
    out = tmp_path / "fixed.syx"
    result = run("fix", src, "-o", out, "--json")
    changes = json.loads(result.stdout)["changes"]
    assert [c["change"].split(" ")[0] for c in changes] == ["byte", "checksum"]
    assert out.read_bytes() == junk + SPEC_EXAMPLE + junk
    assert src.read_bytes() != out.read_bytes()  # the original is kept


def test_rename_is_refused_with_the_reason(tmp_path):
    src = tmp_path / "kit.syx"
    src.write_bytes(SPEC_EXAMPLE)
    result = run("rename", src, "--name", "X", "-o", tmp_path / "o.syx", code=1)
    assert "not published" in flat(result.stderr)


def test_dtx_request_command(tmp_path):
    assert run("dtx", "request", "kit", "--panel", "12").stdout.strip() == "F0 43 7D 20 44 54 58 54 4F 4B 49 32 00 0B F7"
    # --program counts as the panel does (issue 14); --wire gives the wire number
    assert run("dtx", "request", "kit", "--program", "12").stdout == run("dtx", "request", "kit", "--panel", "12").stdout
    assert run("dtx", "request", "kit", "--wire", "11").stdout == run("dtx", "request", "kit", "--panel", "12").stdout
    out = tmp_path / "req.syx"
    run("dtx", "request", "system", "--device-number", "2", "-o", out)
    assert out.read_bytes() == spec_request(b"SYS0", 0x3FFF, device_number=2)
    run("dtx", "request", "kit", "--edit-buffer", "-o", out)
    assert out.read_bytes() == spec_request(b"OKI2", 0x3FFF)


@pytest.mark.parametrize(("args", "text"), [
    (["song", "--edit-buffer"], "does not answer"),
    (["kit", "--panel", "1", "--program", "0"], "not both"),
    (["stack", "--panel", "17"], "out of range"),
    (["kit"], "needs a number"),
    (["kit", "--panel", "0"], "0"),
    (["kit", "--program", "0"], "from 1"),
    (["kit", "--wire", "-1"], "0 or more"),
])
def test_dtx_request_usage_errors(args, text):
    result = run("dtx", "request", *args, code=2)
    assert text in flat(result.output)


def test_demo_writes_the_example(tmp_path):
    CliRunner().invoke(cli, ["demo", "-o", str(tmp_path)])
    assert (tmp_path / "examples" / "yamaha-dtxtreme2.syx").read_bytes() == SPEC_EXAMPLE
