"""K-Station family host protocols against the emulated device, in simulated and real time."""

from __future__ import annotations

import os
import re
import threading

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from syxkit.core.framing import frame_messages
from syxkit.core.message import Message
from syxkit.devices import registry
from syxkit.devices.base import DeviceError, Options
from syxkit.devices.novation_kstation import messages as m
from syxkit.devices.novation_kstation import protocol as p
from syxkit.devices.novation_kstation.emulator import KStationEmulator, block_of, generated_block
from syxkit.devices.novation_kstation.table import (
    HEADER_LEN,
    KIND_BY_NAME,
    MODELS,
    POS_CONTROL,
    PROGRAM_FIELDS,
    init_block,
)
from syxkit.emulators.base import EmulatorOptions, Faults
from syxkit.protocols.base import ObjectDone, Progress, strip_realtime
from syxkit.transfer import engine
from syxkit.transfer.sim import SimulationHang, simulate
from syxkit.transfer.transport import FdTransport

DEV = registry.get("novation-kstation")
WIRE = 3125
RATES = [None, WIRE]
PAIR = HEADER_LEN + 256 + 1  # 270
REQUEST = HEADER_LEN + 1  # 14


def emu(model="K-Station", **kw) -> KStationEmulator:
    opts = EmulatorOptions(active_sensing=kw.pop("active_sensing", False),
                           block_delay=kw.pop("block_delay", 0.0),
                           faults=kw.pop("faults", Faults()))
    return KStationEmulator(model, opts, **kw)


def combined(result) -> bytes:
    return b"".join(o.data for o in result)


def run_backup(device, rate=WIRE, **options):
    return simulate(DEV.backup_protocol(Options(model=device.model.name, **options)), device,
                    rate=rate)


# --- requests ------------------------------------------------------------------------------------


@pytest.mark.parametrize("rate", RATES)
@pytest.mark.parametrize("model", [mm.name for mm in MODELS])
def test_every_request_form_returns_the_memory(rate, model):
    device = emu(model)
    device.selected_bank = 2
    mem = device.banks
    cases = {
        "current": (m.current_sound(model, device.current), "-current.syx"),
        "program:3:17": (m.program_dump(model, 3, 17, mem[3][17], control=1), "-b3-p17.syx"),
        "program:17": (m.program_dump(model, 2, 17, mem[2][17], control=0),
                       "-selected-bank-p17.syx"),
        "pair:4:98": (m.pair_dump(model, 4, 98, mem[4][98], mem[4][99], control=1),
                      "-b4-p98-99.syx"),
        "pair:0x10": (m.pair_dump(model, 2, 16, mem[2][16], mem[2][17], control=0),
                      "-selected-bank-p16-17.syx"),
        "global": (m.global_dump(model, device.global_block), "-global.syx"),
    }
    for what, (expected, suffix) in cases.items():
        r = simulate(DEV.request_protocol(what, Options(model=model)), device, rate=rate)
        assert r.ok, r.error
        [out] = r.result
        assert out.data == expected, what
        assert out.name.endswith(suffix)
        if rate:  # request out, answer back, nothing idle
            assert r.seconds == pytest.approx((REQUEST + len(expected)) / WIRE)


@pytest.mark.parametrize("rate", RATES)
def test_bank_request_is_one_file_of_fifty_pairs(rate):
    device = emu()
    r = simulate(DEV.request_protocol("bank:3", Options()), device, rate=rate)
    assert r.ok
    [out] = r.result
    assert out.name == "k-station-bank3.syx"
    msgs = frame_messages(out.data)
    assert len(msgs) == 50 and len(out.data) == 13_500
    for k, msg in enumerate(msgs):
        d = DEV.identify(msg)
        assert (d.kind, d.bank, d.program, msg.data[POS_CONTROL]) == ("program-pair", 3, 2 * k, 1)
        assert block_of(msg.data) == device.program(3, 2 * k) + device.program(3, 2 * k + 1)
    # the K-Station answered with C = 0; the file says store to bank 3, as asked, and says so
    assert "C = 1" in out.notes[0]


def test_ks_series_answer_copies_c_and_drum_banks_have_25_pairs():
    device = emu("KS series")
    answer = []
    device.send = answer.append  # what the device puts on the wire, before any fault
    device.feed(m.request_program("KS series", 5, bank=6), 0.0)
    device.feed(m.request_pair("KS series", 4), 0.0)
    device.tick(0.0)
    assert [a[POS_CONTROL] for a in answer] == [1, 0]
    r = simulate(DEV.request_protocol("bank:7", Options(model="ks")), emu("KS series"), rate=None)
    assert r.ok and len(frame_messages(r.result[0].data)) == 25
    assert r.result[0].notes == []  # C came back as asked


def test_bad_what_and_bad_address_are_refused_clearly():
    for what, text in [("tone:1", "expected one of current"), ("program:1:100", "programs 0-99"),
                       ("pair:1:3", "even program"), ("bank:5", "no bank 5"),
                       ("program:x", "not a number"), ("current:1", "expected one of")]:
        with pytest.raises(DeviceError, match=text):
            DEV.request_protocol(what, Options())
    with pytest.raises(DeviceError, match="unknown model"):
        DEV.request_protocol("current", Options(model="Nova"))
    with pytest.raises(DeviceError, match="fixed_pause"):
        DEV.backup_protocol(Options(form="turbo"))


def test_channel_option_addresses_the_receive_channel():
    r = simulate(DEV.request_protocol("global", Options(channel=5)), emu(channel=5), rate=None)
    assert r.ok and r.device_received[6] == 4
    deaf = emu(channel=3)
    r = simulate(DEV.request_protocol("global", Options(channel=5, timeout=0.2)), deaf, rate=None)
    assert not r.ok and "neither 7F nor the receive channel 3" in deaf.log[0]


# --- the backup ----------------------------------------------------------------------------------


@pytest.mark.parametrize("rate", RATES)
def test_backup_equals_the_memory_at_the_wire_floor(rate):
    device = emu()
    r = run_backup(device, rate)
    assert r.ok, r.error
    assert [o.name for o in r.result] == [f"k-station-bank{b}.syx" for b in (1, 2, 3, 4)] + [
        "k-station-global.syx"]
    assert combined(r.result) == device.save()  # 200 pairs with C = 1, then global
    assert r.device_to_host == 200 * PAIR + PAIR and r.host_to_device == 201 * REQUEST
    if rate:
        # One exchange at a time, no idle gap: exactly the wire time of every byte, 5 % above
        # the time of the answers alone (requests cannot overlap answers in this scheme).
        assert r.seconds == pytest.approx(r.wire_bytes / WIRE)
        assert r.seconds <= 1.10 * (r.device_to_host / WIRE)
    progress = [e for e in r.events if isinstance(e, Progress)]
    assert progress[-1].bytes_done == progress[-1].bytes_total == 54_270
    assert progress[-1].objects_done == progress[-1].objects_total == 201
    done = [e for e in r.events if isinstance(e, ObjectDone)]
    assert [d.name for d in done] == [o.name for o in r.result]
    assert [d.data for d in done] == [o.data for o in r.result]


def test_backup_of_loaded_memory_and_other_models():
    source = emu()
    source.banks[2][7] = init_block()
    memory = [DEV.identify(msg) for msg in frame_messages(source.save())]
    device = KStationEmulator.from_options(Options(memory=memory))
    r = run_backup(device, None)
    assert r.ok and combined(r.result) == source.save()
    assert device.program(2, 7) == init_block()
    for model, banks in (("A-Station", 4), ("KS series", 8)):
        device = emu(model)
        r = run_backup(device, None)
        assert r.ok and combined(r.result) == device.save() and len(r.result) == banks + 1


def test_fixed_pause_variant_costs_a_pause_per_answer():
    device = emu()
    clean = run_backup(device)
    r = simulate(p.fixed_pause_backup(), emu())
    assert r.ok and combined(r.result) == device.save()
    # the pause follows every answer but the last
    assert r.seconds == pytest.approx(clean.seconds + 200 * p.FIXED_PAUSE)
    via_form = run_backup(emu(), form="fixed_pause")
    assert via_form.seconds == pytest.approx(r.seconds)


@pytest.mark.parametrize("rate", RATES)
def test_active_sensing_and_slow_answers_change_nothing(rate):
    device = emu(active_sensing=True, block_delay=0.05)
    r = run_backup(device, rate)
    assert r.ok and combined(r.result) == device.save()
    # sensing alone never keeps a dead exchange alive
    dead = emu(active_sensing=True, answers_stored_requests=False)
    r = run_backup(dead, rate, timeout=0.5)
    assert not r.ok and r.seconds < 1.2


# --- faults --------------------------------------------------------------------------------------

THIRD_ANSWER = 2 * PAIR  # first byte of the third answer on the device's output


@pytest.mark.parametrize("rate", RATES)
@pytest.mark.parametrize("fault", [
    Faults(stall_after=THIRD_ANSWER + 100),
    Faults(drop_handshake=0),  # there is no handshake to drop: must not matter
    Faults(corrupt_byte=THIRD_ANSWER),  # F0 -> B0
    Faults(corrupt_byte=THIRD_ANSWER + 5),  # device type 41 -> 01
    Faults(corrupt_byte=THIRD_ANSWER + PAIR - 1),  # F7 -> B7
    Faults(reset_after=THIRD_ANSWER + 100),
])
def test_each_fault_completes_right_or_fails_clearly(rate, fault):
    device = emu(faults=fault, active_sensing=True)
    timeout = 0.5
    r = run_backup(device, rate, timeout=timeout)
    if r.ok:
        assert combined(r.result) == device.save()
    else:
        text = str(r.error)
        assert text.startswith("novation-kstation: bank 1 programs 04-05 (3/201): timed out")
        assert "waiting for the program-pair dump for the bank 1 programs 04-05" in text
        assert "byte(s) received so far" in text
        # what came is kept for the recovery file: two whole answers (sent with C = 0), then
        # the start of the third
        answers = [m.pair_dump("K-Station", 1, k, *device.banks[1][k:k + 2]) for k in (0, 2)]
        assert strip_realtime(r.error.received)[:2 * PAIR] == b"".join(answers)
        # two requests, each given its time-out from the last byte that came
        last_byte = (THIRD_ANSWER + 100 + 3 * REQUEST) / WIRE if rate else 0
        assert r.seconds <= last_byte + 2 * timeout + 0.01
    expect_ok = fault.stall_after is None
    assert r.ok == expect_ok


def _request_pair(device):
    return DEV.request_protocol("pair:2:40", Options(timeout=0.5))


def _request_current(device):
    return DEV.request_protocol("current", Options(timeout=0.5))


def _send_verified(device):
    data = m.pair_dump("K-Station", 3, 8, init_block(), init_block(), control=1)
    return DEV.send_protocol(data, Options(verify=True, timeout=0.5))


def _expected(name, device):
    if name == "_request_pair":
        return m.pair_dump("K-Station", 2, 40, *device.banks[2][40:42], control=1)
    if name == "_request_current":
        return m.current_sound("K-Station", device.current)
    return None


@pytest.mark.parametrize("rate", RATES)
@pytest.mark.parametrize("make", [_request_pair, _request_current, _send_verified])
@pytest.mark.parametrize("fault", ["stall:100", "drop-handshake:0", "corrupt:0", "corrupt:6",
                                   "corrupt:11", "reset:100", "none"])
def test_every_protocol_under_every_fault(rate, make, fault):
    faults = Faults.parse([] if fault == "none" else [fault])
    device = emu(faults=faults, active_sensing=True)
    r = simulate(make(device), device, rate=rate)
    if r.ok:
        want = _expected(make.__name__, device)
        if want is not None:
            assert combined(r.result) == want
        else:
            assert r.result["verified"] and device.program(3, 8) == init_block()
    else:
        text = str(r.error)
        assert text.startswith("novation-kstation: ") and "waiting for the" in text
        assert "timed out (2 request(s) sent, 0.5 s each)" in text
        assert "documents only" not in text  # the device did answer, then stalled
        assert r.seconds <= 1.0 + 0.2
    assert r.ok == (fault != "stall:100")


@pytest.mark.parametrize("rate", RATES)
def test_damaged_data_byte_needs_verify(rate):
    # No checksum: a flipped bit inside a block is still a valid block. One read cannot see it.
    target = THIRD_ANSWER + HEADER_LEN + 10
    plain = emu(faults=Faults(corrupt_byte=target))
    r = run_backup(plain, rate)
    diff = [i for i, (a, b) in enumerate(zip(combined(r.result), plain.save(), strict=True)) if a != b]
    assert diff == [target]
    # verify reads every object until two reads agree: the damaged read is outvoted
    checked = emu(faults=Faults(corrupt_byte=target))
    r = run_backup(checked, rate, verify=True)
    assert r.ok and combined(r.result) == checked.save()
    assert r.device_to_host == 2 * 201 * PAIR + PAIR  # one extra read for the damaged pair


def test_verify_gives_up_when_reads_keep_differing():
    device = emu()
    r = simulate(DEV.request_protocol("current", Options(verify=True)), device, rate=None)
    assert r.ok
    flaky = emu()
    reads = iter(range(10))

    def edit_each_time(real=flaky._reply):
        def reply(*args):
            flaky.current = bytes([next(reads)]) + flaky.current[1:]
            return real(*args)
        return reply

    flaky._reply = edit_each_time()
    r = simulate(DEV.request_protocol("current", Options(verify=True)), flaky, rate=None)
    assert not r.ok and "3 reads all differ" in str(r.error)


def test_unanswered_request_on_a_k_station_points_to_the_panel_dump():
    device = emu(answers_stored_requests=False)
    r = run_backup(device, timeout=0.3)
    assert not r.ok and "documents only the current-sound request" in str(r.error)
    assert "syxkit receive" in str(r.error)
    assert r.seconds == pytest.approx(2 * 0.3)  # two requests, each given its time-out
    # the documented request works on that device
    r = simulate(DEV.request_protocol("current", Options()), device)
    assert r.ok


def test_wrong_answers_are_never_taken():
    device = emu()
    real = device._reply
    device._reply = lambda kind, c, bank, program: real(kind, c, bank, (program + 2) % 100)
    r = simulate(DEV.request_protocol("pair:1:4", Options(timeout=0.2)), device)
    assert not r.ok
    assert "the last: the bank 1 programs 06-07 instead of the bank 1 programs 04-05" in str(r.error)
    other = emu("A-Station")
    host = p.Fetch("K-Station", [p.ask_for(m.request_global("A-Station"))], [("g", 1)],
                   timeout=0.2)
    r = simulate(host, other)
    assert not r.ok and "a message from an A-Station, not the K-Station asked" in str(r.error)


def test_simulation_never_hangs_on_a_silent_line():
    class Silent(KStationEmulator):
        def on_bytes(self, data):
            pass

    for make in (lambda: DEV.backup_protocol(Options(timeout=0.1)),
                 lambda: DEV.send_protocol(m.global_dump("K-Station", bytes(256)), Options())):
        try:
            r = simulate(make(), Silent())
        except SimulationHang as exc:  # pragma: no cover - the failure this test guards
            pytest.fail(str(exc))
        assert r.seconds < 1


# --- sending -------------------------------------------------------------------------------------


def four_banks_file() -> bytes:
    source = KStationEmulator()
    for bank in source.banks:  # something else than the target's memory
        source.banks[bank] = [generated_block(source.model, bank + 10, k) for k in range(100)]
    return source.save()


@pytest.mark.parametrize("rate", RATES)
def test_send_stores_everything_paced_by_the_wire_and_gap(rate):
    data = four_banks_file()
    device = emu()
    r = simulate(DEV.send_protocol(data, Options()), device, rate=rate)
    assert r.ok
    assert device.save() == data
    assert r.device_received == data and r.device_to_host == 0
    assert r.result["messages"] == 201 and r.result["banks"] == [1, 2, 3, 4]
    assert r.result["acknowledged"] is False and r.result["kinds"] == {"program-pair": 200,
                                                                      "global": 1}
    floor = len(data) / WIRE
    # the host paces by wire time even on an instant link: the gap is real idle time
    assert r.seconds == pytest.approx(floor + 201 * p.DEFAULT_SEND_GAP)
    assert r.seconds < 1.15 * floor
    slow = simulate(DEV.send_protocol(data, Options(packet_gap=0.05)), emu(), rate=rate)
    assert slow.seconds == pytest.approx(floor + 201 * 0.05)


def test_send_follows_c_b_p_rules_on_the_device():
    device = emu()
    device.selected_bank = 3
    block = init_block()
    other = generated_block(device.model, 9, 9)
    data = (m.program_dump("K-Station", 1, 5, block, control=1)
            + m.pair_dump("K-Station", 4, 10, block, other, control=0)  # C=0: bank 3
            + m.current_sound("K-Station", other))
    before_bank4 = list(device.banks[4])
    r = simulate(DEV.send_protocol(data, Options(verify=True)), device)
    assert r.ok and r.result["verified"]
    assert device.program(1, 5) == block
    assert device.program(3, 10) == block and device.program(3, 11) == other
    assert device.banks[4] == before_bank4
    assert device.current == other and device.stored == 3


def test_send_verify_catches_what_the_device_did_not_store():
    # SysEx channel 5 on a device listening on channel 1: silently ignored, as a synth does
    data = m.program_dump("K-Station", 1, 5, init_block(), control=1, sysex_channel=4)
    device = emu()
    r = simulate(DEV.send_protocol(data, Options(verify=True)), device)
    assert not r.ok and "read back differs" in str(r.error)
    assert "the device did not store what was sent" in str(r.error)


def test_send_refuses_files_the_device_would_misread():
    k = m.program_dump("K-Station", 1, 0, init_block(), control=0)
    k2 = m.program_dump("K-Station", 2, 0, init_block(), control=0)
    a = m.program_dump("A-Station", 1, 0, init_block(), control=1)
    for data, text in [
        (k + k2, "stores them all in the selected bank"),
        (k + a, "mixes A-Station and K-Station"),
        (m.request_current("K-Station"), "not a dump"),
        (b"\x01\x02" + k, "outside any SysEx message"),
        (k[:-20] + b"\xf7", "expected 142"),
        (b"", "nothing to send"),
        (bytes.fromhex("F0 43 10 F7"), "not a K-Station family message"),
    ]:
        with pytest.raises(DeviceError, match=text):
            DEV.send_protocol(data, Options())
    with pytest.raises(DeviceError, match="a K-Station ignores them"):
        DEV.send_protocol(a, Options(model="K-Station"))
    with pytest.raises(DeviceError, match="0 or more"):
        DEV.send_protocol(k, Options(packet_gap=-1))
    # real-time bytes between messages are harmless and not sent
    r = simulate(DEV.send_protocol(b"\xfe" + k + b"\xf8", Options()), emu())
    assert r.ok and r.device_received == k


# --- the emulator --------------------------------------------------------------------------------


def test_emulator_refuses_what_the_device_refuses():
    device = emu()
    before = device.save()
    bad = [
        m.program_dump("A-Station", 1, 0, init_block(), control=1),  # another device type
        m.build(m.Header(device.model, KIND_BY_NAME["program"], 2, 8, 0, 1, 0), init_block()),
        m.build(m.Header(device.model, KIND_BY_NAME["program"], 1, 8, 0, 5, 0), init_block()),
        m.build(m.Header(device.model, KIND_BY_NAME["program-pair"], 1, 8, 0, 1, 3),
                init_block() * 2),
        m.program_dump("K-Station", 1, 0, init_block())[:-30] + b"\xf7",  # short
        m.program_dump("K-Station", 1, 0, init_block())[:-1] + b"\x90",  # cut by a note-on
    ]
    for msg in bad:
        device.feed(msg, 0.0)
    assert device.save() == before
    assert len(device.log) == len(bad)
    assert "A-Station" in device.log[0] and "control byte C = 2" in device.log[1]
    assert "no bank 5" in device.log[2] and "no pair at program 3" in device.log[3]
    assert "cut short by status byte 90" in device.log[5]


def test_emulator_memory_save_and_panel_dump():
    device = emu()
    saved = device.save()
    msgs = frame_messages(saved)
    assert len(saved) == 54_270 and len(msgs) == 201
    assert all(not DEV.identify(x).problems for x in msgs)
    # generated programs are valid table programs, each different
    blocks = {device.program(b, k) for b in device.banks for k in range(100)}
    assert len(blocks) == 400
    for bank, k in ((1, 0), (4, 99)):
        single = Message(m.program_dump("K-Station", bank, k, device.program(bank, k)))
        d = DEV.identify(single)
        params = DEV.decode(d)
        assert DEV.encode({"kind": d.kind, "model": d.model, "bank": d.bank, "program": d.program,
                           "params": params}) == single.data
        enums = [params[f.section][f.name] for f in PROGRAM_FIELDS if f.conv.kind == "enum"]
        assert all(isinstance(v, str) for v in enums)  # every enum at a named value
    step = device.start(0.0)
    assert step.send == b""
    device.panel_dump()
    assert device.tick(0.0).send == saved[:-PAIR]
    with pytest.raises(DeviceError, match="holds no data to load"):
        KStationEmulator(memory=[m.request_global("K-Station")])
    with pytest.raises(DeviceError, match="A-Station's"):
        KStationEmulator(memory=[m.global_dump("A-Station", bytes(256))])
    loaded = KStationEmulator(memory=[m.global_dump("K-Station", bytes(range(128)) * 2)])
    assert loaded.global_block == bytes(range(128)) * 2


def test_emulator_hook_reads_the_options():
    device = DEV.emulator(Options(model="a-station", active_sensing=True, block_delay=0.2,
                                  faults=Faults(stall_after=3), channel=2))
    assert device.model.name == "A-Station" and device.receive_channel == 1
    assert device.options.active_sensing and device.options.block_delay == 0.2
    assert device.options.faults.stall_after == 3


# --- framing of the incoming stream --------------------------------------------------------------

messages_st = st.lists(st.one_of(
    st.binary(max_size=20).map(lambda b: b"\xf0" + bytes(x & 0x7F for x in b) + b"\xf7"),
    st.binary(max_size=6),  # junk, cut messages, stray status bytes
), max_size=8).map(b"".join)


@settings(max_examples=150, deadline=None)
@given(messages_st, st.lists(st.integers(0, 200), max_size=6))
def test_reader_gives_the_same_frames_however_the_stream_is_cut(data, cuts):
    whole = p.SysexReader()
    expected = whole.feed(data)
    pieces = p.SysexReader()
    got = []
    edges = sorted({c % (len(data) + 1) for c in cuts})
    for lo, hi in zip([0, *edges], [*edges, len(data)], strict=True):
        got += pieces.feed(data[lo:hi])
    assert got == expected
    # complete frames are exactly the F0 … F7 spans with only data bytes between (MIDI ends an
    # exclusive at any status byte)
    good = [f.data for f in expected if f.complete]
    assert good == re.findall(rb"\xf0[\x00-\x7f]*\xf7", data)
    assert all(0x80 <= f.ended_by != 0xF7 for f in expected if not f.complete)


def test_reader_drops_overlong_messages():
    reader = p.SysexReader(limit=10)
    assert reader.feed(b"\xf0" + bytes(20) + b"\xf7\xf0\x01\xf7") == [p.Frame(b"\xf0\x01\xf7")]
    assert reader.overlong == 1


# --- real time -----------------------------------------------------------------------------------


def test_bank_request_in_real_time_over_os_pipes():
    to_device_r, to_device_w = os.pipe()
    to_host_r, to_host_w = os.pipe()
    device = emu(active_sensing=True)
    stop = threading.Event()
    device_side = FdTransport(to_device_r, to_host_w)
    server = threading.Thread(target=engine.serve, args=(device, device_side),
                              kwargs={"stop": stop}, daemon=True)
    server.start()
    host = FdTransport(to_host_r, to_device_w)
    events = []
    try:
        result = engine.run(DEV.request_protocol("bank:2", Options(timeout=2.0)), host,
                            on_event=events.append)
    finally:
        stop.set()
        server.join(2)
        host.close()
        device_side.close()
    assert combined(result) == device.save()[13_500:27_000]
    assert isinstance(events[-1], ObjectDone)
