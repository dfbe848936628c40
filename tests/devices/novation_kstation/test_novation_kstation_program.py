"""The 128-byte program block: the parameter table, decode/encode, byte-exact round trips."""

from __future__ import annotations

import copy
import json

import pytest
from click.testing import CliRunner
from corpus_files import corpus_path
from hypothesis import given, settings
from hypothesis import strategies as st

from syxkit.cli import cli
from syxkit.core.message import Message
from syxkit.devices import registry
from syxkit.devices.base import DeviceError
from syxkit.devices.novation_kstation import messages as m
from syxkit.devices.novation_kstation.messages import KStationError
from syxkit.devices.novation_kstation.program import BlockError, decode_block, encode_block
from syxkit.devices.novation_kstation.table import (
    A_STATION_LAYOUT,
    FIELD_BY_PATH,
    MODEL_BY_NAME,
    PROGRAM_FIELDS,
    init_block,
)
from syxkit.devices.params import ParamError

DEV = registry.get("novation-kstation")
ASTATION = MODEL_BY_NAME["a-station"]
KSTATION = MODEL_BY_NAME["k-station"]
KS = MODEL_BY_NAME["ks series"]
blocks = st.binary(min_size=128, max_size=128).map(lambda b: bytes(x & 0x7F for x in b))


def wrapped(data: bytes) -> dict:
    """What ``decode --json`` writes for one message."""
    dump = registry.identify(Message(data))
    return {"device": dump.device, "kind": dump.kind, "model": dump.model,
            "channel": dump.channel, "bank": dump.bank, "program": dump.program,
            "slot": dump.slot, "name": dump.name, "params": DEV.decode(dump)}


def test_table_covers_the_block_once():
    # Every field fits its byte; overlaps would have failed building the layout.
    for f in PROGRAM_FIELDS:
        assert 0 <= f.offset < 128 and f.shift + f.width <= 7, f.path
        assert 0 <= f.default < (1 << f.width), f.path
        assert f.models == ("A-Station",)  # the layout is documented for the A-Station only
    assert A_STATION_LAYOUT.unknown_bytes == (71, 124, 126)
    # packed bytes named in the spec are described, with their unused bits kept apart
    assert A_STATION_LAYOUT.spare_bits[0] == 0x40
    assert A_STATION_LAYOUT.spare_bits[121] == 0x70
    for packed in (5, 6, 80, 88, 127):
        assert packed not in A_STATION_LAYOUT.spare_bits


@settings(max_examples=300, deadline=None)
@given(blocks, st.sampled_from([ASTATION, KSTATION, KS]))
def test_any_block_round_trips(block, model):
    params = decode_block(block, model)
    assert encode_block(json.loads(json.dumps(params))) == block


@settings(max_examples=100, deadline=None)
@given(blocks, blocks, st.integers(0, 127), st.integers(0, 99))
def test_pair_decode_encode_is_byte_exact(a, b, vv, vi):
    data = m.pair_dump("K-Station", 3, 40, a, b, control=1, version=(vv, vi))
    assert DEV.encode(json.loads(json.dumps(wrapped(data)))) == data


def test_real_file_decode_encode_byte_exact():
    data = corpus_path("kstation", "astation_edit_buffer.syx").read_bytes()
    obj = wrapped(data)
    assert obj["params"]["layout"] == "A-Station layout"
    assert DEV.encode(obj) == data


def test_real_file_known_bytes_decode_as_the_layout_says():
    data = corpus_path("kstation", "astation_edit_buffer.syx").read_bytes()
    block = data[13:141]
    p = wrapped(data)["params"]
    # byte 0 packs unison (bits 0-2), poly mode (3-4), filter slope (5)
    assert p["voice"]["unison_voices"] == (block[0] & 7) + 1
    assert p["voice"]["poly_mode"] == ["mono", "mono-autoglide", "poly", "poly-voice-stealing"][
        (block[0] >> 3) & 3]
    assert p["filter"]["type"] == ["12dB", "24dB"][(block[0] >> 5) & 1]
    # byte 5: three 2-bit waveforms
    waves = ["sine", "triangle", "saw", "pulse"]
    assert [p[f"osc{i}"]["waveform"] for i in (1, 2, 3)] == [waves[(block[5] >> s) & 3] for s in (0, 2, 4)]
    assert p["mixer"]["osc1"] == block[37] and p["filter"]["frequency"] == block[46]
    assert p["voice"]["program_volume"] == block[125] - 64


def test_cli_decode_then_encode_is_byte_exact(tmp_path):
    src = corpus_path("kstation", "astation_edit_buffer.syx")
    runner = CliRunner()
    res = runner.invoke(cli, ["decode", "--json", str(src)])
    assert res.exit_code == 0, res.output
    (tmp_path / "p.json").write_text(res.output)
    res = runner.invoke(cli, ["encode", str(tmp_path / "p.json"), "-o", str(tmp_path / "o.syx")])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "o.syx").read_bytes() == src.read_bytes()


def test_edit_touches_only_its_bits():
    data = m.program_dump("A-Station", 1, 3, init_block())
    obj = wrapped(data)
    obj["params"]["osc2"]["sync"] = True
    obj["params"]["reverb"]["type"] = "grand-hall"
    obj["params"]["osc1"]["semitone"] = -12
    out = DEV.encode(obj)
    changed = {i for i in range(len(data)) if data[i] != out[i]}
    assert changed == {13 + 6, 13 + 121, 13 + 7}
    assert out[13 + 6] == data[13 + 6] | 0x40
    assert out[13 + 121] & 7 == 5
    assert out[13 + 7] == 52


def test_unnamed_enum_codes_and_spare_bits_survive():
    block = bytearray(init_block())
    block[121] = 0x7F  # reverb code 7 has no name; bits 4-6 are unused
    block[71] = 99
    params = decode_block(bytes(block), ASTATION)
    assert params["reverb"]["type"] == 7 and params["chorus"]["type"] == "phaser"
    assert params["raw"]["spare_bits"]["121"] == 0x70 and params["raw"]["unknown_bytes"]["71"] == 99
    assert encode_block(params) == bytes(block)


def test_kstation_is_marked_assumed_and_ks_kept_raw():
    block = init_block()
    assert "assumed for the K-Station" in decode_block(block, KSTATION)["layout"]
    ks = decode_block(block, KS)
    assert set(ks) == {"layout", "raw"} and bytes.fromhex(ks["raw"]) == block


@pytest.mark.parametrize("path,value,needle", [
    # Checked by the table (syxkit.devices.params): the JSON path, what was expected, what came.
    ("osc1.semitone", 64, "params.osc1.semitone: expected a whole number -64-63, got 64"),
    ("reverb.type", "cathedral", 'params.reverb.type: expected one of "echo-chamber"'),
    ("osc2.sync", "yes", 'params.osc2.sync: expected true or false, got "yes"'),
    ("mixer.noise", 1.5, "params.mixer.noise: expected a whole number 0-127, got 1.5"),
    ("arp.octaves", 0, "params.arp.octaves: expected a whole number 1-4, got 0"),
])
def test_bad_values_name_the_parameter(path, value, needle):
    params = decode_block(init_block(), ASTATION)
    section, name = path.split(".")
    params[section][name] = value
    with pytest.raises(ParamError, match=needle.replace(".", r"\.").replace("(", r"\(")):
        encode_block(params)


def test_structural_mistakes_are_refused():
    good = decode_block(init_block(), ASTATION)
    p = copy.deepcopy(good)
    del p["lfo1"]["speed"]
    with pytest.raises(ParamError, match="params.lfo1.speed: expected .*got nothing"):
        encode_block(p)
    p = copy.deepcopy(good)
    p["lfo1"]["sped"] = 3
    with pytest.raises(ParamError, match="params.lfo1.sped: expected no such key"):
        encode_block(p)
    p = copy.deepcopy(good)
    del p["filter"]
    with pytest.raises(ParamError, match="params.filter: expected an object"):
        encode_block(p)
    p = copy.deepcopy(good)
    p["osc1"] = []
    with pytest.raises(ParamError, match=r"params.osc1: expected an object, got \[\]"):
        encode_block(p)
    p = copy.deepcopy(good)
    p["raw"]["spare_bits"]["121"] = 0x01
    with pytest.raises(BlockError, match="uses bits a parameter holds"):
        encode_block(p)
    p = copy.deepcopy(good)
    p["raw"]["unknown_bytes"]["5"] = 1
    with pytest.raises(BlockError, match="byte 5 is described by a parameter"):
        encode_block(p)
    with pytest.raises(BlockError, match="128"):
        encode_block({"raw": "00 01"})


def test_encode_errors_are_device_errors_with_context():
    obj = wrapped(m.pair_dump("K-Station", 1, 0, init_block(), init_block()))
    obj["params"]["programs"][1]["filter"]["resonance"] = 200
    with pytest.raises(ParamError, match=r"params.programs\[1\].filter.resonance: expected a "
                                         "whole number 0-127, got 200"):
        DEV.encode(obj)
    obj = wrapped(m.program_dump("K-Station", 1, 0, init_block()))
    obj["kind"] = "patch"
    with pytest.raises(KStationError, match="kind 'patch'"):
        DEV.encode(obj)


def test_decode_refuses_a_short_dump():
    data = m.program_dump("K-Station", 1, 0, init_block())
    dump = registry.identify(Message(data[:100] + b"\xf7"))
    with pytest.raises(DeviceError, match="cannot be decoded.*expected 142"):
        DEV.decode(dump)


def test_global_block_stays_opaque_and_round_trips():
    g = bytes(range(128)) * 2
    data = m.global_dump("A-Station", g, version=(0x11, 2))
    obj = wrapped(data)
    assert bytes.fromhex(obj["params"]["raw"]["global_block"]) == g
    assert DEV.encode(obj) == data


def test_init_block_uses_table_defaults():
    block = init_block()
    assert (block[FIELD_BY_PATH["filter.frequency"].offset]) == 127
    assert decode_block(block, ASTATION)["voice"]["poly_mode"] == "poly"
