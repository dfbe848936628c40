"""K-Station / A-Station programs as editor fields, walked from the program table
(``table.PROGRAM_FIELDS``) and the validator's leaves (``program.field_leaf``). Groups are the
table's sections (as the front panel groups them); a field's documented range, narrower than
its bits, is the panel range."""

from __future__ import annotations

from syxkit.devices.base import Unsupported
from syxkit.devices.fieldmodel import Field, from_leaf
from syxkit.devices.novation_kstation.program import field_leaf, field_value
from syxkit.devices.novation_kstation.table import A_STATION_LAYOUT, find_model

KINDS = ("program", "current-sound")
_ADSR = {"attack": "attack", "decay": "decay", "sustain": "sustain", "release": "release"}


def program_fields(model: str | None) -> list[Field]:
    found = find_model(model) if model else None
    if found is not None and found.layout == "unknown":
        raise Unsupported(f"novation-kstation: {found.layout_note}; nothing to edit field by field")
    out: list[Field] = []
    for f in A_STATION_LAYOUT.fields:
        path = (f.section, f.name)
        panel = None
        if f.range is not None:
            panel = (field_value(f, f.range[0]), field_value(f, f.range[1]))
        env = None
        if f.section.startswith("env") and f.name in _ADSR:
            env = (f.section, _ADSR[f.name], None)
        field = from_leaf(path, field_leaf(f), help=f"byte {f.offset}"
                          + (f" bits {f.shift}-{f.shift + f.width - 1}" if f.width < 7 else ""),
                          panel=panel, envelope=env)
        if field is not None:
            out.append(field)
    return out
