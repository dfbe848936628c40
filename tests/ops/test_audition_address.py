"""Where an audition lands is the server's choice: the edited sound rebuilt for the edit buffer
(CZ 0x60, K-Station current sound) whatever slot it came from; devices without such a form are
refused (a usage error), never sent to a slot."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from syxkit.core.framing import frame_messages
from syxkit.devices import registry
from syxkit.devices.base import OptionError
from syxkit.devices.casio_cz.messages import tone_message
from syxkit.devices.casio_cz.tone import init_payload
from syxkit.devices.casio_vz.sounds import example_voice, with_name
from syxkit.devices.casio_vz.table import VOICE
from syxkit.devices.novation_kstation.messages import program_dump
from syxkit.devices.novation_kstation.table import init_block
from syxkit.ops.audition import edit_buffer_bytes


def dumps(data: bytes):
    return [registry.identify(m) for m in frame_messages(data, "test")]


@given(st.sampled_from([0x20, 0x2F, 0x40, 0x4F, 0x60]), st.integers(0, 0x0F))
def test_cz_tone_from_any_slot_goes_to_0x60(program, byte):
    payload = bytearray(init_payload())
    payload[22] = byte  # some other sound
    data, options = edit_buffer_bytes(registry.get("casio-cz"),
                                      tone_message(bytes(payload), channel=1, program=program),
                                      "CZ-101")
    (dump,) = dumps(data)
    assert dump.kind == "tone" and dump.program == 0x60
    assert bytes(dump.payload) == bytes(payload)
    assert registry.get("casio-cz").program_option(options["program"], "CZ-101") == 0x60


@pytest.mark.parametrize("program", [0, 7, 99])
def test_kstation_program_becomes_the_current_sound(program):
    block = init_block()
    data, options = edit_buffer_bytes(registry.get("novation-kstation"),
                                      program_dump("K-Station", 1, program, block), "K-Station")
    (dump,) = dumps(data)
    assert dump.kind == "current-sound" and options == {}


def test_vz_is_refused():
    voice = with_name(example_voice(), "AUDITION", VOICE)
    with pytest.raises(OptionError, match="not available for casio-vz"):
        edit_buffer_bytes(registry.get("casio-vz"), voice, "VZ-1")


def test_cz230s_is_refused_because_0x60_is_its_slot_96():
    with pytest.raises(OptionError, match="slot 96"):
        edit_buffer_bytes(registry.get("casio-cz"),
                          tone_message(init_payload(), channel=1, program=0x60), "CZ-230S")
