"""Importing files into the library with a per-file answer, once for both faces: the web's
``POST /api/import`` answers with it, and a CLI or script can call it for the same words."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from syxkit.devices import registry
from syxkit.library import Library


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


def import_file(lib: Library, path: str | Path, name: str, stored_as: str, size: int,
                error: str | None = None) -> dict[str, Any]:
    """One file into the library, and what became of it: status, problems, notes, and per
    patch whether it is new, already in the library (with the name it has THERE, never
    hidden or silently merged) or a repeat within the file; ``bank`` offers the file's
    patches as a bank in their own order when they are of one device. ``name`` is the name the
    user knows the file by, ``stored_as`` the path the library records, ``error`` a reason the
    file could not be received at all."""
    result: dict[str, Any] = {
        "name": name, "stored_as": stored_as, "size": size,
        "status": "failed", "error": error, "problems": [], "notes": [], "objects": 0,
        "new": 0, "in_library": 0, "patches": [], "bank": None}
    if error is None and size == 0:
        result["error"] = "empty file (0 bytes): nothing to import"
    if result["error"] is not None:
        return result
    from syxkit.library.importer import write_work
    from syxkit.library.planning import read_file

    work = read_file(Path(path), None, registry.foreign_readers(), stored_as)
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
        device = devices.pop()
        # A dump's model may name a family ("VZ-1/VZ-10M"); a bank takes one model the driver
        # knows, or none (then the bank fits every model the patches fit).
        known = set(registry.get(device).models)
        models = {p["model"] for p in result["patches"] if p["model"]}
        result["bank"] = {"device": device,
                          "model": models.pop() if len(models) == 1 and models <= known else None,
                          "ids": [p["id"] for p in result["patches"]]}
    return result
