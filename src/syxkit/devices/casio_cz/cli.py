"""``syxkit cz …``: CZ-only commands. ``request`` writes request messages to a file for people
who send them from a SysEx tool by hand (the seed-000 workflow); ``params`` lists the tone
parameter table."""

from __future__ import annotations

import click

from syxkit.cli.common import emit_json, err_console
from syxkit.devices.casio_cz import messages
from syxkit.ops import devices_tools as tools
from syxkit.ops.files import write_file


@click.group(name="cz")
def cz_group() -> None:
    """Casio CZ family: request files and the tone parameter table.

    Numbering: --program (here and in convert, join, send) and request WHATs count as the
    CZ's panel counts. On a CZ-101/1000 internal tones are 1-16 (--program 3 or internal:3,
    the wire address pp 0x22), cartridge:1-16; on a CZ-3000/5000 A1-D8 (--program B2
    --model CZ-5000); on a CZ-1 A1-H8 (--model CZ-1); on a CZ-230S 97-99; edit-buffer is the
    sound area (pp 0x60). A number written 0x.. is the wire address itself (0x20 = internal
    1), so older scripts keep working; `syxkit info` shows both ("internal 3 (pp=0x22)").
    A slot the model lacks or cannot write is a usage error (exit 2) listing the valid ones.

    \b
    Examples:
      syxkit cz request --program internal:1 --count 16 -o requests.syx
      syxkit cz request --program A1 --count 32 --model CZ-5000 -o requests.syx
      syxkit cz params
    """


@cz_group.command(name="request")
@click.option("--program", required=True,
              help="First slot, as the panel counts (internal:1, B2 with --model, edit-buffer) "
                   "or a wire address 0x00-0x7F (0x20 = internal 1).")
@click.option("--model", help="CZ model, for slot names such as B2 (CZ-3000/5000) or H8 (CZ-1).")
@click.option("--count", type=click.IntRange(1, 128), default=1, show_default=True,
              help="Requests for consecutive programs.")
@click.option("--channel", type=click.IntRange(1, 16), default=1, show_default=True,
              help="MIDI channel the CZ is set to (1-16).")
@click.option("--what", type=click.Choice(sorted(messages.REQUESTABLE)), default="tone",
              show_default=True, help="What each request asks the CZ to send.")
@click.option("--faithful", is_flag=True,
              help="Leave out the embedded go-ahead (7n 31 F7): only for byte-level MIDI paths.")
@click.option("-o", "--output", required=True, type=click.Path(), help="SysEx file to write.")
def request(program, model, count, channel, what, faithful, output) -> None:
    """Write send requests (``F0 44 00 00 7n 10 pp 7n 31 F7`` …) for PROGRAM onwards."""
    # the slot counts as the panel does; a bad one (or a run past 0x7F) is a usage error
    data = tools.cz_requests(program, count, channel, what, faithful=faithful, model=model)
    write_file(output, data)
    err_console.print(f"wrote {count} request(s), {len(data)} bytes to {output}", highlight=False)


@cz_group.command(name="params")
@click.option("--json", "as_json", is_flag=True, help="Print the table as one JSON array.")
def params(as_json) -> None:
    """List the tone parameters: JSON key, stored byte offsets, meaning."""
    rows = tools.cz_params()
    if as_json:
        emit_json(rows)
        return
    for row in rows:
        offsets = ",".join(str(o) for o in row["offsets"])
        flag = " [CZ-1]" if row["cz1_only"] else ""
        click.echo(f"{' + '.join(row['keys']):28} @{offsets:14} {row['doc']}{flag}")


COMMANDS = [cz_group]
