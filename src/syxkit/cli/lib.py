"""``syxkit lib``: the patch library from the command line. Parses arguments, calls
syxkit.library and renders; all the work is done there.

Everything shown here that came from a file or a user (names, paths, tags, notes, error
details) is data, never rich markup: it goes out as ``Text`` or through ``plain``, so a VZ
voice named ``[/X]`` or a file ``pad [red]hot.syx`` prints as it is."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import click
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table
from rich.text import Text

from syxkit.cli.common import (
    INT,
    RENDER_SETTINGS,
    console,
    emit_json,
    err_console,
    fail,
    is_pipe,
    with_options,
)
from syxkit.cli.ops import _tree
from syxkit.devices.base import Options
from syxkit.library import (
    ENV_VAR,
    Library,
    LibraryError,
    Patch,
    Query,
    UsageError,
    add_to_bank,
    bank_patches,
    create_bank,
    decoded,
    delete_bank,
    export_bank,
    export_patches,
    find,
    get_bank,
    import_paths,
    library_path,
    list_banks,
    move_in_bank,
    remove_from_bank,
    rename_patch,
    same_name_different_sounds,
    same_sound_different_names,
    seen_several_times,
)
from syxkit.library.vocabulary import compact_models


def say(*parts: str | Text | tuple[str, str]) -> None:
    """One line on stdout, assembled from plain strings (data: shown verbatim) and
    (text, style) pairs; never wrapped, never read as markup."""
    console.print(Text.assemble(*parts), highlight=False, soft_wrap=True)


def count(n: int, one: str, many: str | None = None) -> str:
    """"1 patch", "3 patches": counts that read as English."""
    return f"{n} {one if n == 1 else (many or one + 's')}"


@contextmanager
def _opened(ctx: click.Context) -> Iterator[Library]:
    try:
        library = Library(ctx.obj["path"])
    except LibraryError as exc:
        fail(str(exc))
    try:
        yield library
    except UsageError as exc:
        fail(str(exc), 2)
    except LibraryError as exc:
        fail(str(exc))
    finally:
        library.close()


json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")


def _filters(f):
    for opt in reversed([
        click.option("--device", help="Device id (casio-cz, casio-vz …); an unknown one is an "
                     "error listing the valid ones."),
        click.option("--model", help="Patches the model can load (CZ-101, VZ-1 …): a CZ tone "
                     "fits CZ-101/1000/3000/5000/230S."),
        click.option("--kind", help="Kind of object (tone, voice, operation-memory, kit …), "
                     "as `syxkit devices` spells it."),
        click.option("--tag", "tags", multiple=True, help="Has this tag (repeat: all of them)."),
        click.option("--fav", "favourite", flag_value=True, default=None, help="Favourites only."),
        click.option("--folder", type=click.Path(file_okay=False),
                     help="Seen in a file below this folder."),
        click.option("--id", "ids", type=INT, multiple=True, help="This patch id (repeatable)."),
    ]):
        f = opt(f)
    return f


def _query(text: str | None = None, **kw: Any) -> Query:
    return Query(text=text or None, device=kw.get("device"), model=kw.get("model"),
                 kind=kw.get("kind"), tags=tuple(kw.get("tags") or ()),
                 favourite=kw.get("favourite"), folder=kw.get("folder"),
                 ids=tuple(kw.get("ids") or ()))


PATCH_COLUMNS = ("id", "device", "kind", "models", "name", "tags", "fav", "sources")


def _row(p: Patch) -> list[str]:
    return [str(p.id), p.device, p.kind, compact_models(p.models), p.name, ", ".join(p.tags),
            "*" if p.favourite else "", str(len(p.sources))]


def print_rows(columns: tuple[str, ...] | list[str], rows: list[list[str]],
               title: str | None = None) -> None:
    """A table on a terminal; in a pipe or a file, a header line and one tab-separated line
    per row (nothing wrapped or cut, easy to ``cut -f`` or grep). Cells are data, never
    markup."""
    if is_pipe():
        # click.echo, not rich: rich would turn the tabs into spaces.
        if title:
            click.echo(title)
        for row in [list(columns), *rows]:
            click.echo("\t".join(cell.replace("\t", " ").replace("\n", " ") for cell in row))
        return
    table = Table(title=Text(title) if title else None, title_justify="left")
    for col in columns:
        table.add_column(col, overflow="fold")
    for row in rows:
        table.add_row(*(Text(cell) for cell in row))
    console.print(table)


TABLE_ROWS = 200  # a terminal table stops here unless --limit says otherwise; JSON never does


def _show_list(patches: list[Patch], as_json: bool, limit: int | None,
               what: str = "patch") -> None:
    if limit:
        patches = patches[:limit]
    if as_json:
        emit_json([p.to_json() for p in patches])
        return
    shown = patches if limit is not None or is_pipe() else patches[:TABLE_ROWS]
    print_rows(PATCH_COLUMNS, [_row(p) for p in shown])
    more = len(patches) - len(shown)
    tail = (f"; the first {len(shown)} shown (--limit 0 shows all, --json lists all)"
            if more else "")
    # The count goes to stderr in a pipe, so the lines on stdout are only rows.
    line = Text(count(len(patches), what, "patches" if what == "patch" else None) + tail)
    (err_console if is_pipe() else console).print(line, highlight=False, soft_wrap=True)


LIBRARY_HELP = f"Library file (default: ${ENV_VAR}, else one in your data folder)."


@click.group(name="lib")
@click.option("--library", "path", type=click.Path(dir_okay=False), help=LIBRARY_HELP)
@click.pass_context
def lib(ctx: click.Context, path: str | None) -> None:
    """The patch library: import dumps, find, tag and name patches, build banks, export.

    \b
    Examples:
      syxkit lib import ~/sysex --library my.sqlite
      syxkit lib search brass
      syxkit lib list --device casio-cz --model CZ-101 --kind tone
      syxkit lib tag 12 -a lead
      syxkit lib tags
      syxkit lib dupes names
      syxkit lib rm 13
      syxkit lib trash
      syxkit lib restore 13
      syxkit lib export --device casio-cz -o tones.zip
    """
    ctx.obj = {"path": library_path(path), "given": path}


def _library_after(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    """``--library`` given after the subcommand (``syxkit lib import DIR --library x``)."""
    if value is None:
        return
    obj = ctx.find_object(dict)
    if obj is None:  # the group always sets it; a command run on its own (tests) may not
        obj = ctx.ensure_object(dict)
    given = obj.get("given")
    if given is not None and library_path(given) != library_path(value):
        raise click.UsageError(f"--library given twice ({given} and {value}); give it once",
                               ctx)
    obj["path"], obj["given"] = library_path(value), value


def _add_library_option(group: click.Group) -> None:
    """Every lib subcommand (bank ones included) takes --library as the group does."""
    for command in group.commands.values():
        if isinstance(command, click.Group):
            _add_library_option(command)
        command.params.append(click.Option(
            ["--library"], type=click.Path(dir_okay=False), expose_value=False,
            callback=_library_after, help=LIBRARY_HELP))


@lib.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--rescan", is_flag=True, help="Read files again even when unchanged since the last import.")
@click.option("--restore-removed", is_flag=True,
              help="Bring sounds these files hold back out of the trash (else they stay there).")
@json_option
@click.pass_context
def import_cmd(ctx, paths, rescan, restore_removed, as_json) -> None:
    """Import files, folders (recursively), zips, MIDI files and old librarian files.
    Sounds you removed (`lib rm`) stay in the trash unless --restore-removed."""
    with _opened(ctx) as library:
        # No refresh thread (auto_refresh=False): the import forks worker processes, and a
        # fork should not happen while another thread may hold a lock.
        progress = Progress(TextColumn("importing"), BarColumn(), MofNCompleteColumn(),
                            TimeRemainingColumn(), TextColumn("{task.description}"),
                            console=err_console, transient=True, auto_refresh=False,
                            disable=not err_console.is_terminal)
        with progress:
            task = progress.add_task("", total=None)
            shown = [0.0]

            def tick(done: int, total: int, path: str) -> None:
                progress.update(task, completed=done, total=total, description=path[-40:])
                if time.monotonic() - shown[0] > 0.1 or done == total:
                    shown[0] = time.monotonic()
                    progress.refresh()

            report = import_paths(library, paths, rescan=rescan, progress=tick,
                                  restore_removed=restore_removed)
    if as_json:
        emit_json(report.to_json())
    else:
        for f in report.with_problems:
            say((f.path, "yellow"))
            for problem in f.problems:
                say("  ", problem)
        skipped = [f for f in report.files if f.status == "skipped"]
        for f in skipped:
            say(("skipped ", "dim"), (f"{f.path}: {'; '.join(f.notes)}", "dim"))
        unchanged = sum(f.status == "unchanged" for f in report.files)
        say(f"imported {count(len(report.files), 'file')} ({unchanged} unchanged, "
            f"{len(skipped)} without sounds): {count(report.new, 'new patch', 'new patches')}, "
            f"{count(report.duplicates, 'duplicate')}, "
            f"{count(len(report.with_problems), 'file')} with problems")
        if report.in_trash:
            say(f"{count(report.in_trash, 'patch', 'patches')} of these files left in the trash "
                "(--restore-removed brings them back)")
        if report.restored:
            say(f"{count(report.restored, 'patch', 'patches')} brought back from the trash")
    sys.exit(1 if report.with_problems else 0)


limit_option = click.option(
    "--limit", type=click.IntRange(min=0),
    help=f"At most this many (0 = all). Default: all with --json, {TABLE_ROWS} in a table.")


@lib.command("list")
@_filters
@limit_option
@json_option
@click.pass_context
def list_cmd(ctx, as_json, limit, **kw) -> None:
    """List patches (filters combine)."""
    with _opened(ctx) as library:
        _show_list(find(library, _query(**kw)), as_json, limit)


@lib.command("search")
@click.argument("text")
@_filters
@limit_option
@json_option
@click.pass_context
def search_cmd(ctx, text, as_json, limit, **kw) -> None:
    """Find patches by name, tag or notes (every word, as a prefix: "bra str" finds BRASS
    STRINGS)."""
    if not text.strip():
        fail("say what to search for (use `syxkit lib list` for every patch)", 2)
    with _opened(ctx) as library:
        _show_list(find(library, _query(text, **kw)), as_json, limit)


@lib.command("show")
@click.argument("patch_id", type=INT)
@json_option
@click.pass_context
def show_cmd(ctx, patch_id, as_json) -> None:
    """A patch with its sources and decoded parameters."""
    from syxkit.library.versions import history

    with _opened(ctx) as library:
        patch = library.get(patch_id)
        lineage = history(library, patch_id)
        try:
            params, error = decoded(library, patch), None
        except LibraryError as exc:
            params, error = None, str(exc)
    if as_json:
        out = patch.to_json()
        out["history"] = lineage
        out["decoded"] = params
        if error:
            out["decode_error"] = error
        emit_json(out)
        return
    models = compact_models(patch.models)
    say((str(patch.id), "bold"), " ", patch.name, f"  {patch.device} {patch.kind}",
        f" (fits {models})" if models else "", "  *favourite*" if patch.favourite else "",
        ("  (in the trash)", "yellow") if patch.removed_at else "")
    if patch.tags:
        say("tags: ", ", ".join(patch.tags))
    if patch.notes:
        say("notes: ", patch.notes)
    for s in patch.sources:
        where = f"{s.path} @ {s.offset}" + ("" if s.part is None else f" part {s.part}")
        say("seen in ", where, " as ", s.name, f" ({s.seen_at})")
    if lineage["ancestors"]:
        say("version of ", " <- ".join(str(i) for i in lineage["ancestors"]),
            " (parent first)")
    if lineage["children"]:
        say("versions made from it: ", ", ".join(str(i) for i in lineage["children"]))
    if params is not None:
        console.print(_tree("parameters", params["params"]))
    else:
        err_console.print(Text.assemble(("not decoded:", "yellow"), " ", str(error)),
                          highlight=False, soft_wrap=True)


@lib.command("set")
@click.argument("patch_id", type=INT)
@click.argument("assignments", nargs=-1, required=True)
@json_option
@click.pass_context
def set_cmd(ctx, patch_id, assignments, as_json) -> None:
    """Change parameters of a patch (KEY=VALUE, as `syxkit get` names them) and save the
    result as a new version; the old patch stays, and `lib show` shows which came from
    which."""
    from syxkit.library.versions import set_patch

    with _opened(ctx) as library:
        result = set_patch(library, patch_id, assignments)
    if as_json:
        emit_json(result.to_json())
        return
    for n in result.notes:
        err_console.print(Text.assemble(("note:", "yellow"), " ", n), highlight=False,
                          soft_wrap=True)
    for c in result.changes:
        say(c["key"], ": ", json.dumps(c["old"]), " -> ", json.dumps(c["new"]))
    if result.created:
        say(f"saved patch {result.patch.id} ", result.patch.name,
            f", a new version of patch {result.parent.id}")


@lib.command("preview")
@click.argument("patch")
@click.option("-o", "--output", type=click.Path(dir_okay=False),
              help="Also write the WAV here (default: only the cache beside the library).")
@with_options(RENDER_SETTINGS)
@click.option("--pad", type=click.IntRange(1), help="RZ-1 sample dump: which pad (default 1).")
@json_option
@click.pass_context
def preview_cmd(ctx, patch, output, note, velocity, seconds, release, rate, pad,
                as_json) -> None:
    """Hear a patch without the synth: render a CZ tone, VZ voice or RZ-1 pad to WAV, once
    per sound and settings (kept in a folder beside the library file). PATCH is its id or its
    name (when one patch has it)."""
    from syxkit.cli.common import write_outputs
    from syxkit.devices.base import Output
    from syxkit.library.query import patch_ref
    from syxkit.ops import previews

    settings = previews.Settings(note, velocity, seconds, release, rate, pad)
    with _opened(ctx) as library:
        result, data = previews.preview(library, patch_ref(library, patch), settings)
        library_file = library.path
    written = None
    if output:
        written = write_outputs([Output(result.path.name, data)], output,
                                inputs=[library_file, result.path])[0]
    if as_json:
        emit_json(dict(result.to_json(), written=str(written) if written else None))
        return
    how = "rendered" if result.rendered else "from the cache"
    say(f"patch {result.patch_id} ", result.name, f" ({result.device} {result.label}): ",
        str(written or result.path), f", {result.seconds:.2f} s, {how}")


@lib.command("tag")
@click.argument("patch_ids", nargs=-1, required=True, type=INT)
@click.option("-a", "--add", multiple=True, help="Tag to add (repeatable).")
@click.option("-r", "--remove", multiple=True, help="Tag to remove (repeatable).")
@json_option
@click.pass_context
def tag_cmd(ctx, patch_ids, add, remove, as_json) -> None:
    """Add or remove tags on patches."""
    with _opened(ctx) as library:
        library.tag(patch_ids, add, remove)
        patches = library.get_many(patch_ids)
    if as_json:
        emit_json([{"id": p.id, "tags": p.tags} for p in patches])
    else:
        for p in patches:
            say(f"{p.id} ", p.name, ": ", ", ".join(p.tags) or "(no tags)")


@lib.command("rename")
@click.argument("patch_id", type=INT)
@click.argument("name")
@json_option
@click.pass_context
def rename_cmd(ctx, patch_id, name, as_json) -> None:
    """Give a patch a new name, by the device's name rules (length, characters) as the
    top-level `rename` applies them; written into the dump on export where the device
    stores names."""
    with _opened(ctx) as library:
        patch, note = rename_patch(library, patch_id, name)
    if as_json:
        emit_json({"id": patch.id, "name": patch.name, "note": note})
    else:
        say(f"renamed {patch.id} to ", patch.name)
        if note:
            err_console.print(Text.assemble(("note:", "yellow"), " ", note), highlight=False,
                              soft_wrap=True)


@lib.command("fav")
@click.argument("patch_ids", nargs=-1, required=True, type=INT)
@click.option("--off", is_flag=True, help="Take the favourite mark away.")
@json_option
@click.pass_context
def fav_cmd(ctx, patch_ids, off, as_json) -> None:
    """Mark patches as favourites (or not, with --off)."""
    with _opened(ctx) as library:
        ids = library.set_favourite(patch_ids, not off)
    if as_json:
        emit_json({"ids": ids, "favourite": not off})
    else:
        say(f"{'unmarked' if off else 'marked'} {count(len(ids), 'patch', 'patches')} as "
            "favourite" + ("" if len(ids) == 1 else "s"))


@lib.command("note")
@click.argument("patch_id", type=INT)
@click.argument("text")
@json_option
@click.pass_context
def note_cmd(ctx, patch_id, text, as_json) -> None:
    """Set a patch's notes ("" clears them)."""
    with _opened(ctx) as library:
        library.set_notes(patch_id, text)
    if as_json:
        emit_json({"id": patch_id, "notes": text})
    else:
        say(f"notes of {patch_id} {'set' if text else 'cleared'}")


@lib.command("rm")
@click.argument("patch_ids", nargs=-1, required=True, type=INT)
@click.option("--force", is_flag=True, help="Also take them out of user banks.")
@json_option
@click.pass_context
def rm_cmd(ctx, patch_ids, force, as_json) -> None:
    """Move patches to the trash (`lib restore` brings them back, `lib trash empty` deletes
    them; files on disk are never touched)."""
    with _opened(ctx) as library:
        ids = library.remove(patch_ids, force=force)
    if as_json:
        emit_json({"removed": ids})
    else:
        say(f"moved {count(len(ids), 'patch', 'patches')} to the trash "
            f"(`syxkit lib restore {' '.join(map(str, ids))}` brings "
            f"{'it' if len(ids) == 1 else 'them'} back)")


@lib.command("restore")
@click.argument("patch_ids", nargs=-1, required=True, type=INT)
@json_option
@click.pass_context
def restore_cmd(ctx, patch_ids, as_json) -> None:
    """Bring patches back out of the trash."""
    with _opened(ctx) as library:
        ids = library.restore(patch_ids)
    if as_json:
        emit_json({"restored": ids})
    else:
        say(f"restored {count(len(ids), 'patch', 'patches')} from the trash")


@lib.group("trash", invoke_without_command=True)
@limit_option
@json_option
@click.pass_context
def trash_group(ctx, as_json, limit) -> None:
    """List the patches in the trash (`lib trash empty` deletes them for good)."""
    if ctx.invoked_subcommand is not None:
        return
    with _opened(ctx) as library:
        patches = library.trash()
    _show_list(patches, as_json, limit, "patch in the trash")


@trash_group.command("empty")
@click.argument("patch_ids", nargs=-1, type=INT)
@json_option
@click.pass_context
def trash_empty(ctx, patch_ids, as_json) -> None:
    """Delete the patches in the trash for good (all, or the ids given). A file imported
    again later brings such a sound back only with --rescan."""
    with _opened(ctx) as library:
        n = library.empty_trash(patch_ids or None)
    if as_json:
        emit_json({"deleted": n})
    else:
        say(f"deleted {count(n, 'patch', 'patches')} from the trash for good")


@lib.command("tags")
@json_option
@click.pass_context
def tags_cmd(ctx, as_json) -> None:
    """Every tag, with how many patches carry it."""
    with _opened(ctx) as library:
        tags = library.tags()
    if as_json:
        emit_json([{"tag": t, "patches": n} for t, n in tags])
        return
    print_rows(("tag", "patches"), [[t, str(n)] for t, n in tags])
    (err_console if is_pipe() else console).print(Text(count(len(tags), "tag")), highlight=False)


@lib.command("dupes")
@click.argument("what", type=click.Choice(["names", "sounds", "sources"]), default="names")
@_filters
@json_option
@click.pass_context
def dupes_cmd(ctx, what, as_json, **kw) -> None:
    """Duplicates: "names" = one sound seen under several names; "sounds" = one name used for
    several sounds; "sources" = one sound seen in several places."""
    query = _query(**kw)
    with _opened(ctx) as library:
        if what == "names":
            rows = same_sound_different_names(library, query)
        elif what == "sounds":
            rows = same_name_different_sounds(library, query)
        else:
            rows = seen_several_times(library, query)
    if as_json:
        emit_json(rows)
        return
    for r in rows:
        if what == "names":
            text = f"{r['id']} {r['device']} {r['kind']}: " + " = ".join(r["names"])
        elif what == "sounds":
            text = (f"{r['name']} ({r['device']} {r['kind']}): patches "
                    + ", ".join(str(p["id"]) for p in r["patches"]))
        else:
            text = f"{r['id']} {r['name']}: {r['sources']} sources"
        say(text)
    (err_console if is_pipe() else console).print(Text(count(len(rows), "group")), highlight=False)


readdress_options = [
    click.option("--channel", type=click.IntRange(1, 16), help="Re-address to this MIDI channel."),
    click.option("--program", type=INT, help="Re-address to this program (decimal or 0x hex)."),
    click.option("--bank", "bank_number", type=INT, help="Re-address to this bank."),
    click.option("--to", "form", help="Target form (device-specific)."),
    click.option("--edit-buffer", is_flag=True, help="Address the edit buffer / current sound."),
    click.option("--store-to-bank", is_flag=True, help="K-Station: set C=1 (store to bank B)."),
    click.option("--device-number", type=click.IntRange(1, 16), help="Yamaha device number."),
]


def _driver_values(kw: dict[str, Any]) -> dict[str, Any]:
    keys = ("channel", "program", "model", "form", "edit_buffer", "store_to_bank",
            "device_number", "bank_size", "as_edit_buffer")
    values = {k: kw.get(k) for k in keys}
    values["bank"] = kw.get("bank_number")
    return {k: v for k, v in values.items() if v is not None and v is not False}


def _warn_unused(unused: list[str]) -> None:
    for key in unused:
        err_console.print(f"[yellow]warning:[/yellow] --{key.replace('_', '-')} had no effect")


@lib.command("export")
@click.argument("text", required=False)
@_filters
@click.option("-o", "--output", required=True, type=click.Path(),
              help="A folder, or FILE.syx, FILE.mid, FILE.zip.")
@click.option("--all", "everything", is_flag=True, help="Export every patch (no query needed).")
@click.option("--original", is_flag=True, help="Write the messages as they were found "
              "(a bulk message whole), not each patch's own message.")
@with_options(readdress_options)
@json_option
@click.pass_context
def export_cmd(ctx, text, output, everything, original, as_json, **kw) -> None:
    """Export the patches matching TEXT and the filters (same bytes as imported unless
    re-addressed or renamed)."""
    query = _query(text, **kw)
    if query.is_empty() and not everything:
        fail("say which patches to export (search text, filters, --id) or use --all", 2)
    values = _driver_values(kw)
    values.pop("model", None)  # --model filters here; it is not a target
    with _opened(ctx) as library:
        patches = find(library, query)
        result = export_patches(library, patches, output,
                                options=Options(**values) if values else None, original=original)
    if as_json:
        emit_json(result.to_json())
        return
    for note in result.notes:
        err_console.print(Text.assemble(("note:", "yellow"), " ", note), highlight=False,
                          soft_wrap=True)
    _warn_unused(result.unused_options)
    say(f"exported {count(result.patches, 'patch', 'patches')} "
        f"({count(result.messages, 'message')}, {result.bytes} bytes) to ", str(output))


@lib.command("check")
@json_option
@click.pass_context
def check_cmd(ctx, as_json) -> None:
    """Check the library file's integrity and show what it holds."""
    with _opened(ctx) as library:
        result = library.integrity_check()
        stats = library.stats()
    stats["integrity"] = result
    if as_json:
        emit_json(stats)
    else:
        say(stats["library"], f": integrity {'; '.join(result)}")
        say(f"{count(stats['patches'], 'patch', 'patches')} (and {stats['trash']} in the trash), "
            f"{count(stats['sources'], 'source')}, {count(stats['files'], 'file')}, "
            f"{count(stats['banks'], 'bank')}")
        for kind, n in stats["by_kind"].items():
            say(f"  {kind}: {n}")
    sys.exit(0 if result == ["ok"] else 1)


# -- banks -------------------------------------------------------------------------------------
@lib.group("bank")
def bank_group() -> None:
    """User banks: ordered patches of one device, exported in the device's bank format."""


def _print_bank(library: Library, name: str, as_json: bool) -> None:
    bank = get_bank(library, name)
    patches = bank_patches(library, bank)
    if as_json:
        emit_json(bank.to_json(patches))
        return
    print_rows(("pos", "id", "kind", "name"),
               [[str(i), str(p.id), p.kind, p.name] for i, p in enumerate(patches, 1)],
               title=f"bank {bank.name} ({bank.device}{', ' + bank.model if bank.model else ''})")


@bank_group.command("create")
@click.argument("name")
@click.option("--device", required=True, help="The device the bank is for.")
@click.option("--model", help="Model whose bank format to write (e.g. CZ-101).")
@json_option
@click.pass_context
def bank_create(ctx, name, device, model, as_json) -> None:
    """Create an empty bank."""
    with _opened(ctx) as library:
        bank = create_bank(library, name, device, model)
    if as_json:
        emit_json(bank.to_json([]))
    else:
        say("created bank ", bank.name, f" for {bank.device}")


@bank_group.command("list")
@json_option
@click.pass_context
def bank_list(ctx, as_json) -> None:
    """List banks."""
    with _opened(ctx) as library:
        banks = list_banks(library)
    if as_json:
        emit_json([b.to_json() for b in banks])
    else:
        print_rows(("bank", "device", "model", "patches"),
                   [[b.name, b.device, b.model or "", str(len(b.patch_ids))] for b in banks])


@bank_group.command("add")
@click.argument("bank")
@click.argument("patch_ids", nargs=-1, required=True, type=INT)
@click.option("--at", type=INT, help="Insert at this position (1-based; default: the end).")
@json_option
@click.pass_context
def bank_add(ctx, bank, patch_ids, at, as_json) -> None:
    """Add patches to a bank."""
    with _opened(ctx) as library:
        add_to_bank(library, get_bank(library, bank), list(patch_ids), at)
        _print_bank(library, bank, as_json)


@bank_group.command("move")
@click.argument("bank")
@click.argument("source", type=INT)
@click.argument("target", type=INT)
@json_option
@click.pass_context
def bank_move(ctx, bank, source, target, as_json) -> None:
    """Move the patch at position SOURCE to position TARGET."""
    with _opened(ctx) as library:
        move_in_bank(library, get_bank(library, bank), source, target)
        _print_bank(library, bank, as_json)


@bank_group.command("remove")
@click.argument("bank")
@click.argument("positions", nargs=-1, required=True, type=INT)
@json_option
@click.pass_context
def bank_remove(ctx, bank, positions, as_json) -> None:
    """Take the patches at these positions out of a bank (the patches stay in the library)."""
    with _opened(ctx) as library:
        remove_from_bank(library, get_bank(library, bank), list(positions))
        _print_bank(library, bank, as_json)


@bank_group.command("show")
@click.argument("bank")
@json_option
@click.pass_context
def bank_show(ctx, bank, as_json) -> None:
    """Show a bank's patches in order."""
    with _opened(ctx) as library:
        _print_bank(library, bank, as_json)


@bank_group.command("delete")
@click.argument("bank")
@json_option
@click.pass_context
def bank_delete(ctx, bank, as_json) -> None:
    """Delete a bank (its patches stay in the library)."""
    with _opened(ctx) as library:
        b = get_bank(library, bank)
        delete_bank(library, b)
    if as_json:
        emit_json({"deleted": b.name})
    else:
        say("deleted bank ", b.name)


@bank_group.command("export")
@click.argument("bank")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
              help="File to write (several outputs: OUT-<name>).")
@click.option("--bank-size", type=INT, help="Objects per bank file, where the device allows.")
@click.option("--pad-with", type=INT, help="Patch id that fills slots the bank does not.")
@click.option("--as-edit-buffer", is_flag=True, help="Address every object to the edit buffer.")
@click.option("--model", help="Model whose bank format to write (default: the bank's).")
@with_options(readdress_options)
@json_option
@click.pass_context
def bank_export(ctx, bank, output, pad_with, as_json, **kw) -> None:
    """Write a bank in the device's own bank format (through its driver's join)."""
    with _opened(ctx) as library:
        result = export_bank(library, get_bank(library, bank), output,
                             options=_driver_values(kw), pad_with=pad_with)
    if as_json:
        emit_json(result.to_json())
        return
    for note in result.notes:
        err_console.print(Text.assemble(("note:", "yellow"), " ", note), highlight=False,
                          soft_wrap=True)
    _warn_unused(result.unused_options)
    for path in result.written:
        say("wrote ", str(path), f" ({path.stat().st_size} bytes)")


_add_library_option(lib)

COMMANDS = [lib]
