import pytest
from hypothesis import given
from hypothesis import strategies as st

from syxkit.core import codecs
from syxkit.core.checksums import twos_complement_7bit, verify_twos_complement_7bit
from syxkit.core.numbers import parse_int


@given(st.binary(max_size=600))
def test_nibbles_round_trip(data):
    hi = codecs.nibbles_hi_first(data)
    lo = codecs.nibbles_lo_first(data)
    assert len(hi) == len(lo) == 2 * len(data)
    assert max(hi, default=0) <= 0x0F and max(lo, default=0) <= 0x0F
    assert codecs.denibble_hi_first(hi) == data
    assert codecs.denibble_lo_first(lo) == data


def test_nibble_orders():
    assert codecs.nibbles_hi_first(b"\x12\xab") == bytes([1, 2, 0xA, 0xB])
    assert codecs.nibbles_lo_first(b"\x12\xab") == bytes([2, 1, 0xB, 0xA])


def test_denibble_errors_name_offset():
    with pytest.raises(codecs.CodecError) as e:
        codecs.denibble_hi_first(bytes([1, 2, 0x10, 3]))
    assert e.value.offset == 2 and "10 is not a nibble" in str(e.value)
    with pytest.raises(codecs.CodecError) as e:
        codecs.denibble_lo_first(bytes([1, 2, 3]))
    assert "odd number of nibbles" in str(e.value)


@given(st.binary(max_size=500))
def test_7bit_packing_round_trip(data):
    packed = codecs.pack_7bit(data)
    assert all(b < 0x80 for b in packed)
    assert len(packed) == codecs.packed_7bit_length(len(data))
    assert codecs.unpack_7bit(packed) == data


def test_7bit_rejects_high_byte():
    with pytest.raises(codecs.CodecError) as e:
        codecs.unpack_7bit(bytes([0, 1, 0x80]))
    assert e.value.offset == 2


CHARSET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 *-/."


@given(st.text(alphabet=CHARSET, max_size=16))
def test_names_round_trip(name):
    raw = codecs.encode_name(name, 16, CHARSET)
    assert len(raw) == 16
    assert codecs.decode_name(raw, CHARSET) == name.rstrip(" ")


def test_name_errors():
    with pytest.raises(ValueError, match="at most 12"):
        codecs.encode_name("A" * 13, 12, CHARSET)
    with pytest.raises(ValueError, match="'!'"):
        codecs.encode_name("HI!", 12, CHARSET)
    assert codecs.encode_name("bass", 6, CHARSET) == b"BASS  "


@given(st.binary(max_size=400))
def test_checksum_makes_sum_zero(data):
    cs = twos_complement_7bit(data)
    assert 0 <= cs < 0x80
    assert (sum(data) + cs) & 0x7F == 0
    assert verify_twos_complement_7bit(data, cs)


def test_checksum_range_and_known_value():
    # DTXtreme IIs synthetic example from the spec: 0x66 over the byte count .. data
    msg = bytes.fromhex("F0 43 7D 00 00 13 44 54 58 54 4F 4B 49 32 00 00 00 00 4D 79 4B 69 74 20 20 66 F7")
    assert twos_complement_7bit(msg, 4, -2) == 0x66
    assert twos_complement_7bit(msg, 6, -2) == 0x79


@pytest.mark.parametrize("text,value", [("32", 32), ("0x20", 32), ("0X7f", 127), ("$10", 16), ("20h", 32)])
def test_parse_int(text, value):
    assert parse_int(text) == value


def test_parse_int_error():
    with pytest.raises(ValueError, match="not a number"):
        parse_int("twenty")
