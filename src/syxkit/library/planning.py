"""Understanding one file for the library, without touching the database: every sound
object in it, with its fingerprint, name, payload and messages, and every problem met.

This is the part of an import that costs CPU (reading, framing, the drivers), so it runs in
worker processes when there are several files (see importer.py); it therefore only returns
plain data. Every driver call is guarded: a driver that trips over a file gives that file a
problem, never a crash.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from syxkit.core.framing import frame
from syxkit.core.manufacturers import manufacturer_name
from syxkit.core.message import Message
from syxkit.core.readers import MAX_FILE_BYTES, ForeignReader, SourceFile, read_bytes
from syxkit.devices import registry
from syxkit.devices.base import Device, Dump, Options, Unsupported
from syxkit.inspect import Entry
from syxkit.library.fingerprint import fingerprint
from syxkit.library.naming import clean_device_name, file_based_name, file_stem, norm_name
from syxkit.library.vocabulary import fits_text


@dataclass
class ObjectRow:
    """One sound object found in a file, ready to be written."""

    fp: bytes
    device: str
    kind: str
    model: str | None
    name: str
    name_from: str
    source_key: str  # what "same sound, different names" compares for this source
    payload: bytes | None
    message: bytes | None  # the object's own standalone message
    offset: int
    part: int  # -1 = the whole message
    channel: int | None
    bank: int | None
    program: int | None
    slot: str | None
    msg_data: bytes  # the whole message as the device reads it
    msg_raw: bytes | None  # the verbatim bytes, when they differ from msg_data
    fits: str = ""  # the models that can load it, as patches.fits stores them


@dataclass
class MemberPlan:
    """One SourceFile (a plain file, or one member of a zip)."""

    path: str
    sha256: bytes
    size: int
    form: str
    rows: list[ObjectRow] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # Why a file that is fine holds nothing to import (a text file, only requests), else None.
    skipped: str | None = None


def _dedupe(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _guard(what: str, offset: int, problems: list[str], call, *args):
    """Run a driver call; a driver exception becomes a problem of this file, not a crash."""
    try:
        return call(*args)
    except Exception as exc:  # drivers are plug-ins: never let one stop an import
        problems.append(f"offset {offset}: {what} failed: {type(exc).__name__}: {exc}")
        return None


def _standalone_messages(dev: Device, dump: Dump, fps: list[bytes | None],
                         problems: list[str]) -> list[bytes | None]:
    """For each object of a bulk dump (by its fingerprint, None = not a sound), the standalone
    message the driver's split() builds for it, or None when it builds none."""
    offset = dump.message.offset if dump.message is not None else 0
    try:
        outputs = dev.split([dump], Options())
    except Unsupported:
        outputs = []  # the parts stay readable through their bulk message (see notes)
    except Exception as exc:
        problems.append(f"offset {offset}: split (standalone messages for the parts) failed: "
                        f"{type(exc).__name__}: {exc}")
        outputs = []
    messages = [m for out in outputs or () for m in frame(out.data).messages]

    def fp_of(msg: Message) -> bytes | None:
        try:
            part = dev.identify(msg) if dev.accepts(msg.data) else None
            objs = dev.objects(part) if part is not None else []
            sound = dev.sound_bytes(objs[0]) if len(objs) == 1 else None
        except Exception:  # a message the driver cannot read back is simply not used
            return None
        return None if sound is None else fingerprint(dev.id, objs[0].kind, sound)

    wanted = [i for i, fp in enumerate(fps) if fp is not None]
    if not wanted:
        return [None] * len(fps)
    # Drivers build one message per object, in order; reading every one back costs as much
    # as the import itself, so check the first, middle and last and then trust the order.
    sample = {wanted[0], wanted[len(wanted) // 2], wanted[-1]}
    if len(messages) == len(fps) and all(fp_of(messages[i]) == fps[i] for i in sample):
        return [messages[i].data if fps[i] is not None else None for i in range(len(fps))]
    found: dict[bytes, bytes] = {}
    for msg in messages:
        fp = fp_of(msg)
        if fp is not None:
            found.setdefault(fp, msg.data)
    return [found.get(fp) if fp is not None else None for fp in fps]


@dataclass
class _Found:
    """A sound object found in a file, before it gets its name."""

    dev: Device
    dump: Dump  # the message's dump (its address fills what the object leaves empty)
    obj: Dump
    fp: bytes
    part: int
    message: bytes | None  # the object's own standalone message
    offset: int
    msg_data: bytes
    msg_raw: bytes | None
    payload: bytes | None


def _address(dump: Dump) -> tuple:
    return (dump.device, dump.kind, dump.channel, dump.bank, dump.program, dump.slot)


def _spanning(dev: Device, dumps: list[Dump]) -> list[list[int]] | None:
    """How the driver's split() ("one file per object") groups these consecutive messages:
    a song sent in packets comes back as one output holding all of them. None when split
    does not simply regroup the messages as they are."""
    try:
        outputs = dev.split(dumps, Options())
    except Exception:  # no split, or it refuses: one object per message, as usual
        return None
    datas = [d.message.data if d.message is not None else b"" for d in dumps]
    groups, at = [], 0
    for out in outputs:
        msgs = [m.data for m in frame(out.data).messages]
        if not msgs:
            continue
        if datas[at:at + len(msgs)] != msgs:
            return None
        groups.append(list(range(at, at + len(msgs))))
        at += len(msgs)
    return groups if at == len(dumps) else None


def _units(items: list[tuple[Message, Dump, Device]]) -> list[list[int]]:
    """Which messages form one object: runs of messages with the same device, kind and
    address (song packets share their song's number) are offered to the driver's split();
    everything else stands alone."""
    units: list[list[int]] = []
    i = 0
    while i < len(items):
        j = i + 1
        key = _address(items[i][1])
        while (j < len(items) and not items[i][1].parts and not items[j][1].parts
               and _address(items[j][1]) == key):
            j += 1
        if j - i > 1:
            groups = _spanning(items[i][2], [d for _, d, _ in items[i:j]])
            if groups is not None:
                units += [[i + k for k in g] for g in groups]
                i = j
                continue
        units += [[k] for k in range(i, j)]
        i = j
    return units


def _joined(items: list[tuple[Message, Dump, Device]], unit: list[int],
            problems: list[str]) -> _Found | None:
    """One object made of several messages (a song in packets): its sound is the packets'
    sound bytes in order, its message the packets together."""
    msgs = [items[k][0] for k in unit]
    dumps = [items[k][1] for k in unit]
    dev = items[unit[0]][2]
    sounds = []
    for msg, dump in zip(msgs, dumps, strict=True):
        sound = _guard("sound_bytes", msg.offset, problems, dev.sound_bytes, dump)
        if sound is None:
            return None
        sounds.append(sound)
    data = b"".join(m.data for m in msgs)
    original = b"".join(m.original for m in msgs)
    payload = (b"".join(d.payload for d in dumps)
               if all(d.payload is not None for d in dumps) else None)
    first = dumps[0]
    return _Found(dev, first, first, fingerprint(dev.id, first.kind, b"".join(sounds)), -1,
                  data, msgs[0].offset, data, original if original != data else None, payload)


def _objects_of(msg: Message, dump: Dump, dev: Device, plan: MemberPlan,
                kinds_without_sound: list[str]) -> list[_Found]:
    """The sound objects of one message: itself, or the parts of a bulk message."""
    problems = plan.problems
    objs = _guard("objects", msg.offset, problems, dev.objects, dump) or []
    whole = not dump.parts and len(objs) == 1
    fps: list[bytes | None] = []
    for k, obj in enumerate(objs):
        sound = _guard("sound_bytes", msg.offset, problems, dev.sound_bytes, obj)
        if obj is not dump:
            problems += [f"part {k}: {p}" for p in obj.problems]
        if sound is None:
            kinds_without_sound.append(obj.kind)
        fps.append(None if sound is None else fingerprint(dev.id, obj.kind, sound))
    if whole:
        standalone: list[bytes | None] = [msg.data]
    elif any(fps):
        standalone = _standalone_messages(dev, dump, fps, problems)
    raw = msg.raw if msg.raw is not None and msg.raw != msg.data else None
    found = []
    for k, (obj, fp) in enumerate(zip(objs, fps, strict=True)):
        if fp is None:
            continue
        message = standalone[k]
        if message is None:
            plan.notes.append(f"offset {msg.offset} part {k}: {dev.id} builds no standalone "
                              "message for it; kept with its bulk message")
        part = -1 if whole else (obj.index if obj.index is not None else k)
        found.append(_Found(dev, dump, obj, fp, part, message, msg.offset, msg.data, raw,
                            obj.payload))
    return found


def plan_source(src: SourceFile) -> MemberPlan:
    """Everything a SourceFile holds, as rows to write; problems collected, nothing raised."""
    plan = MemberPlan(src.path, hashlib.sha256(src.data).digest(), len(src.data), src.form)
    if src.error:
        plan.problems.append(src.error)
        return plan
    if src.form == "text":  # a README or a list beside the dumps: nothing wrong, nothing to keep
        plan.skipped = "; ".join(p.text for p in src.problems) or "text file"
        return plan
    problems = plan.problems
    problems += [str(p) for p in src.problems]
    items: list[tuple[Message, Dump, Device]] = []
    for msg in src.messages:
        dump = _guard("identify", msg.offset, problems, registry.identify, msg)
        problems += [str(p) for p in Entry(src, msg, dump).problems]
        if dump is None:
            maker = manufacturer_name(msg.data) or "an unknown maker"
            problems.append(f"offset {msg.offset}: {len(msg.original)}-byte message from {maker} "
                            "is not from a known device; not imported")
            continue
        items.append((msg, dump, registry.get(dump.device)))
    found: list[_Found] = []
    kinds_without_sound: list[str] = []
    for unit in _units(items):
        joined = _joined(items, unit, problems) if len(unit) > 1 else None
        if joined is not None:
            found.append(joined)
            continue
        for k in unit:
            found += _objects_of(*items[k], plan, kinds_without_sound)
    stem = None
    fits_of: dict[tuple[str, str, str | None], str] = {}
    for position, f in enumerate(found):
        obj, dump = f.obj, f.dump
        name = clean_device_name(obj.name)
        name_from = "device"
        if name is None:
            # A made-up name ("BASS 07") counts as a name like any other: two identical tones
            # in one bank file are one sound under two names for "dupes names".
            if stem is None:
                stem = file_stem(src.path)
            name = file_based_name(src.path, position, len(found), stem)
            name_from = "file"
        model = obj.model or dump.model
        key = (f.dev.id, obj.kind, model)
        fits = fits_of.get(key)
        if fits is None:  # asked once per kind and model in a file: a bank has 64 alike
            target = obj if obj.model == model else Dump(obj.device, obj.kind, model=model)
            fits = fits_of[key] = fits_text(
                _guard("fits", f.offset, problems, f.dev.fits, target) or ())
        plan.rows.append(ObjectRow(
            f.fp, f.dev.id, obj.kind, model, name, name_from, norm_name(name),
            f.payload, f.message, f.offset, f.part,
            obj.channel if obj.channel is not None else dump.channel,
            obj.bank if obj.bank is not None else dump.bank,
            obj.program if obj.program is not None else dump.program,
            obj.slot or (None if obj is not dump and dump.parts else dump.slot),
            f.msg_data, f.msg_raw, fits))
    if not plan.rows and src.messages:
        only = ", ".join(sorted(set(kinds_without_sound)))
        reason = "no sound object in this file" + (f" (only: {only})" if only else "")
        if problems:
            problems.append(reason)
        else:  # e.g. a capture of the requests a host sent: well formed, nothing to keep
            plan.skipped = reason
    plan.problems = _dedupe(problems)
    return plan


def plan_file(data: bytes, path: str, readers: list[ForeignReader]) -> list[MemberPlan]:
    return [plan_source(src) for src in read_bytes(data, path, readers)]


def _prefix(m: MemberPlan, disk_path: str) -> str:
    return "" if m.path == disk_path else f"{m.path.rsplit('!', 1)[-1]}: "


def member_problems(members: list[MemberPlan], disk_path: str) -> list[str]:
    return [_prefix(m, disk_path) + p for m in members for p in m.problems]


def member_skips(members: list[MemberPlan], disk_path: str) -> list[str]:
    return [_prefix(m, disk_path) + m.skipped for m in members if m.skipped]


@dataclass
class FileWork:
    """One file on disk, read and understood (or why not)."""

    shown: str  # the path as the user gave it
    path: str  # absolute
    sha256: bytes = b""
    size: int = 0
    mtime: float | None = None
    members: list[MemberPlan] = field(default_factory=list)
    unchanged: bool = False  # same path and content as a clean earlier import: not read again
    error: str | None = None

    @property
    def form(self) -> str:
        if len(self.members) == 1 and self.members[0].path == self.path:
            return self.members[0].form
        return "zip"


def read_file(path: Path, clean_sha: bytes | None, readers: list[ForeignReader],
              resolved: str | None = None) -> FileWork:
    """Read and plan one file. ``clean_sha`` is the sha256 it had when last imported without
    problems (None: not so imported, or rescan): the same content is not planned again.
    ``resolved``: its absolute path, when the caller has it already."""
    shown = str(path)
    try:
        disk_path = resolved or str(path.resolve())
        st = path.stat()
        if st.st_size > MAX_FILE_BYTES:
            return FileWork(shown, disk_path,
                            error=f"file is {st.st_size} bytes; at most {MAX_FILE_BYTES} are read")
        data = path.read_bytes()
    except OSError as exc:
        return FileWork(shown, str(path), error=f"cannot read: {exc.strerror or exc}")
    work = FileWork(shown, disk_path, hashlib.sha256(data).digest(), len(data), st.st_mtime)
    if clean_sha is not None and clean_sha == work.sha256:
        work.unchanged = True
        return work
    work.members = plan_file(data, disk_path, readers)
    return work
