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
