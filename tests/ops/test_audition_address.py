"""Where an audition lands is the server's choice: the edited sound rebuilt for the edit buffer
(CZ 0x60, K-Station current sound, VZ single voice: its edit area) whatever slot it came from;
devices and kinds without such a form are refused (a usage error), never sent to a slot."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from syxkit.core.framing import frame_messages
from syxkit.devices import registry
from syxkit.devices.base import OptionError
from syxkit.devices.casio_cz.messages import tone_message
from syxkit.devices.casio_cz.tone import init_payload
from syxkit.devices.casio_vz import messages as vz_msg
from syxkit.devices.casio_vz.sounds import example_opmem, example_voice, with_name
from syxkit.devices.casio_vz.table import BANK_SIZE, VOICE
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


@given(st.integers(1, 16), st.integers(0, 63), st.booleans(), st.integers(0, 98))
def test_vz_voice_goes_out_as_a_single_voice_for_the_edit_area(channel, slot, in_bulk, level):
    # a single voice, or one voice of a bulk dump: rebuilt as a single-voice message (no
    # address byte: the VZ's edit area) on the voice's own channel, the sound unchanged
    voice = bytearray(with_name(example_voice(), "AUDITION", VOICE))
    voice[174] = level  # some other sound
    voice = bytes(voice)
    if in_bulk:
        voices = [example_voice()] * BANK_SIZE
        voices[slot] = voice
        data, index = vz_msg.bulk_file(voices, [], channel), slot
    else:
        data, index = vz_msg.voice_message(voice, channel), None
    built, options = edit_buffer_bytes(registry.get("casio-vz"), data, "VZ-1", index)
    (dump,) = dumps(built)
    assert dump.kind == "voice" and dump.index is None and dump.channel == channel
    assert bytes(dump.payload) == voice and dump.checksum == "ok"
    assert "edit area" in dump.store and "memory slot" in dump.store
    assert options == {}


def test_vz_operation_memory_is_refused():
    # the spec says where a single voice lands, not a single op-mem: nothing is sent
    with pytest.raises(OptionError, match="operation memory"):
        edit_buffer_bytes(registry.get("casio-vz"), vz_msg.opmem_message(example_opmem()), "VZ-1")
    bulk = vz_msg.bulk_file([example_voice()] * BANK_SIZE, [example_opmem()] * BANK_SIZE, 1)
    with pytest.raises(OptionError, match="operation memory"):
        edit_buffer_bytes(registry.get("casio-vz"), bulk, "VZ-1", BANK_SIZE + 2)


def test_vz_bulk_needs_one_voice_chosen():
    bulk = vz_msg.bulk_file([example_voice()] * BANK_SIZE, [], 1)
    with pytest.raises(OptionError, match="64 VZ objects"):
        edit_buffer_bytes(registry.get("casio-vz"), bulk, "VZ-1")
    with pytest.raises(OptionError, match="object 65"):
        edit_buffer_bytes(registry.get("casio-vz"), bulk, "VZ-1", BANK_SIZE)


def test_cz230s_is_refused_because_0x60_is_its_slot_96():
    with pytest.raises(OptionError, match="slot 96"):
        edit_buffer_bytes(registry.get("casio-cz"),
                          tone_message(init_payload(), channel=1, program=0x60), "CZ-230S")
