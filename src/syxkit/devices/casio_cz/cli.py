"""``syxkit cz …``: CZ-only commands. ``request`` writes request messages to a file for people
who send them from a SysEx tool by hand (the seed-000 workflow); ``params`` lists the tone
parameter table."""

from __future__ import annotations

import click

from syxkit.cli.common import INT, emit_json, err_console, fail
from syxkit.core.fileio import atomic_write
from syxkit.devices.casio_cz import messages
from syxkit.devices.casio_cz.tone import describe


@click.group(name="cz")
def cz_group() -> None:
    """Casio CZ family: request files and the tone parameter table."""


@cz_group.command(name="request")
@click.option("--program", type=INT, required=True, help="First program address (e.g. 0x20).")
@click.option("--count", type=click.IntRange(1, 128), default=1, show_default=True,
              help="Requests for consecutive programs.")
@click.option("--channel", type=click.IntRange(1, 16), default=1, show_default=True,
              help="MIDI channel the CZ is set to (1-16).")
@click.option("--what", type=click.Choice(sorted(messages.REQUESTABLE)), default="tone",
              show_default=True, help="What each request asks the CZ to send.")
@click.option("--faithful", is_flag=True,
              help="Leave out the embedded go-ahead (7n 31 F7): only for byte-level MIDI paths.")
@click.option("-o", "--output", required=True, type=click.Path(), help="SysEx file to write.")
def request(program, count, channel, what, faithful, output) -> None:
    """Write send requests (``F0 44 00 00 7n 10 pp 7n 31 F7`` …) for PROGRAM onwards."""
    if program + count - 1 > 0x7F:
        fail(f"{count} requests from 0x{program:02X} run past the last program address 0x7F", 2)
    try:
        data = b"".join(messages.send_request(program + k, channel, what, embedded=not faithful)
                        for k in range(count))
    except ValueError as exc:
        fail(str(exc), 2)
    atomic_write(output, data)
    err_console.print(f"wrote {count} request(s), {len(data)} bytes to {output}", highlight=False)


@cz_group.command(name="params")
@click.option("--json", "as_json", is_flag=True, help="Print the table as one JSON array.")
def params(as_json) -> None:
    """List the tone parameters: JSON key, stored byte offsets, meaning."""
    rows = describe()
    if as_json:
        emit_json(rows)
        return
    for row in rows:
        offsets = ",".join(str(o) for o in row["offsets"])
        flag = " [CZ-1]" if row["cz1_only"] else ""
        click.echo(f"{' + '.join(row['keys']):28} @{offsets:14} {row['doc']}{flag}")


COMMANDS = [cz_group]
