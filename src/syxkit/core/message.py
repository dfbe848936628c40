"""The message model: one framed SysEx as found, with the problems met while framing it."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Problem:
    """Something wrong with the input, located by byte offset in its source."""

    offset: int
    text: str

    def __str__(self) -> str:
        return f"offset {self.offset} (0x{self.offset:X}): {self.text}"


@dataclass(slots=True)
class Message:
    """One SysEx message as found in a byte stream.

    ``data`` holds the message as a device would read it: starting with ``F0``, real-time bytes
    removed, ending with ``F7`` when the stream had one. ``raw`` keeps the original bytes of the
    same span untouched (real-time bytes included), so nothing the user owns is ever lost.
    """

    data: bytes
    offset: int = 0
    source: str = ""
    problems: list[Problem] = field(default_factory=list)
    raw: bytes | None = None
    terminated: bool = True
    index: int = 0

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
