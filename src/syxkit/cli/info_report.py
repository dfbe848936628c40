"""What ``syxkit info`` prints: what every message in the given files is, and what is wrong with it.

Output contract (``--json``): one JSON array, one object per message with the keys of
:data:`FIELDS` (plus ``form``, and ``notes``/``details``/``parts`` when a driver fills them). A
file without any message gets one object with ``index`` null; a file that could not be read at
all gets one object with ``index`` null and an ``error`` key, and a line on stderr. Exit codes:
0 every file was read (messages with problems included), 1 a file could not be read (or, with
``--strict``, a message has a problem), 2 usage. ``store`` says where the device stores the
message when it is sent (panel terms, with the wire bytes that decide it).

Everything shown comes from files (names, paths, problems) and is printed verbatim, never read
as terminal markup. On a terminal each file is a table (rich); when stdout is not a terminal
(a pipe, a file) every message is one tab-separated line under one header line, and the
summary goes to stderr, so ``cut -f``, ``sort`` and ``grep`` take the lines as they are.

Neither click nor rich is imported here unless a table is printed: ``syxkit info`` on a pipe
starts through :mod:`syxkit.cli.fast` without either (see bench/startup.py).
"""

from __future__ import annotations

from syxkit.cli.output import echo, emit_json, is_pipe, note
from syxkit.inspect import info_rows, load

TYPE_CHECKING = False  # typing costs a few ms at start; annotations are strings here
if TYPE_CHECKING:
    from typing import Any

    from rich.table import Table

    from syxkit.core.readers import SourceFile

# rich (and the console) are imported in the functions that print tables or styled lines:
# piped output, ``--json`` and ``--names`` need none of it, and it costs about as much as
# starting Python.

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


def _cells(row: dict[str, Any], styled: bool = True) -> dict[str, Any]:
    who = row["device"] or row["manufacturer"] or "-"
    if row.get("model"):
        who += f" ({row['model']})"
    problems = "\n".join(row["problems"] + [f"note: {n}" for n in row.get("notes", [])])
    return {
        # counted from 1, as --index takes objects (JSON keeps the 0-based position)
        "#": "" if row["index"] is None else str(row["index"] + 1),
        "offset": "" if row["offset"] is None else str(row["offset"]),
        "bytes": str(row["length"]),
        "device / maker": who,
        "kind": row["kind"] or "",
        "ch": "" if row["channel"] is None else str(row["channel"]),
        "slot": _slot(row),
        "name": row["name"] or "",
        "sum": _SUM.get(row["checksum"], row["checksum"]),
        "stored to": row.get("store") or "",
        "problems": _styled(problems, "yellow" if row["problems"] else "dim") if styled else problems,
    }


def _styled(text: str, style: str) -> Any:
    from rich.text import Text

    return Text(text, style=style)


def _table(title: str | None, rows: list[dict[str, Any]]) -> Table:
    """One file's rows as a table; columns that are empty for every row are left out."""
    from rich.table import Table
    from rich.text import Text

    lines = []
    for row in rows:
        lines.append(_cells(row))
        for part in row.get("parts", []):
            lines.append({
                "device / maker": f"  part {part['index']}", "kind": part["kind"] or "",
                "slot": _slot(part), "name": part["name"] or "",
                "sum": _SUM.get(part["checksum"], part["checksum"]),
                "stored to": part.get("store") or "",
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
        # cells as Text: a name such as "[/X]" is data, never markup
        table.add_row(*(cell if isinstance(cell, Text) else Text(str(cell))
                        for cell in (line.get(col, "") for col in columns)))
    return table


def _print_file(src: SourceFile, rows: list[dict[str, Any]]) -> None:
    from rich.text import Text

    from syxkit.cli.output import console

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


def _has_problem(row: dict[str, Any]) -> bool:
    return bool(row.get("problems")) or any(part["problems"] for part in row.get("parts", []))


def name_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per slot (a bulk dump's parts each count): path, message index, part, slot,
    name, kind. What ``info --names`` prints."""
    out = []
    for row in rows:
        if row["index"] is None:
            continue
        for part in row.get("parts") or [None]:
            src = row if part is None else part
            out.append({"path": row["path"], "index": row["index"],
                        "part": None if part is None else part["index"],
                        "slot": _slot(src) or (f"#{row['index'] + 1}" if part is None else f"#{row['index'] + 1}.{part['index']}"),
                        "name": src["name"], "kind": src["kind"] or row["manufacturer"] or "unknown"})
    return out


def _print_names(path: str, rows: list[dict[str, Any]], many: bool) -> None:
    named = name_rows(rows)
    width = max((len(r["slot"]) for r in named), default=0)
    for r in named:
        what = r["name"] if r["name"] else f"({r['kind']})"
        # tab-separated: one line per slot that cut -f / sort / grep take as they are
        line = f"{r['slot']}\t{what}" if is_pipe() else f"{r['slot']:{width}}  {what}"
        # plain text, not rich: tabs stay tabs (rich expands them)
        echo(f"{path}\t{line}" if many else line)



# The tab-separated columns of piped output: every column always (scripts count on them), the
# path first (one line says everything about its message, whatever else is piped with it).
TSV_COLUMNS = ("path", "#", "offset", "bytes", "device / maker", "kind", "ch", "slot", "name",
               "sum", "stored to", "problems")


def _tsv(cells: list[str]) -> str:
    # a tab or line break inside a value (a file name, a problem list) would shift the columns
    return "\t".join(str(c).replace("\t", " ").replace("\r", " ").replace("\n", "; ") for c in cells)


def _print_tsv(src: SourceFile, rows: list[dict[str, Any]]) -> None:
    for row in rows:
        cells = _cells(row, styled=False)
        echo(_tsv([src.path] + [cells[c] for c in TSV_COLUMNS[1:]]))
        for part in row.get("parts", []):
            echo(_tsv([src.path, f"{row['index'] + 1}.{part['index']}", "", "", f"part {part['index']}",
                       part["kind"] or "", "", _slot(part), part["name"] or "",
                       _SUM.get(part["checksum"], part["checksum"]), part.get("store") or "",
                       "\n".join(part["problems"])]))


def run(paths: tuple[str, ...] | list[str], *, as_json: bool = False, names: bool = False,
        strict: bool = False) -> int:
    """Print what ``syxkit info`` prints for ``paths``; return its exit code (0 every file was
    read, 1 a file could not be read or, with ``strict``, a message has a problem)."""
    all_rows: list[dict[str, Any]] = []
    files = unreadable = messages = with_problems = 0
    sources = list(load(paths))
    many = len(sources) > 1
    piped_table = not as_json and not names and is_pipe()
    if piped_table:
        echo(_tsv(list(TSV_COLUMNS)))
    for src in sources:
        files += 1
        if src.error:
            unreadable += 1
            # one plain line per file, never wrapped, so a folder of broken files stays readable
            note(f"error: {src.path}: {src.error}")
            if as_json and not names:
                all_rows.append(error_row(src))
            continue
        rows = info_rows(src)
        messages += len(src.messages)
        with_problems += sum(_has_problem(r) for r in rows)
        if as_json:
            all_rows.extend(name_rows(rows) if names else rows)
        elif names:
            _print_names(src.path, rows, many)
        elif piped_table:
            _print_tsv(src, rows)
        else:
            _print_file(src, rows)
    if as_json:
        emit_json(all_rows)
    elif not names:
        summary = f"{files} file(s), {messages} message(s)"
        if unreadable:
            summary += f", {unreadable} file(s) could not be read"
        if with_problems:
            summary += f", {with_problems} with problems"
        if piped_table:
            note(summary)  # stderr: the lines on stdout stay one kind
        else:
            from rich.text import Text

            from syxkit.cli.output import console

            console.print(Text(summary, style="bold"), soft_wrap=True)
    return 1 if unreadable or (strict and with_problems) else 0
