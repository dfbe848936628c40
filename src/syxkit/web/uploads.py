"""Uploads: a multipart body streamed into files in a private temporary folder (never anywhere
else), with limits per file and per request, then each file imported into the library the way
``syxkit lib import`` imports one (zips are read in memory by the readers, with their own
limits on sizes, member counts and nesting; member names never become paths on disk).

The library records an uploaded file as ``upload/<the name the browser gave>``, with any
``..`` and empty segments dropped: the name is data, shown back as JSON, never a path here."""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from syxkit.devices import registry
from syxkit.library import Library
from syxkit.library.importer import write_work
from syxkit.library.planning import read_file

DEFAULT_MAX_FILE = 64 * 1024 * 1024
DEFAULT_MAX_REQUEST = 512 * 1024 * 1024


class UploadTooLarge(Exception):
    pass


@dataclass
class Upload:
    name: str  # as the browser sent it
    path: Path | None = None  # the temporary copy
    size: int = 0
    error: str | None = None
    _fh: Any = None


def stored_name(client_name: str) -> str:
    parts = [p for p in client_name.replace("\\", "/").split("/") if p not in ("", ".", "..")]
    return "upload/" + ("/".join(parts) or "unnamed")


class MultipartSink:
    """Callbacks for python_multipart's streaming parser: each ``files`` part goes to its own
    file in ``folder``; a part over ``max_file`` stops being written (and is reported), the
    whole body over ``max_request`` raises UploadTooLarge."""

    def __init__(self, folder: Path, max_file: int, max_request: int):
        self.folder = folder
        self.max_file = max_file
        self.max_request = max_request
        self.uploads: list[Upload] = []
        self.total = 0
        self._field = b""
        self._value = b""
        self._headers: dict[bytes, bytes] = {}
        self._current: Upload | None = None

    def callbacks(self) -> dict[str, Any]:
        return {
            "on_part_begin": self._begin, "on_header_field": self._hfield,
            "on_header_value": self._hvalue, "on_header_end": self._hend,
            "on_headers_finished": self._headers_done, "on_part_data": self._data,
            "on_part_end": self._end,
        }

    def _begin(self) -> None:
        self._headers = {}
        self._current = None

    def _hfield(self, data: bytes, start: int, end: int) -> None:
        self._field += data[start:end]

    def _hvalue(self, data: bytes, start: int, end: int) -> None:
        self._value += data[start:end]

    def _hend(self) -> None:
        self._headers[self._field.lower()] = self._value
        self._field, self._value = b"", b""

    def _headers_done(self) -> None:
        from python_multipart.multipart import parse_options_header

        _, params = parse_options_header(self._headers.get(b"content-disposition", b""))
        if params.get(b"name") != b"files" or b"filename" not in params:
            return  # other fields are not ours: their bytes are counted, not kept
        name = params[b"filename"].decode("utf-8", "replace")
        upload = Upload(name)
        upload.path = self.folder / f"{len(self.uploads):05d}{_suffix(name)}"
        upload._fh = open(upload.path, "xb")  # noqa: SIM115  (closed in _end / close)
        self.uploads.append(upload)
        self._current = upload

    def _data(self, data: bytes, start: int, end: int) -> None:
        n = end - start
        self.total += n
        if self.total > self.max_request:
            raise UploadTooLarge(f"the upload is larger than the {self.max_request:,}-byte "
                                 "limit per request; send fewer files at a time")
        up = self._current
        if up is None:
            return
        up.size += n
        if up.error is None and up.size > self.max_file:
            up.error = (f"file is larger than the {self.max_file:,}-byte limit per file; "
                        "not read")
            up._fh.close()
            up._fh = None
            up.path.unlink(missing_ok=True)
        if up._fh is not None:
            up._fh.write(data[start:end])

    def _end(self) -> None:
        up = self._current
        if up is not None and up._fh is not None:
            up._fh.close()
            up._fh = None
        self._current = None

    def close(self) -> None:
        for up in self.uploads:
            if up._fh is not None:
                up._fh.close()
                up._fh = None


def _suffix(name: str) -> str:
    """The client name's extension, kept because readers look at it (.mid, .zip, .P64 …);
    letters and digits only, so it cannot make a path."""
    suffix = PurePosixPath(name.replace("\\", "/")).suffix
    return suffix if suffix[1:].isalnum() and len(suffix) <= 8 else ""


def _lookup(lib: Library, fps: list[bytes]) -> dict[bytes, tuple]:
    if not fps:
        return {}
    out = {}
    for i in range(0, len(fps), 500):
        chunk = fps[i:i + 500]
        rows = lib.conn.execute(
            f"SELECT fingerprint, id, name, device, kind, model FROM patches WHERE fingerprint "
            f"IN ({', '.join('?' * len(chunk))})", chunk)
        out.update({r[0]: r[1:] for r in rows})
    return out


def import_upload(lib: Library, up: Upload) -> dict[str, Any]:
    """One uploaded file into the library; the per-file answer of ``POST /api/import``."""
    result: dict[str, Any] = {
        "name": up.name, "stored_as": stored_name(up.name), "size": up.size,
        "status": "failed", "error": up.error, "problems": [], "notes": [], "objects": 0,
        "new": 0, "in_library": 0, "patches": [], "bank": None}
    if up.error is None and up.size == 0:
        result["error"] = "empty file (0 bytes): nothing to import"
    if result["error"] is not None:
        return result
    work = read_file(up.path, None, registry.foreign_readers(), stored_name(up.name))
    if work.error:
        result["error"] = work.error
        return result
    rows = [(m, r) for m in work.members for r in m.rows]
    before = _lookup(lib, list({r.fp for _, r in rows}))
    report = write_work(lib, work, {})
    result.update(status=report.status, problems=report.problems, notes=report.notes,
                  objects=report.objects)
    if report.status == "failed" and not report.objects:
        result["error"] = "; ".join(report.problems) or "nothing in this file could be read"
        return result
    after = _lookup(lib, list({r.fp for _, r in rows}))
    seen: set[bytes] = set()
    for m, r in rows:
        got = after.get(r.fp)
        if got is None:  # not stored (a library error was reported above)
            continue
        pid, name, device, kind, model = got
        if r.fp in before:
            status = "in-library"
            name = before[r.fp][1]  # the name it has there, whatever this file calls it
        else:
            status = "repeat" if r.fp in seen else "new"
        seen.add(r.fp)
        member = None if m.path == work.path else m.path.rsplit("!", 1)[-1]
        result["patches"].append({
            "id": pid, "name": name, "name_in_file": r.name, "device": device, "kind": kind,
            "model": model, "status": status, "member": member, "offset": r.offset,
            "part": None if r.part < 0 else r.part, "slot": r.slot})
    result["new"] = sum(p["status"] == "new" for p in result["patches"])
    result["in_library"] = sum(p["status"] == "in-library" for p in result["patches"])
    devices = {(p["device"]) for p in result["patches"]}
    if len(result["patches"]) > 1 and len(devices) == 1:
        models = {p["model"] for p in result["patches"] if p["model"]}
        result["bank"] = {"device": devices.pop(),
                          "model": models.pop() if len(models) == 1 else None,
                          "ids": [p["id"] for p in result["patches"]]}
    return result


def temp_folder() -> Path:
    return Path(tempfile.mkdtemp(prefix="syxkit-upload-"))


def remove_folder(folder: Path) -> None:
    for child in folder.iterdir():
        child.unlink(missing_ok=True)
    os.rmdir(folder)
