"""casio-cz: every builder's message identifies, decodes and encodes back to itself; messages
with problems round-trip as their original bytes; the ``syxkit cz`` commands."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from czhelp import dumps_of, one, plain_tone
from hypothesis import given, settings
from hypothesis import strategies as st

from syxkit.cli import cli
from syxkit.devices.base import DeviceError
from syxkit.devices.casio_cz import DEVICE
from syxkit.devices.casio_cz import messages as M
from syxkit.devices.params import ParamError


def wrapped(dump):
    return {"device": dump.device, "kind": dump.kind, "model": dump.model, "channel": dump.channel,
            "program": dump.program, "name": dump.name, "params": DEVICE.decode(dump)}


BUILT = [
    M.send_request(0x20, 1), M.send_request(0x3F, 16, embedded=True),
    M.send_request(0x05, 2, "named-tone", embedded=True), M.send_request(0x01, 1, "operation-memory"),
    M.send_request(0x61, 1, "sequencer", embedded=True),
    M.receive_request(0x60, 4), M.receive_request(0x02, 1, "named-tone"),
    M.reply_header(7),
    M.bend_range(0, 1), M.bend_range(12, 9), M.key_transpose(-3, 1), M.key_transpose(4, 2),
    M.tone_mix(0x33, 1), M.cz1_mode("operation memory", 3), M.cz1_mode(0x20, 1),
    M.object_message(bytes(range(20)), 1, 0x07), M.object_message(bytes(range(20)), 1, None),
    M.tone_message(plain_tone(), 11, 0x2A), M.tone_message(plain_tone(), 11, None),
    M.tone_message(plain_tone() + b"ORGAN".ljust(16), 1, 0x3F),
]


@pytest.mark.parametrize("data", BUILT, ids=lambda d: d[4:7].hex())
def test_builders_round_trip(data):
    dump = one(data)
    assert dump.problems == [], dump.problems
    assert DEVICE.encode(wrapped(dump)) == data


@pytest.mark.parametrize("data", [
    M.tone_message(plain_tone(), 1, 0x20)[:150] + b"\xf7",
    b"\xf0\x44\x00\x00\x70\x5a\x01\xf7",
    b"\xf0\x44\x00\x00\x70\x41\x09\xf7",
    b"\xf0\x44\x00\x00\x70\x10\x20\x01\xf7",
])
def test_problem_messages_round_trip_as_their_bytes(data):
    dump = one(data)
    params = DEVICE.decode(dump)
    assert params["message"] == data.hex() and params["problems"]
    assert DEVICE.encode(wrapped(dump)) == data


def test_encode_refuses_nonsense():
    with pytest.raises(ParamError, match='kind: expected one of tone, .*got "song"'):
        DEVICE.encode({"kind": "song", "params": {}})
    with pytest.raises(ParamError, match="params.raw: expected 20 bytes .*got 3 bytes"):
        DEVICE.encode({"kind": "operation-memory", "channel": 1, "program": 1,
                       "params": {"raw": "000102"}})
    with pytest.raises(ParamError, match="top level: expected an object, got \\[\\]"):
        DEVICE.encode([])
    with pytest.raises(ParamError, match="channel: expected a whole number 1-16, got 0"):
        DEVICE.encode({"kind": "reply", "channel": 0, "params": {}})
    with pytest.raises(DeviceError, match="bend range"):
        DEVICE.encode({"kind": "bend-range", "channel": 1, "params": {"semitones": 20}})


@settings(max_examples=50, deadline=None)
@given(st.integers(1, 16), st.integers(0, 0x7F), st.sampled_from(sorted(M.REQUESTABLE)),
       st.booleans())
def test_requests_identify_as_built(channel, program, what, embedded):
    dump = one(M.send_request(program, channel, what, embedded=embedded))
    assert (dump.kind, dump.channel, dump.program) == ("send-request", channel, program)
    assert dump.details["form"] == ("embedded" if embedded else "faithful")
    assert dump.problems == [] and DEVICE.encode(wrapped(dump)) == \
        M.send_request(program, channel, what, embedded=embedded)


@settings(max_examples=50, deadline=None)
@given(st.binary(max_size=400))
def test_identify_never_raises_on_garbage_after_the_header(tail):
    data = b"\xf0\x44\x00\x00\x70" + tail
    for dump in dumps_of(data):
        if dump is not None:
            DEVICE.decode(dump)  # never raises: unknown shapes keep their bytes


def test_cz_request_command(tmp_path):
    out = tmp_path / "req.syx"
    res = CliRunner().invoke(cli, ["cz", "request", "--program", "0x20", "--count", "32",
                                   "--channel", "1", "-o", str(out)])
    assert res.exit_code == 0, res.output
    dumps = dumps_of(out.read_bytes())
    assert len(dumps) == 32 and dumps[0].message.data == bytes.fromhex("F044000070102070 31F7".replace(" ", ""))
    assert [d.program for d in dumps] == list(range(0x20, 0x40))
    res = CliRunner().invoke(cli, ["cz", "request", "--program", "0x7F", "--count", "2",
                                   "-o", str(out)])
    assert res.exit_code == 2 and "0x7F" in res.output
    res = CliRunner().invoke(cli, ["cz", "request", "--program", "0x20", "--faithful",
                                   "-o", str(out)])
    assert out.read_bytes() == M.send_request(0x20, 1)


def test_cz_params_command():
    res = CliRunner().invoke(cli, ["cz", "params", "--json"])
    rows = json.loads(res.stdout)
    keys = {k for r in rows for k in r["keys"]}
    assert {"vibrato.rate", "line2.dca.levels.7", "line1.dco.velocity"} <= keys
