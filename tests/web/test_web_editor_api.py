"""The editor's API (web/editor.py) against a real ``syxkit web``: fields and panel values of a
patch, edits saved as a new version or over the old one, previews of the edited bytes, bad
keys and values refused naming the field and its range, and randomize / mutate / morph
results that ``syxkit info --strict`` passes."""

from __future__ import annotations

import json
import subprocess

import pytest

httpx = pytest.importorskip("httpx")

from webhelpers import SYXKIT, Server, cli, cz_tones, ks_programs, upload, vz_bank  # noqa: E402


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    s = Server(tmp_path_factory.mktemp("web"))
    upload(s, [("tones.syx", cz_tones(3)), ("voices.syx", vz_bank()),
               ("ks.syx", ks_programs(2))])
    yield s
    s.stop()


def ids_of(server: Server, device: str, kind: str | None = None) -> list[int]:
    params = {"device": device, "limit": 1000, **({"kind": kind} if kind else {})}
    r = server.client.get("/api/patches", params=params)
    return [i["id"] for i in r.json()["items"]]


def decoded(server: Server, patch_id: int) -> dict:
    return server.client.get(f"/api/patches/{patch_id}/fields").json()["values"]


def info_strict(tmp_path, data: bytes) -> subprocess.CompletedProcess:
    path = tmp_path / "edited.syx"
    path.write_bytes(data)
    return subprocess.run([str(SYXKIT), "info", "--strict", str(path)], capture_output=True,
                          text=True, timeout=120)


def test_fields_values_and_editable(server):
    pid = ids_of(server, "casio-cz")[0]
    out = server.client.get(f"/api/patches/{pid}/fields").json()
    keys = {f["key"] for f in out["fields"]}
    assert {"vibrato.rate", "line1.dcw.rates.3", "line1.dcw.levels.3"} <= keys
    assert set(out["values"]) == keys
    dcw = next(e for e in out["envelopes"] if e["id"] == "line1.dcw")
    assert dcw["steps"] == 8 and dcw["levels"][2] == "line1.dcw.levels.3"
    assert server.client.get(f"/api/patches/{pid}").json()["editable"] is True
    for device in ("casio-vz", "novation-kstation"):
        other = ids_of(server, device)[0]
        assert server.client.get(f"/api/patches/{other}/fields").json()["fields"], device


def test_new_version_changes_exactly_the_values_sent(server):
    pid = ids_of(server, "casio-cz")[1]
    before = decoded(server, pid)
    r = server.client.post(f"/api/patches/{pid}/edit", json={
        "values": {"vibrato.rate": before["vibrato.rate"] + 7, "line1.dcw.levels.2": 12},
        "mode": "new-version"})
    assert r.status_code == 200, r.text
    new = r.json()
    assert new["created"] and new["parent_id"] == pid and new["id"] != pid
    after = decoded(server, new["id"])
    moved = {k for k in before if before[k] != after[k]}
    assert moved == {"vibrato.rate", "line1.dcw.levels.2"}
    assert after["line1.dcw.levels.2"] == 12
    assert decoded(server, pid) == before  # the old patch is untouched
    history = json.loads(cli(server, "show", str(new["id"]), "--json").stdout)
    assert history["history"]["parent"] == pid


def test_save_over_takes_the_old_ones_place_and_keeps_it_in_the_history(server):
    pid = ids_of(server, "casio-cz")[2]
    server.client.patch(f"/api/patches/{pid}", json={"notes": "keep me", "favourite": True})
    bank = server.client.post("/api/banks", json={"name": "over", "device": "casio-cz",
                                                  "ids": [pid]}).json()
    assert [s["id"] for s in bank["slots"]] == [pid]
    r = server.client.post(f"/api/patches/{pid}/edit",
                           json={"values": {"vibrato.depth": 33}, "mode": "save-over"})
    assert r.status_code == 200, r.text
    new = r.json()["id"]
    slots = server.client.get("/api/banks/over").json()["slots"]
    assert [s["id"] for s in slots] == [new]
    shown = server.client.get(f"/api/patches/{new}").json()
    assert shown["notes"] == "keep me" and shown["favourite"] is True
    trash = server.client.get("/api/patches", params={"trash": True}).json()["items"]
    assert pid in [t["id"] for t in trash]
    assert decoded(server, new)["vibrato.depth"] == 33


def test_preview_answers_the_edited_bytes_and_saves_nothing(server, tmp_path):
    pid = ids_of(server, "casio-cz")[0]
    total = server.client.get("/api/patches").json()["total"]
    r = server.client.post(f"/api/patches/{pid}/edit",
                           json={"values": {"line1.dcw.rates.3": 70}, "mode": "preview"})
    assert r.status_code == 200 and r.content[:1] == b"\xf0" and r.content[-1:] == b"\xf7"
    assert info_strict(tmp_path, r.content).returncode == 0
    got = subprocess.run([str(SYXKIT), "get", str(tmp_path / "edited.syx"),
                          "line1.dcw.rates.3", "--json"], capture_output=True, text=True)
    assert '"value": 70' in got.stdout, got.stdout + got.stderr
    assert server.client.get("/api/patches").json()["total"] == total


@pytest.mark.parametrize("values,key,words", [
    ({"vibrato.rate": 100}, "vibrato.rate", "0-99"),
    ({"vibrato.wave": "wobble"}, "vibrato.wave", "triangle"),
    ({"vibrato.rat": 3}, None, "vibrato.rate"),
])
def test_bad_values_are_refused_naming_the_field_and_range(server, values, key, words):
    pid = ids_of(server, "casio-cz")[0]
    r = server.client.post(f"/api/patches/{pid}/edit", json={"values": values})
    assert r.status_code == 422
    detail = r.json()["detail"]
    assert detail["key"] == key and words in detail["message"]


@pytest.mark.parametrize("device", ["casio-cz", "casio-vz", "novation-kstation"])
def test_variations_are_valid_dumps(server, tmp_path, device):
    first, second = ids_of(server, device)[:2]
    out = server.client.get(f"/api/patches/{first}/fields").json()
    start = out["values"]
    locked = out["fields"][-1]["group_label"]  # a group by the label the page shows
    in_locked = {f["key"] for f in out["fields"] if f["group_label"] == locked}
    for body in ({"action": "randomize", "seed": 1},
                 {"action": "randomize", "seed": 2, "locks": [locked]},
                 {"action": "mutate", "amount": 0.6, "seed": 3},
                 {"action": "morph", "amount": 0.5, "other_id": second}):
        r = server.client.post(f"/api/patches/{first}/variation", json=body)
        assert r.status_code == 200, (body, r.text)
        values = r.json()["values"]
        changed = {k: v for k, v in values.items() if v != start[k]}
        if body["action"] != "morph":
            assert changed, body
        if body.get("locks"):
            assert not set(changed) & in_locked
        r = server.client.post(f"/api/patches/{first}/edit",
                               json={"values": changed, "mode": "preview"})
        assert r.status_code == 200, (body, r.text)
        checked = info_strict(tmp_path, r.content)
        assert checked.returncode == 0, (body, checked.stdout)


def test_morph_refuses_another_device(server):
    cz, vz = ids_of(server, "casio-cz")[0], ids_of(server, "casio-vz")[0]
    r = server.client.post(f"/api/patches/{cz}/variation",
                           json={"action": "morph", "other_id": vz})
    assert r.status_code == 422 and "cannot morph" in r.json()["detail"]["message"]
