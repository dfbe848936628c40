"""The patch library: a SQLite store of sound objects found in dump files, with where each was
seen, names, tags, favourites, notes and user banks. No terminal code here; ``syxkit lib``
(cli/lib.py) parses arguments and renders what these functions return."""

from syxkit.library.banks import (
    Bank,
    add_to_bank,
    bank_patches,
    create_bank,
    delete_bank,
    export_bank,
    get_bank,
    list_banks,
    move_in_bank,
    remove_from_bank,
)
from syxkit.library.export import ExportResult, export_patches
from syxkit.library.importer import FileReport, ImportReport, import_paths
from syxkit.library.messages import (
    check_patch_name,
    decoded,
    export_message,
    patch_dump,
    rename_patch,
)
from syxkit.library.paths import ENV_VAR, default_library_path, library_path
from syxkit.library.query import (
    Query,
    find,
    find_ids,
    resolve,
    same_name_different_sounds,
    same_sound_different_names,
    seen_several_times,
)
from syxkit.library.store import Library, LibraryError, Patch, Source, UsageError

__all__ = [
    "ENV_VAR", "Bank", "ExportResult", "FileReport", "ImportReport", "Library", "LibraryError",
    "Patch", "Query", "Source", "UsageError", "add_to_bank", "bank_patches", "check_patch_name",
    "create_bank", "decoded",
    "default_library_path", "delete_bank", "export_bank", "export_message", "export_patches",
    "find", "find_ids", "get_bank", "import_paths", "library_path", "list_banks", "move_in_bank",
    "patch_dump", "remove_from_bank", "rename_patch", "resolve", "same_name_different_sounds", "same_sound_different_names",
    "seen_several_times",
]
