"""``syxkit kstation …``: write request messages (to send with any MIDI tool, or later with
syxkit's own transfer commands)."""

from __future__ import annotations

import click

from syxkit.cli.common import INT, err_console, fail
from syxkit.core.fileio import atomic_write
from syxkit.devices.base import DeviceError
from syxkit.devices.novation_kstation import messages

WHAT = ("current", "program", "pair", "global", "bank", "backup")


@click.group(name="kstation")
def kstation() -> None:
    """Novation K-Station / A-Station / KS series tools."""


@kstation.command(name="request")
@click.argument("what", type=click.Choice(WHAT))
@click.option("--model", default="K-Station", show_default=True,
              help="K-Station, A-Station or KS series (sets the device type byte).")
@click.option("--bank", type=INT, help="Bank to ask (C=1); without it the selected bank answers.")
@click.option("--program", type=INT, help="Program number (even for 'pair').")
@click.option("--channel", type=click.IntRange(1, 16), help="Receive channel (default: 7F, all).")
@click.option("-o", "--output", required=True, type=click.Path(), help="File to write.")
def request(what, model, bank, program, channel, output) -> None:
    """Write the request for WHAT: current sound, one program, one pair, the global block, a
    whole bank (50 pair requests, --bank needed) or a full backup (every program bank's pair
    requests, then the global request)."""
    sych = 0x7F if channel is None else channel - 1
    try:
        if what in ("program", "pair") and program is None:
            fail(f"'{what}' needs --program", 2)
        if what == "bank" and bank is None:
            fail("'bank' needs --bank", 2)
        if what == "current":
            data = [messages.request_current(model, sysex_channel=sych)]
        elif what == "program":
            data = [messages.request_program(model, program, bank, sysex_channel=sych)]
        elif what == "pair":
            data = [messages.request_pair(model, program, bank, sysex_channel=sych)]
        elif what == "global":
            data = [messages.request_global(model, sysex_channel=sych)]
        elif what == "bank":
            data = messages.bank_requests(model, bank, sysex_channel=sych)
        else:
            data = messages.backup_requests(model, [bank] if bank is not None else None,
                                            sysex_channel=sych)
    except DeviceError as exc:
        fail(str(exc))
    atomic_write(output, b"".join(data))
    err_console.print(f"wrote {len(data)} request(s), {sum(map(len, data))} bytes to {output}")
