"""DTXtreme IIs host protocols (request, backup, send) against the emulated module, in virtual
time (simulate) with and without wire timing, with active sensing and with every fault; and
once in real time through engine.run/serve over OS pipes."""

from __future__ import annotations

import os
import threading
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from syxkit.core.framing import frame_messages
from syxkit.devices.base import DeviceError, OptionError, Options
from syxkit.devices.yamaha_dtx import DEVICE, builders
from syxkit.devices.yamaha_dtx.emulator import DtxEmulator
from syxkit.devices.yamaha_dtx.protocol import (
    DEFAULT_NO_REPLY,
    DEFAULT_PROBE_AFTER,
    DEFAULT_TIMEOUT,
    Layout,
    SysexReader,
    compact_labels,
    parse_what,
)
from syxkit.devices.yamaha_dtx.table import EDIT_BUFFER
from syxkit.emulators.base import EmulatorOptions, Faults
from syxkit.protocols.base import ObjectDone, Progress
from syxkit.transfer import engine
from syxkit.transfer.sim import simulate
from syxkit.transfer.transport import FdTransport

DTX = DEVICE()
WIRE = 3125
# A small module for backups: kits 1-3, chains 1-2, songs 1-6 (1, 2 and 5 recorded, song 1 in
# three packets), stacks 1-2. The same counts go to the emulator and to the backup.
SMALL = {"user_kits": 3, "chains": 2, "songs": 6, "stacks": 2}


def emulator(rate=WIRE, **opts):
    return DTX.emulator(Options(**opts)) if rate == WIRE else _direct(rate, **opts)


def _direct(rate, **opts):
    layout = Layout(opts.pop("user_kits", 50), opts.pop("chains", 32), opts.pop("songs", 32),
                    opts.pop("stacks", 16))
    return DtxEmulator(EmulatorOptions(), layout=layout, rate=rate, **opts)


def expected(emu, kind, number):
    return b"".join(emu.object_messages(kind, number))


def fetch(what, emu, rate=WIRE, **opts):
    return simulate(DTX.request_protocol(what, Options(**opts)), emu, rate=rate)


# -- WHAT and its numbering --------------------------------------------------------------------
def test_what_numbering_wire_and_panel():
    # issue 14: WHAT counts as the panel shows it (User kit 12 = kit:12 = wire 11)
    assert parse_what("kit:12").request == builders.kit_request(11)
    assert parse_what("kit:panel:12").request == builders.kit_request(11)
    assert parse_what("KIT:0x0C").request == builders.kit_request(11)
    assert parse_what("kit:wire:11").request == builders.kit_request(11)
    assert parse_what("chain:edit").request == builders.chain_request(edit_buffer=True)
    assert parse_what("system").request == builders.system_request()
    assert parse_what("stack:16", device_number=5).request == builders.stack_request(15, device_number=5)
    assert parse_what("kit:panel:12").label == "User kit 12"


@pytest.mark.parametrize("what, words", [
    ("song:edit", "does not answer a song request for 7F 7F"),
    ("song:current", "does not answer a song request for 7F 7F"),
    ("song:0x4000", "out of range 1-32"),
    ("song:panel:16384", "out of range 1-32"),
    ("stack:edit", "no edit buffer"),
    ("stack:17", "out of range 1-16"),
    ("kit:panel:0", "out of range 1-50"),
    ("kit:0", "out of range 1-50, as the panel counts"),
    ("kit:51", "user_kits=N"),
    ("kit:-1", "out of range"),
    ("kit:wire:-1", "0 or more"),
    ("kit:twelve", "not a number"),
    ("kit", "needs a number"),
    ("voice:1", "expected system, kit:N"),
    ("system:3", "no number"),
])
def test_what_refusals_are_clear(what, words):
    with pytest.raises(OptionError, match=words):
        DTX.request_protocol(what, Options())


def test_bad_options_are_refused():
    with pytest.raises(DeviceError, match="out of range 1-16"):
        DTX.request_protocol("kit:1", Options(device_number=17))
    with pytest.raises(DeviceError, match="above 0"):
        DTX.request_protocol("kit:1", Options(timeout=-1))
    with pytest.raises(DeviceError, match="one model"):
        DTX.request_protocol("kit:1", Options(model="DX7"))
    with pytest.raises(DeviceError, match="16 user stacks"):
        DTX.backup_protocol(Options(stacks=17))


# -- requests, clean ---------------------------------------------------------------------------
@pytest.mark.parametrize("what, kind, number", [
    ("system", "system", EDIT_BUFFER), ("kit:1", "kit", 0), ("kit:panel:50", "kit", 49),
    ("kit:edit", "kit", EDIT_BUFFER), ("chain:32", "chain", 31), ("chain:edit", "chain", EDIT_BUFFER),
    ("song:1", "song", 0), ("song:2", "song", 1), ("stack:16", "stack", 15),
    ("kit:wire:0", "kit", 0), ("song:wire:1", "song", 1),
])
@pytest.mark.parametrize("rate", [None, WIRE])
def test_request_every_object(what, kind, number, rate):
    emu = emulator(rate)
    r = fetch(what, emu, rate)
    assert r.ok, r.error
    [out] = r.result
    assert out.data == expected(emu, kind, number)
    assert any(isinstance(e, ObjectDone) and e.data == out.data for e in r.events)
    if rate == WIRE:
        floor = r.wire_bytes / WIRE
        assert floor <= r.seconds <= 1.10 * floor


def test_request_names_files_by_panel_number():
    assert fetch("kit:12", emulator()).result[0].name == "kit-012.syx"
    assert fetch("song:1", emulator()).result[0].name == "song-001.syx"
    assert fetch("stack:16", emulator()).result[0].name == "stack-16.syx"
    assert fetch("kit:edit", emulator()).result[0].name == "kit-edit-buffer.syx"


def test_multi_packet_song_is_joined_and_checked():
    emu = emulator(packet_size=256)  # song 1 (5,000 bytes) comes in 40 packets
    messages = emu.object_messages("song", 0)
    assert len(messages) == 40
    r = fetch("song:1", emu)
    assert r.ok and r.result[0].data == b"".join(messages)
    assert [m.data[14:16] for m in frame_messages(r.result[0].data)][-1] == b"\x7f\x7f"
    assert r.seconds <= 1.10 * r.wire_bytes / WIRE


def test_single_packet_song():
    emu = emulator()
    [msg] = emu.object_messages("song", 1)
    assert msg[14:16] == b"\x00\x00"
    r = fetch("song:2", emu)
    assert r.ok and r.result[0].data == msg


def test_empty_song_fails_clearly_within_timeout():
    r = fetch("song:3", emulator(), timeout=1.0, retries=0)
    assert not r.ok
    text = str(r.error)
    assert text.startswith("yamaha-dtxtreme2: User song 3")
    assert "An empty song is not sent" in text and "device number 1" in text
    assert r.seconds == pytest.approx(1.0)  # counted from the request
    r = fetch("song:3", emulator(), timeout=1.0)  # asked once more by default
    assert not r.ok and r.seconds == pytest.approx(2.0)


def test_other_device_number_is_ignored():
    emu = emulator(device_number=2)
    r = fetch("kit:1", emu, timeout=0.5)
    assert not r.ok and "set to device number 1" in str(r.error)
    assert any("ignored a request for device number 1" in line for line in emu.log)
    r = fetch("kit:1", emulator(device_number=2), channel=2)
    assert r.ok and r.result[0].data[3] == 0x01


def test_request_with_active_sensing_and_slow_module():
    emu = DTX.emulator(Options(active_sensing=True, block_delay=0.4))
    host = DTX.request_protocol("song:1", Options())
    r = simulate(host, emu)
    assert r.ok and r.result[0].data == expected(emu, "song", 0)
    assert b"\xfe" in host.received  # sensing reached the host, and was left out of the data


def test_active_sensing_does_not_extend_a_timeout():
    r = fetch("song:3", DTX.emulator(Options(active_sensing=True)), timeout=1.0, retries=0)
    assert not r.ok and r.seconds <= 1.0 + 0.01


# -- requests with faults ----------------------------------------------------------------------
SONG_BYTES = 4116 * 2 + 1828  # the three packets of the generated song 1
FAULT_POSITIONS = [0, 3, 5, 12, 15, 17, 100, 4114, 4115, 4116, 6000, SONG_BYTES - 2, SONG_BYTES - 1]


def _fault_cases():
    for n in FAULT_POSITIONS:
        yield Faults(stall_after=n)
        yield Faults(corrupt_byte=n)
        yield Faults(reset_after=n)
    yield Faults(drop_handshake=0)  # the DTX has no handshake: nothing to drop


@pytest.mark.parametrize("faults", list(_fault_cases()), ids=repr)
@pytest.mark.parametrize("sensing", [False, True])
def test_song_request_with_faults(faults, sensing):
    """A damaged or broken-off answer is asked for once more (retries=1) and then equals the
    memory; a stalled module fails with a clear error within its time-outs."""
    emu = DTX.emulator(Options(faults=replace(faults), active_sensing=sensing))  # a reset clears it
    want = expected(DTX.emulator(Options()), "song", 0)
    assert len(want) == SONG_BYTES
    r = fetch("song:1", emu, timeout=1.0)
    if faults.stall_after is not None:
        assert not r.ok
        text = str(r.error)
        assert text.startswith("yamaha-dtxtreme2: User song 1") and "waiting for" in text
        assert r.seconds <= SONG_BYTES / WIRE + 2 * 1.0 + 0.05  # within its time-outs
    else:
        assert r.ok, r.error
        assert r.result[0].data == want  # never success with wrong data
        noted = any("asked again" in n for n in r.result[0].notes)
        if faults.corrupt_byte is not None or (faults.reset_after or 0) > 0:
            assert noted  # a damaged or broken-off answer is named in the notes
        elif faults.reset_after is None:
            assert not noted and r.seconds <= 1.10 * r.wire_bytes / WIRE


@pytest.mark.parametrize("faults", [Faults(corrupt_byte=n) for n in FAULT_POSITIONS]
                         + [Faults(reset_after=n) for n in (1, 4115, 6000)], ids=repr)
def test_song_request_without_retries_fails_on_damage(faults):
    r = fetch("song:1", DTX.emulator(Options(faults=replace(faults))), timeout=1.0, retries=0)
    assert not r.ok and str(r.error).startswith("yamaha-dtxtreme2: User song 1")
    if faults.corrupt_byte is not None:  # caught by checksum, header, framing or packet order
        assert r.seconds <= SONG_BYTES / WIRE + 0.01
        assert "damaged" in str(r.error) or "unexpected" in str(r.error) or "packet" in str(r.error)


@settings(max_examples=40, deadline=None)
@given(position=st.integers(0, 1300), kind=st.sampled_from(["stall", "corrupt", "reset"]))
def test_kit_request_any_fault_position(position, kind):
    names = {"stall": "stall_after", "corrupt": "corrupt_byte", "reset": "reset_after"}
    faults = Faults(**{names[kind]: position})
    emu = DTX.emulator(Options(faults=faults))
    want = expected(DTX.emulator(Options()), "kit", 3)
    r = fetch("kit:4", emu, timeout=0.5)
    if kind == "stall" and position < len(want):
        assert not r.ok and "waiting for" in str(r.error)
        assert r.seconds <= len(want) / WIRE + 2 * 0.5 + 0.01
    else:  # after the answer: no effect; damaged or reset: asked again
        assert r.ok and r.result[0].data == want


# -- backup ------------------------------------------------------------------------------------
def backup(emu, rate=WIRE, **opts):
    return simulate(DTX.backup_protocol(Options(**(SMALL | opts))), emu, rate=rate)


@pytest.mark.parametrize("rate", [None, WIRE])
def test_backup_equals_the_module_memory(rate):
    emu = emulator(rate, **SMALL)
    r = backup(emu, rate)
    assert r.ok, r.error
    assert b"".join(o.data for o in r.result) == emu.save()
    names = [o.name for o in r.result]
    assert names == ["system.syx", "kit-001.syx", "kit-002.syx", "kit-003.syx", "chain-001.syx",
                     "chain-002.syx", "song-001.syx", "song-002.syx", "song-005.syx",
                     "stack-01.syx", "stack-02.syx"]
    assert r.result.no_reply == ["User song 3", "User song 4", "User song 6"]
    assert "no reply" in r.result[-1].notes[0] and "User song 3-4, 6" in r.result[-1].notes[0]
    done = [e for e in r.events if isinstance(e, ObjectDone)]
    assert [e.name for e in done] == names
    last = [e for e in r.events if isinstance(e, Progress)][-1]
    assert (last.objects_done, last.objects_total) == (14, 14)


def test_backup_timing_at_wire_speed():
    """Every object answered: the backup runs at the wire's pace (requests and answers do not
    overlap, so the floor is all bytes both ways at 3,125 B/s)."""
    emu = DTX.emulator(Options(user_kits=4, chains=3, songs=2, stacks=16))
    r = simulate(DTX.backup_protocol(Options(user_kits=4, chains=3, songs=2)), emu, rate=WIRE)
    assert r.ok and not r.result.no_reply
    floor = r.wire_bytes / WIRE
    assert floor <= r.seconds <= 1.10 * floor
    # each silent song costs the no-reply wait twice (one retry), nothing else
    r2 = backup(DTX.emulator(Options(**SMALL)))
    silent = len(r2.result.no_reply) * 2 * DEFAULT_NO_REPLY
    probe = DTX.emulator(Options()).object_messages("system", EDIT_BUFFER)[0]
    assert r2.seconds <= 1.10 * r2.wire_bytes / WIRE + silent
    assert r2.wire_bytes >= len(r2.result[0].data) + len(probe)  # ends on silence: one probe


def test_backup_with_active_sensing():
    emu = DTX.emulator(Options(active_sensing=True, block_delay=0.2, **SMALL))
    r = backup(emu)
    assert r.ok and b"".join(o.data for o in r.result) == emu.save()


def test_backup_without_module_fails_on_the_system():
    r = backup(emulator(device_number=9, **SMALL))
    assert not r.ok
    assert "system (1/14)" in str(r.error) and "device number 1" in str(r.error)
    assert r.seconds <= 2 * DEFAULT_TIMEOUT + 0.01  # asked twice


def test_backup_past_the_module_end_is_no_reply():
    emu = DTX.emulator(Options(user_kits=2, chains=1, songs=0, stacks=1))
    r = simulate(DTX.backup_protocol(Options(user_kits=4, chains=1, songs=0, stacks=1)), emu)
    assert r.ok and r.result.no_reply == ["User kit 3", "User kit 4"]
    assert b"".join(o.data for o in r.result) == emu.save()


def _boundaries(emu):
    out, pos = [], 0
    for msg in frame_messages(emu.save()):
        out.append(pos)
        pos += len(msg.data)
    return out, pos


def _backup_fault_cases():
    starts, total = _boundaries(DTX.emulator(Options(**SMALL)))
    points = sorted({0, 1, 3, 17, 200, total - 1, *starts[1:6], *(s - 1 for s in starts[1:6])})
    for n in points:
        yield Faults(stall_after=n)
        yield Faults(corrupt_byte=n)
        yield Faults(reset_after=n)
    yield Faults(drop_handshake=0)


@pytest.mark.parametrize("faults", list(_backup_fault_cases()), ids=repr)
def test_backup_with_faults(faults):
    clean = backup(DTX.emulator(Options(**SMALL)))
    emu = DTX.emulator(Options(faults=replace(faults), active_sensing=True, **SMALL))
    r = backup(emu)
    if r.ok:
        assert b"".join(o.data for o in r.result) == DTX.emulator(Options(**SMALL)).save()
        assert r.result.no_reply == clean.result.no_reply
    else:
        text = str(r.error)
        assert text.startswith("yamaha-dtxtreme2: ") and "waiting for" in text
        bound = clean.seconds + DEFAULT_PROBE_AFTER * 2 * DEFAULT_NO_REPLY + DEFAULT_TIMEOUT
        assert r.seconds <= bound
    # only a stalled module fails: damage and resets are asked for again
    assert r.ok == (faults.stall_after is None or faults.stall_after >= len(clean_bytes()))


def clean_bytes():
    return DTX.emulator(Options(**SMALL)).save()


def test_backup_dead_link_after_system_is_caught_by_the_liveness_check():
    starts, _ = _boundaries(DTX.emulator(Options(**SMALL)))
    emu = DTX.emulator(Options(faults=Faults(stall_after=starts[1]), **SMALL))
    r = backup(emu)
    assert not r.ok
    assert "liveness check" in str(r.error) and "stopped answering" in str(r.error)
    assert "User kit 1, User kit 2, User kit 3, User chain 1" in str(r.error)


def test_backup_reset_between_objects_recovers_by_retry():
    starts, _ = _boundaries(DTX.emulator(Options(**SMALL)))
    emu = DTX.emulator(Options(faults=Faults(reset_after=starts[2]), **SMALL))
    r = backup(emu)
    assert r.ok and b"".join(o.data for o in r.result) == emu.save()
    assert any("reset after" in line for line in emu.log)


def test_late_answer_is_named():
    emu = DTX.emulator(Options(block_delay=0.3, **SMALL))
    r = backup(emu, no_reply_timeout=0.2, retries=0)
    assert not r.ok and "no_reply_timeout" in str(r.error)


def test_fixed_pause_backup_is_slower_and_checked():
    emu = DTX.emulator(Options(**SMALL))
    r = simulate(DTX.backup_protocol(Options(fixed_pause=2.0, **SMALL)), emu)
    assert r.ok and b"".join(o.data for o in r.result) == emu.save()
    fast = backup(DTX.emulator(Options(**SMALL)))
    assert r.seconds > fast.seconds
    # a pause shorter than the long song: answers overlap requests, the result is still checked
    short = simulate(DTX.backup_protocol(Options(fixed_pause=0.3, **SMALL)),
                     DTX.emulator(Options(**SMALL)))
    if short.ok:
        assert b"".join(o.data for o in short.result) == emu.save()


# -- send --------------------------------------------------------------------------------------
def _file():
    return (builders.dump_message("kit", bytes(range(100)), 5)
            + b"".join(builders.dump_messages("song", bytes(range(256)) * 20, 2))
            + builders.dump_message("stack", bytes([0xFF, 0x00]) * 20, 3)
            + builders.dump_message("chain", b"\x01\x02", edit_buffer=True))


@pytest.mark.parametrize("rate", [None, WIRE])
def test_send_paces_and_the_module_stores(rate):
    emu = emulator(rate)
    data = _file()
    r = simulate(DTX.send_protocol(data, Options()), emu, rate=rate)
    assert r.ok and r.result["messages"] == 6 and r.result["objects"] == 4
    assert r.device_received == data
    assert emu.memory["kit"][5] == bytes(range(100))
    assert emu.memory["song"][2] == bytes(range(256)) * 20
    assert emu.memory["stack"][3] == bytes([0xFF, 0x00]) * 20
    assert emu.memory["chain"][EDIT_BUFFER] == b"\x01\x02"
    # six messages, each followed by the 0.1 s gap after it has crossed the cable
    assert r.seconds == pytest.approx(len(data) / WIRE + 6 * 0.1)


def test_send_gap_option_and_retarget():
    emu = emulator()
    one = builders.dump_message("kit", b"abc", 0)
    r = simulate(DTX.send_protocol(one, Options(program=8, packet_gap=0.5)), emu)  # panel 8 = wire 7
    assert r.ok and emu.memory["kit"][7] == b"abc"
    assert r.seconds == pytest.approx(len(one) / WIRE + 0.5)


def test_send_verify_proves_the_module_stored_it():
    emu = emulator()
    r = simulate(DTX.send_protocol(_file(), Options(verify=True)), emu)
    assert r.ok and r.result["verified"] == 4
    r = simulate(DTX.send_protocol(_file(), Options(verify=True)), emulator(device_number=3))
    assert not r.ok and "verify" in str(r.error) and "device number 1" in str(r.error)
    r = simulate(DTX.send_protocol(_file(), Options(verify=True, channel=3)), emulator(device_number=3))
    assert r.ok and r.result["device_number"] == 3


@pytest.mark.parametrize("faults", [Faults(stall_after=0), Faults(corrupt_byte=50),
                                    Faults(reset_after=30), Faults(stall_after=400)], ids=repr)
def test_send_verify_with_faults(faults):
    emu = DTX.emulator(Options(faults=replace(faults), active_sensing=True))
    r = simulate(DTX.send_protocol(_file(), Options(verify=True, timeout=1.0)), emu)
    if r.ok:
        assert emu.memory["song"][2] == bytes(range(256)) * 20
    else:
        assert str(r.error).startswith("yamaha-dtxtreme2: verify") and "waiting for" in str(r.error)


def test_send_refuses_bad_files():
    good = builders.dump_message("kit", b"abc", 0)
    bad = good[:-2] + bytes([good[-2] ^ 1]) + b"\xf7"
    with pytest.raises(DeviceError, match="checksum"):
        DTX.send_protocol(bad, Options())
    with pytest.raises(DeviceError, match="dump request"):
        DTX.send_protocol(builders.kit_request(1), Options())
    with pytest.raises(DeviceError, match="nothing to send"):
        DTX.send_protocol(b"", Options())
    with pytest.raises(DeviceError, match="not a DTXtreme IIs"):
        DTX.send_protocol(b"\xf0\x43\x10\x4c\x00\x00\x7e\x00\xf7", Options())
    packets = builders.dump_messages("song", bytes(5000), 0)
    with pytest.raises(DeviceError, match="song"):
        DTX.send_protocol(b"".join(packets[1:]), Options())


def test_emulator_ignores_damaged_and_foreign_dumps():
    emu = emulator()
    good = builders.dump_message("kit", b"abc", 9)
    bad = good[:-2] + bytes([good[-2] ^ 1]) + b"\xf7"
    other = builders.dump_message("kit", b"xyz", 9, device_number=4)
    before = emu.memory["kit"][9]
    emu.start(0.0)
    emu.feed(bad + other, 0.0)
    assert emu.memory["kit"][9] == before
    emu.feed(good, 0.1)
    assert emu.memory["kit"][9] == b"abc"
    assert any("damaged" in line for line in emu.log)
    assert any("device number 4" in line for line in emu.log)


def test_emulator_memory_from_dumps_and_save():
    src = DTX.emulator(Options(**SMALL))
    src.memory["kit"][1] = b"loaded kit"
    data = src.save()
    dumps = [DTX.identify(m) for m in frame_messages(data)]
    emu = DTX.emulator(Options(memory=dumps, **SMALL))
    assert emu.save() == data
    r = backup(emu)
    assert r.ok and b"".join(o.data for o in r.result) == data
    damaged = dumps[:1] + [DTX.identify(frame_messages(data[:-3] + b"\x00\xf7")[-1])]
    with pytest.raises(DeviceError, match="cannot load"):
        DTX.emulator(Options(memory=damaged))


def test_emulator_song_7f7f_gets_no_reply():
    emu = emulator()
    emu.start(0.0)
    step = emu.feed(b"\xf0\x43\x7d\x20DTXTOSG1\x7f\x7f\xf7", 0.0)
    assert step.send == b"" and step.deadline is None
    assert any("no reply" in line for line in emu.log)


# -- the stream reader -------------------------------------------------------------------------
def test_reader_events():
    r = SysexReader()
    assert r.feed(b"\x90\x24\x40\xf0\x01") == [("stray", "3 byte(s) outside SysEx (90 24 40)", 0)]
    assert r.inside
    assert r.feed(b"\x02\xf7") == [("message", b"\xf0\x01\x02\xf7", 3)]
    [(kind, text, offset)] = r.feed(b"\x10\xf7")
    assert kind == "stray" and text.startswith("F7 without F0") and offset == 8
    events = r.feed(b"\xf0\x01\xb7\xf0\x02\xf7")
    assert events[0][0] == "cut" and events[0][2] == 11
    assert events[1][0] == "stray" and "(B7)" in events[1][1]  # the cutting byte itself
    assert events[2] == ("message", b"\xf0\x02\xf7", 12)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.binary(max_size=20).map(lambda b: bytes(x & 0x7F for x in b)), max_size=6),
       st.integers(1, 7))
def test_reader_any_chunking(bodies, step):
    stream = b"".join(b"\xf0" + body + b"\xf7" for body in bodies)
    reader = SysexReader()
    got = []
    for k in range(0, len(stream), step):
        got += [v for kind, v, _ in reader.feed(stream[k:k + step]) if kind == "message"]
    assert got == [b"\xf0" + body + b"\xf7" for body in bodies]


def test_compact_labels():
    assert compact_labels(["User song 3", "User song 4", "User song 6", "User kit 9"]) == \
        "User song 3-4, 6; User kit 9"


# -- real time ---------------------------------------------------------------------------------
def test_real_time_song_request_over_os_pipes():
    """engine.run on one side, engine.serve in a thread on the other, bytes through OS pipes."""
    to_dev_r, to_dev_w = os.pipe()
    to_host_r, to_host_w = os.pipe()
    emu = DtxEmulator(EmulatorOptions(active_sensing=True), packet_size=1024, rate=None)
    stop = threading.Event()
    dev_side = FdTransport(to_dev_r, to_host_w)
    t = threading.Thread(target=engine.serve, args=(emu, dev_side), kwargs={"stop": stop}, daemon=True)
    t.start()
    host_side = FdTransport(to_host_r, to_dev_w)
    try:
        events = []
        result = engine.run(DTX.request_protocol("song:1", Options(timeout=2.0)), host_side,
                            on_event=events.append)
    finally:
        stop.set()
        t.join(2)
        host_side.close()
        dev_side.close()
    assert result[0].data == expected(emu, "song", 0)
    assert len(frame_messages(result[0].data)) == 10
    assert any(isinstance(e, ObjectDone) for e in events)
