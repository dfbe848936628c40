"""File operations, once for both faces: load and gather dumps, decode, encode, convert,
split, join, fix, rename, diff, and what written bytes hold.

Plain functions: they take paths, bytes and options, write atomically where they write, and
return what they did as data (:class:`Written`, :class:`Fixed`, :class:`Diffed` …). They never
print and never exit: a refusal is a :class:`DeviceError` (a failed file or device), an
:class:`OptionError` (a bad option value: a usage error) or an :class:`OutputError` (a file
that cannot or must not be written). A face renders the results; the device code knows nothing
of files or faces.

Only light modules are imported here (``syxkit info`` starts through the CLI helpers that use
this module): drivers are reached through the registry, when a dump names them.
"""

from __future__ import annotations

import inspect as _inspect
import json
import os
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from syxkit.core.fileio import OutputError, atomic_write, check_not_input, check_target
from syxkit.core.readers import SourceFile
from syxkit.devices import registry
from syxkit.devices.base import Device, DeviceError, Dump, OptionError, Options, Output
from syxkit.inspect import Entry, entries, load, load_bytes

Say = Callable[[str], None]


def _quiet(text: str) -> None:
    """The default for ``say``: a caller that does not listen hears nothing."""


# -- loading -------------------------------------------------------------------------------------
@dataclass
class Gathered:
    """Every file read from the given paths: readable ones, their entries, unreadable ones."""

    sources: list[SourceFile]
    entries: list[Entry]
    unreadable: list[SourceFile]

    @property
    def dumps(self) -> list[Dump]:
        """The dumps of a known device, in file order."""
        return [e.dump for e in self.entries if e.dump is not None]


def gather(paths: Iterable[str | os.PathLike], say: Say = _quiet) -> Gathered:
    """Read files, folders and zips; ``say`` hears ``error: PATH: WHY`` for each file that
    cannot be read (the face shows it; reading goes on)."""
    sources, found, bad = [], [], []
    for src in load([os.fspath(p) for p in paths]):
        if src.error:
            bad.append(src)
            say(f"error: {src.path}: {src.error}")
            continue
        sources.append(src)
        found.extend(entries(src))
    return Gathered(sources, found, bad)


def single_source(path: str, say: Say = _quiet) -> Gathered:
    """One readable file (fix and rename work on exactly one)."""
    got = gather((path,), say)
    if got.unreadable or len(got.sources) != 1:
        raise DeviceError(f"{path}: expected one readable file")
    return got


def device(device_id: str) -> Device:
    """The driver for ``device_id``; an unknown id is a usage error that lists the known ones."""
    try:
        return registry.get(device_id)
    except KeyError as exc:
        raise OptionError(str(exc.args[0])) from None


def dumps_by_device(found: list[Entry], device_id: str | None = None) -> tuple[Device, list[Dump]]:
    """The one device the dumps belong to (or the one named), with its dumps."""
    known = [e for e in found if e.dump is not None]
    if device_id:
        dev = device(device_id)
        dumps = [e.dump for e in known if e.dump.device == dev.id]
    else:
        ids = sorted({e.dump.device for e in known})
        if not ids:
            raise DeviceError("no message of a known device in the input")
        if len(ids) > 1:
            raise OptionError(f"the input holds dumps of several devices ({', '.join(ids)}); "
                              "name one with --device")
        dev = registry.get(ids[0])
        dumps = [e.dump for e in known]
    if not dumps:
        raise DeviceError(f"no {dev.id} dump in the input")
    return dev, dumps


def input_files(paths: Iterable[str | os.PathLike], got: Gathered | None = None) -> list[str]:
    """The files the user gave (and those read from given folders): what an output must never be."""
    found = [os.fspath(p) for p in paths]
    if got is not None:
        found += [s.path for s in got.sources + got.unreadable]
    return found


def require_whole(got: Gathered) -> None:
    """Refuse input that holds no whole message of a known device, or a message cut short:
    splitting or fixing it would write a fragment (or a copy of garbage) as if it were a sound."""
    if not any(e.dump is not None for e in got.entries):
        for src in got.sources:
            if not src.data:
                raise DeviceError(f"{src.path}: the file is empty; nothing written")
        names = ", ".join(s.path for s in got.sources) or "the input"
        said = "; ".join(str(p) for s in got.sources for p in (s.problems + s.stray)[:2])
        raise DeviceError(f"{names}: no SysEx message of a known device"
                          + (f" ({said})" if said else "") + "; nothing written")
    for e in got.entries:
        msg = e.message
        # a message missing only its F7 is whole (the driver says so by reporting nothing
        # else); one the device explains (a handshake capture) is whole too
        if e.dump is not None and not msg.terminated and not e.dump.waived and e.dump.problems:
            said = "; ".join(str(p) for p in e.problems) or "no F7"
            raise DeviceError(f"{e.source.path}: message {msg.index} at offset {msg.offset} is "
                              f"cut short ({said}); nothing written")


# -- writing -------------------------------------------------------------------------------------
def output_paths(outputs: list[Output], out: str | os.PathLike, *, directory: bool = False) -> list[Path]:
    """Where each output goes: one output to ``out``; several next to it as ``<stem>-<name>``
    (or into ``out`` when it is a folder). Two outputs never get one path: a repeated name gets
    ``-2``, ``-3`` … so no output silently replaces another of the same run."""
    target = Path(out)
    if directory or target.is_dir():
        paths = [target / o.name for o in outputs]
    elif len(outputs) == 1:
        paths = [target]
    else:
        paths = []
        for o in outputs:
            name = Path(o.name)
            paths.append(target.with_name(f"{target.stem}-{name.stem}{name.suffix or target.suffix}"))
    seen: dict[Path, int] = {}
    unique = []
    for p in paths:
        n = seen.get(p, 0) + 1
        seen[p] = n
        unique.append(p if n == 1 else p.with_name(f"{p.stem}-{n}{p.suffix}"))
    return unique


def write_outputs(outputs: list[Output], out: str | os.PathLike, *, directory: bool = False,
                  inputs: Iterable[str | os.PathLike] = (), force: bool = True) -> list[Path]:
    """Write the outputs (see :func:`output_paths`). Every target is checked before the first
    is written: none may be an input file, and with ``force=False`` none may exist yet (the
    error names them). Raises :class:`OutputError`."""
    inputs = list(inputs)
    out = os.fspath(out)
    if directory and Path(out).exists() and not Path(out).is_dir():
        raise OutputError(out, "is a file, not a folder")
    paths = output_paths(outputs, out, directory=directory)
    for p in paths:
        check_not_input(p, inputs)
        check_target(p)
    if not force:
        existing = [p for p in paths if p.exists() or p.is_symlink()]
        if existing:
            shown = ", ".join(str(p.name) for p in existing[:5])
            more = f" and {len(existing) - 5} more" if len(existing) > 5 else ""
            where = out if directory else str(Path(out).parent)
            raise OutputError(where, f"already holds {len(existing)} of the files to write "
                                     f"({shown}{more}); use --force to overwrite them, or "
                                     "another folder")
    return [atomic_write(p, o.data, inputs=inputs) for p, o in zip(paths, outputs, strict=True)]


def write_file(output: str | os.PathLike, data: bytes, inputs: Iterable[str | os.PathLike] = ()) -> Path:
    """Write one file atomically (never onto an input). Raises :class:`OutputError`."""
    return atomic_write(output, data, inputs=inputs)


def check_output(output: str | os.PathLike, inputs: Iterable[str | os.PathLike]) -> None:
    """Refuse an output that is an input or that cannot be written, before any work."""
    check_not_input(output, list(inputs))
    check_target(output)


# -- what bytes hold -----------------------------------------------------------------------------
def _plural(count: int, word: str) -> str:
    if count == 1:
        return f"1 {word}"
    return f"{count} {word if word.endswith('s') else word + 's'}"


def kind_counts(data: bytes, name: str = "output") -> Counter[str]:
    """How many objects of each kind the bytes hold, read back the way ``info`` reads them
    ("message" for a message of no known device)."""
    kinds: Counter[str] = Counter()
    for src in load_bytes(data, name):
        for e in entries(src):
            if e.dump is None:
                kinds["message"] += 1
            else:
                for obj in registry.get(e.dump.device).objects(e.dump):
                    kinds[obj.kind] += 1
    return kinds


def describe_data(data: bytes, name: str = "output") -> str:
    """What bytes about to be written hold, in words ("16 tones", "1 voice, 2 operation-
    memories"), read back the way ``info`` reads them so the count is of what is really there."""
    kinds = kind_counts(data, name)
    if not kinds:
        return f"{len(data):,} bytes"
    words = [_plural(n, k.replace("memory", "memorie") if n > 1 and k.endswith("memory") else k)
             for k, n in kinds.items()]
    return f"{', '.join(words)} ({len(data):,} bytes)"


# -- decode / diff -------------------------------------------------------------------------------
def decoded(dump: Dump) -> dict[str, Any]:
    """A dump as ``decode --json`` writes it (and ``encode`` takes back)."""
    params = registry.get(dump.device).decode(dump)
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


@dataclass
class Decoded:
    entry: Entry  # where the dump was found (file, message)
    object: dict[str, Any]  # as ``decode --json`` writes it


@dataclass
class DecodeResult:
    items: list[Decoded]
    unreadable: list[SourceFile]


def decode(paths: Iterable[str | os.PathLike], say: Say = _quiet) -> DecodeResult:
    """Every dump in the files, decoded to panel values. Raises DeviceError when nothing is
    decodable."""
    got = gather(paths, say)
    found = [e for e in got.entries if e.dump is not None]
    items = [Decoded(e, decoded(e.dump)) for e in found]
    if not items:
        raise DeviceError("nothing decodable in the input")
    return DecodeResult(items, got.unreadable)


def flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    """Nested params as ``a.b[2].c`` -> value."""
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            out.update(flatten(v, f"{prefix}.{k}" if prefix else str(k)))
        return out
    if isinstance(value, list):
        out = {}
        for i, v in enumerate(value):
            out.update(flatten(v, f"{prefix}[{i}]"))
        return out
    return {prefix: value}


@dataclass
class Diffed:
    a: str
    b: str
    parameters: list[dict[str, Any]]  # {param, a, b}, by parameter path
    raw_differs: bool  # bytes with no known meaning differ

    @property
    def equal(self) -> bool:
        return not self.parameters and not self.raw_differs

    def to_json(self) -> dict[str, Any]:
        return {"a": self.a, "b": self.b, "differ": len(self.parameters),
                "parameters": self.parameters, "raw_differs": self.raw_differs}


def diff_objects(a: dict[str, Any], b: dict[str, Any], *, name_a: str = "a",
                 name_b: str = "b") -> Diffed:
    """The parameters that differ between two decoded objects (as :func:`decoded` gives)."""
    if a["device"] != b["device"]:
        raise DeviceError(f"cannot compare a {a['device']} dump with a {b['device']} dump")
    # parameters only: bytes with no known meaning (raw) would drown what a person changed
    fa, fb = flatten(without_raw(a["params"])), flatten(without_raw(b["params"]))
    for flat, side in ((fa, a), (fb, b)):
        # the name is a parameter to a person, even where a driver keeps it outside params
        if "name" not in flat and (a["name"] or b["name"]):
            flat["name"] = side["name"]
    changed = [{"param": k, "a": fa.get(k), "b": fb.get(k)}
               for k in sorted(set(fa) | set(fb)) if fa.get(k) != fb.get(k)]
    full_a, full_b = flatten(a["params"]), flatten(b["params"])
    raw_keys = (set(full_a) - set(fa)) | (set(full_b) - set(fb))
    raw_differs = any(full_a.get(k) != full_b.get(k) for k in raw_keys)
    return Diffed(name_a, name_b, changed, raw_differs)


def diff(a: str, b: str, number_a: int = 1, number_b: int = 1) -> Diffed:
    """Compare object ``number_a`` of file A with object ``number_b`` of file B, counted from 1
    as ``--index-a``/``--index-b`` take them; the parts of a bulk dump count (as ``rename``,
    ``get`` and ``set`` count), so a bulk's open/close handshakes are never what is compared."""
    from syxkit.ops.edit import position

    sides = []
    for path, number, opt in ((a, number_a, "--index-a"), (b, number_b, "--index-b")):
        got = gather((path,))
        if got.unreadable:
            raise DeviceError(f"{path}: could not be read")
        objects = [obj for d in got.dumps for obj in registry.get(d.device).objects(d)]
        if not objects:
            raise DeviceError(f"{path}: no dump of a known device")
        sides.append(decoded(objects[position(len(objects), number, path, opt)]))
    return diff_objects(sides[0], sides[1], name_a=a, name_b=b)


# -- encode --------------------------------------------------------------------------------------
def _read_json(path: str, what: str = "JSON") -> Any:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DeviceError(f"{path}: not readable {what}: {exc}") from None


def json_objects(path: str) -> list[dict[str, Any]]:
    """The objects of a ``decode --json`` file: one object or a non-empty list of objects."""
    return _objects(_read_json(path), path)


def _objects(objs: Any, path: str) -> list[dict[str, Any]]:
    if isinstance(objs, dict):
        return [objs]
    if not isinstance(objs, list):
        raise DeviceError(f"{path}: top level: expected an object or a list of objects (as "
                          f"decode --json writes), got "
                          f"{type(objs).__name__ if objs is not None else 'null'}")
    if not objs:
        raise DeviceError(f"{path}: top level: the list is empty; expected at least one object "
                          "(as decode --json writes)")
    for i, obj in enumerate(objs):
        if not isinstance(obj, dict):
            raise DeviceError(f"{path}: [{i}]: expected an object, got {json.dumps(obj)[:40]}")
    return objs


def base_dumps(path: str) -> list[Dump]:
    """The objects of a base file, whose values fill what encode's JSON leaves out."""
    got = gather((path,))
    if got.unreadable:
        raise DeviceError(f"{path}: the base file could not be read")
    dumps = [o for d in got.dumps for o in registry.get(d.device).objects(d)]
    if not dumps:
        raise DeviceError(f"{path}: no dump of a known device to take missing values from")
    return dumps


def pick_base(bases: list[Dump], obj: dict[str, Any], i: int) -> Dump | None:
    """The base dump for object ``i``: the i-th of its device and kind, else the first."""
    same = [d for d in bases if d.device == obj.get("device") and d.kind == obj.get("kind")]
    same = same or [d for d in bases if d.device == obj.get("device")]
    if not same:
        return None
    return same[i] if i < len(same) else same[0]


def _encode_one(dev: Device, obj: dict[str, Any], base: Dump | None) -> bytes:
    if base is None:
        return dev.encode(obj)
    try:
        takes_base = "base" in _inspect.signature(dev.encode).parameters
    except (TypeError, ValueError):
        takes_base = False
    if not takes_base:
        raise OptionError(f"{dev.id}: encode cannot fill missing values from a base dump yet")
    return dev.encode(obj, base=base)


def encode_objects(objs: list[dict[str, Any]], where: str = "input",
                   bases: list[Dump] | None = None, base_name: str = "the base") -> bytes:
    """SysEx from decoded objects (edited or not). Errors name the object by its place in
    ``where`` (``FILE: [i]``) and a wrong value by its JSON path."""
    out = bytearray()
    for i, obj in enumerate(objs):
        here = f"{where}: [{i}]" if len(objs) > 1 else where
        if "device" not in obj:
            known = ", ".join(d.id for d in registry.devices())
            raise DeviceError(f"{here}: no 'device' key; expected one of {known}")
        try:
            dev = registry.get(obj["device"])
        except (KeyError, TypeError) as exc:
            raise DeviceError(f"{here}.device: {exc.args[0] if exc.args else exc}") from None
        base = pick_base(bases, obj, i) if bases else None
        if bases and base is None:
            raise DeviceError(f"{here}: the base file {base_name} holds no {obj['device']} dump")
        try:
            out += _encode_one(dev, obj, base)
        except OptionError as exc:
            raise OptionError(f"{here}: {exc}") from None
        except DeviceError as exc:
            # a driver's JSON-path error (params.ParamError) reads best as one path: [2].params…
            if len(objs) > 1 and hasattr(exc, "under"):
                raise DeviceError(f"{where}: {exc.under(i)}") from None
            raise DeviceError(f"{here}: {exc}") from None
        except (KeyError, TypeError, ValueError, IndexError, AttributeError) as exc:
            # a driver without table-driven checks yet: still one line, never a traceback
            raise DeviceError(f"{here}: not valid {obj['device']} data "
                              f"({type(exc).__name__}: {exc})") from None
    return bytes(out)


@dataclass
class Written:
    """What an operation wrote: the files, the bytes, and what the driver said."""

    paths: list[Path]  # every file written, in order
    outputs: list[Output]  # what the driver made, in order (several may go into one file)
    data: bytes  # every output's bytes, in order
    description: str = ""  # what the bytes hold, in words (describe_data)
    notes: list[tuple[str, str]] = field(default_factory=list)  # (the file named, the driver's note)
    unused: list[str] = field(default_factory=list)  # options that had no effect (their keys)
    device: str | None = None
    # outputs left unwritten because they came out damaged (a part of a cut-short bulk):
    # (the name it would have had, what is wrong with it); the faces say so and fail
    skipped: list[tuple[str, str]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"device": self.device, "files": [str(p) for p in self.paths],
                "bytes": len(self.data), "holds": self.description,
                "notes": [{"file": w, "note": t} for w, t in self.notes],
                "unused_options": self.unused,
                "not_written": [{"file": n, "problem": t} for n, t in self.skipped]}


def encode(json_file: str, output: str, base_file: str | None = None) -> Written:
    """Build SysEx from JSON written by ``decode --json`` and write it to ``output``."""
    inputs = [json_file] + ([base_file] if base_file else [])
    check_output(output, inputs)
    objs = json_objects(json_file)
    bases = base_dumps(base_file) if base_file else []
    data = encode_objects(objs, json_file, bases, base_file or "")
    path = atomic_write(output, data, inputs=inputs)
    return Written([path], [Output(Path(output).name, data)], data, describe_data(data, output))


# -- convert / split / join ----------------------------------------------------------------------
def driver_notes(outputs: list[Output], paths: list[Path] | None = None,
                 output: str | None = None) -> list[tuple[str, str]]:
    """The drivers' notes, each naming the file the user gets: the path it was written to, or
    the one output file (with the item's number when several went into it)."""
    out = []
    for k, o in enumerate(outputs):
        if paths is not None:
            where = str(paths[k])
        elif output is not None:
            where = output if len(outputs) == 1 else f"{output} (item {k + 1} of {len(outputs)})"
        else:
            where = o.name
        out += [(where, str(text)) for text in getattr(o, "notes", ())]
    return out


def driver_options(dev: Device, values: dict[str, Any] | None = None, **more: Any) -> Options:
    """The driver's Options from option values. ``program`` as the user typed it (text) goes
    through the device, which counts it as its panel does (the CZ's "internal:3", "B2",
    "edit-buffer"); a bad value is an OptionError. A number is taken as it is."""
    values = dict(values or {}, **more)
    if isinstance(values.get("program"), str):
        values["program"] = dev.program_option(values["program"], values.get("model"))
    return Options(**values)


def convert(paths: Iterable[str], output: str, options: dict[str, Any] | None = None, *,
            device_id: str | None = None, say: Say = _quiet) -> Written:
    """Convert every dump of one device in ``paths`` (another form, program, channel, bank:
    the device's rules) into the one file ``output``."""
    paths = list(paths)
    check_output(output, paths)
    got = gather(paths, say)
    dev, dumps = dumps_by_device(got.entries, device_id)
    options = driver_options(dev, options)
    outputs = dev.convert(dumps, options)
    data = b"".join(o.data for o in outputs)
    notes = driver_notes(outputs, output=output)
    path = atomic_write(output, data, inputs=input_files(paths, got))
    return Written([path], outputs, data, describe_data(data, output), notes,
                   list(options.unused()), dev.id)


def split(paths: Iterable[str], folder: str, options: dict[str, Any] | None = None, *,
          device_id: str | None = None, force: bool = False, say: Say = _quiet) -> Written:
    """One file per object in ``folder`` (file names start with the source's stem and the slot
    number). Files of the same names already there are refused unless ``force``."""
    paths = list(paths)
    got = gather(paths, say)
    require_whole(got)
    dev, dumps = dumps_by_device(got.entries, device_id)
    options = driver_options(dev, options)
    outputs, skipped = [], []
    for o in dev.split(dumps, options):
        wrong = damage(o.data)
        if wrong:
            skipped.append((o.name, wrong))
        else:
            outputs.append(o)
    written = write_outputs(outputs, folder, directory=True, inputs=input_files(paths, got),
                            force=force)
    data = b"".join(o.data for o in outputs)
    return Written(written, outputs, data, describe_data(data, folder).split(" (")[0],
                   driver_notes(outputs, written), list(options.unused()), dev.id, skipped)


def damage(data: bytes) -> str:
    """What is wrong with bytes an operation made, read back as any file is read ("" when
    nothing): a split part of a damaged bulk must not be written as if it were a sound."""
    said = []
    for src in load_bytes(data, "output"):
        said += [str(p) for p in src.stray]
        for e in entries(src):
            said += [str(p) for p in e.problems]
    return "; ".join(dict.fromkeys(said))  # stray bytes are told by both: once is enough


def load_dumps(path: str, say: Say = _quiet) -> list[Dump]:
    """The dumps of a file given as a filler (``--pad-with``, ``--fill-from``)."""
    return gather((path,), say).dumps


def join(paths: Iterable[str], output: str, options: dict[str, Any] | None = None, *,
         device_id: str | None = None, pad_with: str | None = None, fill_from: str | None = None,
         say: Say = _quiet) -> Written:
    """Single dumps into banks / bulk dumps, in the device's order and addressing; several
    files go next to ``output`` as OUT-<name>. ``pad_with``/``fill_from`` are files whose
    dumps fill missing slots. ``options``: the driver's options (program, bank, bank_size …)."""
    paths = list(paths)
    inputs = paths + [p for p in (pad_with, fill_from) if p]
    check_not_input(output, inputs)
    got = gather(paths, say)
    dev, dumps = dumps_by_device(got.entries, device_id)
    options = driver_options(dev, options,
                             pad_with=load_dumps(pad_with, say) if pad_with else None,
                             fill_from=load_dumps(fill_from, say) if fill_from else None)
    outputs = dev.join(dumps, options)
    notes = driver_notes(outputs, output_paths(outputs, output))
    written = write_outputs(outputs, output, inputs=input_files(inputs, got))
    data = b"".join(o.data for o in outputs)
    return Written(written, outputs, data, describe_data(data, output), notes,
                   list(options.unused()), dev.id)


# -- fix / rename --------------------------------------------------------------------------------
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


@dataclass
class Fixed:
    path: str
    output: str
    data: bytes  # what was written
    changes: list[dict[str, Any]]  # {index, offset, change}

    def to_json(self) -> dict[str, Any]:
        return {"path": self.path, "output": self.output, "changes": self.changes}


def fix_source(got: Gathered) -> tuple[bytes, list[dict[str, Any]]]:
    """The one file of ``got`` with checksums (and byte counts) repaired, and the changes."""
    require_whole(got)
    replacements, changes = {}, []
    for e in got.entries:
        if e.dump is None:
            continue
        result = registry.get(e.dump.device).fix(e.dump)
        if result is not None:
            data, what = result
            replacements[e.message.index] = data
            changes += [{"index": e.message.index, "offset": e.message.offset, "change": w}
                        for w in what]
    return rebuild(got.sources[0], replacements), changes


def fix(path: str, output: str, say: Say = _quiet) -> Fixed:
    """Repair checksums (and byte counts where the device has them); nothing else changes."""
    check_output(output, (path,))
    got = single_source(path, say)
    data, changes = fix_source(got)
    atomic_write(output, data, inputs=(path,))
    return Fixed(path, output, data, changes)


@dataclass
class Renamed:
    path: str
    output: str
    number: int  # which object, counted from 1 as --index takes it (parts of bulk dumps count)
    name: str  # the name asked for
    data: bytes  # what was written


def rename_source(got: Gathered, path: str, name: str, number: int | None) -> tuple[int, bytes]:
    """The one file of ``got`` with object ``number`` (counted from 1, as ``--index`` takes it;
    None: the only one) renamed: (number, the file's new bytes)."""
    from syxkit.ops.edit import position

    objects = []  # (entry, part index or None)
    for e in got.entries:
        if e.dump is None:
            continue
        # The device says which objects a message holds (a bulk's parts; none for handshake
        # messages), so the index counts patches rather than messages.
        for obj in registry.get(e.dump.device).objects(e.dump):
            part = next((k for k, p in enumerate(e.dump.parts) if p is obj), None)
            objects.append((e, part))
    if not objects:
        raise DeviceError(f"{path}: no dump of a known device")
    index = position(len(objects), number, path)
    entry, part = objects[index]
    dev = registry.get(entry.dump.device)
    try:
        new = dev.rename(entry.dump, name, Options(index=part))
    except ValueError as exc:
        raise DeviceError(str(exc)) from None
    return index + 1, rebuild(got.sources[0], {entry.message.index: new})


def rename(path: str, name: str, output: str, number: int | None = None,
           say: Say = _quiet) -> Renamed:
    """Give object ``number`` of the file (counted from 1) a new name, where the device stores
    names."""
    check_output(output, (path,))
    got = single_source(path, say)
    number, data = rename_source(got, path, name, number)
    atomic_write(output, data, inputs=(path,))
    return Renamed(path, output, number, name, data)


# -- devices -------------------------------------------------------------------------------------
def device_rows() -> list[dict[str, Any]]:
    """Every driver: id, title, models."""
    return [{"id": d.id, "title": d.title, "models": list(d.models)} for d in registry.devices()]
