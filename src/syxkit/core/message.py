"""The message model: one framed SysEx as found, with the problems met while framing it."""

from __future__ import annotations

from collections import namedtuple

# Plain classes, not dataclasses: they are on the start path of ``syxkit info`` (see
# syxkit.core.record for why).


class Problem(namedtuple("Problem", ["offset", "text"])):
    """Something wrong with the input, located by byte offset in its source (immutable,
    hashable, compared by value)."""

    __slots__ = ()

    def __str__(self) -> str:
        return f"offset {self.offset} (0x{self.offset:X}): {self.text}"


class Message:
    """One SysEx message as found in a byte stream.

    ``data`` holds the message as a device would read it: starting with ``F0``, real-time bytes
    removed, ending with ``F7`` when the stream had one. ``raw`` keeps the original bytes of the
    same span untouched (real-time bytes included), so nothing the user owns is ever lost.
    """

    __slots__ = ("data", "offset", "source", "problems", "raw", "terminated", "index")

    def __init__(self, data: bytes, offset: int = 0, source: str = "",
                 problems: list[Problem] | None = None, raw: bytes | None = None,
                 terminated: bool = True, index: int = 0):
        self.data = data
        self.offset = offset
        self.source = source
        self.problems = [] if problems is None else problems
        self.raw = raw
        self.terminated = terminated
        self.index = index

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return all(getattr(self, name) == getattr(other, name) for name in Message.__slots__)

    __hash__ = None  # type: ignore[assignment]  (mutable)

    @property
    def original(self) -> bytes:
        return self.data if self.raw is None else self.raw

    @property
    def body(self) -> bytes:
        """The bytes between ``F0`` and ``F7`` (without either)."""
        end = len(self.data) - 1 if self.terminated else len(self.data)
        return self.data[1:end]

    def __len__(self) -> int:
        return len(self.data)

    def __repr__(self) -> str:
        head = self.data[:8].hex(" ").upper()
        more = " …" if len(self.data) > 8 else ""
        return f"<Message {len(self.data)} B at {self.offset} [{head}{more}]>"


def hexdump(data: bytes, limit: int = 16) -> str:
    """Short upper-case hex rendering for error messages."""
    text = data[:limit].hex(" ").upper()
    return text + (" …" if len(data) > limit else "")
