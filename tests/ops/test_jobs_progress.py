"""A finished job's progress counts objects in the unit its protocol counted them while it
ran (what the page's progress bar showed): a VZ bulk is 64 voices in one file and a K-Station
backup 201 programs and its global data in five files, so a done job says "64 / 64" and
"201 / 201", never "1 / 64" or "5 / 201". Run in-process through the real jobs layer, the
emulator served on the other end of an in-memory port."""

from __future__ import annotations

import json
import threading

import pytest

from syxkit.devices import registry
from syxkit.devices.base import Options
from syxkit.midi import Opened
from syxkit.ops.jobs import Jobs, JobSpec
from syxkit.protocols.base import Progress
from syxkit.transfer import engine
from syxkit.transfer.sim import simulate
from syxkit.transfer.transport import memory_pair

# device, model, emulator options (the VZ's user presses SAVE -> MIDI at once; it answers no
# request), object files the backup writes
CASES = [("casio-cz", "CZ-101", {}, 16),
         ("casio-vz", "VZ-1", {"panel_send": "voices", "send_rate": 0, "rx_buffer": 0}, 1),
         ("novation-kstation", "K-Station", {}, 5)]


@pytest.mark.parametrize("device_id,model,emu,files", CASES)
def test_done_backup_counts_objects_as_its_protocol_did(tmp_path, device_id, model, emu, files):
    dev = registry.get(device_id)
    host_side, device_side = memory_pair()
    stop = threading.Event()
    server = threading.Thread(target=engine.serve, daemon=True,
                              args=(dev.emulator(Options(model=model, **emu)), device_side),
                              kwargs={"stop": stop, "poll": 0.005})
    server.start()

    def opener(port, **_):
        return Opened(host_side, "memory", port, port)

    jobs = Jobs(tmp_path / "lib.sqlite", lambda *_: [], lambda *_: b"", opener=opener)
    try:
        job = jobs.wait(jobs.start(JobSpec(command="backup", port="mem", device=device_id,
                                           model=model)).id, 60)
    finally:
        stop.set()
        server.join(5)
    assert job.state == "done", job.error
    # the protocol's own count, from the same backup in virtual time
    sim = simulate(dev.backup_protocol(Options(model=model, form="faithful")),
                   dev.emulator(Options(model=model, **emu)), rate=None)
    total = [e for e in sim.events if isinstance(e, Progress)][-1].objects_total
    assert len(sim.result) == files and len(job.result["files"]) == files + 2  # + combined, manifest
    assert job.progress["objects"] == job.progress["objects_expected"] == total


def test_finish_keeps_object_files_saved_whole_during_the_transfer(tmp_path):
    """Each object is saved (atomically, synced) the moment it is complete; ``finish`` leaves
    such a file as it is instead of writing it a second time (one fsync per object, after
    the transfer, measured as most of a web backup's time past the CLI path's in
    bench/transfer.py), and writes every object whose file is missing or holds other bytes."""
    from syxkit.devices.base import Output
    from syxkit.ops import backup

    def tone(k: int) -> bytes:
        return bytes([0xF0, 0x44, 0x00, 0x00, 0x70, k, 0xF7])

    files = backup.BackupFiles(tmp_path / "b", "casio-cz", {"model": "CZ-101"})
    files.make_folder()
    for k in range(4):
        files.keep(f"tone {k}", tone(k))
    inode = {k: (tmp_path / "b" / f"tone-{k}.syx").stat().st_ino for k in range(4)}
    (tmp_path / "b" / "tone-2.syx").unlink()  # gone since (removed by hand)
    (tmp_path / "b" / "tone-3.syx").write_bytes(b"other")  # changed since
    outs = [Output(f"tone {k}", tone(k)) for k in range(4)] + [Output("tone 9", tone(9))]
    outs[1] = Output("tone 1", tone(11))  # the final list holds other bytes for it
    done = files.finish(outs, 1.0, tmp_path)
    for out, (_, path) in zip(outs, done.written, strict=True):
        assert path.read_bytes() == out.data
    assert (tmp_path / "b" / "tone-0.syx").stat().st_ino == inode[0]  # not written again
    assert (tmp_path / "b" / "tone-1.syx").stat().st_ino != inode[1]
    manifest = json.loads(done.manifest.read_text())
    assert [o["bytes"] for o in manifest["objects"]] == [len(o.data) for o in outs]
