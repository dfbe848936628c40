"""The backup layout: a full backup is one SYS0, one OKI2 per user kit, one OCH0 per chain, the
packets of each song, one VCE0 per stack, in that order. Here: grouping dumps into objects (a
song's packets are one object), readable file names, and the backup order."""

from __future__ import annotations

import re

from syxkit.core.record import Record
from syxkit.devices.base import Dump
from syxkit.devices.yamaha_dtx.songs import Song, join_songs
from syxkit.devices.yamaha_dtx.table import EDIT_BUFFER, MAX_14BIT, ObjectType, type_for_code


class BackupObject(Record):
    """One object of a backup: a single message, or all packets of one song. (A plain class,
    not a dataclass: it is on the start path of ``syxkit info``, see syxkit.core.record.)"""

    _fields = ("dumps", "otype", "song")

    def __init__(self, dumps: list[Dump], otype: ObjectType | None, song: Song | None = None):
        self.dumps = dumps
        self.otype = otype
        self.song = song

    @property
    def first(self) -> Dump:
        return self.dumps[0]

    @property
    def is_request(self) -> bool:
        return self.first.kind.endswith("request")

    @property
    def number(self) -> int | None:
        return self.first.program

    def messages(self) -> list[Dump]:
        """The messages in sending order (a complete song's packets sorted by index)."""
        if self.song is not None and self.song.complete:
            return self.song.ordered()
        return list(self.dumps)

    def data(self) -> bytes:
        return b"".join(d.message.data for d in self.messages() if d.message is not None)

    def stem(self) -> str:
        """A readable file name without extension, panel numbering: kit-012, song-current."""
        otype = self.otype
        if otype is None:
            code = re.sub(r"[^A-Za-z0-9]", "_", str(self.first.details.get("type", "")))
            return f"unknown-{code or 'type'}"
        number = self.number
        if not otype.numbered:
            name = otype.file_stem
        elif number == EDIT_BUFFER:
            label = otype.edit_buffer or "7f7f"
            name = f"{otype.file_stem}-{'current' if label == 'current song' else label.replace(' ', '-')}"
        elif number is None:
            name = f"{otype.file_stem}-unnumbered"
        else:
            width = 2 if otype.max_number is not None and otype.max_number < 99 else 3
            name = f"{otype.file_stem}-{number + 1:0{width}d}"
        if self.is_request:
            name = f"request-{name}"
        if self.song is not None and not self.song.complete:
            name += "-incomplete"
        return name

    def sort_key(self) -> tuple[int, int]:
        """Backup order: system, kits, chains, songs, stacks; by number, edit buffers last."""
        order = self.otype.order if self.otype is not None else 99
        number = self.number if self.number is not None else MAX_14BIT
        return order, number


def group_objects(dumps: list[Dump]) -> list[BackupObject]:
    """The objects among ``dumps``, in order of first appearance."""
    songs = {s.number: s for s in join_songs(dumps)}
    placed: set[int] = set()
    objects = []
    for dump in dumps:
        otype = type_for_code(str(dump.details.get("type", "")).encode("ascii", "replace"))
        if dump.kind == "song" and dump.program in songs:
            if dump.program not in placed:
                placed.add(dump.program)
                song = songs[dump.program]
                objects.append(BackupObject(song.packets, otype, song))
            continue
        objects.append(BackupObject([dump], otype))
    return objects


def unique_names(objects: list[BackupObject], suffix: str = ".syx") -> list[str]:
    """A file name per object; a repeated name gets -2, -3, ..."""
    names, used = [], {}
    for obj in objects:
        stem = obj.stem()
        used[stem] = used.get(stem, 0) + 1
        names.append(f"{stem}{suffix}" if used[stem] == 1 else f"{stem}-{used[stem]}{suffix}")
    return names
