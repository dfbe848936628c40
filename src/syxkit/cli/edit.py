"""``syxkit get`` and ``syxkit set``: a sound's parameters by panel names and values. Parses and
renders only; the work is in :mod:`syxkit.ops.edit`."""

from __future__ import annotations

import json

import click
from rich.text import Text

from syxkit.cli.common import INDEX_HELP, INT, console, emit_json, note
from syxkit.core.fileio import check_not_input, check_target
from syxkit.ops.files import write_file


def _shown(value) -> str:
    return value if isinstance(value, str) else json.dumps(value)


@click.command(name="get")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.argument("keys", nargs=-1)
@click.option("--index", type=INT, help=INDEX_HELP + "  [default: the only one]")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON array: key, value, label, group, kind, range.")
def get_cmd(path, keys, index, as_json) -> None:
    """Show parameters of a sound by their panel names (every one when no KEY is given).

    Keys are dotted, envelope steps counted from 1 as on the panel (line1.dcw.rates.3)."""
    from syxkit.ops.edit import get

    target, rows = get(path, keys, index)
    if as_json:
        emit_json([r.to_json() for r in rows])
        return
    for r in rows:
        console.print(Text(f"{r.field.key} = {_shown(r.value)}"), highlight=False, soft_wrap=True)


@click.command(name="set")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.argument("assignments", nargs=-1, required=True)
@click.option("-o", "--output", required=True, type=click.Path(), help="File to write (never the input).")
@click.option("--index", type=INT, help=INDEX_HELP + "  [default: the only one]")
@click.option("--json", "as_json", is_flag=True, help="Print the changes as one JSON object.")
def set_cmd(path, assignments, output, index, as_json) -> None:
    """Change parameters of a sound by their panel names and values, into a new file.

    KEY=VALUE ... as `syxkit get` names them: line1.dcw.rates.3=70 vibrato.wave=triangle
    name="BRASS 2"; enums by name or by number counted from 1. Only the bytes the values
    live in change; checksums are repaired."""
    from syxkit.ops.edit import set_in_file

    check_not_input(output, (path,))
    check_target(output)
    result = set_in_file(path, assignments, index)
    write_file(output, result.data, inputs=(path,))
    if as_json:
        emit_json({"path": path, "output": output, "index": result.target.index + 1,
                   **result.edited.to_json()})
        return
    for n in result.edited.notes:
        note(f"note: {n}")
    for c in result.edited.changes:
        console.print(Text(f"{c['key']}: {_shown(c['old'])} -> {_shown(c['new'])}"),
                      highlight=False, soft_wrap=True)
    console.print(Text(f"{len(result.edited.changes)} change(s); wrote {output}"),
                  highlight=False, soft_wrap=True)


COMMANDS = [get_cmd, set_cmd]
