"""``syxkit dtx ...``: DTXtreme IIs commands that the generic ones do not cover."""

from __future__ import annotations

import click

from syxkit.cli.common import INT
from syxkit.devices.base import OptionError
from syxkit.devices.yamaha_dtx.table import KINDS
from syxkit.ops import devices_tools as tools
from syxkit.ops.files import write_file

NUMBERING = """Numbering: as the module's display counts, from 1: User kit 12 is --program 12
(wire number 11, bytes 00 0B), in `syxkit convert --program`, `syxkit send --program` and
`syxkit request yamaha-dtxtreme2 kit:12` alike; --wire N (or kit:wire:N) gives the wire number,
from 0. Ranges: kits 1-50, chains 1-32, songs 1-32 (syxkit's assumption: the Data List gives
only the 16 stacks; --set user_kits=N etc. in request/backup), stacks 1-16. syxkit info shows
the panel name with the wire bytes beside it, and where each dump is stored (device number
and object number)."""


@click.group(name="dtx", help=f"Yamaha DTXtreme IIs tools.\n\n{NUMBERING}")
def dtx() -> None:
    pass


@dtx.command(help=f"""Build a dump request: the message that asks the module to send KIND
(system, kit, chain, song, stack).

{NUMBERING} System data needs no number. The module does not answer a song request for the
current song (7F 7F), so a song needs a number.

Without -o the request is printed as hex.""")
@click.argument("kind", type=click.Choice(KINDS))
@click.option("--program", type=INT, help="Object number as the panel shows it (from 1).")
@click.option("--panel", type=INT, help="The same as --program (kept for older scripts).")
@click.option("--wire", type=INT, help="Object number as on the wire (from 0).")
@click.option("--edit-buffer", is_flag=True, help="Ask for the kit/chain edit buffer (7F 7F).")
@click.option("--device-number", type=click.IntRange(1, 16), default=1, show_default=True,
              help="The module's MIDI device number (1-16).")
@click.option("-o", "--output", type=click.Path(), help="File to write the request to.")
def request(kind, program, panel, wire, edit_buffer, device_number, output) -> None:
    try:
        data, kind_name = tools.dtx_request(kind, program=program, panel=panel, wire=wire,
                                            edit_buffer=edit_buffer, device_number=device_number)
    except OptionError as exc:
        raise click.UsageError(str(exc)) from None
    if output:
        write_file(output, data)
        click.echo(f"wrote a {kind_name} request ({len(data)} bytes) to {output}", err=True)
    else:
        click.echo(data.hex(" ").upper())
