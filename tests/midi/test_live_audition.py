"""Audition through the web server's API against ``syxkit emulate casio-cz`` on a private JACK
server: after edits are auditioned, the emulator's edit buffer (0x60) holds the last edited
tone, and no memory slot changed (the emulator's saved memory equals its starting memory in
every other slot)."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest
from livehelpers import EmulatorProcess

from syxkit.core.framing import frame_messages
from syxkit.devices import registry
from syxkit.devices.base import Options

pytest.importorskip("httpx")
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "web"))
from webhelpers import Server, cz_tones, upload  # noqa: E402

pytestmark = pytest.mark.jack

EDIT_BUFFER = 0x60


@pytest.fixture
def server(tmp_path, jack_server):
    s = Server(tmp_path)
    yield s
    s.stop()


def by_program(data: bytes) -> dict[int, bytes]:
    """Tone payloads of a saved CZ memory, keyed by their wire address."""
    out = {}
    for msg in frame_messages(data, "saved"):
        dump = registry.identify(msg)
        if dump is not None and dump.kind == "tone":
            out[dump.program] = bytes(dump.payload)
    return out


def numeric_field(fields: list[dict], values: dict) -> tuple[str, list[int]]:
    """A number field and three values for it, each different from the tone's own."""
    for f in fields:
        if f.get("kind") == "int" and f.get("max") is not None and f["max"] - f["min"] >= 4:
            own = values[f["key"]]
            picks = [v for v in range(f["min"], f["max"] + 1) if v != own]
            return f["key"], [picks[0], picks[len(picks) // 2], picks[-1]]
    raise AssertionError(f"no number field among {[f['key'] for f in fields]}")


def test_audition_writes_the_edit_buffer_only(server, tmp_path):
    got = upload(server, [("tone.syx", cz_tones(1, seed=11))])
    pid = got[0]["patches"][0]["id"]
    fields = server.client.get(f"/api/patches/{pid}/fields").json()
    key, picks = numeric_field(fields["fields"], fields["values"])
    # the page may not choose where the sound lands
    r = server.client.post(f"/api/patches/{pid}/audition",
                           json={"values": {}, "port": "x", "program": "internal:1"})
    assert r.status_code == 422, r.text

    saved = tmp_path / "memory.syx"
    start = registry.get("casio-cz").emulator(Options(model="CZ-101")).save()
    emu = EmulatorProcess(["casio-cz", "--port", "webaudition", "--model", "CZ-101",
                           "--save-on-exit", str(saved)], dict(os.environ))
    answers = []
    try:
        # several edits in a row, as a dragged point gives: the last one must be what stays
        for value in picks:
            r = server.client.post(f"/api/patches/{pid}/audition",
                                   json={"values": {key: value}, "port": "webaudition",
                                         "backend": "jack", "model": "CZ-101"})
            assert r.status_code == 200, r.text
            answers.append(r.json())
        # over when no send is running and none starts after it (a queued one starts the
        # moment the running one is over)
        deadline = time.monotonic() + 10
        quiet = 0
        while time.monotonic() < deadline and quiet < 3:
            jobs = server.client.get("/api/jobs").json()
            quiet = quiet + 1 if jobs and all(j["state"] != "running" for j in jobs) else 0
            time.sleep(0.15)
    finally:
        emu.stop()
    assert answers[0]["state"] == "sent"
    assert jobs and all(j["state"] == "done" for j in jobs), jobs
    # coalesced: never more sends than edits, and every send went to the edit buffer
    assert len(jobs) <= len(picks)
    # one send per send started at once, plus one per running send that had a queue behind it
    started = sum(a["state"] == "sent" for a in answers)
    assert len(jobs) == started + len({a["job"] for a in answers if a["state"] == "queued"})
    for j in jobs:
        assert j["result"]["destinations"], j
        assert all("0x60" in str(d) or "edit buffer" in str(d).lower()
                   for d in j["result"]["destinations"]), j
    want = server.client.post(f"/api/patches/{pid}/edit",
                              json={"values": {key: picks[-1]}, "mode": "preview"}).content
    edited = by_program(registry.get("casio-cz").convert(
        [registry.identify(m) for m in frame_messages(want, "want")],
        Options(program=EDIT_BUFFER, model="CZ-101"))[0].data)[EDIT_BUFFER]
    before, after = by_program(start), by_program(saved.read_bytes())
    assert after[EDIT_BUFFER] == edited
    assert before[EDIT_BUFFER] != edited
    changed = sorted(pp for pp in set(before) | set(after) if before.get(pp) != after.get(pp))
    assert changed == [EDIT_BUFFER]
