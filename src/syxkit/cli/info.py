"""``syxkit info``: what every message in the given files is, and what is wrong with it.

Output contract (``--json``): one JSON array, one object per message with the keys of
:data:`FIELDS` (plus ``form``, and ``notes``/``details``/``parts`` when a driver fills them). A
file without any message gets one object with ``index`` null; a file that could not be read at
all gets one object with ``index`` null and an ``error`` key, and a line on stderr. Exit codes:
0 every file was read (messages with problems included), 1 a file could not be read, 2 usage.
"""

from __future__ import annotations

import sys
from typing import Any

import click
from rich.table import Table
from rich.text import Text

from syxkit.cli.common import console, emit_json
from syxkit.core.readers import SourceFile
from syxkit.inspect import info_rows, load

FIELDS = ("path", "index", "offset", "length", "manufacturer", "device", "model", "kind", "channel",
          "bank", "program", "slot", "name", "checksum", "problems")

_SUM = {"ok": "ok", "bad": "BAD", "none": "-"}


def error_row(src: SourceFile) -> dict[str, Any]:
    """The ``--json`` object for a file that could not be read at all."""
    row: dict[str, Any] = dict.fromkeys(FIELDS)
    # a file refused before reading (missing, too large) has no form yet
    form = None if src.form == "raw" else src.form
    row.update(path=src.path, length=0, checksum="none", problems=[src.error], form=form,
               error=src.error)
    return row


def _slot(row: dict[str, Any]) -> str:
    if row.get("slot"):
        return row["slot"]
    return "" if row.get("program") is None else f"0x{row['program']:02X}"


def _cells(row: dict[str, Any]) -> dict[str, Any]:
    who = row["device"] or row["manufacturer"] or "-"
    if row.get("model"):
        who += f" ({row['model']})"
    problems = "\n".join(row["problems"] + [f"note: {n}" for n in row.get("notes", [])])
    return {
        "#": "" if row["index"] is None else str(row["index"]),
        "offset": "" if row["offset"] is None else str(row["offset"]),
        "bytes": str(row["length"]),
        "device / maker": who,
        "kind": row["kind"] or "",
        "ch": "" if row["channel"] is None else str(row["channel"]),
        "slot": _slot(row),
        "name": row["name"] or "",
        "sum": _SUM.get(row["checksum"], row["checksum"]),
        "problems": Text(problems, style="yellow" if row["problems"] else "dim"),
    }


def _table(title: str | None, rows: list[dict[str, Any]]) -> Table:
    """One file's rows as a table; columns that are empty for every row are left out."""
    lines = []
    for row in rows:
        lines.append(_cells(row))
        for part in row.get("parts", []):
            lines.append({
                "device / maker": f"  part {part['index']}", "kind": part["kind"] or "",
                "slot": _slot(part), "name": part["name"] or "",
                "sum": _SUM.get(part["checksum"], part["checksum"]),
                "problems": Text("\n".join(part["problems"]), style="yellow"),
            })
    always = ("#", "offset", "bytes", "device / maker")
    columns = [c for c in _cells(rows[0]) if c in always or any(str(line.get(c, "")) for line in lines)]
    # a title is never wider than its table: widen the table rather than wrap a path
    table = Table(title=None if title is None else Text(title), title_justify="left", expand=False,
                  min_width=None if title is None else len(title))
    for col in columns:
        table.add_column(col, overflow="fold")
    for line in lines:
        table.add_row(*(line.get(col, "") for col in columns))
    return table


def _print_file(src: SourceFile, rows: list[dict[str, Any]]) -> None:
    if rows[0]["index"] is None:  # no message in the file: say why, no empty table
        console.print(Text(f"{src.path}  ({src.form}, no SysEx message)", style="bold"), soft_wrap=True)
        for text in rows[0]["problems"]:
            console.print(Text(f"  {text}", style="yellow"), soft_wrap=True)
        return
    count = len(rows)
    # the title goes on its own line: inside the table it would wrap at the table's width
    console.print(Text(f"{src.path}  ({src.form}, {count} message{'s' if count != 1 else ''})", style="bold"),
                  soft_wrap=True)
    console.print(_table(None, rows))


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print one JSON array, one object per message.")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
def info(as_json: bool, paths: tuple[str, ...]) -> None:
    """Say what each SysEx message in PATHS (files, folders, zips, .mid) is."""
    all_rows: list[dict[str, Any]] = []
    files = unreadable = messages = 0
    for src in load(paths):
        files += 1
        if src.error:
            unreadable += 1
            # one plain line per file, never wrapped, so a folder of broken files stays readable
            click.echo(f"{src.path}: {src.error}", err=True)
            if as_json:
                all_rows.append(error_row(src))
            continue
        rows = info_rows(src)
        messages += len(src.messages)
        if as_json:
            all_rows.extend(rows)
        else:
            _print_file(src, rows)
    if as_json:
        emit_json(all_rows)
    else:
        summary = f"{files} file(s), {messages} message(s)"
        if unreadable:
            summary += f", {unreadable} file(s) could not be read"
        console.print(Text(summary, style="bold"), soft_wrap=True)
    sys.exit(1 if unreadable else 0)


COMMANDS = [info]
