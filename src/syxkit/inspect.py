"""Reading files and saying what every message in them is: the layer under ``syxkit info``."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator

from syxkit.core.manufacturers import manufacturer_name
from syxkit.core.message import Message, Problem
from syxkit.core.readers import SourceFile, read_bytes, read_paths
from syxkit.core.record import Record
from syxkit.devices import registry
from syxkit.devices.base import Dump

TYPE_CHECKING = False  # typing costs a few ms at start (syxkit info); annotations are strings
if TYPE_CHECKING:
    from typing import Any


class Entry(Record):
    """One message of a file, with what the registry made of it."""

    _fields = ("source", "message", "dump")

    def __init__(self, source: SourceFile, message: Message, dump: Dump | None):
        self.source = source
        self.message = message
        self.dump = dump

    @property
    def problems(self) -> list[Problem]:
        own = self.source.problems_for(self.message.index)
        if self.dump is not None:
            own = [p for p in own if p not in self.dump.waived] + self.dump.problems
        return own


def load(paths: Iterable[str | os.PathLike]) -> Iterator[SourceFile]:
    return read_paths(paths, registry.foreign_readers())


def load_bytes(data: bytes, name: str) -> list[SourceFile]:
    return read_bytes(data, name, registry.foreign_readers())


def entries(src: SourceFile) -> list[Entry]:
    return [Entry(src, msg, registry.identify(msg)) for msg in src.messages]


def reviewed(found: list[Entry]) -> dict[int, list[Problem]]:
    """Cross-message problems from each device's ``review``, keyed by ``id()`` of the dump."""
    by_device: dict[str, list[Dump]] = {}
    for e in found:
        if e.dump is not None:
            by_device.setdefault(e.dump.device, []).append(e.dump)
    extra: dict[int, list[Problem]] = {}
    for device_id, dumps in by_device.items():
        try:
            dev = registry.get(device_id)
        except KeyError:
            continue
        for dump, problem in dev.review(dumps):
            extra.setdefault(id(dump), []).append(problem)
    return extra


def _problem_text(path: str, problems: list[Problem]) -> list[str]:
    return [str(p) for p in problems]


def info_rows(src: SourceFile) -> list[dict[str, Any]]:
    """``info --json`` objects for one file: one per message, or one for a file with none."""
    if not src.messages:
        return [{
            "path": src.path, "index": None, "offset": None, "length": 0, "manufacturer": None,
            "device": None, "model": None, "kind": None, "channel": None, "bank": None,
            "program": None, "slot": None, "name": None, "checksum": "none",
            "problems": _problem_text(src.path, src.problems + src.stray), "form": src.form,
            "store": None,
        }]
    rows = []
    file_problems = list(src.problems)
    found = entries(src)
    extra = reviewed(found)
    for entry in found:
        msg, dump = entry.message, entry.dump
        problems = entry.problems + extra.get(id(dump), [])
        if file_problems:  # file-level notes (e.g. unreadable hex tokens) go with the first row
            problems, file_problems = file_problems + problems, []
        row: dict[str, Any] = {
            "path": src.path, "index": msg.index, "offset": msg.offset, "length": len(msg.original),
            "manufacturer": manufacturer_name(msg.data),
            "device": None, "model": None, "kind": None, "channel": None, "bank": None,
            "program": None, "slot": None, "name": None, "checksum": "none",
            "problems": _problem_text(src.path, problems), "form": src.form, "store": None,
        }
        if dump is not None:
            row.update({
                "device": dump.device, "model": dump.model, "kind": dump.kind,
                "channel": dump.channel, "bank": dump.bank, "program": dump.program,
                "slot": dump.slot, "name": dump.name, "checksum": dump.checksum,
                "store": dump.store,
            })
            if dump.notes:
                row["notes"] = list(dump.notes)
            if dump.details:
                row["details"] = dump.details
            if dump.parts:
                row["parts"] = [{**p.summary(), "store": p.store} for p in dump.parts]
        rows.append(row)
    return rows
