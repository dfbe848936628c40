"""Reading any dump file: detect the form by content, never by extension.

Forms: raw SysEx bytes (including raw wire captures), hex text, Standard MIDI Files, zip
archives (read in memory, member by member, with size limits), and "foreign" formats that a
device driver knows (old librarian files), handed in by the caller so that core stays free of
device knowledge.
"""

from __future__ import annotations

import io
import os
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from syxkit.core.framing import Framed, frame
from syxkit.core.message import Message, Problem
from syxkit.core.smf import SMFError, read_smf_sysex

MAX_FILE_BYTES = 64 * 1024 * 1024
MAX_ZIP_MEMBER_BYTES = 64 * 1024 * 1024
MAX_ZIP_TOTAL_BYTES = 512 * 1024 * 1024
MAX_ZIP_MEMBERS = 20_000
MAX_ZIP_DEPTH = 2

# A foreign reader gets (data, display path) and returns messages (synthesised SysEx standing
# for the file's records, ``raw`` holding each record's original bytes) or None if not its form.
ForeignReader = Callable[[bytes, str], "list[Message] | None"]


@dataclass
class SourceFile:
    path: str
    form: str = "raw"  # raw | hex | smf | foreign:<device> | empty | text
    data: bytes = b""
    messages: list[Message] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    stray: list[Problem] = field(default_factory=list)
    error: str | None = None

    def problems_for(self, index: int) -> list[Problem]:
        """Problems shown with message ``index``: its own, plus stray bytes next to it."""
        framed = Framed(self.messages, self.stray)
        return framed.problems_for(index) + self.messages[index].problems


class ReadError(Exception):
    pass


_TEXT_BYTES = frozenset(range(0x20, 0x7F)) | {0x09, 0x0A, 0x0D, 0x0C}
_COMMENT = re.compile(r"(#|;|//).*")
_TOKEN_SPLIT = re.compile(r"[\s,]+")
_HEX_TOKEN = re.compile(r"^(?:0x|\$)?([0-9a-fA-F]+)h?$")


def looks_like_text(data: bytes) -> bool:
    sample = data[:4096]
    return bool(sample) and all(b in _TEXT_BYTES for b in sample)


def parse_hex_text(text: str, path: str) -> tuple[bytes, list[Problem]]:
    """Hex bytes written as text: ``F0 44 ...``, ``0xF0,0x44``, ``$F0``, ``F0h``, runs like
    ``F04400``; ``#``, ``;`` and ``//`` start comments. Unreadable tokens are reported with their
    line and skipped."""
    out = bytearray()
    problems: list[Problem] = []
    for lineno, line in enumerate(text.splitlines(), 1):
        line = _COMMENT.sub("", line)
        for tok in _TOKEN_SPLIT.split(line.strip()):
            if not tok:
                continue
            m = _HEX_TOKEN.match(tok)
            if m is None or len(m.group(1)) % 2:
                problems.append(Problem(len(out), f"line {lineno}: {tok!r} is not a hex byte "
                                                  "(expected two hex digits like F0 or 0xF0); skipped"))
                continue
            out += bytes.fromhex(m.group(1))
    return bytes(out), problems


def read_bytes(data: bytes, path: str, foreign: Iterable[ForeignReader] = (), _depth: int = 0) -> list[SourceFile]:
    """Turn one file's bytes into one SourceFile (several for a zip)."""
    if data[:4] == b"PK\x03\x04" or (data[:4] == b"PK\x05\x06"):
        return _read_zip(data, path, foreign, _depth)
    src = SourceFile(path=path, data=data)
    if not data:
        src.form = "empty"
        src.problems.append(Problem(0, "file is empty (expected SysEx data)"))
        return [src]
    if data[:4] == b"MThd":
        src.form = "smf"
        try:
            framed, notes = read_smf_sysex(data, path)
        except SMFError as exc:
            src.error = f"not a readable MIDI file: {exc}"
            return [src]
        src.messages, src.stray, src.problems = framed.messages, framed.stray, notes
        if not src.messages:
            src.problems.append(Problem(0, "MIDI file holds no SysEx events"))
        return [src]
    if looks_like_text(data):
        stream, problems = parse_hex_text(data.decode("ascii", "replace"), path)
        if stream and (b"\xf0" in stream) and len(problems) <= max(2, len(stream) // 4):
            src.form = "hex"
            framed = frame(stream, path)
            src.messages, src.stray, src.problems = framed.messages, framed.stray, problems
            return [src]
        src.form = "text"
        src.problems.append(Problem(0, "text file with no hex SysEx in it (expected bytes like 'F0 44 … F7')"))
        return [src]
    if data[0] != 0xF0:
        for reader in foreign:
            messages = reader(data, path)
            if messages is not None:
                src.form = f"foreign:{getattr(reader, 'form_name', 'device')}"
                src.messages = messages
                return [src]
    framed = frame(data, path)
    src.messages, src.stray = framed.messages, framed.stray
    if not src.messages:
        src.problems.append(Problem(0, f"no SysEx message found in {len(data)} bytes (expected F0 … F7)"))
    return [src]


def _read_zip(data: bytes, path: str, foreign: Iterable[ForeignReader], depth: int) -> list[SourceFile]:
    if depth >= MAX_ZIP_DEPTH:
        return [SourceFile(path=path, form="zip", data=data, error="zip nested too deeply; not opened")]
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = [i for i in archive.infolist() if not i.is_dir()]
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        return [SourceFile(path=path, form="zip", data=data, error=f"not a readable zip archive: {exc}")]
    out: list[SourceFile] = []
    total = 0
    if len(infos) > MAX_ZIP_MEMBERS:
        return [SourceFile(path=path, form="zip", data=data,
                           error=f"zip has {len(infos)} members; at most {MAX_ZIP_MEMBERS} are read")]
    for info in infos:
        member_path = f"{path}!{info.filename}"
        if info.file_size > MAX_ZIP_MEMBER_BYTES:
            out.append(SourceFile(path=member_path, error=f"member is {info.file_size} bytes; "
                                                          f"at most {MAX_ZIP_MEMBER_BYTES} are read"))
            continue
        total += info.file_size
        if total > MAX_ZIP_TOTAL_BYTES:
            out.append(SourceFile(path=member_path, error="zip expands beyond the "
                                                          f"{MAX_ZIP_TOTAL_BYTES}-byte limit; rest not read"))
            break
        try:
            with archive.open(info) as fh:
                member = fh.read(MAX_ZIP_MEMBER_BYTES + 1)
        except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError, EOFError) as exc:
            out.append(SourceFile(path=member_path, error=f"cannot read zip member: {exc}"))
            continue
        if len(member) > MAX_ZIP_MEMBER_BYTES:
            out.append(SourceFile(path=member_path, error="member larger than its header says; not read"))
            continue
        out.extend(read_bytes(member, member_path, foreign, depth + 1))
    if not out:
        out.append(SourceFile(path=path, form="zip", data=data,
                              problems=[Problem(0, "zip archive has no files in it")]))
    return out


def iter_files(paths: Iterable[str | os.PathLike]) -> Iterator[Path | tuple[Path, str]]:
    """Files named, and files below folders named (recursively, sorted, hidden ones skipped).
    A path that does not exist comes back as (path, error)."""
    for p in paths:
        path = Path(p)
        if path.is_dir():
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(files):
                    if not name.startswith("."):
                        yield Path(root) / name
        elif path.exists():
            yield path
        else:
            yield (path, "no such file or folder")


def read_paths(paths: Iterable[str | os.PathLike], foreign: Iterable[ForeignReader] = ()) -> Iterator[SourceFile]:
    foreign = list(foreign)
    for item in iter_files(paths):
        if isinstance(item, tuple):
            yield SourceFile(path=str(item[0]), error=item[1])
            continue
        try:
            size = item.stat().st_size
            if size > MAX_FILE_BYTES:
                yield SourceFile(path=str(item), error=f"file is {size} bytes; at most {MAX_FILE_BYTES} are read")
                continue
            data = item.read_bytes()
        except OSError as exc:
            yield SourceFile(path=str(item), error=f"cannot read: {exc.strerror or exc}")
            continue
        yield from read_bytes(data, str(item), foreign)
