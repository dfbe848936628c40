"""Checking the JSON that ``encode`` takes against a device's parameter table, generically.

A driver describes its parameters once (its table); :func:`schema_from_paths` or the small
builders below turn that into a schema tree, and :func:`validate` walks a user's JSON against
it. Every failure is a :class:`ParamError` naming the JSON path (``params.line1.dco.rates[3]``),
what was expected and what was found, so a hand-edited file gets one clear line, not a traceback.

Two rules make round trips exact:

- a value equal to the *stored* value (the one the base dump decodes to) is accepted as it is,
  even outside the panel range: real banks hold values the panel cannot make, and decode ->
  encode of such a dump must give its bytes back;
- a missing key is an error unless a base supplies it (``encode --base FILE``, or a device's
  own stored bytes such as a CZ tone's ``raw``); with a base, the missing part is taken from it.
"""

from __future__ import annotations

import json
from collections import namedtuple
from collections.abc import Iterable

from syxkit.core.record import Record
from syxkit.devices.base import DeviceError

TYPE_CHECKING = False  # typing costs a few ms at start (syxkit info); annotations are strings
if TYPE_CHECKING:
    from typing import Any


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()


class Said(str):
    """A ``got`` already in words (shown without JSON quoting)."""


def show(value: Any) -> str:
    """A found value as the user wrote it (JSON), cut short when long."""
    if value is MISSING:
        return "nothing (the key is missing)"
    if isinstance(value, Said):
        return str(value)
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def join(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else str(key)


class ParamError(DeviceError):
    """A value in the JSON given to ``encode`` is wrong: ``path`` (``params.vibrato.rate``),
    ``expected`` (in words) and ``got`` (the value found). A DeviceError: the CLI exits 1."""

    def __init__(self, path: str, expected: str, got: Any):
        self.path, self.expected, self.got = path, expected, got
        super().__init__(f"{path or 'top level'}: expected {expected}, got {show(got)}")

    def under(self, prefix: str | int) -> ParamError:
        """The same error with the path seen from one level up (``parts[3]`` + ``.params…``)."""
        if isinstance(prefix, int):
            path = f"[{prefix}]" + (self.path if self.path.startswith("[") or not self.path
                                    else "." + self.path)
        else:
            path = prefix + ("" if not self.path else self.path if self.path.startswith("[")
                             else "." + self.path)
        return ParamError(path, self.expected, self.got)


# -- schema -----------------------------------------------------------------------------------

class Leaf(namedtuple("Leaf", ['expected', 'check', 'plural', 'lo', 'hi', 'choices', 'nullable'], defaults=("", None, None, None, False,))):
    """One value: ``expected`` in words (singular), ``plural`` for lists of them, and a check."""

    __slots__ = ()  # fields as listed in the comments below

    # expected: str
    # check: Callable[[Any], bool]
    # plural: str = ""
    # What ``check`` accepts, as data (for editors and ``syxkit set``): a whole-number range,
    # or the values to choose from; ``nullable``: null is accepted too. None: not described.
    # lo: int | None = None
    # hi: int | None = None
    # choices: tuple[Any, ...] | None = None
    # nullable: bool = False


class Items(Record):
    """A list of exactly ``count`` items of one schema."""

    _fields = ("count", "item")

    def __init__(self, count: int, item: Any):
        self.count = count
        self.item = item

    @property
    def expected(self) -> str:
        item = self.item.items[0] if isinstance(self.item, PerIndex) else self.item
        what = item.plural if isinstance(item, Leaf) and item.plural else (
            "objects" if isinstance(item, Node) else "items")
        return f"a list of {self.count} {what}"


class Node(Record):
    """An object with known keys. ``optional`` keys may be left out even without a base;
    ``free`` keys are passed through unchecked (the device checks them: ``raw`` and the like)."""

    _fields = ("fields", "optional", "free")

    def __init__(self, fields: dict[str, Any] | None = None, optional: set[str] | None = None,
                 free: set[str] | None = None):
        self.fields = {} if fields is None else fields
        self.optional = set() if optional is None else optional
        self.free = set() if free is None else free

    @property
    def expected(self) -> str:
        return "an object"


def is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def integer(lo: int, hi: int) -> Leaf:
    return Leaf(f"a whole number {lo}-{hi}", lambda v: is_int(v) and lo <= v <= hi,
                f"whole numbers {lo}-{hi}", lo=lo, hi=hi)


def choice(values: Iterable[Any]) -> Leaf:
    values = tuple(values)
    text = ", ".join(json.dumps(v) for v in values)
    return Leaf(f"one of {text}",
                lambda v: not isinstance(v, bool) and any(v == c and type(v) is type(c)
                                                          for c in values),
                f"values out of {text}", choices=values)


BOOLEAN = Leaf("true or false", lambda v: isinstance(v, bool), "true/false values",
               choices=(False, True))


def leaf_or_null(leaf: Leaf) -> Leaf:
    return Leaf(f"{leaf.expected} or null", lambda v: v is None or leaf.check(v),
                f"{leaf.plural or leaf.expected} or nulls", lo=leaf.lo, hi=leaf.hi,
                choices=leaf.choices, nullable=True)


def schema_from_paths(entries: Iterable[tuple[tuple[str | int, ...], Leaf]],
                      counts: dict[tuple, int] | None = None) -> Node:
    """A schema tree from a flat table of (path, leaf). Integer path parts are list indices;
    a list's length is the highest index + 1 (or ``counts[path of the list]``)."""
    root: dict = {}
    for path, leaf in entries:
        node = root
        for key in path[:-1]:
            node = node.setdefault(key, {})
        node[path[-1]] = leaf

    def build(tree: Any) -> Any:
        if not isinstance(tree, dict):
            return tree
        if tree and all(isinstance(k, int) for k in tree):
            items = [build(tree[k]) for k in sorted(tree)]
            return Items(len(items), _merge_items(items))
        return Node({k: build(v) for k, v in tree.items()})

    return build(root)


def _merge_items(items: list[Any]) -> Any:
    """The list items of a table are built one per index; they share one schema (the first),
    except leaves whose ranges differ, which keep their own check through a PerIndex."""
    first = items[0]
    if all(i == first for i in items) or (
            isinstance(first, Leaf) and all(isinstance(i, Leaf) and i.expected == first.expected
                                            for i in items)):
        return first
    return PerIndex(items)


class PerIndex(Record):
    """List items whose schemas differ by position."""

    _fields = ("items",)

    def __init__(self, items: list[Any]):
        self.items = items

    def __getitem__(self, i: int) -> Any:
        return self.items[i]


# -- walking ----------------------------------------------------------------------------------

def _same(a: Any, b: Any) -> bool:
    # True == 1 in Python; a stored flag and a stored number are not the same value.
    return a == b and type(a) is type(b) if not isinstance(a, (list, dict)) else a == b


def validate(value: Any, schema: Any, base: Any = MISSING, path: str = "") -> Any:
    """``value`` checked against ``schema``, completed from ``base`` (the stored values, or
    MISSING): returns the complete tree, or raises ParamError for the first problem."""
    if isinstance(schema, Node):
        return _node(value, schema, base, path)
    if isinstance(schema, Items):
        return _items(value, schema, base, path)
    return _leaf(value, schema, base, path)


def _node(value: Any, schema: Node, base: Any, path: str) -> Any:
    if value is MISSING:
        if base is MISSING:
            raise ParamError(path, f"an object with {', '.join(schema.fields)}", MISSING)
        return base
    if not isinstance(value, dict):
        raise ParamError(path, "an object", value)
    unknown = [k for k in value if k not in schema.fields and k not in schema.free]
    if unknown:
        raise ParamError(join(path, unknown[0]), "no such key here (known: "
                         f"{', '.join(list(schema.fields) + sorted(schema.free))})",
                         value[unknown[0]])
    out: dict[str, Any] = {}
    for key, sub in schema.fields.items():
        b = base.get(key, MISSING) if isinstance(base, dict) else MISSING
        v = value.get(key, MISSING)
        if v is MISSING and b is MISSING and key in schema.optional:
            continue
        out[key] = validate(v, sub, b, join(path, key))
    for key in schema.free:
        if key in value:
            out[key] = value[key]
    return out


def _items(value: Any, schema: Items, base: Any, path: str) -> Any:
    if value is MISSING:
        if base is MISSING:
            raise ParamError(path, schema.expected, MISSING)
        return base
    if not isinstance(value, list) or len(value) != schema.count:
        raise ParamError(path, schema.expected, value)
    out = []
    for i, v in enumerate(value):
        b = base[i] if isinstance(base, list) and i < len(base) else MISSING
        item = schema.item[i] if isinstance(schema.item, PerIndex) else schema.item
        out.append(validate(v, item, b, join(path, i)))
    return out


def _leaf(value: Any, schema: Leaf, base: Any, path: str) -> Any:
    if value is MISSING:
        if base is MISSING:
            raise ParamError(path, schema.expected, MISSING)
        return base
    if base is not MISSING and _same(value, base):
        return value  # as stored (possibly outside the panel range): kept, byte-exact
    if not schema.check(value):
        raise ParamError(path, schema.expected, value)
    return value


def require_object(obj: Any, path: str = "") -> dict:
    if not isinstance(obj, dict):
        raise ParamError(path, "an object", obj)
    return obj


def encode_input(obj: Any, base: Any, device_id: str, kinds: str) -> tuple[Any, dict]:
    """The ``kind`` and ``params`` of a ``decode --json`` object given to a driver's
    ``encode``, with ``base`` (a dump of the same device, ``encode --base FILE``) filling what
    the JSON leaves out. ``kinds``: the kinds in words, for the error when none is given."""
    from syxkit.devices.base import DeviceError

    obj = require_object(obj)
    if base is not None and base.device != device_id:
        raise DeviceError(f"--base is a {base.device} dump, not a {device_id} one")
    kind = obj.get("kind", base.kind if base is not None else MISSING)
    if kind is MISSING:
        raise ParamError("kind", f"the kind of message ({kinds})", MISSING)
    params = obj.get("params", {} if base is not None else MISSING)
    if not isinstance(params, dict):
        raise ParamError("params", "an object", params)
    return kind, params
