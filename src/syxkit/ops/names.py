"""Name rules per device, kind and model, for checking a name as the user types it, and the
check itself through the driver's own ``rename`` (the rules table is for the page; the driver
is the authority: a name the driver refuses is refused whatever the table says)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from syxkit.library.store import Library, Patch


@dataclass(frozen=True)
class NameRule:
    device: str
    kind: str
    models: tuple[str, ...] | None  # None: every model of the device
    stored: bool  # the device keeps a name in this object
    max_length: int | None = None
    charset: str | None = None  # every character the panel can show
    upper: bool = False  # lower case is folded to upper case (the panel has none)
    note: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"device": self.device, "kind": self.kind, "models": self.models,
                "stored": self.stored, "max_length": self.max_length, "charset": self.charset,
                "upper": self.upper, "note": self.note}


def _rules() -> list[NameRule]:
    # Read from the drivers' own tables, so a driver fix changes what the page checks.
    from syxkit.devices.casio_cz.table import CZ1_CHARSET, NAME_BYTES
    from syxkit.devices.casio_vz.table import CHARSET, NAME_LEN

    library_only = "the name is kept in the library only"
    return [
        NameRule("casio-vz", "voice", None, True, NAME_LEN, CHARSET, True),
        NameRule("casio-vz", "operation-memory", None, True, NAME_LEN, CHARSET, True),
        NameRule("casio-cz", "tone", ("CZ-1",), True, NAME_BYTES, CZ1_CHARSET, True,
                 "only a CZ-1 tone with name stores one"),
        NameRule("casio-cz", "tone", ("CZ-101", "CZ-1000", "CZ-3000", "CZ-5000", "CZ-230S"),
                 False, note=f"CZ-101/1000/3000/5000/230S tones have no names; {library_only}"),
        NameRule("casio-cz", "operation-memory", None, False,
                 note=f"a CZ-1 operation memory has no name; {library_only}"),
        NameRule("novation-kstation", "*", None, False,
                 note=f"K-Station programs store no name; {library_only}"),
        NameRule("yamaha-dtxtreme2", "*", None, False,
                 note=f"syxkit cannot write DTX names yet; {library_only}"),
        NameRule("casio-rz1", "*", None, False,
                 note=f"RZ-1 dumps store no name syxkit can write; {library_only}"),
    ]


def name_rules() -> list[NameRule]:
    return _rules()


def rule_for(device: str, kind: str, model: str | None,
             stored: bool | None = None) -> NameRule | None:
    """The rule for an object (``stored``: whether its dump holds a name, when known)."""
    for rule in _rules():
        if rule.device != device or rule.kind not in (kind, "*"):
            continue
        if stored is not None and rule.stored != stored:
            continue
        if rule.models is None or model is None or model in rule.models:
            return rule
    return None


@dataclass
class NameCheck:
    name: str  # the name as the library will keep it (as the device will show it)
    written: bool  # the name goes into the dump on export
    note: str = ""


def check_name(lib: Library, patch: Patch, name: str) -> NameCheck:
    """The name a patch would get, checked by its driver: the one check the CLI's ``lib
    rename`` uses too (:func:`syxkit.library.check_patch_name`: the driver's ``check_name``
    where it has one, else its ``rename``). Raises LibraryError with the driver's reason when
    the device cannot show it. Where the device stores no name in this object, the name is
    kept in the library only and the note says so (in the words of the rule the page shows)."""
    from syxkit.library import check_patch_name

    shown, written, note = check_patch_name(lib, patch, name)
    if not written:
        rule = rule_for(patch.device, patch.kind, patch.model, stored=False)
        note = rule.note if rule is not None and rule.note else note
    return NameCheck(shown, written, note)
