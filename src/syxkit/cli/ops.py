"""The operations that device drivers fill: decode, encode, convert, split, join, fix, rename,
diff. Each gathers the dumps from the input, hands them to their device and writes the result
atomically; the device code knows nothing of files or terminals."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
from rich.tree import Tree

from syxkit.cli.common import (
    INT,
    console,
    dumps_by_device,
    emit_json,
    err_console,
    fail,
    gather,
    run_device,
    warn_unused,
    with_options,
    write_outputs,
)
from syxkit.core.fileio import atomic_write
from syxkit.core.readers import SourceFile
from syxkit.devices import registry
from syxkit.devices.base import Dump, Options

device_option = click.option("--device", help="Device id, when the input is ambiguous.")


def _decoded(dump: Dump) -> dict[str, Any]:
    dev = registry.get(dump.device)
    params = run_device(dev.decode, dump)
    return {
        "device": dump.device, "kind": dump.kind, "model": dump.model, "channel": dump.channel,
        "bank": dump.bank, "program": dump.program, "slot": dump.slot, "name": dump.name,
        "params": params,
    }


def _tree(label: str, value: Any, tree: Tree | None = None) -> Tree:
    node = Tree(label) if tree is None else tree.add(label)
    if isinstance(value, dict):
        scalars = {k: v for k, v in value.items() if not isinstance(v, (dict, list))}
        if scalars:
            node.add(", ".join(f"{k}={v}" for k, v in scalars.items()))
        for k, v in value.items():
            if isinstance(v, (dict, list)):
                _tree(str(k), v, node)
    elif isinstance(value, list):
        if all(not isinstance(v, (dict, list)) for v in value):
            node.add(" ".join(str(v) for v in value))
        else:
            for i, v in enumerate(value):
                _tree(f"[{i}]", v, node)
    else:
        node.add(str(value))
    return node


@click.command()
@click.option("--json", "as_json", is_flag=True, help="One JSON object per dump.")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
def decode(as_json: bool, paths: tuple[str, ...]) -> None:
    """Decode every dump in PATHS into named parameters."""
    got = gather(paths)
    objects = [_decoded(e.dump) for e in got.entries if e.dump is not None]
    if not objects:
        fail("nothing decodable in the input")
    if as_json:
        emit_json(objects)
    else:
        for obj in objects:
            label = f"{obj['device']} {obj['kind']}" + (f" '{obj['name']}'" if obj["name"] else "")
            if obj["slot"]:
                label += f" @ {obj['slot']}"
            console.print(_tree(label, obj["params"]))
    raise SystemExit(1 if got.unreadable else 0)


@click.command()
@click.argument("json_file", type=click.Path(exists=True, dir_okay=False))
@click.option("-o", "--output", required=True, type=click.Path(), help="SysEx file to write.")
def encode(json_file: str, output: str) -> None:
    """Build SysEx from JSON written by ``decode --json`` (edited or not)."""
    try:
        objs = json.loads(Path(json_file).read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        fail(f"{json_file}: not readable JSON: {exc}")
    if isinstance(objs, dict):
        objs = [objs]
    out = bytearray()
    for i, obj in enumerate(objs):
        if not isinstance(obj, dict) or "device" not in obj:
            fail(f"{json_file}: object {i} has no 'device' field")
        try:
            dev = registry.get(obj["device"])
        except KeyError as exc:
            fail(f"{json_file}: object {i}: {exc.args[0]}")
        try:
            out += run_device(dev.encode, obj)
        except (KeyError, TypeError, ValueError) as exc:
            fail(f"{json_file}: object {i}: {exc}")
    atomic_write(output, bytes(out))
    err_console.print(f"wrote {len(objs)} dump(s), {len(out)} bytes to {output}")


def _options(**kw: Any) -> Options:
    return Options(**kw)


def _print_notes(outputs) -> None:
    for o in outputs:
        for note in getattr(o, "notes", ()):
            err_console.print(f"note: {o.name}: {note}", highlight=False, markup=False)


def _load_dumps(files: tuple[str, ...]) -> list[Dump]:
    got = gather(files)
    return [e.dump for e in got.entries if e.dump is not None]


common_opts = [
    click.option("--program", type=INT, help="Program / slot address (decimal or 0x hex)."),
    click.option("--channel", type=click.IntRange(1, 16), help="MIDI channel 1-16."),
    click.option("--bank", type=INT, help="Bank number where the device has banks."),
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
@click.option("-o", "--output", required=True, type=click.Path(), help="File to write.")
@with_options(common_opts)
def convert(paths, output, device, **kw) -> None:
    """Convert dumps to another form, program, channel or bank (device rules apply)."""
    got = gather(paths)
    dev, dumps = dumps_by_device(got.entries, device)
    options = _options(**kw)
    outputs = run_device(dev.convert, dumps, options)
    warn_unused(dev, options)
    _print_notes(outputs)
    data = b"".join(o.data for o in outputs)
    atomic_write(output, data)
    err_console.print(f"wrote {len(outputs)} item(s), {len(data)} bytes to {output}")


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("-o", "--output", required=True, type=click.Path(file_okay=False), help="Folder to write into.")
@with_options(common_opts)
def split(paths, output, device, **kw) -> None:
    """Split banks and bulk dumps into one file per object."""
    got = gather(paths)
    dev, dumps = dumps_by_device(got.entries, device)
    options = _options(**kw)
    outputs = run_device(dev.split, dumps, options)
    warn_unused(dev, options)
    _print_notes(outputs)
    Path(output).mkdir(parents=True, exist_ok=True)
    written = write_outputs(outputs, output, directory=True)
    for p in written:
        console.print(str(p), highlight=False)
    err_console.print(f"wrote {len(written)} file(s) to {output}")


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
    got = gather(paths)
    dev, dumps = dumps_by_device(got.entries, device)
    options = _options(bank_size=bank_size, as_edit_buffer=as_edit_buffer,
                       pad_with=_load_dumps((pad_with,)) if pad_with else None,
                       fill_from=_load_dumps((fill_from,)) if fill_from else None, **kw)
    outputs = run_device(dev.join, dumps, options)
    warn_unused(dev, options)
    _print_notes(outputs)
    for p in write_outputs(outputs, output):
        console.print(f"{p}  ({p.stat().st_size} bytes)", highlight=False)


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


def _single_source(path: str):
    got = gather((path,))
    if got.unreadable or len(got.sources) != 1:
        fail(f"{path}: expected one readable file")
    return got


@click.command()
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("-o", "--output", required=True, type=click.Path(), help="Repaired file to write.")
@click.option("--json", "as_json", is_flag=True)
def fix(path, output, as_json) -> None:
    """Repair checksums (and byte counts where the device has them); nothing else changes."""
    got = _single_source(path)
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
    atomic_write(output, rebuild(src, replacements))
    if as_json:
        emit_json({"path": path, "output": output, "changes": changes})
    else:
        for c in changes:
            console.print(f"message {c['index']} at offset {c['offset']}: {c['change']}", highlight=False)
        console.print(f"{len(changes)} change(s); wrote {output}", highlight=False)


@click.command()
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--name", required=True, help="The new name.")
@click.option("--index", type=INT, help="Which object in the file (0-based; parts of bulk dumps count).")
@click.option("-o", "--output", required=True, type=click.Path())
def rename(path, name, index, output) -> None:
    """Give a patch a new name, where the device stores names."""
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
        new = dev.rename(entry.dump, name, Options(index=part))
    except ValueError as exc:
        fail(str(exc))
    except Exception as exc:
        from syxkit.devices.base import DeviceError
        if isinstance(exc, DeviceError):
            fail(str(exc))
        raise
    atomic_write(output, rebuild(got.sources[0], {entry.message.index: new}))
    console.print(f"renamed object {index} to {name!r}; wrote {output}", highlight=False)


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
@click.option("--index-a", type=INT, default=0, show_default=True)
@click.option("--index-b", type=INT, default=0, show_default=True)
@click.option("--json", "as_json", is_flag=True)
def diff(a, b, index_a, index_b, as_json) -> None:
    """Show the parameters that differ between two dumps."""
    sides = []
    for path, idx in ((a, index_a), (b, index_b)):
        dumps = [e.dump for e in gather((path,)).entries if e.dump is not None]
        if not 0 <= idx < len(dumps):
            fail(f"{path}: no dump number {idx} (it has {len(dumps)})")
        sides.append(_decoded(dumps[idx]))
    fa, fb = _flatten(sides[0]["params"]), _flatten(sides[1]["params"])
    changed = [{"param": k, "a": fa.get(k), "b": fb.get(k)} for k in sorted(set(fa) | set(fb)) if fa.get(k) != fb.get(k)]
    if sides[0]["device"] != sides[1]["device"]:
        fail(f"cannot compare a {sides[0]['device']} dump with a {sides[1]['device']} dump")
    if as_json:
        emit_json(changed)
    else:
        for c in changed:
            console.print(f"{c['param']}: {c['a']} -> {c['b']}", highlight=False)
        console.print(f"{len(changed)} parameter(s) differ", highlight=False)


@click.command(name="devices")
@click.option("--json", "as_json", is_flag=True)
def devices_cmd(as_json) -> None:
    """List the device drivers syxkit knows."""
    rows = [{"id": d.id, "title": d.title, "models": list(d.models)} for d in registry.devices()]
    if as_json:
        emit_json(rows)
    else:
        for r in rows:
            console.print(f"{r['id']:20} {r['title']}  ({', '.join(r['models'])})", highlight=False)


COMMANDS = [decode, encode, convert, split, join, fix, rename, diff, devices_cmd]
