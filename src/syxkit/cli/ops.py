"""The operations that device drivers fill: decode, encode, convert, split, join, fix, rename,
diff. Thin: each parses its options, calls :mod:`syxkit.ops.files` (which gathers the dumps,
hands them to their device and writes the result atomically) and renders what it returns."""

from __future__ import annotations

from typing import Any

import click
from rich.text import Text
from rich.tree import Tree

from syxkit.cli.common import (
    INDEX_HELP,
    INT,
    console,
    emit_json,
    fail,
    note,
    warn_unused,
    with_options,
)
from syxkit.ops import files

device_option = click.option("--device", help="Device id, when the input is ambiguous.")


def _tree(label: str, value: Any, tree: Tree | None = None) -> Tree:
    # every label is a Text: names and values come from files and are never read as markup
    node = Tree(Text(label)) if tree is None else tree.add(Text(label))
    if isinstance(value, dict):
        scalars = {k: v for k, v in value.items() if not isinstance(v, (dict, list))}
        if scalars:
            node.add(Text(", ".join(f"{k}={v}" for k, v in scalars.items())))
        for k, v in value.items():
            if isinstance(v, (dict, list)):
                _tree(str(k), v, node)
    elif isinstance(value, list):
        if all(not isinstance(v, (dict, list)) for v in value):
            node.add(Text(" ".join(str(v) for v in value)))
        else:
            for i, v in enumerate(value):
                _tree(f"[{i}]", v, node)
    else:
        node.add(Text(str(value)))
    return node


@click.command()
@click.option("--json", "as_json", is_flag=True,
              help="One JSON object per dump (what encode takes back; keeps the raw bytes).")
@click.option("--raw", "show_raw", is_flag=True,
              help="Also show the bytes with no known meaning (keys named raw).")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
def decode(as_json: bool, show_raw: bool, paths: tuple[str, ...]) -> None:
    """Decode every dump in PATHS into named parameters, as the device's panel shows them."""
    got = files.decode(paths, note)
    if as_json:
        emit_json([item.object for item in got.items])
    else:
        for item in got.items:
            entry, obj = item.entry, item.object
            label = f"{entry.source.path}: {obj['device']} {obj['kind']}"
            if obj["name"]:
                label += f" '{obj['name']}'"
            if obj["slot"]:
                label += f" @ {obj['slot']}"
            tree = _tree(label, obj["params"] if show_raw else files.without_raw(obj["params"]))
            if entry.dump.store:
                tree.children.insert(0, Tree(Text(f"stored to: {entry.dump.store}")))
            for text in entry.dump.notes:
                tree.add(Text(f"note: {text}", style="yellow"))
            console.print(tree)
    raise SystemExit(1 if got.unreadable else 0)


def describe_data(data: bytes, name: str = "output") -> str:
    """Kept for callers of the CLI module: see :func:`syxkit.ops.files.describe_data`."""
    return files.describe_data(data, name)


@click.command()
@click.argument("json_file", type=click.Path(exists=True, dir_okay=False))
@click.option("-o", "--output", required=True, type=click.Path(), help="SysEx file to write.")
@click.option("--base", "base_file", type=click.Path(exists=True, dir_okay=False),
              help="Dump file whose values fill what the JSON leaves out (object i takes the "
                   "i-th dump of its device and kind).")
def encode(json_file: str, output: str, base_file: str | None) -> None:
    """Build SysEx from JSON written by ``decode --json`` (edited or not). A wrong value is
    named by its JSON path; missing sections are an error unless --base supplies them."""
    done = files.encode(json_file, output, base_file)
    note(f"wrote {done.description} to {output}")

def _print_notes(done: files.Written) -> None:
    """The drivers' notes, each naming the file the user gets."""
    for where, text in done.notes:
        note(f"note: {where}: {text}")


common_opts = [
    click.option("--program", help="Program / slot, counted as the device's display counts (K-Station 0-99, DTX "
                 "User kit 12 = 12; CZ: 3 or internal:3, B2, cartridge:N, edit-buffer, and a 0x number = the CZ's "
                 "wire address pp, 0x20 = internal 1)."),
    click.option("--channel", type=click.IntRange(1, 16), help="MIDI channel 1-16."),
    click.option("--bank", type=INT, help="Bank number where the device has banks (as the panel counts)."),
    click.option("--model", help="Model, where the layout depends on it."),
    click.option("--to", "form", help="Target form (device-specific, e.g. 'receive', 'pair')."),
    click.option("--name", help="Name, where the device stores names."),
    click.option("--store-to-bank", is_flag=True, help="K-Station: set C=1 (store to bank B)."),
    click.option("--device-number", type=click.IntRange(1, 16), help="Yamaha device number 1-16."),
    click.option("--edit-buffer", is_flag=True, help="Address the edit buffer / current sound."),
    device_option,
]


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("-o", "--output", required=True, type=click.Path(), help="File to write (never one of the inputs).")
@with_options(common_opts)
def convert(paths, output, device, **kw) -> None:
    """Convert dumps to another form, program, channel or bank (device rules apply).

    --program and --bank count as the device's display counts: K-Station programs 0-99 in
    banks 1-4, DTX "User kit 12" is --program 12. A CZ slot is named as its panel names it:
    3 or internal:3 (CZ-101/1000, 1-16; a bare number is the model's internal memory),
    B2 (CZ-3000/5000 with --model, CZ-1), cartridge:N, 97-99 (CZ-230S), edit-buffer. A CZ
    number written 0x.. is the wire address pp as before (0x20 = internal 1); `info` shows
    both ("internal 3 (pp=0x22)"). A slot that does not exist or cannot be written is a usage
    error (exit 2) that lists the valid ones.

    \b
    Examples:
      syxkit convert capture.syx -o tone.syx --program internal:3 --channel 1
      syxkit convert capture.syx -o tone.syx --program B2 --model CZ-5000
      syxkit convert capture.syx -o tone.syx --program 0x22
      syxkit convert PBANK1.P64 -o bank.syx
    """
    done = files.convert(paths, output, kw, device_id=device, say=note)
    warn_unused(done.device, done.unused)
    _print_notes(done)
    note(f"wrote {done.description} to {output}")

@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("-o", "--output", required=True, type=click.Path(), help="Folder to write into (made when missing).")
@click.option("--force", is_flag=True, help="Overwrite files of the same names already in the folder.")
@with_options(common_opts)
def split(paths, output, force, device, **kw) -> None:
    """Split banks and bulk dumps into one file per object. Files of the same names already in
    the folder are never overwritten without --force."""
    done = files.split(paths, output, kw, device_id=device, force=force, say=note)
    warn_unused(done.device, done.unused)
    _print_notes(done)
    for p in done.paths:
        console.print(Text(str(p)), highlight=False, soft_wrap=True)
    if done.paths:
        note(f"wrote {done.description} in {len(done.paths)} file(s) to {output}")
    if done.skipped:
        for name, wrong in done.skipped[:-1]:
            note(f"error: {name} not written: it would be damaged ({wrong})")
        name, wrong = done.skipped[-1]
        fail(f"{name} not written: it would be damaged ({wrong})"
             + (f"; {len(done.skipped)} part(s) not written" if len(done.skipped) > 1 else ""))

@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("-o", "--output", required=True, type=click.Path(), help="File to write (several: OUT-<name>).")
@click.option("--bank-size", type=INT, help="Objects per bank file.")
@click.option("--pad-with", type=click.Path(exists=True), help="Fill missing slots with this dump.")
@click.option("--fill-from", type=click.Path(exists=True), help="Take missing slots from this file.")
@click.option("--as-edit-buffer", is_flag=True, help="Address every object to the edit buffer.")
@with_options(common_opts)
def join(paths, output, device, bank_size, pad_with, fill_from, as_edit_buffer, **kw) -> None:
    """Join single dumps into banks / bulk dumps. Order and addressing follow the device's
    rules (CZ, VZ: in the order given; K-Station: by bank/program unless --program is given;
    DTX: backup order)."""
    done = files.join(paths, output, dict(kw, bank_size=bank_size, as_edit_buffer=as_edit_buffer),
                      device_id=device, pad_with=pad_with, fill_from=fill_from, say=note)
    warn_unused(done.device, done.unused)
    _print_notes(done)
    for o, p in zip(done.outputs, done.paths, strict=True):
        console.print(Text(f"wrote {files.describe_data(o.data, str(p))} to {p}"), highlight=False,
                      soft_wrap=True)

@click.command()
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("-o", "--output", required=True, type=click.Path(), help="Repaired file to write (never the input).")
@click.option("--json", "as_json", is_flag=True, help="Print the changes as one JSON object.")
def fix(path, output, as_json) -> None:
    """Repair checksums (and byte counts where the device has them); nothing else changes."""
    done = files.fix(path, output, note)
    if as_json:
        emit_json(done.to_json())
    else:
        for c in done.changes:
            console.print(Text(f"message {c['index']} at offset {c['offset']}: {c['change']}"),
                          highlight=False, soft_wrap=True)
        console.print(Text(f"{len(done.changes)} change(s); wrote {output}"), highlight=False,
                      soft_wrap=True)

@click.command()
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--name", required=True, help="The new name.")
@click.option("--index", type=INT, help=INDEX_HELP + "  [default: the only one]")
@click.option("-o", "--output", required=True, type=click.Path(), help="File to write (never the input).")
def rename(path, name, index, output) -> None:
    """Give a patch a new name, where the device stores names."""
    done = files.rename(path, name, output, index, note)
    console.print(Text(f"renamed object {done.number} to {name!r}; wrote {output}"), highlight=False,
                  soft_wrap=True)

@click.command()
@click.argument("a", type=click.Path(exists=True, dir_okay=False))
@click.argument("b", type=click.Path(exists=True, dir_okay=False))
@click.option("--index-a", type=INT, default=1, show_default=True,
              help=INDEX_HELP.replace("the file", "file A"))
@click.option("--index-b", type=INT, default=1, show_default=True,
              help=INDEX_HELP.replace("the file", "file B"))
@click.option("--json", "as_json", is_flag=True,
              help="Print one JSON object: the differing parameters and whether raw bytes differ.")
def diff(a, b, index_a, index_b, as_json) -> None:
    """Show the parameters that differ between two dumps. Exit code 0: equal, 1: they differ
    (like diff and cmp), 2: usage."""
    done = files.diff(a, b, index_a, index_b)
    if as_json:
        emit_json(done.to_json())
    else:
        for c in done.parameters:
            console.print(Text(f"{c['param']}: {c['a']} -> {c['b']}"), highlight=False, soft_wrap=True)
        word = "parameter differs" if len(done.parameters) == 1 else "parameters differ"
        console.print(Text(f"{len(done.parameters)} {word}"), highlight=False, soft_wrap=True)
        if done.raw_differs:
            console.print(Text("bytes with no known meaning (raw) differ too; "
                               "decode --raw shows them"), highlight=False, soft_wrap=True)
    raise SystemExit(0 if done.equal else 1)

@click.command(name="devices")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON array: id, title, models.")
def devices_cmd(as_json) -> None:
    """List the device drivers syxkit knows, with the models each one covers."""
    rows = files.device_rows()
    if as_json:
        emit_json(rows)
        return
    for r in rows:
        # each model once: the title often names them already
        extra = [m for m in r["models"] if m not in r["title"]]
        line = f"{r['id']:20} {r['title']}" + (f"  (also {', '.join(extra)})" if extra else "")
        console.print(Text(line), highlight=False, soft_wrap=True)


COMMANDS = [decode, encode, convert, split, join, fix, rename, diff, devices_cmd]
