"""The RZ-1 through the command line: info, convert, decode/encode, fix, split, demo and the
``syxkit rz1`` group (export, import, unpack, pack)."""

from __future__ import annotations

import json
import random

import pytest
from click.testing import CliRunner
from corpus_files import corpus_path

from syxkit.cli import cli
from syxkit.core.framing import frame
from syxkit.devices.casio_rz1 import DEVICE, build, samples
from syxkit.devices.casio_rz1 import table as t


class Ran:
    def __init__(self, res):
        self.output = res.output  # exact, for JSON
        self.text = " ".join(res.output.split())  # rich wraps long lines: compare unwrapped


def run(*args, code=0) -> Ran:
    res = CliRunner().invoke(cli, [str(a) for a in args])
    assert res.exit_code == code, res.output
    return Ran(res)


@pytest.fixture
def capture():
    return corpus_path("rz1", "rz1_sample_dump_from_device.bin")


def ram_of(data: bytes) -> bytes:
    """The RAM image a dump stream carries, via the driver."""
    return DEVICE.identify(frame(data).messages[0]).payload


def test_info_json_on_the_corpus(capture):
    rows = json.loads(run("info", "--json", capture).output)
    (row,) = rows
    assert row["device"] == "casio-rz1" and row["kind"] == "sample-dump" and row["problems"] == []
    assert row["details"]["blocks"] == 128 and row["slot"] == "sample RAM"
    host = corpus_path("rz1", "rz1_sample_dump_host_side.bin")
    (row,) = json.loads(run("info", "--json", host).output)
    assert row["kind"] == "sample-request" and row["details"]["acknowledgements"] == 130
    assert row["problems"] == [] and row["notes"]


def test_convert_capture_to_loadable(capture, tmp_path):
    out = tmp_path / "load.syx"
    run("convert", capture, "-o", out)
    data = out.read_bytes()
    assert len(data) == 33_030 and data.startswith(bytes.fromhex("f0 44 01 00 70 20 00"))
    assert data.count(b"\x70\x32") == 127 and data.endswith(b"\xf7") and data.count(b"\xf7") == 1
    assert ram_of(data) == ram_of(capture.read_bytes())
    (row,) = json.loads(run("info", "--json", out).output)
    assert row["kind"] == "sample-dump" and row["channel"] == 1 and row["problems"] == []
    run("convert", capture, "-o", out, "--channel", 5)
    data = out.read_bytes()
    assert data[4] == 0x74 and data.count(b"\x74\x32") == 127 and b"\x70\x32" not in data
    back = tmp_path / "cap.syx"
    run("convert", out, "--to", "capture", "-o", back)
    assert back.read_bytes() == capture.read_bytes()


def test_convert_refusals(capture, tmp_path):
    short = tmp_path / "short.syx"
    short.write_bytes(capture.read_bytes()[:20_000] + b"\xf7")
    res = run("convert", short, "-o", tmp_path / "x.syx", code=1)
    assert "incomplete" in res.text and "short" in res.text
    res = run("convert", corpus_path("rz1", "rz1_sample_dump_host_side.bin"), "-o",
              tmp_path / "x.syx", code=1)
    assert "requests and replies carry no RAM" in res.text
    res = run("convert", capture, "-o", tmp_path / "x.syx", "--to", "tape", code=1)
    assert "forms are loadable, capture" in res.text
    assert not (tmp_path / "x.syx").exists()


def test_export_import_round_trip_and_listening_check(capture, tmp_path):
    res = run("rz1", "export", capture, "-o", tmp_path / "pads", "--json")
    report = json.loads(res.output)
    assert "no pads linked" in report["link"]
    assert [f["samples"] for f in report["files"]] == [4096, 4096, 4096, 4095]
    assert all(f["peak"] > 20 for f in report["files"])  # audible, not silence
    wavs = [tmp_path / "pads" / f"pad{i}.wav" for i in range(1, 5)]
    out = tmp_path / "back.syx"
    res = run("rz1", "import", *wavs, "-o", out, "--json")
    assert json.loads(res.output)["bytes"] == 33_030
    assert ram_of(out.read_bytes()) == ram_of(capture.read_bytes())
    text = run("rz1", "export", capture, "-o", tmp_path / "p2").text
    assert "link byte 00" in text and "peak 90" in text and "syxkit rz1 import" in text


def test_linked_pads_via_cli(tmp_path):
    img = bytearray(samples.image_from_sounds(
        [[random.Random(i).randrange(-100, 100) for _ in range(p.length)] for i, p in enumerate(t.PADS)], 0))
    img[t.LINK_OFFSET] = 0x80
    src = tmp_path / "linked.syx"
    src.write_bytes(build.loadable(bytes(img)))
    text = run("rz1", "export", src, "-o", tmp_path / "w", "--bits", "8").text
    assert "pads 1+2 linked" in text and (tmp_path / "w" / "pads1+2.wav").exists()
    out = tmp_path / "o.syx"
    run("rz1", "import", tmp_path / "w" / "pads1+2.wav", tmp_path / "w" / "pad3.wav",
        tmp_path / "w" / "pad4.wav", "--link", "1+2", "--channel", 2, "-o", out)
    data = out.read_bytes()
    assert data[4] == 0x71 and ram_of(data) == bytes(img)


def test_import_errors(tmp_path):
    wav = tmp_path / "a.wav"
    wav.write_bytes(b"RIFF....")
    res = run("rz1", "import", wav, "-o", tmp_path / "o.syx", code=1)
    assert "a.wav: not a readable WAV" in res.text
    res = run("rz1", "import", *[wav] * 5, "-o", tmp_path / "o.syx", code=2)
    assert "4 pads" in res.text
    res = run("rz1", "import", wav, "--link", "2+3", "-o", tmp_path / "o.syx", code=2)
    assert "not a link" in res.text
    assert not (tmp_path / "o.syx").exists()


def test_unpack_and_pack(capture, tmp_path):
    ram = tmp_path / "ram.bin"
    run("rz1", "unpack", capture, "-o", ram)
    assert ram.read_bytes() == ram_of(capture.read_bytes()) and len(ram.read_bytes()) == 16_384
    out = tmp_path / "load.syx"
    run("rz1", "pack", ram, "-o", out, "--channel", 3)
    assert len(out.read_bytes()) == 33_030 and out.read_bytes()[4] == 0x72
    # A raw image exports too.
    run("rz1", "export", ram, "-o", tmp_path / "w")
    assert (tmp_path / "w" / "pad4.wav").exists()
    rhythm = tmp_path / "r.bin"
    rhythm.write_bytes(bytes(range(256)) * 30)
    run("rz1", "pack", rhythm, "-o", out)
    assert len(out.read_bytes()) == 15_486
    res = run("rz1", "pack", rhythm, "--ram", "sample", "-o", out, code=1)
    assert "16,384 bytes; this one is 7,680" in res.text
    short = tmp_path / "short.syx"
    short.write_bytes(capture.read_bytes()[:20_000])
    res = run("rz1", "unpack", short, "-o", tmp_path / "s.bin", code=1)
    assert "--partial" in res.text
    run("rz1", "unpack", short, "--partial", "-o", tmp_path / "s.bin")
    part = (tmp_path / "s.bin").read_bytes()
    assert 9000 < len(part) < 16_384 and part == ram_of(capture.read_bytes())[:len(part)]


def test_decode_encode_round_trips(capture, tmp_path):
    host = corpus_path("rz1", "rz1_sample_dump_host_side.bin")
    loadable = tmp_path / "load.syx"
    loadable.write_bytes(build.loadable(bytes(range(256)) * 30, channel=9))
    req = tmp_path / "req.syx"
    req.write_bytes(build.send_rhythm_request(4) + b"\xf7")
    short = tmp_path / "short.syx"
    short.write_bytes(capture.read_bytes()[:3000] + b"\xf7")  # too short to tell its RAM
    odd = tmp_path / "odd.syx"
    good = loadable.read_bytes()
    odd.write_bytes(good[:7 + 256] + good[7 + 258:])  # a missing handshake pair
    for src in (capture, host, loadable, req, short, odd):
        js = tmp_path / "d.json"
        js.write_text(run("decode", "--json", src).output)
        out = tmp_path / "e.syx"
        run("encode", js, "-o", out)
        assert out.read_bytes() == src.read_bytes(), src


def test_encode_applies_edited_link_flags(capture, tmp_path):
    objs = json.loads(run("decode", "--json", capture).output)
    params = objs[0]["params"]
    assert params["link"]["pads_1_2"] is False and len(params["pads"]) == 4
    params["link"]["pads_3_4"] = True
    js = tmp_path / "d.json"
    js.write_text(json.dumps(objs))
    out = tmp_path / "e.syx"
    run("encode", js, "-o", out)
    assert ram_of(out.read_bytes())[-1] == 0x40


def test_fix_rebuilds_framing_and_clears_reserved_bits(tmp_path):
    img = bytes(16_383) + b"\x83"
    good = build.loadable(img)
    broken = good[:7 + 256] + good[7 + 258:]  # a missing handshake pair
    src = tmp_path / "b.syx"
    src.write_bytes(b"\x00" + broken)  # a stray byte before stays as it is
    res = run("fix", src, "-o", tmp_path / "f.syx", "--json")
    changes = [c["change"] for c in json.loads(res.output)["changes"]]
    assert any("no 7n 32 handshake after block 1" in c for c in changes)
    assert any("link byte 83 -> 80" in c for c in changes)
    assert (tmp_path / "f.syx").read_bytes() == b"\x00" + build.loadable(bytes(16_383) + b"\x80")


def test_split_a_full_backup(tmp_path, capture):
    both = tmp_path / "backup.syx"
    both.write_bytes(capture.read_bytes() + build.loadable(bytes(t.RHYTHM.size)))
    run("split", both, "-o", tmp_path / "parts")
    names = sorted(p.name for p in (tmp_path / "parts").iterdir())
    # issue 13: names carry the source's stem and sort in the file's order
    assert names == ["backup-01-sample-dump.syx", "backup-02-rhythm-dump.syx"]
    assert (tmp_path / "parts" / names[0]).read_bytes() == capture.read_bytes()
    run("join", *[tmp_path / "parts" / n for n in names], "-o", tmp_path / "joined.syx")
    assert (tmp_path / "joined.syx").read_bytes() == both.read_bytes()
    out = tmp_path / "load.syx"
    run("convert", both, "-o", out)  # both become loadable, one after the other
    assert len(out.read_bytes()) == 33_030 + 15_486


def test_example_and_demo(tmp_path):
    data = DEVICE.example()
    dump = DEVICE.identify(frame(data).messages[0])
    assert dump.kind == "sample-dump" and dump.problems == [] and len(data) == 33_030
    assert all(samples.level(p).peak > 40 for p in samples.pads(dump.payload))
    run("demo", "-o", tmp_path)
    assert (tmp_path / "examples" / "casio-rz1.syx").read_bytes() == data


def test_edited_irregular_dump_is_rebuilt_regular(tmp_path):
    good = build.loadable(bytes(t.RHYTHM.size), channel=2)
    odd = tmp_path / "odd.syx"
    odd.write_bytes(good[:7 + 256] + good[7 + 258:])
    objs = json.loads(run("decode", "--json", odd).output)
    data = bytearray.fromhex(objs[0]["params"]["raw"]["data"])  # the image is under raw
    data[0] = 0x99
    objs[0]["params"]["raw"]["data"] = data.hex()
    js = tmp_path / "d.json"
    js.write_text(json.dumps(objs))
    run("encode", js, "-o", tmp_path / "e.syx")
    assert (tmp_path / "e.syx").read_bytes() == build.loadable(bytes(data), channel=2)
