"""The RZ-1 builders the protocol and emulator work will call."""

from __future__ import annotations

import pytest

from syxkit.devices.base import DeviceError
from syxkit.devices.casio_rz1 import build
from syxkit.devices.casio_rz1 import table as t


def test_requests_and_handshake_bytes():
    assert build.send_sample_request() == bytes.fromhex("f0 44 01 00 70 10 00")
    assert build.send_rhythm_request(16) == bytes.fromhex("f0 44 01 00 7f 14 00")
    assert build.receive_sample_request(2) == bytes.fromhex("f0 44 01 00 71 20 00")
    assert build.receive_rhythm_request(3) == bytes.fromhex("f0 44 01 00 72 24 00")
    assert build.request("rhythm", "send", 1) == build.send_rhythm_request(1)
    assert build.reply() == bytes.fromhex("f0 44 01 00 70 30")
    assert build.ack(4) == b"\x73\x31" and build.more(1) == b"\x70\x32" and build.END == b"\xf7"


@pytest.mark.parametrize("channel", [0, 17, -1, "1"])
def test_channel_out_of_range(channel):
    with pytest.raises(DeviceError, match="expected 1-16"):
        build.send_sample_request(channel)


def test_bad_names():
    with pytest.raises(DeviceError, match="unknown RZ-1 memory 'pattern'"):
        build.request("pattern")
    with pytest.raises(DeviceError, match="direction"):
        build.request("sample", "both")
    with pytest.raises(DeviceError, match="unknown RZ-1 dump form"):
        build.dump_stream(bytes(t.RHYTHM.size), "tape")


def test_blocks_are_256_nibbles_high_first():
    img = bytes(range(256)) * (t.RHYTHM.size // 256)
    blocks = list(build.blocks(img))
    assert len(blocks) == t.RHYTHM.blocks and all(len(b) == 256 for b in blocks)
    assert blocks[0][:6] == bytes([0, 0, 0, 1, 0, 2]) and blocks[1][:2] == bytes([8, 0])


def test_loadable_layout():
    img = bytes([0xA5]) * t.SAMPLE.size
    data = build.loadable(img, channel=5)
    assert len(data) == 33_030 and data.startswith(bytes.fromhex("f0 44 01 00 74 20 00"))
    assert data.endswith(bytes([0x0A, 0x05, 0xF7]))
    for k in range(1, t.SAMPLE.blocks):
        at = 7 + k * 256 + (k - 1) * 2
        assert data[at:at + 2] == b"\x74\x32"
    assert data.count(b"\x74\x32") == 127
    rhythm = build.loadable(bytes(t.RHYTHM.size))
    assert len(rhythm) == 15_486 and rhythm[5] == 0x24


def test_image_size_is_checked():
    with pytest.raises(DeviceError, match="16,384 \\(sample RAM\\) or 7,680 \\(rhythm RAM\\)"):
        build.loadable(bytes(1000))
    with pytest.raises(DeviceError, match="a rhythm RAM image is 7,680 bytes; this one is 16,384"):
        build.loadable(bytes(t.SAMPLE.size), ram="rhythm")
    assert build.ram_for_image(bytes(t.RHYTHM.size)) is t.RHYTHM
