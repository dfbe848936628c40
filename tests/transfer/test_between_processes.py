"""The transfer engine over OS pipes between two processes: an emulated RZ-1, loaded with the
real capture's sample RAM, runs in a child process; the host fetches through the pipes and gets
the device-side capture byte for byte (every handshake crossing a real process boundary)."""

from __future__ import annotations

import multiprocessing
import os
import signal

from corpus_files import corpus_path

from syxkit.devices import registry
from syxkit.devices.base import Options
from syxkit.inspect import load
from syxkit.transfer import engine
from syxkit.transfer.transport import FdTransport, PacedTransport


def _device_process(read_fd: int, write_fd: int, capture: str) -> None:
    import threading

    from syxkit.devices.casio_rz1.emulator import RZ1Emulator, memory_from_dumps

    dumps = [d for src in load([capture]) for m in src.messages if (d := registry.identify(m))]
    # Unlimited UART speed in the emulator; the pipe writes are paced at 8x MIDI speed so the
    # host still meets the stream in many small pieces.
    emulator = RZ1Emulator(memory=memory_from_dumps(dumps), uart_rate=None)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    engine.serve(emulator, PacedTransport(FdTransport(read_fd, write_fd), 3125 * 8), stop=stop)


def test_rz1_fetch_across_processes(tmp_path):
    capture = corpus_path("rz1", "rz1_sample_dump_from_device.bin")
    to_dev_r, to_dev_w = os.pipe()
    to_host_r, to_host_w = os.pipe()
    child = multiprocessing.get_context("fork").Process(
        target=_device_process, args=(to_dev_r, to_host_w, str(capture)), daemon=True)
    child.start()
    os.close(to_dev_r)
    os.close(to_host_w)
    host = FdTransport(to_host_r, to_dev_w)
    try:
        dev = registry.get("casio-rz1")
        protocol = dev.request_protocol("sample-ram", Options(timeout=5.0))
        outputs = engine.run(protocol, host, recovery_dir=tmp_path)
        assert child.pid != os.getpid()
        assert bytes(protocol.received).startswith(capture.read_bytes())
        loadable = b"".join(o.data for o in outputs)
        assert len(loadable) == 33_030 and loadable.startswith(bytes.fromhex("F0 44 01 00 70 20 00"))
    finally:
        host.close()
        child.terminate()
        child.join(5)
    assert list(tmp_path.iterdir()) == []  # no recovery file: nothing failed
