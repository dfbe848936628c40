"""Shared bits of the command line: number parsing, JSON output, errors, gathering dumps."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from syxkit.core.fileio import OutputError, atomic_write, check_not_input, check_target
from syxkit.core.numbers import parse_int
from syxkit.core.readers import SourceFile
from syxkit.devices import registry
from syxkit.devices.base import Device, DeviceError, Dump, OptionError, Options, Output
from syxkit.inspect import Entry, entries, load

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


class IntParam(click.ParamType):
    """An integer given in decimal or 0x hex."""

    name = "number"

    def convert(self, value, param, ctx):
        if isinstance(value, int):
            return value
        try:
            return parse_int(value)
        except ValueError as exc:
            self.fail(str(exc), param, ctx)


INT = IntParam()


def with_options(options):
    """Apply a list of click options (shared option sets) to a command, in the order listed."""
    def decorate(f):
        for option in reversed(options):
            f = option(f)
        return f
    return decorate


def emit_json(obj: Any) -> None:
    click.echo(json.dumps(obj, indent=2, ensure_ascii=False))


def fail(text: str, code: int = 1) -> None:
    """``error: TEXT`` on stderr (TEXT verbatim: it often holds a file name or a device's name)
    and exit with ``code`` (1: a file or device failed, 2: usage)."""
    text = str(text)
    if text.startswith("error: "):
        text = text[len("error: "):]
    from rich.text import Text

    _console(True).print(Text.assemble(("error:", "red"), " ", text), highlight=False, soft_wrap=True)
    sys.exit(code)


def note(text: str) -> None:
    """One line on stderr, verbatim (no markup), never wrapped."""
    from rich.text import Text

    _console(True).print(Text(str(text)), highlight=False, soft_wrap=True)


class SafeGroup(click.Group):
    """The top-level group: a failure that reaches it from any command (a file that cannot be
    written, a driver's refusal) becomes one ``error:`` line and exit code, never a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        return guarded(super().invoke, ctx)


def guarded(call, *args) -> Any:
    """``call(*args)``, with the failures :class:`SafeGroup` turns into one ``error:`` line
    (also used by the lazy top-level group in ``syxkit.cli``, which must not import this
    module before a command runs)."""
    try:
        return call(*args)
    except OutputError as exc:
        fail(str(exc))
    except OptionError as exc:
        fail(str(exc), 2)
    except DeviceError as exc:
        fail(str(exc))


@dataclass
class Gathered:
    sources: list[SourceFile]
    entries: list[Entry]
    unreadable: list[SourceFile]


def gather(paths: tuple[str, ...] | list[str]) -> Gathered:
    sources, found, bad = [], [], []
    for src in load(paths):
        if src.error:
            bad.append(src)
            note(f"error: {src.path}: {src.error}")
            continue
        sources.append(src)
        found.extend(entries(src))
    return Gathered(sources, found, bad)


def dumps_by_device(found: list[Entry], device: str | None = None) -> tuple[Device, list[Dump]]:
    """The one device the dumps belong to (or the one named), with its dumps."""
    known = [e for e in found if e.dump is not None]
    if device:
        try:
            dev = registry.get(device)
        except KeyError as exc:
            fail(str(exc.args[0]), 2)
        dumps = [e.dump for e in known if e.dump.device == dev.id]
    else:
        ids = sorted({e.dump.device for e in known})
        if not ids:
            fail("no message of a known device in the input")
        if len(ids) > 1:
            fail(f"the input holds dumps of several devices ({', '.join(ids)}); name one with --device", 2)
        dev = registry.get(ids[0])
        dumps = [e.dump for e in known]
    if not dumps:
        fail(f"no {dev.id} dump in the input")
    return dev, dumps


def run_device(call, *args):
    try:
        return call(*args)
    except OptionError as exc:
        fail(str(exc), 2)
    except DeviceError as exc:
        fail(str(exc))


def warn_unused(dev: Device, options: Options) -> None:
    for key in options.unused():
        from rich.text import Text

        _console(True).print(Text.assemble(("warning:", "yellow"),
                                        f" --{key.replace('_', '-')} has no effect for {dev.id}"),
                          highlight=False, soft_wrap=True)


def output_paths(outputs: list[Output], out: str, *, directory: bool = False) -> list[Path]:
    """Where each output goes: one output to ``out``; several next to it as ``<stem>-<name>``
    (or into ``out`` when it is a folder). Two outputs never get one path: a repeated name gets
    ``-2``, ``-3`` … so no output silently replaces another of the same run."""
    target = Path(out)
    if directory or target.is_dir():
        paths = [target / o.name for o in outputs]
    elif len(outputs) == 1:
        paths = [target]
    else:
        paths = []
        for o in outputs:
            name = Path(o.name)
            paths.append(target.with_name(f"{target.stem}-{name.stem}{name.suffix or target.suffix}"))
    seen: dict[Path, int] = {}
    unique = []
    for p in paths:
        n = seen.get(p, 0) + 1
        seen[p] = n
        unique.append(p if n == 1 else p.with_name(f"{p.stem}-{n}{p.suffix}"))
    return unique


def write_outputs(outputs: list[Output], out: str, *, directory: bool = False,
                  inputs: Iterable[str | os.PathLike] = (), force: bool = True) -> list[Path]:
    """Write the outputs (see :func:`output_paths`). Every target is checked before the first
    is written: none may be an input file, and with ``force=False`` none may exist yet (the
    error names them). Raises :class:`OutputError`."""
    inputs = list(inputs)
    if directory and Path(out).exists() and not Path(out).is_dir():
        raise OutputError(out, "is a file, not a folder")
    paths = output_paths(outputs, out, directory=directory)
    for p in paths:
        check_not_input(p, inputs)
        check_target(p)
    if not force:
        existing = [p for p in paths if p.exists() or p.is_symlink()]
        if existing:
            shown = ", ".join(str(p.name) for p in existing[:5])
            more = f" and {len(existing) - 5} more" if len(existing) > 5 else ""
            where = out if directory else str(Path(out).parent)
            raise OutputError(where, f"already holds {len(existing)} of the files to write "
                                     f"({shown}{more}); use --force to overwrite them, or "
                                     "another folder")
    return [atomic_write(p, o.data, inputs=inputs) for p, o in zip(paths, outputs, strict=True)]


def input_files(paths: Iterable[str], got: Gathered | None = None) -> list[str]:
    """The files the user gave (and those read from given folders): what ``-o`` must never be."""
    found = [str(p) for p in paths]
    if got is not None:
        found += [s.path for s in got.sources + got.unreadable]
    return found
