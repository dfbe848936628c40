"""Findings of the fuzz campaign (bench/fuzz.py), each with the input that found it. Each test
runs the finding's target on its reproducer (the campaign's own oracle) and checks the
behaviour that was wrong directly."""

from __future__ import annotations

import pytest
from fuzzhelp import load_fuzz

from syxkit.devices import registry
from syxkit.devices.base import OptionError, Options

fuzz = load_fuzz()

# A CZ send request (embedded go-ahead) for internal 1: F0 44 00 00 70 10 20 70 31 F7.
CZ_REQUEST = bytes.fromhex("F0 44 00 00 70 10 20 70 31 F7")


@pytest.mark.parametrize("program", [300, -1, 0x80])
def test_cz_convert_of_a_request_refuses_a_program_that_is_no_data_byte(program):
    """Found by casio-cz.ops: ``convert --program 300`` of a request raised ValueError (a
    traceback), and ``--program 0x80`` wrote a status byte into the message."""
    dev = registry.get("casio-cz")
    dumps = fuzz.dumps_of(dev, CZ_REQUEST)
    with pytest.raises(OptionError, match="0x00-0x7F"):
        dev.convert(dumps, Options(program=program))


def test_cz_convert_of_a_request_still_readdresses_a_valid_program():
    dev = registry.get("casio-cz")
    out = dev.convert(fuzz.dumps_of(dev, CZ_REQUEST), Options(program=0x21))
    assert out[0].data == bytes.fromhex("F0 44 00 00 70 10 21 70 31 F7")


def test_cz_ops_target_passes_on_the_reproducer():
    target = fuzz.targets()["casio-cz.ops"]
    variants = fuzz.option_variants(registry.get("casio-cz"))
    # the target picks its options by the input's CRC: find a padding that picks program 300
    data = next(CZ_REQUEST + bytes(k) for k in range(2000)
                if variants[fuzz.zlib.crc32(CZ_REQUEST + bytes(k)) % len(variants)] == {"program": 300})
    assert fuzz.execute(target, data) is None


# An RZ-1 sample-RAM request whose byte after the code is not 00 (here 70: the 00 was lost and
# the first 70 31 pair moved up), found by casio-rz1.codec: decode -> encode rewrote it as a
# proper request (00 inserted), silently changing the bytes.
RZ1_ODD_REQUEST = bytes.fromhex("F0 44 01 00 70 10 70 31 70 31 70 31 F7")


@pytest.mark.parametrize("data", [RZ1_ODD_REQUEST, bytes.fromhex("F0 44 01 00 70 10 F7"),
                                  bytes.fromhex("F0 44 01 00 70 10 05 70 31")])
def test_rz1_request_with_a_wrong_tail_byte_round_trips(data):
    dev = registry.get("casio-rz1")
    (dump,) = fuzz.dumps_of(dev, data)
    assert dump.problems  # still reported as wrong
    fuzz.roundtrip(dev, dump)  # raises Finding when the bytes change
    assert fuzz.execute(fuzz.targets()["casio-rz1.codec"], data) is None


def test_rz1_regular_request_still_encodes_from_its_fields():
    dev = registry.get("casio-rz1")
    (dump,) = fuzz.dumps_of(dev, bytes.fromhex("F0 44 01 00 70 10 00 70 31 F7"))
    params = dev.decode(dump)
    assert "raw" not in params
    obj = {"kind": dump.kind, "channel": 2, "params": params}
    assert dev.encode(obj) == bytes.fromhex("F0 44 01 00 71 10 00 70 31 F7")


@pytest.mark.parametrize("data", [bytes.fromhex("F0 44 00 00 70 30 F7"),
                                  bytes.fromhex("F0 44 00 00 70 30")])
def test_cz_reply_round_trips_closed_or_open(data):
    """Found by casio-cz.codec (seeded from a simulated session): a CZ reply closed with F7
    came back from decode -> encode without its F7."""
    dev = registry.get("casio-cz")
    (dump,) = fuzz.dumps_of(dev, data)
    assert dump.kind == "reply"
    fuzz.roundtrip(dev, dump)
    assert fuzz.execute(fuzz.targets()["casio-cz.codec"], data) is None


@pytest.mark.parametrize("data", [
    bytes.fromhex("F0 44 00 00 70 10 20 70 31"),  # embedded request cut before its F7 (found)
    bytes.fromhex("F0 44 00 00 70 10 20 F7"),  # faithful request closed with F7
    bytes.fromhex("F0 44 00 00 70 20 20 F7"),  # receive request closed with F7
])
def test_cz_requests_keep_their_end_through_decode_encode(data):
    """Found by casio-cz.codec: an embedded send request without its F7 got one from
    decode -> encode; a faithful one closed with F7 lost it."""
    dev = registry.get("casio-cz")
    (dump,) = fuzz.dumps_of(dev, data)
    assert dump.kind.endswith("request")
    fuzz.roundtrip(dev, dump)


def test_cz_regular_requests_encode_as_before():
    dev = registry.get("casio-cz")
    for data in (bytes.fromhex("F0 44 00 00 70 10 20 70 31 F7"), bytes.fromhex("F0 44 00 00 70 10 20")):
        (dump,) = fuzz.dumps_of(dev, data)
        assert "closed" not in dev.decode(dump)
        fuzz.roundtrip(dev, dump)


def _vz_with_channel_byte(data: bytes, byte: int) -> bytes:
    return data[:4] + bytes([byte]) + data[5:]


@pytest.mark.parametrize("kind", ["voice", "bulk"])
def test_vz_channel_byte_that_is_not_7n_survives_decode_encode(kind):
    """Found by casio-vz.codec (a 47,767-byte "voice" with channel byte 00, a bad checksum and
    trailing bytes): decode -> encode wrote 70 (channel 1) where the message had 00."""
    dev = registry.get("casio-vz")
    voice = dev.example()
    if kind == "bulk":
        data = dev.join(fuzz.dumps_of(dev, voice) * 64, Options())[0].data
        frames = fuzz.frame(data).messages
        target = max(frames, key=len)  # the bulk data message, between open and close
        data = _vz_with_channel_byte(target.data, 0x00)
    else:
        data = _vz_with_channel_byte(voice, 0x00)
    dumps = fuzz.dumps_of(dev, data)
    assert dumps and any("channel byte" in str(p) for d in dumps for p in d.problems)
    for dump in dumps:
        fuzz.roundtrip(dev, dump)


def test_vz_reproducer_of_the_campaign_passes():
    dev = registry.get("casio-vz")
    voice = dev.example()
    # the campaign's input: channel byte 00, the checksum wrong, 200 bytes after it
    data = _vz_with_channel_byte(voice[:-2], 0x00) + bytes(200) + b"\xf7"
    assert fuzz.execute(fuzz.targets()["casio-vz.codec"], data) is None


@pytest.mark.parametrize("data", [
    bytes.fromhex("F0 44 00 00 7E 42 00"),  # tone mix, as found by casio-cz.codec
    bytes.fromhex("F0 44 00 00 7E 40 00"),  # bend range
    bytes.fromhex("F0 44 00 00 7E 41 00"),  # key transpose
])
def test_cz_value_messages_without_f7_keep_their_end(data):
    """Found by casio-cz.codec: a value message (bend range, key transpose, tone mix) cut
    before its F7 got one from decode -> encode."""
    dev = registry.get("casio-cz")
    (dump,) = fuzz.dumps_of(dev, data)
    fuzz.roundtrip(dev, dump)
    fuzz.roundtrip(dev, fuzz.dumps_of(dev, data + b"\xf7")[0])  # and the whole one as before


# Found by casio-vz.host: the backup (receive) protocol, after the VZ's open, got an empty
# SysEx (F0 F7) where the bulk data belongs and raised AttributeError.
VZ_HOST_REPRODUCER = bytes.fromhex("00 3d f0 44 03 00 fe 70 70 02 f7 00 f7 f7 f0 f7 44 0e")


def test_vz_backup_fails_cleanly_when_the_data_is_no_vz_message():
    assert fuzz.execute(fuzz.targets()["casio-vz.host"], VZ_HOST_REPRODUCER) is None
    dev = registry.get("casio-vz")
    host = dev.backup_protocol(Options())
    host.start(0.0)
    host.feed(bytes.fromhex("F0 44 03 00 70 70 02 F7"), 0.1)  # the open (voices + op-mems)
    host.feed(bytes.fromhex("F0 F7"), 0.2)
    assert host.done and host.error is not None
    assert "bulk data" in str(host.error)
