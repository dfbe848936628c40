"""Reading any dump file: detect the form by content, never by extension.

Forms: raw SysEx bytes (including raw wire captures), hex text, Standard MIDI Files (and RIFF
``RMID`` files), zip archives (read in memory, member by member, with size limits, never
extracted to disk), and "foreign" formats that a device driver knows (old librarian files),
handed in by the caller so that core stays free of device knowledge.

Offsets: for raw files and MIDI files every offset is a byte position in the file. For hex text
it is the position in the decoded byte stream (the N-th hex byte), and each problem also names
the text line.
"""

from __future__ import annotations

import codecs
import io
import os
import re
from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path, PurePosixPath

from syxkit.core.framing import Framed, frame
from syxkit.core.message import Message, Problem
from syxkit.core.record import Record
from syxkit.core.smf import SMFError, read_smf_sysex, smf_start

# Limits: a librarian reads what users drop on it, zip bombs included.
MAX_FILE_BYTES = 64 * 1024 * 1024
MAX_ZIP_MEMBER_BYTES = 64 * 1024 * 1024
MAX_ZIP_TOTAL_BYTES = 512 * 1024 * 1024
MAX_ZIP_MEMBERS = 20_000
MAX_ZIP_DEPTH = 2  # a zip inside a zip is read; one level deeper is not

# A foreign reader gets (data, display path) and returns messages (synthesised SysEx standing
# for the file's records, ``raw`` holding each record's original bytes) or None if not its form.
ForeignReader = Callable[[bytes, str], "list[Message] | None"]


class SourceFile(Record):
    """One file (or zip member) as read: its form, its messages and what was wrong with it.
    ``error`` is set when the file could not be read at all (then it has no messages).
    ``form``: raw | hex | smf | zip | foreign:<device> | empty | text."""

    _fields = ("path", "form", "data", "messages", "problems", "stray", "error")

    def __init__(self, path: str, form: str = "raw", data: bytes = b"",
                 messages: list[Message] | None = None, problems: list[Problem] | None = None,
                 stray: list[Problem] | None = None, error: str | None = None):
        self.path = path
        self.form = form
        self.data = data
        self.messages = [] if messages is None else messages
        self.problems = [] if problems is None else problems
        self.stray = [] if stray is None else stray
        self.error = error

    def problems_for(self, index: int) -> list[Problem]:
        """Problems shown with message ``index``: its own, plus stray bytes next to it."""
        framed = Framed(self.messages, self.stray)
        return framed.problems_for(index) + self.messages[index].problems


# ---------------------------------------------------------------------------------------------
# Text and hex text

_TEXT_SAMPLE = 8192
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
_COMMENT = re.compile(r"(#|;|//).*")
_TOKEN_SPLIT = re.compile(r"[\s,{}\[\]()]+")
_HEX_TOKEN = re.compile(r"^(?:0x|\$)?([0-9a-f]+)h?$", re.IGNORECASE)


def decode_text(data: bytes) -> str | None:
    """The file as text when it is text, else None. Text means: UTF-16 with a byte-order mark,
    or UTF-8 (with or without BOM, plain ASCII included) holding no control characters other
    than tab, line breaks and form feed. The decision is made on the first 8 KB; a raw SysEx
    file can never pass (F0 followed by a data byte is not valid UTF-8)."""
    if not data:
        return None
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        try:
            codecs.getincrementaldecoder("utf-16")().decode(data[:_TEXT_SAMPLE], final=False)
        except UnicodeDecodeError:
            return None
        text = data.decode("utf-16", "replace")
    else:
        try:
            # incremental: a multi-byte character cut by the sample's end is not an error
            sample = codecs.getincrementaldecoder("utf-8-sig")().decode(data[:_TEXT_SAMPLE], final=False)
        except UnicodeDecodeError:
            return None
        if _CONTROL.search(sample):
            return None
        text = data.decode("utf-8-sig", "replace")
    return None if _CONTROL.search(text[:_TEXT_SAMPLE]) else text


def looks_like_text(data: bytes) -> bool:
    return decode_text(data) is not None


class HexText(Record):
    """Bytes read from hex text, the unreadable tokens, and which line each byte came from.
    ``line_starts``: stream offset where the bytes of each line in ``line_numbers`` begin;
    ``first_bad``: the first unreadable token and its line, for a short summary."""

    _fields = ("data", "problems", "tokens", "line_starts", "line_numbers", "first_bad")

    def __init__(self, data: bytes, problems: list[Problem], tokens: int, line_starts: list[int],
                 line_numbers: list[int], first_bad: str = ""):
        self.data = data
        self.problems = problems
        self.tokens = tokens
        self.line_starts = line_starts
        self.line_numbers = line_numbers
        self.first_bad = first_bad

    def line_of(self, offset: int) -> int:
        k = bisect_right(self.line_starts, offset) - 1
        return self.line_numbers[max(k, 0)] if self.line_numbers else 1


def read_hex_text(text: str) -> HexText:
    """Hex bytes written as text: ``F0 44 ...``, ``0xF0,0x44``, ``$F0``, ``F0h``, runs like
    ``F04400``, C arrays ``{0xF0, 0x44}``; ``#``, ``;`` and ``//`` start comments. Unreadable
    tokens are reported with their line and skipped."""
    out = bytearray()
    problems: list[Problem] = []
    tokens = 0
    first_bad = ""
    starts: list[int] = []
    numbers: list[int] = []
    for lineno, line in enumerate(text.splitlines(), 1):
        line = _COMMENT.sub("", line)
        first = True
        for tok in _TOKEN_SPLIT.split(line):
            if not tok:
                continue
            tokens += 1
            m = _HEX_TOKEN.match(tok)
            if m is None or len(m.group(1)) % 2:
                if not problems:
                    first_bad = f"{tok[:40]!r} on line {lineno}"
                problems.append(Problem(len(out), f"line {lineno}: {tok[:40]!r} is not a hex byte "
                                                  "(expected two hex digits like F0 or 0xF0); skipped"))
                continue
            if first:
                starts.append(len(out))
                numbers.append(lineno)
                first = False
            out += bytes.fromhex(m.group(1))
    return HexText(bytes(out), problems, tokens, starts, numbers, first_bad)


def parse_hex_text(text: str, path: str = "") -> tuple[bytes, list[Problem]]:
    """Just the bytes and the unreadable-token problems of :func:`read_hex_text`."""
    hex_text = read_hex_text(text)
    return hex_text.data, hex_text.problems


def _is_hex(hex_text: HexText) -> bool:
    """Mostly hex tokens: at least as many hex bytes as other words. Prose with the odd
    hex-looking word ("be", "face") is not hex; a dump with a title line or a C declaration is."""
    bad = len(hex_text.problems)
    return bool(hex_text.data) and hex_text.tokens - bad >= bad


def _with_lines(problems: list[Problem], hex_text: HexText) -> list[Problem]:
    return [Problem(p.offset, f"line {hex_text.line_of(p.offset)}: {p.text}") for p in problems]


# ---------------------------------------------------------------------------------------------
# One file's bytes


def read_bytes(data: bytes, path: str, foreign: Iterable[ForeignReader] = (), _depth: int = 0) -> list[SourceFile]:
    """Turn one file's bytes into one SourceFile (several for a zip). Never raises on bad data:
    what cannot be read at all sets ``error``, everything else becomes a Problem."""
    data = bytes(data)
    if data[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
        return _read_zip(data, path, foreign, _depth)
    src = SourceFile(path=path, data=data)
    if not data:
        src.form = "empty"
        src.problems.append(Problem(0, "file is empty (expected SysEx data)"))
        return [src]
    start = smf_start(data)
    if start is not None:
        return [_read_smf(src, start)]
    text = decode_text(data)
    if text is not None:
        return [_read_text(src, text)]
    if data[0] != 0xF0:
        for reader in foreign:
            try:
                messages = reader(data, path)
            except Exception as exc:  # a driver's bug must not stop a folder scan
                name = getattr(reader, "form_name", "device")
                src.problems.append(Problem(0, f"{name} file reader failed ({type(exc).__name__}: "
                                               f"{exc}); read as raw bytes instead"))
                continue
            if messages is not None:
                src.form = f"foreign:{getattr(reader, 'form_name', 'device')}"
                src.messages = messages
                for i, msg in enumerate(messages):
                    msg.index = i
                return [src]
    framed = frame(data, path)
    src.messages, src.stray = framed.messages, framed.stray
    if not src.messages:
        src.problems.append(Problem(0, f"no SysEx message found in {len(data)} bytes (expected F0 … F7)"))
    return [src]


def _read_smf(src: SourceFile, start: int) -> SourceFile:
    src.form = "smf"
    try:
        framed, notes = read_smf_sysex(src.data, src.path, start)
    except SMFError as exc:
        src.error = f"not a readable MIDI file: {exc}"
        return src
    src.messages, src.stray, src.problems = framed.messages, framed.stray, notes
    if not src.messages:
        src.problems.append(Problem(start, "MIDI file holds no SysEx events"))
    return src


def _read_text(src: SourceFile, text: str) -> SourceFile:
    hex_text = read_hex_text(text)
    if not _is_hex(hex_text):
        src.form = "text"
        bad = len(hex_text.problems)
        first = f", the first {hex_text.first_bad}" if bad else ""
        src.problems.append(Problem(0, f"text file, not hex SysEx: {bad} of {hex_text.tokens} word(s) "
                                       f"are not hex bytes{first} (expected bytes like 'F0 44 … F7')"))
        return src
    src.form = "hex"
    framed = frame(hex_text.data, src.path)
    for msg in framed.messages:
        msg.problems = _with_lines(msg.problems, hex_text)
    src.messages = framed.messages
    src.stray = _with_lines(framed.stray, hex_text)
    src.problems = hex_text.problems
    return src


# ---------------------------------------------------------------------------------------------
# Zip archives


def _skipped_member(name: str) -> bool:
    """Folders, hidden files and macOS resource forks (``__MACOSX/``, ``._name``) hold no dumps."""
    parts = PurePosixPath(name).parts
    return name.endswith("/") or any(p.startswith(".") or p == "__MACOSX" for p in parts)


def _read_zip(data: bytes, path: str, foreign: Iterable[ForeignReader], depth: int) -> list[SourceFile]:
    if depth >= MAX_ZIP_DEPTH:
        return [SourceFile(path=path, form="zip", data=data,
                           error=f"zip nested {depth} levels deep; at most {MAX_ZIP_DEPTH - 1} "
                                 "level(s) of zip inside zip are opened")]
    import zipfile  # here, not at the top: most files are not zips, and zipfile is slow to import

    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = [i for i in archive.infolist() if not _skipped_member(i.filename)]
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        return [SourceFile(path=path, form="zip", data=data, error=f"not a readable zip archive: {exc}")]
    if len(infos) > MAX_ZIP_MEMBERS:
        return [SourceFile(path=path, form="zip", data=data,
                           error=f"zip has {len(infos)} members; at most {MAX_ZIP_MEMBERS} are read")]
    out: list[SourceFile] = []
    total = 0
    for info in infos:
        member_path = f"{path}!{info.filename}"
        if info.file_size > MAX_ZIP_MEMBER_BYTES:
            out.append(SourceFile(path=member_path, form="zip", error=f"member is {info.file_size} bytes; "
                                                                      f"at most {MAX_ZIP_MEMBER_BYTES} are read"))
            continue
        if total + info.file_size > MAX_ZIP_TOTAL_BYTES:
            out.append(SourceFile(path=member_path, form="zip", error="zip expands beyond the "
                                  f"{MAX_ZIP_TOTAL_BYTES}-byte limit; this and later members not read"))
            break
        try:
            with archive.open(info) as fh:
                member = fh.read(MAX_ZIP_MEMBER_BYTES + 1)
        except Exception as exc:  # corrupt deflate/bzip2/lzma data raises each its own error type
            out.append(SourceFile(path=member_path, form="zip",
                                  error=f"cannot read zip member: {type(exc).__name__}: {exc}"))
            continue
        if len(member) > MAX_ZIP_MEMBER_BYTES:
            out.append(SourceFile(path=member_path, form="zip", error="member larger than its header says; not read"))
            continue
        total += len(member)
        out.extend(read_bytes(member, member_path, foreign, depth + 1))
    if not out:
        out.append(SourceFile(path=path, form="zip", data=data,
                              problems=[Problem(0, "zip archive has no files in it")]))
    return out


# ---------------------------------------------------------------------------------------------
# Paths


def iter_files(paths: Iterable[str | os.PathLike]) -> Iterator[Path | tuple[Path, str]]:
    """Files named, and files below folders named (recursively, sorted, hidden ones skipped).
    A path that cannot be used comes back as (path, error)."""
    for p in paths:
        path = Path(p)
        if path.is_dir():
            errors: list[OSError] = []
            for root, dirs, files in os.walk(path, onerror=errors.append):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(files):
                    if not name.startswith("."):
                        yield Path(root) / name
            for exc in errors:
                yield (Path(exc.filename or path), f"cannot read folder: {exc.strerror or exc}")
        elif path.is_file():
            yield path
        elif path.exists():
            yield (path, "not a regular file or folder")
        else:
            yield (path, "no such file or folder")


def read_paths(paths: Iterable[str | os.PathLike], foreign: Iterable[ForeignReader] = ()) -> Iterator[SourceFile]:
    """Every file below ``paths`` read, in order; unreadable ones come back with ``error`` set."""
    if iter(foreign) is foreign:  # a one-pass iterator: keep it for every file; a collection
        foreign = list(foreign)   # (or the registry's lazy readers) is iterated afresh per file
    for item in iter_files(paths):
        if isinstance(item, tuple):
            yield SourceFile(path=str(item[0]), error=item[1])
            continue
        try:
            if not item.is_file():  # a FIFO or device found inside a folder would block a read
                why = "not a regular file" if item.exists() else "no such file (a broken link?)"
                yield SourceFile(path=str(item), error=why)
                continue
            size = item.stat().st_size
            if size > MAX_FILE_BYTES:
                yield SourceFile(path=str(item), error=f"file is {size} bytes; at most {MAX_FILE_BYTES} are read")
                continue
            data = item.read_bytes()
        except OSError as exc:
            yield SourceFile(path=str(item), error=f"cannot read: {exc.strerror or exc}")
            continue
        yield from read_bytes(data, str(item), foreign)
