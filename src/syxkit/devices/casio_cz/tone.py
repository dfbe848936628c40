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

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

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

Path = tuple[Any, ...]


@dataclass(frozen=True)
class Context:
    cz1: bool  # a CZ-1 tone with name: the CZ-1-only fields exist and its DCW key follow scale


@dataclass(frozen=True)
class Param:
    """One entry of the tone table.

    ``keys`` are where the value(s) sit in the decoded JSON (two keys for the waveform pair,
    which share the line's resonance-type bits). ``get`` reads a tuple of panel values from the
    payload; ``put`` writes a tuple into it, leaving every bit it does not own alone. ``check``
    says what is wrong with a value a user typed (None when fine).
    """

    keys: tuple[Path, ...]
    get: Callable[[bytes, Context], tuple]
    put: Callable[[bytearray, tuple, Context], None]
    check: Callable[[Any], str | None]
    doc: str
    offsets: tuple[int, ...]
    cz1_only: bool = False
    levels_of: int | None = None  # first step byte of the envelope whose levels this sets


def _int_range(lo: int, hi: int) -> Callable[[Any], str | None]:
    def check(v: Any) -> str | None:
        if isinstance(v, bool) or not isinstance(v, int) or not lo <= v <= hi:
            return f"expected a whole number {lo}-{hi}, got {v!r}"
        return None
    return check


def _one_of(choices) -> Callable[[Any], str | None]:
    def check(v: Any) -> str | None:
        if isinstance(v, bool) or v not in choices:
            return f"expected one of {', '.join(repr(c) for c in choices)}, got {v!r}"
        return None
    return check


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

VIBRATO_WAVE_CODES = {1: 0x08, 2: 0x04, 3: 0x20, 4: 0x02}  # triangle, saw up, saw down, square
VIBRATO_WAVE_OF_CODE = {v: k for k, v in VIBRATO_WAVE_CODES.items()}
_add(("vibrato", "wave"),
     lambda b, c: VIBRATO_WAVE_OF_CODE.get(b[4]),
     lambda buf, v, c: buf.__setitem__(4, VIBRATO_WAVE_CODES[v]),
     _one_of((1, 2, 3, 4)), "vibrato wave 1-4: triangle, saw up, saw down, square (PVK)", [4])


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
# 6-8 resonance with the line's resonance type 1-3 (byte 2 bits 7-6).
WAVE_CODE = {1: 0b000, 2: 0b001, 3: 0b010, 4: 0b100, 5: 0b101, 6: 0b110, 7: 0b110, 8: 0b110}
_WAVE_OF_CODE = {0b000: 1, 0b001: 2, 0b010: 3, 0b100: 4, 0b101: 5}
RESONANCE = 0b110


def _wave(code: int, res_type: int) -> int | None:
    if code == RESONANCE:
        return 5 + res_type if 1 <= res_type <= 3 else None
    return _WAVE_OF_CODE.get(code)  # 011 and 111 are undocumented: no panel value


def _waveforms(line: str, base: int) -> None:
    def get(b: bytes, c: Context) -> tuple:
        first, res = b[base], b[base + 1] >> 6
        w1 = _wave(first >> 5, res)
        w2 = _wave((first >> 2) & 7, res) if first & 0b10 else 0  # bit 1: waveform 2 on
        return (w1, w2)

    def put(buf: bytearray, v: tuple, c: Context) -> None:
        w1, w2 = v
        types = {w - 5 for w in (w1, w2) if w is not None and w >= 6}
        if len(types) > 1:
            raise ValueError(f"{line}: waveforms {w1} and {w2} need different resonance types, "
                             "but a line has one resonance type")
        if w1 is not None:
            _set_bits(buf, base, 5, 3, WAVE_CODE[w1])
        if w2 is not None:
            _set_bits(buf, base, 1, 4, 0 if w2 == 0 else (WAVE_CODE[w2] << 1) | 1)
        # The resonance type belongs to whichever waveform is a resonance wave; with none the
        # panel stores 00.
        _set_bits(buf, base + 1, 6, 2, types.pop() if types else 0)

    TABLE.append(Param(
        ((line, "waveform1"), (line, "waveform2")), get, put, _int_range(0, 8),
        "waveforms 1-8 (saw, square, pulse, double sine, saw-pulse, resonance 1-3); "
        "waveform 2 may be 0 = off", (base, base + 1)))


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


def _check_sustain(v: Any) -> str | None:
    steps = v if isinstance(v, list) else [v]
    if v is None or (steps and all(not isinstance(s, bool) and isinstance(s, int) and 1 <= s <= 8
                                   for s in steps)):
        return None
    return f"expected null (no sustain), a step 1-8 or a list of steps, got {v!r}"


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


def decode_tone(payload: bytes) -> dict[str, Any]:
    """Panel values of a tone (128 bytes, or 144 for a CZ-1 tone with name) plus ``raw``."""
    ctx = Context(cz1=len(payload) == NAMED_TONE_BYTES)
    out: dict[str, Any] = {}
    for p in _params_for(ctx):
        for key, value in zip(p.keys, p.get(payload, ctx), strict=True):
            _place(out, key, value)
    out["raw"] = payload.hex()
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


def _shape(key: Path) -> Path:
    return tuple("#" if isinstance(k, int) else k for k in key)


def _shapes(params: list[Param]) -> set[Path]:
    out: set[Path] = set()
    for p in params:
        for key in p.keys:
            shape = _shape(key)
            out.update(shape[:n] for n in range(1, len(shape) + 1))
    return out


def _check_known(params: dict, ctx: Context) -> None:
    """Refuse keys the table does not know, so a typo is not silently ignored."""
    known = _shapes(_params_for(ctx)) | {("raw",)}
    cz1_fields = _shapes([p for p in TABLE if p.cz1_only])

    def walk(node: Any, path: Path) -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                here = path + (k,)
                if _shape(here) not in known:
                    name = ".".join(str(x) for x in here)
                    hint = (" (a CZ-1 field, and this is not a CZ-1 tone with name)"
                            if _shape(here) in cz1_fields else "")
                    raise ValueError(f"unknown tone parameter {name!r}{hint}")
                walk(v, here)
        elif isinstance(node, list) and _shape(path) + ("#",) in known:
            if len(node) != 8:
                raise ValueError(f"{'.'.join(map(str, path))} must list 8 steps, got {len(node)}")
            for i, v in enumerate(node):
                walk(v, path + (i,))

    walk(params, ())


def encode_tone(params: dict[str, Any], base: bytes, *, force: bool = False) -> bytes:
    """The payload for ``params``: ``base`` (the stored bytes) with every changed panel value
    written in (``force``: every given value). Raises ValueError naming the parameter for a
    bad value."""
    if len(base) not in (TONE_BYTES, NAMED_TONE_BYTES):
        raise ValueError(f"tone data is {len(base)} bytes; expected {TONE_BYTES} "
                         f"or {NAMED_TONE_BYTES} (CZ-1 with name)")
    ctx = Context(cz1=len(base) == NAMED_TONE_BYTES)
    _check_known(params, ctx)
    buf = bytearray(base)
    edited_levels: set[int] = set()
    for p in _params_for(ctx):
        before = p.get(base, ctx)
        given, mentioned = [], False
        for key, old in zip(p.keys, before, strict=True):
            found, value = _lookup(params, key)
            given.append(value if found else old)
            mentioned = mentioned or found
        given_t = tuple(given)
        forced = force and mentioned
        if given_t == before and not forced:
            continue  # unchanged: the stored bytes stay as they are
        for key, old, new in zip(p.keys, before, given_t, strict=True):
            if new != old or forced:
                problem = p.check(new)
                if problem:
                    raise ValueError(f"{'.'.join(str(k) for k in key)}: {problem}")
        p.put(buf, given_t, ctx)
        if p.levels_of is not None:
            edited_levels.add(p.levels_of)
    for start in sorted(edited_levels):
        set_directions(buf, start)
    return bytes(buf)


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
    "vibrato": {"wave": 1, "delay": 0, "rate": 0, "depth": 0},
}
for _ln in ("line1", "line2"):
    INIT_PANEL[_ln] = {
        "waveform1": 1, "waveform2": 0, "dca_key_follow": 0, "dcw_key_follow": 0,
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
    payload = encode_tone(INIT_PANEL, bytes(TONE_BYTES), force=True)
    if named:
        payload += b" " * (NAMED_TONE_BYTES - TONE_BYTES)
    return payload
