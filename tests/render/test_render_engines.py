"""The properties of the CZ and VZ engines that can be known without the instruments
(issue 18): pure sine with DCW closed, the 1/n series with DCW open, the reference pitch,
envelope times from the rate table, VZ partials for one sine / ring / phase, determinism,
no click, no clipping."""

from __future__ import annotations

import pytest

np = pytest.importorskip("numpy")

from syxkit.render import cz, envelope, vz  # noqa: E402
from syxkit.render.common import finish, wav_bytes  # noqa: E402

RATE = 44_100
E = cz.Envelope


def spectrum(x, rate=RATE):
    x = np.asarray(x, dtype=float)
    mag = np.abs(np.fft.rfft(x * np.hanning(len(x))))
    return np.fft.rfftfreq(len(x), 1 / rate), mag


def level_at(freqs, mag, f, width=3):
    i = int(np.argmin(np.abs(freqs - f)))
    return mag[max(0, i - width):i + width + 1].max()


def peaks(x, floor_db=-60.0):
    freqs, mag = spectrum(x)
    top = mag.max()
    idx = [i for i in range(1, len(mag) - 1)
           if mag[i] > mag[i - 1] and mag[i] >= mag[i + 1] and 20 * np.log10(mag[i] / top) > floor_db]
    return [float(freqs[i]) for i in idx]


def steady(wave="saw", dcw=0, note=69):
    line = cz.Line(wave, None, dcw=E([99] * 8, [dcw] + [0] * 7, 1), dca=E([99] * 8, [99] + [0] * 7, 1))
    x = cz.synthesize(cz.Tone(line1=line), note, 1.0, 0.0, RATE)
    return x[RATE // 10:]


@pytest.mark.parametrize("wave", cz.WAVEFORMS[:5])
def test_cz_dcw_closed_is_a_pure_sine(wave):
    x = steady(wave, dcw=0)
    freqs, mag = spectrum(x)
    f0 = 442.0 * (2 if wave == "double sine" else 1)  # double sine at DCW 0: a sine an octave up
    fund = level_at(freqs, mag, f0)
    assert fund == pytest.approx(mag.max())
    others = mag.copy()
    i = int(np.argmin(np.abs(freqs - f0)))
    others[max(0, i - 20):i + 21] = 0  # the window's own skirt (+-22 Hz)
    assert 20 * np.log10(others.max() / fund) < -60


def test_cz_saw_with_dcw_open_approaches_the_1_over_n_series():
    f0 = 442.0 * 2 ** ((33 - 69) / 12)
    freqs, mag = spectrum(steady("saw", dcw=99, note=33))
    h = np.array([level_at(freqs, mag, f0 * k) for k in range(1, 11)])
    db = 20 * np.log10(h / h[0])
    ideal = 20 * np.log10(1 / np.arange(1, 11))
    assert np.all(np.abs(db - ideal) < 3.5), np.round(db - ideal, 1)
    assert db[9] < db[4] < db[1] < 0  # falling like a saw's


def test_cz_saw_dcw_closed_has_no_harmonics_but_open_has_many():
    closed = peaks(steady("saw", 0))
    opened = peaks(steady("saw", 99))
    assert len(closed) == 1 and len(opened) >= 10


def test_note_69_sounds_at_the_cz_reference_pitch_within_a_cent():
    x = steady("saw", 0, note=69)
    n = len(x) * 8  # zero-padded: fine frequency resolution
    mag = np.abs(np.fft.rfft(x * np.hanning(len(x)), n))
    k = int(np.argmax(mag))
    a, b, c = np.log(mag[k - 1:k + 2])
    f = (k + 0.5 * (a - c) / (a - 2 * b + c)) * RATE / n  # parabolic peak
    assert abs(1200 * np.log2(f / cz.A4)) < 1.0
    assert cz.A4 == 442.0


@pytest.mark.parametrize("panel,full_sweep", [(99, 3.4e-3), (50, 0.54), (1, 92.0)])
def test_cz_envelope_times_follow_the_rate_table(panel, full_sweep):
    # DCA from 0 to level 99 (stored 127): 127 units at the chip's speed for that rate
    stored = panel * 119 // 99
    speed = ((8 | (stored & 7)) << (stored >> 3)) * 40_000 / (1 << 18)
    assert cz.dca_speed(panel) == pytest.approx(speed)
    assert 127 / speed == pytest.approx(full_sweep, rel=0.05)
    times, values = envelope.breakpoints([envelope.Step(127.0, speed)], None, 0, 10.0)
    assert times[1] == pytest.approx(127 / speed) and values[1] == 127.0


def test_envelope_sustain_holds_until_release_then_runs_to_the_end():
    steps = [envelope.Step(100, 1000), envelope.Step(50, 100), envelope.Step(0, 10)]
    times, values = envelope.breakpoints(steps, 1, 2, key_off=2.0)
    assert times == pytest.approx([0, 0.1, 0.6, 2.0, 7.0]) and values == [0, 100, 50, 50, 0]
    # released before the sustain step is reached: cut where it is, then the release step
    times, values = envelope.breakpoints(steps, 1, 2, key_off=0.05)
    assert times == pytest.approx([0, 0.05, 5.05]) and values == pytest.approx([0, 50, 0])
    curve = envelope.curve(times, values, 10, 2)
    assert curve[0] == 0 and curve[-1] == pytest.approx(50 - 50 * 4.45 / 5)


def test_vz_one_sine_module_is_one_partial_at_the_note():
    env = vz.Envelope([99] * 8, [99] + [0] * 7, 1, None)
    mods = [vz.Module(envelope=env)] + [vz.Module(on=False) for _ in range(7)]
    x = vz.synthesize(vz.Voice(modules=mods), 69, 100, 1.0, 0.0)[RATE // 10:]
    found = peaks(x)
    assert len(found) == 1 and found[0] == pytest.approx(440.0, abs=1.5)


def pair(mode):
    env = vz.Envelope([99] * 8, [99] + [0] * 7, 1, None)
    mods = [vz.Module(on=False) for _ in range(8)]
    mods[0] = vz.Module(detune=7.0, envelope=env)  # M1 a fifth up
    mods[1] = vz.Module(envelope=env)
    return vz.synthesize(vz.Voice(modules=mods, lines=[mode, "mix", "mix", "mix"]), 69, 100, 1.0, 0.0)[RATE // 10:]


def test_vz_ring_gives_sum_and_difference():
    f1, f2 = 440.0 * 2 ** (7 / 12), 440.0
    freqs, mag = spectrum(pair("ring"))
    top = mag.max()
    for f in (f2, f1 + f2, f1 - f2):
        assert 20 * np.log10(level_at(freqs, mag, f) / top) > -10, f
    assert 20 * np.log10(level_at(freqs, mag, f1) / top) < -60  # M1 alone is not heard


def test_vz_phase_adds_sidebands():
    f1, f2 = 440.0 * 2 ** (7 / 12), 440.0
    mix, phase = peaks(pair("mix")), peaks(pair("phase"))
    assert len(mix) == 2
    assert len(phase) > len(mix)
    for f in (f2 + f1, f2 + 2 * f1, abs(f2 - 2 * f1)):
        assert any(abs(p - f) < 2 for p in phase), f


def test_renders_are_deterministic_click_free_and_unclipped():
    loud = cz.Tone(line1=cz.Line("saw", "pulse", dcw=E([99] * 8, [99] * 8, 1)),
                   line2=cz.Line("square"), line_select="1+2'", modulation="noise")
    for make in (lambda: cz.render(loud, 60, 100, 1.0, 0.5, RATE),
                 lambda: vz.render(vz.Voice(), 48, 127, 1.0, 0.5, RATE)):
        a, b = make(), make()
        assert wav_bytes(a, RATE) == wav_bytes(b, RATE)
        assert a.dtype == np.int16 and np.abs(a.astype(int)).max() <= round(32767 * 10 ** (-1 / 20)) + 1
        assert a[0] == 0 and a[-1] == 0
        assert np.abs(np.diff(a[:20].astype(int))).max() < 3000  # fades in, no step
        assert np.abs(np.diff(a[-20:].astype(int))).max() < 3000


def test_finish_leaves_quiet_signals_alone_and_limits_loud_ones():
    t = np.arange(RATE) / RATE
    quiet = finish(0.25 * np.sin(2 * np.pi * 440 * t), RATE)
    assert abs(np.abs(quiet).max() / 32767 - 0.25) < 0.01
    loud = finish(4.0 * np.sin(2 * np.pi * 440 * t), RATE)
    assert np.abs(loud).max() == round(32767 * 10 ** (-1 / 20))


def test_unknown_waveform_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown CZ waveform"):
        cz.synthesize(cz.Tone(line1=cz.Line("triangle")), 60, 0.1, 0.0)
