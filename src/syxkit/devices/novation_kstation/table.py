"""The Novation K-Station family, declared once: header bytes, models, message kinds, banks and
the 128-byte program block layout. Identification, decoding, encoding, the builders and the
bank operations all read these tables; nothing else in the package spells a byte value.

Message frame: ``F0 00 20 29 01 DT SyCh M C Vv Vi B P [data] F7`` (no checksum).
"""

from __future__ import annotations

from collections import namedtuple

from syxkit.core.record import Record

DEVICE_ID = "novation-kstation"

NOVATION = bytes([0x00, 0x20, 0x29])
SYNTH = 0x01  # Novation's "synth" product group byte that precedes the device type
PREFIX = bytes([0xF0]) + NOVATION + bytes([SYNTH])

# Positions inside a message (F0 at 0).
POS_DEVICE_TYPE = 5
POS_SYSEX_CHANNEL = 6
POS_TYPE = 7
POS_CONTROL = 8
POS_VV = 9
POS_VI = 10
POS_BANK = 11
POS_PROGRAM = 12
HEADER_LEN = 13  # F0 … P; the data block starts here
BLOCK = 128  # one program
GLOBAL_BLOCK = 256

SYSEX_CHANNEL_ALL = 0x7F  # what the devices transmit; they receive 7F or their own channel


# The table rows below are namedtuples (BlockLayout a plain class), not dataclasses: they are
# built when ``syxkit info`` starts (see syxkit.core.record).


class Model(namedtuple("Model", ["name", "device_type", "banks", "layout", "layout_note"])):
    __slots__ = ()  # fields as listed in the comments below

    # name: str
    # device_type: int
    # # bank number -> programs in it (KS series drum banks 5-8 hold 50 programs)
    # banks: dict[int, int]
    # # How far the A-Station program layout is known to apply: "documented" (named
    # # parameters), "assumed" (named, but marked unconfirmed) or "unknown" (the block stays
    # # raw bytes).
    # layout: str
    # layout_note: str


MODELS: tuple[Model, ...] = (
    Model("K-Station", 0x41, {b: 100 for b in range(1, 5)}, "assumed",
          "A-Station layout, assumed for the K-Station (its own layout page A-10 was not found)"),
    Model("A-Station", 0x40, {b: 100 for b in range(1, 5)}, "documented",
          "A-Station layout"),
    Model("KS series", 0x42, {**{b: 100 for b in range(1, 5)}, **{b: 50 for b in range(5, 9)}},
          "unknown", "KS-series program layout unknown: block kept as raw bytes"),
)
MODEL_BY_TYPE = {m.device_type: m for m in MODELS}
MODEL_BY_NAME = {m.name.lower(): m for m in MODELS}
# Spellings accepted for --model.
MODEL_ALIASES = {"k": "k-station", "kstation": "k-station", "a": "a-station",
                 "astation": "a-station", "ks": "ks series", "ks-4": "ks series",
                 "ks-5": "ks series", "ks-rack": "ks series", "ks4": "ks series",
                 "ks5": "ks series", "ksrack": "ks series", "ks-series": "ks series"}


def find_model(text: str) -> Model | None:
    key = text.strip().lower()
    return MODEL_BY_NAME.get(MODEL_ALIASES.get(key.replace(" ", ""), key))


class Kind(namedtuple("Kind", ["code", "name", "data_size", "programs", "addressed", "request_for"],
                     defaults=(None,))):
    __slots__ = ()  # fields as listed in the comments below

    # code: int  # the M byte
    # name: str  # Dump.kind
    # data_size: int  # bytes between P and F7
    # programs: int  # 128-byte program blocks it carries
    # addressed: bool  # B and P address a stored program (else transmitted as 0)
    # request_for: str | None = None  # for requests: the kind of the reply


KINDS: tuple[Kind, ...] = (
    Kind(0x00, "current-sound", BLOCK, 1, False),
    Kind(0x01, "program", BLOCK, 1, True),
    Kind(0x02, "program-pair", 2 * BLOCK, 2, True),
    Kind(0x03, "global", GLOBAL_BLOCK, 0, False),
    Kind(0x40, "current-sound-request", 0, 0, False, "current-sound"),
    Kind(0x41, "program-request", 0, 0, True, "program"),
    Kind(0x42, "program-pair-request", 0, 0, True, "program-pair"),
    Kind(0x43, "global-request", 0, 0, False, "global"),
)
KIND_BY_CODE = {k.code: k for k in KINDS}
KIND_BY_NAME = {k.name: k for k in KINDS}
# ``--to`` spellings for the three program forms.
FORMS = {"current": "current-sound", "current-sound": "current-sound", "edit": "current-sound",
         "program": "program", "single": "program", "pair": "program-pair",
         "program-pair": "program-pair"}

CONTROL_MEANING = {0: "store to the currently selected bank", 1: "store to bank B"}


def version_text(vv: int, vi: int) -> str:
    """Vv holds 0VVVV.vvv (0x08 = 1.0); Vi counts increments 0-99."""
    return f"{vv >> 3}.{vv & 7}.{vi}"


# --- The program block -------------------------------------------------------------------------


class Conv(namedtuple("Conv", ["kind", "centre", "add", "names"], defaults=("plain", 64, 0, ()))):
    """How a raw field value is shown: ``plain`` (as is), ``signed`` (raw - centre), ``plus``
    (raw + add), ``bool`` or ``enum`` (names; a raw value without a name stays an int)."""

    __slots__ = ()  # fields as listed in the comments below

    # kind: str = "plain"
    # centre: int = 64
    # add: int = 0
    # names: tuple[str, ...] = ()


PLAIN = Conv()
SIGNED = Conv("signed")
BOOL = Conv("bool")


def ENUM(*names: str) -> Conv:  # noqa: N802  (reads like the other constants in the table)
    return Conv("enum", names=names)


def PLUS(n: int) -> Conv:  # noqa: N802
    return Conv("plus", add=n)


class Field(namedtuple("Field", ["path", "offset", "conv", "default", "shift", "width", "range",
                                 "models"], defaults=(PLAIN, 0, 0, 7, None, ("A-Station",)))):
    __slots__ = ()  # fields as listed in the comments below

    # path: str  # "section.name"
    # offset: int  # byte in the 128-byte block
    # conv: Conv = PLAIN
    # default: int = 0  # raw value of the init program
    # shift: int = 0
    # width: int = 7
    # # Documented range of the raw value where narrower than the bits (shown by editors only;
    # # decode/encode accept every value the bits hold so untouched dumps round-trip).
    # range: tuple[int, int] | None = None
    # models: tuple[str, ...] = ("A-Station",)  # where this field's place is documented

    @property
    def mask(self) -> int:
        return ((1 << self.width) - 1) << self.shift

    @property
    def section(self) -> str:
        return self.path.split(".", 1)[0]

    @property
    def name(self) -> str:
        return self.path.split(".", 1)[1]


WAVES = ENUM("sine", "triangle", "saw", "pulse")
LFO_WAVES = ENUM("triangle", "saw", "square", "sample-hold")
TRIGGER = ENUM("single", "multi")
KEY_SYNC_PHASE = ENUM("free-running", *(f"{24 * i} deg" for i in range(15)))
DELAY_RATIO = ENUM("1:1", "4:3", "3:4", "3:2", "2:3", "2:1", "1:2", "3:1", "1:3", "4:1", "1:4",
                   "1:0", "0:1")
SEMIS = (52, 76)  # +-12 semitones around 64
CENTS = (14, 114)  # +-50 cents around 64


def _osc(n: int, base: int) -> list[Field]:
    s = f"osc{n}"
    return [
        Field(f"{s}.semitone", base, SIGNED, 64, range=SEMIS),
        Field(f"{s}.detune", base + 1, SIGNED, 64, range=CENTS),
        Field(f"{s}.bend_range", base + 2, SIGNED, 66, range=SEMIS),
        Field(f"{s}.lfo1_depth", base + 3, SIGNED, 64),
        Field(f"{s}.env2_depth", base + 4, SIGNED, 64),
        Field(f"{s}.pulse_width", base + 5, SIGNED, 64),
        Field(f"{s}.lfo2_pwm", base + 6, SIGNED, 64),
        Field(f"{s}.env2_pwm", base + 7, SIGNED, 64),
    ]


def _env(s: str, base: int, sustain: int) -> list[Field]:
    return [
        Field(f"{s}.velocity", base, SIGNED, 64),
        Field(f"{s}.attack", base + 1, PLAIN, 0),
        Field(f"{s}.decay", base + 2, PLAIN, 64),
        Field(f"{s}.sustain", base + 3, PLAIN, sustain),
        Field(f"{s}.release", base + 4, PLAIN, 10),
    ]


# A-Station program block (facts from the A-Station manual as used by an open-source editor;
# the spec lists the packed bytes). Sections group what the front panel groups.
PROGRAM_FIELDS: tuple[Field, ...] = (
    # byte 0: unison voices (0 = off, n = n+1 voices), poly mode, filter slope
    Field("voice.unison_voices", 0, PLUS(1), 0, shift=0, width=3),
    Field("voice.poly_mode", 0, ENUM("mono", "mono-autoglide", "poly", "poly-voice-stealing"),
          2, shift=3, width=2),
    Field("filter.type", 0, ENUM("12dB", "24dB"), 0, shift=5, width=1),
    Field("voice.unison_detune", 1, PLAIN, 20),
    Field("osc_common.random_detune", 2, PLAIN, 0),
    Field("voice.portamento_time", 3, PLAIN, 0),
    Field("voice.preglide", 4, SIGNED, 64, range=SEMIS),
    # byte 5: three 2-bit waveforms, portamento curve
    Field("osc1.waveform", 5, WAVES, 2, shift=0, width=2),
    Field("osc2.waveform", 5, WAVES, 2, shift=2, width=2),
    Field("osc3.waveform", 5, WAVES, 2, shift=4, width=2),
    Field("voice.portamento_mode", 5, ENUM("exponential", "linear"), 0, shift=6, width=1),
    # byte 6: three 2-bit octaves (0 = -1 … 3 = +2), osc 2 synced to osc 1
    Field("osc1.octave", 6, PLUS(-1), 1, shift=0, width=2),
    Field("osc2.octave", 6, PLUS(-1), 1, shift=2, width=2),
    Field("osc3.octave", 6, PLUS(-1), 1, shift=4, width=2),
    Field("osc2.sync", 6, BOOL, 0, shift=6, width=1),
    *_osc(1, 7),
    *_osc(2, 15),
    *_osc(3, 23),
    Field("osc_common.modwheel_pitch", 31, SIGNED, 64),
    Field("osc_common.aftertouch_pitch", 32, SIGNED, 64),
    Field("osc_common.breath_pitch", 33, SIGNED, 64),
    Field("osc_common.modwheel_lfo1_pitch", 34, SIGNED, 64),
    Field("osc_common.aftertouch_lfo1_pitch", 35, SIGNED, 64),
    Field("osc_common.breath_lfo1_pitch", 36, SIGNED, 64),
    Field("mixer.osc1", 37, PLAIN, 127),
    Field("mixer.osc2", 38, PLAIN, 0),
    Field("mixer.osc3", 39, PLAIN, 0),
    Field("mixer.noise", 40, PLAIN, 0),
    Field("mixer.ring_mod", 41, PLAIN, 0),
    Field("mixer.external", 42, PLAIN, 0),
    Field("filter.overdrive", 43, PLAIN, 0),
    Field("filter.resonance", 44, PLAIN, 0),
    Field("filter.q_normalise", 45, PLAIN, 64),
    Field("filter.frequency", 46, PLAIN, 127),
    Field("filter.key_track", 47, PLAIN, 127),
    Field("filter.modwheel_frequency", 48, SIGNED, 64),
    Field("filter.aftertouch_frequency", 49, SIGNED, 64),
    Field("filter.breath_frequency", 50, SIGNED, 64),
    Field("filter.lfo2_depth", 51, SIGNED, 64),
    Field("filter.env2_depth", 52, SIGNED, 64),
    Field("filter.modwheel_lfo2_frequency", 53, SIGNED, 64),
    Field("filter.aftertouch_lfo2_frequency", 54, SIGNED, 64),
    Field("filter.breath_lfo2_frequency", 55, SIGNED, 64),
    Field("fm.fixed_level", 56, PLAIN, 0),
    Field("fm.env3_depth", 57, SIGNED, 64),
    Field("env3.velocity", 58, SIGNED, 64),
    Field("env3.attack", 59, PLAIN, 0),
    Field("env3.decay", 60, PLAIN, 64),
    *_env("env1", 61, 127),  # amplitude envelope
    *_env("env2", 66, 64),  # modulation envelope
    # byte 71: not described anywhere we found; kept raw
    Field("lfo1.speed", 72, PLAIN, 64),
    Field("lfo1.sync_rate", 73, PLAIN, 0),  # 0 = not synced, else a note division
    Field("lfo1.delay", 74, PLAIN, 0),
    Field("lfo2.speed", 75, PLAIN, 64),
    Field("lfo2.sync_rate", 76, PLAIN, 0),
    Field("lfo2.delay", 77, PLAIN, 0),
    # byte 78: delay re-trigger per LFO, two 2-bit LFO waveforms
    Field("lfo1.delay_multi", 78, BOOL, 0, shift=0, width=1),
    Field("lfo2.delay_multi", 78, BOOL, 0, shift=1, width=1),
    Field("lfo1.waveform", 78, LFO_WAVES, 0, shift=2, width=2),
    Field("lfo2.waveform", 78, LFO_WAVES, 0, shift=4, width=2),
    # byte 79: key sync phase shift, key sync, lock, per LFO
    Field("lfo1.key_sync_phase_shift", 79, BOOL, 0, shift=0, width=1),
    Field("lfo1.key_sync", 79, BOOL, 0, shift=1, width=1),
    Field("lfo1.lock", 79, BOOL, 0, shift=2, width=1),
    Field("lfo2.key_sync_phase_shift", 79, BOOL, 0, shift=3, width=1),
    Field("lfo2.key_sync", 79, BOOL, 0, shift=4, width=1),
    Field("lfo2.lock", 79, BOOL, 0, shift=5, width=1),
    # byte 80: envelope triggers, oscillator key-sync phase
    Field("env1.trigger", 80, TRIGGER, 0, shift=0, width=1),
    Field("env2.trigger", 80, TRIGGER, 0, shift=1, width=1),
    Field("env3.trigger", 80, TRIGGER, 0, shift=2, width=1),
    Field("voice.key_sync_phase", 80, KEY_SYNC_PHASE, 0, shift=3, width=4),
    Field("amp.modwheel_depth", 81, SIGNED, 64),
    Field("amp.aftertouch_depth", 82, SIGNED, 64),
    Field("amp.breath_depth", 83, SIGNED, 64),
    Field("arp.rate", 84, PLAIN, 64),
    Field("arp.sync_rate", 85, PLAIN, 0),
    Field("arp.gate_time", 86, PLAIN, 64),
    Field("arp.pattern", 87, ENUM("up", "down", "up-down-1", "up-down-2", "order", "random"), 0),
    # byte 88: arpeggiator octaves (0 = 1 octave), on, key sync, latch, note destination
    Field("arp.octaves", 88, PLUS(1), 0, shift=0, width=2),
    Field("arp.on", 88, BOOL, 0, shift=2, width=1),
    Field("arp.key_sync", 88, BOOL, 0, shift=3, width=1),
    Field("arp.latch", 88, BOOL, 0, shift=4, width=1),
    Field("arp.note_destination", 88,
          ENUM("internal", "external", "internal+external", "external+played"),
          0, shift=5, width=2),
    Field("vocoder.balance", 89, PLAIN, 0),
    Field("vocoder.stereo_width", 90, PLAIN, 0),
    Field("vocoder.sibilance_level", 91, PLAIN, 0),
    Field("eq.level", 92, SIGNED, 64),  # below 64 low-pass, above high-pass, 64 flat
    Field("eq.frequency", 93, PLAIN, 64),
    Field("eq.rate", 94, PLAIN, 64),
    Field("eq.sync_rate", 95, PLAIN, 0),
    Field("eq.mod_depth", 96, PLAIN, 0),
    Field("distortion.level", 97, PLAIN, 0),
    Field("distortion.modwheel", 98, SIGNED, 64),
    Field("distortion.compensation", 99, PLAIN, 64),
    Field("delay.send", 100, PLAIN, 0),
    Field("delay.modwheel", 101, SIGNED, 64),
    Field("delay.time", 102, PLAIN, 64),
    Field("delay.sync_time", 103, PLAIN, 0),
    Field("delay.feedback", 104, PLAIN, 40),
    Field("delay.stereo_width", 105, PLAIN, 127),
    Field("delay.ratio", 106, DELAY_RATIO, 0),
    Field("reverb.send", 107, PLAIN, 0),
    Field("reverb.modwheel", 108, SIGNED, 64),
    Field("reverb.decay", 109, PLAIN, 64),
    Field("chorus.send", 110, PLAIN, 0),
    Field("chorus.modwheel", 111, SIGNED, 64),
    Field("chorus.rate", 112, PLAIN, 20),
    Field("chorus.sync_rate", 113, PLAIN, 0),
    Field("chorus.feedback", 114, SIGNED, 64),
    Field("chorus.mod_depth", 115, PLAIN, 64),
    Field("chorus.mod_centre", 116, SIGNED, 64),
    Field("pan.position", 117, SIGNED, 64),
    Field("pan.rate", 118, PLAIN, 20),
    Field("pan.sync_rate", 119, PLAIN, 0),
    Field("pan.mod_depth", 120, PLAIN, 0),
    # byte 121: reverb type (6 named of 8 codes), chorus or phaser; bits 4-6 unused
    Field("reverb.type", 121, ENUM("echo-chamber", "small-room", "small-hall", "large-room",
                                   "large-hall", "grand-hall"), 2, shift=0, width=3),
    Field("chorus.type", 121, ENUM("chorus", "phaser"), 0, shift=3, width=1),
    # byte 122: which effects follow the global sync (0 = none)
    Field("chorus.global_sync", 122, PLAIN, 0, shift=0, width=2),
    Field("pan.global_sync", 122, PLAIN, 0, shift=2, width=2),
    Field("eq.global_sync", 122, PLAIN, 0, shift=4, width=2),
    # byte 123: bit places as observed on hardware by an open-source editor (one lower than the
    # manual's numbering); bits 0-2 and 4 are kept as spare bits
    Field("vocoder.sibilance_type", 123, ENUM("high-pass", "noise"), 0, shift=3, width=1),
    Field("external.audio_trigger", 123, BOOL, 0, shift=5, width=1),
    Field("external.audio_to_fx", 123, BOOL, 0, shift=6, width=1),
    Field("voice.program_volume", 125, SIGNED, 64, range=SEMIS),  # +-12 dB around 64
    # byte 127: which oscillator / mixer input / PWM source / LFO the panel was editing
    Field("panel.osc_select", 127, PLAIN, 0, shift=0, width=2),
    Field("panel.mixer_select", 127, PLAIN, 0, shift=2, width=2),
    Field("panel.pwm_source", 127, PLAIN, 0, shift=4, width=2),
    Field("panel.lfo_select", 127, PLAIN, 0, shift=6, width=1),
)

FIELD_BY_PATH = {f.path: f for f in PROGRAM_FIELDS}


class BlockLayout(Record):
    """What the table covers of the 128 bytes: bytes no field touches, and per byte the bits
    no field uses (kept as they are so an untouched block encodes to the same bytes)."""

    _fields = ("fields", "unknown_bytes", "spare_bits")

    def __init__(self, fields: tuple[Field, ...]):
        self.fields = fields
        used: dict[int, int] = {}
        for f in self.fields:
            if used.get(f.offset, 0) & f.mask:
                raise ValueError(f"program table: {f.path} overlaps another field")
            used[f.offset] = used.get(f.offset, 0) | f.mask
        self.unknown_bytes: tuple[int, ...] = tuple(i for i in range(BLOCK) if i not in used)
        self.spare_bits: dict[int, int] = {i: 0x7F & ~m for i, m in sorted(used.items()) if m != 0x7F}


A_STATION_LAYOUT = BlockLayout(PROGRAM_FIELDS)


def init_block() -> bytes:
    """The init program: every field at its table default, unknown bytes 0."""
    block = bytearray(BLOCK)
    for f in PROGRAM_FIELDS:
        block[f.offset] |= (f.default << f.shift) & f.mask
    return bytes(block)
