"""Request and dump builders (the API for the transfer work), library hooks, CLI command."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from syxkit.cli import cli
from syxkit.core.framing import frame_messages
from syxkit.core.message import Message
from syxkit.devices import registry
from syxkit.devices.base import DeviceError, Options, Unsupported
from syxkit.devices.novation_kstation import messages as m
from syxkit.devices.novation_kstation.table import init_block

DEV = registry.get("novation-kstation")


def test_request_bytes_follow_the_manual():
    # F0 00 20 29 01 DT SyCh M C Vv Vi B P F7
    assert m.request_current("K-Station") == bytes.fromhex("F0 00 20 29 01 41 7F 40 00 00 00 00 00 F7")
    assert m.request_global("A-Station") == bytes.fromhex("F0 00 20 29 01 40 7F 43 00 00 00 00 00 F7")
    # with a bank: C = 1 so the device honours B
    assert m.request_program("KS-5", 7, bank=6) == bytes.fromhex("F0 00 20 29 01 42 7F 41 01 00 00 06 07 F7")
    # without: C = 0, the selected bank answers
    assert m.request_pair("K-Station", 98) == bytes.fromhex("F0 00 20 29 01 41 7F 42 00 00 00 00 62 F7")
    assert m.request_current("K-Station", sysex_channel=2)[6] == 2


def test_request_builders_refuse_bad_addresses():
    with pytest.raises(m.KStationError, match="even program"):
        m.request_pair("K-Station", 3, bank=1)
    with pytest.raises(m.KStationError, match="no bank 5"):
        m.request_program("K-Station", 0, bank=5)
    with pytest.raises(m.KStationError, match="programs 0-49"):
        m.request_program("KS series", 60, bank=7)
    with pytest.raises(ValueError, match="unknown model"):
        m.request_current("Nova")


def test_backup_requests_cover_four_banks_and_global():
    reqs = m.backup_requests("K-Station")
    assert len(reqs) == 201
    dumps = [registry.identify(Message(r)) for r in reqs]
    assert all(d.problems == [] and len(d.message) == 14 for d in dumps)
    assert [(d.bank, d.program) for d in dumps[:-1]] == [(b, p) for b in range(1, 5) for p in range(0, 100, 2)]
    assert all(d.kind == "program-pair-request" and d.details["control"] == 1 for d in dumps[:-1])
    assert dumps[-1].kind == "global-request"
    assert len(m.bank_requests("KS series", 8)) == 25
    assert len(m.backup_requests("KS series", include_global=False)) == 200  # program banks 1-4


def test_dump_builders_validate():
    with pytest.raises(m.KStationError, match="data byte 3 is 0x80"):
        m.current_sound("K-Station", bytes(3) + b"\x80" + bytes(124))
    with pytest.raises(m.KStationError, match="128 data bytes; got 127"):
        m.program_dump("K-Station", 1, 0, bytes(127))
    with pytest.raises(m.KStationError, match="control byte C must be 0"):
        m.program_dump("K-Station", 1, 0, init_block(), control=2)
    with pytest.raises(m.KStationError, match="even program"):
        m.pair_dump("K-Station", 1, 1, init_block(), init_block())
    with pytest.raises(m.KStationError, match="256 bytes"):
        m.global_dump("K-Station", bytes(128))
    with pytest.raises(m.KStationError, match="version Vv = 200"):
        m.program_dump("K-Station", 1, 0, init_block(), version=(200, 0))


def test_builders_make_what_identify_reads():
    data = m.pair_dump("A-Station", 2, 4, init_block(), init_block(), control=1, version=(0x11, 2))
    d = registry.identify(Message(data))
    assert len(data) == 270 and (d.kind, d.model, d.bank, d.program) == ("program-pair", "A-Station", 2, 4)
    assert d.details["software_version"] == "2.1.2"


def test_example_is_a_valid_program_dump():
    data = DEV.example()
    (msg,) = frame_messages(data)
    d = registry.identify(msg)
    assert (d.device, d.kind, d.problems) == ("novation-kstation", "program", [])
    assert DEV.decode(d)["voice"]["poly_mode"] == "poly"


def test_objects_and_sound_bytes():
    pair = registry.identify(Message(m.pair_dump("K-Station", 1, 0, init_block(), bytes(128))))
    objs = DEV.objects(pair)
    assert [o.program for o in objs] == [0, 1]
    assert [DEV.sound_bytes(o) for o in objs] == [init_block(), bytes(128)]
    assert DEV.sound_bytes(pair) is None  # the pair itself is two objects, not one sound
    cur = registry.identify(Message(m.current_sound("K-Station", init_block())))
    assert DEV.objects(cur) == [cur] and DEV.sound_bytes(cur) == init_block()
    glob = registry.identify(Message(m.global_dump("K-Station", bytes(256))))
    assert DEV.sound_bytes(glob) == bytes(256)  # a global is kept by the library too
    assert DEV.objects(registry.identify(Message(m.request_current("K-Station")))) == []


def test_no_names_no_fix():
    d = registry.identify(Message(DEV.example()))
    assert d.name is None
    with pytest.raises(Unsupported, match="stores no names"):
        DEV.rename(d, "LEAD", Options())
    assert DEV.fix(d) is None


def test_split_and_join_refuse_requests():
    req = registry.identify(Message(m.request_program("K-Station", 0, 1)))
    with pytest.raises(DeviceError, match="holds no program"):
        DEV.split([req], Options())


def test_cli_request_command(tmp_path):
    runner = CliRunner()
    out = tmp_path / "r.syx"
    res = runner.invoke(cli, ["kstation", "request", "backup", "--model", "A-Station", "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert out.read_bytes() == b"".join(m.backup_requests("A-Station"))
    res = runner.invoke(cli, ["kstation", "request", "pair", "--bank", "2", "--program", "10",
                              "-o", str(out)])
    assert res.exit_code == 0 and out.read_bytes() == m.request_pair("K-Station", 10, 2)
    res = runner.invoke(cli, ["kstation", "request", "pair", "--program", "11", "-o", str(out)])
    assert res.exit_code == 2 and "even program" in res.output  # a bad option value: usage error
    res = runner.invoke(cli, ["kstation", "request", "bank", "-o", str(out)])
    assert res.exit_code == 2 and "needs --bank" in res.output
