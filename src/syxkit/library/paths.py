"""Where the library file lives: ``--library PATH``, else ``$SYXKIT_LIBRARY``, else a file in the
user's data directory (platformdirs: ~/.local/share/syxkit on Linux, the matching folders on
macOS and Windows)."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

ENV_VAR = "SYXKIT_LIBRARY"
FILE_NAME = "library.sqlite"


def default_library_path() -> Path:
    return platformdirs.user_data_path("syxkit", appauthor=False) / FILE_NAME


def library_path(explicit: str | os.PathLike | None = None) -> Path:
    """The library file to use: the one named, else the environment's, else the default."""
    if explicit:
        return Path(explicit).expanduser()
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env).expanduser()
    return default_library_path()
