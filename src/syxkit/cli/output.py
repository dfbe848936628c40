"""Terminal output helpers that import neither click nor rich until they print something
styled: ``syxkit info`` piped, ``--json`` and ``--version`` start without them (each costs
about as much as starting Python). :mod:`syxkit.cli.common` re-exports these names.

Everything printed here is text from files or users, so nothing is ever read as markup.
"""

from __future__ import annotations

import json
import os
import sys

TYPE_CHECKING = False  # typing itself costs a few ms at start; annotations are strings here
if TYPE_CHECKING:
    from typing import Any

# Width used when the output is not a terminal: wide enough that no table or line is ever
# wrapped (a pipe has no width, and a name broken mid-word is useless to grep or cut)
PIPE_WIDTH = 100_000


def _console(stderr: bool = False) -> Any:
    """The rich console for stdout (or stderr), made on first use: importing rich costs about
    as much as starting Python, and plain output (JSON, piped lines, ``--version``) needs none
    of it. Other modules read ``common.console`` / ``common.err_console`` (see __getattr__)."""
    name = "err_console" if stderr else "console"
    made = globals().get(name)
    if made is None:
        from rich.console import Console, ConsoleDimensions

        class _Console(Console):
            """A rich console that prints at full width when it does not write to a terminal,
            whatever COLUMNS or the terminal on stdin says."""

            # rich reads COLUMNS into the same field as a width set in code; only the latter
            # (``size``/``width`` set on this console) counts for a pipe
            _set_width = False

            @property
            def size(self) -> ConsoleDimensions:
                dims = super().size
                if not self._set_width and not self.is_terminal:
                    return ConsoleDimensions(PIPE_WIDTH, dims.height)
                return dims

            @size.setter
            def size(self, new_size) -> None:
                self._set_width = True
                Console.size.fset(self, new_size)

            @property
            def width(self) -> int:
                return self.size.width

            @width.setter
            def width(self, width: int) -> None:
                self._set_width = True
                self._width = width

        made = globals()[name] = _Console(stderr=stderr)
    return made


def __getattr__(name: str) -> Any:
    # ``console`` and ``err_console`` are made when first asked for (PEP 562)
    if name in ("console", "err_console"):
        return _console(name == "err_console")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def plain(text: Any) -> str:
    """A string from a file or a user (name, path, note, error detail) made safe to embed in
    rich markup: shown verbatim, never read as a tag."""
    from rich.markup import escape

    return escape(str(text))


# Variables by which rich decides that output is (or is not) a terminal other than by isatty
_RICH_ENV = frozenset({"FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE", "FORCE_TERMINAL"})


def is_pipe() -> bool:
    """True when stdout is not a terminal (a pipe, a file): print plain lines, not tables."""
    made = globals().get("console")
    if made is None and not _RICH_ENV.intersection(os.environ):
        # what rich decides when no variable overrides it, without importing rich for output
        # that needs none (a plain line per message when piped)
        try:
            return not sys.stdout.isatty()
        except (AttributeError, ValueError):  # no stdout, or a closed one
            return True
    return not _console().is_terminal


def echo(text: str = "", err: bool = False) -> None:
    """One line, verbatim, on stdout (or stderr)."""
    stream = sys.stderr if err else sys.stdout
    stream.write(f"{text}\n")
    stream.flush()


def emit_json(obj: Any) -> None:
    echo(json.dumps(obj, indent=2, ensure_ascii=False))


def note(text: str) -> None:
    """One line on stderr, verbatim (no markup), never wrapped: plain text needs no rich."""
    echo(str(text), err=True)
