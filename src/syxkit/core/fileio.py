"""Writing files without ever leaving a half-written one behind, and without ever writing over
what the user gave as input.

Every failure to write is an :class:`OutputError` naming the path and what is wrong with it in
words (an existing folder, a path under a file, no permission, a full disk), so that each face
shows one line instead of a traceback.
"""

from __future__ import annotations

import errno
import os
import stat
import tempfile
from collections.abc import Iterable
from pathlib import Path


class OutputError(Exception):
    """A file could not be written (or must not be): ``path`` and ``reason`` in plain words."""

    def __init__(self, path: str | os.PathLike, reason: str):
        super().__init__(f"{os.fspath(path)}: {reason}")
        self.path = os.fspath(path)
        self.reason = reason


_REASONS = {
    errno.ENOSPC: "the disk is full",
    errno.EDQUOT: "the disk quota is used up",
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.EROFS: "the file system is read-only",
    errno.ENOTDIR: "a part of the path is a file, not a folder",
    errno.EISDIR: "is a folder, not a file",
    errno.ENAMETOOLONG: "the name is too long",
    errno.ENOENT: "the folder does not exist",
}


def _reason(exc: OSError) -> str:
    return _REASONS.get(exc.errno, exc.strerror or str(exc))


def _umask() -> int:
    # os.umask can only be read by setting it; set it straight back (the CLI is one thread)
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _same(a: str | os.PathLike, b: str | os.PathLike) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def check_not_input(path: str | os.PathLike, inputs: Iterable[str | os.PathLike]) -> None:
    """Refuse ``path`` when it is one of ``inputs``: the same file, another path to it, a hard
    link or a symbolic link to it. Writing there would replace the user's original."""
    target = Path(path)
    for given in inputs:
        if _same(target, given):  # follows symbolic links; equal inodes catch hard links
            shown = os.fspath(given)
            also = "" if os.path.abspath(shown) == os.path.abspath(target) else f" ({shown})"
            raise OutputError(path, f"is an input file{also}; choose another output, the original "
                                    "is never overwritten")


def check_target(path: str | os.PathLike) -> None:
    """Say now (before any work is done) when ``path`` cannot be a file to write."""
    target = Path(path)
    if target.is_dir():
        raise OutputError(path, "is a folder; give a file name")
    for parent in target.parents:
        if parent.exists():
            if not parent.is_dir():
                raise OutputError(path, f"{parent} is a file, not a folder")
            break


def atomic_write(path: str | os.PathLike, data: bytes, *,
                 inputs: Iterable[str | os.PathLike] = ()) -> Path:
    """Write ``data`` to ``path`` through a temporary file in the same folder and a rename, so
    a crash or Ctrl-C leaves either the old file or the new one, never a torn one. The file
    gets the mode a plain ``open`` would give (0666 less the umask), not the temporary file's
    0600. ``inputs``: files that must not be overwritten (see :func:`check_not_input`).

    Raises :class:`OutputError` for every reason the file cannot be written."""
    target = Path(path)
    check_not_input(target, inputs)
    check_target(target)
    try:
        mode = target.stat().st_mode
    except OSError:
        mode = None
    if mode is not None and not stat.S_ISREG(mode):
        # a device or pipe (/dev/stdout, a FIFO): it cannot be replaced by a rename (and must
        # not be: as root that would put a plain file in /dev), so write into it
        try:
            with open(target, "wb") as fh:
                fh.write(data)
                fh.flush()
        except OSError as exc:
            raise OutputError(path, _reason(exc)) from None
        return target
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    except OSError as exc:
        if exc.errno in (errno.EACCES, errno.EPERM):
            raise OutputError(path, f"no permission to write in the folder {target.parent}") from None
        raise OutputError(path, _reason(exc)) from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, target)
    except BaseException as exc:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        if isinstance(exc, OSError):
            raise OutputError(path, _reason(exc)) from None
        raise
    return target
