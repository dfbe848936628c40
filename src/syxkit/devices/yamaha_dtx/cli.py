"""``syxkit dtx ...``: DTXtreme IIs commands that the generic ones do not cover."""

from __future__ import annotations

import click

from syxkit.cli.common import INT
from syxkit.core.fileio import atomic_write
from syxkit.devices.yamaha_dtx import builders
from syxkit.devices.yamaha_dtx.table import KINDS, type_for_kind

NUMBERING = """Numbering: --program is the object number as sent on the wire, counted from 0;
the panel counts from 1, so User kit 12 is --program 11 (or --panel 12). The generic
commands (syxkit convert --program N) take the wire number too; syxkit info shows both
(program = wire number, slot = panel name)."""


@click.group(name="dtx", help=f"Yamaha DTXtreme IIs tools.\n\n{NUMBERING}")
def dtx() -> None:
    pass


@dtx.command(help=f"""Build a dump request: the message that asks the module to send KIND
(system, kit, chain, song, stack).

{NUMBERING} System data needs no number. The module does not answer a song request for the
current song (7F 7F), so a song needs a number.

Without -o the request is printed as hex.""")
@click.argument("kind", type=click.Choice(KINDS))
@click.option("--program", type=INT, help="Object number as on the wire (0-based).")
@click.option("--panel", type=click.IntRange(min=1), help="Object number as the panel shows it (from 1).")
@click.option("--edit-buffer", is_flag=True, help="Ask for the kit/chain edit buffer (7F 7F).")
@click.option("--device-number", type=click.IntRange(1, 16), default=1, show_default=True,
              help="The module's MIDI device number (1-16).")
@click.option("-o", "--output", type=click.Path(), help="File to write the request to.")
def request(kind, program, panel, edit_buffer, device_number, output) -> None:
    if program is not None and panel is not None:
        raise click.UsageError("give --program (wire, from 0) or --panel (from 1), not both")
    number = builders.panel_number(panel) if panel is not None else program
    try:
        data = builders.request_message(kind, number, device_number=device_number,
                                        edit_buffer=edit_buffer)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    otype = type_for_kind(kind)
    if output:
        atomic_write(output, data)
        click.echo(f"wrote a {otype.kind} request ({len(data)} bytes) to {output}", err=True)
    else:
        click.echo(data.hex(" ").upper())
