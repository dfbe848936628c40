"""RZ-1 host protocols against the emulated RZ-1: the real capture replayed byte for byte,
every fault, active sensing, flooding, the send direction, and one run in real time."""

from __future__ import annotations

import os
import threading
import tty

import pytest
from corpus_files import corpus_path
from hypothesis import given, settings
from hypothesis import strategies as st

from syxkit.core.framing import frame
from syxkit.devices.base import DeviceError, Options, Unsupported
from syxkit.devices.casio_rz1 import DEVICE, build
from syxkit.devices.casio_rz1 import protocol as P
from syxkit.devices.casio_rz1 import table as t
from syxkit.devices.casio_rz1.emulator import (
    RZ1Emulator,
    default_rhythm_ram,
    default_sample_ram,
    memory_from_bytes,
)
from syxkit.emulators.base import EmulatorOptions, Faults
from syxkit.protocols.base import ObjectDone, Progress
from syxkit.transfer import engine
from syxkit.transfer.sim import simulate
from syxkit.transfer.transport import FdTransport

RATE = 3125
ACK = build.ack(1)


def capture_files():
    device = corpus_path("rz1", "rz1_sample_dump_from_device.bin").read_bytes()
    host = corpus_path("rz1", "rz1_sample_dump_host_side.bin").read_bytes()
    return device, host


def emu(**kw) -> RZ1Emulator:
    options = EmulatorOptions(active_sensing=kw.pop("active_sensing", False),
                              block_delay=kw.pop("block_delay", 0.0),
                              faults=kw.pop("faults", Faults()))
    return RZ1Emulator(options, **kw)


def loadable_of(emulator: RZ1Emulator, ram: t.Ram, channel: int = 1) -> bytes:
    return build.loadable(emulator.memory[ram.name], channel, ram)


# --- REQUIRED: the real capture, replayed ---------------------------------------------------

@pytest.mark.parametrize("header_on", ["ack", "request"])
@pytest.mark.parametrize("rate", [RATE, None])
def test_emulator_replays_the_real_capture_byte_for_byte(header_on, rate):
    device_side, host_side = capture_files()
    rz1 = emu(memory=memory_from_bytes(device_side), header_on=header_on)
    host = DEVICE.request_protocol("sample-ram", Options())
    r = simulate(host, rz1, rate=rate)
    assert r.ok, r.error
    # The device side, byte for byte: reply header, 128 blocks, 127 x 70 32, F7.
    assert bytes(host.received) == device_side
    # The host side: the same request, then 7n 31 exactly once per 70 32 plus the first one
    # sent right after the request (1 + 127 = 128), then F7. The capture holds 130 acks: its
    # host sent a prepared list of 70 31 about every 271 ms without watching for the RZ-1's F7,
    # so the last two went out after the dump had ended (the first of them did the job of our
    # F7, bringing the RZ-1 out of MIDI SEND mode; the second fell on an idle RZ-1).
    request = build.send_sample_request(1)
    assert host_side.startswith(request) and host_side[len(request):] == ACK * 130
    assert r.host_sent == host_side[:len(request) + 2 * 128] + build.END
    assert r.host_sent.count(ACK) == 128
    # What we saved is the loadable form of exactly that RAM.
    [out] = r.result
    dump = DEVICE.identify(frame(out.data).messages[0])
    assert dump.kind == "sample-dump" and dump.details["form"] == "loadable" and not dump.problems
    assert dump.payload == rz1.memory["sample"] == memory_from_bytes(device_side)["sample"]
    assert out.data == build.loadable(dump.payload, 1)


def test_capture_wire_time_is_close_to_the_floor():
    device_side, _ = capture_files()
    r = simulate(P.Fetch(["sample"]), emu(memory=memory_from_bytes(device_side)), rate=RATE)
    floor = len(device_side) / RATE  # 10.57 s: the RZ-1's bytes alone
    assert r.ok and floor <= r.seconds <= 1.01 * floor
    # The capture itself took 128 x ~271 ms = ~34.7 s (its host paced acks by a timer).
    timed = simulate(P.FixedPauseFetch(["sample"], interval=0.271), emu(memory=memory_from_bytes(device_side)))
    assert timed.ok and 127 * 0.271 < timed.seconds < 127 * 0.271 + 0.2


# --- fetch, backup ----------------------------------------------------------------------------

def test_instant_device_and_line_take_no_time():
    rz1 = emu(uart_rate=None)
    r = simulate(P.Fetch(["rhythm"]), rz1, rate=None)
    assert r.ok and r.seconds == 0
    assert r.result[0].data == loadable_of(rz1, t.RHYTHM)


@pytest.mark.parametrize("rate", [RATE, None])
def test_backup_is_sample_then_rhythm_with_progress(rate):
    rz1 = emu()
    r = simulate(DEVICE.backup_protocol(Options(channel=5)), emu(channel=5), rate=rate)
    assert r.ok, r.error
    assert [o.name for o in r.result] == ["rz1-sample-ram.syx", "rz1-rhythm-ram.syx"]
    assert [o.data for o in r.result] == [loadable_of(rz1, t.SAMPLE, 5), loadable_of(rz1, t.RHYTHM, 5)]
    done = [e for e in r.events if isinstance(e, ObjectDone)]
    assert [d.data for d in done] == [o.data for o in r.result]
    progress = [e for e in r.events if isinstance(e, Progress)]
    total = t.SAMPLE.capture_length + t.RHYTHM.capture_length
    assert all(p.bytes_total == total and p.objects_total == 2 for p in progress)
    assert [p.bytes_done for p in progress] == sorted(p.bytes_done for p in progress)
    assert progress[-1].bytes_done == total and progress[-1].objects_done == 1
    if rate:
        floor = total / RATE
        assert floor <= r.seconds <= 1.10 * floor


def test_active_sensing_anywhere_is_ignored():
    device_side, _ = capture_files()
    rz1 = emu(memory=memory_from_bytes(device_side), active_sensing=True, block_delay=0.35)
    host = P.Fetch(["sample"])
    r = simulate(host, rz1)
    assert r.ok and r.result[0].data == build.loadable(rz1.memory["sample"], 1)
    assert 0xFE in host.received  # sensing did arrive, inside the open SysEx
    assert bytes(b for b in host.received if b != 0xFE) == device_side


def test_block_delay_is_waited_for_not_flooded():
    rz1 = emu(block_delay=0.5)
    r = simulate(P.Fetch(["rhythm"]), rz1)
    assert r.ok
    assert r.seconds >= 60 * 0.5
    assert not any("stopped early" in line for line in rz1.log)


# --- faults: complete with the right data, or a clear error in time; never hang ------------

FAULTS = [Faults(stall_after=n) for n in (0, 3, 1000, 15_400)] + \
         [Faults(drop_handshake=n) for n in (0, 1, 59)] + \
         [Faults(corrupt_byte=n) for n in (1, 5, 6, 262, 263, 15_484)] + \
         [Faults(reset_after=n) for n in (0, 4, 300, 15_484)]


@pytest.mark.parametrize("rate", [RATE, None])
@pytest.mark.parametrize("faults", FAULTS, ids=repr)
def test_fetch_with_a_fault(faults, rate):
    rz1 = emu(faults=faults, active_sensing=True)
    r = simulate(P.Fetch(["rhythm"], timeout=1.0), rz1, rate=rate)
    if r.ok:  # a fault past the end of the dump
        assert r.result[0].data == loadable_of(rz1, t.RHYTHM)
        return
    text = str(r.error)
    assert text.startswith("casio-rz1: ") and "waiting for" in text and "received so far" in text
    assert r.result is None
    # Fails at the first bad byte, or within one time-out of the last good one.
    assert r.seconds <= t.RHYTHM.capture_length / RATE + 60 * 4 / RATE + 1.0 + 0.01


# Output bytes 0-33,028 are the sample dump; handshakes 0-127 its header and pairs.
@pytest.mark.parametrize("faults", [Faults(stall_after=40_000), Faults(reset_after=33_100),
                                    Faults(corrupt_byte=33_040), Faults(drop_handshake=130)], ids=repr)
def test_backup_fault_in_the_second_dump(faults):
    r = simulate(P.Fetch(["sample", "rhythm"], timeout=0.5), emu(faults=faults))
    assert not r.ok and "rhythm RAM" in r.error.step
    # The finished sample dump was announced before the failure (a cut backup keeps it).
    assert [e.name for e in r.events if isinstance(e, ObjectDone)] == ["rz1-sample-ram.syx"]


def test_errors_name_what_went_wrong():
    r = simulate(P.Fetch(["rhythm"]), emu(faults=Faults(corrupt_byte=100)))
    nibble = default_rhythm_ram()[47] >> 4  # output byte 100 = header 6 + nibble 94
    assert (f"byte {0x40 | nibble:02X} in block 1 of 60 (nibble 95 of 256) is not a nibble"
            in str(r.error))
    r = simulate(P.Fetch(["rhythm"], timeout=0.7), emu(faults=Faults(drop_handshake=3)))
    assert "block 3 of 60" in str(r.error) and "7n 32" in str(r.error)
    assert r.seconds == pytest.approx((6 + 3 * 256 + 2 * 2) / RATE + 0.7, abs=0.01)
    r = simulate(P.Fetch(["rhythm"]), emu(faults=Faults(corrupt_byte=6 + 256)))
    assert "byte 30 where 7n 32 belongs, after the 256 nibbles of block 1 of 60" in str(r.error)
    r = simulate(P.Fetch(["rhythm"]), emu(faults=Faults(drop_handshake=0)))
    assert "reply F0 44 01 00 70 30" in str(r.error) and "00 00" in str(r.error)


def test_wrong_channel_is_silent_and_times_out():
    rz1 = emu(channel=2)
    r = simulate(P.Fetch(["sample"], channel=1, timeout=0.5), rz1)
    assert not r.ok and r.seconds == pytest.approx(0.5)
    assert "reply F0 44 01 00 70 30" in str(r.error)
    assert any("channel 1" in line for line in rz1.log)


# --- flooding and fixed pauses ---------------------------------------------------------------

def test_flooding_stops_the_rz1_early():
    rz1 = emu()
    r = simulate(P.FixedPauseFetch(["sample"], interval=0.01), rz1)
    assert not r.ok and "ended the dump (F7) after 0 of 128 blocks" in str(r.error)
    assert any("stopped early" in line for line in rz1.log)


def test_acks_ahead_of_the_blocks_in_one_burst_stop_it_too():
    class Burst(P.Fetch):
        def _begin(self):
            super()._begin()
            self.send(ACK * 3)  # the CZ trick: go-aheads sent before the RZ-1 asked

    rz1 = emu()
    r = simulate(Burst(["rhythm"]), rz1, rate=None)
    assert not r.ok and any("stopped early" in line for line in rz1.log)


def test_fixed_pause_one_ack_per_second_works_but_is_slow():
    rz1 = emu()
    slow = simulate(P.fixed_pause_fetch("sample"), rz1)
    fast = simulate(P.Fetch(["sample"]), emu())
    assert slow.ok and slow.result[0].data == fast.result[0].data == loadable_of(rz1, t.SAMPLE)
    assert 127.0 <= slow.seconds <= 127.2  # one block per second
    assert fast.seconds < slow.seconds / 11


def test_fixed_pause_gives_up_when_nothing_comes():
    r = simulate(P.FixedPauseFetch(["rhythm"], interval=0.2), emu(faults=Faults(stall_after=600)))
    assert not r.ok and "nothing new arrived after 3 acknowledgements" in str(r.error)
    spent = P.FixedPauseFetch(["rhythm"], interval=0.2, patience=None)
    r = simulate(spent, emu(faults=Faults(stall_after=600)))
    assert not r.ok and spent.acks == 62 and "after 62 acknowledgements" in str(r.error)


# --- send ------------------------------------------------------------------------------------

def sample_image(seed: int = 3) -> bytes:
    image = bytearray((i * seed + (i >> 5)) & 0xFF for i in range(t.SAMPLE.size))
    image[t.LINK_OFFSET] = 0x80
    return bytes(image)


@pytest.mark.parametrize("rate", [RATE, None])
def test_send_loadable_file_block_by_block(rate):
    image = sample_image()
    rz1 = emu()
    data = build.loadable(image, 1)
    host = DEVICE.send_protocol(data, Options())
    r = simulate(host, rz1, rate=rate)
    assert r.ok, r.error
    assert rz1.memory["sample"] == image
    assert r.host_sent == data  # the file, byte for byte
    [obj] = r.result["objects"]
    assert obj == {"ram": "sample", "bytes": 33_030, "blocks": 128, "reply": True,
                   "answers": 127, "answer_timeouts": 0, "confirmed": True}
    if rate:
        floor = len(data) / RATE
        assert floor <= r.seconds <= 1.01 * floor


def test_send_to_a_silent_rz1_goes_on_after_each_time_out():
    image = sample_image()
    rz1 = emu(receive_answer="none")
    r = simulate(P.Send([(t.SAMPLE, image)], answer_timeout=0.15), rz1)
    assert r.ok and rz1.memory["sample"] == image
    assert r.result["objects"][0]["answer_timeouts"] == 127
    assert r.seconds == pytest.approx(33_030 / RATE + 127 * 0.15, abs=0.05)  # ~30 s, as the seed


def test_send_without_reply_proceeds_or_fails_as_asked():
    image = default_rhythm_ram()[::-1]
    rz1 = emu(faults=Faults(drop_handshake=0))
    r = simulate(P.Send([(t.RHYTHM, image)], reply_timeout=0.3), rz1)
    assert r.ok and rz1.memory["rhythm"] == image and "no reply" in r.result["notes"][0]
    strict = simulate(P.Send([(t.RHYTHM, image)], reply_timeout=0.3, require_reply=True),
                      emu(faults=Faults(drop_handshake=0)))
    assert not strict.ok and "reply F0 44 01 00 70 30" in str(strict.error)


@pytest.mark.parametrize("form", ["paced", "embedded"])
def test_send_paced_and_embedded(form):
    image = sample_image(7)
    rz1 = emu(block_delay=0.02)
    r = simulate(DEVICE.send_protocol(build.loadable(image, 1), Options(form=form)), rz1)
    assert r.ok and rz1.memory["sample"] == image and r.result["form"] == form
    if form == "embedded":
        # One piece: the simulated cable hands it over whole, so the RZ-1's reply, 127 answers
        # and F7 all go out after the last byte.
        assert r.seconds == pytest.approx((33_030 + 6 + 2 * 127 + 1) / RATE + 0.02, abs=0.001)
        assert r.result["objects"][0]["answers"] == 127


def test_send_a_capture_and_a_backup_file():
    device_side, _ = capture_files()
    rz1 = emu(channel=3)
    rhythm = default_rhythm_ram()[1:] + b"\x00"
    data = device_side + build.loadable(rhythm, 9)
    host = DEVICE.send_protocol(data, Options(channel=3))
    r = simulate(host, rz1)
    assert r.ok, r.error
    assert rz1.memory["sample"] == memory_from_bytes(device_side)["sample"]
    assert rz1.memory["rhythm"] == rhythm
    # The capture went out as the seed says to edit it: receive request instead of the reply.
    assert r.host_sent == rz1.save()
    assert r.host_sent.startswith(build.receive_sample_request(3))
    assert [o["confirmed"] for o in r.result["objects"]] == [True, True]


def test_send_refuses_a_link_byte_the_rz1_would_wipe():
    image = bytearray(sample_image())
    image[t.LINK_OFFSET] = 0x81
    with pytest.raises(DeviceError, match="bits 0-4 set"):
        DEVICE.send_protocol(build.loadable(bytes(image), 1), Options())
    # Sent anyway, the emulated RZ-1 wipes sample RAM as the real one does at power-on.
    rz1 = emu()
    r = simulate(P.Send([(t.SAMPLE, bytes(image))], check_link=False), rz1)
    assert r.ok and rz1.memory["sample"] == bytes(t.SAMPLE.size)
    assert any("wiped" in line for line in rz1.log)


def test_send_on_the_wrong_channel_fails_at_the_end():
    rz1 = emu(channel=4)
    before = dict(rz1.memory)
    r = simulate(P.Send([(t.RHYTHM, default_rhythm_ram()[::-1])], reply_timeout=0.2,
                        answer_timeout=0.01, end_timeout=0.5), rz1)
    assert not r.ok and "F7 confirming" in str(r.error)
    assert rz1.memory == before


@pytest.mark.parametrize("faults", [Faults(stall_after=n) for n in (0, 6, 100)] +
                         [Faults(drop_handshake=n) for n in (0, 5, 60)] +
                         [Faults(corrupt_byte=n) for n in (1, 9, 130)] +
                         [Faults(reset_after=n) for n in (0, 6, 50)], ids=repr)
@pytest.mark.parametrize("rate", [RATE, None])
def test_send_with_a_fault(faults, rate):
    image = default_rhythm_ram()[::-1]
    rz1 = emu(faults=faults, active_sensing=True)
    before = rz1.memory["rhythm"]
    r = simulate(P.Send([(t.RHYTHM, image)], reply_timeout=0.3, answer_timeout=0.05,
                        end_timeout=0.5), rz1, rate=rate)
    if r.ok:
        assert rz1.memory["rhythm"] == image and r.result["objects"][0]["confirmed"]
    else:
        assert str(r.error).startswith("casio-rz1: ") and "waiting for" in str(r.error)
        assert rz1.memory["rhythm"] in (before, image)
    assert r.seconds < 15_486 / RATE + 60 * 0.05 + 0.3 + 0.5 + 0.1


# --- the emulator on its own ----------------------------------------------------------------

def drive(rz1: RZ1Emulator, *chunks: bytes, until: float = 5.0) -> bytes:
    """Feed chunks, run its timers to ``until``; returns what it sent."""
    out = bytearray(rz1.start(0.0).send)
    for chunk in chunks:
        out += rz1.feed(chunk, 0.0).send
    now = 0.0
    while True:
        step = rz1.tick(now)
        out += step.send
        if step.deadline is None or step.deadline > until:
            return bytes(out)
        now = step.deadline


def test_emulator_refuses_broken_data_and_keeps_its_memory():
    good = build.loadable(default_rhythm_ram()[::-1], 1)
    short_block = good[:7 + 100] + good[7 + 101:]  # one nibble lost in block 1
    for broken, why in [(short_block, "7n 32 after 255 nibbles"),
                        (good[:500] + b"\x42" + good[501:], "not a nibble"),
                        (good[:7 + 256] + b"\x71\x32" + good[7 + 258:], "handshake 71 32"),
                        (good[:-600] + build.END, "F7 after")]:
        rz1 = emu(uart_rate=None)
        before = dict(rz1.memory)
        out = drive(rz1, broken)
        assert rz1.memory == before
        assert any(why in line and "refused" in line for line in rz1.log), (why, rz1.log)
        assert not out.endswith(build.END)  # no confirmation


def test_emulator_ignores_spare_acks_and_other_channels():
    rz1 = emu(uart_rate=None)
    out = drive(rz1, build.send_rhythm_request(1), build.ack(2), ACK)
    assert out.startswith(build.reply()) and out.endswith(build.more(1))
    assert out.count(build.more(1)) == 1  # the channel-2 ack did nothing
    rest = bytearray()
    for _ in range(59):
        rest += rz1.feed(ACK, 0.0).send + rz1.tick(0.0).send
    assert rest.endswith(build.END) and rz1.state == "send_done"
    rz1.feed(ACK + ACK, 0.0)  # the capture's two spare acks: out of MIDI SEND, then nothing
    assert rz1.state == "idle" and rz1.log[-1] == "left MIDI SEND mode"


def test_emulator_save_round_trips_through_identify():
    rz1 = emu()
    dumps = [DEVICE.identify(m) for m in frame(rz1.save()).messages]
    assert [d.kind for d in dumps] == ["sample-dump", "rhythm-dump"]
    assert [d.payload for d in dumps] == [default_sample_ram(), default_rhythm_ram()]
    other = DEVICE.emulator(Options(memory=dumps[::-1], faults=["stall:5"], block_delay=0.1))
    assert other.memory == rz1.memory and other.options.faults.stall_after == 5
    assert other.options.block_delay == 0.1 and other.header_on == "ack"
    silent = DEVICE.emulator(Options(channel=7, header_on="request", receive_answer="none"))
    assert (silent.channel_byte, silent.header_on, silent.receive_answer) == (0x76, "request", "none")
    with pytest.raises(DeviceError, match="header_on"):
        DEVICE.emulator(Options(header_on="never"))


# --- hooks ----------------------------------------------------------------------------------

def test_hooks_and_their_refusals():
    assert type(DEVICE.request_protocol("sample-ram", Options())) is P.Fetch
    assert DEVICE.request_protocol("rhythm-ram", Options(channel=16)).channel == 16
    paced = DEVICE.request_protocol("rhythm-ram", Options(form="paced"))
    assert isinstance(paced, P.FixedPauseFetch) and paced.interval == 1.0
    assert [r.name for r in DEVICE.backup_protocol(Options()).rams] == ["sample", "rhythm"]
    with pytest.raises(Unsupported, match="embedded"):
        DEVICE.request_protocol("sample-ram", Options(form="embedded"))
    with pytest.raises(DeviceError, match="sample-ram or rhythm-ram"):
        DEVICE.request_protocol("tone:1", Options())
    with pytest.raises(DeviceError, match="RZ-1 only"):
        DEVICE.backup_protocol(Options(model="CZ-101"))
    with pytest.raises(DeviceError, match="no RZ-1 sample or rhythm dump"):
        DEVICE.send_protocol(build.send_sample_request(), Options())
    with pytest.raises(DeviceError, match="incomplete"):
        DEVICE.send_protocol(build.loadable(default_rhythm_ram())[:5000] + build.END, Options())
    with pytest.raises(DeviceError, match="RZ-1 only"):
        DEVICE.emulator(Options(model="VZ-1"))


def test_timeout_option_reaches_every_wait():
    fetch = DEVICE.request_protocol("sample-ram", Options(timeout=0.25))
    r = simulate(fetch, emu(faults=Faults(stall_after=0)))
    assert not r.ok and r.seconds == pytest.approx(0.25)
    send = DEVICE.send_protocol(build.loadable(default_rhythm_ram()), Options(timeout=0.4))
    assert (send.reply_timeout, send.answer_timeout, send.end_timeout) == (0.4, 0.4, 0.4)


# --- the reader takes any pieces; damage is never success --------------------------------

CAPTURE_RHYTHM = build.capture(default_rhythm_ram())


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(1, 4000), min_size=1, max_size=20))
def test_reader_any_chunking(cuts):
    reader = P.DumpReader(t.RHYTHM)
    pairs, pos = 0, 0
    for size in cuts + [len(CAPTURE_RHYTHM)]:
        got, rest = reader.feed(CAPTURE_RHYTHM[pos:pos + size])
        pairs += got
        assert rest == b""
        pos += size
        if pos >= len(CAPTURE_RHYTHM):
            break
    assert reader.complete and pairs == t.RHYTHM.blocks - 1
    assert reader.image() == default_rhythm_ram() and bytes(reader.raw) == CAPTURE_RHYTHM


@settings(max_examples=60, deadline=None)
@given(st.integers(0, len(CAPTURE_RHYTHM) - 1), st.integers(0, 255), st.booleans())
def test_reader_damage_is_never_success(pos, value, drop):
    damaged = bytearray(CAPTURE_RHYTHM)
    if drop:
        del damaged[pos]
    else:
        if damaged[pos] == value or (damaged[pos] <= 0x0F and value <= 0x0F):
            return  # a nibble swapped for a nibble cannot be seen: no checksum on the RZ-1
        damaged[pos] = value
    reader = P.DumpReader(t.RHYTHM)
    try:
        reader.feed(bytes(damaged))
    except P.ReadError as exc:
        assert exc.reason and exc.expected
        return
    # No error: then the dump is unfinished, or the change was harmless (70 32 -> 7x 32).
    assert not reader.complete or reader.image() == default_rhythm_ram()


# --- real time --------------------------------------------------------------------------------

def test_fetch_in_real_time_over_a_pty():
    master, slave = os.openpty()
    tty.setraw(master)
    tty.setraw(slave)
    rz1 = emu(uart_rate=None)
    stop = threading.Event()
    server = threading.Thread(target=engine.serve, args=(rz1, FdTransport(slave, slave)),
                              kwargs={"stop": stop}, daemon=True)
    server.start()
    try:
        result = engine.run(P.Fetch(["rhythm"]), FdTransport(master, master, owns=False))
    finally:
        stop.set()
        server.join(2)
        os.close(master)
    assert [o.data for o in result] == [loadable_of(rz1, t.RHYTHM)]
    assert rz1.log[-1] in ("left MIDI SEND mode", "sent rhythm RAM: 60 blocks")
