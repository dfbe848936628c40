"""Forms, addressing, banks: convert, split and join for the K-Station family.

join orders programs by their own bank/program addresses unless --program is given; then they
are numbered in the order given from --bank/--program. Both rules are tested here.
"""

from __future__ import annotations

import random

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from syxkit.cli import cli
from syxkit.core.framing import frame_messages
from syxkit.devices import registry
from syxkit.devices.base import DeviceError, Options
from syxkit.devices.novation_kstation import messages as m
from syxkit.devices.novation_kstation.table import init_block

DEV = registry.get("novation-kstation")


def block(tag: int, salt: int = 0) -> bytes:
    """A recognisable valid block: bytes 1 and 2 (unison detune, random detune) carry a tag."""
    b = bytearray(init_block())
    b[1], b[2] = tag & 0x7F, (tag >> 7) + salt
    return bytes(b)


def dumps_of(data: bytes):
    return [registry.identify(msg) for msg in frame_messages(data)]


def programs(bank: int, numbers, model="K-Station", salt=0, **kw):
    return [registry.identify(frame_messages(
        m.program_dump(model, bank, p, block(100 * bank + p, salt), **kw))[0]) for p in numbers]


def msgs(data: bytes):
    return frame_messages(data)


def test_join_builds_a_bank_of_fifty_pairs():
    progs = programs(2, range(100))
    random.Random(1).shuffle(progs)  # by-address join: the input order does not matter
    (out,) = DEV.join(progs, Options())
    parts = msgs(out.data)
    assert len(out.data) == 13_500 and len(parts) == 50
    for i, msg in enumerate(parts):
        d = registry.identify(msg)
        assert len(msg) == 270 and d.kind == "program-pair" and d.problems == []
        assert (d.bank, d.program) == (2, 2 * i) and d.program % 2 == 0
        assert d.details["control"] == 0  # default C = 0, as the front panel sends a bank
        assert d.parts[0].payload == block(200 + 2 * i) and d.parts[1].payload == block(201 + 2 * i)
    assert out.name == "k-station-bank2.syx"


def test_join_store_to_bank_sets_c():
    (out,) = DEV.join(programs(1, range(100)), Options(store_to_bank=True))
    assert {registry.identify(x).details["control"] for x in msgs(out.data)} == {1}


def test_split_gives_back_the_hundred_programs():
    (bank,) = DEV.join(programs(3, range(100)), Options())
    outs = DEV.split(dumps_of(bank.data), Options())
    assert len(outs) == 100
    got = {}
    for o in outs:
        (msg,) = msgs(o.data)
        d = registry.identify(msg)
        assert d.kind == "program" and d.problems == [] and len(msg) == 142
        assert d.details["control"] == 0
        got[(d.bank, d.program)] = d.payload
    assert got == {(3, p): block(300 + p) for p in range(100)}
    assert outs[0].name == "k-station-b3-p00.syx"


def test_join_in_given_order_from_bank_and_program():
    progs = programs(1, range(100))
    order = list(range(100))
    random.Random(7).shuffle(order)
    given_order = [progs[i] for i in order]
    (out,) = DEV.join(given_order, Options(bank=4, program=0))
    placed = []
    for msg in msgs(out.data):
        d = registry.identify(msg)
        assert d.bank == 4
        placed += [p.payload for p in d.parts]
    assert placed == [block(100 + i) for i in order]


def test_join_given_order_continues_into_the_next_bank():
    progs = programs(1, range(100)) + programs(2, range(100))
    (out,) = DEV.join(progs, Options(bank=2, program=50, fill_from=programs(2, range(100))
                                     + programs(3, range(100)) + programs(4, range(100))))
    # 200 programs from bank 2 program 50 run to bank 4 program 49; banks 2-4 are completed
    ds = [registry.identify(x) for x in msgs(out.data)]
    assert [d.bank for d in ds].count(2) == 50 and len(ds) == 150
    assert (ds[25].bank, ds[25].program, ds[25].parts[0].payload) == (2, 50, block(100))
    assert ds[0].parts[0].payload == block(200)  # bank 2 program 0 from --fill-from
    last = ds[124]  # bank 4 program 48-49: the last two programs given
    assert (last.bank, last.program, last.parts[1].payload) == (4, 48, block(299))
    assert {d.details["control"] for d in ds} == {1}  # several banks: C = 1 always


def test_missing_programs_are_named():
    with pytest.raises(DeviceError, match=r"missing bank 1: 05, 17-19, 99\. .*--fill-from"):
        DEV.join(programs(1, [p for p in range(100) if p not in (5, 17, 18, 19, 99)]), Options())


def test_fill_from_completes_the_bank():
    have = programs(1, range(0, 100, 3))
    (factory,) = DEV.join(programs(1, range(100), salt=1), Options())
    filler = dumps_of(factory.data)
    (out,) = DEV.join(have, Options(fill_from=filler))
    payloads = [p.payload for x in msgs(out.data) for p in registry.identify(x).parts]
    assert payloads == [block(100 + p, 0 if p % 3 == 0 else 1) for p in range(100)]


def test_fill_from_another_bank_by_program_number():
    (factory,) = DEV.join(programs(3, range(100)), Options())
    (out,) = DEV.join(programs(1, [0, 1]), Options(fill_from=dumps_of(factory.data)))
    parts = [p for x in msgs(out.data) for p in registry.identify(x).parts]
    assert [p.bank for p in parts] == [1] * 100
    assert parts[2].payload == block(302)


def test_pad_with_fills_every_gap():
    pad = programs(1, [0])
    (out,) = DEV.join(programs(1, [10, 11]), Options(pad_with=pad))
    payloads = [p.payload for x in msgs(out.data) for p in registry.identify(x).parts]
    assert payloads.count(block(100)) == 98 and payloads[10] == block(110)


def test_four_banks_make_two_hundred_messages():
    progs = [d for b in (1, 2, 3, 4) for d in programs(b, range(100))]
    (out,) = DEV.join(progs, Options())
    ds = [registry.identify(x) for x in msgs(out.data)]
    assert len(ds) == 200 and len(out.data) == 54_000
    assert [(d.bank, d.program) for d in ds] == [(b, p) for b in (1, 2, 3, 4) for p in range(0, 100, 2)]
    assert {d.details["control"] for d in ds} == {1}
    assert out.name == "k-station-banks1-4.syx"


def test_backup_with_global_appended():
    g = registry.identify(frame_messages(m.global_dump("K-Station", bytes(256)))[0])
    (out,) = DEV.join(programs(1, range(100)) + [g], Options())
    ds = [registry.identify(x) for x in msgs(out.data)]
    assert len(ds) == 51 and ds[-1].kind == "global"


def test_join_refuses_duplicates_requests_and_mixed_versions():
    with pytest.raises(DeviceError, match="two programs for bank 1 program 03"):
        DEV.join(programs(1, [3]) + programs(1, [3]), Options())
    req = registry.identify(frame_messages(m.request_current("K-Station"))[0])
    with pytest.raises(DeviceError, match="holds no program"):
        DEV.join(programs(1, range(100)) + [req], Options())
    mixed = programs(1, range(0, 100, 2)) + programs(1, range(1, 100, 2), version=(0x11, 2))
    with pytest.raises(DeviceError, match="two software versions"):
        DEV.join(mixed, Options())


def test_ks_drum_bank_is_twenty_five_pairs():
    (out,) = DEV.join(programs(6, range(50), model="KS series"), Options())
    ds = [registry.identify(x) for x in msgs(out.data)]
    assert len(ds) == 25 and all(d.model == "KS series" and d.problems == [] for d in ds)


# --- convert -----------------------------------------------------------------------------------


def one(outputs):
    (o,) = outputs
    (msg,) = msgs(o.data)
    return registry.identify(msg), o.data


def test_program_to_current_keeps_version_and_zeroes_address():
    (src,) = programs(2, [7], version=(0x11, 2), control=1)
    d, data = one(DEV.convert([src], Options(form="current")))
    assert d.kind == "current-sound" and data[8:13] == bytes([0, 0x11, 2, 0, 0])
    assert d.payload == src.payload


def test_current_to_program_needs_an_address():
    cur = registry.identify(frame_messages(m.current_sound("A-Station", block(5), version=(0x11, 2)))[0])
    with pytest.raises(DeviceError, match="no program address"):
        DEV.convert([cur], Options(form="program"))
    d, data = one(DEV.convert([cur], Options(form="program", bank=3, program=42)))
    # a named bank means C = 1 (issue 13: with C = 0 the device would ignore B)
    assert (d.kind, d.model, d.bank, d.program, d.details["control"]) == ("program", "A-Station", 3, 42, 1)
    assert data[9:11] == bytes([0x11, 2]) and d.payload == block(5)


def test_c_is_set_deliberately():
    (src,) = programs(1, [4], control=1)
    d, _ = one(DEV.convert([src], Options()))
    assert d.details["control"] == 1  # kept from the source: C is never changed silently
    (src0,) = programs(1, [4], control=0)
    d, _ = one(DEV.convert([src0], Options()))
    assert d.details["control"] == 0
    d, _ = one(DEV.convert([src0], Options(store_to_bank=True)))
    assert d.details["control"] == 1
    with pytest.raises(DeviceError, match="never stored"):
        DEV.convert([src], Options(form="current", store_to_bank=True))


def test_pair_to_programs_and_back():
    pair = dumps_of(m.pair_dump("K-Station", 2, 20, block(1), block(2), version=(9, 3)))
    outs = DEV.convert(pair, Options(form="program"))
    singles = [registry.identify(msgs(o.data)[0]) for o in outs]
    assert [(d.program, d.payload) for d in singles] == [(20, block(1)), (21, block(2))]
    d, data = one(DEV.convert(singles, Options(form="pair")))
    assert data == m.pair_dump("K-Station", 2, 20, block(1), block(2), version=(9, 3))


def test_re_address_pair_and_refuse_odd_start():
    pair = dumps_of(m.pair_dump("K-Station", 2, 20, block(1), block(2)))
    d, _ = one(DEV.convert(pair, Options(bank=4, program=60)))
    assert (d.kind, d.bank, d.program) == ("program-pair", 4, 60)
    with pytest.raises(DeviceError, match="pairs start at even programs"):
        DEV.convert(pair, Options(program=61))


def test_odd_pair_can_be_split_or_readdressed():
    data = bytearray(m.pair_dump("K-Station", 1, 12, block(1), block(2)))
    data[12] = 13
    bad = dumps_of(bytes(data))
    outs = DEV.split(bad, Options())
    assert [registry.identify(msgs(o.data)[0]).program for o in outs] == [13, 14]
    with pytest.raises(DeviceError, match="program 13 .* pairs start at even programs"):
        DEV.convert(bad, Options())
    d, _ = one(DEV.convert(bad, Options(program=12)))
    assert d.problems == [] and d.program == 12


def test_model_change_between_a_and_k_station_only():
    (src,) = programs(1, [0], model="A-Station")
    d, data = one(DEV.convert([src], Options(model="K-Station")))
    assert d.model == "K-Station" and data[5] == 0x41
    with pytest.raises(DeviceError, match="KS-series layout"):
        DEV.convert([src], Options(model="KS-5"))
    with pytest.raises(DeviceError, match="--model Juno"):
        DEV.convert([src], Options(model="Juno"))


def test_bad_form_and_broken_input():
    (src,) = programs(1, [0])
    with pytest.raises(DeviceError, match="--to bank: expected one of"):
        DEV.convert([src], Options(form="bank"))
    short = dumps_of(m.program_dump("K-Station", 1, 0, block(0))[:90] + b"\xf7")
    with pytest.raises(DeviceError, match="offset 0: program dump not usable.*expected 142"):
        DEV.convert(short, Options())


def test_channel_option_sets_sysex_channel():
    (src,) = programs(1, [0])
    d, data = one(DEV.convert([src], Options(channel=5)))
    assert data[6] == 4 and d.channel == 5


@settings(max_examples=40, deadline=None)
@given(st.sets(st.integers(0, 99), min_size=1, max_size=100), st.integers(1, 4), st.booleans())
def test_join_split_round_trip(present, bank, store):
    have = programs(bank, sorted(present))
    pad = registry.identify(frame_messages(m.program_dump("K-Station", 1, 0, block(9999 % 16000)))[0])
    (out,) = DEV.join(have, Options(pad_with=[pad], store_to_bank=store))
    ds = [registry.identify(x) for x in msgs(out.data)]
    assert len(ds) == 50 and {d.details["control"] for d in ds} == {int(store)}
    back = {}
    for o in DEV.split(dumps_of(out.data), Options()):
        d = registry.identify(msgs(o.data)[0])
        back[d.program] = d.payload
    for p in range(100):
        assert back[p] == (block(100 * bank + p) if p in present else pad.payload)


# --- CLI ---------------------------------------------------------------------------------------


def test_cli_join_and_split(tmp_path):
    for d in programs(1, range(100)):
        (tmp_path / f"p{d.program:02d}.syx").write_bytes(d.message.data)
    files = sorted(str(p) for p in tmp_path.glob("p*.syx"))
    runner = CliRunner()
    res = runner.invoke(cli, ["join", *files, "-o", str(tmp_path / "bank.syx"), "--store-to-bank"])
    assert res.exit_code == 0, res.output
    data = (tmp_path / "bank.syx").read_bytes()
    assert len(data) == 13_500 and all(len(x) == 270 for x in msgs(data))
    assert all(x.data[8] == 1 and x.data[12] % 2 == 0 for x in msgs(data))
    res = runner.invoke(cli, ["split", str(tmp_path / "bank.syx"), "-o", str(tmp_path / "out")])
    assert res.exit_code == 0, res.output
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        f"bank-b1-p{p:02d}.syx" for p in range(100)]
    for p in range(100):  # split keeps C = 1 of the bank (the singles came with C = 0)
        single = (tmp_path / f"p{p:02d}.syx").read_bytes()
        assert (tmp_path / "out" / f"bank-b1-p{p:02d}.syx").read_bytes() == \
            single[:8] + b"\x01" + single[9:]
    res = runner.invoke(cli, ["join", *files[:90], "-o", str(tmp_path / "short.syx")])
    assert res.exit_code == 1 and "missing bank 1: 90-99" in res.output.replace("\n", " ")


def test_cli_convert_warns_about_unused_option(tmp_path):
    cur = tmp_path / "cur.syx"
    cur.write_bytes(m.current_sound("K-Station", block(1)))
    res = CliRunner().invoke(cli, ["convert", str(cur), "-o", str(tmp_path / "o.syx"),
                                   "--program", "5"])
    assert res.exit_code == 0
    assert "--program has no effect" in res.output


def test_help_states_the_join_order():
    res = CliRunner().invoke(cli, ["kstation", "--help"])
    text = " ".join(res.output.split())
    assert "ORDER: by each program's own bank/program (B/P) address" in text
    assert "IN THE ORDER GIVEN from --bank/--program N" in text


def test_fill_from_a_foreign_dump_is_refused():
    from syxkit.devices.base import Dump

    other = Dump("casio-cz", "tone")
    with pytest.raises(DeviceError, match="a casio-cz dump, not a K-Station family one"):
        DEV.join(programs(1, [0]), Options(fill_from=[other]))
