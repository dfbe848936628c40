"""``syxkit kstation …``: write request messages (to send with any MIDI tool, or later with
syxkit's own transfer commands)."""

from __future__ import annotations

import click

from syxkit.cli.common import INT, err_console
from syxkit.ops import devices_tools as tools
from syxkit.ops.files import write_file

WHAT = tools.KSTATION_WHAT


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
    NUMBERING: as the panel shows them: banks 1-4 (KS series 1-8), programs
    00-99 (a KS drum bank 00-49). These are also the wire bytes B and P, so
    `program:2:42` and `--bank 2 --program 42` are bank 2 program 42; `info`
    shows the bytes beside them.
    C (control byte) decides where a program or pair is stored: C=1 in bank B,
    C=0 in whatever bank is selected on the panel (B ignored). It is never
    changed silently: naming a bank (--bank) or --store-to-bank writes C=1;
    otherwise each program keeps the C it came with (a current sound made into
    a program gets 0). A join over several banks always uses C=1 (the
    all-banks dump's choice). Every output says what its C means, and `info`
    shows where each message will be stored. B=0, as editors write for
    working memory, is read as the selected bank. `send --verify` reads back
    from where the bytes sent store (C=0: the selected bank, named from the
    device's answer). Vv/Vi stay with the data they came with. The devices
    store no patch names.
    """


@kstation.command(name="request")
@click.argument("what", type=click.Choice(WHAT))
@click.option("--model", default="K-Station", show_default=True,
              help="K-Station, A-Station or KS series (sets the device type byte).")
@click.option("--bank", type=INT, help="Bank to ask, 1-4 as on the panel (C=1); without it the "
                                       "selected bank answers (C=0).")
@click.option("--program", type=INT, help="Program 0-99 as on the panel (even for 'pair').")
@click.option("--channel", type=click.IntRange(1, 16), help="Receive channel (default: 7F, all).")
@click.option("-o", "--output", required=True, type=click.Path(), help="File to write.")
def request(what, model, bank, program, channel, output) -> None:
    """Write the request for WHAT: current sound, one program, one pair, the global block, a
    whole bank (50 pair requests, --bank needed) or a full backup (every program bank's pair
    requests, then the global request). Banks and programs count as the panel shows them
    (bank 1-4, program 00-99), which is also what goes on the wire."""
    # every refusal here is about the options given: a usage error (exit 2)
    data = tools.kstation_requests(what, model, bank, program, channel)
    write_file(output, b"".join(data))
    err_console.print(f"wrote {len(data)} request(s), {sum(map(len, data))} bytes to {output}")
