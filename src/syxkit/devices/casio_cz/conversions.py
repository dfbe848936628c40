"""Panel values <-> stored machine values of a CZ tone (integer arithmetic, as the CZ does).

The conversions are lossy in places, and tones made by other editors hold stored values the
panel never produces; that is why the stored bytes stay the truth and these functions are only
used to show a tone and to store a value the user changed.
"""

from __future__ import annotations

from collections import namedtuple


class Scale(namedtuple("Scale", ['name', 'to_panel', 'to_stored'])):
    """One envelope scale (spec table "Panel value <-> stored value")."""

    __slots__ = ()  # fields as listed in the comments below

    # name: str
    # to_panel: Callable[[int], int]
    # to_stored: Callable[[int], int]


def _clamp(v: int) -> int:
    # Stored values below a scale's floor (e.g. a DCW rate under 8) have no panel value; show 0.
    return max(0, v)


DCO_RATE = Scale(
    "DCO rate",
    lambda b: 0 if b == 0 else 99 if b == 127 else _clamp(b * 99 // 127 + 1),
    lambda a: a * 127 // 99)
DCO_LEVEL = Scale(
    "DCO level",
    lambda b: b - 4 if b > 63 else b,  # 64-67 are skipped by the panel
    lambda a: a + 4 if a > 63 else a)
DCW_RATE = Scale(
    "DCW rate",
    lambda b: 0 if b == 8 else 99 if b == 127 else _clamp((b - 8) * 99 // 119 + 1),
    lambda a: a * 119 // 99 + 8)
DCW_LEVEL = Scale(
    "DCW level",
    lambda b: 0 if b == 0 else 99 if b == 127 else _clamp(b * 99 // 127 + 1),
    lambda a: a * 127 // 99)
DCA_RATE = Scale(
    "DCA rate",
    lambda b: 0 if b == 0 else 99 if b == 119 else _clamp(b * 99 // 119 + 1),
    lambda a: a * 119 // 99)
DCA_LEVEL = Scale(
    "DCA level",
    lambda b: 0 if b == 0 else _clamp(b - 28),
    lambda a: 0 if a == 0 else a + 28)

ENVELOPE_SCALES = {"dco": (DCO_RATE, DCO_LEVEL), "dcw": (DCW_RATE, DCW_LEVEL),
                   "dca": (DCA_RATE, DCA_LEVEL)}


# -- detune ----------------------------------------------------------------------------------

def fine_to_stored(f: int) -> int:
    """Fine detune 0-60 -> PDETL: ``4 * (f + (f - 1) // 15)`` (every 16th step is skipped)."""
    return 0 if f == 0 else 4 * (f + (f - 1) // 15)


def fine_to_panel(b: int) -> int:
    q = b >> 2
    return 0 if q == 0 else q - (q - 1) // 16


# -- key follow ------------------------------------------------------------------------------

DCA_KEY_FOLLOW = (0x00, 0x08, 0x11, 0x1A, 0x24, 0x2F, 0x3A, 0x45, 0x52, 0x5F)
DCW_KEY_FOLLOW = (0x00, 0x1F, 0x2C, 0x39, 0x46, 0x53, 0x60, 0x6E, 0x92, 0xFF)
# The CZ-1 scales DCW key follow differently (spec: "CZ-1 differs"; values as other editors
# that read CZ-1 dumps use them).
DCW_KEY_FOLLOW_CZ1 = (0x00, 0x19, 0x33, 0x4E, 0x6A, 0x86, 0xA3, 0xC1, 0xDF, 0xFF)


# -- vibrato ---------------------------------------------------------------------------------
# Vibrato delay, rate and depth are stored as the panel value plus a 16-bit machine value. The
# machine value grows in runs of 16 panel steps whose step size doubles from run to run. The
# runs below reproduce every value in the hardware dumps of the corpus (e.g. rate 50 ->
# 0x09E0, the spec's example; delay 75 -> 0x00DF; depth 99 -> 0x027F).

def _doubling(q: int) -> int:
    if q < 32:
        return q
    if q < 48:
        return 2 * q - 31
    if q < 64:
        return 4 * q - 125
    if q < 80:
        return 8 * q - 377
    if q < 96:
        return 16 * q - 1009
    return 32 * q - 2529


def vibrato_delay_machine(p: int) -> int:
    return _doubling(p)


def vibrato_rate_machine(p: int) -> int:
    return 32 * _doubling(p + 1)


def vibrato_depth_machine(p: int) -> int:
    # Low values are one above the panel value; from 48 on the hardware dumps follow the delay
    # curve (depth 50 -> 75, 61 -> 119, 99 -> 639).
    if p < 32:
        return p + 1
    if p < 48:
        return 2 * p - 29
    return _doubling(p)


VIBRATO_MACHINE = {"delay": vibrato_delay_machine, "rate": vibrato_rate_machine,
                   "depth": vibrato_depth_machine}
