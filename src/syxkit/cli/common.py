"""Shared bits of the command line: number parsing, JSON output, errors, gathering dumps."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
from rich.console import Console

from syxkit.core.fileio import atomic_write
from syxkit.core.numbers import parse_int
from syxkit.core.readers import SourceFile
from syxkit.devices import registry
from syxkit.devices.base import Device, DeviceError, Dump, OptionError, Options, Output
from syxkit.inspect import Entry, entries, load

console = Console()
err_console = Console(stderr=True)


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
    err_console.print(f"[red]error:[/red] {text}", highlight=False)
    sys.exit(code)


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
            err_console.print(f"{src.path}: {src.error}", highlight=False, markup=False)
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
        err_console.print(f"[yellow]warning:[/yellow] --{key.replace('_', '-')} has no effect for {dev.id}")


def write_outputs(outputs: list[Output], out: str, *, directory: bool = False) -> list[Path]:
    """One output goes to ``out``; several go next to it as ``<stem>-<name>`` (or into ``out``
    when it is a directory)."""
    target = Path(out)
    written = []
    if directory or target.is_dir():
        for o in outputs:
            written.append(atomic_write(target / o.name, o.data))
    elif len(outputs) == 1:
        written.append(atomic_write(target, outputs[0].data))
    else:
        for o in outputs:
            name = Path(o.name)
            written.append(atomic_write(target.with_name(f"{target.stem}-{name.stem}{name.suffix or target.suffix}"), o.data))
    return written
