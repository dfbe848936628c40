"""Audition through the web server's API on a private JACK server: against ``syxkit emulate
casio-cz``, the emulator's edit buffer (0x60) holds the last edited tone after edits are
auditioned; against ``syxkit emulate novation-kstation``, its current sound is the edited
program; against ``syxkit emulate casio-vz``, its edit area (reported when it stops) holds
the edited voice (a VZ operation memory is refused). In all, no memory slot changed (the
emulator's saved memory equals its starting memory in every other slot). The test note is
recorded on a JACK port of the test's own (the emulators ignore channel messages): exactly
note on then note off on the audition's channel, after the edit sent before it."""

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
from syxkit.devices.casio_cz.messages import tone_message
from syxkit.devices.casio_cz.tone import init_payload
from syxkit.devices.casio_vz.messages import opmem_message
from syxkit.devices.casio_vz.sounds import example_opmem
from syxkit.midi import open_virtual

pytest.importorskip("httpx")
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "web"))
from webhelpers import Server, cz_tones, ks_programs, upload, vz_bank  # noqa: E402

pytestmark = pytest.mark.jack

EDIT_BUFFER = 0x60


@pytest.fixture(scope="module")
def server(tmp_path_factory, jack_server):
    s = Server(tmp_path_factory.mktemp("server"))
    yield s
    s.stop()


def settle(server: Server, seen: set[str], timeout: float = 10) -> list[dict]:
    """The jobs started since ``seen`` once none is running and none starts after them (a
    queued one starts the moment the running one is over)."""
    deadline = time.monotonic() + timeout
    quiet = 0
    jobs: list[dict] = []
    while time.monotonic() < deadline and quiet < 3:
        jobs = [j for j in server.client.get("/api/jobs").json() if j["id"] not in seen]
        quiet = quiet + 1 if jobs and all(j["state"] != "running" for j in jobs) else 0
        time.sleep(0.15)
    return jobs


def job_ids(server: Server) -> set[str]:
    return {j["id"] for j in server.client.get("/api/jobs").json()}


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
    seen = job_ids(server)
    try:
        # several edits in a row, as a dragged point gives: the last one must be what stays
        for value in picks:
            r = server.client.post(f"/api/patches/{pid}/audition",
                                   json={"values": {key: value}, "port": "webaudition",
                                         "backend": "jack", "model": "CZ-101"})
            assert r.status_code == 200, r.text
            answers.append(r.json())
        jobs = settle(server, seen)
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


def block_of(data: bytes) -> bytes:
    """The 128-byte sound block of the one K-Station message in ``data``."""
    (dump,) = [registry.identify(m) for m in frame_messages(data, "ks")]
    return bytes(dump.payload)


def test_kstation_audition_sets_the_current_sound_only(server, tmp_path):
    pid = upload(server, [("ks.syx", ks_programs(1))])[0]["patches"][0]["id"]
    fields = server.client.get(f"/api/patches/{pid}/fields").json()
    key, picks = numeric_field(fields["fields"], fields["values"])
    saved = tmp_path / "ks-memory.syx"
    start = registry.get("novation-kstation").emulator(Options(model="K-Station")).save()
    emu = EmulatorProcess(["novation-kstation", "--port", "ksaudition", "--model", "K-Station",
                           "--save-on-exit", str(saved)], dict(os.environ))
    seen = job_ids(server)
    try:
        for value in picks:
            r = server.client.post(f"/api/patches/{pid}/audition",
                                   json={"values": {key: value}, "port": "ksaudition",
                                         "backend": "jack", "model": "K-Station"})
            assert r.status_code == 200, r.text
        jobs = settle(server, seen)
        assert jobs and all(j["state"] == "done" for j in jobs), jobs
        for j in jobs:
            assert j["result"]["destinations"], j
            assert all("not stored" in str(d) for d in j["result"]["destinations"]), j
        # the emulator's current sound, as the device itself answers the request for it
        r = server.client.post("/api/jobs", json={"command": "request", "device": "novation-kstation",
                                                  "model": "K-Station", "port": "ksaudition",
                                                  "backend": "jack", "what": "current"})
        assert r.status_code == 201, r.text
        (request,) = [j for j in settle(server, seen | {j["id"] for j in jobs})]
        assert request["state"] == "done", request
        (current,) = request["result"]["files"]
    finally:
        emu.stop()
    want = server.client.post(f"/api/patches/{pid}/edit",
                              json={"values": {key: picks[-1]}, "mode": "preview"}).content
    stored = server.client.post(f"/api/patches/{pid}/edit",
                                json={"values": {}, "mode": "preview"}).content
    assert block_of(Path(current).read_bytes()) == block_of(want) != block_of(stored)
    # no program slot and no global setting changed
    assert saved.read_bytes() == start


def test_vz_audition_fills_the_edit_area_only(server, tmp_path):
    # one voice of a bulk dump in the library: auditioned as a single voice (no address byte),
    # which the VZ keeps in its edit (compare/recall) area
    pid = upload(server, [("vz.syx", vz_bank())])[0]["patches"][5]["id"]
    fields = server.client.get(f"/api/patches/{pid}/fields").json()
    key, picks = numeric_field(fields["fields"], fields["values"])
    saved = tmp_path / "vz-memory.syx"
    start = registry.get("casio-vz").emulator(Options(model="VZ-1")).save()
    emu = EmulatorProcess(["casio-vz", "--port", "vzaudition", "--model", "VZ-1",
                           "--save-on-exit", str(saved)], dict(os.environ))
    seen = job_ids(server)
    try:
        for value in picks[:2]:
            r = server.client.post(f"/api/patches/{pid}/audition",
                                   json={"values": {key: value}, "port": "vzaudition",
                                         "backend": "jack", "model": "VZ-1"})
            assert r.status_code == 200, r.text
        jobs = settle(server, seen)
    finally:
        stopped = emu.stop()
    assert jobs and all(j["state"] == "done" for j in jobs), jobs
    for j in jobs:
        assert j["result"]["destinations"], j
        assert all("edit area" in str(d) for d in j["result"]["destinations"]), j
    assert not any("ERROR" in line for line in stopped["log"]), stopped["log"]
    want = server.client.post(f"/api/patches/{pid}/edit",
                              json={"values": {key: picks[1]}, "mode": "preview"}).content
    stored = server.client.post(f"/api/patches/{pid}/edit",
                                json={"values": {}, "mode": "preview"}).content
    (area,) = [registry.identify(m) for m in frame_messages(bytes.fromhex(stopped["edit_area"]))]
    assert area.kind == "voice" and bytes(area.payload) == vz_voice(want) != vz_voice(stored)
    # no memory slot changed: the saved memory is the starting memory
    assert saved.read_bytes() == start


def vz_voice(data: bytes) -> bytes:
    """The payload of the one VZ voice in ``data`` (a single voice or a bulk part)."""
    dumps = [registry.identify(m) for m in frame_messages(data, "vz")]
    (voice,) = [o for d in dumps for o in registry.get("casio-vz").objects(d) if o.kind == "voice"]
    return bytes(voice.payload)


def test_vz_operation_memory_is_not_auditioned(server):
    pid = upload(server, [("opmem.syx", opmem_message(example_opmem()))])[0]["patches"][0]["id"]
    for path in ("audition", "audition/note"):
        r = server.client.post(f"/api/patches/{pid}/{path}",
                               json={"values": {}, "port": "vzaudition", "backend": "jack"})
        assert r.status_code == 422 and "operation memory" in r.text, r.text


def recorder(name: str):
    """A JACK port of the test's own that keeps every byte written to it (raw events)."""
    transport, used = open_virtual(name, backend_name="jack", rate=0)
    assert used == "jack"
    return transport


def drain(transport, want: int, timeout: float = 10, tail: float = 0.5) -> bytes:
    """At least ``want`` bytes (or what came within ``timeout``), then whatever else arrives
    until ``tail`` seconds pass without a byte."""
    got = bytearray()
    deadline = time.monotonic() + timeout
    while len(got) < want and time.monotonic() < deadline:
        got += transport.read(0.1)
    while more := transport.read(tail):
        got += more
    return bytes(got)


def test_test_note_plays_on_the_auditions_channel_after_the_edit(server):
    # a CZ tone on channel 3: the audition addresses 7n = 72, so the note goes on channel 3
    tone = tone_message(init_payload(), channel=3, program=0x21)
    cz = upload(server, [("ch3.syx", tone)])[0]["patches"][0]["id"]
    ks = upload(server, [("ks-note.syx", ks_programs(2))])[0]["patches"][1]["id"]
    rec = recorder("notesink")
    try:
        r = server.client.post(f"/api/patches/{cz}/audition/note",
                               json={"port": "notesink", "backend": "jack", "note": 64,
                                     "velocity": 90, "hold_ms": 100})
        assert r.status_code == 200, r.text
        assert r.json()["channel"] == 3
        assert drain(rec, 6) == bytes((0x92, 64, 90, 0x82, 64, 0x40))
        # a channel the audition does not send on is refused (the CZ would not play the edit)
        r = server.client.post(f"/api/patches/{cz}/audition/note",
                               json={"port": "notesink", "backend": "jack", "channel": 5})
        assert r.status_code == 422 and "channel 3" in r.text, r.text

        # K-Station: an edit, then at once a note; the note leaves after the edit
        fields = server.client.get(f"/api/patches/{ks}/fields").json()
        key, picks = numeric_field(fields["fields"], fields["values"])
        edit = server.client.post(f"/api/patches/{ks}/audition", json={
            "values": {key: picks[0]}, "port": "notesink", "backend": "jack"})
        note = server.client.post(f"/api/patches/{ks}/audition/note", json={
            "values": {key: picks[0]}, "port": "notesink", "backend": "jack"})
        assert edit.status_code == 200 and note.status_code == 200, (edit.text, note.text)
        assert note.json()["channel"] == 1  # SysEx channel 7F names none: the default
        want = server.client.post(f"/api/patches/{ks}/edit", json={
            "values": {key: picks[0]}, "mode": "preview"}).content
        got = drain(rec, 142 + 6)
    finally:
        rec.close()
    sysex, notes = got[:-6], got[-6:]
    assert sysex[:7] == bytes.fromhex("f0 00 20 29 01 41 7f") and sysex[7] == 0x00  # current sound
    assert block_of(sysex) == block_of(want)
    assert notes == bytes((0x90, 60, 100, 0x80, 60, 0x40))
