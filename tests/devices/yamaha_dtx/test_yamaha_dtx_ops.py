"""decode/encode, convert, split/join, fix and rename through the Python API."""

from __future__ import annotations

import pytest
from dtx_spec_layout import (
    SPEC_EXAMPLE,
    device,
    dump_of,
    dumps_of,
    nibbles_ms_first,
    spec_bulk,
    spec_request,
)

from syxkit.devices.base import DeviceError, Options
from syxkit.devices.yamaha_dtx import builders

SONG = bytes(range(40, 60))


def wrapped(dump):
    """What the CLI hands to encode: decode's params inside the Dump's address fields."""
    return {"device": dump.device, "kind": dump.kind, "model": dump.model, "channel": dump.channel,
            "bank": dump.bank, "program": dump.program, "slot": dump.slot, "name": dump.name,
            "params": device().decode(dump)}


def full_backup() -> list[bytes]:
    """A backup in the right order: system, kits, chain, songs (3 packets + 1), stack."""
    return [
        builders.dump_message("system", bytes([1, 2, 3])),
        builders.dump_message("kit", b"K1", 0),
        builders.dump_message("kit", b"K12", 11),
        builders.dump_message("chain", bytes(8), 2),
        *builders.song_packets(SONG, 0, max_data_bytes=16),
        *builders.song_packets(b"\xff", 5),
        builders.dump_message("stack", bytes(range(0, 256, 5)), 15),
    ]


# -- decode / encode -------------------------------------------------------------------------

@pytest.mark.parametrize("msg", [
    SPEC_EXAMPLE,
    SPEC_EXAMPLE[:-2] + bytes([0x79, 0xF7]),  # checksum from "DTXT"
    spec_bulk(b"OKI2", 0, 0, b"MyKit  ", count=20),  # other byte-count reading
    spec_bulk(b"OSG0", 2, 7, nibbles_ms_first(b"\x01\xfe")),
    spec_bulk(b"VCE0", 0, 3, nibbles_ms_first(bytes(range(256)))),
    spec_bulk(b"SYS0", 0, 0x3FFF, bytes(range(128))),
    spec_bulk(b"XXXX", 0, 0, b"\x01\x02"),  # unknown type, kept
    spec_request(b"OKI2", 11, device_number=9),
    # malformed ones come back byte for byte through raw_hex
    SPEC_EXAMPLE[:-2] + bytes([0x10, 0xF7]),
    spec_bulk(b"OKI2", 0, 0, b"MyKit  ", count=99),
    spec_bulk(b"OSG1", 0, 0, b"\x01\x02\x03"),
    spec_request(b"OKI2", 1)[:-1] + b"\x00\xf7",
])
def test_decode_then_encode_gives_the_same_bytes(msg):
    dump = dump_of(msg)
    assert device().encode(wrapped(dump)) == msg


def test_decode_shows_opaque_payload_and_header_fields():
    params = device().decode(dump_of(SPEC_EXAMPLE))
    assert params["payload_hex"] == "4D 79 4B 69 74 20 20"
    assert params["type"] == "OKI2" and params["device_number"] == 1 and params["packet_index"] == 0
    assert params["checksum_rule"] == "bytecount..data" and "not published" in params["layout"]
    assert "raw_hex" not in params


def test_malformed_decode_keeps_raw_bytes_and_says_why():
    params = device().decode(dump_of(SPEC_EXAMPLE[:-2] + bytes([0x10, 0xF7])))
    assert params["raw_hex"].startswith("F0 43 7D") and "checksum is 10" in params["problems"][0]


def test_edited_payload_and_program_encode_to_a_valid_message():
    obj = wrapped(dump_of(SPEC_EXAMPLE))
    obj["params"]["payload_hex"] = "01 02 03"
    obj["program"] = 11
    assert device().encode(obj) == spec_bulk(b"OKI2", 0, 11, b"\x01\x02\x03")


@pytest.mark.parametrize(("edit", "match"), [
    (lambda o: o["params"].update(payload_hex="80"), "00-7F"),
    (lambda o: o["params"].update(payload_hex="zz"), "non-hexadecimal"),
    (lambda o: o["params"].update(device_number=17), "1-16"),
    (lambda o: o.update(program=-1), "program"),
    (lambda o: o["params"].pop("payload_hex"), "payload_hex is missing"),
    (lambda o: o["params"].update(checksum_rule="whole"), "unknown checksum_rule"),
])
def test_encode_refuses_bad_objects_clearly(edit, match):
    obj = wrapped(dump_of(SPEC_EXAMPLE))
    edit(obj)
    with pytest.raises(DeviceError, match=match):
        device().encode(obj)


# -- convert ---------------------------------------------------------------------------------

def convert(stream: bytes, **options) -> bytes:
    return b"".join(o.data for o in device().convert(dumps_of(stream), Options(**options)))


def test_convert_kit_to_another_number_and_to_the_edit_buffer():
    assert convert(SPEC_EXAMPLE, program=12) == spec_bulk(b"OKI2", 0, 11, b"MyKit  ")
    assert convert(SPEC_EXAMPLE, edit_buffer=True) == spec_bulk(b"OKI2", 0, 0x3FFF, b"MyKit  ")
    assert convert(SPEC_EXAMPLE, device_number=5) == spec_bulk(b"OKI2", 0, 0, b"MyKit  ", device_number=5)


def test_convert_keeps_the_checksum_rule_the_source_follows():
    dtxt = SPEC_EXAMPLE[:-2] + bytes([0x79, 0xF7])
    out = convert(dtxt, program=4)  # panel 4 = wire 3
    assert out == spec_bulk(b"OKI2", 0, 3, b"MyKit  ", checksum_from=6)
    assert dump_of(out).details["checksum_rule"] == "DTXT..data"


def test_convert_song_renumbers_every_packet_in_order():
    packets = builders.song_packets(SONG, 0, max_data_bytes=16)
    shuffled = packets[1] + packets[0] + packets[2]
    out = convert(shuffled, program=5)  # panel 5 = wire 4
    assert out == b"".join(builders.song_packets(SONG, 4, max_data_bytes=16))
    assert convert(b"".join(packets), edit_buffer=True) == b"".join(
        builders.song_packets(SONG, 0x3FFF, max_data_bytes=16))


def test_convert_stack_and_request():
    stack = builders.dump_message("stack", b"\x10\x20", 0)
    assert convert(stack, program=16) == builders.dump_message("stack", b"\x10\x20", 15)
    assert convert(builders.kit_request(0), program=8, device_number=2) == builders.kit_request(7, device_number=2)


@pytest.mark.parametrize(("stream", "options", "match"), [
    (SPEC_EXAMPLE, {}, "nothing to change"),
    (SPEC_EXAMPLE, {"program": 1, "edit_buffer": True}, "not both"),
    (builders.dump_message("stack", b"", 0), {"program": 17}, "out of range 1-16"),
    (builders.dump_message("stack", b"", 0), {"program": 0}, "out of range 1-16"),
    (SPEC_EXAMPLE, {"program": 200}, "out of range 1-50"),
    (builders.dump_message("stack", b"", 0), {"edit_buffer": True}, "no edit buffer"),
    (builders.dump_message("system", b""), {"program": 1}, "retarget one kit"),
    (SPEC_EXAMPLE + builders.dump_message("kit", b"", 1), {"program": 1}, "holds 2 object"),
    (SPEC_EXAMPLE[:-2] + b"\x10\xf7", {"program": 1}, "checksum is 10"),
    (builders.song_packets(SONG, 0, max_data_bytes=16)[0], {"program": 1}, "no last packet"),
    (builders.song_request(0), {"edit_buffer": True}, "does not answer"),
])
def test_convert_refusals(stream, options, match):
    with pytest.raises(DeviceError, match=match):  # OptionError for option values (exit 2)
        convert(stream, **options)


# -- split / join ----------------------------------------------------------------------------

def test_split_writes_one_readable_file_per_object():
    backup = full_backup()
    outs = device().split(dumps_of(b"".join(backup)), Options())
    names = [o.name for o in outs]
    assert names == ["dtx-001-system.syx", "dtx-002-kit-001.syx", "dtx-003-kit-012.syx",
                     "dtx-004-chain-003.syx", "dtx-005-song-001.syx", "dtx-006-song-006.syx",
                     "dtx-007-stack-16.syx"]
    song = next(o for o in outs if o.name == "dtx-005-song-001.syx")
    assert song.data == b"".join(backup[4:7])
    assert b"".join(o.data for o in outs) == b"".join(backup)


def test_split_names_edit_buffers_repeats_requests_and_incomplete_songs():
    stream = (builders.dump_message("kit", b"", edit_buffer=True)
              + builders.dump_message("song", b"\x01", edit_buffer=True)
              + SPEC_EXAMPLE + SPEC_EXAMPLE + builders.kit_request(11)
              + builders.song_packets(SONG, 2, max_data_bytes=16)[0]
              + spec_bulk(b"ABCD", 0, 0, b""))
    names = [o.name for o in device().split(dumps_of(stream), Options())]
    # numbered in backup order (kits by number, edit buffers last in their group)
    assert names == ["dtx-004-kit-edit-buffer.syx", "dtx-006-song-current.syx",
                     "dtx-001-kit-001.syx", "dtx-002-kit-001-2.syx", "dtx-003-request-kit-012.syx",
                     "dtx-005-song-003-incomplete.syx", "dtx-007-unknown-ABCD.syx"]


def test_join_orders_a_backup_and_undoes_split():
    backup = full_backup()
    dev = device()
    parts = dev.split(dumps_of(b"".join(backup)), Options())
    scrambled = [parts[i].data for i in (6, 4, 1, 0, 5, 3, 2)]
    dumps = [d for k, data in enumerate(scrambled) for d in dumps_of(data, f"part{k}.syx")]
    (out,) = dev.join(dumps, Options())
    assert out.data == b"".join(backup)


def test_join_puts_edit_buffers_last_in_their_group():
    eb = builders.dump_message("kit", b"", edit_buffer=True)
    k3 = builders.dump_message("kit", b"", 2)
    sysx = builders.dump_message("system", b"")
    (out,) = device().join(dumps_of(eb + k3 + sysx), Options())
    assert out.data == sysx + k3 + eb


@pytest.mark.parametrize(("stream", "match"), [
    (SPEC_EXAMPLE + SPEC_EXAMPLE, "appears twice"),
    (SPEC_EXAMPLE + builders.kit_request(0), "does not belong in a backup"),
    (builders.song_packets(SONG, 0, max_data_bytes=16)[1], "song-001-incomplete"),
    (SPEC_EXAMPLE[:-2] + b"\x10\xf7", "run 'syxkit fix' first"),
    (spec_bulk(b"ABCD", 0, 0, b""), "unknown type"),
])
def test_join_refusals(stream, match):
    with pytest.raises(DeviceError, match=match):
        device().join(dumps_of(stream), Options())


# -- fix / rename ----------------------------------------------------------------------------

def test_fix_repairs_checksum_and_byte_count():
    dev = device()
    bad_sum = SPEC_EXAMPLE[:-2] + bytes([0x10, 0xF7])
    fixed, what = dev.fix(dump_of(bad_sum))
    assert fixed == SPEC_EXAMPLE and what == ["checksum 10 -> 66 (sum from the byte count through "
                                              "the last data byte)"]
    bad_count = spec_bulk(b"OKI2", 0, 0, b"MyKit  ", count=99)
    fixed, what = dev.fix(dump_of(bad_count))
    assert fixed == SPEC_EXAMPLE and len(what) == 2 and what[0].startswith("byte count 99 -> 19")


def test_fix_keeps_a_checksum_that_follows_the_dtxt_reading():
    msg = spec_bulk(b"OKI2", 0, 0, b"MyKit  ", count=99, checksum_from=6)
    fixed, what = device().fix(dump_of(msg))
    assert fixed == spec_bulk(b"OKI2", 0, 0, b"MyKit  ", checksum_from=6)
    assert len(what) == 1  # only the count: the DTXT range does not cover it


@pytest.mark.parametrize("msg", [
    SPEC_EXAMPLE, SPEC_EXAMPLE[:-2] + bytes([0x79, 0xF7]), spec_bulk(b"OKI2", 0, 0, b"A", count=14),
    builders.kit_request(1), SPEC_EXAMPLE[:-1], SPEC_EXAMPLE[:16] + b"\xf7",
])
def test_fix_leaves_good_and_unfixable_messages_alone(msg):
    assert device().fix(dump_of(msg)) is None


def test_rename_explains_why_not():
    with pytest.raises(DeviceError, match="not published"):
        device().rename(dump_of(SPEC_EXAMPLE), "NEW", Options())


def test_sound_bytes_is_the_payload():
    assert device().sound_bytes(dump_of(SPEC_EXAMPLE)) == b"MyKit  "
