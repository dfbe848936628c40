"""Every bulk dump type and request, built from the spec's byte layout, read by the driver; the
builders must produce exactly the same bytes."""

from __future__ import annotations

import pytest
from dtx_spec_layout import (
    SPEC_EXAMPLE,
    device,
    dump_of,
    nibbles_ms_first,
    spec_bulk,
    spec_request,
)

from syxkit.core.message import Message
from syxkit.devices import registry
from syxkit.devices.yamaha_dtx import builders


def test_spec_synthetic_example_reads_with_checksum_66():
    dump = dump_of(SPEC_EXAMPLE)
    assert dump.device == "yamaha-dtxtreme2" and dump.model == "DTXtreme IIs"
    assert (dump.kind, dump.program, dump.slot) == ("kit", 0, "User kit 1 (wire 00 00)")
    assert dump.checksum == "ok" and dump.problems == [] and dump.notes == []
    assert dump.details["checksum_rule"] == "bytecount..data"
    assert dump.details["byte_count"] == 0x13 and dump.details["byte_count_rule"] == "DTXT..data"
    assert dump.payload == b"MyKit  "
    assert dump.name is None  # the IIs kit layout is unknown: no name is shown


def test_spec_example_is_what_the_builders_and_example_write():
    assert SPEC_EXAMPLE[-2] == 0x66
    assert builders.dump_message("kit", b"MyKit  ", 0) == SPEC_EXAMPLE
    assert device().example() == SPEC_EXAMPLE


def test_checksum_from_dtxt_is_accepted_and_named():
    alt = SPEC_EXAMPLE[:-2] + bytes([0x79, 0xF7])  # the spec: 0x79 when summed from "DTXT"
    dump = dump_of(alt)
    assert dump.checksum == "ok" and dump.problems == []
    assert dump.details["checksum_rule"] == "DTXT..data"
    assert any("'DTXT'" in n for n in dump.notes)


KINDS = [
    # kind, type, index, number, payload, slot
    ("system", b"SYS0", 0, 0x3FFF, bytes([1, 2, 3, 0x7F]), "system"),
    ("kit", b"OKI2", 0, 11, bytes(range(0, 128, 3)), "User kit 12 (wire 00 0B)"),
    ("kit", b"OKI2", 0, 0x3FFF, b"\x00\x7f", "edit buffer"),
    ("chain", b"OCH0", 0, 4, bytes([9] * 20), "User chain 5 (wire 00 04)"),
    ("chain", b"OCH0", 0, 0x3FFF, b"", "edit buffer"),
    ("song", b"OSG1", 0, 2, bytes([0x00, 0xFF, 0x5A, 0xA5]), "User song 3 (wire 00 02)"),
    ("song", b"OSG1", 0, 0x3FFF, bytes([0x80]), "current song"),
    ("stack", b"VCE0", 0, 15, bytes(range(256)), "User stack 16 (wire 00 0F)"),
]


@pytest.mark.parametrize(("kind", "type4", "index", "number", "payload", "slot"), KINDS)
def test_every_dump_type_from_the_spec_layout(kind, type4, index, number, payload, slot):
    nibbled = kind in ("song", "stack")
    data = nibbles_ms_first(payload) if nibbled else payload
    msg = spec_bulk(type4, index, number, data)
    dump = dump_of(msg)
    assert (dump.kind, dump.program, dump.slot, dump.checksum) == (kind, number, slot, "ok")
    assert dump.problems == []
    assert dump.payload == payload
    assert dump.details["type"] == type4.decode()
    assert dump.details["encoding"] == ("nibbles, MS nibble first" if nibbled else "bytes")
    edit = number == 0x3FFF and kind != "system"
    built = builders.dump_message(kind, payload, None if edit or kind == "system" else number,
                                  edit_buffer=edit)
    assert built == msg


def test_device_number_is_the_low_nibble_of_byte_3():
    msg = spec_bulk(b"OKI2", 0, 3, b"\x01", device_number=16)
    assert msg[3] == 0x0F
    dump = dump_of(msg)
    assert dump.details["device_number"] == 16 and dump.channel is None
    assert builders.dump_message("kit", b"\x01", 3, device_number=16) == msg


def test_song_packet_shows_index_and_whether_last():
    single = dump_of(spec_bulk(b"OSG1", 0, 0, b"\x01\x02"))
    middle = dump_of(spec_bulk(b"OSG1", 2, 0, b"\x01\x02"))
    last = dump_of(spec_bulk(b"OSG1", 0x3FFF, 0, b"\x01\x02"))
    assert (single.details["packet"], single.details["last_packet"]) == (0, True)
    assert (middle.details["packet"], middle.details["last_packet"]) == (2, False)
    assert (last.details["packet"], last.details["last_packet"]) == (0x3FFF, True)
    assert "more follow" in middle.notes[0] and "last packet" in last.notes[0]


def test_osg0_is_read_as_a_song_and_osg1_is_written():
    dump = dump_of(spec_bulk(b"OSG0", 0, 1, b"\x01\x02"))
    assert dump.kind == "song" and dump.problems == [] and dump.payload == b"\x12"
    assert any("OSG1" in n for n in dump.notes)
    assert builders.dump_message("song", b"\x12", 1)[10:14] == b"OSG1"


REQUESTS = [
    ("system", b"SYS0", None, 0x3FFF, "system"),
    ("kit", b"OKI2", 11, 11, "User kit 12 (wire 00 0B)"),
    ("chain", b"OCH0", 0, 0, "User chain 1 (wire 00 00)"),
    ("song", b"OSG1", 99, 99, "User song 100 (wire 00 63)"),
    ("stack", b"VCE0", 15, 15, "User stack 16 (wire 00 0F)"),
]


@pytest.mark.parametrize(("kind", "type4", "arg", "number", "slot"), REQUESTS)
def test_every_request_from_the_spec_layout(kind, type4, arg, number, slot):
    msg = spec_request(type4, number, device_number=3)
    assert len(msg) == 15 and msg[3] == 0x22
    assert builders.request_message(kind, arg, device_number=3) == msg
    dump = dump_of(msg)
    assert (dump.kind, dump.program, dump.slot, dump.checksum) == (f"{kind}-request", number, slot, "none")
    assert dump.problems == [] and dump.payload is None
    assert device().sound_bytes(dump) is None


def test_named_request_builders():
    assert builders.kit_request(11) == spec_request(b"OKI2", 11)
    assert builders.kit_request(edit_buffer=True) == spec_request(b"OKI2", 0x3FFF)
    assert builders.chain_request(edit_buffer=True) == spec_request(b"OCH0", 0x3FFF)
    assert builders.song_request(0) == spec_request(b"OSG1", 0)
    assert builders.stack_request(0) == spec_request(b"VCE0", 0)
    assert builders.system_request(device_number=16) == spec_request(b"SYS0", 0x3FFF, device_number=16)
    assert builders.kit_request(builders.panel_number(12)) == spec_request(b"OKI2", 11)


@pytest.mark.parametrize(("call", "match"), [
    (lambda: builders.request_message("song", edit_buffer=True), "does not answer"),
    (lambda: builders.stack_request(16), "out of range 0-15"),
    (lambda: builders.request_message("stack", edit_buffer=True), "no edit buffer"),
    (lambda: builders.request_message("system", 3), "no number"),
    (lambda: builders.kit_request(), "needs a number"),
    (lambda: builders.kit_request(3, edit_buffer=True), "not both"),
    (lambda: builders.kit_request(1, device_number=17), "1-16"),
    (lambda: builders.request_message("pattern", 1), "unknown DTXtreme IIs object kind"),
    (lambda: builders.dump_message("kit", b"\x80", 0), "00-7F"),
    (lambda: builders.dump_message("kit", b"", 0x3FFF + 1), "out of range"),
    (lambda: builders.panel_number(0), "from 1"),
])
def test_builders_are_strict(call, match):
    with pytest.raises((ValueError, KeyError), match=match):
        call()


def test_song_request_for_current_song_is_read_with_a_note():
    dump = dump_of(spec_request(b"OSG1", 0x3FFF))
    assert dump.kind == "song-request" and dump.slot == "current song" and dump.problems == []
    assert any("does not answer" in n for n in dump.notes)


@pytest.mark.parametrize("data", [
    bytes.fromhex("F0 43 10 4C 00 00 7E 00 F7"),  # XG on: parameter change, not ours
    bytes.fromhex("F0 43 7D 10 44 54 7F F7"),  # "DTX system on" of an older module
    bytes.fromhex("F0 43 7D 00 00 13 44 54 58 50 4F 4B 49 32 00 00 00 00 F7"),  # not "DTXT"
    bytes.fromhex("F0 43 7D 00 00 F7"),
    bytes.fromhex("F0 44 00 00 70 30 F7"),
])
def test_other_messages_are_not_claimed(data):
    dev = device()
    assert dev.identify(Message(data)) is None
    assert registry.identify(Message(data)) is None or registry.identify(Message(data)).device != dev.id
