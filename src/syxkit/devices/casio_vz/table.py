"""The Casio VZ family in one table: message headers and tags, sizes, the name character set,
memory slots, and the parameter layout of voices and operation memories.

Everything else in this package derives from here: identification (tags and sizes), the
builders (header bytes), decode/encode (the field tables), renaming (the name fields) and the
library's de-duplication (which bytes are name and padding). Facts: shared/specs/casio-vz.md.
"""

from __future__ import annotations

from collections import namedtuple
from enum import IntEnum

from syxkit.devices.casio_vz.fields import (
    Field,
    flag,
    inverted_flag,
    key,
    linear,
    named,
    octave_note,
    raw_bytes,
    sign,
    text,
    uint,
)

# Panel values (spec, "Panel values"): folds that are exact both ways, so every stored value
# has one panel value and decode -> encode gives the same bytes.
STEP = linear(1)  # end steps S1-S8 and velocity curves 1-8 are stored 0-7
INV99 = linear(99, -1)  # stored inverted: 0 = 99 (module depth, key-follow level, total level)
INV63 = linear(63, -1)  # stored inverted on 6 bits: 0 = 63 (pitch envelope depth, pitch key follow)
CENTRED = linear(-64)  # pitch envelope level: ±63 around a stored 64

DEVICE_ID = "casio-vz"

# F0, Casio, VZ family. Byte 3 says whose data it is: VZ-1 format (understood by every VZ) or
# VZ-8M-only data that the other models ignore.
MANUFACTURER = 0x44
FAMILY = 0x03
FORMAT_VZ1 = 0x00
FORMAT_VZ8M = 0x02
HEADER = bytes([0xF0, MANUFACTURER, FAMILY, FORMAT_VZ1])
HEADER_VZ8M = bytes([0xF0, MANUFACTURER, FAMILY, FORMAT_VZ8M])
FAMILY_PREFIX = HEADER[:3]
HEADER_LEN = 6  # F0 44 03 00 7n tt
SINGLE_HEADER_LEN = 7  # ... tt + the "range" byte of single voice/op-mem messages

MODEL_VZ1 = "VZ-1/VZ-10M"
MODEL_VZ8M = "VZ-8M"
MODELS = ("VZ-1", "VZ-10M", "VZ-8M", "HS-1", "HS-2")

# Byte 6 of single messages: called a receive "range" (40-44 seen); its meaning is unclear, so
# it is kept as found and 40 is used for new messages.
DEFAULT_RANGE = 0x40


class Tag(IntEnum):
    VOICE = 0x00
    OPMEM = 0x01
    MULTI = 0x02
    MASTER = 0x40  # master tune (sub 00) / transpose (sub 01)
    MODE = 0x50
    CARD_BANK = 0x51
    BULK_OPEN = 0x70
    BULK_CLOSE = 0x71
    BULK_OK = 0x72
    BULK_ERROR = 0x73
    BULK_DATA = 0x74


# Control messages of the bulk handshake: F0 44 03 00 7n tt F7 (open adds one content byte).
CONTROL_KINDS = {
    Tag.BULK_OPEN: "bulk-open",
    Tag.BULK_CLOSE: "bulk-close",
    Tag.BULK_OK: "bulk-ok",
    Tag.BULK_ERROR: "bulk-error",
}
OPAQUE_KINDS = {Tag.MULTI: "multi", Tag.MODE: "mode", Tag.CARD_BANK: "card-bank"}
MASTER_KINDS = {0x00: "master-tune", 0x01: "transpose"}

# What a bulk open announces (its content byte).
BULK_CONTENT = {0x00: "voices", 0x01: "opmems", 0x02: "voices+opmems", 0x03: "vz8m-total"}
BULK_CONTENT_CODE = {v: k for k, v in BULK_CONTENT.items()}

BANK_SIZE = 64


class ObjectSpec(namedtuple("ObjectSpec", ["kind", "tag", "size", "fields", "name_field", "unused"])):
    """One kind of sound object: its payload size, field table and where its name sits.
    (A namedtuple, not a dataclass: it is on the start path of ``syxkit info``, see
    syxkit.core.record.)"""

    __slots__ = ()  # fields as listed in the comments below

    # kind: str
    # tag: Tag
    # size: int  # decoded bytes
    # fields: tuple[Field, ...]
    # name_field: Field
    # unused: tuple[int, ...]  # bytes documented as unused (kept, but not part of the sound)

    @property
    def nibbles(self) -> int:
        return self.size * 2

    @property
    def block(self) -> int:
        """Bytes of one object inside a bulk message: nibbles + one raw checksum byte."""
        return self.nibbles + 1

    @property
    def message_size(self) -> int:
        """A single message: 7-byte header, nibbles, checksum, F7."""
        return SINGLE_HEADER_LEN + self.nibbles + 2

    @property
    def dos_record(self) -> int:
        """A DOS librarian record: one lead byte, the data bytes, the checksum."""
        return self.size + 2


# ---------------------------------------------------------------------------------------------
# Names: 12 characters. The VZ panel offers capital letters, digits and punctuation; lower case
# typed by the user is folded to capitals. (The exact panel set is not documented; this is the
# upper half of printable ASCII without the backslash, which a VZ-era LCD shows as a yen sign.)
NAME_LEN = 12
CHARSET = "".join(chr(c) for c in range(0x20, 0x60) if chr(c) != "\\")

MODULES = tuple(f"M{k}" for k in range(1, 9))
LINES = ("A", "B", "C", "D")
STEPS = 8
KEY_FOLLOW_STEPS = 6

WAVEFORMS = ("sine", "saw1", "saw2", "saw3", "saw4", "saw5", "noise1", "noise2")
LINE_MODES = ("mix", "phase", "ring")
LFO_WAVES = ("triangle", "saw-up", "saw-down", "square")
PORTAMENTO_MODES = ("time-constant", "rate-constant")
MEMORY = ("internal", "card")


def slot_label(index: int) -> str:
    """Internal memory position 0-63 as shown on the VZ: banks A-H, numbers 1-8."""
    return f"{'ABCDEFGH'[index // 8]}{index % 8 + 1}"


# ---------------------------------------------------------------------------------------------
# Voice: 336 bytes.


def _voice_fields() -> list[Field]:
    f: list[Field] = []
    # Byte 0: which even module takes the previous line's output as phase input.
    for bit, mod in enumerate(("M4", "M6", "M8")):
        f.append(Field(("external_phase", mod), 0, bit, 1, flag, "line output phase-modulates this module"))
    # Bytes 1-4: lines A-D. Bits 5-3: even module's waveform, bits 2-0: odd module's (errata).
    for li, line in enumerate(LINES):
        f.append(Field(("lines", line, "mode"), 1 + li, 6, 2, named(LINE_MODES), "how the pair combines"))
    for m, mod in enumerate(MODULES):
        f.append(Field(("modules", mod, "waveform"), 1 + m // 2, 3 if m % 2 else 0, 3, named(WAVEFORMS), "DCO waveform"))
    # Bytes 5-20: detune, two bytes per module.
    for m, mod in enumerate(MODULES):
        a, b = 5 + 2 * m, 6 + 2 * m
        f += [
            Field(("modules", mod, "detune", "fine"), a, 2, 6, uint, "fine detune 0-63"),
            Field(("modules", mod, "detune", "fixed_pitch"), a, 1, 1, flag, "pitch fix"),
            Field(("modules", mod, "detune", "range"), a, 0, 1, uint, "pitch-fix range switch"),
            Field(("modules", mod, "detune", "sign"), b, 7, 1, sign, "'+' or '-'"),
            Field(("modules", mod, "detune", "octave"), b, 0, 7, octave_note("octave"),
                  "octaves (stored octave x 12 + note)"),
            Field(("modules", mod, "detune", "note"), b, 0, 7, octave_note("note"),
                  "notes 0-11 (stored octave x 12 + note)"),
        ]
    # Bytes 21-164: 8 steps x [DCA rate M1-M8][DCO rate][DCA level M1-M8][DCO level].
    # Bit 7 of a rate byte: the step follows key velocity (rate); of a level byte: sustain.
    for s in range(STEPS):
        base = 21 + 18 * s
        for m, mod in enumerate(MODULES):
            f += _env_step(("modules", mod, "envelope", s), base + m, base + 9 + m)
        f += _env_step(("pitch", "envelope", s), base + 8, base + 17, CENTRED,
                       "pitch level -64..63 around the stored 64 (panel ±63)")
    for m, mod in enumerate(MODULES):
        f += [
            Field(("modules", mod, "envelope_end"), 165 + m, 4, 3, STEP, "last step S1-S8"),
            Field(("modules", mod, "amp_sensitivity"), 165 + m, 0, 3, uint, "amplitude sensitivity 0-7"),
        ]
    f.append(Field(("pitch", "envelope_end"), 173, 4, 3, STEP, "last step S1-S8"))
    f.append(Field(("total_level",), 174, 0, 7, INV99,
                   "total level 0-99, stored inverted (stored 0 = 99, loudest); below 0 only "
                   "as stored"))
    for m, mod in enumerate(MODULES):
        f += [
            Field(("modules", mod, "on"), 175 + m, 7, 1, inverted_flag, "module on (bit 7 clear)"),
            Field(("modules", mod, "depth"), 175 + m, 0, 7, INV99,
                  "DCA envelope depth 0-99, stored inverted (stored 0 = 99)"),
        ]
    f += [
        Field(("pitch", "range_wide"), 183, 7, 1, flag, "DCO envelope range"),
        Field(("pitch", "depth"), 183, 0, 6, INV63,
              "DCO envelope depth 0-63, stored inverted (stored 0 = 63)"),
    ]
    for m, mod in enumerate(MODULES):
        for s in range(KEY_FOLLOW_STEPS):
            at = 184 + 12 * m + 2 * s
            f += [
                Field(("modules", mod, "key_follow", s, "key"), at, 0, 7, key, "key"),
                Field(("modules", mod, "key_follow", s, "level"), at + 1, 0, 7, INV99,
                      "level 0-99, stored inverted (stored 0 = 99)"),
            ]
    for s in range(KEY_FOLLOW_STEPS):
        f += [
            Field(("pitch", "key_follow", s, "key"), 280 + 2 * s, 0, 7, key, "key"),
            Field(("pitch", "key_follow", s, "level"), 281 + 2 * s, 0, 6, INV63,
                  "pitch key follow level 0-63, stored inverted (stored 0 = 63)"),
        ]
    for s in range(KEY_FOLLOW_STEPS):
        f += [
            Field(("key_follow_rate", s, "key"), 292 + 2 * s, 0, 7, key, "key"),
            Field(("key_follow_rate", s, "rate"), 293 + 2 * s, 0, 7, uint, "rate"),
        ]
    for m, mod in enumerate(MODULES):
        f += _velocity(("modules", mod, "velocity"), 304 + m)
    f += _velocity(("pitch", "velocity"), 312) + _velocity(("rate_velocity",), 313)
    f += [
        Field(("octave", "sign"), 314, 7, 1, sign, "'+' or '-'"),
        Field(("octave", "value"), 314, 5, 2, uint, "octave shift 0-2"),
        Field(("vibrato", "multi"), 314, 3, 1, flag, "each key starts its own vibrato"),
        Field(("vibrato", "wave"), 314, 0, 2, named(LFO_WAVES), "vibrato waveform"),
        Field(("vibrato", "depth"), 315, 0, 7, uint, "0-99"),
        Field(("vibrato", "rate"), 316, 0, 7, uint, "0-99"),
        Field(("vibrato", "delay"), 317, 0, 7, uint, "0-99"),
        Field(("tremolo", "multi"), 318, 3, 1, flag, "each key starts its own tremolo"),
        Field(("tremolo", "wave"), 318, 0, 2, named(LFO_WAVES), "tremolo waveform"),
        Field(("tremolo", "depth"), 319, 0, 7, uint, "0-99"),
        Field(("tremolo", "rate"), 320, 0, 7, uint, "0-99"),
        Field(("tremolo", "delay"), 321, 0, 7, uint, "0-99"),
        VOICE_NAME,
        Field(("unused",), 334, 0, 16, raw_bytes(2), "bytes 334-335: not used by the VZ, kept as found"),
    ]
    return f


def _env_step(path: tuple, rate_at: int, level_at: int, level_kind=uint,
              level_doc: str = "level (stored 0-127)") -> list[Field]:
    # Rates and levels stay as stored (0-127): the panel shows them 0-99 through a curve whose
    # exact table is not settled (spec, "Panel values"), and a guessed curve would lose bytes.
    return [
        Field((*path, "rate"), rate_at, 0, 7, uint, "rate (stored 0-127)"),
        Field((*path, "velocity"), rate_at, 7, 1, flag, "rate key velocity acts on this step"),
        Field((*path, "level"), level_at, 0, 7, level_kind, level_doc),
        Field((*path, "sustain"), level_at, 7, 1, flag, "sustain step"),
    ]


def _velocity(path: tuple, at: int) -> list[Field]:
    return [
        Field((*path, "curve"), at, 5, 3, STEP, "curve 1-8"),
        Field((*path, "sensitivity"), at, 0, 5, uint, "sensitivity 0-31"),
    ]


VOICE_NAME = Field(("name",), 322, 0, 8 * NAME_LEN, text(NAME_LEN), "voice name")

# ---------------------------------------------------------------------------------------------
# Operation memory: 100 bytes. Mode, name, key split / positional crossfade, then four blocks
# of 18 bytes (Normal/Combi 1, Combis 2-4) that say which voice plays and how it is controlled.

CONTROLLERS = ("aftertouch", "wheel1", "wheel2", "foot")
ROUTES = ("amp_bias", "tremolo_rate", "tremolo_depth", "portamento_time", "pitch_down",
          "pitch_up", "vibrato_rate", "vibrato_depth")  # bits 7..0 of the routing byte


def _opmem_fields() -> list[Field]:
    f = [
        Field(("mode",), 0, 0, 4, uint, "operation mode"),
        OPMEM_NAME,
        Field(("unused",), 13, 0, 16, raw_bytes(2), "bytes 13-14: not used, kept as found"),
        Field(("crossfade",), 15, 1, 1, flag, "positional crossfade on"),
        Field(("split", "two"), 16, 0, 7, key, "2-tone split key"),
        Field(("split", "lower"), 17, 0, 7, key, "4-tone split key, lower"),
        Field(("split", "middle"), 18, 0, 7, key, "4-tone split key, middle"),
        Field(("split", "upper"), 19, 0, 7, key, "4-tone split key, upper"),
    ]
    points = ("two_min", "two_max", "low_min", "low_max", "middle_min", "middle_max",
              "upper_min", "upper_max")
    f += [Field(("crossfade_points", p), 20 + k, 0, 7, key, "key") for k, p in enumerate(points)]
    for c in range(4):
        b = 28 + 18 * c
        path = ("combis", c)
        f += [
            Field((*path, "voice"), b, 0, 6, uint, "voice number 0-63"),
            Field((*path, "memory"), b, 6, 1, named(MEMORY), "voice from internal memory or card"),
            Field((*path, "tremolo_invert"), b + 1, 7, 1, flag, ""),
            Field((*path, "vibrato_invert"), b + 1, 6, 1, flag, ""),
            Field((*path, "velocity_invert"), b + 1, 5, 1, flag, ""),
            Field((*path, "sustain_pedal"), b + 1, 4, 1, flag, ""),
            Field((*path, "solo"), b + 1, 3, 1, flag, ""),
            Field((*path, "portamento", "mode"), b + 2, 7, 1, named(PORTAMENTO_MODES), ""),
            Field((*path, "portamento", "time"), b + 2, 0, 7, uint, "0-99"),
            Field((*path, "bend", "release"), b + 3, 7, 1, flag, "bend acts on released notes"),
            Field((*path, "bend", "range"), b + 3, 0, 6, uint, "0-48"),
        ]
        for k, ctl in enumerate(CONTROLLERS):
            at = b + 4 + 2 * k
            f += [
                Field((*path, ctl, "sign"), at, 7, 1, sign, "sensitivity polarity"),
                Field((*path, ctl, "sensitivity"), at, 0, 7, uint, "0-99"),
            ]
            f += [Field((*path, ctl, route), at + 1, 7 - bit, 1, flag, "") for bit, route in enumerate(ROUTES)]
        f += [
            Field((*path, "level"), b + 12, 0, 7, uint, "0-99"),
            Field((*path, "pitch", "fine"), b + 13, 2, 6, uint, "0-63"),
            Field((*path, "pitch", "sign"), b + 14, 7, 1, sign, "'+' or '-'"),
            Field((*path, "pitch", "notes"), b + 14, 0, 7, uint, "0-71"),
            Field((*path, "velocity_split", "min"), b + 15, 0, 7, uint, "0-127"),
            Field((*path, "velocity_split", "max"), b + 16, 0, 7, uint, "0-127"),
            Field((*path, "delay_trigger"), b + 17, 0, 7, uint, "0-99"),
        ]
    return f


OPMEM_NAME = Field(("name",), 1, 0, 8 * NAME_LEN, text(NAME_LEN), "operation memory name")

VOICE = ObjectSpec("voice", Tag.VOICE, 336, tuple(_voice_fields()), VOICE_NAME, (334, 335))
OPMEM = ObjectSpec("opmem", Tag.OPMEM, 100, tuple(_opmem_fields()), OPMEM_NAME, (13, 14))
OBJECTS = {VOICE.kind: VOICE, OPMEM.kind: OPMEM}
SINGLE_BY_TAG = {VOICE.tag: VOICE, OPMEM.tag: OPMEM}

# Bulk data sizes: what lies between the 6-byte header and F7 for each content.
BULK_LAYOUTS = {
    "voices": (BANK_SIZE, 0),
    "opmems": (0, BANK_SIZE),
    "voices+opmems": (BANK_SIZE, BANK_SIZE),
}


def bulk_data_length(voices: int, opmems: int) -> int:
    return voices * VOICE.block + opmems * OPMEM.block


# Handshake messages: open carries one content byte, close / OK / error none.
OPEN_SIZE = HEADER_LEN + 2  # ... 70 dd F7
CLOSE_SIZE = HEADER_LEN + 1  # ... 71 F7
