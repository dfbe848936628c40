"""``syxkit demo``: the main job of ./scripts/demo until the library lands."""

from __future__ import annotations

import tempfile
from pathlib import Path

import click

from syxkit.cli.common import console
from syxkit.cli.info import _table
from syxkit.core.fileio import atomic_write
from syxkit.devices import registry
from syxkit.inspect import info_rows, load

NEXT_STEPS = """\
Try next:
  syxkit info ../shared/corpus                 what every message in a folder is
  syxkit info --json FILE.syx                  the same as JSON
  syxkit decode FILE.syx                       named parameters
  syxkit convert CAPTURE.syx -o OUT.syx --program 0x20
  syxkit split BANK.syx -o DIR  /  syxkit join *.syx -o BANK.syx
  syxkit fix FILE.syx -o FIXED.syx             repair checksums
  syxkit devices                               the drivers syxkit knows"""


@click.command()
@click.option("-o", "--output", type=click.Path(file_okay=False), help="Keep the example dumps here.")
def demo(output) -> None:
    """Build one example dump per device and show what syxkit reads in them."""
    folder = Path(output) if output else Path(tempfile.mkdtemp(prefix="syxkit-demo-"))
    made = 0
    for dev in registry.devices():
        data = dev.example()
        if data is None:
            continue
        atomic_write(folder / f"{dev.id}.syx", data)
        made += 1
    console.print(f"[bold]{made} example dump(s) built by syxkit in {folder}[/bold]")
    for src in load([folder]):
        console.print(_table(src.path, info_rows(src)))
    console.print(NEXT_STEPS, highlight=False)


COMMANDS = [demo]
