"""Malformed messages: each fault is reported as a problem at the right absolute offset, and the
message is still identified (tolerant reading); nothing raises."""

from __future__ import annotations

import pytest
from dtx_spec_layout import (
    SPEC_EXAMPLE,
    dump_of,
    dumps_of,
    nibbles_ms_first,
    spec_bulk,
    spec_request,
)

JUNK = bytes.fromhex("F0 7E 7F 09 01 F7")  # another message first, so offsets are absolute


def only_problem(dump):
    assert len(dump.problems) == 1, dump.problems
    return dump.problems[0]


def test_bad_checksum_names_the_byte_and_both_expected_values():
    bad = SPEC_EXAMPLE[:-2] + bytes([0x10, 0xF7])
    dump = dumps_of(JUNK + bad)[1]
    assert dump.kind == "kit" and dump.checksum == "bad"
    p = only_problem(dump)
    assert p.offset == len(JUNK) + len(bad) - 2
    assert "checksum is 10" in p.text and "66" in p.text and "79" in p.text
    assert dump.details["checksum_rule"] is None
    assert dump.payload == b"MyKit  "  # the data is still shown


def test_wrong_byte_count_is_reported_at_byte_4():
    msg = spec_bulk(b"OKI2", 0, 0, b"MyKit  ", count=40)
    dump = dumps_of(JUNK + msg)[1]
    p = only_problem(dump)
    assert p.offset == len(JUNK) + 4
    assert "byte count is 40" in p.text and "expected 19" in p.text
    assert dump.checksum == "ok" and dump.details["byte_count_rule"] is None


@pytest.mark.parametrize(("count", "rule"), [(20, "DTXT..csum"), (7, "data")])
def test_other_byte_count_readings_are_accepted_with_a_note(count, rule):
    dump = dump_of(spec_bulk(b"OKI2", 0, 0, b"MyKit  ", count=count))
    assert dump.problems == [] and dump.details["byte_count_rule"] == rule
    assert any("accepted" in n for n in dump.notes)


def test_odd_nibble_count_points_at_the_last_data_byte():
    data = nibbles_ms_first(b"\x12\x34") + b"\x05"
    msg = spec_bulk(b"OSG1", 0, 0, data)
    dump = dumps_of(JUNK + msg)[1]
    p = only_problem(dump)
    assert p.offset == len(JUNK) + 18 + len(data) - 1
    assert "odd number of nibbles (5)" in p.text
    assert dump.payload is None and dump.checksum == "ok"


def test_a_byte_that_is_not_a_nibble_is_located():
    data = bytes([1, 2, 3, 0x40, 5, 6])
    dump = dump_of(spec_bulk(b"VCE0", 0, 0, data))
    p = only_problem(dump)
    assert p.offset == 18 + 3 and "40 is not a nibble" in p.text


def test_real_time_bytes_inside_do_not_shift_offsets():
    bad = bytearray(SPEC_EXAMPLE[:-2] + bytes([0x10, 0xF7]))
    bad[8:8] = b"\xf8\xfe"  # clock and active sensing inside the SysEx
    dump = dumps_of(JUNK + bytes(bad))[1]
    assert dump.checksum == "bad" and dump.payload == b"MyKit  "
    p = dump.problems[0]
    assert p.offset == len(JUNK) + len(bad) - 2  # the checksum byte in the file as it is


def test_unknown_type_is_identified_and_reported():
    dump = dump_of(spec_bulk(b"DKIT", 0, 0, b"\x01"))  # a first-model DTXtreme kit type
    assert dump.kind == "unknown" and dump.checksum == "ok"
    p = only_problem(dump)
    assert p.offset == 10 and "'DKIT'" in p.text and "OKI2" in p.text


@pytest.mark.parametrize(("msg", "offset", "text"), [
    (spec_bulk(b"OKI2", 5, 0, b""), 14, "expected 00 00 for kit"),
    (spec_bulk(b"SYS0", 0, 0, b""), 16, "expected 7F 7F for system"),
    (spec_bulk(b"VCE0", 0, 16, b""), 16, "expected 00 00-00 0F"),
])
def test_address_fields_outside_the_data_list(msg, offset, text):
    p = only_problem(dump_of(msg))
    assert p.offset == offset and text in p.text


def test_too_short_bulk_dump():
    msg = bytes.fromhex("F0 43 7D 00 00 13 44 54 58 54 4F 4B 49 32 00 F7")
    dump = dump_of(msg)
    assert dump.kind == "kit" and dump.payload is None
    assert "at least 20" in only_problem(dump).text


def test_unterminated_bulk_dump():
    msg = SPEC_EXAMPLE[:-1]  # no F7
    dump = dumps_of(JUNK + msg)[1]
    assert dump.kind == "kit" and dump.checksum == "none" and dump.payload is None
    assert any("no F7" in p.text and p.offset == len(JUNK) + len(msg) for p in dump.problems)


def test_truncated_by_a_status_byte():
    msg = SPEC_EXAMPLE[:20] + b"\x90\x40\x7f"  # a note-on cuts the dump
    dumps = dumps_of(msg)
    assert dumps[0].kind == "kit" and dumps[0].payload is None and dumps[0].problems


@pytest.mark.parametrize(("msg", "text"), [
    (spec_request(b"OKI2", 1)[:-1] + b"\x00\xf7", "expected 15"),
    (spec_request(b"OKI2", 1)[:-3] + b"\xf7", "expected 15"),
    (spec_request(b"SYS0", 0), "must use 7F 7F"),
    (spec_request(b"VCE0", 0x20), "expected 00 00-00 0F"),
    (spec_request(b"ABCD", 0), "not a DTXtreme IIs bulk type"),
])
def test_malformed_requests(msg, text):
    dump = dump_of(msg)
    assert dump.kind.endswith("request")
    assert any(text in p.text for p in dump.problems), dump.problems
