"""The faces (the command line, the web server, the devices' own commands) stay thin: they
parse, call syxkit.ops and render. File-format work found in them is logic the other face
would have to copy; the ops layer in turn knows no terminal, no click and no exit codes."""

from __future__ import annotations

import re
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "syxkit"

FACES = (sorted((SRC / "cli").glob("*.py")) + sorted((SRC / "web").glob("*.py"))
         + sorted((SRC / "devices").glob("*/cli.py")))

# (pattern, what it means, where it belongs)
FILE_FORMAT_WORK = [
    (r"\batomic_write\b", "writes files itself", "syxkit.ops.files.write_file / write_outputs"),
    (r"\bframe(_messages)?\(", "frames SysEx bytes itself", "syxkit.ops (files, backup)"),
    (r"/\s*\"manifest\.json\"|json\.dumps\(manifest", "builds a backup manifest",
     "syxkit.ops.backup.BackupFiles"),
    (r"\bhashlib\b", "fingerprints / checksums files", "syxkit.ops.backup.describe_file"),
    (r"\.identify\(", "identifies messages itself", "syxkit.ops"),
    (r"\bwrite_work\(|\bread_file\(", "imports into the library itself", "syxkit.ops.imports"),
    (r"\bdev\.rename\(|\.rename\(entry\.dump", "renames dumps itself", "syxkit.ops.files.rename"),
]

FACE_THINGS = [
    (r"^\s*(import|from)\s+(click|rich|fastapi|starlette)\b", "imports a face library"),
    (r"(?<![\w.])print\(", "prints"),
    (r"\bsys\.exit\(|\bSystemExit\b", "exits"),
]


def _code_lines(path: Path):
    in_doc = False
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        stripped = line.strip()
        # docstrings and comments may name these things; only code counts
        if stripped.count('"""') == 1:
            in_doc = not in_doc
            continue
        if in_doc or stripped.startswith(("#", '"""')):
            continue
        yield number, line


def test_faces_hold_no_file_format_logic():
    found = []
    for path in FACES:
        for number, line in _code_lines(path):
            for pattern, what, where in FILE_FORMAT_WORK:
                if re.search(pattern, line):
                    found.append(f"{path.relative_to(SRC)}:{number}: {what} ({line.strip()}); "
                                 f"move it to {where} and call that")
    assert not found, ("the faces must only parse, call syxkit.ops and render:\n"
                       + "\n".join(found))


def test_ops_know_no_face():
    found = []
    for path in sorted((SRC / "ops").glob("*.py")):
        for number, line in _code_lines(path):
            for pattern, what in FACE_THINGS:
                if re.search(pattern, line):
                    found.append(f"{path.relative_to(SRC)}:{number}: {what} ({line.strip()})")
    assert not found, ("syxkit.ops is shared by the CLI and the web: return results and raise "
                       "DeviceError/OptionError/OutputError/LibraryError instead:\n"
                       + "\n".join(found))


def test_the_checks_find_what_they_look_for(tmp_path):
    # the patterns are not dead: each flags a line that does the thing
    samples = {
        "atomic_write(out, data)": 0, "frame_messages(data)": 1,
        'atomic_write(folder / "manifest.json", x)': 2, "import hashlib": 3,
        "dump = dev.identify(message)": 4, "write_work(lib, work, {})": 5,
        "new = dev.rename(d, name, o)": 6,
    }
    for line, k in samples.items():
        assert re.search(FILE_FORMAT_WORK[k][0], line), line
    for line, k in {"import click": 0, "from rich.text import Text": 0, "    print(x)": 1,
                    "raise SystemExit(1)": 2}.items():
        assert re.search(FACE_THINGS[k][0], line), line
    assert not re.search(FACE_THINGS[1][0], "console.print(x)")
