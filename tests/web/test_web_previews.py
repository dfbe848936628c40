"""Sound previews through the web API, against a real ``syxkit web`` on a temporary library:
GET /api/patches/{id}/preview.wav gives a WAV of the sound, rendered once (the second request
comes from the cache beside the library, concurrent requests share one render), in the
background (the list answers while previews render), and says why when a patch cannot be
rendered; list items and the patch view say which patches can be."""

from __future__ import annotations

import array
import io
import threading
import wave

import pytest

httpx = pytest.importorskip("httpx")
pytest.importorskip("numpy", reason="rendering needs the audio extra")

from webhelpers import Server, ks_programs, upload, vz_bank  # noqa: E402

from syxkit.devices.casio_cz.messages import tone_message  # noqa: E402
from syxkit.devices.casio_cz.tone import init_payload  # noqa: E402


def cz_tones(n: int) -> bytes:
    """Tones with quick attacks (so a 2.5 s preview is loud), each another sound."""
    out = []
    for k in range(n):
        p = bytearray(init_payload())
        p[21] = 0x77 - 4 * k  # line 1 DCA step 1 rate: 99, 96 …
        out.append(tone_message(bytes(p), channel=1, program=0x20 + k))
    return b"".join(out)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    s = Server(tmp_path_factory.mktemp("previews"))
    upload(s, [("cz.syx", cz_tones(4)), ("vz.syx", vz_bank()), ("ks.syx", ks_programs(2))])
    yield s
    s.stop()


def ids(server: Server, device: str) -> list[int]:
    r = server.client.get("/api/patches", params={"device": device, "limit": 100, "sort": "id"})
    return [p["id"] for p in r.json()["items"]]


def stats(server: Server) -> dict:
    return server.client.get("/api/previews").json()


def parse(data: bytes) -> tuple[wave._wave_params, array.array]:
    with wave.open(io.BytesIO(data)) as w:
        return w.getparams(), array.array("h", w.readframes(w.getnframes()))


@pytest.mark.parametrize("device", ["casio-cz", "casio-vz"])
def test_preview_is_a_wav_of_the_sound_then_comes_from_the_cache(server, device):
    pid = ids(server, device)[0]
    before = stats(server)
    first = server.client.get(f"/api/patches/{pid}/preview.wav")
    assert first.status_code == 200, first.text
    assert first.headers["content-type"] == "audio/wav"
    assert first.headers["x-syxkit-preview"] == "render"
    params, frames = parse(first.content)
    assert (params.nchannels, params.sampwidth, params.framerate) == (1, 2, 44_100)
    assert params.nframes == round(3.5 * 44_100)  # 2.5 s held, 1 s release
    assert max(map(abs, frames)) > 1000, "silent preview"
    mid = stats(server)
    assert mid["rendered"] == before["rendered"] + 1
    # the cache is a folder beside the library file, not the library
    wavs = list((server.library.parent / "library.previews").rglob("*.wav"))
    cached = [p for p in wavs if p.read_bytes() == first.content]
    assert len(cached) == 1
    inode = cached[0].stat().st_ino
    second = server.client.get(f"/api/patches/{pid}/preview.wav")
    assert second.status_code == 200 and second.content == first.content
    assert second.headers["x-syxkit-preview"] == "cache"
    after = stats(server)
    assert after["rendered"] == mid["rendered"] and after["cached"] == mid["cached"] + 1
    assert cached[0].stat().st_ino == inode  # not rendered and written again


def test_concurrent_requests_render_once(server):
    pid = ids(server, "casio-vz")[5]
    url = f"/api/patches/{pid}/preview.wav?seconds=12"  # long enough to pile up on
    before = stats(server)
    answers: list[httpx.Response] = []
    start = threading.Barrier(6)

    def fetch() -> None:
        with httpx.Client(base_url=server.base, timeout=120,
                          headers={"Authorization": f"Bearer {server.token}"}) as c:
            start.wait()
            answers.append(c.get(url))

    threads = [threading.Thread(target=fetch) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert [a.status_code for a in answers] == [200] * 6
    assert len({a.content for a in answers}) == 1
    hows = sorted(a.headers["x-syxkit-preview"] for a in answers)
    assert hows.count("render") == 1 and "shared" in hows, hows
    after = stats(server)
    assert after["rendered"] == before["rendered"] + 1
    assert after["shared"] - before["shared"] == hows.count("shared")


def test_list_answers_while_previews_render(server):
    voices = ids(server, "casio-vz")[10:20]
    done: list[int] = []

    def fetch(pid: int) -> None:
        with httpx.Client(base_url=server.base, timeout=180,
                          headers={"Authorization": f"Bearer {server.token}"}) as c:
            done.append(c.get(f"/api/patches/{pid}/preview.wav?seconds=8").status_code)

    threads = [threading.Thread(target=fetch, args=(pid,)) for pid in voices]
    for t in threads:
        t.start()
    try:
        for _ in range(400):  # until the renders are queued
            if stats(server)["pending"]:
                break
            threading.Event().wait(0.01)
        listed = server.client.get("/api/patches", params={"limit": 50})
        shown = server.client.get(f"/api/patches/{voices[0]}")
        still = stats(server)["pending"]
        assert listed.status_code == 200 and shown.status_code == 200
        # the list and the patch view were answered while renders were still waiting
        assert still > 0 and len(done) < len(voices)
    finally:
        for t in threads:
            t.join(180)
    assert done == [200] * len(voices)


def test_renderable_on_list_and_patch_view(server):
    items = server.client.get("/api/patches", params={"limit": 200}).json()["items"]
    by_device = {(p["device"], p["kind"]): p["renderable"] for p in items}
    assert by_device[("casio-cz", "tone")] is True
    assert by_device[("casio-vz", "voice")] is True
    assert [v for (d, _), v in by_device.items() if d == "novation-kstation"] == [False]
    cz = server.client.get(f"/api/patches/{ids(server, 'casio-cz')[0]}").json()
    assert cz["renderable"] is True and cz["pads"] is None
    ks = server.client.get(f"/api/patches/{ids(server, 'novation-kstation')[0]}").json()
    assert ks["renderable"] is False


def test_what_cannot_be_previewed_says_why(server):
    ks = ids(server, "novation-kstation")[0]
    r = server.client.get(f"/api/patches/{ks}/preview.wav")
    assert r.status_code == 422
    assert "novation-kstation program) cannot be previewed" in r.json()["detail"]
    missing = server.client.get("/api/patches/999999/preview.wav")
    assert missing.status_code == 404 and "no patch with id 999999" in missing.json()["detail"]
    cz = ids(server, "casio-cz")[0]
    pad = server.client.get(f"/api/patches/{cz}/preview.wav?pad=2")
    assert pad.status_code == 422 and "RZ-1" in pad.json()["detail"]
    assert server.client.get(f"/api/patches/{cz}/preview.wav?note=200").status_code == 422
    # without the token: refused like everything else
    assert httpx.get(f"{server.base}/api/patches/{cz}/preview.wav").status_code == 401


def test_csp_lets_the_page_play_its_own_audio(server):
    page = server.client.get("/")
    csp = page.headers["content-security-policy"]
    assert "media-src 'self'" in csp and "default-src 'self'" in csp
