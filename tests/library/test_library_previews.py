"""Sound previews of library patches (``syxkit lib preview``, syxkit.ops.previews): rendered
once per sound and settings into a cache folder beside the library file, read back from it
afterwards, refused with a reason for what no renderer takes; and the server's renderer: one
render per preview however many ask, a bounded queue, failures said at once."""

from __future__ import annotations

import io
import json
import os
import threading
import wave

import pytest
from click.testing import CliRunner

pytest.importorskip("numpy", reason="rendering needs the audio extra")

from syxkit.cli import cli  # noqa: E402
from syxkit.devices.casio_cz.messages import tone_message  # noqa: E402
from syxkit.devices.casio_cz.tone import init_payload  # noqa: E402
from syxkit.devices.casio_vz.messages import bulk_file  # noqa: E402
from syxkit.devices.casio_vz.sounds import example_voice, with_name  # noqa: E402
from syxkit.devices.casio_vz.table import VOICE  # noqa: E402
from syxkit.devices.novation_kstation.messages import program_dump  # noqa: E402
from syxkit.devices.novation_kstation.table import init_block  # noqa: E402
from syxkit.library import Library, import_paths  # noqa: E402
from syxkit.ops import previews  # noqa: E402


def cz_tones(n: int) -> bytes:
    out = []
    for k in range(n):
        p = bytearray(init_payload())
        p[21] = 0x77 - 8 * k  # another DCA attack rate each (99, 92 …: quick, so audible)
        out.append(tone_message(bytes(p), channel=1, program=0x20 + k))
    return b"".join(out)


def vz_voices(n: int) -> bytes:
    base = example_voice()
    voices = []
    for k in range(64):
        v = bytearray(base)
        v[30] = k % n
        voices.append(with_name(bytes(v), f"PREVIEW {k:02d}", VOICE))
    return bulk_file(voices)


@pytest.fixture
def library(tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "cz.syx").write_bytes(cz_tones(3))
    (tmp_path / "in" / "vz.syx").write_bytes(vz_voices(4))
    (tmp_path / "in" / "ks.syx").write_bytes(program_dump("K-Station", 1, 0, init_block()))
    path = tmp_path / "data" / "library.sqlite"
    with Library(path) as lib:
        import_paths(lib, [tmp_path / "in"])
    return path


def ids(path, device: str, kind: str) -> list[int]:
    with Library(path) as lib:
        return [r[0] for r in lib.conn.execute(
            "SELECT id FROM patches WHERE device = ? AND kind = ? ORDER BY id", (device, kind))]


def run(path, *args, code=0):
    result = CliRunner().invoke(cli, ["lib", "preview", "--library", str(path), *args])
    assert result.exit_code == code, result.output + str(result.exception)
    return result


def samples(data: bytes) -> tuple[wave._wave_params, list[int]]:
    import array

    with wave.open(io.BytesIO(data)) as w:
        params = w.getparams()
        frames = array.array("h", w.readframes(w.getnframes()))
    return params, list(frames)


def test_cli_renders_once_then_reads_the_cache(library, tmp_path):
    cz = ids(library, "casio-cz", "tone")[0]
    before = {p.name: p.stat().st_size for p in library.parent.glob("library.sqlite*")}
    first = json.loads(run(library, str(cz), "--json").stdout)
    assert first["rendered"] is True and first["kind"] == "tone"
    cached = tmp_path / "data" / "library.previews"
    path = cached / previews.engine() / os.path.basename(first["path"])
    assert first["path"] == str(path) and path.is_file()
    params, frames = samples(path.read_bytes())
    assert (params.nchannels, params.sampwidth, params.framerate) == (1, 2, 44_100)
    assert params.nframes == round(3.5 * 44_100)
    assert max(abs(s) for s in frames) > 1000  # a sound, not silence
    inode = path.stat().st_ino
    again = json.loads(run(library, str(cz), "--json").stdout)
    assert again["rendered"] is False and again["path"] == first["path"]
    assert path.stat().st_ino == inode  # not written again
    # the library file holds no audio (previews live beside it): previewing writes nothing
    assert {p.name: p.stat().st_size for p in library.parent.glob("library.sqlite*")} == before
    # -o writes the same bytes; the human line says where and that it came from the cache
    out = tmp_path / "tone.wav"
    line = run(library, str(cz), "-o", str(out)).output
    assert out.read_bytes() == path.read_bytes()
    assert str(out) in line and "from the cache" in line and "casio-cz tone" in line
    # other settings are another preview
    other = json.loads(run(library, str(cz), "--note", "72", "--seconds", "1", "--json").stdout)
    assert other["rendered"] is True and other["path"] != first["path"]
    assert samples(open(other["path"], "rb").read())[0].nframes == round(2.0 * 44_100)


def test_cli_vz_voice(library):
    vz = ids(library, "casio-vz", "voice")[0]
    line = run(library, str(vz)).output
    assert "casio-vz voice" in line and "rendered" in line
    path = line.split(": ", 1)[1].rsplit(", ", 2)[0]
    params, frames = samples(open(path, "rb").read())
    assert params.framerate == 44_100 and max(abs(s) for s in frames) > 1000


def test_cli_refusals_say_why(library, tmp_path):
    ks = ids(library, "novation-kstation", ids_kind(library))[0]
    refused = run(library, str(ks), code=1).output
    assert f"patch {ks} (novation-kstation" in refused and "cannot be previewed" in refused
    assert "CZ tones, VZ voices and RZ-1" in refused
    assert "no patch with id 999" in run(library, "999", code=1).output
    cz = ids(library, "casio-cz", "tone")[0]
    assert "RZ-1 sample dumps only" in run(library, str(cz), "--pad", "2", code=2).output
    assert "both 0" in run(library, str(cz), "--seconds", "0", "--release", "0", code=2).output
    # -o onto the library file is refused, the library untouched
    before = library.read_bytes()
    assert "input" in run(library, str(cz), "-o", str(library), code=1).output
    assert library.read_bytes() == before
    assert not (tmp_path / "data" / "library.previews").exists() or all(
        p.suffix == ".wav" for p in (tmp_path / "data" / "library.previews").rglob("*") if p.is_file())


def ids_kind(path) -> str:
    with Library(path) as lib:
        return lib.conn.execute("SELECT kind FROM patches WHERE device = 'novation-kstation'"
                                ).fetchone()[0]


def test_rz1_pads(tmp_path, corpus):
    dump = corpus / "rz1" / "rz1_sample_dump_from_device.bin"
    if not dump.exists():
        pytest.skip(f"{dump} is not in the corpus here")
    path = tmp_path / "library.sqlite"
    with Library(path) as lib:
        import_paths(lib, [dump])
        (pid,) = [r[0] for r in lib.conn.execute("SELECT id FROM patches WHERE device = 'casio-rz1'")]
        first, data = previews.preview(lib, pid)
        assert first.label == "pad 1" and first.settings.pad == 1
        third, data3 = previews.preview(lib, pid, previews.Settings(pad=3))
        assert third.label == "pad 3" and third.path != first.path
        assert samples(data3)[0].framerate == 20_000  # pads play as the RZ-1 holds them
        with pytest.raises(previews.UsageError, match="pads 1-4"):
            previews.preview(lib, pid, previews.Settings(pad=5))
    from syxkit import render

    pad3 = [s for s in render.sounds([_rz1_dump(dump)]) if s.label == "pad 3"][0]
    assert data3 == render.render_wav(pad3)  # the very file `render` / `rz1 export` make


def _rz1_dump(path):
    from syxkit.core.framing import frame
    from syxkit.devices import registry

    dev = registry.get("casio-rz1")
    return [dev.identify(m) for m in frame(path.read_bytes()).messages if dev.accepts(m.data)][0]


def test_prune_keeps_the_folder_bounded(library, tmp_path):
    cz = ids(library, "casio-cz", "tone")
    folder = tmp_path / "data" / "library.previews"
    with Library(library) as lib:
        made = [previews.preview(lib, i)[0] for i in cz]
    stale = folder / "0ld3ng1ne000"
    stale.mkdir()
    (stale / "x.wav").write_bytes(b"RIFF")
    os.utime(made[0].path, (1, 1))  # the least recently used
    size = made[0].size
    deleted = previews.prune(folder, limit=int(size * 2.5))
    assert not stale.exists()
    assert not made[0].path.exists() and made[1].path.exists() and made[2].path.exists()
    assert deleted == 2


class Slow:
    """A renderer that waits until released, so requests can pile up on it."""

    def __init__(self):
        self.release = threading.Event()
        self.calls = 0

    def __call__(self, job):
        self.calls += 1
        self.release.wait(10)
        if job.patch_id < 0:
            raise previews.PreviewError("cannot: test")
        data = b"RIFF" + bytes(100)
        job.path.parent.mkdir(parents=True, exist_ok=True)
        job.path.write_bytes(data)
        return data


def job(tmp_path, pid: int, name: str) -> previews.Job:
    return previews.Job(pid, name, "casio-cz", "tone", "tone", previews.Settings(),
                        tmp_path / "cache" / f"{name}.wav", None)


def test_renderer_renders_once_queues_boundedly_and_remembers_failures(tmp_path):
    slow = Slow()
    r = previews.Renderer(workers=1, max_pending=2, render=slow)
    try:
        a, how_a = r.request(job(tmp_path, 1, "a"))
        b, how_b = r.request(job(tmp_path, 1, "a"))
        assert (how_a, how_b) == ("render", "shared") and a is b
        bad, _ = r.request(job(tmp_path, -1, "bad"))
        with pytest.raises(previews.PreviewBusy):
            r.request(job(tmp_path, 2, "c"))
        slow.release.set()
        assert a.result(10) == b.result(10)
        with pytest.raises(previews.PreviewError):
            bad.result(10)
        with pytest.raises(previews.PreviewError, match="cannot: test"):
            r.request(job(tmp_path, -1, "bad"))  # said again at once, not rendered again
        again, how = r.request(job(tmp_path, 1, "a"))
        assert how == "cache" and again.result(1) == a.result()
        assert slow.calls == 2
        stats = r.stats()
        assert stats["rendered"] == 1 and stats["shared"] == 1 and stats["cached"] == 1
        assert stats["busy"] == 1 and stats["failed"] == 2 and stats["pending"] == 0
    finally:
        slow.release.set()
        r.close()
