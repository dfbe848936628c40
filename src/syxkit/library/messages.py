"""Stored patches back to dumps and message bytes, through their drivers.

A patch keeps its own standalone message (for a single message: that message as found; for a
part of a bulk message: what the driver's split() builds). Unless the user renamed the patch
or asked for another address, export gives exactly those bytes back.
"""

from __future__ import annotations

from typing import Any

from syxkit.core.framing import frame
from syxkit.devices import registry
from syxkit.devices.base import Device, DeviceError, Dump, OptionError, Options, Unsupported
from syxkit.library.naming import clean_device_name
from syxkit.library.store import Library, LibraryError, Patch, UsageError

# Options a user may give to re-address or re-form exported patches and banks (the names the
# drivers read, as in the generic CLI operations).
READDRESS_KEYS = ("channel", "program", "bank", "model", "form", "edit_buffer", "store_to_bank",
                  "device_number")


def driver(device_id: str) -> Device:
    try:
        return registry.get(device_id)
    except KeyError as exc:
        known = ", ".join(d.id for d in registry.devices())
        raise LibraryError(f"no {device_id!r} driver is installed (known: {known})") from exc


def _identify_all(dev: Device, data: bytes, what: str) -> list[Dump]:
    """The dumps of stored bytes: one message, or several for an object sent in pieces (a
    song in packets)."""
    messages = frame(data).messages
    if not messages:
        raise LibraryError(f"{what}: stored bytes hold no SysEx message")
    dumps = [dev.identify(m) if dev.accepts(m.data) else None for m in messages]
    if any(d is None for d in dumps):
        raise LibraryError(f"{what}: the {dev.id} driver no longer recognises the stored message")
    return dumps  # type: ignore[return-value]


def _identify(dev: Device, data: bytes, what: str) -> Dump:
    return _identify_all(dev, data, what)[0]


def _only_object(dev: Device, dump: Dump, what: str) -> Dump:
    objs = dev.objects(dump)
    if len(objs) != 1:
        raise LibraryError(f"{what}: stored message holds {len(objs)} objects, expected 1")
    return objs[0]


def standalone_message(lib: Library, patch: Patch) -> bytes:
    data = lib.message(patch.message_id)
    if data is None:
        raise LibraryError(
            f"patch {patch.id}: the {patch.device} driver builds no standalone message for this "
            f"{patch.kind} (it is kept inside its bulk message); export it with --original")
    return data


def patch_dumps(lib: Library, patch: Patch) -> list[Dump]:
    """The patch as its driver reads it (several dumps for an object sent in pieces): from
    its standalone message, else from the first source's whole message and the part index."""
    dev = driver(patch.device)
    what = f"patch {patch.id}"
    if patch.message_id is not None:
        dumps = _identify_all(dev, standalone_message(lib, patch), what)
        return [_only_object(dev, dumps[0], what)] if len(dumps) == 1 else dumps
    for src in patch.sources:
        dump = _identify(dev, lib.message(src.message_id) or b"", what)
        objs = dev.objects(dump)
        for k, obj in enumerate(objs):
            if (obj.index if obj.index is not None else k) == src.part:
                return [obj]
    raise LibraryError(f"{what}: none of its sources can be read back")


def patch_dump(lib: Library, patch: Patch) -> Dump:
    """The patch's (first) dump."""
    return patch_dumps(lib, patch)[0]


def decoded(lib: Library, patch: Patch) -> dict[str, Any]:
    """``decode --json``-shaped object for a patch (params are the driver's; an object sent
    in pieces gives one params object per piece under "pieces")."""
    dumps = patch_dumps(lib, patch)
    dump = dumps[0]
    dev = driver(patch.device)
    try:
        params = (dev.decode(dump) if len(dumps) == 1
                  else {"pieces": [dev.decode(d) for d in dumps]})
    except DeviceError as exc:
        raise LibraryError(f"patch {patch.id}: {exc}") from exc
    return {"device": dump.device, "kind": dump.kind, "model": dump.model or patch.model,
            "channel": dump.channel, "bank": dump.bank, "program": dump.program,
            "slot": dump.slot, "name": patch.name, "params": params}


def export_message(lib: Library, patch: Patch, options: Options | None = None,
                   notes: list[str] | None = None) -> bytes:
    """The bytes to write for a patch: its standalone message, with a user-given name written
    in where the device stores names, re-addressed by the driver's convert() when asked."""
    notes = [] if notes is None else notes
    dev = driver(patch.device)
    data = standalone_message(lib, patch)
    what = f"patch {patch.id}"
    if patch.name_from == "user":
        dumps = _identify_all(dev, data, what)
        dump = dumps[0]
        if len(dumps) > 1:
            notes.append(f"{what}: name {patch.name!r} kept in the library only (the object is "
                         "sent in several messages)")
        elif dump.name is not None and clean_device_name(dump.name) != patch.name:
            try:
                data = dev.rename(dump, patch.name, Options(index=None))
            except (DeviceError, ValueError) as exc:
                notes.append(f"{what}: name {patch.name!r} not written into the dump: {exc}")
    if options is not None:  # the caller passes options only when asked to re-address
        try:
            outputs = dev.convert(_identify_all(dev, data, what), options)
        except DeviceError as exc:
            raise LibraryError(f"{what}: {exc}") from exc
        data = b"".join(o.data for o in outputs)
    return data


def export_dumps(lib: Library, patch: Patch, notes: list[str] | None = None) -> list[Dump]:
    """The patch as Dumps ready for join(): its export bytes (user name applied) re-read;
    several for an object sent in pieces."""
    dev = driver(patch.device)
    what = f"patch {patch.id}"
    dumps = _identify_all(dev, export_message(lib, patch, None, notes), what)
    return [_only_object(dev, dumps[0], what)] if len(dumps) == 1 else dumps


def _name_back(dev: Device, data: bytes, index: int | None) -> str | None:
    """The name a device will show for renamed bytes (read back through the driver)."""
    for dump in _identify_all(dev, data, "renamed patch")[:1]:
        objs = dev.objects(dump)
        for k, obj in enumerate(objs):
            if len(objs) == 1 or (obj.index if obj.index is not None else k) == index:
                return clean_device_name(obj.name)
    return None


def check_patch_name(lib: Library, patch: Patch, name: str) -> tuple[str, bool, str]:
    """The name a patch would get, by the device's own rules (length, character set): the
    driver's ``check_name`` where it has one, else its ``rename`` on the stored bytes, so
    exactly what the top-level ``rename`` accepts. Returns (name as the device will show
    it, whether export writes it into the dump, a note). A name the device cannot take
    raises LibraryError with the driver's reason."""
    name = name.strip()
    if not name:
        raise LibraryError("a name cannot be empty")
    dev = driver(patch.device)
    try:
        dumps = patch_dumps(lib, patch)
    except LibraryError:
        dumps = []
    if len(dumps) != 1 or dumps[0].name is None:
        why = ("it is sent in several messages" if len(dumps) > 1
               else f"a {patch.device} {patch.kind} stores no name")
        return name, False, f"name kept in the library only ({why})"
    dump = dumps[0]
    what = f"patch {patch.id} ({patch.device} {patch.kind})"
    check = getattr(dev, "check_name", None)
    try:
        if callable(check):
            try:
                shown = check(name, dump)
                return (clean_device_name(shown) or name), True, ""
            except Unsupported:
                pass  # no rule table: the driver's rename decides below
        data = dev.rename(dump, name, Options(index=dump.index))
    except OptionError as exc:  # the driver calls it a bad value: a usage error (exit 2)
        raise UsageError(f"{what}: {exc}") from None
    except (DeviceError, ValueError) as exc:
        raise LibraryError(f"{what}: {exc}") from None
    try:
        shown = _name_back(dev, data, dump.index)
    except LibraryError:
        shown = None
    return (shown or name), True, ""


def rename_patch(lib: Library, patch_id: int, name: str) -> tuple[Patch, str]:
    """Rename a patch after checking the name by its device's rules (see check_patch_name);
    returns the renamed patch and a note (empty, or where the name is kept)."""
    patch = lib.live([patch_id])[0]
    stored, _, note = check_patch_name(lib, patch, name)
    lib.rename(patch_id, stored)
    return lib.get(patch_id), note
