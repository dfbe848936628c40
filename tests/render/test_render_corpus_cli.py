"""Every real CZ tone and VZ voice renders (non-silent, no NaN); `syxkit render` on real files;
an RZ-1 pad renders as `rz1 export` writes it."""

from __future__ import annotations

import wave
from pathlib import Path

import pytest
from click.testing import CliRunner

np = pytest.importorskip("numpy")

from corpus_files import CORPUS, corpus_path  # noqa: E402

from syxkit.cli import cli  # noqa: E402
from syxkit.inspect import entries, load  # noqa: E402
from syxkit.render import params, render, render_wav, sounds  # noqa: E402

pytestmark = pytest.mark.corpus


def corpus_sounds(folder):
    corpus_path(folder)
    files = sorted(p for p in (CORPUS / folder).rglob("*") if p.is_file())
    found = []
    for src in load([str(f) for f in files]):
        found += [(Path(src.path).name, s) for s in sounds([e.dump for e in entries(src) if e.dump])]
    return found


@pytest.mark.parametrize("folder,kind,least", [("cz", "tone", 138), ("vz", "voice", 74)])
def test_every_corpus_sound_renders(folder, kind, least):
    found = [(f, s) for f, s in corpus_sounds(folder) if s.kind == kind]
    assert len(found) >= least
    assert any(f == "PBANK1.P64" for f, _ in found) or folder == "cz"
    silent = 0
    for name, sound in found:
        tone = params(sound)
        x = render(tone, 60, 100, 0.6, 0.3, 22_050)
        assert x.dtype == np.int16 and len(x) == round(0.9 * 22_050), name
        assert np.isfinite(x).all()
        if kind == "tone" and not any(tone.line1.dca.levels + tone.line2.dca.levels):
            # blank tones (BASS.SYX 6-16): every DCA level 0, silent on a CZ too
            assert not x.any(), f"{name} {sound.label}"
            silent += 1
            continue
        assert np.abs(x.astype(int)).max() > 30, f"{name} {sound.label} is silent"
    assert silent <= 11


def test_bass_tones_have_strong_low_partials():
    path = corpus_path("cz", "BASS.SYX")
    found = sounds([e.dump for src in load([str(path)]) for e in entries(src) if e.dump])
    x = render(found[0], 36, 100, 1.0, 0.0, 44_100).astype(float)
    mag = np.abs(np.fft.rfft(x * np.hanning(len(x))))
    freqs = np.fft.rfftfreq(len(x), 1 / 44_100)
    assert mag[freqs < 500].sum() > mag[freqs >= 500].sum()


def test_cli_render_all_writes_one_wav_per_tone(tmp_path):
    path = corpus_path("cz", "BASS.SYX")
    out = tmp_path / "bass"
    result = CliRunner().invoke(cli, ["render", str(path), "--all", "-o", str(out), "--seconds", "0.3",
                                      "--release", "0.1", "--rate", "22050"])
    assert result.exit_code == 0, result.output
    files = sorted(out.iterdir())
    assert [f.name for f in files][:2] == ["BASS-01-tone.wav", "BASS-02-tone.wav"] and len(files) == 16
    with wave.open(str(files[0])) as w:
        assert (w.getframerate(), w.getsampwidth(), w.getnchannels(), w.getnframes()) == (22050, 2, 1, 8820)


def test_cli_render_refuses_the_input_and_bad_paths(tmp_path):
    path = corpus_path("cz", "bassbling.syx")
    copy = tmp_path / "b.syx"
    copy.write_bytes(path.read_bytes())
    runner = CliRunner()
    result = runner.invoke(cli, ["render", str(copy), "-o", str(copy)])
    assert result.exit_code == 1 and "is an input file" in result.output
    assert copy.read_bytes() == path.read_bytes()
    result = runner.invoke(cli, ["render", str(tmp_path / "missing.syx"), "-o", str(tmp_path / "x.wav")])
    assert result.exit_code == 1 and result.output.startswith("error:") and len(result.output.splitlines()) == 1
    result = runner.invoke(cli, ["render", str(copy), "-o", str(copy / "x.wav")])
    assert result.exit_code == 1 and "error:" in result.output
    result = runner.invoke(cli, ["render", str(copy), "--index", "2", "-o", str(tmp_path / "x.wav")])
    assert result.exit_code == 2 and "holds 1 sound" in result.output


def test_rz1_pad_renders_as_rz1_export_writes_it(tmp_path):
    path = corpus_path("rz1", "rz1_sample_dump_from_device.bin")
    runner = CliRunner()
    result = runner.invoke(cli, ["rz1", "export", str(path), "-o", str(tmp_path / "pads")])
    assert result.exit_code == 0, result.output
    found = sounds([e.dump for src in load([str(path)]) for e in entries(src) if e.dump])
    assert [s.label for s in found] == ["pad 1", "pad 2", "pad 3", "pad 4"]
    for sound in found:
        exported = (tmp_path / "pads" / f"pad{sound.pad}.wav").read_bytes()
        assert render_wav(sound) == exported
    result = runner.invoke(cli, ["render", str(path), "--index", "3", "-o", str(tmp_path / "p3.wav")])
    assert result.exit_code == 0 and (tmp_path / "p3.wav").read_bytes() == (tmp_path / "pads" / "pad3.wav").read_bytes()
