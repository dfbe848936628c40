"""DTXtreme IIs: where a dump is stored, panel numbering of options, split names, and the fuzz
finding of issue 13 (a byte count that does not fit in 14 bits)."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from syxkit.cli import cli
from syxkit.core.framing import frame_messages
from syxkit.core.message import Message
from syxkit.devices import registry
from syxkit.devices.base import OptionError, Options
from syxkit.devices.yamaha_dtx import builders
from syxkit.transfer.sim import simulate

DTX = registry.get("yamaha-dtxtreme2")


def test_oversized_dump_is_a_problem_not_a_crash():
    """Reproducer from the fuzz run: 17,000 data bytes cannot be counted in 14 bits; identify
    raised ValueError (a traceback in `syxkit info`)."""
    head = builders.dump_message("kit", b"", 0)
    big = head[:18] + bytes(17_000) + head[-2:]
    dump = DTX.identify(Message(big))
    assert dump is not None and dump.kind == "kit"
    assert any("too many for a 14-bit byte count" in p.text for p in dump.problems)
    assert DTX.fix(dump) is None  # nothing fix could make right
    obj = {"device": dump.device, "kind": dump.kind, "program": dump.program,
           "params": DTX.decode(dump)}
    assert DTX.encode(obj) == big  # kept byte for byte


def test_store_names_object_number_and_device_number():
    data = builders.dump_message("kit", b"abc", 11, device_number=3)
    (dump,) = [DTX.identify(m) for m in frame_messages(data)]
    assert dump.slot == "User kit 12 (wire 00 0B)"
    assert dump.store == ("User kit 12 (number 00 0B), on a module set to device number 3 "
                          "(byte 3 = 02; others ignore it)")
    eb = DTX.identify(frame_messages(builders.dump_message("kit", b"", edit_buffer=True))[0])
    assert eb.store.startswith("edit buffer (number 7F 7F)")


def test_send_program_counts_as_the_panel_and_verify_reads_that_slot():
    emu = DTX.emulator(Options())
    data = builders.dump_message("kit", b"abc", 0)
    r = simulate(DTX.send_protocol(data, Options(program=12, verify=True)), emu)
    assert r.ok and r.result["verified"] == 1
    assert emu.memory["kit"][11] == b"abc"  # User kit 12 = wire 11


@pytest.mark.parametrize("program", [0, 51, 200])
def test_out_of_range_program_is_a_usage_error(program):
    dumps = [DTX.identify(m) for m in frame_messages(builders.dump_message("kit", b"a", 0))]
    with pytest.raises(OptionError, match="out of range 1-50"):
        DTX.convert(dumps, Options(program=program))


def test_cli_convert_program_200_exits_2(tmp_path):
    src = tmp_path / "kit.syx"
    src.write_bytes(builders.dump_message("kit", b"a", 0))
    res = CliRunner().invoke(cli, ["convert", str(src), "-o", str(tmp_path / "o.syx"),
                                   "--program", "200"])
    assert res.exit_code == 2, res.output


def test_split_then_join_of_an_emulator_backup_is_byte_exact(tmp_path):
    emu = DTX.emulator(Options(user_kits=12, chains=3, songs=3))
    data = emu.save()
    src = tmp_path / "dtx backup.syx"
    src.write_bytes(data)
    runner = CliRunner()
    res = runner.invoke(cli, ["split", str(src), "-o", str(tmp_path / "parts")])
    assert res.exit_code == 0, res.output
    names = sorted(p.name for p in (tmp_path / "parts").iterdir())
    assert names[0] == "dtx backup-001-system.syx" and names[1].endswith("-kit-001.syx")
    # the plain sort is the backup's order
    assert b"".join((tmp_path / "parts" / n).read_bytes() for n in names) == data
    res = runner.invoke(cli, ["join", *[str(tmp_path / "parts" / n) for n in names],
                              "-o", str(tmp_path / "back.syx")])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "back.syx").read_bytes() == data


def test_request_names_count_as_the_panel():
    names = dict(DTX.request_names)
    assert "kit:N" in names and "1-50" in names["kit:N"] and "1-16" in names["stack:N"]
