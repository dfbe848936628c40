"""Where a K-Station family dump is stored (issue 13, points 1, 7, 8 and 10): the control byte C
is set deliberately and shown, send --verify reads back from the place the bytes sent choose,
B = 0 from editors is read as the current bank, and the fuzz findings stay fixed."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from syxkit.cli import cli
from syxkit.core.framing import frame_messages
from syxkit.core.message import Message
from syxkit.devices import registry
from syxkit.devices.base import DeviceError, OptionError, Options
from syxkit.devices.novation_kstation import messages as m
from syxkit.devices.novation_kstation.emulator import KStationEmulator, generated_block
from syxkit.devices.novation_kstation.table import init_block
from syxkit.emulators.base import EmulatorOptions
from syxkit.transfer.sim import simulate

DEV = registry.get("novation-kstation")


def dumps_of(data: bytes, source: str = ""):
    out = []
    for msg in frame_messages(data):
        msg.source = source
        out.append(registry.identify(msg))
    return out


def tagged(tag: int) -> bytes:
    b = bytearray(init_block())
    b[1], b[2] = tag & 0x7F, tag >> 7
    return bytes(b)


def with_bank(data: bytes, bank: int) -> bytes:
    return data[:11] + bytes([bank]) + data[12:]


# --- point 1: C is deliberate, verify reads the real destination ------------------------------


def test_convert_to_a_named_bank_stores_there_and_verify_reads_that_slot():
    """The issue's case: `convert --to program --bank 4 --program 7`, then `send --verify`. The
    old code wrote C = 0, so the device stored the program over bank 1 program 07 (its selected
    bank) while verify read that slot back and reported success."""
    (cur,) = dumps_of(m.current_sound("K-Station", tagged(77)))
    (out,) = DEV.convert([cur], Options(form="program", bank=4, program=7))
    assert out.data[8] == 1  # C = 1: store in bank B
    assert any("C = 1" in n and "bank 4" in n for n in out.notes)
    device = KStationEmulator("K-Station", EmulatorOptions())
    bank1_before = device.program(1, 7)
    r = simulate(DEV.send_protocol(out.data, Options(verify=True)), device)
    assert r.ok and r.result["verified"]
    assert device.program(4, 7) == tagged(77)  # where the user asked
    assert device.program(1, 7) == bank1_before  # nothing overwritten in the selected bank
    assert r.result["stored"] == ["bank 4, program 07 (B=04 P=07, C=1: store in bank B)"]
    assert r.result["read_back"] == ["bank 4 program 07"]


def test_verify_of_a_c0_dump_reads_the_selected_bank_and_names_it():
    data = m.program_dump("K-Station", 4, 7, tagged(5), control=0)
    device = KStationEmulator("K-Station", EmulatorOptions())
    device.selected_bank = 3
    r = simulate(DEV.send_protocol(data, Options(verify=True)), device)
    assert r.ok and device.program(3, 7) == tagged(5)
    assert "C=0: store in the current bank" in r.result["stored"][0]
    assert r.result["read_back"] == [
        "bank 3 program 07 (C = 0: the bank selected on the device, bank 3 by its answer)"]
    assert r.result["banks"] == []  # no bank chosen by B


def test_c_is_kept_or_set_never_silently_changed():
    (c1,) = dumps_of(m.program_dump("A-Station", 2, 10, tagged(1), control=1))
    (c0,) = dumps_of(m.program_dump("A-Station", 2, 10, tagged(1), control=0))
    (out,) = DEV.convert([c1], Options(program=11))
    assert out.data[8] == 1 and "C = 1: the device stores this in bank 2" in out.notes[0]
    (out,) = DEV.convert([c0], Options(program=11))
    assert out.data[8] == 0 and "C = 0" in out.notes[0] and "selected" in out.notes[0]
    (out,) = DEV.convert([c0], Options(bank=2))  # naming a bank makes C = 1, and says so
    assert out.data[8] == 1 and "bank 2" in out.notes[0]
    (bank,) = DEV.join(dumps_of(b"".join(m.program_dump("A-Station", 1, p, tagged(p), control=1)
                                         for p in range(100))), Options())
    assert {x.data[8] for x in frame_messages(bank.data)} == {1}
    assert "C = 1" in bank.notes[0]


def test_info_json_shows_where_each_message_is_stored():
    d = dumps_of(m.pair_dump("K-Station", 2, 40, tagged(1), tagged(2), control=1))[0]
    assert d.store == "bank 2, programs 40-41 (B=02 P=28, C=1: store in bank B)"
    assert d.parts[1].store == "bank 2, program 41 (B=02 P=29, C=1: store in bank B)"
    (cur,) = dumps_of(m.current_sound("K-Station", tagged(1)))
    assert cur.store.startswith("current sound")


def test_bad_bank_and_program_options_are_usage_errors():
    (src,) = dumps_of(m.program_dump("K-Station", 1, 0, tagged(1)))
    with pytest.raises(OptionError, match="--bank 9: K-Station banks are 1-4"):
        DEV.convert([src], Options(bank=9))
    with pytest.raises(OptionError, match="--program 200: bank 1 holds programs 0-99"):
        DEV.convert([src], Options(program=200))


def test_cli_convert_program_200_exits_2(tmp_path):
    f = tmp_path / "p.syx"
    f.write_bytes(m.program_dump("K-Station", 1, 0, tagged(1)))
    res = CliRunner().invoke(cli, ["convert", str(f), "-o", str(tmp_path / "o.syx"),
                                   "--program", "200"])
    assert res.exit_code == 2, res.output


# --- point 7: B = 0 from editors ---------------------------------------------------------------


def editor_program(c: int = 0) -> bytes:
    # As an open A-Station editor writes a program sent to working memory: M = 01, B = 0.
    return with_bank(m.program_dump("A-Station", 1, 35, tagged(35), control=c,
                                    version=(0x11, 2)), 0)


def test_b0_program_is_read_as_the_current_bank_with_a_note():
    (d,) = dumps_of(editor_program())
    assert d.problems == [] and any("B = 0" in n and "current bank" in n for n in d.notes)
    assert d.slot == "current bank program 35"
    assert "bank selected on the device" in d.store
    obj = {"device": d.device, "kind": d.kind, "model": d.model, "bank": d.bank,
           "program": d.program, "params": DEV.decode(d)}
    assert DEV.encode(obj) == editor_program()


def test_b0_program_converts_and_splits_byte_exact():
    data = editor_program()
    (out,) = DEV.convert(dumps_of(data), Options())
    assert out.data == data and "B = 0" in out.notes[0]
    (out,) = DEV.split(dumps_of(data, "/x/astation.syx"), Options())
    assert out.data == data and out.name == "astation-b0-p35.syx"
    (out,) = DEV.convert(dumps_of(data), Options(bank=2, program=1))
    assert out.data[8] == 1 and out.data[11:13] == bytes([2, 1])
    with pytest.raises(DeviceError, match="B = 0 names no bank"):
        DEV.convert(dumps_of(editor_program(c=1)), Options(store_to_bank=True))


def test_b0_program_imports_into_the_library(tmp_path):
    f = tmp_path / "editor.syx"
    f.write_bytes(editor_program())
    db = tmp_path / "l.sqlite"
    res = CliRunner().invoke(cli, ["lib", "--library", str(db), "import", str(f)])
    assert res.exit_code == 0, res.output
    res = CliRunner().invoke(cli, ["lib", "--library", str(db), "list", "--json"])
    assert res.exit_code == 0 and "novation-kstation" in res.output


# --- point 10: fuzz findings ---------------------------------------------------------------------


@pytest.mark.parametrize("bank", [0, 9, 5])
def test_program_for_a_bank_the_model_lacks_never_raises_keyerror(bank):
    data = with_bank(m.program_dump("A-Station", 1, 5, tagged(5)), bank)
    dumps = dumps_of(data)
    for call in (lambda: DEV.join(dumps, Options()),
                 lambda: DEV.convert(dumps, Options(program=3)),
                 lambda: DEV.convert(dumps, Options()),
                 lambda: DEV.split(dumps, Options())):
        try:
            call()
        except DeviceError:
            pass  # a clear refusal is fine; a KeyError is not


def test_global_missing_its_f7_round_trips_and_fix_adds_it():
    g = m.global_dump("K-Station", bytes(range(128)) * 2)[:-1]
    msg = Message(g, terminated=False)
    d = registry.identify(msg)
    obj = {"device": d.device, "kind": d.kind, "model": d.model, "bank": d.bank,
           "program": d.program, "params": DEV.decode(d)}
    assert DEV.encode(obj) == g  # not silently repaired
    fixed, changes = DEV.fix(d)
    assert fixed == g + b"\xf7" and "F7" in changes[0]


# --- point 8: split -> join keeps the order, names carry the source ------------------------------


def test_split_then_join_of_a_bank_is_byte_exact(tmp_path):
    data = b"".join(m.pair_dump("K-Station", 2, p, generated_block(m.model_of("K-Station"), 2, p),
                                generated_block(m.model_of("K-Station"), 2, p + 1), control=1)
                    for p in range(0, 100, 2))
    src = tmp_path / "mybank.syx"
    src.write_bytes(data)
    runner = CliRunner()
    res = runner.invoke(cli, ["split", str(src), "-o", str(tmp_path / "out")])
    assert res.exit_code == 0, res.output
    names = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert names[0] == "mybank-b2-p00.syx" and len(names) == 100
    res = runner.invoke(cli, ["join", *[str(tmp_path / "out" / n) for n in names],
                              "-o", str(tmp_path / "back.syx")])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "back.syx").read_bytes() == data
