"""VZ voices and operation memories as editor fields, walked from the field tables in
``table.py`` (``ObjectSpec.fields``): nothing here lists parameters; only the panel's group
names are written out. Where a field's description gives the panel's range (``"0-99"``) and
it is narrower than what the stored bits hold, set/randomize/the page use the panel's; the
validator keeps the wide one so stored values round-trip."""

from __future__ import annotations

import re

from syxkit.devices.casio_vz.fields import Field as TableField
from syxkit.devices.casio_vz.fields import _Bytes, _Key, _Text
from syxkit.devices.casio_vz.table import CHARSET, MODULES, NAME_LEN, OBJECTS
from syxkit.devices.fieldmodel import Field, from_leaf, text_field

# Spellings of the operation memory's kind (the library's and the message's).
KIND_ALIASES = {"operation-memory": "opmem", "op-mem": "opmem"}

VOICE_GROUPS = [
    ((), "General"), (("lines",), "Lines (mode)"), (("external_phase",), "External phase"),
    *[(("modules", m), f"Module {m}") for m in MODULES],
    (("pitch",), "Pitch (DCO)"), (("key_follow_rate",), "Key follow rate"),
    (("octave",), "Octave"), (("vibrato",), "Vibrato"), (("tremolo",), "Tremolo"),
]
OPMEM_GROUPS = [
    ((), "General"), (("split",), "Key split"), (("crossfade_points",), "Positional crossfade"),
    *[(("combis", c), "Normal / combi 1" if c == 0 else f"Combi {c + 1}") for c in range(4)],
]
_PANEL_RANGE = re.compile(r"(?<![\w.-])(\d+)-(\d+)\b")
_ROLES = {"rate": "rate", "level": "level", "sustain": "sustain"}


def _envelope(path: tuple) -> tuple[str, str, int | None] | None:
    # (..., "envelope", step, "rate"|"level"|"sustain") and (..., "envelope_end")
    if "envelope" in path:
        at = path.index("envelope")
        if len(path) == at + 3 and path[-1] in _ROLES:
            return ".".join(map(str, path[:at + 1])), _ROLES[path[-1]], path[at + 1] + 1
    if path[-1] == "envelope_end":
        return ".".join(map(str, (*path[:-1], "envelope"))), "end", None
    return None


def _panel(f: TableField) -> tuple[int, int] | None:
    m = _PANEL_RANGE.search(f.doc)
    return (int(m.group(1)), int(m.group(2))) if m else None


def object_fields(kind: str) -> list[Field]:
    spec = OBJECTS[KIND_ALIASES.get(kind, kind)]
    groups = VOICE_GROUPS if spec.kind == "voice" else OPMEM_GROUPS
    out: list[Field] = []
    for f in spec.fields:
        if f is spec.name_field or isinstance(f.kind, _Text):
            out.append(text_field("name", "Name", NAME_LEN, CHARSET, help=f.doc))
            continue
        if isinstance(f.kind, _Bytes):
            continue  # bytes with no meaning (kept as found): nothing to edit
        field = from_leaf(f.path, f.leaf, help=f.doc, groups=groups, panel=_panel(f),
                          envelope=_envelope(f.path), ordered=isinstance(f.kind, _Key))
        if field is not None:
            out.append(field)
    return out

