"""The web librarian's API against a real ``syxkit web --no-browser --port 0`` started here on
a temporary library, driven with httpx: every endpoint, the security checks, bad uploads, and
bank downloads byte-identical to ``syxkit lib bank export``."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest

httpx = pytest.importorskip("httpx")

from webhelpers import (  # noqa: E402
    HOSTILE,
    Server,
    cli,
    cz_tones,
    ks_programs,
    upload,
    vz_bank,
)

from syxkit.devices.casio_vz.messages import bulk_file  # noqa: E402
from syxkit.devices.casio_vz.sounds import example_voice, with_name  # noqa: E402
from syxkit.devices.casio_vz.table import VOICE  # noqa: E402


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    s = Server(tmp_path_factory.mktemp("web"))
    yield s
    s.stop()


def files_in(folder: Path) -> set[Path]:
    return {p for p in folder.rglob("*")}


# -- security ------------------------------------------------------------------------------------
def test_without_token_everything_is_refused(server):
    raw = httpx.Client(base_url=server.base)
    for path in ("/", "/index.html", "/app.js", "/api/patches", "/api/openapi.json", "/nope"):
        assert raw.get(path).status_code == 401, path
    assert raw.get("/api/patches", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert raw.get("/?token=wrong").status_code == 401
    assert raw.post("/api/banks", json={}).status_code == 401


def test_token_in_address_sets_cookie_and_strips_it(server):
    raw = httpx.Client(base_url=server.base)
    r = raw.get(f"/?token={server.token}")
    assert r.status_code == 303 and r.headers["location"] == "/"
    cookie = r.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    page = raw.get("/")  # the cookie now does
    assert page.status_code == 200 and "<syx-app>" in page.text
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["referrer-policy"] == "no-referrer"
    assert "<script>" not in page.text  # no inline script
    assert raw.get("/app.js").status_code == 200
    # A page change from the page itself (same origin) passes; from elsewhere it does not.
    own = raw.post("/api/banks", json={"name": "cookie-bank", "device": "casio-cz"},
                   headers={"Origin": server.base})
    assert own.status_code == 201, own.text
    other = raw.post("/api/banks", json={"name": "evil", "device": "casio-cz"},
                     headers={"Origin": "http://evil.example"})
    assert other.status_code == 403
    # A cookie-only change without Origin is no page of ours.
    assert raw.delete("/api/banks/cookie-bank").status_code == 403
    assert server.client.delete("/api/banks/cookie-bank").status_code == 200


def test_other_host_refused(server):
    for host in ("evil.example", f"evil.example:{server.host.split(':')[1]}", "127.0.0.1:1"):
        r = server.client.get("/api/patches", headers={"Host": host})
        assert r.status_code == 403, host
    assert server.client.get("/api/patches", headers={
        "Host": f"localhost:{server.host.split(':')[1]}"}).status_code == 200


def test_other_origin_refused_even_with_token(server):
    r = server.client.post("/api/banks", json={"name": "x", "device": "casio-cz"},
                           headers={"Origin": "http://127.0.0.1:1"})
    assert r.status_code == 403
    assert server.client.get("/api/banks/x").status_code == 404


def test_openapi_documents_the_api(server):
    doc = server.client.get("/api/openapi.json").json()
    for path in ("/api/patches", "/api/import", "/api/banks/{name}/syx", "/api/devices"):
        assert path in doc["paths"]
    assert server.client.get("/docs").status_code == 404  # no CDN-backed docs UI


# -- import --------------------------------------------------------------------------------------
def test_import_reports_new_then_in_library_with_library_name(server):
    bank = vz_bank()
    first = upload(server, [("vz/bank1.syx", bank)])[0]
    assert first["status"] == "imported" and first["new"] == 64, first
    assert [p["name"] for p in first["patches"][:2]] == ["WEB VOICE 00", "WEB VOICE 01"]
    assert first["bank"]["device"] == "casio-vz" and len(first["bank"]["ids"]) == 64
    pid = first["patches"][0]["id"]
    r = server.client.patch(f"/api/patches/{pid}", json={"name": "warm pad"})
    assert r.status_code == 200 and r.json()["name"] == "WARM PAD"  # as the VZ shows it
    again = upload(server, [("again.syx", bank)])[0]
    assert again["new"] == 0 and again["in_library"] == 64
    assert again["patches"][0]["status"] == "in-library"
    assert again["patches"][0]["name"] == "WARM PAD"  # the name it has in the library
    assert again["patches"][0]["name_in_file"] == "WEB VOICE 00"


def test_bad_uploads_get_a_clear_error_each_and_nothing_outside(server, tmp_path):
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("huge.syx", b"\0" * (80 * 1024 * 1024))
    evil = io.BytesIO()
    with zipfile.ZipFile(evil, "w") as zf:
        zf.writestr("../../escaped.syx", cz_tones(1))
        zf.writestr("/abs/escaped2.syx", cz_tones(1))
    before = files_in(server.tmp)
    big = b"\xf0" + b"\x00" * (200 * 1024 * 1024)
    results = upload(server, [("empty.syx", b""), ("garbage.syx", b"hello, not sysex " * 40),
                              ("big.syx", big), ("bomb.zip", bomb.getvalue()),
                              ("evil.zip", evil.getvalue()), ("../../../outside.syx", cz_tones(1))])
    by = {r["name"]: r for r in results}
    assert "empty" in by["empty.syx"]["error"]
    assert by["garbage.syx"]["new"] == 0
    assert by["garbage.syx"]["error"] or by["garbage.syx"]["problems"] or by["garbage.syx"]["notes"]
    assert "limit per file" in by["big.syx"]["error"]
    assert by["bomb.zip"]["new"] == 0 and "at most" in json.dumps(by["bomb.zip"])
    # Zip members are read in memory and never become paths: "/abs/…" is read as data; the
    # readers skip "../" members (like hidden ones) without writing anything.
    assert [p["member"] for p in by["evil.zip"]["patches"]] == ["/abs/escaped2.syx"]
    assert by["../../../outside.syx"]["stored_as"] == "upload/outside.syx"
    after = files_in(server.tmp)
    new = {p for p in after - before if p.is_file()}
    library_files = {p for p in new if p.parent == server.library.parent}
    assert new == library_files, new - library_files  # nothing but the library's own files
    assert not list((server.tmp / "t").iterdir())  # the upload folder is gone
    for name in ("escaped.syx", "escaped2.syx", "outside.syx"):
        assert not list(server.tmp.parent.rglob(name))


def test_request_over_the_limit_is_refused(server):
    r = server.client.post("/api/import", files=[("files", ("a.syx", b"\0" * (257 * 1024 * 1024)))])
    assert r.status_code == 413 and "limit per request" in r.json()["detail"]


def test_hostile_file_name_comes_back_as_json_data(server):
    (res,) = upload(server, [(HOSTILE, cz_tones(1, seed=0x33))])
    assert res["name"] == HOSTILE
    pid = res["patches"][0]["id"]
    r = server.client.get(f"/api/patches/{pid}")
    assert r.headers["content-type"].startswith("application/json")
    assert [s["path"] for s in r.json()["sources"]] == ["upload/" + HOSTILE]
    listed = server.client.get("/api/patches", params={"q": "img onerror"}).json()
    assert any(i["id"] == pid for i in listed["items"])
    assert listed["items"][0]["name"].startswith("<img")  # data, for the page to escape


# -- patches -------------------------------------------------------------------------------------
def test_list_filters_paging_sort_and_search(server):
    upload(server, [("cz/tones.syx", cz_tones(12))])
    all_cz = server.client.get("/api/patches", params={"device": "casio-cz", "limit": 5}).json()
    assert all_cz["total"] >= 12 and len(all_cz["items"]) == 5
    assert set(all_cz["items"][0]) == {"id", "name", "device", "model", "models", "kind",
                                       "tags", "favourite", "seen", "renderable"}
    # a CZ tone fits every CZ-101-format model: the list says which (its model family)
    assert "CZ-101" in all_cz["items"][0]["models"]
    page2 = server.client.get("/api/patches", params={"device": "casio-cz", "limit": 5,
                                                      "offset": 5}).json()
    assert not {i["id"] for i in page2["items"]} & {i["id"] for i in all_cz["items"]}
    names = [i["name"] for i in server.client.get("/api/patches", params={
        "device": "casio-vz", "sort": "-name", "limit": 1000}).json()["items"]]
    assert names == sorted(names, key=str.casefold, reverse=True)
    hits = server.client.get("/api/patches", params={"q": "web voi 0"}).json()
    assert hits["total"] >= 1 and all("VOICE" in i["name"] for i in hits["items"])
    # a search counts exactly below its cap (10,000) and says whether it stopped counting
    assert hits["total_is_estimate"] is False and all_cz["total_is_estimate"] is False
    # device ids compare exactly as stored; a script's other spelling is lowered first
    assert server.client.get("/api/patches", params={"device": "Casio-CZ", "limit": 5}
                             ).json()["total"] == all_cz["total"]
    assert server.client.get("/api/patches", params={"sort": "bogus"}).status_code == 422


def test_patch_view_edit_tags_notes_and_bulk(server):
    pid = server.client.get("/api/patches", params={"device": "casio-vz"}).json()["items"][1]["id"]
    r = server.client.patch(f"/api/patches/{pid}", json={"notes": "for <b>live</b>",
                                                         "favourite": True, "tags": ["pad", "vz"]})
    p = r.json()
    assert p["notes"] == "for <b>live</b>" and p["favourite"] and p["tags"] == ["pad", "vz"]
    assert p["decoded"]["params"] and p["sources"] and p["seen"] >= 1
    assert p["name_rule"]["max_length"] == 12
    bad = server.client.patch(f"/api/patches/{pid}", json={"name": "much too long a name"})
    assert bad.status_code == 422 and "12" in bad.json()["detail"]
    assert server.client.get("/api/patches", params={"tag": "pad"}).json()["total"] == 1
    assert server.client.get("/api/patches", params={"q": "live"}).json()["items"][0]["id"] == pid
    assert {"name": "pad", "count": 1} in server.client.get("/api/tags").json()
    ids = [i["id"] for i in server.client.get("/api/patches", params={"device": "casio-vz",
                                                                      "limit": 3}).json()["items"]]
    assert server.client.post("/api/patches/bulk", json={"ids": ids, "action": "tag",
                                                         "tags": ["three"]}).status_code == 200
    assert server.client.get("/api/patches", params={"tag": "three"}).json()["total"] == 3
    server.client.post("/api/patches/bulk", json={"ids": ids, "action": "favourite"})
    fav = server.client.get("/api/patches", params={"favourite": True}).json()["total"]
    assert fav >= 3
    syx = server.client.get(f"/api/patches/{pid}/syx")
    assert syx.status_code == 200 and syx.content[0] == 0xF0
    exp = server.client.post("/api/export", json={"ids": ids, "format": "zip"})
    assert len(zipfile.ZipFile(io.BytesIO(exp.content)).namelist()) == 3
    one = server.client.post("/api/export", json={"ids": ids, "format": "syx"})
    assert one.content.count(b"\xf7") == 3
    assert server.client.get("/api/patches/99999999").status_code == 404
    gone = server.client.post("/api/patches/bulk", json={"ids": ids[:1], "action": "remove"})
    assert gone.status_code == 200
    assert ids[0] not in [i["id"] for i in server.client.get("/api/patches", params={
        "tag": "three"}).json()["items"]]
    trash = server.client.get("/api/patches", params={"trash": True}).json()["items"]
    assert [i["id"] for i in trash] == ids[:1]
    server.client.post("/api/patches/bulk", json={"ids": ids[:1], "action": "restore"})
    assert server.client.get("/api/patches", params={"tag": "three"}).json()["total"] == 3


def test_cz_101_tone_has_no_name_to_write(server):
    pid = server.client.get("/api/patches", params={"device": "casio-cz"}).json()["items"][0]["id"]
    r = server.client.patch(f"/api/patches/{pid}", json={"name": "my bass"})
    assert r.status_code == 200 and "no names" in r.json()["name_note"]


def test_duplicates_devices(server):
    (res,) = upload(server, [("renamed.syx", bulk_file([with_name(example_voice(), "DUP ONE", VOICE)] * 1
                                                       + [with_name(example_voice(), "DUP TWO", VOICE)] * 63))])
    assert res["objects"] == 64
    names = server.client.get("/api/duplicates/names").json()
    assert any({"DUP ONE", "DUP TWO"} <= set(i["names"]) for i in names["items"])
    sounds = server.client.get("/api/duplicates/sounds").json()
    assert "total" in sounds and isinstance(sounds["items"], list)
    devs = {d["id"]: d for d in server.client.get("/api/devices").json()}
    assert devs["casio-vz"]["bank_formats"][0]["slots"]["voice"] == 64
    assert "voice" in devs["casio-vz"]["kinds"]
    assert any(r["max_length"] == 16 for r in devs["casio-cz"]["name_rules"])


# -- banks ---------------------------------------------------------------------------------------
def bank_bytes_equal_cli(server, tmp_path, name, params=None, cli_args=()):
    r = server.client.get(f"/api/banks/{name}/syx", params=params or {})
    assert r.status_code == 200, r.text
    out = tmp_path / f"{name}.syx"
    done = cli(server, "bank", "export", name, "-o", str(out), *cli_args)
    assert done.returncode == 0, done.stderr
    written = sorted(tmp_path.glob(f"{name}*.syx"))
    if len(written) == 1:
        assert r.content == out.read_bytes()
    else:
        zf = zipfile.ZipFile(io.BytesIO(r.content))
        assert {n: zf.read(n) for n in zf.namelist()} == {p.name: p.read_bytes() for p in written}
    return r.content


def test_vz_bank_built_through_the_api(server, tmp_path):
    (res,) = upload(server, [("vzsrc.syx", vz_bank())])
    ids = [p["id"] for p in res["patches"]]
    b = server.client.post("/api/banks", json={"name": "vzweb", "device": "casio-vz",
                                               "ids": ids[:60]})
    assert b.status_code == 201 and b.json()["capacity"] == 128
    check = server.client.get("/api/banks/vzweb/check").json()
    assert not check["ok"] and "64" in check["reason"]
    assert server.client.get("/api/banks/vzweb/syx").status_code == 422
    server.client.post("/api/banks/vzweb/slots", json={"ids": ids[60:63]})
    server.client.put("/api/banks/vzweb/slots/64", json={"id": ids[63]})
    server.client.post("/api/banks/vzweb/swap", json={"a": 1, "b": 2})
    moved = server.client.post("/api/banks/vzweb/move", json={"from": 3, "to": 10}).json()
    assert [s["id"] for s in moved["slots"][:2]] == [ids[1], ids[0]]
    assert moved["slots"][9]["id"] == ids[2]
    server.client.patch(f"/api/patches/{ids[5]}", json={"name": "renamed 6"})
    assert server.client.get("/api/banks/vzweb/check").json()["ok"]
    data = bank_bytes_equal_cli(server, tmp_path, "vzweb")
    assert len(data) == 43094 and b"RENAMED 6" not in data  # VZ names are stored shifted
    z = server.client.get("/api/banks/vzweb/zip")
    assert len(zipfile.ZipFile(io.BytesIO(z.content)).namelist()) == 64
    assert server.client.get("/api/banks").json()[0]["name"]


def test_cz_bank_built_through_the_api(server, tmp_path):
    (res,) = upload(server, [("czsrc.syx", cz_tones(10))])
    ids = [p["id"] for p in res["patches"]]
    server.client.post("/api/banks", json={"name": "czweb", "device": "casio-cz",
                                           "model": "CZ-5000", "ids": ids[:6]})
    server.client.delete("/api/banks/czweb/slots/2")
    filled = server.client.post("/api/banks/czweb/fill", json={"patch": ids[9], "upto": 8}).json()
    assert filled["size"] == 8 and filled["slots"][7]["id"] == ids[9]
    bank_bytes_equal_cli(server, tmp_path, "czweb")
    server.client.post("/api/banks", json={"name": "cz101", "device": "casio-cz",
                                           "model": "CZ-101", "ids": ids[:4]})
    blank = server.client.post("/api/banks/cz101/fill", json={"blank": True}).json()
    assert blank["size"] == 16
    bank_bytes_equal_cli(server, tmp_path, "cz101")
    wrong = server.client.put("/api/banks/cz101/slots/1", json={"id": server.client.get(
        "/api/patches", params={"device": "casio-vz"}).json()["items"][0]["id"]})
    assert wrong.status_code == 422 and "casio-cz" in wrong.json()["detail"]
    assert server.client.put("/api/banks/cz101/slots/40", json={"id": ids[0]}).status_code == 422


def test_kstation_bank_built_through_the_api(server, tmp_path):
    (res,) = upload(server, [("ks.syx", ks_programs(100))])
    assert res["new"] == 100, res
    ids = [p["id"] for p in res["patches"]]
    server.client.post("/api/banks", json={"name": "ksweb", "device": "novation-kstation",
                                           "model": "K-Station", "ids": ids})
    server.client.post("/api/banks/ksweb/swap", json={"a": 1, "b": 100})
    params = {"program": 0, "bank": 2, "store_to_bank": True}
    data = bank_bytes_equal_cli(server, tmp_path, "ksweb", params,
                                ("--program", "0", "--bank", "2", "--store-to-bank"))
    assert data.count(b"\xf0") == 50
    assert server.client.delete("/api/banks/ksweb").json() == {"deleted": "ksweb"}
    assert server.client.get("/api/banks/ksweb").status_code == 404
