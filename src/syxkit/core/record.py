"""Equality and repr for the plain classes that ``syxkit info`` needs at start.

Why not dataclasses there: on Python 3.11, importing :mod:`dataclasses` (it imports
``inspect``, ``ast``, ``dis`` and ``tokenize``) and building the twenty classes that reading a
CZ tone touches took about half of the whole run of ``syxkit info`` (see bench/startup.py).
So the classes on that path are written out: immutable tables rows as
``collections.namedtuple`` subclasses, mutable objects as classes with an explicit
``__init__`` that derive from :class:`Record` for the comparison and the repr a dataclass
would have given. Everything else in syxkit keeps using dataclasses.
"""

from __future__ import annotations


class Record:
    """``==`` and ``repr`` from the names in ``_fields``, as a dataclass's: equal when the
    classes are the same and every field is equal; unhashable (the objects are mutable)."""

    __slots__ = ()
    _fields: tuple[str, ...] = ()

    def _values(self) -> tuple:
        return tuple(getattr(self, name) for name in self._fields)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._values() == other._values()

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        inner = ", ".join(f"{name}={getattr(self, name)!r}" for name in self._fields)
        return f"{self.__class__.__qualname__}({inner})"
