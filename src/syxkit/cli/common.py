"""Shared bits of the command line: number parsing, JSON output, errors, gathering dumps."""

from __future__ import annotations

import sys
from typing import Any

import click

from syxkit.cli import output as _output
from syxkit.cli.output import PIPE_WIDTH, _console, emit_json, is_pipe, note, plain  # noqa: F401
from syxkit.core.fileio import OutputError
from syxkit.core.numbers import parse_int
from syxkit.devices.base import Device, DeviceError, Dump, OptionError, Options
from syxkit.inspect import Entry
from syxkit.ops import files as _files

# The file helpers live in syxkit.ops.files (both faces use them); these names stay here for
# the CLI modules and device commands that import them from the CLI.
Gathered = _files.Gathered
input_files = _files.input_files
output_paths = _files.output_paths
write_outputs = _files.write_outputs

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

# Every command that picks one object of a file (--index, --index-a/-b) counts it the same way:
# from 1, as split names it (BASS-03-...) and as people count.
INDEX_HELP = ("Which object of the file, counted from 1 (parts of a bulk dump count: a VZ bulk "
              "holds 64 voices and 64 operation memories).")


def with_options(options):
    """Apply a list of click options (shared option sets) to a command, in the order listed."""
    def decorate(f):
        for option in reversed(options):
            f = option(f)
        return f
    return decorate


# How a sound is played when rendered (``render``, ``lib preview``): one set of options.
RENDER_SETTINGS = [
    click.option("--note", type=click.IntRange(0, 127), default=60, show_default=True,
                 help="MIDI note to play (60 = middle C, 69 = A4)."),
    click.option("--velocity", type=click.IntRange(1, 127), default=100, show_default=True,
                 help="Key velocity 1-127 (VZ voices respond to it; CZ tones have none)."),
    click.option("--seconds", type=click.FloatRange(0, 60), default=2.5, show_default=True,
                 help="How long the key is held."),
    click.option("--release", type=click.FloatRange(0, 60), default=1.0, show_default=True,
                 help="How long the render goes on after the key is released."),
    click.option("--rate", type=click.IntRange(8000, 192_000), default=44_100, show_default=True,
                 help="Sample rate of the WAV (RZ-1 pads keep their 20 kHz)."),
]


def fail(text: str, code: int = 1) -> None:
    """``error: TEXT`` on stderr (TEXT verbatim: it often holds a file name or a device's name)
    and exit with ``code`` (1: a file or device failed, 2: usage)."""
    text = str(text)
    if text.startswith("error: "):
        text = text[len("error: "):]
    from rich.text import Text

    _console(True).print(Text.assemble(("error:", "red"), " ", text), highlight=False, soft_wrap=True)
    sys.exit(code)


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


def gather(paths: tuple[str, ...] | list[str]) -> Gathered:
    """Read the files; each one that cannot be read is one ``error:`` line on stderr."""
    return _files.gather(paths, note)


def dumps_by_device(found: list[Entry], device: str | None = None) -> tuple[Device, list[Dump]]:
    """The one device the dumps belong to (or the one named), with its dumps; a refusal is one
    ``error:`` line (exit 2 for a usage error)."""
    return run_device(_files.dumps_by_device, found, device)


def run_device(call, *args):
    try:
        return call(*args)
    except OptionError as exc:
        fail(str(exc), 2)
    except DeviceError as exc:
        fail(str(exc))


def warn_unused(dev: Device | str | None, options: Options | list[str]) -> None:
    """``warning: --KEY has no effect for DEVICE`` for each option the driver did not read."""
    keys = options if isinstance(options, list) else options.unused()
    device_id = dev if isinstance(dev, str) or dev is None else dev.id
    for key in keys:
        from rich.text import Text

        _console(True).print(Text.assemble(("warning:", "yellow"),
                                        f" --{key.replace('_', '-')} has no effect for {device_id}"),
                          highlight=False, soft_wrap=True)


def __getattr__(name: str) -> Any:
    # ``console`` and ``err_console`` are made when first asked for (PEP 562), in output
    if name in ("console", "err_console"):
        return getattr(_output, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
