"""``syxkit info``: what every message in the given files is, and what is wrong with it."""

from __future__ import annotations

import sys

import click
from rich.table import Table
from rich.text import Text

from syxkit.cli.common import console, emit_json, err_console
from syxkit.inspect import info_rows, load


def _slot(row) -> str:
    if row.get("slot"):
        return row["slot"]
    return "" if row.get("program") is None else f"0x{row['program']:02X}"


def _table(path: str, rows: list[dict]) -> Table:
    table = Table(title=path, title_justify="left", expand=False, show_lines=False)
    for col in ("#", "offset", "bytes", "device / maker", "kind", "ch", "slot", "name", "sum", "problems"):
        table.add_column(col, overflow="fold")
    for row in rows:
        who = row["device"] or row["manufacturer"] or "-"
        if row.get("model"):
            who += f" ({row['model']})"
        problems = "\n".join(row["problems"] + [f"note: {n}" for n in row.get("notes", [])])
        table.add_row(
            "" if row["index"] is None else str(row["index"]),
            "" if row["offset"] is None else str(row["offset"]), str(row["length"]), who,
            row["kind"] or "", "" if row["channel"] is None else str(row["channel"]), _slot(row),
            row["name"] or "", {"ok": "ok", "bad": "BAD", "none": "-"}[row["checksum"]],
            Text(problems, style="yellow" if row["problems"] else "dim"),
        )
        for part in row.get("parts", []):
            slot = part.get("slot") or ("" if part.get("program") is None else f"0x{part['program']:02X}")
            table.add_row("", "", "", f"  part {part['index']}", part["kind"], "", slot,
                          part["name"] or "", {"ok": "ok", "bad": "BAD", "none": "-"}[part["checksum"]],
                          Text("\n".join(part["problems"]), style="yellow"))
    return table


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print one JSON array, one object per message.")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
def info(as_json: bool, paths: tuple[str, ...]) -> None:
    """Say what each SysEx message in PATHS (files, folders, zips, .mid) is."""
    all_rows = []
    unreadable = 0
    for src in load(paths):
        if src.error:
            unreadable += 1
            err_console.print(f"{src.path}: {src.error}", markup=False, highlight=False)
            continue
        rows = info_rows(src)
        if as_json:
            all_rows.extend(rows)
        else:
            console.print(_table(f"{src.path}  [{src.form}]", rows))
    if as_json:
        emit_json(all_rows)
    sys.exit(1 if unreadable else 0)


COMMANDS = [info]
