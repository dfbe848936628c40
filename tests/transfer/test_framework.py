import os
import threading
import tty

import pytest
from toy import PAYLOAD, ToyDevice, ToyFetch

from syxkit.emulators.base import EmulatorOptions, Faults
from syxkit.protocols.base import Progress, TransferError
from syxkit.transfer import engine
from syxkit.transfer.sim import simulate
from syxkit.transfer.transport import FdTransport, memory_pair


def test_clean_instant_and_wire_speed():
    fast = simulate(ToyFetch(), ToyDevice(), rate=None)
    assert fast.ok and fast.result == PAYLOAD and fast.seconds == 0
    slow = simulate(ToyFetch(), ToyDevice(), rate=3125)
    assert slow.ok and slow.result == PAYLOAD
    # request 3 + header 3 + go 1 + 65 data, the last host F7 is not waited for
    assert slow.seconds == pytest.approx((3 + 3 + 1 + 65) / 3125)
    assert [e for e in slow.events if isinstance(e, Progress)][-1].bytes_done == 65


def test_active_sensing_is_ignored():
    r = simulate(ToyFetch(), ToyDevice(EmulatorOptions(active_sensing=True, block_delay=0.4)))
    assert r.ok and r.result == PAYLOAD


@pytest.mark.parametrize("faults", [
    Faults(stall_after=10), Faults(drop_handshake=0), Faults(corrupt_byte=20), Faults(reset_after=5),
])
def test_each_fault_gives_clear_error(faults):
    r = simulate(ToyFetch(timeout=0.5), ToyDevice(EmulatorOptions(faults=faults)))
    assert not r.ok
    text = str(r.error)
    assert text.startswith("toy: ")
    assert "waiting for" in text and "received so far" in text
    assert r.seconds <= 0.5 + 0.1  # fails within its time-out, never hangs


def test_fault_parse():
    f = Faults.parse(["stall:100", "corrupt:7"])
    assert f.stall_after == 100 and f.corrupt_byte == 7
    with pytest.raises(ValueError, match="expected one of"):
        Faults.parse(["explode:1"])


def _serve(transport):
    stop = threading.Event()
    t = threading.Thread(target=engine.serve, args=(ToyDevice(), transport), kwargs={"stop": stop}, daemon=True)
    t.start()
    return stop, t


def test_engine_over_memory_link():
    host, dev = memory_pair()
    stop, t = _serve(dev)
    events = []
    assert engine.run(ToyFetch(), host, on_event=events.append) == PAYLOAD
    assert events and isinstance(events[-1], Progress)
    stop.set()
    t.join(2)


def test_engine_over_pty_real_bytes():
    master, slave = os.openpty()
    tty.setraw(master)
    tty.setraw(slave)
    stop, t = _serve(FdTransport(slave, slave))
    try:
        assert engine.run(ToyFetch(), FdTransport(master, master, owns=False)) == PAYLOAD
    finally:
        stop.set()
        t.join(2)
        os.close(master)


def test_engine_failure_writes_recovery_file(tmp_path):
    host, dev = memory_pair()
    stop = threading.Event()
    emu = ToyDevice(EmulatorOptions(faults=Faults(stall_after=30)))
    t = threading.Thread(target=engine.serve, args=(emu, dev), kwargs={"stop": stop}, daemon=True)
    t.start()
    with pytest.raises(TransferError) as exc:
        engine.run(ToyFetch(timeout=0.3), host, recovery_dir=tmp_path)
    stop.set()
    t.join(2)
    files = list(tmp_path.iterdir())
    assert len(files) == 1 and str(files[0]) in str(exc.value)
    assert files[0].read_bytes() == b"\xf0\x7d\x30" + PAYLOAD[:27]


def test_cancel():
    host, _dev = memory_pair()
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(engine.Cancelled, match="cancelled"):
        engine.run(ToyFetch(), host, cancel=cancel)
