"""Names for patches: the device's own name where it stores one, else the file name plus the
object's position in the file (``BASS 03``), as old librarians did for nameless CZ tones."""

from __future__ import annotations

import re
from pathlib import PurePosixPath

_SPACES = re.compile(r"\s+")


def clean_device_name(name: str | None) -> str | None:
    """The device's name, or None when it stores none (or only blanks / padding)."""
    if name is None:
        return None
    text = _SPACES.sub(" ", name.replace("\x00", " ")).strip()
    return text or None


def file_stem(path: str) -> str:
    """The file's name without folder and extension; for a zip member, the member's."""
    member = path.rsplit("!", 1)[-1]
    stem = PurePosixPath(member.replace("\\", "/")).stem
    return stem.strip() or PurePosixPath(member.replace("\\", "/")).name or "patch"


def file_based_name(path: str, position: int, count: int, stem: str | None = None) -> str:
    """``STEM`` for a file holding one sound, ``STEM NN`` (1-based position) for several
    (``stem``: the file's stem when the caller has it already)."""
    stem = file_stem(path) if stem is None else stem
    if count <= 1:
        return stem
    width = max(2, len(str(count)))
    return f"{stem} {position + 1:0{width}d}"


def norm_name(name: str) -> str:
    """Names compared for "same name": case, spacing and padding do not count."""
    return _SPACES.sub(" ", name).strip().casefold()


_UNSAFE = re.compile(r'[\x00-\x1f<>:"/\\|?*]+')


def safe_file_name(name: str, fallback: str = "patch") -> str:
    """A name usable as a file name on every common file system."""
    text = _UNSAFE.sub("_", name)[:80]
    # Strip spaces and dots from both ends until none is left there: stripping dots can bare
    # another space (Unicode has several: "0\x85." ends in one after the dot goes).
    while text != (stripped := text.strip().strip(".")):
        text = stripped
    return text or fallback
