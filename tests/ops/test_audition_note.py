"""The editor's test note: note on, a hold, note off, on the channel the audition addresses;
queued on the port behind the edits submitted before it (never overtaking one, never dropped),
while edits still coalesce with an edit waiting last. Run in-process through the real jobs
layer with a port that records what each job writes."""

from __future__ import annotations

import threading
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from syxkit.devices import registry
from syxkit.devices.base import OptionError
from syxkit.devices.casio_cz.messages import tone_message
from syxkit.devices.casio_cz.tone import init_payload
from syxkit.devices.novation_kstation.messages import program_dump
from syxkit.devices.novation_kstation.table import init_block
from syxkit.midi import Opened
from syxkit.ops.audition import Auditions, edit_buffer_bytes, note_channel
from syxkit.ops.jobs import Jobs, JobSpec
from syxkit.protocols.note import TestNote
from syxkit.transfer.transport import Transport

KS = registry.get("novation-kstation")
CZ = registry.get("casio-cz")


@given(st.integers(1, 16), st.integers(0, 127), st.integers(1, 127),
       st.floats(0.01, 5, allow_nan=False))
def test_note_protocol_holds_then_releases(channel, note, velocity, hold):
    p = TestNote("casio-cz", channel, note, velocity, hold)
    step = p.start(100.0)
    assert step.send == bytes((0x8F + channel, note, velocity)) and not step.done
    assert step.deadline == pytest.approx(100.0 + hold)
    assert p.tick(100.0 + hold / 2).send == b""  # nothing before the hold is over
    step = p.tick(100.0 + hold)
    assert step.send == bytes((0x7F + channel, note, 0x40)) and step.done
    assert p.release() == b""  # released once only


@pytest.mark.parametrize("bad", [dict(channel=0), dict(channel=17), dict(note=128),
                                 dict(velocity=0), dict(hold=0)])
def test_note_values_out_of_range_are_refused(bad):
    args = dict(channel=1, note=60, velocity=100, hold=0.3) | bad
    with pytest.raises(OptionError, match=next(iter(bad))):
        TestNote("casio-cz", **args)


def test_note_channel_is_the_auditions_own():
    cz, _ = edit_buffer_bytes(CZ, tone_message(init_payload(), channel=3, program=0x20), "CZ-101")
    assert note_channel(CZ, cz, None) == 3
    assert note_channel(CZ, cz, 3) == 3
    with pytest.raises(OptionError, match="channel 3"):
        note_channel(CZ, cz, 5)
    # the K-Station's current sound goes to SysEx channel 7F (any): the asked one, else 1
    ks, _ = edit_buffer_bytes(KS, program_dump("K-Station", 1, 0, init_block()), "K-Station")
    assert note_channel(KS, ks, None) == 1
    assert note_channel(KS, ks, 9) == 9


class Recording(Transport):
    """A port that keeps every write in one log shared by all jobs; writes wait for ``gate``
    so a test can hold the first job running while it queues others."""

    can_split_sysex = True

    def __init__(self, log: list[bytes], gate: threading.Event):
        self.log, self.gate = log, gate

    def write(self, data: bytes) -> None:
        self.gate.wait(10)
        self.log.append(bytes(data))

    def read(self, timeout: float | None) -> bytes:
        time.sleep(min(timeout or 0.01, 0.01))
        return b""


def test_note_waits_behind_earlier_edits_and_later_edits_wait_behind_it(tmp_path):
    log: list[bytes] = []
    gate = threading.Event()

    def opener(port, **_):
        return Opened(Recording(log, gate), "test", port, port)

    jobs = Jobs(tmp_path / "lib.sqlite", lambda *_: [], lambda *_: b"", opener=opener)
    auditions = Auditions(jobs)
    edits = [edit_buffer_bytes(KS, program_dump("K-Station", 1, 0, bytes([k]) + init_block()[1:]),
                               "K-Station")[0] for k in range(4)]

    def edit(k):
        return auditions.submit(JobSpec(command="send", port="p", device=KS.id, data=edits[k]))

    def note(n):
        return auditions.submit(JobSpec(command="note", port="p", device=KS.id, note={
            "channel": 2, "note": n, "velocity": 100, "hold": 0.02}))

    assert edit(0)["state"] == "sent"  # running, held at its first write
    assert edit(1)["state"] == "queued"
    assert note(60)["state"] == "queued"  # behind edit 1
    assert edit(2)["state"] == "queued"  # after the note: it must not replace edit 1
    assert edit(3)["dropped"] == 1  # replaces edit 2, the edit waiting last
    assert note(62)["state"] == "queued"
    gate.set()
    deadline = time.monotonic() + 20
    while (auditions.ports or any(j.state == "running" for j in jobs.jobs.values())) \
            and time.monotonic() < deadline:
        time.sleep(0.02)
    assert [j.state for j in jobs.jobs.values()] == ["done"] * 5
    sent = b"".join(log)
    want = (edits[0] + edits[1] + bytes((0x91, 60, 100, 0x81, 60, 0x40)) + edits[3]
            + bytes((0x91, 62, 100, 0x81, 62, 0x40)))
    assert sent == want
