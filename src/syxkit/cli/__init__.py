"""The ``syxkit`` command line: thin, it parses arguments, calls the layers below and renders."""

from __future__ import annotations

import sys

import click

from syxkit import __version__
from syxkit.cli.common import IntParam  # noqa: F401  (re-exported for device commands)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="syxkit")
def cli() -> None:
    """SysEx librarian and toolkit for Casio CZ/VZ/RZ-1, Yamaha DTXtreme IIs and Novation
    K-Station gear."""


def _register() -> None:
    from syxkit.cli import demo, info, lib, live, ops
    from syxkit.devices import registry

    for module in (info, ops, demo, live, lib):
        for command in module.COMMANDS:
            cli.add_command(command)
    for dev in registry.devices():
        for command in dev.cli_commands():
            cli.add_command(command)


_register()


def main() -> None:
    try:
        cli.main(standalone_mode=True)
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(130)
