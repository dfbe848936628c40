"""`rz1 import` reads AIFF and FLAC (through soundfile) as it reads WAV: the same 8-bit
samples come back from each container; resampling goes through soxr."""

from __future__ import annotations

import io

import pytest

np = pytest.importorskip("numpy")
sf = pytest.importorskip("soundfile")

from syxkit.devices.casio_rz1 import pads_io, samples, wavfile  # noqa: E402
from syxkit.devices.casio_rz1 import table as t  # noqa: E402


def encoded(values, fmt, subtype, rate=t.SAMPLE_RATE):
    out = io.BytesIO()
    sf.write(out, np.asarray(values, dtype=np.int16) * 256, rate, format=fmt, subtype=subtype)
    return out.getvalue()


@pytest.mark.parametrize("fmt,subtype", [("AIFF", "PCM_16"), ("FLAC", "PCM_16"), ("WAV", "PCM_24")])
def test_other_containers_give_the_same_samples(fmt, subtype):
    values = [0, 1, -1, 64, -64, 127, -128, 5] * 50
    audio = wavfile.read_wav(encoded(values, fmt, subtype), f"x.{fmt.lower()}")
    assert audio.container == fmt and audio.rate == t.SAMPLE_RATE
    assert wavfile.to_signed8(audio.mono) == (values, 0)


def test_import_takes_a_flac_at_another_rate():
    rate = 44_100
    tone = (np.sin(2 * np.pi * 500 * np.arange(rate // 10) / rate) * 100).astype(int)
    image, placed = pads_io.import_pads([("tone.flac", encoded(tone, "FLAC", "PCM_16", rate))])
    assert "resampled 44,100 Hz to 20,000 Hz" in placed[0].actions
    assert placed[0].source.startswith("FLAC 44,100 Hz 16-bit PCM mono")
    got = np.asarray(samples.signed(image[:2000]))
    want = np.sin(2 * np.pi * 500 * np.arange(2000) / 20_000) * 100
    assert np.abs(got[100:1900]).max() > 40
    assert np.corrcoef(got[100:1900], want[100:1900])[0, 1] > 0.99


def test_unreadable_audio_is_refused_with_the_file_name():
    from syxkit.devices.base import DeviceError

    with pytest.raises(DeviceError, match="bad.aiff: not a readable WAV, AIFF or FLAC"):
        wavfile.read_wav(b"FORM\x00\x00\x00\x04AIFF", "bad.aiff")
