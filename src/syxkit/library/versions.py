"""Versions of a patch: an edited sound saved as a new patch that knows which patch it came
from (``patches.parent_id``, schema version 4). The old patch stays as it was."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from syxkit.devices.base import DeviceError, OptionError
from syxkit.library.fingerprint import fingerprint
from syxkit.library.messages import driver, export_message
from syxkit.library.naming import clean_device_name, norm_name
from syxkit.library.store import Library, LibraryError, Patch, UsageError, now
from syxkit.library.vocabulary import fits_text


@dataclass
class NewVersion:
    patch: Patch  # the new version (or the patch that already holds this sound)
    parent: Patch
    created: bool  # False: the sound was in the library already (nothing added)
    changes: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"id": self.patch.id, "parent_id": self.parent.id, "created": self.created,
                "name": self.patch.name, "changes": self.changes, "notes": self.notes}


def save_version(lib: Library, parent: Patch, data: bytes) -> tuple[Patch, bool]:
    """Store ``data`` (one message holding one object of the parent's device) as a new
    version of ``parent``: its name (the dump's own when it stores one), tags and models
    follow the parent. A sound already in the library is not stored twice: returns that
    patch and False."""
    from syxkit.ops.edit import target_of_bytes

    dev = driver(parent.device)
    target = target_of_bytes(data, None, f"new version of patch {parent.id}")
    obj = target.obj
    sound = dev.sound_bytes(obj)
    if sound is None or target.device.id != dev.id:
        raise LibraryError(f"patch {parent.id}: the edited dump is not a {dev.id} sound")
    fp = fingerprint(dev.id, obj.kind, sound)
    found = lib.conn.execute("SELECT id FROM patches WHERE fingerprint = ?", (fp,)).fetchone()
    if found is not None:
        return lib.get(found[0]), False
    name, name_from = parent.name, parent.name_from
    own = clean_device_name(obj.name)
    if own and own != parent.name:
        name, name_from = own, "device"
    when = now()
    with lib.transaction() as c:
        (message_id,) = c.execute("INSERT INTO messages (data) VALUES (?) RETURNING id",
                                  (data,)).fetchone()
        (pid,) = c.execute(
            "INSERT INTO patches (fingerprint, device, kind, model, name, name_key, name_from, "
            "payload, message_id, created_at, modified_at, fits, parent_id) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            (fp, dev.id, parent.kind, parent.model, name, norm_name(name), name_from,
             obj.payload, message_id, when, when,
             fits_text(dev.fits(obj)) or fits_text(parent.fits), parent.id)).fetchone()
        c.execute("INSERT INTO patch_tags (patch_id, tag_id) SELECT ?, tag_id FROM patch_tags "
                  "WHERE patch_id = ?", (pid, parent.id))
        c.execute("INSERT INTO patches_fts (rowid, name, tags) VALUES (?, ?, ?)",
                  (pid, name, " ".join(parent.tags)))
    return lib.get(pid), True


def set_patch(lib: Library, patch_id: int, assignments: Iterable[str]) -> NewVersion:
    """``lib set``: the patch with KEY=VALUE changes made, saved as a new version of it."""
    from syxkit.ops.edit import edit_object, parse_assignments, target_of_bytes

    parent = lib.live([patch_id])[0]
    notes: list[str] = []
    try:
        data = export_message(lib, parent, None, notes)  # a user-given name written in
        target = target_of_bytes(data, None, f"patch {parent.id}")
        edited = edit_object(target, dict(parse_assignments(assignments)))
    except OptionError as exc:
        raise UsageError(f"patch {parent.id}: {exc}") from None
    except DeviceError as exc:
        raise LibraryError(f"patch {parent.id}: {exc}") from None
    if not edited.changes:
        return NewVersion(parent, parent, False, [], notes + edited.notes)
    patch, created = save_version(lib, parent, edited.data)
    if not created:
        notes.append(f"that sound is already in the library as patch {patch.id}; nothing added")
    return NewVersion(patch, parent, created, edited.changes, notes + edited.notes)


def history(lib: Library, patch_id: int) -> dict[str, Any]:
    """Where a patch came from and what was made of it: ``parent`` (id or None),
    ``ancestors`` (parent first, up to the original) and ``children`` (direct versions)."""
    ancestors: list[int] = []
    current = patch_id
    while True:
        row = lib.conn.execute("SELECT parent_id FROM patches WHERE id = ?", (current,)).fetchone()
        if row is None or row[0] is None or row[0] in ancestors or row[0] == patch_id:
            break
        ancestors.append(row[0])
        current = row[0]
    children = [r[0] for r in lib.conn.execute(
        "SELECT id FROM patches WHERE parent_id = ? ORDER BY id", (patch_id,))]
    return {"parent": ancestors[0] if ancestors else None, "ancestors": ancestors,
            "children": children}


def save_over(lib: Library, parent: Patch, data: bytes) -> tuple[Patch, bool, list[str]]:
    """"Save over" from the editor: ``data`` stored as a new version of ``parent`` (so the
    old sound stays in the history, reachable as the new one's parent) that takes the old
    one's place: its bank slots, notes and favourite mark; the old patch goes to the trash.
    A sound already in the library is not stored twice: then nothing is moved (a note says
    which patch holds it)."""
    patch, created = save_version(lib, parent, data)
    if not created:
        return patch, False, [f"that sound is already in the library as patch {patch.id}; "
                              "nothing saved over"]
    with lib.transaction() as c:
        c.execute("UPDATE bank_slots SET patch_id = ? WHERE patch_id = ?", (patch.id, parent.id))
        c.execute("UPDATE patches SET notes = ?, favourite = ? WHERE id = ?",
                  (parent.notes, int(bool(parent.favourite)), patch.id))
    lib.remove([parent.id])
    return lib.get(patch.id), True, [f"patch {parent.id} (the old sound) is in the trash and "
                                     f"in the history of patch {patch.id}"]
