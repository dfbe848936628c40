"""The operations that device drivers fill: decode, encode, convert, split, join, fix, rename,
diff. Each gathers the dumps from the input, hands them to their device and writes the result
atomically; the device code knows nothing of files or terminals."""

from __future__ import annotations

import inspect
import json
from collections import Counter
from pathlib import Path
from typing import Any

import click
from rich.text import Text
from rich.tree import Tree

from syxkit.cli.common import (
    INT,
    Gathered,
    console,
    dumps_by_device,
    emit_json,
    fail,
    gather,
    input_files,
    note,
    output_paths,
    run_device,
    warn_unused,
    with_options,
    write_outputs,
)
from syxkit.core.fileio import atomic_write, check_not_input, check_target
from syxkit.core.readers import SourceFile
from syxkit.devices import registry
from syxkit.devices.base import DeviceError, Dump, OptionError, Options, Output
from syxkit.inspect import entries, load_bytes

device_option = click.option("--device", help="Device id, when the input is ambiguous.")


def _decoded(dump: Dump) -> dict[str, Any]:
    dev = registry.get(dump.device)
    params = run_device(dev.decode, dump)
    return {
        "device": dump.device, "kind": dump.kind, "model": dump.model, "channel": dump.channel,
        "bank": dump.bank, "program": dump.program, "slot": dump.slot, "name": dump.name,
        "params": params,
    }


def without_raw(value: Any) -> Any:
    """``value`` without the keys named ``raw`` (bytes with no known meaning), at any depth."""
    if isinstance(value, dict):
        return {k: without_raw(v) for k, v in value.items() if k != "raw"}
    if isinstance(value, list):
        return [without_raw(v) for v in value]
    return value


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
    got = gather(paths)
    found = [e for e in got.entries if e.dump is not None]
    objects = [_decoded(e.dump) for e in found]
    if not objects:
        fail("nothing decodable in the input")
    if as_json:
        emit_json(objects)
    else:
        for entry, obj in zip(found, objects, strict=True):
            label = f"{entry.source.path}: {obj['device']} {obj['kind']}"
            if obj["name"]:
                label += f" '{obj['name']}'"
            if obj["slot"]:
                label += f" @ {obj['slot']}"
            tree = _tree(label, obj["params"] if show_raw else without_raw(obj["params"]))
            if entry.dump.store:
                tree.children.insert(0, Tree(Text(f"stored to: {entry.dump.store}")))
            for text in entry.dump.notes:
                tree.add(Text(f"note: {text}", style="yellow"))
            console.print(tree)
    raise SystemExit(1 if got.unreadable else 0)


def _plural(count: int, word: str) -> str:
    if count == 1:
        return f"1 {word}"
    return f"{count} {word if word.endswith('s') else word + 's'}"


def describe_data(data: bytes, name: str = "output") -> str:
    """What bytes about to be written hold, in words ("16 tones", "1 voice, 2 operation-
    memories"), read back the way ``info`` reads them so the count is of what is really there."""
    kinds: Counter[str] = Counter()
    for src in load_bytes(data, name):
        for e in entries(src):
            if e.dump is None:
                kinds["message"] += 1
            else:
                for obj in registry.get(e.dump.device).objects(e.dump):
                    kinds[obj.kind] += 1
    if not kinds:
        return f"{len(data):,} bytes"
    words = [_plural(n, k.replace("memory", "memorie") if n > 1 and k.endswith("memory") else k)
             for k, n in kinds.items()]
    return f"{', '.join(words)} ({len(data):,} bytes)"


def _read_json(path: str, what: str = "JSON") -> Any:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        fail(f"{path}: not readable {what}: {exc}")


def _json_objects(path: str) -> list[dict[str, Any]]:
    """The objects of a ``decode --json`` file: one object or a non-empty list of objects."""
    objs = _read_json(path)
    if isinstance(objs, dict):
        return [objs]
    if not isinstance(objs, list):
        fail(f"{path}: top level: expected an object or a list of objects (as decode --json "
             f"writes), got {type(objs).__name__ if objs is not None else 'null'}")
    if not objs:
        fail(f"{path}: top level: the list is empty; expected at least one object (as decode "
             "--json writes)")
    for i, obj in enumerate(objs):
        if not isinstance(obj, dict):
            fail(f"{path}: [{i}]: expected an object, got {json.dumps(obj)[:40]}")
    return objs


def _base_dumps(path: str) -> list[Dump]:
    got = gather((path,))
    if got.unreadable:
        fail(f"{path}: the base file could not be read")
    dumps = [o for e in got.entries if e.dump is not None
             for o in registry.get(e.dump.device).objects(e.dump)]
    if not dumps:
        fail(f"{path}: no dump of a known device to take missing values from")
    return dumps


def _pick_base(bases: list[Dump], obj: dict[str, Any], i: int) -> Dump | None:
    """The base dump for object ``i``: the i-th of its device and kind, else the first."""
    same = [d for d in bases if d.device == obj.get("device") and d.kind == obj.get("kind")]
    same = same or [d for d in bases if d.device == obj.get("device")]
    if not same:
        return None
    return same[i] if i < len(same) else same[0]


def _encode_one(dev, obj: dict[str, Any], base: Dump | None) -> bytes:
    if base is None:
        return dev.encode(obj)
    try:
        takes_base = "base" in inspect.signature(dev.encode).parameters
    except (TypeError, ValueError):
        takes_base = False
    if not takes_base:
        raise OptionError(f"{dev.id}: encode cannot fill missing values from a base dump yet")
    return dev.encode(obj, base=base)


@click.command()
@click.argument("json_file", type=click.Path(exists=True, dir_okay=False))
@click.option("-o", "--output", required=True, type=click.Path(), help="SysEx file to write.")
@click.option("--base", "base_file", type=click.Path(exists=True, dir_okay=False),
              help="Dump file whose values fill what the JSON leaves out (object i takes the "
                   "i-th dump of its device and kind).")
def encode(json_file: str, output: str, base_file: str | None) -> None:
    """Build SysEx from JSON written by ``decode --json`` (edited or not). A wrong value is
    named by its JSON path; missing sections are an error unless --base supplies them."""
    inputs = [json_file] + ([base_file] if base_file else [])
    check_not_input(output, inputs)
    check_target(output)
    objs = _json_objects(json_file)
    bases = _base_dumps(base_file) if base_file else []
    out = bytearray()
    for i, obj in enumerate(objs):
        where = f"{json_file}: [{i}]" if len(objs) > 1 else json_file
        if "device" not in obj:
            known = ", ".join(d.id for d in registry.devices())
            fail(f"{where}: no 'device' key; expected one of {known}")
        try:
            dev = registry.get(obj["device"])
        except (KeyError, TypeError) as exc:
            fail(f"{where}.device: {exc.args[0] if exc.args else exc}")
        base = _pick_base(bases, obj, i) if bases else None
        if bases and base is None:
            fail(f"{where}: the base file {base_file} holds no {obj['device']} dump")
        try:
            out += _encode_one(dev, obj, base)
        except OptionError as exc:
            fail(f"{where}: {exc}", 2)
        except DeviceError as exc:
            # a driver's JSON-path error (params.ParamError) reads best as one path: [2].params…
            if len(objs) > 1 and hasattr(exc, "under"):
                fail(f"{json_file}: {exc.under(i)}")
            fail(f"{where}: {exc}")
        except (KeyError, TypeError, ValueError, IndexError, AttributeError) as exc:
            # a driver without table-driven checks yet: still one line, never a traceback
            fail(f"{where}: not valid {obj['device']} data ({type(exc).__name__}: {exc})")
    data = bytes(out)
    atomic_write(output, data, inputs=inputs)
    note(f"wrote {describe_data(data, output)} to {output}")


def _options(dev: Any = None, **kw: Any) -> Options:
    # --program as typed goes through the device, which counts it as its panel does (the CZ's
    # "internal:3", "B2", "edit-buffer"); a bad value is a usage error (exit 2)
    if dev is not None and kw.get("program") is not None:
        kw["program"] = run_device(dev.program_option, kw["program"], kw.get("model"))
    return Options(**kw)


def _print_notes(outputs: list[Output], paths: list[Path] | None = None, output: str | None = None) -> None:
    """The drivers' notes, each naming the file the user gets: the path it was written to, or
    the one output file (with the item's number when several went into it)."""
    for k, o in enumerate(outputs):
        if paths is not None:
            where = str(paths[k])
        elif output is not None:
            where = output if len(outputs) == 1 else f"{output} (item {k + 1} of {len(outputs)})"
        else:
            where = o.name
        for text in getattr(o, "notes", ()):
            note(f"note: {where}: {text}")


def _load_dumps(files: tuple[str, ...]) -> list[Dump]:
    got = gather(files)
    return [e.dump for e in got.entries if e.dump is not None]


common_opts = [
    click.option("--program", help="Program / slot, counted as the device's display counts (K-Station 0-49, DTX "
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


def _cut_short(got: Gathered) -> None:
    """Refuse input that holds no whole message of a known device, or a message cut short:
    splitting or fixing it would write a fragment (or a copy of garbage) as if it were a sound."""
    if not any(e.dump is not None for e in got.entries):
        for src in got.sources:
            if not src.data:
                fail(f"{src.path}: the file is empty; nothing written")
        names = ", ".join(s.path for s in got.sources) or "the input"
        said = "; ".join(str(p) for s in got.sources for p in (s.problems + s.stray)[:2])
        fail(f"{names}: no SysEx message of a known device" + (f" ({said})" if said else "")
             + "; nothing written")
    for e in got.entries:
        msg = e.message
        # a message missing only its F7 is whole (the driver says so by reporting nothing
        # else); one the device explains (a handshake capture) is whole too
        if e.dump is not None and not msg.terminated and not e.dump.waived and e.dump.problems:
            said = "; ".join(str(p) for p in e.problems) or "no F7"
            fail(f"{e.source.path}: message {msg.index} at offset {msg.offset} is cut short "
                 f"({said}); nothing written")


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("-o", "--output", required=True, type=click.Path(), help="File to write (never one of the inputs).")
@with_options(common_opts)
def convert(paths, output, device, **kw) -> None:
    """Convert dumps to another form, program, channel or bank (device rules apply).

    --program and --bank count as the device's display counts: K-Station programs 0-49 in
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
    check_not_input(output, paths)
    check_target(output)
    got = gather(paths)
    dev, dumps = dumps_by_device(got.entries, device)
    options = _options(dev, **kw)
    outputs = run_device(dev.convert, dumps, options)
    warn_unused(dev, options)
    _print_notes(outputs, output=output)
    data = b"".join(o.data for o in outputs)
    atomic_write(output, data, inputs=input_files(paths, got))
    note(f"wrote {describe_data(data, output)} to {output}")


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("-o", "--output", required=True, type=click.Path(), help="Folder to write into (made when missing).")
@click.option("--force", is_flag=True, help="Overwrite files of the same names already in the folder.")
@with_options(common_opts)
def split(paths, output, force, device, **kw) -> None:
    """Split banks and bulk dumps into one file per object. Files of the same names already in
    the folder are never overwritten without --force."""
    got = gather(paths)
    _cut_short(got)
    dev, dumps = dumps_by_device(got.entries, device)
    options = _options(dev, **kw)
    outputs = run_device(dev.split, dumps, options)
    warn_unused(dev, options)
    written = write_outputs(outputs, output, directory=True, inputs=input_files(paths, got), force=force)
    _print_notes(outputs, written)
    for p in written:
        console.print(Text(str(p)), highlight=False, soft_wrap=True)
    data = b"".join(o.data for o in outputs)
    note(f"wrote {describe_data(data, output).split(' (')[0]} in {len(written)} file(s) to {output}")


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
    inputs = list(paths) + [p for p in (pad_with, fill_from) if p]
    check_not_input(output, inputs)
    got = gather(paths)
    dev, dumps = dumps_by_device(got.entries, device)
    options = _options(dev, bank_size=bank_size, as_edit_buffer=as_edit_buffer,
                       pad_with=_load_dumps((pad_with,)) if pad_with else None,
                       fill_from=_load_dumps((fill_from,)) if fill_from else None, **kw)
    outputs = run_device(dev.join, dumps, options)
    warn_unused(dev, options)
    _print_notes(outputs, output_paths(outputs, output))
    for o, p in zip(outputs, write_outputs(outputs, output, inputs=input_files(inputs, got)), strict=True):
        console.print(Text(f"wrote {describe_data(o.data, str(p))} to {p}"), highlight=False, soft_wrap=True)


def rebuild(src: SourceFile, replacements: dict[int, bytes]) -> bytes:
    """The file with some messages replaced. A raw file keeps every other byte as it was; other
    forms (hex text, MIDI files, librarian files) come out as raw SysEx."""
    if src.form == "raw":
        out = bytearray()
        pos = 0
        for msg in src.messages:
            if msg.index in replacements:
                out += src.data[pos:msg.offset] + replacements[msg.index]
                pos = msg.offset + len(msg.original)
        return bytes(out + src.data[pos:])
    return b"".join(replacements.get(m.index, m.data) for m in src.messages)


def _single_source(path: str) -> Gathered:
    got = gather((path,))
    if got.unreadable or len(got.sources) != 1:
        fail(f"{path}: expected one readable file")
    return got


@click.command()
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("-o", "--output", required=True, type=click.Path(), help="Repaired file to write (never the input).")
@click.option("--json", "as_json", is_flag=True, help="Print the changes as one JSON object.")
def fix(path, output, as_json) -> None:
    """Repair checksums (and byte counts where the device has them); nothing else changes."""
    check_not_input(output, (path,))
    check_target(output)
    got = _single_source(path)
    _cut_short(got)
    src = got.sources[0]
    replacements, changes = {}, []
    for e in got.entries:
        if e.dump is None:
            continue
        dev = registry.get(e.dump.device)
        result = run_device(dev.fix, e.dump)
        if result is not None:
            data, what = result
            replacements[e.message.index] = data
            changes += [{"index": e.message.index, "offset": e.message.offset, "change": w} for w in what]
    atomic_write(output, rebuild(src, replacements), inputs=(path,))
    if as_json:
        emit_json({"path": path, "output": output, "changes": changes})
    else:
        for c in changes:
            console.print(Text(f"message {c['index']} at offset {c['offset']}: {c['change']}"),
                          highlight=False, soft_wrap=True)
        console.print(Text(f"{len(changes)} change(s); wrote {output}"), highlight=False, soft_wrap=True)


@click.command()
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--name", required=True, help="The new name.")
@click.option("--index", type=INT, help="Which object in the file (0-based; parts of bulk dumps count).")
@click.option("-o", "--output", required=True, type=click.Path(), help="File to write (never the input).")
def rename(path, name, index, output) -> None:
    """Give a patch a new name, where the device stores names."""
    check_not_input(output, (path,))
    check_target(output)
    got = _single_source(path)
    objects = []  # (entry, part index or None)
    for e in got.entries:
        if e.dump is None:
            continue
        # The device says which objects a message holds (a bulk's parts; none for handshake
        # messages), so --index counts patches rather than messages.
        for obj in registry.get(e.dump.device).objects(e.dump):
            part = next((k for k, p in enumerate(e.dump.parts) if p is obj), None)
            objects.append((e, part))
    if not objects:
        fail(f"{path}: no dump of a known device")
    if index is None:
        if len(objects) > 1:
            fail(f"{path} holds {len(objects)} objects; choose one with --index 0..{len(objects) - 1}", 2)
        index = 0
    if not 0 <= index < len(objects):
        fail(f"--index {index} is out of range 0..{len(objects) - 1}", 2)
    entry, part = objects[index]
    dev = registry.get(entry.dump.device)
    try:
        new = run_device(dev.rename, entry.dump, name, Options(index=part))
    except ValueError as exc:
        fail(str(exc))
    atomic_write(output, rebuild(got.sources[0], {entry.message.index: new}), inputs=(path,))
    console.print(Text(f"renamed object {index} to {name!r}; wrote {output}"), highlight=False, soft_wrap=True)


def _flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            out.update(_flatten(v, f"{prefix}.{k}" if prefix else str(k)))
        return out
    if isinstance(value, list):
        out = {}
        for i, v in enumerate(value):
            out.update(_flatten(v, f"{prefix}[{i}]"))
        return out
    return {prefix: value}


@click.command()
@click.argument("a", type=click.Path(exists=True, dir_okay=False))
@click.argument("b", type=click.Path(exists=True, dir_okay=False))
@click.option("--index-a", type=INT, default=0, show_default=True,
              help="Which dump of A to compare (0-based, in file order).")
@click.option("--index-b", type=INT, default=0, show_default=True,
              help="Which dump of B to compare (0-based, in file order).")
@click.option("--json", "as_json", is_flag=True,
              help="Print one JSON object: the differing parameters and whether raw bytes differ.")
def diff(a, b, index_a, index_b, as_json) -> None:
    """Show the parameters that differ between two dumps. Exit code 0: equal, 1: they differ
    (like diff and cmp), 2: usage."""
    sides = []
    for path, idx, opt in ((a, index_a, "--index-a"), (b, index_b, "--index-b")):
        got = gather((path,))
        if got.unreadable:
            fail(f"{path}: could not be read")
        dumps = [e.dump for e in got.entries if e.dump is not None]
        if not dumps:
            fail(f"{path}: no dump of a known device")
        if not 0 <= idx < len(dumps):
            fail(f"{opt} {idx}: {path} has dumps 0..{len(dumps) - 1}", 2)
        sides.append(_decoded(dumps[idx]))
    if sides[0]["device"] != sides[1]["device"]:
        fail(f"cannot compare a {sides[0]['device']} dump with a {sides[1]['device']} dump")
    # parameters only: bytes with no known meaning (raw) would drown what a person changed
    fa, fb = _flatten(without_raw(sides[0]["params"])), _flatten(without_raw(sides[1]["params"]))
    for flat, side in ((fa, sides[0]), (fb, sides[1])):
        # the name is a parameter to a person, even where a driver keeps it outside params
        if "name" not in flat and (sides[0]["name"] or sides[1]["name"]):
            flat["name"] = side["name"]
    changed = [{"param": k, "a": fa.get(k), "b": fb.get(k)}
               for k in sorted(set(fa) | set(fb)) if fa.get(k) != fb.get(k)]
    full_a, full_b = _flatten(sides[0]["params"]), _flatten(sides[1]["params"])
    raw_keys = (set(full_a) - set(fa)) | (set(full_b) - set(fb))
    raw_differs = any(full_a.get(k) != full_b.get(k) for k in raw_keys)
    if as_json:
        emit_json({"a": a, "b": b, "differ": len(changed), "parameters": changed,
                   "raw_differs": raw_differs})
    else:
        for c in changed:
            console.print(Text(f"{c['param']}: {c['a']} -> {c['b']}"), highlight=False, soft_wrap=True)
        word = "parameter differs" if len(changed) == 1 else "parameters differ"
        console.print(Text(f"{len(changed)} {word}"), highlight=False, soft_wrap=True)
        if raw_differs:
            console.print(Text("bytes with no known meaning (raw) differ too; "
                               "decode --raw shows them"), highlight=False, soft_wrap=True)
    raise SystemExit(1 if changed or raw_differs else 0)


@click.command(name="devices")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON array: id, title, models.")
def devices_cmd(as_json) -> None:
    """List the device drivers syxkit knows, with the models each one covers."""
    rows = [{"id": d.id, "title": d.title, "models": list(d.models)} for d in registry.devices()]
    if as_json:
        emit_json(rows)
        return
    for r in rows:
        # each model once: the title often names them already
        extra = [m for m in r["models"] if m not in r["title"]]
        line = f"{r['id']:20} {r['title']}" + (f"  (also {', '.join(extra)})" if extra else "")
        console.print(Text(line), highlight=False, soft_wrap=True)


COMMANDS = [decode, encode, convert, split, join, fix, rename, diff, devices_cmd]
