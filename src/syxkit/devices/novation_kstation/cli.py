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
    """Novation K-Station / A-Station / KS series tools.

    \b
    How the generic commands treat these devices:
      join     builds whole banks of 50 program pair dumps (25 for a KS drum
               bank); several banks go into one file, in bank order, then a
               global dump if one was given. ORDER: by each program's own
               bank/program (B/P) address, whatever order the files come in;
               --bank alone moves them all to that bank. With --program N the
               programs are placed IN THE ORDER GIVEN from --bank/--program N,
               running on into the next bank. Missing programs are named;
               --fill-from FILE takes them from a bank file (same address, or
               same number when the file holds one bank), --pad-with DUMP
               repeats one program.
      split    turns pairs into single program dumps (--to current: current
               sounds).
      convert  --to current|program|pair, --bank, --program, --model
               (A-Station <-> K-Station), --channel.
    C (control byte) is set deliberately: 0, as the front panel sends a single
    dump or bank, unless --store-to-bank (C=1: store to bank B). A join over
    several banks always uses C=1 (the all-banks dump's choice). Vv/Vi stay
    with the data they came with. The devices store no patch names.
    """


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
