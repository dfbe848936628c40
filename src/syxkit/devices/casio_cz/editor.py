"""The CZ tone's editor fields, walked from the tone table (``tone.TABLE``): nothing here
lists parameters; only the panel's group names are written out."""

from __future__ import annotations

from syxkit.devices.casio_cz.table import CZ1_CHARSET, NAME_BYTES
from syxkit.devices.casio_cz.tone import Context, Path, _key_check, _params_for
from syxkit.devices.fieldmodel import Field, from_leaf, text_field

# The CZ panel's sections (the front panel groups DCO, DCW and DCA per line).
GROUPS: list[tuple[Path, str]] = [
    ((), "General"), (("detune",), "Detune"), (("vibrato",), "Vibrato"),
    *[g for n in (1, 2) for g in (
        ((f"line{n}",), f"Line {n}: waveform and key follow"),
        ((f"line{n}", "dco"), f"Line {n}: DCO (pitch) envelope"),
        ((f"line{n}", "dcw"), f"Line {n}: DCW (timbre) envelope"),
        ((f"line{n}", "dca"), f"Line {n}: DCA (amplitude) envelope"))],
]
_ROLES = {"rates": "rate", "levels": "level", "sustain_step": "sustain", "end_step": "end"}


def _envelope(key: Path) -> tuple[str, str, int | None] | None:
    # (line, env, "rates", i) / (line, env, "sustain_step"): an 8-step rate/level envelope
    if len(key) >= 3 and key[1] in ("dco", "dcw", "dca") and key[2] in _ROLES:
        step = key[3] + 1 if len(key) > 3 else None
        return f"{key[0]}.{key[1]}", _ROLES[key[2]], step
    return None


def tone_fields(model: str | None) -> list[Field]:
    """The fields of a tone: a CZ-1 tone with name (model CZ-1) adds its name, velocities
    and DCA levels."""
    ctx = Context(cz1=model == "CZ-1")
    out: list[Field] = []
    if ctx.cz1:
        out.append(text_field("name", "Name", NAME_BYTES, CZ1_CHARSET,
                              help="CZ-1 tone name (A-Z 0-9 space * - / .)"))
    for p in _params_for(ctx):
        for key in p.keys:
            f = from_leaf(key, _key_check(p, key), help=p.doc, groups=GROUPS,
                          envelope=_envelope(key))
            if f is not None:
                out.append(f)
    return out
