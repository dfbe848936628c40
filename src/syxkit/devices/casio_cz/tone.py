"""The CZ tone: one parameter table that decodes a 128-byte tone into panel values and writes
edited panel values back.

Layout (spec, "Tone data"): bytes 0-13 are global (line select, octave, detune, vibrato), then
two lines of 57 bytes each (line 1 at 14, line 2 at 71): waveforms, key follow, and the DCA,
DCW and DCO envelopes (end step, then 8 x rate/level). A CZ-1 tone with name adds 16 name bytes
(128-143) and uses a few spare nibbles (velocity, DCA level).

Round trips: decoding shows panel values *and* the stored bytes (``raw``). Encoding starts from
the stored bytes and writes only the panel values that differ from what those bytes decode to,
so an untouched tone comes back byte for byte (unknown bits, editor-made machine values and
all), and an edited value re-derives its stored bytes.
"""

from __future__ import annotations

from collections import namedtuple

from syxkit.devices.casio_cz.conversions import (
    DCA_KEY_FOLLOW,
    DCW_KEY_FOLLOW,
    DCW_KEY_FOLLOW_CZ1,
    ENVELOPE_SCALES,
    VIBRATO_MACHINE,
    fine_to_panel,
    fine_to_stored,
)
from syxkit.devices.casio_cz.table import NAMED_TONE_BYTES, TONE_BYTES
from syxkit.devices.params import (
    MISSING,
    Leaf,
    Node,
    ParamError,
    Said,
    choice,
    integer,
    join,
    leaf_or_null,
    schema_from_paths,
    validate,
)

TYPE_CHECKING = False  # typing costs a few ms at start (syxkit info); annotations are strings
if TYPE_CHECKING:
    from typing import Any

Path = tuple  # a parameter's key: names and indexes, as tuple[Any, ...] (a plain alias: typing is not imported at start)


class Context(namedtuple("Context", ['cz1'])):

    __slots__ = ()  # fields as listed in the comments below
    # cz1: bool  # a CZ-1 tone with name: the CZ-1-only fields exist and its DCW key follow scale


class Param(namedtuple("Param", ['keys', 'get', 'put', 'check', 'doc', 'offsets', 'cz1_only', 'levels_of'], defaults=(False, None,))):
    """One entry of the tone table.

    ``keys`` are where the value(s) sit in the decoded JSON (two keys for the waveform pair,
    which share the line's resonance-type bits). ``get`` reads a tuple of panel values from the
    payload; ``put`` writes a tuple into it, leaving every bit it does not own alone. ``check``
    is the panel range (a :class:`syxkit.devices.params.Leaf`): ``encode`` checks typed values
    against it, and ``decode`` notes stored values outside it.
    """

    __slots__ = ()  # fields as listed in the comments below

    # keys: tuple[Path, ...]
    # get: Callable[[bytes, Context], tuple]
    # put: Callable[[bytearray, tuple, Context], None]
    # check: Leaf
    # doc: str
    # offsets: tuple[int, ...]
    # cz1_only: bool = False
    # levels_of: int | None = None  # first step byte of the envelope whose levels this sets


def _int_range(lo: int, hi: int) -> Leaf:
    return integer(lo, hi)


def _one_of(choices) -> Leaf:
    return choice(choices)


def _single(get1, put1):
    return (lambda b, c: (get1(b, c),)), (lambda buf, v, c: put1(buf, v[0], c))


TABLE: list[Param] = []


def _add(key: Path, get1, put1, check, doc: str, offsets, **kw) -> None:
    get, put = _single(get1, put1)
    TABLE.append(Param((key,), get, put, check, doc, tuple(offsets), **kw))


def _set_bits(buf: bytearray, off: int, shift: int, width: int, value: int) -> None:
    mask = ((1 << width) - 1) << shift
    buf[off] = (buf[off] & ~mask & 0xFF) | ((value << shift) & mask)


# -- global ----------------------------------------------------------------------------------

LINE_SELECT = ("1", "2", "1+1'", "1+2'")
_add(("line_select",),
     lambda b, c: LINE_SELECT[b[0] & 3],
     lambda buf, v, c: _set_bits(buf, 0, 0, 2, LINE_SELECT.index(v)),
     _one_of(LINE_SELECT), "line select (PFLAG bits 1-0)", [0])

OCTAVE_OF_CODE = {0: 0, 1: 1, 2: -1}
CODE_OF_OCTAVE = {v: k for k, v in OCTAVE_OF_CODE.items()}
_add(("octave",),
     lambda b, c: OCTAVE_OF_CODE.get((b[0] >> 2) & 3),
     lambda buf, v, c: _set_bits(buf, 0, 2, 2, CODE_OF_OCTAVE[v]),
     _one_of((-1, 0, 1)), "octave -1/0/+1 (PFLAG bits 3-2)", [0])

DIRECTION = {0: "+", 1: "-"}
_add(("detune", "direction"),
     lambda b, c: DIRECTION.get(b[1]),
     lambda buf, v, c: buf.__setitem__(1, 0 if v == "+" else 1),
     _one_of(("+", "-")), "detune direction (PDS)", [1])
_add(("detune", "fine"),
     lambda b, c: fine_to_panel(b[2]),
     lambda buf, v, c: buf.__setitem__(2, fine_to_stored(v)),
     _int_range(0, 60), "detune fine 0-60 (PDETL, stored 4*(f+(f-1)//15))", [2])
_add(("detune", "octave"),
     lambda b, c: b[3] // 12,
     lambda buf, v, c: buf.__setitem__(3, v * 12 + buf[3] % 12),
     _int_range(0, 3), "detune octaves 0-3 (PDETH = octave*12 + note)", [3])
_add(("detune", "note"),
     lambda b, c: b[3] % 12,
     lambda buf, v, c: buf.__setitem__(3, (buf[3] // 12) * 12 + v),
     _int_range(0, 11), "detune notes 0-11 (PDETH = octave*12 + note)", [3])

# The panel's vibrato wave buttons 1-4, by the shape printed beside them.
VIBRATO_WAVE_CODES = {"triangle": 0x08, "saw-up": 0x04, "saw-down": 0x20, "square": 0x02}
VIBRATO_WAVE_OF_CODE = {v: k for k, v in VIBRATO_WAVE_CODES.items()}
_add(("vibrato", "wave"),
     lambda b, c: VIBRATO_WAVE_OF_CODE.get(b[4]),
     lambda buf, v, c: buf.__setitem__(4, VIBRATO_WAVE_CODES[v]),
     _one_of(tuple(VIBRATO_WAVE_CODES)),
     "vibrato wave (panel 1-4): triangle, saw-up, saw-down, square (PVK 08 04 20 02)", [4])


def _vibrato(name: str, off: int) -> None:
    machine = VIBRATO_MACHINE[name]

    def put(buf: bytearray, v: int, c: Context) -> None:
        m = machine(v)
        buf[off:off + 3] = bytes([v, m & 0xFF, m >> 8])

    _add(("vibrato", name), lambda b, c: b[off], put, _int_range(0, 99),
         f"vibrato {name} 0-99 (panel byte, then a 16-bit machine value, low byte first)",
         range(off, off + 3))


_vibrato("delay", 5)
_vibrato("rate", 8)
_vibrato("depth", 11)

# -- lines -----------------------------------------------------------------------------------

# Waveform codes (byte 1 of MFW/SFW): 1 saw, 2 square, 3 pulse, 4 double sine, 5 saw-pulse,
# 6-8 resonance with the line's resonance type 1-3 (byte 2 bits 7-6). Decode shows them by the
# names of the panel's waveform buttons 1-8.
WAVE_NAMES = ("saw", "square", "pulse", "double-sine", "saw-pulse",
              "resonance-saw", "resonance-triangle", "resonance-trapezoid")
WAVE_NUMBER = {name: k + 1 for k, name in enumerate(WAVE_NAMES)}
WAVE_OFF = "off"  # waveform 2 switched off
WAVE_CODE = {1: 0b000, 2: 0b001, 3: 0b010, 4: 0b100, 5: 0b101, 6: 0b110, 7: 0b110, 8: 0b110}
_WAVE_OF_CODE = {0b000: 1, 0b001: 2, 0b010: 3, 0b100: 4, 0b101: 5}
RESONANCE = 0b110


def _wave(code: int, res_type: int) -> str | None:
    if code == RESONANCE:
        return WAVE_NAMES[4 + res_type] if 1 <= res_type <= 3 else None
    number = _WAVE_OF_CODE.get(code)  # 011 and 111 are undocumented: no panel value
    return None if number is None else WAVE_NAMES[number - 1]


def _waveforms(line: str, base: int) -> None:
    def get(b: bytes, c: Context) -> tuple:
        first, res = b[base], b[base + 1] >> 6
        w1 = _wave(first >> 5, res)
        w2 = _wave((first >> 2) & 7, res) if first & 0b10 else WAVE_OFF  # bit 1: waveform 2 on
        return (w1, w2)

    def put(buf: bytearray, v: tuple, c: Context) -> None:
        n1, n2 = (None if w is None else 0 if w == WAVE_OFF else WAVE_NUMBER[w] for w in v)
        types = {w - 5 for w in (n1, n2) if w is not None and w >= 6}
        if len(types) > 1:
            raise ParamError(f"params.{line}.waveform2", "a waveform that shares waveform1's "
                             "resonance type (a line has one resonance type)", v[1])
        if n1 is not None:
            _set_bits(buf, base, 5, 3, WAVE_CODE[n1])
        if n2 is not None:
            _set_bits(buf, base, 1, 4, 0 if n2 == 0 else (WAVE_CODE[n2] << 1) | 1)
        # The resonance type belongs to whichever waveform is a resonance wave; with none the
        # panel stores 00.
        _set_bits(buf, base + 1, 6, 2, types.pop() if types else 0)

    TABLE.append(Param(
        ((line, "waveform1"), (line, "waveform2")), get, put,
        _one_of(WAVE_NAMES + (WAVE_OFF,)),
        "waveforms (panel 1-8): saw, square, pulse, double-sine, saw-pulse, resonance-saw, "
        "resonance-triangle, resonance-trapezoid; waveform2 may be off", (base, base + 1)))


MODULATION = {0b000: "none", 0b100: "ring", 0b011: "noise"}
MODULATION_CODE = {v: k for k, v in MODULATION.items()}


def _line(line: str, base: int) -> None:
    _waveforms(line, base)
    if base == 14:  # modulation exists on line 1 only
        _add((line, "modulation"),
             lambda b, c: MODULATION.get((b[base + 1] >> 3) & 7),
             lambda buf, v, c: _set_bits(buf, base + 1, 3, 3, MODULATION_CODE[v]),
             _one_of(tuple(MODULATION_CODE)), "modulation: none, ring, noise (MFW byte 2 bits 5-3)",
             [base + 1])

    def put_dca_kf(buf: bytearray, v: int, c: Context) -> None:
        _set_bits(buf, base + 2, 0, 4, v)
        buf[base + 3] = DCA_KEY_FOLLOW[v]

    def put_dcw_kf(buf: bytearray, v: int, c: Context) -> None:
        _set_bits(buf, base + 4, 0, 4, v)
        buf[base + 5] = (DCW_KEY_FOLLOW_CZ1 if c.cz1 else DCW_KEY_FOLLOW)[v]

    _add((line, "dca_key_follow"), lambda b, c: b[base + 2] & 0x0F, put_dca_kf, _int_range(0, 9),
         "DCA key follow 0-9 (MAMD low nibble, then MAMV from a table)", [base + 2, base + 3])
    _add((line, "dcw_key_follow"), lambda b, c: b[base + 4] & 0x0F, put_dcw_kf, _int_range(0, 9),
         "DCW key follow 0-9 (MWMD low nibble, then MWMV from a table; the CZ-1's differs)",
         [base + 4, base + 5])
    _add((line, "dca_level"),
         lambda b, c: 15 - (b[base + 2] >> 4),
         lambda buf, v, c: _set_bits(buf, base + 2, 4, 4, 15 - v),
         _int_range(1, 15), "CZ-1 DCA level 1-15 (stored as 15 - level in MAMD's high nibble)",
         [base + 2], cz1_only=True)
    for env, end in (("dco", base + 40), ("dcw", base + 23), ("dca", base + 6)):
        _envelope(line, env, end)


def _sustain_get(start: int):
    def get(b: bytes, c: Context):
        steps = [i + 1 for i in range(8) if b[start + 2 * i + 1] & 0x80]
        return None if not steps else steps[0] if len(steps) == 1 else steps
    return get


def _sustain_put(start: int):
    def put(buf: bytearray, v, c: Context) -> None:
        steps = set() if v is None else {v} if isinstance(v, int) else set(v)
        for i in range(8):
            _set_bits(buf, start + 2 * i + 1, 7, 1, 1 if i + 1 in steps else 0)
    return put


# The panel sets one sustain step or none; tones from other editors may mark several (decoded
# as a list, kept as found, and noted).
_check_sustain = leaf_or_null(integer(1, 8))


def _envelope(line: str, env: str, end: int) -> None:
    start = end + 1
    rate_scale, level_scale = ENVELOPE_SCALES[env]
    what = f"{env.upper()} envelope"
    _add((line, env, "end_step"),
         lambda b, c: (b[end] & 0x0F) + 1,
         lambda buf, v, c: _set_bits(buf, end, 0, 4, v - 1),
         _int_range(1, 8), f"{what} end step 1-8 (stored 0-7)", [end])
    _add((line, env, "sustain_step"), _sustain_get(start), _sustain_put(start), _check_sustain,
         f"{what} sustain step 1-8 or null (bit 7 of the step's level byte)",
         range(start + 1, start + 16, 2))
    _add((line, env, "velocity"),
         lambda b, c: b[end] >> 4,
         lambda buf, v, c: _set_bits(buf, end, 4, 4, v),
         _int_range(0, 15), f"CZ-1 {what} velocity 0-15 (high nibble of the end-step byte)",
         [end], cz1_only=True)
    for i in range(8):
        r, lv = start + 2 * i, start + 2 * i + 1
        _add((line, env, "rates", i),
             lambda b, c, r=r: rate_scale.to_panel(b[r] & 0x7F),
             lambda buf, v, c, r=r: _set_bits(buf, r, 0, 7, rate_scale.to_stored(v)),
             _int_range(0, 99), f"{what} step {i + 1} rate 0-99 ({rate_scale.name} scale)", [r])
        _add((line, env, "levels", i),
             lambda b, c, lv=lv: level_scale.to_panel(b[lv] & 0x7F),
             lambda buf, v, c, lv=lv: _set_bits(buf, lv, 0, 7, level_scale.to_stored(v)),
             _int_range(0, 99), f"{what} step {i + 1} level 0-99 ({level_scale.name} scale)",
             [lv], levels_of=start)


_line("line1", 14)
_line("line2", 71)


def set_directions(buf: bytearray, start: int) -> None:
    """Bit 7 of each rate byte: set when the step's level is below the previous step's (the
    first step compares with 0). Re-derived only for an envelope whose levels were edited."""
    prev = 0
    for i in range(8):
        level = buf[start + 2 * i + 1] & 0x7F
        _set_bits(buf, start + 2 * i, 7, 1, 1 if level < prev else 0)
        prev = level


# -- decode / encode -------------------------------------------------------------------------

def _params_for(ctx: Context) -> list[Param]:
    return [p for p in TABLE if ctx.cz1 or not p.cz1_only]


def _place(tree: dict, key: Path, value: Any) -> None:
    node: Any = tree
    for k, nxt in zip(key, key[1:], strict=False):
        if isinstance(nxt, int):
            node = node.setdefault(k, [None] * 8)
        elif isinstance(k, int):
            if node[k] is None:
                node[k] = {}
            node = node[k]
        else:
            node = node.setdefault(k, {})
    node[key[-1]] = value


def _key_check(p: Param, key: Path) -> Leaf:
    if key[-1] == "waveform1":  # waveform 1 cannot be switched off
        return _one_of(WAVE_NAMES)
    return p.check


def label(key: Path, prefix: str = "params") -> str:
    out = prefix
    for k in key:
        out = join(out, k)
    return out


# Keys of the decoded tone that are not panel values: the stored bytes, what decode noticed,
# and a message that came without its final F7 (kept so, for a byte-exact round trip).
FREE_KEYS = {"raw", "notes", "unterminated"}

_SCHEMAS: dict[bool, Node] = {}


def schema(ctx: Context) -> Node:
    """The tone table as a schema tree for :func:`syxkit.devices.params.validate`."""
    if ctx.cz1 not in _SCHEMAS:
        node = schema_from_paths((key, _key_check(p, key))
                                 for p in _params_for(ctx) for key in p.keys)
        node.free = set(FREE_KEYS)
        _SCHEMAS[ctx.cz1] = node
    return _SCHEMAS[ctx.cz1]


def panel_values(payload: bytes) -> dict[str, Any]:
    """The panel values only (no ``raw``, no notes)."""
    ctx = Context(cz1=len(payload) == NAMED_TONE_BYTES)
    out: dict[str, Any] = {}
    for p in _params_for(ctx):
        for key, value in zip(p.keys, p.get(payload, ctx), strict=True):
            _place(out, key, value)
    return out


def decode_tone(payload: bytes) -> dict[str, Any]:
    """Panel values of a tone (128 bytes, or 144 for a CZ-1 tone with name), ``raw`` (the
    stored bytes, the truth for every bit the panel values do not show) and ``notes`` (stored
    values the panel cannot show, when there are any)."""
    out = panel_values(payload)
    out["raw"] = payload.hex()
    notes = tone_notes(payload)
    if notes:
        out["notes"] = notes
    return out


def _lookup(tree: Any, key: Path) -> tuple[bool, Any]:
    node = tree
    for k in key:
        if isinstance(k, int):
            if not isinstance(node, list) or k >= len(node):
                return False, None
        elif not isinstance(node, dict) or k not in node:
            return False, None
        node = node[k]
    return True, node


def _refuse_cz1_fields(params: Any, ctx: Context, prefix: str) -> None:
    if ctx.cz1:
        return
    for p in TABLE:
        if p.cz1_only:
            for key in p.keys:
                found, value = _lookup(params, key)
                if found:
                    raise ParamError(label(key, prefix), "nothing: a CZ-1 field, and this is not "
                                     "a CZ-1 tone with name", value)


def encode_tone(params: dict[str, Any], base: bytes, *, force: bool = False, fill: bool = True,
                prefix: str = "params") -> bytes:
    """The payload for ``params``: ``base`` (the stored bytes) with every changed panel value
    written in (``force``: every value given in ``params``).

    ``fill``: values missing from ``params`` are the ones ``base`` holds; without it every
    panel value must be given (a tone written by hand, with no stored bytes to fall back on).
    A value equal to the one ``base`` holds is kept as stored even when the panel could not
    make it (real banks hold such values); any other value must be in the panel range.
    Raises :class:`ParamError` naming the JSON path (``prefix`` + the key)."""
    if len(base) not in (TONE_BYTES, NAMED_TONE_BYTES):
        raise ParamError(join(prefix, "raw"), f"{TONE_BYTES} bytes, or {NAMED_TONE_BYTES} "
                         "for a CZ-1 tone with name", Said(f"{len(base)} bytes"))
    ctx = Context(cz1=len(base) == NAMED_TONE_BYTES)
    if not isinstance(params, dict):
        raise ParamError(prefix, "an object", params)
    _refuse_cz1_fields(params, ctx, prefix)
    full = validate(params, schema(ctx), panel_values(base) if fill else MISSING, prefix)
    buf = bytearray(base)
    edited_levels: set[int] = set()
    for p in _params_for(ctx):
        before = p.get(base, ctx)
        given = tuple(_lookup(full, key)[1] for key in p.keys)
        forced = (force or not fill) and any(_lookup(params, key)[0] for key in p.keys)
        if given == before and not forced:
            continue  # unchanged: the stored bytes stay as they are
        p.put(buf, given, ctx)
        if p.levels_of is not None:
            edited_levels.add(p.levels_of)
    for start in sorted(edited_levels):
        set_directions(buf, start)
    return bytes(buf)


# -- notes: stored values the panel cannot show --------------------------------------------------

def _scale_floor_notes(payload: bytes, ctx: Context) -> list[str]:
    """Stored values below a scale's floor show as 0 like a real 0: one note per envelope row
    (rates or levels) that holds any, with the stored bytes, so an edit does not lose them."""
    out = []
    for line, base in (("line1", 14), ("line2", 71)):
        for env, end in (("dco", base + 40), ("dcw", base + 23), ("dca", base + 6)):
            rate_scale, level_scale = ENVELOPE_SCALES[env]
            start = end + 1
            for what, first, scale in (("rates", start, rate_scale),
                                       ("levels", start + 1, level_scale)):
                low = [(i + 1, payload[first + 2 * i] & 0x7F) for i in range(8)
                       if scale.to_panel(payload[first + 2 * i] & 0x7F) == 0
                       and payload[first + 2 * i] & 0x7F != scale.to_stored(0)]
                if low:
                    steps = ", ".join(f"step {i} stores {v}" for i, v in low)
                    out.append(f"{line}.{env}.{what}: {steps}, below the panel's {scale.name} "
                               f"scale (0 stores {scale.to_stored(0)}); shown as 0, kept as found")
    return out


def tone_notes(payload: bytes) -> list[str]:
    """One note per stored value outside what the panel shows: values beyond the panel range
    (DCO levels above 99, end steps above 8, several sustain steps), values below a scale,
    codes with no panel meaning and hidden bits. Each is kept as found by ``encode``."""
    ctx = Context(cz1=len(payload) == NAMED_TONE_BYTES)
    notes: list[str] = []
    for p in _params_for(ctx):
        for key, value in zip(p.keys, p.get(payload, ctx), strict=True):
            if _key_check(p, key).check(value):
                continue
            where = label(key, "")
            stored = " ".join(f"{payload[o]:02X}" for o in p.offsets)
            if value is None and key[-1] != "sustain_step":
                notes.append(f"{where}: stored byte(s) {stored} have no panel meaning; kept as found")
            elif isinstance(value, list):
                notes.append(f"{where}: several sustain steps {value} (the panel sets one); "
                             "kept as found")
            else:
                notes.append(f"{where}: stored byte(s) {stored} show as {value}, outside the "
                             f"panel's range ({_key_check(p, key).expected}); kept as found")
    notes += _scale_floor_notes(payload, ctx)
    for name, off in (("delay", 5), ("rate", 8), ("depth", 11)):
        panel, machine = payload[off], payload[off + 1] | payload[off + 2] << 8
        if panel <= 99 and VIBRATO_MACHINE[name](panel) != machine:
            notes.append(f"vibrato.{name}: machine value 0x{machine:04X} differs from the one the "
                         f"panel stores for {panel} (0x{VIBRATO_MACHINE[name](panel):04X}); kept")
    for line, base in (("line1", 14), ("line2", 71)):
        for what, at, table in (("dca_key_follow", base + 2, DCA_KEY_FOLLOW),
                                ("dcw_key_follow", base + 4,
                                 DCW_KEY_FOLLOW_CZ1 if ctx.cz1 else DCW_KEY_FOLLOW)):
            k = payload[at] & 0x0F
            if k <= 9 and payload[at + 1] != table[k]:
                notes.append(f"{line}.{what}: second byte {payload[at + 1]:02X} is not the "
                             f"panel's {table[k]:02X} for {k}; kept")
            if not ctx.cz1 and what == "dca_key_follow" and payload[at] >> 4:
                notes.append(f"{line}.{what}: hidden high nibble {payload[at] >> 4:X} (a CZ-1 "
                             "field) in a CZ-101...5000 tone; kept")
        if payload[base] & 0x01:
            notes.append(f"{line}: hidden bit 0 of the first waveform byte (window extension) "
                         "is set; kept")
        if payload[base + 1] & 0x04:
            notes.append(f"{line}: hidden bit 2 of the second waveform byte (line mute) is set; "
                         "kept")
        if base == 71 and payload[base + 1] & 0x38:
            notes.append(f"{line}: modulation bits {(payload[base + 1] >> 3) & 7:03b} set on "
                         "line 2 (only line 1 has modulation); kept")
        if not ctx.cz1:
            for env, end in (("dco", base + 40), ("dcw", base + 23), ("dca", base + 6)):
                if payload[end] >> 4:
                    notes.append(f"{line}.{env}.end_step: hidden high nibble "
                                 f"{payload[end] >> 4:X} (CZ-1 velocity) in a CZ-101...5000 "
                                 "tone; kept")
    return notes


def describe() -> list[dict[str, Any]]:
    """The table as data (for documentation and editors): key, stored offsets, meaning."""
    return [{"keys": [".".join(str(k) for k in key) for key in p.keys], "offsets": list(p.offsets),
             "cz1_only": p.cz1_only, "doc": p.doc} for p in TABLE]


# The CZ's own "initialize" sound is not documented; this plain tone is built from the table
# (saw wave, full DCW/DCA attack then release, sustain on step 2) and used when a JSON tone
# comes without stored bytes, and by example().
INIT_PANEL: dict[str, Any] = {
    "line_select": "1", "octave": 0,
    "detune": {"direction": "+", "fine": 0, "octave": 0, "note": 0},
    "vibrato": {"wave": "triangle", "delay": 0, "rate": 0, "depth": 0},
}
for _ln in ("line1", "line2"):
    INIT_PANEL[_ln] = {
        "waveform1": "saw", "waveform2": WAVE_OFF, "dca_key_follow": 0, "dcw_key_follow": 0,
        "dco": {"end_step": 1, "sustain_step": None, "rates": [0] * 8, "levels": [0] * 8},
        "dcw": {"end_step": 3, "sustain_step": 2, "rates": [99, 50, 50, 0, 0, 0, 0, 0],
                "levels": [99, 70, 0, 0, 0, 0, 0, 0]},
        "dca": {"end_step": 3, "sustain_step": 2, "rates": [99, 50, 40, 0, 0, 0, 0, 0],
                "levels": [99, 90, 0, 0, 0, 0, 0, 0]},
    }
INIT_PANEL["line1"]["modulation"] = "none"


def init_payload(named: bool = False) -> bytes:
    """The init tone's stored bytes (128, or 144 with a blank CZ-1 name)."""
    # Every panel value is written by the table into zero bytes, so the stored values are
    # exactly what the panel would store (e.g. DCW rate 0 is stored as 8).
    payload = encode_tone(INIT_PANEL, bytes(TONE_BYTES), fill=False)
    if named:
        payload += b" " * (NAMED_TONE_BYTES - TONE_BYTES)
    return payload
