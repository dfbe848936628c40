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

from syxkit.library import Library

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


def import_upload(lib: Library, up: Upload) -> dict[str, Any]:
    """One uploaded file into the library; the per-file answer of ``POST /api/import`` (see
    :func:`syxkit.ops.imports.import_file`, which the page's results come from)."""
    from syxkit.ops.imports import import_file

    return import_file(lib, up.path, up.name, stored_name(up.name), up.size, up.error)


def temp_folder() -> Path:
    return Path(tempfile.mkdtemp(prefix="syxkit-upload-"))


def remove_folder(folder: Path) -> None:
    for child in folder.iterdir():
        child.unlink(missing_ok=True)
    os.rmdir(folder)
