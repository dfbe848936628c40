"""Manufacturer IDs: the well-known ones by name, unknown ones by their bytes, no guesses."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from syxkit.core.manufacturers import ONE_BYTE, THREE_BYTE, manufacturer_id, manufacturer_name


@pytest.mark.parametrize("header, name", [
    ("F0 44 00 00 70 20", "Casio"),
    ("F0 43 10 4C", "Yamaha"),
    ("F0 41 10 42 12", "Roland"),
    ("F0 42 30", "Korg"),
    ("F0 40 00", "Kawai"),
    ("F0 47 00", "Akai"),
    ("F0 01 00", "Sequential Circuits"),
    ("F0 04 00", "Moog"),
    ("F0 0F 00", "Ensoniq"),
    ("F0 10 00", "Oberheim (Gibson Labs)"),
    ("F0 18 00", "E-mu"),
    ("F0 33 00", "Clavia Digital Instruments"),
    ("F0 3E 00", "Waldorf Electronics"),
    ("F0 00 20 29 01 40", "Novation (Focusrite)"),
    ("F0 00 00 0E 00", "Alesis"),
    ("F0 00 00 3B 00", "Mark of the Unicorn"),
    ("F0 00 01 0C 00", "Line 6 (Fast Forward)"),
    ("F0 00 20 32 00", "Behringer"),
    ("F0 00 20 33 00", "Access Music"),
    ("F0 00 20 3C 00", "Elektron"),
    ("F0 00 20 6B 00", "Arturia"),
    ("F0 00 20 76 00", "Teenage Engineering"),
    ("F0 00 21 09 00", "Native Instruments"),
    ("F0 00 21 1D 00", "Ableton"),
    ("F0 7E 7F 06 01 F7", "Universal Non-Real-Time"),
    ("F0 7F 7F 04 01 F7", "Universal Real-Time"),
    ("F0 7D 01 F7", "Non-commercial (education / development)"),
])
def test_known_ids(header, name):
    assert manufacturer_name(bytes.fromhex(header)) == name


@pytest.mark.parametrize("header, text", [
    ("F0 45 00", "unknown (ID 45)"),
    ("F0 60 01 F7", "unknown (ID 60)"),
    ("F0 00 7F 7F 01", "unknown (ID 00 7F 7F)"),
    ("F0 00 03 7F", "unknown (ID 00 03 7F)"),
    ("F0 00 00 00 01", "unknown (ID 00 00 00)"),
])
def test_unknown_ids_say_their_bytes(header, text):
    assert manufacturer_name(bytes.fromhex(header)) == text


@pytest.mark.parametrize("data", ["", "F0", "F0 F7", "F0 00 20", "F0 00 20 F7", "F0 00 F7 29", "41 10", "F0 90"])
def test_no_id_in_message(data):
    raw = bytes.fromhex(data)
    assert manufacturer_id(raw) is None and manufacturer_name(raw) is None


def test_table_is_large_and_clean():
    assert len(ONE_BYTE) + len(THREE_BYTE) >= 60
    assert len(ONE_BYTE) >= 40 and len(THREE_BYTE) >= 40
    for name in [*ONE_BYTE.values(), *THREE_BYTE.values()]:
        assert name and name == name.strip()
        assert "?" not in name and "unverified" not in name.lower()
    # 1-byte IDs are data bytes other than 00 (the 3-byte escape)
    assert all(0x01 <= k <= 0x7F for k in ONE_BYTE)
    # 3-byte IDs are 00 xx yy with data bytes only, and 00 00 00 is not an ID
    for k in THREE_BYTE:
        b = k.to_bytes(3, "big")
        assert b[0] == 0 and b[1] < 0x80 and b[2] < 0x80 and k != 0


@given(st.binary(max_size=8))
def test_never_raises(data):
    name = manufacturer_name(b"\xf0" + data)
    assert name is None or isinstance(name, str)
