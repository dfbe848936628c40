"""Sample RAM: pads, link byte, WAV in and out, resampling, and export/import round trips."""

from __future__ import annotations

import io
import math
import struct
import wave

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from syxkit.devices.base import DeviceError
from syxkit.devices.casio_rz1 import pads_io, samples, synth, wavfile
from syxkit.devices.casio_rz1 import table as t

# --- link byte --------------------------------------------------------------------------------


@pytest.mark.parametrize(("spec", "byte"), [
    (None, 0), ("none", 0), ("1+2", 0x80), ("3+4", 0x40), ("1+2,3+4", 0xC0), ("3+4, 1+2", 0xC0),
    ("all", 0x20), ("1+2+3+4", 0x20),
])
def test_parse_link(spec, byte):
    assert samples.parse_link(spec) == byte


@pytest.mark.parametrize("spec", ["2+3", "1+2,all", "5", "1-2"])
def test_parse_link_refuses(spec):
    with pytest.raises(DeviceError, match="--link"):
        samples.parse_link(spec)


def test_sounds_and_meaning():
    def labels(byte):
        return [samples.sound_label(g) for g in samples.sounds(byte)]

    assert labels(0) == ["pad 1", "pad 2", "pad 3", "pad 4"]
    assert labels(0x80) == ["pads 1+2", "pad 3", "pad 4"]
    assert labels(0xC0) == ["pads 1+2", "pads 3+4"]
    assert labels(0x20) == ["pads 1+2+3+4"]
    assert "no pads linked" in samples.describe_link(0)
    assert "pads 1+2 linked into one 8,192-sample sound; pads 3 and 4 separate" in samples.describe_link(0x80)
    assert "16,383-sample" in samples.describe_link(0x20)
    assert "wipes sample RAM" in samples.describe_link(0x01)
    assert "meant to stand alone" in samples.describe_link(0xA0)


def test_image_from_sounds_checks():
    with pytest.raises(DeviceError, match="bits 0-4 must be 0"):
        samples.image_from_sounds([], 0x10)
    with pytest.raises(DeviceError, match="pads 1\\+2 takes 8,192 samples; got 4,096"):
        samples.image_from_sounds([[0] * 4096], 0x80)
    with pytest.raises(DeviceError, match="outside signed 8-bit"):
        samples.image_from_sounds([[200] * 4096], 0)
    img = samples.image_from_sounds([None, [-1] * 4096], 0x40)
    assert img[:4096] == bytes(4096) and img[4096:8192] == b"\xff" * 4096 and img[-1] == 0x40


def test_level():
    lv = samples.level([0, 64, -128, 3, 2, 0])
    assert lv.peak == 128 and lv.peak_dbfs == 0.0 and lv.sound_ms == 0.15
    assert samples.level([0] * 10).peak_dbfs is None


# --- WAV --------------------------------------------------------------------------------------

def wav_bytes(frames: list[list[int]], rate: int, width: int) -> bytes:
    """A PCM WAV written by the stdlib from integer frames (one list per channel)."""
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(len(frames))
        w.setsampwidth(width)
        w.setframerate(rate)
        raw = bytearray()
        for i in range(len(frames[0])):
            for ch in frames:
                v = ch[i]
                raw += bytes([v + 128]) if width == 1 else v.to_bytes(width, "little", signed=True)
        w.writeframes(bytes(raw))
    return out.getvalue()


def float_wav(values: list[float], rate: int, extensible: bool = False) -> bytes:
    body = struct.pack(f"<{len(values)}f", *values)
    if extensible:
        fmt = struct.pack("<HHIIHHHHIH14s", 0xFFFE, 1, rate, rate * 4, 4, 32, 22, 32, 0, 3,
                          b"\x00\x00\x00\x00\x10\x00\x80\x00\x00\xaa\x00\x38\x9b\x71")
    else:
        fmt = struct.pack("<HHIIHH", 3, 1, rate, rate * 4, 4, 32)
    chunks = b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", len(body)) + body
    return b"RIFF" + struct.pack("<I", 4 + len(chunks)) + b"WAVE" + chunks


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(-128, 127), max_size=500), st.sampled_from([8, 16]))
def test_wav_write_read_is_exact(values, bits):
    data = wavfile.write_wav(values, t.SAMPLE_RATE, bits)
    audio = wavfile.read_wav(data, "x.wav")
    assert (audio.rate, audio.channels, audio.bits) == (t.SAMPLE_RATE, 1, bits)
    assert wavfile.to_signed8(audio.mono) == (values, 0)


@pytest.mark.parametrize("width", [1, 2, 3, 4])
def test_read_every_pcm_width_stereo(width):
    full = 1 << (8 * width - 1)
    left = [0, full // 2, -full // 2, full - 1, -full]
    data = wav_bytes([left, left], 20_000, width)
    audio = wavfile.read_wav(data, "s.wav")
    assert audio.channels == 2 and audio.bits == 8 * width
    assert wavfile.to_signed8(audio.mono)[0] == [0, 64, -64, 127, -128]


@pytest.mark.parametrize("extensible", [False, True])
def test_read_float_wav(extensible):
    audio = wavfile.read_wav(float_wav([0.0, 0.5, -0.25, 1.5], 20_000, extensible), "f.wav")
    assert audio.encoding == "float" and audio.bits == 32
    assert wavfile.to_signed8(audio.mono) == ([0, 64, -32, 127], 1)  # 1.5 is clipped


@pytest.mark.parametrize(("data", "match"), [
    (b"not a wav at all", "not a readable WAV"),
    (b"RIFF\x10\x00\x00\x00WAVEfmt ", "not a readable WAV"),
    (float_wav([0.0], 8000)[:30], "WAV"),
])
def test_bad_wavs_are_refused_clearly(data, match):
    with pytest.raises(DeviceError, match=match):
        wavfile.read_wav(data, "bad.wav")


def test_resample_keeps_a_tone_and_length():
    rate = 44_100
    tone = [0.5 * math.sin(2 * math.pi * 1000 * i / rate) for i in range(4410)]
    out = wavfile.resample(tone, rate, 20_000)
    assert len(out) == 2000
    # Still a 1 kHz sine of the same level (away from the edges).
    ref = [0.5 * math.sin(2 * math.pi * 1000 * i / 20_000) for i in range(2000)]
    assert max(abs(a - b) for a, b in zip(out[100:-100], ref[100:-100], strict=True)) < 0.02
    assert wavfile.resample(tone, rate, rate) == tone


def test_resample_removes_what_20khz_cannot_hold():
    rate = 48_000
    high = [0.8 * math.sin(2 * math.pi * 15_000 * i / rate) for i in range(4800)]
    out = wavfile.resample(high, rate, 20_000)
    assert max(abs(v) for v in out[50:-50]) < 0.05  # above 10 kHz: filtered, not aliased


# --- export and import ------------------------------------------------------------------------

KIT = synth.drum_kit()


def test_drum_kit_is_audible():
    for values, pad in zip(KIT, t.PADS, strict=True):
        lv = samples.level(values)
        assert lv.samples == pad.length and lv.peak > 40 and lv.sound_ms > 20


@pytest.mark.parametrize("bits", [16, 8])
@pytest.mark.parametrize("link", [0x00, 0x80, 0x40, 0xC0, 0x20])
def test_export_then_import_is_exact(bits, link):
    img = bytearray(samples.image_from_sounds(KIT, 0))
    img[t.LINK_OFFSET] = link
    img = bytes(img)
    outputs, report = pads_io.export_pads(img, bits)
    names = [o.name for o in outputs]
    assert names[:4] == ["pad1.wav", "pad2.wav", "pad3.wav", "pad4.wav"]
    joined = [g for g in samples.sounds(link) if len(g) > 1]
    assert names[4:] == [pads_io.pad_filename(g) for g in joined]
    assert report["link_byte"] == link and report["files"][0]["samples"] == 4096
    files = {o.name: o.data for o in outputs}
    # Four pad WAVs, whatever the link:
    back, placed = pads_io.import_pads([(n, files[n]) for n in names[:4]], link)
    assert back == img and all("length fits exactly" in p.actions for p in placed)
    # One WAV per sound: the joined files stand for their pads.
    per_sound = [pads_io.pad_filename(g) for g in samples.sounds(link)]
    back, _ = pads_io.import_pads([(n, files[n]) for n in per_sound], link)
    assert back == img


def test_import_resamples_mixes_trims_and_pads():
    rate = 44_100
    n = int(0.3 * rate)  # 0.3 s: longer than a pad
    left = [int(20000 * math.sin(2 * math.pi * 200 * i / rate) * math.exp(-i / rate * 10)) for i in range(n)]
    stereo = wav_bytes([left, [v // 2 for v in left]], rate, 2)
    short = wav_bytes([[1000] * 1000], 20_000, 2)
    img, placed = pads_io.import_pads([("long.wav", stereo), ("short.wav", short)], link=0)
    acts = placed[0].actions
    assert any("mixed 2 channels" in a for a in acts) and any("resampled 44,100" in a for a in acts)
    assert any(a.startswith("trimmed: 6,000 samples") for a in acts)
    assert any(a.startswith("padded: 1,000 samples") for a in placed[1].actions)
    assert [p.actions for p in placed[2:]] == [["silent: no WAV given"]] * 2
    pad1 = samples.signed(img[:4096])
    assert max(pad1) > 40 and img[4096:5096] == bytes([4]) * 1000 and img[5096:8192] == bytes(3096)
    assert img[8192:] == bytes(8192)  # pads 3, 4 silent and the link byte 0


def test_import_refuses():
    wav = wavfile.write_wav([0] * 10, 20_000)
    with pytest.raises(DeviceError, match="3 WAV files for 2 sound"):
        pads_io.import_pads([("a", wav)] * 3, 0xC0)
    with pytest.raises(DeviceError, match="bits 0-4"):
        pads_io.import_pads([("a", wav)], 0x02)
    with pytest.raises(DeviceError, match="no WAV"):
        pads_io.import_pads([], 0)
