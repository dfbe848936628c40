"""``syxkit info``: what every message in the given files is, and what is wrong with it.

The command's options; what it prints (and the ``--json`` contract) is
:mod:`syxkit.cli.info_report`, shared with the fast start path (:mod:`syxkit.cli.fast`).
"""

from __future__ import annotations

import sys

import click

from syxkit.cli import info_report as report


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print one JSON array, one object per message.")
@click.option("--names", "names", is_flag=True,
              help="Only one line per slot: slot and name (or kind when the object has no name).")
@click.option("--strict", is_flag=True,
              help="Exit 1 when any message has a problem (for scripts checking a collection).")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
def info(as_json: bool, names: bool, strict: bool, paths: tuple[str, ...]) -> None:
    """Say what each SysEx message in PATHS (files, folders, zips, .mid) is, where the device
    would store it, and what is wrong with it."""
    sys.exit(report.run(paths, as_json=as_json, names=names, strict=strict))


COMMANDS = [info]
