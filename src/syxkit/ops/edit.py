"""Reading and changing a sound's parameters by their panel names and values (``syxkit get`` /
``syxkit set``, ``lib set``, and later the browser editor), and making new sounds from old ones
(randomize, mutate, morph), all over the field model (``Device.fields``).

Every change goes through the driver's own decode and encode: the message is decoded, the
values are written into the decoded form, and the driver encodes it back. Drivers keep
untouched values byte for byte, so only the bytes a changed value lives in change (and the
checksum, which is computed afresh); :func:`edit_object` checks that by decoding the result
again and refuses a result in which anything else moved.

These functions return data and raise :class:`OptionError` (a bad key or value: usage) or
:class:`DeviceError` (a file or dump that cannot be edited); the CLI renders.
"""

from __future__ import annotations

import difflib
import random
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from syxkit.core.readers import SourceFile
from syxkit.devices import registry
from syxkit.devices.base import Device, DeviceError, Dump, OptionError, Unsupported
from syxkit.devices.fieldmodel import Field
from syxkit.devices.params import ParamError, join
from syxkit.inspect import Entry, entries, load, load_bytes

# -- the objects of a file --------------------------------------------------------------------


@dataclass
class Target:
    """One sound object of a file: the message it sits in, its part index in a bulk message
    (None: the message is the object) and its fields."""

    device: Device
    message: Dump  # the whole message's dump
    part: int | None
    obj: Dump  # the object itself (a part, or the message's dump)
    index: int  # its position among the file's objects, from 0 (--index N is index N - 1)
    entry: Entry | None = None

    @property
    def fields(self) -> list[Field]:
        return fields_of(self.device, self.obj)


def fields_of(dev: Device, obj: Dump) -> list[Field]:
    try:
        return dev.fields(obj.kind, obj.model)
    except Unsupported as exc:
        raise DeviceError(f"{dev.id} {obj.kind}: no parameter table to edit ({exc})") from None


def objects_in(found: Iterable[Entry]) -> list[Target]:
    """Every sound object of the entries, as ``rename --index`` counts them."""
    out: list[Target] = []
    for e in found:
        if e.dump is None:
            continue
        dev = registry.get(e.dump.device)
        for obj in dev.objects(e.dump):
            part = next((k for k, p in enumerate(e.dump.parts) if p is obj), None)
            out.append(Target(dev, e.dump, part, obj, len(out), e))
    return out


def read_source(path: str) -> SourceFile:
    sources = list(load([path]))
    if len(sources) != 1 or sources[0].error:
        why = sources[0].error if len(sources) == 1 else "not one readable file"
        raise DeviceError(f"{path}: {why}")
    return sources[0]


def position(count: int, number: int | None, where: str, option: str = "--index") -> int:
    """The list position (from 0) of the object a user names as ``option NUMBER``.

    People count a file's objects from 1, as split file names (BASS-03-...) and ``render
    --index`` do, so every command's ``--index`` takes that count; None means the only one."""
    if number is None:
        if count > 1:
            raise OptionError(f"{where} holds {count} objects; choose one with {option} "
                              f"1..{count}")
        number = 1
    if not 1 <= number <= count:
        raise OptionError(f"{option} {number} is out of range: {where} holds {count} "
                          f"object{'s' if count != 1 else ''} (1..{count})")
    return number - 1


def pick_number(targets: list[Target], number: int | None, where: str,
                option: str = "--index") -> Target:
    """The object a user means by ``--index NUMBER`` (counted from 1)."""
    if not targets:
        raise DeviceError(f"{where}: no sound object of a known device")
    return targets[position(len(targets), number, where, option)]


def pick(targets: list[Target], index: int | None, where: str) -> Target:
    """The object at list position ``index`` (from 0; code's own counting, e.g. a bulk part)."""
    return pick_number(targets, None if index is None else index + 1, where)


def target_of_bytes(data: bytes, index: int | None = None, name: str = "dump") -> Target:
    """The object ``index`` of some bytes (a library patch's message, a page's upload)."""
    found = [e for src in load_bytes(data, name) for e in entries(src)]
    return pick(objects_in(found), index, name)


# -- keys and values ---------------------------------------------------------------------------


class ValueRefused(OptionError):
    """A value a field (or the device, for a combination) does not take; ``key`` names it."""

    def __init__(self, key: str, text: str):
        super().__init__(text)
        self.key = key


_BRACKET = re.compile(r"\[(\d+)\]")


def normal_key(key: str) -> str:
    """A key as the field model spells it: ``rates[2]`` (a JSON index, as ``diff`` prints
    it) becomes ``rates.3`` (the panel's step number)."""
    key = key.strip()
    if key.startswith("params."):
        key = key[len("params."):]
    return _BRACKET.sub(lambda m: f".{int(m.group(1)) + 1}", key)


def find_field(fields: list[Field], key: str, what: str = "this object") -> Field:
    """The field named ``key``; OptionError listing the close ones when there is none."""
    wanted = normal_key(key)
    by_key = {f.key: f for f in fields}
    if wanted in by_key:
        return by_key[wanted]
    folded = {k.lower(): f for k, f in by_key.items()}
    if wanted.lower() in folded:
        return folded[wanted.lower()]
    close = difflib.get_close_matches(wanted, list(by_key), n=6, cutoff=0.6)
    if not close:  # a prefix (a group) the user half remembers
        close = [k for k in by_key if k.startswith(wanted.split(".")[0])][:6]
    hint = f"; close: {', '.join(close)}" if close else ""
    raise OptionError(f"{key}: no such parameter in {what}{hint} (`syxkit get FILE` lists "
                      "every key)")


_TRUE = {"true", "on", "yes", "1"}
_FALSE = {"false", "off", "no", "0"}
_NONE = {"none", "null", "-"}


def parse_value(f: Field, value: Any) -> Any:
    """A panel value for ``f`` from what a person typed (or a JSON value from a page):
    numbers in decimal or 0x hex, enums by name or by number counted from 1, booleans as
    true/false/on/off, none for "no value" where the field has one. OptionError says the
    range."""
    def bad(why: str = "") -> OptionError:
        shown = value if isinstance(value, str) else repr(value)
        return ValueRefused(f.key, f"{f.key} = {shown}: "
                            f"{why or 'not a value of this parameter'}; "
                            f"expected {f.describe_range()}")

    text = value.strip() if isinstance(value, str) else None
    if f.nullable and (value is None or (text is not None and text.lower() in _NONE)):
        return None
    if f.kind == "text":
        if not isinstance(value, str):
            raise bad()
        return value
    if f.kind == "bool":
        if isinstance(value, bool):
            return value
        if text is not None and text.lower() in _TRUE | _FALSE:
            return text.lower() in _TRUE
        raise bad()
    if f.kind == "enum":
        choices = list(f.choices or ())
        for c in choices:
            if value == c and type(value) is type(c):
                return c
        if text is not None:
            for c in choices:
                if str(c).lower() == text.lower():
                    return c
        number = _number(value)
        if number is not None and 1 <= number <= len(choices):
            return choices[number - 1]
        raise bad()
    number = _number(value)
    if number is None:
        raise bad("not a whole number")
    if not f.min <= number <= f.max:
        raise bad("out of range")
    return number


def _number(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        try:
            return int(value.strip(), 0)
        except ValueError:
            return None
    return None


def parse_assignments(items: Iterable[str]) -> list[tuple[str, str]]:
    """``KEY=VALUE`` words (the value may itself hold ``=``)."""
    out = []
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise OptionError(f"{item!r}: expected KEY=VALUE (e.g. line1.dcw.rates.3=70)")
        out.append((key.strip(), value))
    return out


# -- reading values ----------------------------------------------------------------------------


def decoded_message(dev: Device, message: Dump) -> dict[str, Any]:
    """The message as ``decode --json`` shows it (what every driver's encode takes back)."""
    return {"device": message.device, "kind": message.kind, "model": message.model,
            "channel": message.channel, "bank": message.bank, "program": message.program,
            "slot": message.slot, "name": message.name, "params": dev.decode(message)}


def _get_path(node: Any, path: tuple) -> Any:
    for p in path:
        node = node[p]
    return node


def _set_path(node: Any, path: tuple, value: Any) -> None:
    for p in path[:-1]:
        node = node[p]
    node[path[-1]] = value


def _value(holder: dict[str, Any], f: Field) -> Any:
    if f.location == "name":
        return holder.get("name")
    try:
        return _get_path(holder["params"], f.path)
    except (KeyError, IndexError, TypeError):
        raise DeviceError(f"{f.key}: not in the decoded object (the driver's table and its "
                          "decode disagree)") from None


def values(target: Target, fields: list[Field] | None = None) -> dict[str, Any]:
    """Every field's current panel value, by key."""
    fields = target.fields if fields is None else fields
    holder = target.device.object_params(decoded_message(target.device, target.message),
                                         target.part)
    return {f.key: _value(holder, f) for f in fields}


@dataclass
class Row:
    field: Field
    value: Any

    def to_json(self) -> dict[str, Any]:
        return {"key": self.field.key, "value": self.value, "label": self.field.label,
                "group": self.field.group_label, "kind": self.field.kind,
                "range": self.field.describe_range()}


def get(path: str, keys: Iterable[str] = (), number: int | None = None) -> tuple[Target, list[Row]]:
    """``syxkit get``: the values of ``keys`` (every field when none) of object ``number``
    (counted from 1, as ``--index`` takes it)."""
    src = read_source(path)
    target = pick_number(objects_in(entries(src)), number, path)
    fields = target.fields
    what = f"a {target.device.id} {target.obj.kind}"
    chosen = [find_field(fields, k, what) for k in keys] or fields
    current = values(target, chosen)
    return target, [Row(f, current[f.key]) for f in chosen]


# -- changing values ---------------------------------------------------------------------------


@dataclass
class Edited:
    """The result of an edit: the new message bytes and what changed."""

    data: bytes  # the whole message, re-encoded
    changes: list[dict[str, Any]] = field(default_factory=list)  # key, old, new
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"changes": self.changes, "notes": self.notes, "bytes": len(self.data)}


def _forget_stored_checksum(holder: dict[str, Any]) -> None:
    # A driver keeps a bad stored checksum under params.raw so that an untouched dump comes
    # back as found; an edited object gets a checksum computed afresh (repaired).
    raw = holder.get("params", {}).get("raw") if isinstance(holder.get("params"), dict) else None
    if isinstance(raw, dict):
        raw.pop("checksum", None)


def _check_name(target: Target, f: Field, value: str) -> str:
    try:
        return target.device.check_name(value, target.obj)
    except Unsupported:
        if not f.accepts(value):
            raise ValueRefused(f.key, f"{f.key} = {value!r}: expected "
                               f"{f.describe_range()}") from None
        return value
    except (DeviceError, ValueError) as exc:
        raise ValueRefused(f.key, f"{f.key} = {value!r}: {exc}") from None


def edit_object(target: Target, changes: Mapping[str, Any], *, parsed: bool = False) -> Edited:
    """The target's message with ``changes`` (key -> value as typed, or panel values when
    ``parsed``) written in. A value equal to the stored one changes nothing. Raises
    OptionError for an unknown key or a value outside the panel range, DeviceError when the
    driver cannot encode the result."""
    dev, fields = target.device, target.fields
    what = f"a {dev.id} {target.obj.kind}"
    obj = decoded_message(dev, target.message)
    holder = dev.object_params(obj, target.part)
    wanted: dict[str, tuple[Field, Any]] = {}
    for key, raw in changes.items():
        f = find_field(fields, key, what)
        value = raw if parsed else parse_value(f, raw)
        if f.kind == "text":
            value = _check_name(target, f, value)
        elif parsed and not f.accepts(value):
            raise ValueRefused(f.key, f"{f.key} = {value!r}: expected {f.describe_range()}")
        wanted[f.key] = (f, value)
    before = {k: _value(holder, f) for k, (f, _) in wanted.items()}
    moved = {k: v for k, v in wanted.items() if before[k] != v[1]
             or type(before[k]) is not type(v[1])}
    if not moved:
        return Edited(bytes(target.message.message.original if target.message.message
                            else b""), [], ["nothing changed: every value was already so"])
    for f, value in moved.values():
        if f.location == "name":
            holder["name"] = value
        else:
            _set_path(holder["params"], f.path, value)
    _forget_stored_checksum(holder)
    try:
        data = dev.encode(obj)
    except ParamError as exc:
        key = _key_of_error(fields, exc)
        raise ValueRefused(key, f"{key}: {exc.expected} (got {exc.got!r})") from None
    except DeviceError as exc:
        # a combination the stored bits cannot hold (a VZ detune's octave x 12 + note above
        # 127): the driver names the value; say it as a refused value of that key
        for k, (f, _) in moved.items():
            if _json_label(f.path) in str(exc):
                raise ValueRefused(k, f"{k}: {exc}") from None
        raise
    after = _reread(dev, data, target)
    expected = values(target, fields)
    for k, (_, value) in moved.items():
        expected[k] = value
    stray = [k for k in expected if after.get(k) != expected[k]]
    if stray:  # never hand back a dump in which something else moved
        raise DeviceError(f"{dev.id}: writing {', '.join(moved)} would also change "
                          f"{', '.join(stray[:5])}; nothing written")
    return Edited(data, [{"key": k, "old": before[k], "new": v} for k, (_, v) in moved.items()])


def _json_label(path: tuple) -> str:
    out = ""
    for p in path:
        out = f"{out}[{p}]" if isinstance(p, int) else (f"{out}.{p}" if out else p)
    return out


def _key_of_error(fields: list[Field], exc: ParamError) -> str:
    for f in fields:
        label = "params"
        for p in f.path:
            label = join(label, p)
        if label == exc.path or f.key == exc.path:
            return f.key
    return exc.path


def _reread(dev: Device, data: bytes, target: Target) -> dict[str, Any]:
    again = target_of_bytes(data, None if target.part is None else target.part, "edited dump")
    if again.device.id != dev.id:
        raise DeviceError(f"{dev.id}: the edited message is not read back as {dev.id}")
    if again.obj.checksum == "bad":
        raise DeviceError(f"{dev.id}: the edited message has a bad checksum; nothing written")
    return values(again)


@dataclass
class FileEdit:
    target: Target
    edited: Edited
    data: bytes  # the whole file to write
    form: str  # the input's form (raw files keep every other byte)


def set_in_file(path: str, assignments: Iterable[str], number: int | None = None) -> FileEdit:
    """``syxkit set``: the file's bytes with the assignments made in object ``number``
    (counted from 1, as ``--index`` takes it)."""
    pairs = parse_assignments(assignments)
    if not pairs:
        raise OptionError("nothing to set: give KEY=VALUE")
    src = read_source(path)
    target = pick_number(objects_in(entries(src)), number, path)
    edited = edit_object(target, dict(pairs))
    from syxkit.ops.files import rebuild  # the one way a file keeps its other bytes

    data = src.data if not edited.changes and src.form == "raw" else rebuild(
        src, {target.entry.message.index: edited.data} if edited.changes else {})
    if src.form != "raw":
        edited.notes.append(f"{path} is a {src.form} file: written as raw SysEx")
    return FileEdit(target, edited, data, src.form)


# -- new sounds from old ones: randomize, mutate, morph ---------------------------------------


def _editable(fields: list[Field], locks: Iterable[str] = ()) -> list[Field]:
    """Fields a variation may change: not names, not in a locked group (by id or label)."""
    locked = {g.lower() for g in locks}
    return [f for f in fields if f.kind != "text" and f.group.lower() not in locked
            and f.group_label.lower() not in locked]


def _draw(f: Field, rng: random.Random) -> Any:
    if f.kind == "bool":
        return rng.random() < 0.5
    if f.kind == "enum":
        return rng.choice(list(f.choices or ()))
    if f.nullable and rng.random() < 1 / (f.max - f.min + 2):
        return None
    return rng.randint(f.min, f.max)


def _apply_variation(target: Target, proposed: dict[str, Any], rng: random.Random) -> Edited:
    """Write proposed panel values; a combination the device cannot hold (the driver says
    which key, e.g. two resonance waveforms of different types on one CZ line) is drawn
    again or left as it was, so every result is a valid dump."""
    current = values(target)
    fields = {f.key: f for f in target.fields}
    proposed = {k: v for k, v in proposed.items() if v != current[k] or type(v) is not type(current[k])}
    for _ in range(32):
        try:
            return edit_object(target, proposed, parsed=True)
        except ValueRefused as exc:
            key = exc.key
            if key not in proposed:
                raise
            f = fields[key]
            if rng.random() < 0.5 and f.kind != "text":
                proposed[key] = _draw(f, rng)
            else:
                proposed.pop(key)
            proposed = {k: v for k, v in proposed.items() if v != current[k]}
    return edit_object(target, {}, parsed=True)


def randomize(target: Target, *, locks: Iterable[str] = (), seed: int | None = None) -> Edited:
    """Every field outside the locked groups drawn at random within its panel range."""
    rng = random.Random(seed)
    proposed = {f.key: _draw(f, rng) for f in _editable(target.fields, locks)}
    return _apply_variation(target, proposed, rng)


def mutate(target: Target, amount: float, *, locks: Iterable[str] = (),
           seed: int | None = None) -> Edited:
    """Small random moves from the current sound: ``amount`` 0 changes nothing, 1 moves
    every number by up to about a third of its range and switches some choices."""
    if not 0 <= amount <= 1:
        raise OptionError(f"amount {amount}: expected 0-1")
    rng = random.Random(seed)
    current = values(target)
    proposed: dict[str, Any] = {}
    for f in _editable(target.fields, locks):
        now = current[f.key]
        if f.kind == "int" and isinstance(now, int) and not isinstance(now, bool):
            if rng.random() < amount:
                span = f.max - f.min
                step = max(1, round(abs(rng.gauss(0, amount * span / 6))))
                proposed[f.key] = min(f.max, max(f.min, now + rng.choice((-1, 1)) * step))
        elif f.kind in ("enum", "bool") and rng.random() < amount * 0.2:
            proposed[f.key] = _draw(f, rng)
    return _apply_variation(target, proposed, rng)


def morph(a: Target, b: Target, t: float) -> Edited:
    """Between two objects of the same device and kind, built over ``a``'s bytes: numbers
    interpolated (``t`` 0 = a, 1 = b), ordered choices (note names) too, other choices and
    switches taken from the nearer one. A value of ``b`` outside ``a``'s panel range is not
    taken."""
    keys_a, keys_b = {f.key for f in a.fields}, {f.key for f in b.fields}
    if a.device.id != b.device.id or not (keys_a <= keys_b or keys_b <= keys_a):
        raise OptionError(f"cannot morph a {a.device.id} {a.obj.kind} with a {b.device.id} "
                          f"{b.obj.kind}")
    if not 0 <= t <= 1:
        raise OptionError(f"morph position {t}: expected 0-1")
    va, vb = values(a), values(b)
    proposed: dict[str, Any] = {}
    for f in _editable(a.fields):
        if f.key not in vb:
            continue
        x, y = va[f.key], vb[f.key]
        if f.kind == "int" and _plain_int(x) and _plain_int(y):
            value: Any = round(x + (y - x) * t)
        elif f.kind == "enum" and f.ordered and x in f.choices and y in f.choices:
            order = list(f.choices)
            value = order[round(order.index(x) + (order.index(y) - order.index(x)) * t)]
        else:
            value = x if t < 0.5 else y
        if f.accepts(value):
            proposed[f.key] = value
    return _apply_variation(a, proposed, random.Random(0))


def _plain_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


