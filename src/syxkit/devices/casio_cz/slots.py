"""Program addresses ``pp`` and the names each CZ model's panel gives them.

The same byte means different slots on different models (0x20 is "Internal 1" on a CZ-101,
"Internal A1" on a CZ-5000 and "E1" on a CZ-1), and a 264-byte tone does not say which model
it was made for. So a slot is named for a model when the model is known, and otherwise as
"0x20 (internal 1 on CZ-101)" with every model's reading in ``details``.
"""

from __future__ import annotations

import re
from collections import namedtuple

from syxkit.devices.base import DeviceError
from syxkit.devices.casio_cz.table import EDIT_BUFFER

MODELS = ("CZ-101", "CZ-1000", "CZ-3000", "CZ-5000", "CZ-230S", "CZ-1")

# What `request casio-cz WHAT` takes, counted as the CZ's display counts (Device.request_names;
# parsed by protocol.parse_what).
REQUEST_NAMES = (
    ("internal:N", "internal tone N: 1-16 on a CZ-101/1000; A1-D8 on a CZ-3000/5000 "
                   "(--model); A1-H8 on a CZ-1; slot 97-99 on a CZ-230S"),
    ("preset:N", "preset tone N: 1-16 on a CZ-101/1000, A1-D8 on a CZ-3000/5000, 0-95 on a "
                 "CZ-230S"),
    ("cartridge:N", "cartridge tone N, 1-16 (CZ-101/1000)"),
    ("edit-buffer", "the tone in the edit buffer / sound area (pp 0x60)"),
    ("named-tone:A1", "CZ-1 tone with its name, A1-H8"),
    ("opmem:N", "CZ-1 operation memory N, 1-64"),
    ("tone:0xPP", "a tone by its wire address pp (hex, 0x00-0x7F), for what the names miss"),
)


class Area(namedtuple("Area", ['kind', 'first', 'count', 'writable', 'bank_size', 'number_base'], defaults=(None, 1,))):
    """A run of program addresses of one kind on one model."""

    __slots__ = ()  # fields as listed in the comments below

    # kind: str  # "Preset", "Internal", "Cartridge", "" (CZ-1 banks carry no area name), "Slot"
    # first: int
    # count: int
    # writable: bool
    # bank_size: int | None = None  # slots per lettered bank (A1-A8, B1-B8, ...)
    # number_base: int = 1  # what the first slot is called when not lettered

    def label(self, pp: int) -> str:
        i = pp - self.first
        if self.bank_size:
            slot = f"{'ABCDEFGH'[i // self.bank_size]}{i % self.bank_size + 1}"
        else:
            slot = str(i + self.number_base)
        return f"{self.kind} {slot}".strip()

    def __contains__(self, pp: int) -> bool:
        return self.first <= pp < self.first + self.count


class Layout(namedtuple("Layout", ['name', 'areas', 'internal', 'bank_size', 'edit_buffer_note'], defaults=("",))):
    """One model family's address map (spec, "Program addresses pp")."""

    __slots__ = ()  # fields as listed in the comments below

    # name: str  # how a slot reading names the family, e.g. "CZ-3000/5000"
    # areas: tuple[Area, ...]
    # internal: int  # the first address a bank is written to by default
    # bank_size: int | None  # tones per bank file when the model has lettered banks
    # edit_buffer_note: str = ""

    def area(self, pp: int) -> Area | None:
        return next((a for a in self.areas if pp in a), None)

    def label(self, pp: int) -> str | None:
        if pp == EDIT_BUFFER:
            return "edit buffer" + self.edit_buffer_note
        area = self.area(pp)
        return None if area is None else area.label(pp)

    def writable(self, pp: int) -> bool:
        if pp == EDIT_BUFFER:
            return True
        area = self.area(pp)
        return area is not None and area.writable


CZ101 = Layout("CZ-101", (
    Area("Preset", 0x00, 16, False), Area("Internal", 0x20, 16, True),
    Area("Cartridge", 0x40, 16, True)), internal=0x20, bank_size=None)
CZ5000 = Layout("CZ-3000/5000", (
    Area("Preset", 0x00, 32, False, bank_size=8), Area("Internal", 0x20, 32, True, bank_size=8)),
    internal=0x20, bank_size=8)
CZ1 = Layout("CZ-1", (Area("", 0x00, 64, True, bank_size=8),), internal=0x00, bank_size=8)
# CZ-230S: 100 slots numbered 00-99 on the panel; only 96-99 (0x60-0x63) can be written, and a
# tone sent to 0x60 goes to slot 96.
CZ230S = Layout("CZ-230S", (
    Area("Preset", 0x00, 96, False, number_base=0), Area("Slot", 0x61, 3, True, number_base=97)),
    internal=0x60, bank_size=None, edit_buffer_note=" (slot 96)")

LAYOUTS = {"CZ-101": CZ101, "CZ-1000": CZ101, "CZ-3000": CZ5000, "CZ-5000": CZ5000,
           "CZ-230S": CZ230S, "CZ-1": CZ1}
# The order in which an address is explained when the model is unknown: the most common
# reading first (the CZ-101 map covers 0x00-0x0F, 0x20-0x2F and 0x40-0x4F).
GUESS_ORDER = (CZ101, CZ5000, CZ230S, CZ1)


def parse_model(text: str | None) -> str | None:
    """A model name as users type it (``cz101``, ``CZ-5000``, ``5000``, ``cz-1``) -> canonical."""
    if text is None:
        return None
    key = re.sub(r"[^0-9a-z]", "", str(text).lower())
    key = key[2:] if key.startswith("cz") else key
    for model in MODELS:
        if key == model[3:].replace("-", "").lower():
            return model
    raise DeviceError(f"unknown CZ model {text!r} (known: {', '.join(MODELS)})")


def layout(model: str | None) -> Layout | None:
    return None if model is None else LAYOUTS[model]


def readings(pp: int) -> dict[str, str]:
    """Every model family's name for address ``pp`` (only the families that have it)."""
    out = {}
    for lay in (CZ101, CZ5000, CZ1, CZ230S):
        label = lay.label(pp)
        if label is not None:
            out[lay.name] = label
    return out


def slot_label(pp: int, model: str | None = None) -> str:
    """The panel's name for ``pp`` on ``model``; for an unknown model the likeliest reading."""
    if model is not None:
        label = LAYOUTS[model].label(pp)
        return label if label is not None else f"0x{pp:02X} (no such address on the {model})"
    if pp == EDIT_BUFFER:
        return "edit buffer"
    for lay in GUESS_ORDER:
        label = lay.label(pp)
        if label is not None:
            return f"0x{pp:02X} ({label[0].lower() + label[1:]} on {lay.name})"
    return f"0x{pp:02X} (not a CZ program address)"


def slot_stem(pp: int, model: str | None = None) -> str:
    """A file-name friendly slot name: ``20-internal-1``, ``60-edit-buffer``, ``00-a1``."""
    if model is not None:
        label = LAYOUTS[model].label(pp) or "unknown"
    elif pp == EDIT_BUFFER:
        label = "edit buffer"
    else:
        label = next((lay.label(pp) for lay in GUESS_ORDER if lay.label(pp)), "unknown")
    slug = re.sub(r"[^0-9a-z]+", "-", label.lower()).strip("-")
    return f"{pp:02x}-{slug}"


def check_writable(pp: int, model: str | None) -> None:
    """Raise a clear DeviceError unless a tone may be sent to ``pp`` on ``model``."""
    if not isinstance(pp, int) or not 0 <= pp <= 0x7F:
        raise DeviceError(f"program {pp!r} is out of range (a CZ program address is 0x00-0x7F)")
    if model is not None:
        lay = LAYOUTS[model]
        if lay.writable(pp):
            return
        area = lay.area(pp)
        if area is not None:
            raise DeviceError(
                f"program 0x{pp:02X} is {area.label(pp)} on the {model}, a preset: the CZ refuses "
                f"writes there; choose {_writable_text(lay)}")
        raise DeviceError(f"program 0x{pp:02X} is no slot of the {model}; choose {_writable_text(lay)}")
    # Model unknown: 0x00-0x1F are presets on every CZ-101/1000/3000/5000 (only the CZ-1 calls
    # 0x00-0x3F its own A1-H8), so they are refused unless the model is named.
    if pp < 0x20:
        raise DeviceError(
            f"program 0x{pp:02X} is a preset slot ({slot_label(pp)}): the CZ refuses writes to "
            f"presets; use an internal slot (internal 1-16 or A1-D8: 0x20-0x3F), a cartridge slot "
            f"(cartridge 1-16: 0x40-0x4F, CZ-101/1000) or the edit buffer (0x60) (for a CZ-1, "
            f"where 0x00-0x3F are A1-H8, add --model CZ-1)")
    if any(lay.writable(pp) for lay in GUESS_ORDER):
        return
    raise DeviceError(
        f"program 0x{pp:02X} is not a CZ program address (internal 1-16 or A1-D8: 0x20-0x3F, "
        f"cartridge 1-16: 0x40-0x4F, edit buffer 0x60, CZ-230S slots 97-99: 0x61-0x63)")


def _writable_text(lay: Layout) -> str:
    parts = []
    for area in lay.areas:
        if area.writable:
            last = area.first + area.count - 1
            parts.append(f"{area.label(area.first)}-{area.label(last).split(' ')[-1]} "
                         f"(0x{area.first:02X}-0x{last:02X})")
    parts.append("the edit buffer (0x60)")
    return ", ".join(parts)
