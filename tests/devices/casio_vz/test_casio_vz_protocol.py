"""The VZ bulk handshake: host protocols against the emulated VZ, in virtual time (instant and
at 3,125 B/s), with active sensing and every fault, plus one real-time run over a pty."""

import os
import threading
import tty

import pytest
from corpus_files import corpus_path
from hypothesis import given, settings
from hypothesis import strategies as st

from syxkit.core.framing import frame_messages
from syxkit.core.message import Message
from syxkit.devices import registry
from syxkit.devices.base import DeviceError, Options
from syxkit.devices.casio_vz import DEVICE
from syxkit.devices.casio_vz import messages as msg
from syxkit.devices.casio_vz.emulator import VZEmulator, VZOptions, default_memory
from syxkit.devices.casio_vz.protocol import (
    BulkReceive,
    BulkSend,
    FixedPauseSend,
    SinglesSend,
    fixed_pause_protocol,
    plan,
)
from syxkit.devices.casio_vz.sounds import with_name
from syxkit.devices.casio_vz.table import OPMEM, VOICE
from syxkit.emulators.base import Faults
from syxkit.midi.recorder import Recorder
from syxkit.protocols.base import ObjectDone, Progress, TransferError
from syxkit.transfer import engine
from syxkit.transfer.sim import simulate
from syxkit.transfer.transport import FdTransport

RATE = 3125
RATES = [None, RATE]
SIZES = {"voices": 43_094, "voices+opmems": 55_958, "opmems": 8 + 6 + 64 * OPMEM.block + 1 + 7}


def new_voices(tag="N"):
    """64 voices that differ from the emulator's defaults, so a load is visible."""
    voices, _ = default_memory()
    return [with_name(v, f"{tag}EW {k:02d}", VOICE) for k, v in enumerate(voices)]


def vz(**options):
    return DEVICE.emulator(Options(**options))


def receive(**options):
    return DEVICE.backup_protocol(Options(**options))


def send(data, **options):
    return DEVICE.send_protocol(data, Options(**options))


def expected_file(emu, content="voices"):
    voices = emu.voices if "voices" in content else []
    opmems = emu.opmems if "opmems" in content else []
    return msg.bulk_file(voices, opmems, emu.options.channel)


def clean(data):
    dumps = [DEVICE.identify(m) for m in frame_messages(data)]
    return all(not d.problems and d.checksum in ("ok", "none") for d in dumps)


# -- receiving a dump started on the VZ -------------------------------------------------------


@pytest.mark.parametrize("rate", RATES)
@pytest.mark.parametrize("kind,content", [("voices", "voices"), ("opmems", "opmems"),
                                          ("both", "voices+opmems")])
def test_receive_clean(rate, kind, content):
    emu = vz(panel_send=kind)
    r = simulate(receive(), emu, rate=rate)
    assert r.ok, r.error
    [out] = r.result
    assert out.data == expected_file(emu, content) and len(out.data) == SIZES[content]
    assert out.name == f"casio-vz-{content}.syx" and out.notes == []
    assert clean(out.data)
    # The host answered one OK, at once: the VZ did not have to wait out its time-out.
    assert r.device_received == msg.bulk_ok(1)
    assert "OK received: sending" in emu.log
    progress = [e for e in r.events if isinstance(e, Progress)]
    assert progress[-1].bytes_done == progress[-1].bytes_total == SIZES[content]
    assert progress[-1].objects_done == progress[-1].objects_total
    assert [e.data for e in r.events if isinstance(e, ObjectDone)] == [out.data]


def test_receive_64_voices_within_1_10_of_the_wire_floor():
    r = simulate(receive(), vz(panel_send="voices"), rate=RATE)
    floor = 43_094 / RATE
    assert r.ok
    assert floor <= r.seconds <= 1.10 * floor
    assert r.seconds == pytest.approx(floor + 7 / RATE, abs=1e-3)  # plus the OK on the way back


@pytest.mark.parametrize("rate", RATES)
def test_receive_with_active_sensing_and_a_slow_vz(rate):
    emu = vz(panel_send="voices", active_sensing=True, block_delay=0.2)
    r = simulate(receive(), emu, rate=rate)
    assert r.ok and r.result[0].data == expected_file(emu)


def test_receive_answers_on_the_vz_channel():
    emu = vz(panel_send="voices", channel=5)
    r = simulate(receive(), emu)
    assert r.ok and r.device_received == msg.bulk_ok(5)
    assert r.result[0].data == expected_file(emu)


def test_receive_refuses_another_channel_when_one_is_given():
    r = simulate(receive(channel=2), vz(panel_send="voices", channel=5))
    assert not r.ok and "channel 5" in str(r.error) and r.seconds < 0.1


def test_receive_gives_up_after_the_open_wait():
    r = simulate(receive(open_wait=30), vz(active_sensing=True))
    assert not r.ok and r.seconds == pytest.approx(30)
    assert "SAVE -> MIDI" in str(r.error) and "within 30 s" in str(r.error)


def test_receive_ignores_other_traffic_before_the_open():
    host = BulkReceive(open_wait=10)
    host.start(0.0)
    emu = VZEmulator(VZOptions(send_rate=None))
    noise = b"\x90\x3c\x40\xf0\x43\x10\x01\xf7\xfe\x80\x3c\x00"
    emu.start(0.0)
    emu.start_bulk_send("voices")
    stream = emu._step().send
    host.feed(noise + stream[:5], 0.1)
    step = host.feed(stream[5:8], 0.2)
    assert step.send == msg.bulk_ok(1)  # only once the open is complete
    rest = emu.feed(step.send, 0.25).send
    host.feed(rest, 0.3)
    assert host.done and host.error is None
    assert host.result[0].data == expected_file(emu)
    assert "2 other message(s)" not in " ".join(host.result[0].notes)  # one SysEx left out
    assert any("other message" in n for n in host.result[0].notes)


def test_receive_refuses_a_vz8m_total_dump_and_says_so():
    host = BulkReceive()
    host.start(0.0)
    step = host.feed(msg.bulk_open("vz8m-total"), 0.01)
    assert step.send == msg.bulk_error(1)  # the VZ is told to stop
    assert step.done and "VZ-8M total" in str(step.error) and "syxkit receive" in str(step.error)


@st.composite
def chunked(draw):
    """The bulk file cut into random pieces with real-time bytes sprinkled in."""
    data = msg.bulk_file(default_memory()[0])
    cuts = sorted(draw(st.lists(st.integers(1, len(data) - 1), max_size=12, unique=True)))
    pieces = [data[a:b] for a, b in zip([0, *cuts], [*cuts, len(data)], strict=True)]
    sense = draw(st.lists(st.booleans(), min_size=len(pieces), max_size=len(pieces)))
    return data, [p[:1] + b"\xfe" + p[1:] if s else p for p, s in zip(pieces, sense, strict=True)]


@settings(max_examples=25, deadline=None)
@given(chunked())
def test_receive_any_chunking_gives_the_same_file(case):
    data, pieces = case
    host = BulkReceive()
    host.start(0.0)
    answers = b""
    for k, piece in enumerate(pieces):
        answers += host.feed(piece, 0.01 * (k + 1)).send
    assert host.done and host.error is None
    assert host.result[0].data == data
    assert answers == msg.bulk_ok(1)


@settings(max_examples=40, deadline=None)
@given(st.integers(8, 43_093), st.integers(0, 255))
def test_receive_never_reports_success_with_damaged_data(at, value):
    data = bytearray(msg.bulk_file(default_memory()[0]))
    if data[at] == value:
        return
    data[at] = value
    host = BulkReceive(timeout=1.0)
    host.start(0.0)
    host.feed(bytes(data), 0.1)
    if not host.done:
        host.tick(5.0)
    assert host.done
    if host.error is None:  # only a damaged close can be survived, and it is not kept
        assert host.result[0].data[:-7] == bytes(data[:-7])
        assert clean(host.result[0].data)


def faults_matrix():
    return [
        Faults(stall_after=0), Faults(stall_after=5), Faults(stall_after=3000),
        Faults(drop_handshake=0), Faults(drop_handshake=1),
        Faults(corrupt_byte=0), Faults(corrupt_byte=5), Faults(corrupt_byte=6),
        Faults(corrupt_byte=20), Faults(corrupt_byte=8 + 6 + 672),  # a nibble, a checksum byte
        Faults(corrupt_byte=8 + 43_078), Faults(corrupt_byte=43_090),  # the data's F7, the close
        Faults(reset_after=3), Faults(reset_after=2000), Faults(reset_after=43_090),
    ]


@pytest.mark.parametrize("rate", RATES)
@pytest.mark.parametrize("sensing", [False, True])
@pytest.mark.parametrize("fault", range(len(faults_matrix())))
def test_receive_with_each_fault(rate, sensing, fault):
    faults = faults_matrix()[fault]
    emu = vz(panel_send="voices", faults=faults, active_sensing=sensing)
    r = simulate(receive(open_wait=20, timeout=1.5), emu, rate=rate)
    if r.ok:
        [out] = r.result
        assert out.data == expected_file(emu)
        assert clean(out.data)
    else:
        text = str(r.error)
        assert text.startswith("casio-vz: ") and "waiting for" in text and "received so far" in text
        # fails within its time-out: the open wait, or the data gap after the last byte
        assert r.seconds <= 20 + 1e-6 or r.seconds <= 43_094 / RATE + 1.5 + 1e-6


def test_receive_fault_outcomes_are_the_right_ones():
    def run(**f):
        return simulate(receive(open_wait=20, timeout=1.5), vz(panel_send="voices",
                                                                faults=Faults(**f)))

    r = run(drop_handshake=0)  # the open is lost: the VZ sends anyway after its time-out
    assert r.ok and "open did not arrive" in r.result[0].notes[0]
    r = run(drop_handshake=1)  # the close is lost: the checked data is kept
    assert r.ok and "close did not arrive" in r.result[0].notes[0]
    r = run(stall_after=3000)
    assert not r.ok and r.error.step == "data" and len(r.error.received) == 3000
    assert r.seconds == pytest.approx(3000 / RATE + 1.5, abs=0.05)
    r = run(corrupt_byte=8 + 6 + 672)
    assert not r.ok and "damaged" in str(r.error) and "checksum" in str(r.error)
    r = run(reset_after=2000)
    assert not r.ok and r.error.step == "data"


def test_recorder_answers_through_the_driver():
    """`syxkit receive` records the dump raw and answers the open with the driver's answer()."""
    emu = vz(panel_send="both", active_sensing=True)
    rec = Recorder(quiet=1.0, first_wait=5, answer=DEVICE.answer)
    r = simulate(rec, emu, rate=RATE)
    assert r.ok and r.result == expected_file(emu, "voices+opmems")
    assert rec.answers == [msg.bulk_ok(1)] and "OK received: sending" in emu.log


def test_answer():
    assert DEVICE.answer(msg.bulk_open("voices", 3)) == msg.bulk_ok(3)
    vz8m = bytes.fromhex("F0 44 03 02 71 70 03 F7")
    assert DEVICE.answer(vz8m) == bytes.fromhex("F0 44 03 02 71 72 F7")
    assert DEVICE.answer(msg.bulk_close()) is None
    assert DEVICE.answer(msg.bulk_open("voices")[:-2] + b"\xf7") is None  # no content byte
    assert DEVICE.answer(b"\xf0\x43\x10\x70\x70\x00\xf7") is None
    assert registry.get("casio-vz").answer(msg.bulk_open("opmems")) == msg.bulk_ok(1)


def test_request_is_refused_with_what_works_instead():
    with pytest.raises(DeviceError, match="no dump request") as exc:
        DEVICE.request_protocol("voice:0", Options())
    assert "syxkit receive" in str(exc.value) and "SAVE -> MIDI" in str(exc.value)


# -- sending to the VZ ------------------------------------------------------------------------


@pytest.mark.parametrize("rate", RATES)
def test_send_bulk_clean(rate):
    voices = new_voices()
    emu = vz()
    r = simulate(send(msg.bulk_file(voices)), emu, rate=rate)
    assert r.ok, r.error
    assert emu.voices == voices and emu.loads == 1
    assert r.result["confirmed"] and r.result["answer"] == "ok"
    # Exactly what was meant: our open, the file's data, the close.
    assert r.device_received == msg.bulk_file(voices)
    # 64-byte packets, each followed by 10 ms: about 20 s, as users report for a real VZ.
    packets = -(-43_079 // 64) + 1
    busy = (8 + 7) / RATE + (43_079 + 7) / RATE + packets * 0.010
    assert r.seconds == pytest.approx(busy + 0.3, rel=0.01)
    assert 19 < r.seconds < 22
    progress = [e for e in r.events if isinstance(e, Progress)]
    assert progress[-1].bytes_done == progress[-1].bytes_total == 43_094
    assert progress[-1].objects_done == 64


def test_send_voices_and_opmems_with_active_sensing():
    voices, opmems = new_voices(), [with_name(o, "X", OPMEM) for o in default_memory()[1]]
    emu = vz(active_sensing=True)
    r = simulate(send(msg.bulk_file(voices, opmems)), emu)
    assert r.ok and emu.voices == voices and emu.opmems == opmems


def test_send_data_message_alone_gets_the_handshake():
    voices = new_voices()
    emu = vz()
    r = simulate(send(msg.bulk_data(voices)), emu)
    assert r.ok and emu.voices == voices and r.device_received == msg.bulk_file(voices)


@pytest.mark.parametrize("size,gap,ok", [
    (64, 0.010, True), (64, 0.006, True), (64, 0.0, False), (64, 0.002, False),
    (0, 0.0, False),  # the whole dump at once: the VZ's "MIDI error"
    (256, 0.006, False), (256, 0.030, True), (16, 0.0015, True),
])
def test_packet_size_and_gap_decide_whether_the_vz_keeps_up(size, gap, ok):
    voices = new_voices()
    emu = vz()
    r = simulate(send(msg.bulk_file(voices), packet_size=size, packet_gap=gap), emu, rate=RATE)
    assert r.ok is ok
    if ok:
        assert emu.voices == voices
    else:
        assert "ERROR (73)" in str(r.error) and "--packet-size" in str(r.error)
        assert emu.voices != voices and any("overflow" in e for e in emu.errors)


def test_the_buffer_model_can_be_switched_off():
    voices = new_voices()
    emu = vz(rx_buffer=0)
    r = simulate(send(msg.bulk_file(voices), packet_size=0), emu, rate=RATE)
    assert r.ok and emu.voices == voices
    assert r.seconds == pytest.approx(43_094 / RATE + 7 / RATE + 0.3, rel=0.01)


@pytest.mark.parametrize("setting,why", [({"memory_protect": True}, "memory protect"),
                                         ({"load_type": "opmems"}, "LOAD -> MIDI")])
def test_send_refused_at_the_open(setting, why):
    emu = vz(**setting)
    r = simulate(send(msg.bulk_file(new_voices())), emu)
    assert not r.ok and r.error.step == "open" and why in str(r.error)
    assert r.host_to_device == 8  # nothing after the open
    assert emu.voices == default_memory()[0]


@pytest.mark.parametrize("rate", RATES)
def test_send_without_an_ok_carries_on_like_other_editors(rate):
    voices = new_voices()
    emu = vz(faults=Faults(drop_handshake=0))
    r = simulate(send(msg.bulk_file(voices), timeout=0.5), emu, rate=rate)
    assert r.ok and emu.voices == voices  # the VZ had answered; only its OK was lost
    assert r.result["confirmed"] is False and "no OK within 0.5 s" in r.result["notes"][0]


def test_send_requiring_an_ok_fails_within_its_time_out():
    emu = vz(faults=Faults(stall_after=0))
    r = simulate(send(msg.bulk_file(new_voices()), timeout=0.5, require_ok=True), emu)
    assert not r.ok and r.error.step == "open" and "no answer within 0.5 s" in str(r.error)
    assert r.seconds == pytest.approx(8 / RATE + 0.5)


@pytest.mark.parametrize("rate", RATES)
@pytest.mark.parametrize("faults", [Faults(stall_after=0), Faults(stall_after=4),
                                    Faults(drop_handshake=0), Faults(drop_handshake=1),
                                    Faults(corrupt_byte=0), Faults(corrupt_byte=5),
                                    Faults(reset_after=3)])
@pytest.mark.parametrize("sensing", [False, True])
def test_send_with_each_fault(rate, faults, sensing):
    """Either the VZ took exactly the data (and the summary says whether that is confirmed),
    or the transfer failed clearly; a confirmed send always means the data is in memory."""
    voices = new_voices()
    emu = vz(faults=faults, active_sensing=sensing)
    r = simulate(send(msg.bulk_file(voices), timeout=0.5), emu, rate=rate)
    if r.ok:
        assert r.result["confirmed"] is (r.result["answer"] == "ok")
        if r.result["confirmed"]:
            assert emu.voices == voices
        else:
            assert emu.voices in (voices, default_memory()[0])
            assert "no OK" in r.result["notes"][0]
    else:
        assert str(r.error).startswith("casio-vz: ")
    assert r.seconds < 25


def test_send_on_another_channel():
    voices = new_voices()
    emu = vz(channel=3)
    r = simulate(send(msg.bulk_file(voices), timeout=0.3), emu)
    assert r.ok and r.result["confirmed"] is False and emu.voices != voices
    assert any("TRANS ERROR" in e for e in emu.errors)
    emu = vz(channel=3)
    r = simulate(send(msg.bulk_file(voices), channel=3), emu)
    assert r.ok and r.result["confirmed"] and emu.voices == voices


def test_fixed_pause_sender_is_deaf():
    data = msg.bulk_file(new_voices())
    listening = simulate(send(data), vz())
    fixed = simulate(fixed_pause_protocol(data, Options()), vz())
    assert listening.ok and fixed.ok
    assert fixed.seconds - listening.seconds == pytest.approx(0.5 - (8 + 7) / RATE, abs=0.01)
    assert isinstance(send(data, form="paced"), FixedPauseSend)
    refused = vz(memory_protect=True)
    r = simulate(FixedPauseSend(msg.bulk_data(new_voices()), "voices"), refused)
    assert r.ok and r.result["confirmed"] is False  # it cannot know the VZ said no
    assert refused.voices == default_memory()[0]


# -- single voices and op-mems ----------------------------------------------------------------


@pytest.mark.parametrize("rate", RATES)
def test_send_singles_paced(rate):
    voices = new_voices("S")[:3]
    opmem = default_memory()[1][7]
    data = b"".join(msg.voice_message(v) for v in voices) + msg.opmem_message(opmem)
    peer = send(data)
    assert isinstance(peer, SinglesSend)
    emu = vz()
    r = simulate(peer, emu, rate=rate)
    assert r.ok and r.device_received == data
    assert emu.edit_voice == voices[-1] and emu.edit_opmem == opmem
    assert r.result["messages"] == 4 and "only the last stays" in r.result["notes"][0]
    packets = sum(-(-len(m.data) // 64) for m in frame_messages(data))
    assert r.seconds == pytest.approx(len(data) / RATE + packets * 0.010 + 0.3, rel=0.01)


@given(st.integers(1, 16), st.integers(0, 63))
@settings(max_examples=10, deadline=None)
def test_edit_area_reports_the_last_single_voice_and_leaves_memory_alone(channel, pick):
    # what `syxkit emulate` prints when stopped: the edit area as single messages on the VZ's
    # channel (no MIDI request reads it back from a VZ); memory slots untouched
    emu = vz(channel=channel)
    assert emu.edit_area() == b""
    before = (list(emu.voices), list(emu.opmems))
    voices = new_voices("E")
    data = msg.voice_message(voices[pick], channel) + msg.voice_message(voices[63 - pick], channel)
    r = simulate(send(data), emu, rate=RATES[0])
    assert r.ok
    (dump,) = [DEVICE.identify(m) for m in frame_messages(emu.edit_area())]
    assert dump.kind == "voice" and dump.channel == channel
    assert bytes(dump.payload) == voices[63 - pick]
    assert (emu.voices, emu.opmems) == before


def test_singles_back_to_back_overflow_the_vz():
    data = b"".join(msg.voice_message(v) for v in new_voices()[:3])
    r = simulate(send(data, packet_size=0, packet_gap=0.0), vz())
    assert not r.ok and "ERROR (73)" in str(r.error)
    one = simulate(send(msg.voice_message(new_voices()[0]), packet_size=0, packet_gap=0.0), vz())
    assert one.ok  # a single voice at full speed fits the buffer


def test_single_with_bad_checksum_is_not_sent():
    bad = bytearray(msg.voice_message(new_voices()[0]))
    bad[-2] ^= 1
    with pytest.raises(DeviceError, match="syxkit fix"):
        send(bytes(bad))


# -- what send refuses ------------------------------------------------------------------------


def test_plan_refusals():
    with pytest.raises(DeviceError, match="no VZ message"):
        plan(b"\xf0\x43\x00\xf7")
    with pytest.raises(DeviceError, match="only handshake"):
        plan(msg.bulk_open() + msg.bulk_close())
    with pytest.raises(DeviceError, match="announces opmems"):
        plan(msg.bulk_open("opmems") + msg.bulk_data(new_voices()) + msg.bulk_close())
    bulk = msg.bulk_data(new_voices())
    with pytest.raises(DeviceError, match="one bulk dump at a time"):
        plan(bulk + bulk)
    with pytest.raises(DeviceError, match="damaged"):
        plan(bulk[:-100] + b"\xf7")
    with pytest.raises(DeviceError, match="packet size"):
        send(bulk, packet_size=-1)
    with pytest.raises(DeviceError, match="packet gap"):
        send(bulk, packet_gap=-0.5)
    assert plan(bulk, channel=9).messages[0][4] == 0x78
    with pytest.raises(DeviceError, match="VZ-8M total"):
        plan(bytes.fromhex("F0 44 03 02 70 70 03 F7 F0 44 03 02 70 74 01 02 F7"))


def test_an_overflow_while_the_vz_sends_does_not_stop_its_save():
    emu = VZEmulator(VZOptions(panel_send="voices"))  # sends at wire speed
    out = emu.start(0.0).send
    out += emu.feed(msg.bulk_ok(), 0.01).send
    out += emu.feed(bytes(2000), 1.0).send  # a flood while it sends
    out += emu.tick(20.0).send
    assert out.count(msg.bulk_error()) == 1
    assert out.replace(msg.bulk_error(), b"", 1) == msg.bulk_file(emu.voices)
    assert any("overflow" in e for e in emu.errors)


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=300))
def test_plan_never_crashes(data):
    try:
        p = plan(b"\xf0\x44\x03\x00" + data)
    except DeviceError as exc:
        assert str(exc).startswith("casio-vz: ")
    else:
        assert p.messages


# -- the emulator itself ----------------------------------------------------------------------


def test_default_memory_is_valid_and_distinct():
    emu = vz()
    data = emu.save()
    assert len(data) == 55_958 and clean(data)
    assert len(set(emu.voices)) == 64 and len(set(emu.opmems)) == 64


def test_memory_from_dumps_and_dos_files():
    voices = new_voices("M")
    dumps = [DEVICE.identify(m) for m in frame_messages(msg.bulk_file(voices))]
    emu = vz(memory=dumps)
    assert emu.voices == voices and emu.save()[8 : 8 + 6] == msg.bulk_data(voices)[:6]
    path = corpus_path("vz", "dos_files", "PBANK1.P64")
    records = DEVICE.read_foreign(path.read_bytes(), str(path))
    emu = vz(memory=[DEVICE.identify(m) for m in records])
    assert emu.voices == [DEVICE.identify(m).payload for m in records]
    r = simulate(receive(), DEVICE.emulator(Options(memory=[DEVICE.identify(m) for m in records],
                                                    panel_send="voices")))
    assert r.ok and r.result[0].data == msg.bulk_file(emu.voices)


def test_memory_refusals():
    bulk = [DEVICE.identify(m) for m in frame_messages(msg.bulk_file(new_voices()))]
    with pytest.raises(DeviceError, match="more than 64 voices"):
        vz(memory=bulk + bulk)
    bad = bytearray(msg.voice_message(new_voices()[0]))
    bad[-2] ^= 1
    with pytest.raises(DeviceError, match="cannot be loaded"):
        vz(memory=[DEVICE.identify(Message(bytes(bad), source="x.syx"))])
    with pytest.raises(DeviceError, match="panel send"):
        vz(panel_send="everything")
    with pytest.raises(DeviceError, match="load type"):
        vz(load_type="samples")
    with pytest.raises(DeviceError, match="model"):
        vz(model="CZ-101")


def test_emulator_stops_a_save_on_error():
    emu = VZEmulator(VZOptions(send_rate=None))
    emu.start(0.0)
    emu.start_bulk_send("voices")
    assert emu._step().send == msg.bulk_open("voices")
    step = emu.feed(msg.bulk_error(), 0.01)
    assert step.send == b"" and emu.state == "idle"
    assert emu.tick(5.0).send == b""  # its OK time-out no longer sends anything


def test_panel_dump_is_the_clis_button():
    emu = vz(send_rate=0, ok_wait=0.2)
    emu.start(0.0)
    emu.panel_dump()
    assert emu._step().send == msg.bulk_open("voices")
    assert emu.tick(0.2).send == msg.bulk_data(emu.voices) + msg.bulk_close()


def test_wrong_data_after_an_ok_is_refused_by_the_emulator():
    emu = VZEmulator()
    emu.start(0.0)
    emu.feed(msg.bulk_open("voices"), 0.1)
    data = bytearray(msg.bulk_data(new_voices()))
    data[100] ^= 1
    step = emu.feed(bytes(data[:60]), 1.0)
    for k in range(60, len(data), 64):
        step = emu.feed(bytes(data[k : k + 64]), 1.0 + k / 1000)
        if step.send:
            break
    assert msg.bulk_error() in step.send and emu.voices == default_memory()[0]


# -- real time, over a pty and over pipes -----------------------------------------------------


def _serve(emu, transport):
    stop = threading.Event()
    t = threading.Thread(target=engine.serve, args=(emu, transport), kwargs={"stop": stop},
                         daemon=True)
    t.start()
    return stop, t


def test_real_time_receive_over_a_pty():
    master, slave = os.openpty()
    tty.setraw(master)
    tty.setraw(slave)
    emu = vz(panel_send="both", send_rate=0, active_sensing=True)
    stop, t = _serve(emu, FdTransport(slave, slave))
    events = []
    try:
        result = engine.run(receive(open_wait=5, timeout=2), FdTransport(master, master, owns=False),
                            on_event=events.append)
    finally:
        stop.set()
        t.join(2)
        os.close(master)
    assert result[0].data == expected_file(emu, "voices+opmems")
    assert "OK received: sending" in emu.log
    assert any(isinstance(e, ObjectDone) for e in events)


def test_real_time_send_over_pipes():
    to_vz_r, to_vz_w = os.pipe()
    to_host_r, to_host_w = os.pipe()
    emu = vz()
    stop, t = _serve(emu, FdTransport(to_vz_r, to_host_w))
    voices = new_voices("P")[:2]
    data = b"".join(msg.voice_message(v) for v in voices)
    try:
        # Paced for real: 64-byte packets, each waiting its wire time plus the gap (~0.6 s).
        summary = engine.run(send(data, settle=0.1), FdTransport(to_host_r, to_vz_w))
    finally:
        stop.set()
        t.join(2)
        for fd in (to_vz_r, to_host_w):
            os.close(fd)
    assert summary["messages"] == 2 and emu.edit_voice == voices[-1] and not emu.errors


def test_real_time_failure_keeps_what_arrived(tmp_path):
    master, slave = os.openpty()
    tty.setraw(master)
    tty.setraw(slave)
    emu = vz(panel_send="voices", send_rate=0, faults=Faults(stall_after=1000))
    stop, t = _serve(emu, FdTransport(slave, slave))
    try:
        with pytest.raises(TransferError) as exc:
            engine.run(receive(open_wait=5, timeout=0.3), FdTransport(master, master, owns=False),
                       recovery_dir=tmp_path)
    finally:
        stop.set()
        t.join(2)
        os.close(master)
    [saved] = list(tmp_path.iterdir())
    assert saved.read_bytes() == expected_file(emu)[:1000] and str(saved) in str(exc.value)


def test_bulk_send_class_directly():
    peer = BulkSend(msg.bulk_data(new_voices()), "voices", packet_size=1024, packet_gap=0.4)
    emu = vz()
    r = simulate(peer, emu)
    assert r.ok and emu.voices == new_voices()
