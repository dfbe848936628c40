"""The MIDI layer's pure parts: cutting byte streams into whole messages, port matching, the
inbox between threads, the panel-dump recorder (in virtual time), and the commands' errors."""

from __future__ import annotations

import json
import os

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from livetoy import CLOSE, OK, OPEN, SLOTS, ToyEmulator, default_tone, tone_message

from syxkit.cli import cli
from syxkit.cli.live import _file_name
from syxkit.emulators.base import EmulatorOptions
from syxkit.midi import open_port
from syxkit.midi.assembler import MessageAssembler
from syxkit.midi.inbox import Inbox
from syxkit.midi.ports import BackendReport, PortError, PortInfo, match, pick
from syxkit.midi.recorder import Recorder
from syxkit.transfer.sim import simulate
from syxkit.transfer.transport import TransportClosed


# -- MessageAssembler ------------------------------------------------------------------------------
def test_open_sysex_is_held_until_f7():
    a = MessageAssembler()
    assert a.feed(b"\xf0\x44\x00\x00\x70\x10\x20") == []
    assert a.pending == b"\xf0\x44\x00\x00\x70\x10\x20"
    assert a.feed(b"\x70\x31") == []
    assert a.feed(b"\xf7") == [b"\xf0\x44\x00\x00\x70\x10\x20\x70\x31\xf7"]
    assert a.pending == b""


def test_realtime_goes_out_at_once_even_inside_sysex():
    a = MessageAssembler()
    assert a.feed(b"\xf0\x01\xfe\x02\xf8\xf7") == [b"\xfe", b"\xf8", b"\xf0\x01\x02\xf7"]


def test_running_status_and_short_messages():
    a = MessageAssembler()
    assert a.feed(b"\x90\x3c\x40\x3e\x40\xc0\x05\x06\xf6") == [
        b"\x90\x3c\x40", b"\x90\x3e\x40", b"\xc0\x05", b"\xc0\x06", b"\xf6"]


def test_unsendable_bytes_are_counted_not_lost():
    a = MessageAssembler()
    assert a.feed(b"\x70\x31") == []  # a bare handshake: no status byte before it
    assert bytes(a.dropped) == b"\x70\x31"
    assert a.feed(b"\x90\x3c\xb0\x07\x64") == [b"\xb0\x07\x64"]  # note-on cut short by a status
    assert bytes(a.dropped).endswith(b"\x90\x3c")


def test_status_byte_ends_an_unterminated_sysex():
    a = MessageAssembler()
    assert a.feed(b"\xf0\x01\x02\x90\x3c\x40") == [b"\xf0\x01\x02", b"\x90\x3c\x40"]


_messages = st.one_of(
    st.builds(lambda body: b"\xf0" + bytes(body) + b"\xf7", st.lists(st.integers(0, 0x7F), max_size=40)),
    st.builds(lambda s, a, b: bytes([s, a, b]), st.sampled_from([0x80, 0x93, 0xAF, 0xB0, 0xE2]),
              st.integers(0, 0x7F), st.integers(0, 0x7F)),
    st.builds(lambda s, a: bytes([s, a]), st.sampled_from([0xC0, 0xDF, 0xF1, 0xF3]), st.integers(0, 0x7F)),
    st.sampled_from([b"\xf6", b"\xf8", b"\xfe", b"\xfa"]),
)


@settings(max_examples=150, deadline=None)
@given(st.lists(_messages, max_size=12), st.lists(st.integers(1, 50), min_size=1, max_size=20))
def test_any_chunking_gives_back_the_same_messages(messages, cuts):
    stream = b"".join(messages)
    a = MessageAssembler()
    out, k, i = [], 0, 0
    while k < len(stream):
        n = cuts[i % len(cuts)]
        out += a.feed(stream[k : k + n])
        k, i = k + n, i + 1
    assert out == messages
    assert a.pending == b"" and not a.dropped


# -- port matching -------------------------------------------------------------------------------
def _report() -> BackendReport:
    names = ["toyemu:out", "toyemu2:out", "system:midi_capture_1"]
    ins = [PortInfo("jack", i, n, "in") for i, n in enumerate(names)]
    outs = [PortInfo("jack", 0, "toyemu:in", "out", "a2j:UM-ONE")]
    return BackendReport("jack", "JACK", True, True, True, "", ins, outs)


def test_match_by_number_name_client_and_part():
    r = _report()
    assert [p.name for p in match(r.inputs, "1")] == ["toyemu2:out"]
    assert [p.name for p in match(r.inputs, "toyemu:out")] == ["toyemu:out"]
    assert [p.name for p in match(r.inputs, "toyemu")] == ["toyemu:out"]  # client beats part
    assert [p.name for p in match(r.inputs, "CAPTURE")] == ["system:midi_capture_1"]
    assert [p.name for p in match(r.outputs, "um-one")] == ["toyemu:in"]  # aliases count
    assert match(r.inputs, "9") == []


def test_pick_refuses_ambiguous_names():
    with pytest.raises(PortError, match="matches several inputs .*'toyemu:out', 'toyemu2:out'"):
        pick(_report(), "out", "in")
    assert pick(_report(), None, "in") is None


def test_open_port_needs_a_port():
    with pytest.raises(PortError, match="no port given"):
        open_port(None)


# -- Inbox ---------------------------------------------------------------------------------------
def test_inbox_gathers_pieces_and_reports_close_after_data():
    box = Inbox()
    assert box.read(0) == b""
    box.put(b"\xf0\x01")
    box.put(b"\x02")
    box.close("gone")
    assert box.read(0.1) == b"\xf0\x01\x02"
    with pytest.raises(TransportClosed, match="gone"):
        box.read(0.1)


# -- Recorder (receive) --------------------------------------------------------------------------
def _panel_emulator(**kw) -> ToyEmulator:
    emu = ToyEmulator(EmulatorOptions(**kw))
    emu.panel_dump()  # the user pressed SAVE -> MIDI before the host started listening
    return emu


def _answer(message: bytes):
    return OK if message == OPEN else None


def test_recorder_answers_the_bulk_open_and_stops_when_quiet():
    r = simulate(Recorder(quiet=0.5, answer=_answer), _panel_emulator())
    assert r.ok
    tones = b"".join(tone_message(s, default_tone(s)) for s in range(SLOTS))
    assert r.result == OPEN + tones + CLOSE
    assert r.seconds == pytest.approx((len(OPEN) + len(OK) + len(tones) + len(CLOSE)) / 3125 + 0.5)


def test_recorder_leaves_active_sensing_out_and_counts_it():
    rec = Recorder(quiet=0.5, answer=_answer)
    r = simulate(rec, _panel_emulator(active_sensing=True))
    assert r.ok and 0xFE not in r.result and rec.realtime > 0
    assert rec.messages == SLOTS + 2


def test_recorder_without_answer_sees_the_device_give_up():
    r = simulate(Recorder(quiet=0.5), _panel_emulator())
    assert r.ok and r.result == OPEN  # no OK: the toy sends nothing more, like a VZ


def test_recorder_first_wait_times_out_clearly():
    r = simulate(Recorder(quiet=0.5, first_wait=2.0), ToyEmulator(EmulatorOptions()))
    assert not r.ok and "nothing arrived within 2 s" in str(r.error)


# -- commands: errors and names -------------------------------------------------------------------
def test_ports_without_jack_server_says_why(monkeypatch):
    monkeypatch.setenv("JACK_DEFAULT_SERVER", f"syxkit-none-{os.getpid()}")
    res = CliRunner().invoke(cli, ["ports", "--json"])
    assert res.exit_code == 0, res.output
    reports = {r["backend"]: r for r in json.loads(res.stdout)}
    assert not reports["jack"]["available"] and "no JACK server" in reports["jack"]["reason"]
    if not os.path.exists("/dev/snd/seq"):
        assert "/dev/snd/seq" in reports["alsa"]["reason"]
    for r in reports.values():
        assert r["available"] or r["reason"]


def test_emulate_rejects_a_bad_fault(toy_device):
    res = CliRunner().invoke(cli, ["emulate", "live-toy", "--port", "x", "--fault", "boom:1"])
    assert res.exit_code == 2 and "expected one of stall:N" in res.output


def test_request_unknown_device_is_a_usage_error():
    res = CliRunner().invoke(cli, ["request", "no-such", "tone:1", "-o", "x.syx", "--port", "x"])
    assert res.exit_code == 2 and "unknown device" in res.output


def test_request_unknown_object_is_refused_before_any_io(toy_device, tmp_path):
    link = tmp_path / "dev"
    from syxkit.midi.rawmidi import open_pty

    device, _ = open_pty(str(link))
    try:
        res = CliRunner().invoke(cli, ["request", "live-toy", "bank:9", "--port", str(link),
                                       "-o", str(tmp_path / "x.syx")])
    finally:
        device.close()
    assert res.exit_code == 2 and "cannot request 'bank:9'" in res.output  # a usage error


def test_object_file_names_are_safe():
    assert _file_name("tone 1/A") == "tone-1-A.syx"
    assert _file_name("../../etc/passwd") == "etc-passwd.syx"
    assert _file_name("kit-12.syx") == "kit-12.syx"
    assert _file_name("") == "object.syx"
