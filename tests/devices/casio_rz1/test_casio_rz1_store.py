"""RZ-1 (issues 13 and 14): handshake pairs survive decode -> encode, decode shows the pad summary
with the RAM image under ``raw``, where a dump is stored, request names, split names."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from syxkit.cli import cli
from syxkit.core.framing import frame
from syxkit.core.message import Message
from syxkit.devices import registry
from syxkit.devices.base import OptionError, Options
from syxkit.devices.casio_rz1 import build
from syxkit.devices.casio_rz1 import table as t

RZ1 = registry.get("casio-rz1")


def round_trip(data: bytes, terminated: bool) -> bytes:
    dump = RZ1.identify(Message(data, terminated=terminated))
    obj = {"device": dump.device, "kind": dump.kind, "channel": dump.channel,
           "params": json.loads(json.dumps(RZ1.decode(dump)))}
    return RZ1.encode(obj)


def test_request_with_handshake_pairs_round_trips():
    """Fuzz reproducer: the 70 32 was lost and 71 31 came back as 70 31."""
    data = bytes.fromhex("F0 44 01 00 70 10 00 70 31 70 32 71 31")
    assert round_trip(data, terminated=False) == data


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(sorted(t.REQUESTS)), st.integers(0, 15),
       st.lists(st.sampled_from([b"\x70\x31", b"\x71\x31", b"\x70\x32", b"\x7f\x31"]), max_size=6),
       st.booleans())
def test_any_request_with_pairs_round_trips(code, channel, pairs, closed):
    data = t.HEADER + bytes([0x70 | channel, code, t.REQUEST_TAIL]) + b"".join(pairs)
    data += b"\xf7" if closed else b""
    assert round_trip(data, terminated=closed) == data


def test_decode_puts_the_image_under_raw_and_shows_the_pads(tmp_path):
    image = bytes(range(256)) * 63 + bytes(16_384 - 256 * 63 - 1) + b"\x80"
    data = build.loadable(image, channel=3)
    src = tmp_path / "kit.syx"
    src.write_bytes(data)
    runner = CliRunner()
    res = runner.invoke(cli, ["decode", str(src)])
    assert res.exit_code == 0, res.output
    assert len(res.output) < 3000  # the pad summary, not 32 KB of hex
    assert "pads_1_2" in res.output and image.hex()[:64] not in res.output
    res = runner.invoke(cli, ["decode", "--json", str(src)])
    objs = json.loads(res.output)
    assert bytes.fromhex(objs[0]["params"]["raw"]["data"]) == image
    assert [p["pad"] for p in objs[0]["params"]["pads"]] == [1, 2, 3, 4]
    (tmp_path / "d.json").write_text(res.output)
    res = runner.invoke(cli, ["encode", str(tmp_path / "d.json"), "-o", str(tmp_path / "e.syx")])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "e.syx").read_bytes() == data


def test_store_says_the_whole_ram_and_the_channel():
    dump = RZ1.identify(frame(build.loadable(bytes(16_384), channel=5)).messages[0])
    assert dump.store.startswith("the whole sample RAM (replaced), on an RZ-1 set to MIDI channel 5")
    assert "74 20" in dump.store


def test_request_names_and_unknown_what():
    assert [n for n, _ in RZ1.request_names] == ["sample-ram", "rhythm-ram"]
    with pytest.raises(OptionError, match="sample-ram or rhythm-ram"):
        RZ1.request_protocol("pattern:3", Options())


def test_emulator_uart_rate_option():
    """``--set uart_rate=N`` paces the emulated RZ-1's sending (default: a cable's 3,125 B/s);
    0 sends each block at once."""
    from syxkit.devices.base import Options
    from syxkit.devices.casio_rz1.emulator import WIRE_BYTES_PER_SECOND

    dev = registry.get("casio-rz1")
    assert dev.emulator(Options()).uart_rate == WIRE_BYTES_PER_SECOND
    assert dev.emulator(Options(uart_rate=0)).uart_rate is None
    assert dev.emulator(Options(uart_rate=31250)).uart_rate == 31250.0
