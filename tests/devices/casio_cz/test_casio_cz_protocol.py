"""CZ host protocols against the emulated CZ firmware: simulated (instant and at 3,125 B/s), with
active sensing and every fault, plus one real-time run over a pty."""

from __future__ import annotations

import os
import threading
import tty

import pytest
from czhelp import dumps_of
from hypothesis import given, settings
from hypothesis import strategies as st

from syxkit.core.framing import frame_messages
from syxkit.devices import registry
from syxkit.devices.base import DeviceError, Options
from syxkit.devices.casio_cz import messages as M
from syxkit.devices.casio_cz import protocol as P
from syxkit.devices.casio_cz.emulator import RING_SIZE, CZEmulator, generated_tone
from syxkit.devices.casio_cz.table import EDIT_BUFFER, TONE_BYTES
from syxkit.emulators.base import EmulatorOptions, Faults
from syxkit.protocols.base import ObjectDone, Progress
from syxkit.transfer import engine
from syxkit.transfer.sim import simulate
from syxkit.transfer.transport import FdTransport

DEV = registry.get("casio-cz")
WIRE = 3125
RATES = [None, WIRE]
TONE_ANSWER = 6 + 256 + 1  # F0 44 00 00 7n 30, nibbles, F7


def emu(model: str = "CZ-101", rate: float | None = WIRE, **options) -> CZEmulator:
    """The driver's emulator; its UART runs at ``rate`` (0 = instant, for rate=None runs)."""
    return DEV.emulator(Options(model=model, wire_rate=rate or 0, **options))


def expected(device: CZEmulator, obj: str, pp: int, channel: int = 1) -> bytes:
    """What a fetch of (obj, pp) must give: the memory, in the receive form."""
    if obj == "operation-memory":
        payload = device.opmems[pp]
    elif obj == "named-tone":
        payload = device.tones[pp]
    else:
        payload = device.tones[pp][:TONE_BYTES]
    return M.object_message(payload, channel, pp)


def combined(outputs) -> bytes:
    return b"".join(o.data for o in outputs)


def bank(n: int = 16, first: int = 0x20, tag: str = "bank", channel: int = 1) -> bytes:
    return b"".join(M.tone_message(generated_tone(f"{tag}{i}"), channel, first + i)
                    for i in range(n))


# --- backups ------------------------------------------------------------------------------------

MODEL_SETS = {"CZ-101": 16, "CZ-1000": 16, "CZ-3000": 32, "CZ-5000": 32, "CZ-230S": 4, "CZ-1": 128}


@pytest.mark.parametrize("rate", RATES)
@pytest.mark.parametrize("form", ["faithful", "embedded"])
@pytest.mark.parametrize("model", list(MODEL_SETS))
def test_backup_of_every_model_equals_its_memory(model, form, rate):
    device = emu(model, rate)
    host = DEV.backup_protocol(Options(model=model, form=form))
    r = simulate(host, device, rate=rate)
    assert r.ok, r.error
    assert len(r.result) == MODEL_SETS[model]
    for job, out in zip(host.jobs, r.result, strict=True):
        assert out.data == expected(device, job.obj, job.program)
    names = [o.name for o in r.result]
    assert len(set(names)) == len(names)
    done = [e for e in r.events if isinstance(e, ObjectDone)]
    assert [(d.name, d.data) for d in done] == [(o.name, o.data) for o in r.result]
    last = [e for e in r.events if isinstance(e, Progress)][-1]
    assert last.bytes_done == last.bytes_total == r.device_to_host
    if rate:
        floor = P.wire_floor(host.jobs)
        assert floor <= r.seconds <= 1.10 * floor
    assert device.log == []


def test_benchmark_case_cz101_internal_at_wire_speed():
    """The benchmark case: 16 internal tones within 1.10x of the wire floor, to the byte."""
    for form, per_tone in (("faithful", 273), ("embedded", 273)):
        device = emu()
        host = DEV.backup_protocol(Options(model="CZ-101", form=form))
        r = simulate(host, device, rate=WIRE)
        floor = 16 * TONE_ANSWER / WIRE
        assert P.wire_floor(host.jobs) == pytest.approx(floor)
        # faithful: request 7 (8 with the F7 closing the last one) + answer 6 + go-ahead 2 + 257
        first = 272 if form == "faithful" else 273
        assert r.seconds == pytest.approx((first + 15 * per_tone) / WIRE)
        assert r.seconds / floor < 1.04
        assert r.host_to_device == 16 * 10  # 7 + 2 + 1, or 10 embedded
        assert r.device_to_host == 16 * TONE_ANSWER


def test_fixed_pause_backup_is_correct_but_slow():
    device = emu()
    r = simulate(P.fixed_pause_backup("CZ-101"), device, rate=WIRE)
    assert r.ok
    assert combined(r.result) == b"".join(expected(device, "tone", 0x20 + i) for i in range(16))
    # 16 embedded exchanges plus 15 pauses of 200 ms: over three times the wire floor
    assert r.seconds == pytest.approx(16 * 273 / WIRE + 15 * P.FIXED_PAUSE)
    via_option = simulate(DEV.backup_protocol(Options(model="CZ-101", form="fixed_pause")),
                          emu(), rate=WIRE)
    assert via_option.seconds == pytest.approx(r.seconds)


def test_backup_with_every_area_equals_the_saved_memory():
    device = emu("CZ-101", None)
    r = simulate(DEV.backup_protocol(Options(model="CZ-101", include="presets,internal,"
                                                                      "cartridge,edit-buffer")),
                 device, rate=None)
    assert r.ok and len(r.result) == 49
    assert combined(r.result) == device.save()
    device = emu("CZ-1", None)
    r = simulate(DEV.backup_protocol(Options(model="CZ-1", include=["tones", "edit-buffer",
                                                                   "opmems"])), device, rate=None)
    assert r.ok and combined(r.result) == device.save()
    assert len(combined(r.result)) == 65 * 296 + 64 * 48  # the spec's 22,016 plus the edit buffer


def test_presets_differ_from_internal_and_backups_say_what_they_are():
    device = emu()
    assert {device.tones[p] for p in range(16)}.isdisjoint({device.tones[0x20 + p] for p in range(16)})
    r = simulate(DEV.backup_protocol(Options(model="CZ-5000")), emu("CZ-5000"), rate=None)
    assert [o.name for o in r.result[:2]] == ["20-internal-a1.syx", "21-internal-a2.syx"]
    r = simulate(DEV.backup_protocol(Options(model="CZ-1")), emu("CZ-1"), rate=None)
    assert r.result[0].name.startswith("00-a1-") and r.result[-1].name == "3f-opmem.syx"
    for out in r.result:
        [dump] = dumps_of(out.data)
        assert dump.problems == [] and dump.program is not None


def test_backup_without_model_says_which_memory_it_read():
    r = simulate(DEV.backup_protocol(Options()), emu(), rate=None)
    assert r.ok and len(r.result) == 16
    assert any("no --model given" in n for n in r.result[0].notes)


def test_backup_refuses_areas_the_model_lacks():
    with pytest.raises(DeviceError, match="no 'cartridge'"):
        DEV.backup_protocol(Options(model="CZ-5000", include="cartridge"))
    with pytest.raises(DeviceError, match="expected faithful, embedded or paced"):
        DEV.backup_protocol(Options(form="turbo"))
    with pytest.raises(DeviceError, match="unknown CZ model"):
        DEV.backup_protocol(Options(model="CZ-9"))


def test_backup_without_cartridge_fails_clearly_and_keeps_what_came():
    device = emu(no_cartridge=True)
    r = simulate(DEV.backup_protocol(Options(model="CZ-101", include="internal,cartridge")),
                 device)
    assert not r.ok
    text = str(r.error)
    assert "Cartridge 1" in text and "need a RAM cartridge" in text
    assert sum(isinstance(e, ObjectDone) for e in r.events) == 16
    assert r.device_to_host == 16 * TONE_ANSWER


# --- requests -----------------------------------------------------------------------------------


@pytest.mark.parametrize("rate", RATES)
@pytest.mark.parametrize("form", ["faithful", "embedded", "paced", "fixed_pause"])
def test_every_request_returns_the_memory(form, rate):
    cases = [("CZ-101", "tone:0x20", "tone", 0x20, "20-internal-1.syx"),
             ("CZ-101", "internal:1", "tone", 0x20, "20-internal-1.syx"),
             ("CZ-5000", "internal:B2", "tone", 0x29, "29-internal-b2.syx"),
             ("CZ-101", "edit-buffer", "tone", EDIT_BUFFER, "60-edit-buffer.syx"),
             ("CZ-101", "tone:0x60", "tone", EDIT_BUFFER, "60-edit-buffer.syx"),
             ("CZ-101", "tone:0x4f", "tone", 0x4F, "4f-cartridge-16.syx"),
             ("CZ-230S", "tone:0x05", "tone", 0x05, "05-preset-5.syx"),
             ("CZ-1", "tone:0x00", "tone", 0x00, "00-a1.syx"),
             ("CZ-1", "named-tone:0x3f", "named-tone", 0x3F, "3f-h8-gen-3f-h8.syx"),
             ("CZ-1", "opmem:6", "operation-memory", 5, "05-opmem.syx")]
    for model, what, obj, pp, name in cases:
        device = emu(model, rate)
        r = simulate(DEV.request_protocol(what, Options(model=model, form=form)), device, rate=rate)
        assert r.ok, (what, r.error)
        [out] = r.result
        assert out.name == name
        assert out.data == expected(device, obj, pp)
        if rate:
            assert r.seconds <= 1.10 * (r.device_to_host + 10) / WIRE


def test_request_without_model_and_on_another_channel():
    device = emu(channel=11)
    r = simulate(DEV.request_protocol("tone:0x21", Options(channel=11)), device, rate=None)
    assert r.ok and r.result[0].data == expected(device, "tone", 0x21, channel=11)
    assert r.result[0].name == "21-internal-2.syx"
    assert r.result[0].data[4] == 0x7A
    deaf = emu(channel=3)
    r = simulate(DEV.request_protocol("tone:0x21", Options(channel=11, timeout=0.3)), deaf)
    assert not r.ok and "listens on channel 11" in str(r.error) and r.seconds == pytest.approx(0.3)


@pytest.mark.parametrize("what,options,text", [
    ("patch:1", {}, "cannot request 'patch:1'; expected internal:N"),
    ("tone", {}, "cannot request 'tone'"),
    ("tone:zz", {}, "takes a wire address in hex"),
    ("tone:0x30", {"model": "CZ-101"}, "no slot of the CZ-101"),
    ("tone:0x70", {}, "no CZ program address"),
    ("tone:0x200", {}, "0x00-0x7F"),
    ("named-tone:0x00", {"model": "CZ-5000"}, "CZ-1 only"),
    ("opmem:0x40", {}, "out of range"),
    ("tone:0x20", {"form": "fast"}, "expected faithful"),
    ("tone:0x20", {"channel": 17}, "out of range"),
])
def test_bad_requests_are_refused_before_anything_is_sent(what, options, text):
    with pytest.raises(DeviceError, match=text):
        DEV.request_protocol(what, Options(**options))


@pytest.mark.parametrize("setup,what,hint", [
    ({"model": "CZ-1", "sysex_disabled": True}, "named-tone:0x00", "SYSTEM EXCLUSIVE TONE DATA"),
    ({"no_cartridge": True}, "tone:0x40", "need a RAM cartridge"),
])
def test_silent_refusals_fail_with_a_hint(setup, what, hint):
    device = emu(**setup)
    r = simulate(DEV.request_protocol(what, Options(model=setup.get("model"), timeout=0.5)), device)
    assert not r.ok and hint in str(r.error)
    assert r.device_to_host == 0 and r.seconds == pytest.approx(0.5)


# --- sends --------------------------------------------------------------------------------------


@pytest.mark.parametrize("rate", RATES)
@pytest.mark.parametrize("form", ["faithful", "paced", "embedded"])
def test_send_stores_a_bank(form, rate):
    device = emu(rate=rate)
    data = bank()
    r = simulate(DEV.send_protocol(data, Options(form=form)), device, rate=rate)
    assert r.ok, r.error
    assert r.result["objects"] == 16 and r.result["slots"][0] == "0x20"
    for i in range(16):
        assert device.tones[0x20 + i] == generated_tone(f"bank{i}")
    assert r.device_received == data
    if form == "faithful":
        assert r.device_to_host == 16 * 7  # …7n 30 and F7 per tone
        if rate:
            assert r.seconds <= 1.10 * len(data) / WIRE
    else:  # embedded means the paced form for a send: whole messages and a gap
        assert r.result["form"] == "paced"
        assert r.result["acknowledged"] == 16 and r.result["confirmed"]
        if rate:
            assert r.seconds == pytest.approx(len(data) / WIRE + 16 * P.PACED_GAP, abs=1e-6)
    assert device.log == []


def test_send_with_verify_reads_back_and_catches_memory_protect():
    data = bank(4)
    for form in ("faithful", "paced"):
        r = simulate(DEV.send_protocol(data, Options(form=form, verify=True)), emu(), rate=WIRE)
        assert r.ok and r.result["verified"] is True
    protected = emu(memory_protect=True)
    before = dict(protected.tones)
    # without verify the handshake looks the same: a CZ does not say it ignored the write
    r = simulate(DEV.send_protocol(data, Options()), protected)
    assert r.ok and "verified" not in r.result and protected.tones == before
    r = simulate(DEV.send_protocol(M.tone_message(generated_tone("x"), 1, EDIT_BUFFER),
                                   Options(verify=True)), protected)
    assert not r.ok and "memory protect" in str(r.error)
    assert protected.tones == before


def test_send_readdresses_fetched_tones_and_refuses_presets():
    fetched = M.tone_message(generated_tone("f"), 1, None)  # …7n 30, no address
    with pytest.raises(DeviceError, match="carries no program address"):
        DEV.send_protocol(fetched, Options())
    device = emu()
    r = simulate(DEV.send_protocol(fetched * 2, Options(program=0x2E)), device, rate=None)
    assert r.ok and r.result["slots"] == ["0x2E", "0x2F"]
    assert device.tones[0x2E] == device.tones[0x2F] == generated_tone("f")
    assert any("rewritten to the receive form" in n for n in r.result["notes"])
    with pytest.raises(DeviceError, match="refuses writes to presets"):
        DEV.send_protocol(M.tone_message(generated_tone("p"), 1, 0x05), Options())
    with pytest.raises(DeviceError, match="is a send-request"):
        DEV.send_protocol(M.send_request(0x20), Options())
    with pytest.raises(DeviceError, match="no CZ message"):
        DEV.send_protocol(b"", Options())
    with pytest.raises(DeviceError, match="not a CZ message"):
        DEV.send_protocol(b"\xf0\x43\x00\x00\xf7", Options())
    with pytest.raises(DeviceError, match="not a nibble"):
        DEV.send_protocol(bank(1)[:100] + b"\x55" + bank(1)[101:], Options())


def test_send_cz1_objects_and_control_messages():
    device = emu("CZ-1")
    named = generated_tone("n") + b"MY TONE         "
    opmem = bytes(range(20))
    data = (M.object_message(named, 1, 0x07) + M.object_message(opmem, 1, 0x09)
            + M.bend_range(7) + M.key_transpose(-3) + M.cz1_mode("key split")
            + M.tone_message(generated_tone("plain"), 1, 0x08))
    for form in ("faithful", "paced"):
        r = simulate(DEV.send_protocol(data, Options(model="CZ-1", form=form)), device)
        assert r.ok, r.error
        assert r.result["objects"] == 3 and r.result["controls"] == 3
    assert device.tones[0x07] == named and device.opmems[0x09] == opmem
    # a plain tone written to a CZ-1 keeps the slot's name
    assert device.tones[0x08][:TONE_BYTES] == generated_tone("plain")
    assert device.tones[0x08][TONE_BYTES:] == b"GEN 08 B1       "
    assert device.settings == {"bend-range": 7, "key-transpose": 0x43, "cz1-mode": 0x40}
    # and the emulator saves what it holds, control settings included, loadable again
    again = emu("CZ-1", memory=dumps_of(device.save()))
    assert again.save() == device.save()


def test_send_paced_gap_and_the_cz_write_time():
    """The CZ's 256-byte ring holds the start of the next message while it writes: with a
    200 ms write and no gap bytes are lost, and the answers say so; a long enough gap works."""
    data = bank(3)
    slow = emu(block_delay=0.2)
    r = simulate(DEV.send_protocol(data, Options(form="paced", packet_gap=0.0)), slow)
    assert not r.ok and "confirmed only 1" in str(r.error)
    assert slow.lost > 0 and any("ring full" in line for line in slow.log)
    slow = emu(block_delay=0.2)
    r = simulate(DEV.send_protocol(data, Options(form="paced", packet_gap=0.15)), slow)
    assert r.ok and slow.lost == 0
    slow = emu(block_delay=0.2)  # the handshake waits for the CZ by itself
    r = simulate(DEV.send_protocol(data, Options(form="faithful")), slow)
    assert r.ok and slow.lost == 0 and r.seconds == pytest.approx(len(data) / WIRE + 0.4, abs=0.01)


def test_paced_send_without_answers_is_unconfirmed_not_failed():
    deaf = emu(faults=Faults(stall_after=0))
    r = simulate(DEV.send_protocol(bank(2), Options(form="paced")), deaf)
    assert r.ok and r.result["confirmed"] is False
    assert any("unconfirmed" in n for n in r.result["notes"])


class Recorder:
    """Wraps a host and keeps each chunk it sends."""

    def __init__(self, host):
        self.host, self.chunks = host, []

    def __getattr__(self, name):
        return getattr(self.host, name)

    def _keep(self, step):
        if step.send:
            self.chunks.append(step.send)
        return step

    def start(self, now):
        return self._keep(self.host.start(now))

    def feed(self, data, now):
        return self._keep(self.host.feed(data, now))

    def tick(self, now):
        return self._keep(self.host.tick(now))


def test_defeated_forms_send_whole_messages_only():
    """Embedded fetches and paced sends need no SysEx split in pieces (rtmidi-style links)."""
    for host in (DEV.backup_protocol(Options(form="embedded")),
                 DEV.send_protocol(bank(3), Options(form="paced"))):
        rec = Recorder(host)
        assert simulate(rec, emu()).ok
        for chunk in rec.chunks:
            assert [len(m.data) for m in frame_messages(chunk)] and all(
                m.terminated and not m.problems for m in frame_messages(chunk)), chunk.hex()
    rec = Recorder(DEV.request_protocol("tone:0x20", Options()))
    assert simulate(rec, emu()).ok
    assert rec.chunks == [M.send_request(0x20), M.go_ahead(), b"\xf7"]


# --- faults and active sensing ------------------------------------------------------------------

TIMEOUT = 0.4
PROTOCOLS = {
    "backup-faithful": ("CZ-101", lambda: DEV.backup_protocol(Options(model="CZ-101", timeout=TIMEOUT))),
    "backup-embedded": ("CZ-5000", lambda: DEV.backup_protocol(
        Options(model="CZ-5000", form="embedded", timeout=TIMEOUT))),
    "request-named": ("CZ-1", lambda: DEV.request_protocol("named-tone:0x10",
                                                           Options(model="CZ-1", timeout=TIMEOUT))),
    "send-faithful": ("CZ-101", lambda: DEV.send_protocol(bank(4), Options(timeout=TIMEOUT))),
    "send-paced": ("CZ-101", lambda: DEV.send_protocol(bank(4), Options(form="paced",
                                                                        timeout=TIMEOUT))),
}
FAULTS = ([f"stall:{n}" for n in (0, 5, 7, 130, 700)]
          + [f"drop-handshake:{n}" for n in (0, 1, 3)]
          + [f"corrupt:{n}" for n in (0, 4, 5, 6, 7, 200, 262, 270, 1000)]
          + [f"reset:{n}" for n in (2, 6, 8, 300)])


def _check_outcome(name, device, r, clean_seconds):
    if r.ok:
        if name.startswith("send"):
            if name == "send-paced" and not r.result["confirmed"]:
                return  # nothing heard: reported as unconfirmed, never as confirmed
            assert all(device.tones[0x20 + i] == generated_tone(f"bank{i}") for i in range(4))
        return
    text = str(r.error)
    assert text.startswith("casio-cz: ") and "waiting for" in text and "received so far" in text
    assert r.seconds <= clean_seconds + TIMEOUT + 0.1  # fails within its time-out, never hangs


@pytest.mark.parametrize("fault", FAULTS)
@pytest.mark.parametrize("name", list(PROTOCOLS))
def test_each_fault_completes_correctly_or_fails_clearly(name, fault):
    model, make = PROTOCOLS[name]
    clean = simulate(make(), emu(model))
    assert clean.ok
    device = emu(model, faults=Faults.parse([fault]))
    host = make()
    r = simulate(host, device)
    if r.ok and not name.startswith("send"):
        for job, out in zip(host.jobs, r.result, strict=True):
            assert out.data == expected(device, job.obj, job.program)
    _check_outcome(name, device, r, clean.seconds)


def test_a_damaged_byte_never_passes_as_data():
    """Every single damaged byte of a tone fetch is caught (the CZ has no checksum, but the
    damage flips bit 6, which no nibble, header byte or F7 survives)."""
    for n in range(TONE_ANSWER):
        r = simulate(DEV.request_protocol("tone:0x20", Options(timeout=0.2)),
                     emu(faults=Faults(corrupt_byte=n)), rate=None)
        assert not r.ok, n


@pytest.mark.parametrize("name", list(PROTOCOLS))
def test_active_sensing_and_slow_writes_change_nothing(name):
    model, make = PROTOCOLS[name]
    device = emu(model, active_sensing=True, block_delay=0.05)
    host = make()
    r = simulate(host, device)
    assert r.ok, r.error
    assert (b"\xfe" in bytes(host.received)) == (r.seconds > 0.3)
    if name.startswith("send"):
        assert all(device.tones[0x20 + i] == generated_tone(f"bank{i}") for i in range(4))
    else:
        for job, out in zip(host.jobs, r.result, strict=True):
            assert out.data == expected(device, job.obj, job.program)


# --- the emulated firmware, byte by byte --------------------------------------------------------


def drive(device: CZEmulator, chunks: list[tuple[float, bytes]], until: float = 10.0):
    """Feed chunks at their times, run the device's timers; return [(time, bytes sent)]."""
    out = []
    step = device.start(0.0)
    for when, data in sorted(chunks, key=lambda c: c[0]):
        while step.deadline is not None and step.deadline <= when:
            t = step.deadline
            step = device.tick(t)
            out += [(t, step.send)] if step.send else []
        step = device.feed(data, when)
        out += [(when, step.send)] if step.send else []
    while step.deadline is not None and step.deadline <= until:
        t = step.deadline
        step = device.tick(t)
        out += [(t, step.send)] if step.send else []
    return out


def test_firmware_send_waits_for_7n_31_and_the_inactivity_timer_aborts():
    device = CZEmulator(wire_rate=None)
    out = drive(device, [(0.0, M.send_request(0x20)), (2.0, M.go_ahead() + b"\xf7")])
    assert out == [(0.0, M.reply_header())]
    assert "inactivity timer (1 s)" in device.log[0]
    device = CZEmulator(wire_rate=None, inactivity=3.0)
    out = drive(device, [(0.0, M.send_request(0x20) + b"\xf7"),  # closed too early: F7 ignored
                         (2.0, M.go_ahead())])
    assert out == [(0.0, M.reply_header()), (2.0, M.data_block(device.tones[0x20]))]
    device = CZEmulator(wire_rate=None)
    out = drive(device, [(0.0, M.send_request(0x20) + b"\x70\x32")])
    assert out == [(0.0, M.reply_header())] and "instead of the go-ahead" in device.log[0]


def test_firmware_receive_aborts_on_7n_31_and_non_nibbles_but_takes_7n_32():
    msg = M.tone_message(generated_tone("q"), 1, 0x21)
    for bad, text in ((b"\x70\x31", "70 31 during the data"), (b"\x15", "byte 15 during"),
                      (b"\xf7", "byte F7 during")):
        device = CZEmulator(wire_rate=None)
        before = device.tones[0x21]
        out = drive(device, [(0.0, msg[:100] + bad + msg[100:])])
        assert out == [(0.0, M.reply_header())]
        assert text in device.log[0] and device.tones[0x21] == before
    device = CZEmulator(wire_rate=None)
    out = drive(device, [(0.0, msg[:100] + b"\x70\x32" + msg[100:])])
    assert out == [(0.0, M.reply_header() + b"\xf7")] and device.tones[0x21] == generated_tone("q")
    device = CZEmulator(wire_rate=None)  # data that stops: the timer aborts, nothing written
    out = drive(device, [(0.0, msg[:200])])
    assert "inactivity" in device.log[0] and device.tones[0x21] != generated_tone("q")


def test_firmware_ignores_other_channels_unknown_commands_and_cz1_commands():
    device = CZEmulator(wire_rate=None, channel=2)
    out = drive(device, [(0.0, M.send_request(0x20, channel=1) + b"\xf7"),
                         (0.1, M.header(2, 0x7E) + b"\x00\xf7"),
                         (0.2, M.send_request(0x00, channel=2, what="named-tone") + b"\xf7"),
                         (0.3, M.send_request(0x30, channel=2) + b"\xf7"),
                         (0.4, M.send_request(0x21, channel=2))])
    assert out == [(0.4, M.reply_header(2))]
    assert any("command 11 ignored on the CZ-101" in line for line in device.log)
    assert any("0x30 is no slot" in line for line in device.log)


def test_firmware_ring_overflows_when_a_write_takes_long():
    device = CZEmulator(options=EmulatorOptions(block_delay=0.2))
    msgs = [M.tone_message(generated_tone(f"r{i}"), 1, 0x20 + i) for i in range(3)]
    t, chunks = 0.0, []
    for m in msgs:  # back to back at wire speed, each arriving when its last byte has crossed
        t += len(m) / WIRE
        chunks.append((t, m))
    drive(device, chunks)
    # The first is written. During its 200 ms write the host's closing F7 and 255 bytes of the
    # second fill the ring; the second's last 9 bytes and all of the third are lost.
    assert device.tones[0x20] == generated_tone("r0")
    assert device.lost == (264 - (RING_SIZE - 1)) + 264
    assert device.tones[0x21] != generated_tone("r1") and device.tones[0x22] != generated_tone("r2")
    assert "inactivity" in device.log[-1]  # the second, short of 9 nibbles, is aborted


def test_emulator_loads_dumps_and_refuses_what_it_cannot_hold(corpus):
    data = (corpus / "cz" / "INTERNAL.SYX").read_bytes()
    device = emu(memory=dumps_of(data))
    for i, dump in enumerate(dumps_of(data)):
        assert device.tones[dump.program] == dump.payload, i
    r = simulate(DEV.backup_protocol(Options(model="CZ-101")), device, rate=None)
    assert r.ok and combined(r.result) == b"".join(
        M.tone_message(d.payload, 1, d.program) for d in dumps_of(data))
    with pytest.raises(DeviceError, match="carries no address"):
        emu(memory=dumps_of(M.tone_message(generated_tone("a"), 1, None)))
    with pytest.raises(DeviceError, match="no cartridge inserted"):
        emu(memory=dumps_of(M.tone_message(generated_tone("a"), 1, 0x40)), no_cartridge=True)
    with pytest.raises(DeviceError, match="does not exist on the CZ-101"):
        emu(memory=dumps_of(M.object_message(bytes(20), 1, 3)))
    with pytest.raises(DeviceError, match="no memory content"):
        emu(memory=dumps_of(M.send_request(0x20) + b"\xf7"))


# --- properties ---------------------------------------------------------------------------------


def _split(data: bytes, cuts: list[int], sensing: list[int]) -> list[bytes]:
    """``data`` cut at ``cuts`` with active sensing put in at ``sensing`` positions."""
    out, last = [], 0
    for c in sorted(set(c % (len(data) + 1) for c in cuts)) + [len(data)]:
        piece = bytearray(data[last:c])
        for s in sensing:
            if piece:
                piece.insert(s % (len(piece) + 1), 0xFE)
        if piece:
            out.append(bytes(piece))
        last = c
    return out


@settings(max_examples=60, deadline=None)
@given(cuts=st.lists(st.integers(0, 400), max_size=12), sensing=st.lists(st.integers(0, 300),
                                                                         max_size=3))
def test_host_takes_the_answer_in_any_pieces_and_answers_at_the_right_moment(cuts, sensing):
    payload = generated_tone("prop")
    answer = M.reply_header() + M.data_block(payload)
    host = DEV.request_protocol("tone:0x20", Options())
    sent = [host.start(0.0).send]
    seen = 0
    for piece in _split(answer, cuts, sensing):
        seen += len(bytes(b for b in piece if b < 0xF8))
        step = host.feed(piece, 0.01)
        if step.send == M.go_ahead():
            assert seen >= 6 and seen - len(piece) < 6  # as soon as the header is complete
        sent.append(step.send)
    assert host.done and host.error is None
    assert b"".join(sent) == M.send_request(0x20) + M.go_ahead() + b"\xf7"
    assert host.result[0].data == M.tone_message(payload, 1, 0x20)


@settings(max_examples=40, deadline=None)
@given(cuts=st.lists(st.integers(0, 300), max_size=10), sensing=st.lists(st.integers(0, 300),
                                                                         max_size=3))
def test_firmware_takes_a_tone_in_any_pieces(cuts, sensing):
    msg = M.tone_message(generated_tone("piece"), 1, 0x2A)
    device = CZEmulator(wire_rate=None)
    out = drive(device, [(0.001 * i, p) for i, p in enumerate(_split(msg, cuts, sensing))])
    assert b"".join(o for _, o in out) == M.reply_header() + b"\xf7"
    assert device.tones[0x2A] == generated_tone("piece")


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=400))
def test_garbage_never_crashes_either_side(junk):
    device = CZEmulator(wire_rate=None)
    drive(device, [(0.0, junk), (0.5, junk)])
    host = DEV.request_protocol("tone:0x20", Options(timeout=0.1))
    host.start(0.0)
    host.feed(junk, 0.01)
    host.tick(1.0)
    assert host.done and (host.error is not None or host.result)
    if host.error is None:  # only a real answer can succeed
        assert junk.startswith(M.reply_header())


# --- real time ----------------------------------------------------------------------------------


def test_real_time_over_a_pty():
    master, slave = os.openpty()
    tty.setraw(master)
    tty.setraw(slave)
    device = emu()
    stop = threading.Event()
    t = threading.Thread(target=engine.serve, args=(device, FdTransport(slave, slave)),
                         kwargs={"stop": stop}, daemon=True)
    t.start()
    try:
        link = FdTransport(master, master, owns=False)
        events = []
        result = engine.run(DEV.request_protocol("tone:0x23", Options()), link,
                            on_event=events.append)
        assert result[0].data == expected(device, "tone", 0x23)
        summary = engine.run(DEV.send_protocol(bank(2, first=0x2C), Options()), link)
        assert summary["objects"] == 2
        assert device.tones[0x2D] == generated_tone("bank1")
        assert any(isinstance(e, ObjectDone) for e in events)
    finally:
        stop.set()
        t.join(2)
        os.close(master)


# --- verify: reread until two reads agree -------------------------------------------------------

class NibbleNoiseCZ(CZEmulator):
    """A CZ behind a noisy link: the damaged byte stays a valid nibble (bit 0 flipped), which
    no host can see in one read because the CZ sends no checksum."""

    def corrupt(self, byte: int) -> int:
        return byte ^ 0x01


def noisy(corrupt_byte: int) -> CZEmulator:
    return NibbleNoiseCZ("CZ-101", EmulatorOptions(faults=Faults(corrupt_byte=corrupt_byte)),
                         wire_rate=0)


def test_a_damaged_nibble_passes_one_read_but_not_verify():
    # Output byte 100 lies in the first tone's nibbles (header 6 bytes, then 256 nibbles).
    plain = simulate(DEV.backup_protocol(Options(model="CZ-101")), noisy(100), rate=None)
    assert plain.ok and plain.result[0].data != expected(noisy(100), "tone", 0x20)
    device = noisy(100)
    host = DEV.backup_protocol(Options(model="CZ-101", verify=True))
    r = simulate(host, device, rate=None)
    assert r.ok, r.error
    for job, out in zip(host.jobs, r.result, strict=True):
        assert out.data == expected(device, job.obj, job.program)
    assert any("two reads differed" in n for n in r.result[0].notes)
    # every tone read twice, the damaged one three times
    assert r.device_to_host == (2 * 16 + 1) * TONE_ANSWER


def test_verify_request_reads_twice_and_matches():
    device = emu(rate=None)
    r = simulate(DEV.request_protocol("tone:0x21", Options(verify=True)), device, rate=None)
    assert r.ok and r.result[0].data == expected(device, "tone", 0x21)
    assert r.device_to_host == 2 * TONE_ANSWER


def test_verify_reads_back_where_the_bytes_put_each_tone():
    # Intent and bytes differ: two tones sent with --program 0x60 both land in the edit buffer
    # (the CZ keeps only the second). Verify must compare the edit buffer with the last tone
    # sent there, not with the first one (which failed as "memory protect?" before).
    data = M.tone_message(generated_tone("a"), 1, 0x20) + M.tone_message(generated_tone("b"), 1, 0x21)
    device = emu()
    r = simulate(DEV.send_protocol(data, Options(program=EDIT_BUFFER, verify=True)), device,
                 rate=None)
    assert r.ok, r.error
    assert r.result["verified"] is True and r.result["slots"] == ["0x60", "0x60"]
    assert any("overwrote" in n for n in r.result["notes"])
    assert device.tones[EDIT_BUFFER] == generated_tone("b")
    # A file for channel 3 is read back on channel 3 (the channel byte sent), no --channel given.
    device = emu(channel=3)
    r = simulate(DEV.send_protocol(M.tone_message(generated_tone("c"), 3, 0x25),
                                   Options(verify=True)), device, rate=None)
    assert r.ok and r.result["verified"] is True
    assert bytes.fromhex("F0 44 00 00 72 10 25") in r.device_received


@pytest.mark.parametrize("what,model,expected", [
    ("internal:3", None, ("tone", 0x22)),
    ("internal:16", "CZ-1000", ("tone", 0x2F)),
    ("internal:B2", None, ("tone", 0x29)),  # CZ-3000/5000 banks
    ("internal:H8", "CZ-1", ("tone", 0x3F)),
    ("preset:1", None, ("tone", 0x00)),
    ("cartridge:6", None, ("tone", 0x45)),
    ("edit-buffer", None, ("tone", EDIT_BUFFER)),
    ("named-tone:A1", None, ("named-tone", 0x00)),
    ("opmem:5", None, ("operation-memory", 0x04)),
    ("tone:0x21", None, ("tone", 0x21)),
])
def test_request_whats_count_as_the_panel(what, model, expected):
    assert P.parse_what(what, model) == expected


@pytest.mark.parametrize("what,model", [
    ("internal:17", "CZ-101"), ("internal:0", None), ("tone:5", None), ("foo", None),
    ("opmem:65", None), ("tone:0x80", None), ("internal:E1", "CZ-5000"),
])
def test_bad_request_whats_are_usage_errors(what, model):
    from syxkit.devices.base import OptionError

    with pytest.raises(OptionError):
        DEV.request_protocol(what, Options(model=model))


def test_request_names_are_listed():
    patterns = [p for p, _ in DEV.request_names]
    assert "internal:N" in patterns and "edit-buffer" in patterns
    r = simulate(DEV.request_protocol("internal:2", Options()), emu(), rate=None)
    assert r.ok and bytes.fromhex("F0 44 00 00 70 10 21") in r.device_received
