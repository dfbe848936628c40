"""Shared helpers for the casio-cz tests (not a test module)."""

from __future__ import annotations

from pathlib import Path

from syxkit.core.framing import frame_messages
from syxkit.core.message import Message
from syxkit.devices.casio_cz import DEVICE
from syxkit.devices.casio_cz import messages as M

CZ_FILES = ["230SB7.syx", "BASS.SYX", "CASIO1.SYX", "CZ-101_internal_01_src.syx",
            "CZ-101_panel_src.syx", "CZ1ORGB1.SYX", "CZLEADS1.SYX", "INTERNAL.SYX",
            "bassbling.syx", "churchs.syx", "cz10001.syx", "cz101-preset.bank", "dungeon.syx",
            "sakral1.syx"]


def dumps_of(data: bytes, source: str = "test"):
    return [DEVICE.identify(m) for m in frame_messages(data, source)]


def one(data: bytes):
    msgs = frame_messages(data, "test")
    assert len(msgs) == 1, msgs
    return DEVICE.identify(msgs[0])


def message(data: bytes, offset: int = 0) -> Message:
    return Message(data, offset)


def corpus_tones(path: Path):
    """(message bytes, dump) for every tone of a corpus file."""
    data = path.read_bytes()
    return [(m.data, DEVICE.identify(m)) for m in frame_messages(data, str(path))]


def plain_tone(seed: int = 1) -> bytes:
    """A deterministic 128-byte payload that is a valid (if odd) tone."""
    return bytes((seed * 37 + i * 11) & 0xFF for i in range(128))


def receive_form(payload: bytes, channel: int = 1, program: int = 0x20) -> bytes:
    return M.tone_message(payload, channel, program)
