"""The editor's field model, device-independent: what a face (``syxkit set``/``get``, the
browser editor, randomize/mutate/morph) needs to know about each parameter of a sound object.

Drivers build their fields by walking their own parameter tables (``Device.fields``); nothing
here names a device. A field says where its value sits in the decoded params (``path``, the
JSON path, list positions from 0) and how a person names it (``key``: dotted, list positions
counted from 1 as the panels count envelope steps and key-follow points), what values it takes
(``kind`` int/enum/bool/text with range, names or length and character set) and which panel
group it belongs to. Envelopes are described apart (:class:`Envelope`): which keys are the
rates, levels, sustain and end of one envelope, so a page can draw and drag it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from syxkit.devices.params import Leaf

Path = tuple[str | int, ...]

KINDS = ("int", "enum", "bool", "text")


@dataclass(frozen=True)
class Field:
    key: str  # "line1.dcw.rates.3": dotted, list positions counted from 1
    path: Path  # where the value sits (in params, or beside them when location is "name")
    label: str
    group: str  # group id ("line1.dcw"); "" = the object's general values
    group_label: str
    kind: str  # int | enum | bool | text
    min: int | None = None
    max: int | None = None
    step: int = 1
    unit: str | None = None
    choices: tuple[Any, ...] | None = None  # enum values, as decode shows them
    ordered: bool = False  # enum choices in order (note names): morph may interpolate them
    nullable: bool = False  # null is a panel value too ("no sustain step")
    max_length: int | None = None  # text
    charset: str | None = None  # text: every character the panel can show
    help: str = ""  # the table's own description of the field
    # "params": the value is in the decoded params at ``path``; "name": it is the object's
    # name, which drivers keep beside the params (decode --json's top-level ``name``).
    location: str = "params"
    envelope: str | None = None  # id of the envelope this field belongs to
    role: str | None = None  # in that envelope: rate | level | sustain | end | ...
    step_number: int | None = None  # envelope step, counted from 1

    @property
    def numeric(self) -> bool:
        return self.kind == "int"

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "key": self.key, "path": list(self.path), "label": self.label, "group": self.group,
            "group_label": self.group_label, "kind": self.kind, "help": self.help,
            "location": self.location, "nullable": self.nullable,
        }
        if self.kind == "int":
            out.update(min=self.min, max=self.max, step=self.step, unit=self.unit)
        elif self.kind == "enum":
            out.update(choices=list(self.choices or ()), ordered=self.ordered)
        elif self.kind == "text":
            out.update(max_length=self.max_length, charset=self.charset)
        if self.envelope is not None:
            out.update(envelope=self.envelope, role=self.role, step_number=self.step_number)
        return out

    def accepts(self, value: Any) -> bool:
        """Whether ``value`` is a panel value of this field (what set/randomize may write)."""
        if value is None:
            return self.nullable
        if self.kind == "int":
            return (isinstance(value, int) and not isinstance(value, bool)
                    and self.min <= value <= self.max)
        if self.kind == "bool":
            return isinstance(value, bool)
        if self.kind == "enum":
            return any(value == c and type(value) is type(c) for c in self.choices or ())
        if self.kind == "text":
            return (isinstance(value, str) and len(value) <= (self.max_length or len(value))
                    and (self.charset is None or all(ch in self.charset for ch in value)))
        return False

    def describe_range(self) -> str:
        """What the field takes, in words (for errors and ``get``)."""
        if self.kind == "int":
            text = (f"a whole number {self.min}-{self.max}" if self.min >= 0
                    else f"a whole number from {self.min} to {self.max}")
        elif self.kind == "bool":
            text = "true or false (on/off)"
        elif self.kind == "enum":
            names = ", ".join(f"{k}={c}" for k, c in enumerate(self.choices or (), 1))
            text = f"one of {names} (by name, or by number counted from 1)"
        else:
            text = f"text of up to {self.max_length} characters"
            if self.charset:
                text += f" of {self.charset!r}"
        return text + (" or none" if self.nullable else "")


@dataclass(frozen=True)
class Envelope:
    """One envelope of an object, by the keys of its fields. ``form``: "steps" (rate/level
    pairs, ``sustain`` either one key holding a step number or null, or one flag key per step
    in ``sustain_flags``; ``end`` the key of the last step) or "adsr" (attack, decay, sustain
    level, release: ``segments`` maps each role to its key)."""

    id: str
    label: str
    group: str
    form: str
    steps: int = 0
    rates: tuple[str, ...] = ()
    levels: tuple[str, ...] = ()
    sustain: str | None = None
    sustain_flags: tuple[str, ...] = ()
    end: str | None = None
    segments: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "label": self.label, "group": self.group,
                               "form": self.form}
        if self.form == "steps":
            out.update(steps=self.steps, rates=list(self.rates), levels=list(self.levels),
                       sustain=self.sustain, sustain_flags=list(self.sustain_flags),
                       end=self.end)
        else:
            out["segments"] = dict(self.segments)
        return out


# -- building fields from a table's paths and leaves ------------------------------------------

def key_of(path: Path) -> str:
    """The dotted key of a JSON path: list positions counted from 1 (``rates[2]`` -> ``rates.3``)."""
    return ".".join(str(p + 1) if isinstance(p, int) else p for p in path)


_WORDS = {"dca": "DCA", "dcw": "DCW", "dco": "DCO", "lfo1": "LFO 1", "lfo2": "LFO 2",
          "env1": "Env 1", "env2": "Env 2", "env3": "Env 3", "osc1": "Osc 1", "osc2": "Osc 2",
          "osc3": "Osc 3", "lfo": "LFO", "fm": "FM", "eq": "EQ", "pwm": "PWM", "arp": "Arp"}


def words(name: str) -> str:
    """A table name as words (``dcw_key_follow`` -> ``DCW key follow``)."""
    parts = [_WORDS.get(w, w) for w in re.split(r"[_\s]+", name) if w]
    text = " ".join(parts)
    return text[:1].upper() + text[1:]


def label_of(path: Path, group_path: Path) -> str:
    """A short label: the path below its group, list positions counted from 1."""
    rest = path[len(group_path):] or path[-1:]
    out: list[str] = []
    for k, p in enumerate(rest):
        if isinstance(p, int):
            out.append(str(p + 1))
            continue
        if k + 1 < len(rest) and isinstance(rest[k + 1], int) and p.endswith("s"):
            p = p[:-1]  # "rates" then a step number: "Rate 3"
        out.append(words(p) if not out else words(p).lower() if not p[:1].isupper() else p)
    return " ".join(out)


def default_group(path: Path) -> Path:
    """The panel group of a path when the driver names none: the object holding the value,
    or (for values in a list of steps) the object holding the list."""
    for i, p in enumerate(path):
        if isinstance(p, int):
            return path[: max(i - 1, 0)]
    return path[:-1]


def group_for(path: Path, groups: Iterable[tuple[Path, str]]) -> tuple[Path, str | None]:
    """The longest driver-given group prefix of ``path`` (with its label), else the default."""
    best: tuple[Path, str | None] | None = None
    for prefix, label in groups:
        if path[: len(prefix)] == prefix and (best is None or len(prefix) > len(best[0])):
            best = (prefix, label)
    return best if best is not None else (default_group(path), None)


def group_label(group: Path, given: str | None) -> str:
    if given:
        return given
    if not group:
        return "General"
    return " ".join(str(p + 1) if isinstance(p, int) else words(p) for p in group)


def from_leaf(path: Path, leaf: Leaf, *, help: str = "", groups: Iterable[tuple[Path, str]] = (),
              panel: tuple[int, int] | None = None, unit: str | None = None,
              envelope: tuple[str, str, int | None] | None = None,
              label: str | None = None, ordered: bool = False) -> Field | None:
    """A field from one table entry: its JSON path and the Leaf the validator checks it with.

    ``panel``: the panel's own range where the table documents one narrower than what the
    stored bits hold (the validator keeps the wide one so stored values round-trip; set,
    randomize and the page use the panel's). Returns None for values with no editor kind
    (leaves the validator describes only as a predicate)."""
    g, given = group_for(path, groups)
    common = dict(key=key_of(path), path=tuple(path), group=key_of(g),
                  group_label=group_label(g, given), help=help, unit=unit,
                  label=label or label_of(path, g))
    if envelope is not None:
        common.update(envelope=envelope[0], role=envelope[1], step_number=envelope[2])
    choices = leaf.choices
    if choices is not None and set(map(type, choices)) == {bool}:
        return Field(kind="bool", nullable=leaf.nullable, **common)
    lo, hi = leaf.lo, leaf.hi
    if choices is not None and all(isinstance(c, int) and not isinstance(c, bool)
                                   for c in choices) and \
            sorted(choices) == list(range(min(choices), max(choices) + 1)):
        lo, hi, choices = min(choices), max(choices), None  # -1/0/+1: a small number range
    if choices is not None:
        return Field(kind="enum", choices=tuple(choices), nullable=leaf.nullable, ordered=ordered,
                     **common)
    if lo is None or hi is None:
        return None
    if panel is not None and lo <= panel[0] <= panel[1] <= hi:
        lo, hi = panel
    return Field(kind="int", min=lo, max=hi, nullable=leaf.nullable, **common)


def text_field(key: str, label: str, max_length: int, charset: str | None, *,
               help: str = "", location: str = "name") -> Field:
    return Field(key=key, path=(key,), label=label, group="", group_label="General",
                 kind="text", max_length=max_length, charset=charset, help=help,
                 location=location)


# -- envelopes from tagged fields --------------------------------------------------------------

def envelopes_of(fields: Iterable[Field], labels: Callable[[str], str] | None = None) -> list[Envelope]:
    """The envelope descriptors of fields tagged with ``envelope``/``role``: roles rate and
    level (with step numbers) make a "steps" envelope, with ``sustain`` (one key, or a flag per
    step) and ``end``; roles attack/decay/sustain_level/release make an "adsr" one."""
    by_env: dict[str, list[Field]] = {}
    for f in fields:
        if f.envelope is not None:
            by_env.setdefault(f.envelope, []).append(f)
    out = []
    for env, members in by_env.items():
        first = members[0]
        label = labels(env) if labels else (
            first.group_label if "envelope" in first.group_label.lower()
            else f"{first.group_label} envelope")
        rates = sorted((f for f in members if f.role == "rate"), key=lambda f: f.step_number or 0)
        if rates:
            levels = sorted((f for f in members if f.role == "level"),
                            key=lambda f: f.step_number or 0)
            flags = sorted((f for f in members if f.role == "sustain" and f.step_number),
                           key=lambda f: f.step_number or 0)
            single = next((f.key for f in members if f.role == "sustain" and not f.step_number),
                          None)
            end = next((f.key for f in members if f.role == "end"), None)
            out.append(Envelope(env, label, first.group, "steps", len(rates),
                                tuple(f.key for f in rates), tuple(f.key for f in levels),
                                single, tuple(f.key for f in flags), end))
        else:
            out.append(Envelope(env, label, first.group, "adsr",
                                segments={f.role: f.key for f in members if f.role}))
    return out
