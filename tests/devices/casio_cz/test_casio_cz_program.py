"""`--program` for the CZ counts as the CZ panel counts (issue 14 point 2): ``3`` /
``internal:3``, ``B2`` with a model, ``cartridge:N``, ``edit-buffer``; a ``0x`` number stays the
wire address pp (so older scripts keep their meaning). Bad values are usage errors (exit 2)
that list the valid range, for convert, join, send and ``cz request``."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from syxkit.cli import cli
from syxkit.core.message import Message
from syxkit.devices import registry
from syxkit.devices.base import OptionError
from syxkit.devices.casio_cz import messages as M
from syxkit.devices.casio_cz.identify import identify
from syxkit.devices.casio_cz.slots import LAYOUTS, MODELS
from syxkit.devices.casio_cz.table import EDIT_BUFFER
from syxkit.devices.casio_cz.tone import init_payload

CZ = registry.get("casio-cz")


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def pp_of(data: bytes) -> list[int]:
    from syxkit.core.framing import frame_messages

    return [identify(m).program for m in frame_messages(data)]


@pytest.fixture
def capture(tmp_path):
    """A tone as a CZ sends it (7n 30: no address), so --program decides where it goes."""
    path = tmp_path / "capture.syx"
    path.write_bytes(M.tone_message(init_payload(), 1, None))
    return path


@pytest.mark.parametrize(("text", "model", "pp"), [
    ("3", None, 0x22), ("internal:3", None, 0x22), ("INTERNAL:16", "CZ-101", 0x2F),
    ("cartridge:2", "CZ-1000", 0x41), ("B2", "CZ-5000", 0x29), ("internal:d8", "CZ-3000", 0x3F),
    ("A1", "CZ-1", 0x00), ("H8", "CZ-1", 0x3F), ("97", "CZ-230S", 0x61), ("96", "CZ-230S", 0x60),
    ("edit-buffer", None, EDIT_BUFFER), ("0x20", None, 0x20), ("0x22", "CZ-5000", 0x22),
    ("preset:1", None, 0x00),
])
def test_program_names_as_the_panel_counts(text, model, pp):
    assert CZ.program_option(text, model) == pp


@pytest.mark.parametrize(("text", "model", "says"), [
    ("17", None, "1-16"), ("0", "CZ-101", "Internal 1-16 (0x20-0x2F)"),
    ("3", "CZ-5000", "Internal A1-D8 (0x20-0x3F)"), ("E1", "CZ-5000", "A1-D8"),
    ("I1", "CZ-1", "A1-H8 (0x00-0x3F)"), ("0x80", None, "0x00-0x7F"), ("foo", None, "edit-buffer"),
    ("cartridge:1", "CZ-5000", "on the CZ-5000"), ("3", "CZ-9", "known: CZ-101"),
])
def test_bad_program_is_an_option_error_naming_the_range(text, model, says):
    with pytest.raises(OptionError, match="known|expected") as err:
        CZ.program_option(text, model)
    assert says in str(err.value)


@given(st.sampled_from(MODELS), st.data())
def test_every_panel_label_and_its_hex_give_the_same_address(model, data):
    """Each slot's own panel label, typed back, is its address; so is its 0x wire address."""
    lay = LAYOUTS[model]
    area = data.draw(st.sampled_from([a for a in lay.areas]))
    pp = data.draw(st.integers(area.first, area.first + area.count - 1))
    word = {"Preset": "preset", "Cartridge": "cartridge"}.get(area.kind, "internal")
    label = area.label(pp).split(" ")[-1]
    assert CZ.program_option(f"{word}:{label}", model) == pp
    assert CZ.program_option(f"0x{pp:02x}", model) == pp
    if word == "internal":
        assert CZ.program_option(label, model) == pp


def test_convert_program_panel_names_and_wire_address_agree(capture, tmp_path):
    outs = {}
    for text in ("internal:3", "3", "0x22"):
        out = tmp_path / f"{text.replace(':', '-')}.syx"
        res = run("convert", capture, "-o", out, "--program", text)
        assert res.exit_code == 0, res.output
        outs[text] = out.read_bytes()
    assert outs["internal:3"] == outs["3"] == outs["0x22"]
    assert pp_of(outs["3"]) == [0x22]
    res = run("convert", capture, "-o", tmp_path / "b2.syx", "--program", "B2", "--model", "CZ-5000")
    assert res.exit_code == 0, res.output
    assert pp_of((tmp_path / "b2.syx").read_bytes()) == [0x29]
    res = run("convert", capture, "-o", tmp_path / "eb.syx", "--program", "edit-buffer")
    assert res.exit_code == 0, res.output
    assert pp_of((tmp_path / "eb.syx").read_bytes()) == [EDIT_BUFFER]
    # info shows the panel name beside the wire byte
    res = run("info", tmp_path / "internal-3.syx")
    assert "internal 3" in res.output and "pp=0x22" in res.output


@pytest.mark.parametrize(("args", "says"), [
    (["--program", "17"], "1-16"),
    (["--program", "E1", "--model", "CZ-5000"], "Internal A1-D8 (0x20-0x3F)"),
    (["--program", "0x80"], "0x00-0x7F"),
    (["--program", "preset:3"], "internal 1-16 or A1-D8: 0x20-0x3F"),  # presets cannot be written
    (["--program", "0x05"], "preset"),
    (["--program", "preset:A1", "--model", "CZ-5000"], "Internal A1-D8 (0x20-0x3F)"),
])
def test_convert_bad_program_exits_2_with_the_range(capture, tmp_path, args, says):
    out = tmp_path / "out.syx"
    res = run("convert", capture, "-o", out, *args)
    assert res.exit_code == 2, res.output
    assert res.output.startswith("error:") and says in res.output.replace("\n", " ")
    assert not out.exists()


def test_join_program_counts_as_the_panel(capture, tmp_path):
    out = tmp_path / "bank.syx"
    res = run("join", capture, capture, "-o", out, "--program", "B1", "--model", "CZ-5000")
    assert res.exit_code == 0, res.output
    assert pp_of(out.read_bytes()) == [0x28, 0x29]
    res = run("join", capture, capture, "-o", tmp_path / "x.syx", "--program", "internal:16",
              "--model", "CZ-101")
    assert res.exit_code == 2 and "Internal 1-16" in res.output  # the second runs past 16
    res = run("join", capture, "-o", tmp_path / "y.syx", "--program", "internal:20")
    assert res.exit_code == 2 and "1-16" in res.output


def test_send_bad_program_is_a_usage_error_before_any_port(capture, tmp_path):
    res = run("send", capture, "--port", tmp_path / "no-such-port", "--program", "internal:40")
    assert res.exit_code == 2, res.output
    assert "1-16" in res.output


def test_send_program_goes_through_the_panel_numbering():
    """`send --program internal:3` sends the tone to pp 0x22 (the protocol's jobs say where)."""
    from syxkit.devices.base import Options
    from syxkit.devices.casio_cz import protocol

    data = M.tone_message(init_payload(), 1, None)
    pp = CZ.program_option("internal:3", None)
    jobs, _ = protocol.send_jobs(data, Options(program=pp))
    assert [j.program for j in jobs] == [0x22]
    assert identify(Message(jobs[0].message)).program == 0x22


def test_cz_request_counts_as_the_panel(tmp_path):
    a, b = tmp_path / "a.syx", tmp_path / "b.syx"
    assert run("cz", "request", "--program", "internal:1", "--count", "16", "-o", a).exit_code == 0
    assert run("cz", "request", "--program", "0x20", "--count", "16", "-o", b).exit_code == 0
    assert a.read_bytes() == b.read_bytes()
    assert pp_of(a.read_bytes()) == list(range(0x20, 0x30))
    res = run("cz", "request", "--program", "A1", "--model", "CZ-5000", "--count", "32", "-o", a)
    assert res.exit_code == 0 and pp_of(a.read_bytes()) == list(range(0x20, 0x40))
    res = run("cz", "request", "--program", "40", "-o", a)
    assert res.exit_code == 2 and "1-16" in res.output


def test_help_documents_the_cz_numbering():
    for args in (["convert", "--help"], ["cz", "--help"]):
        text = " ".join(run(*args).output.split())
        assert "internal:3" in text and "0x20 = internal 1" in text and "edit-buffer" in text
