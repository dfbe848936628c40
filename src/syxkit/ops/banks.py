"""Slot edits on user banks and building a bank's file in memory.

A user bank (syxkit.library.banks) is a dense, ordered list of patches: position 1 … N. Slots
after N are the empty ones; the device's bank format says how many it has (``bank_formats``),
and ``fill`` fills them from another bank (same positions) or with one patch (a blank).
Building goes through ``syxkit.library.export_bank`` into a temporary folder, so the bytes
are by construction those of ``syxkit lib bank export`` with the same options.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from syxkit.library import (
    Bank,
    Library,
    LibraryError,
    add_to_bank,
    bank_patches,
    export_bank,
    export_patches,
)
from syxkit.library.banks import _store
from syxkit.library.naming import safe_file_name


@dataclass(frozen=True)
class BankFormat:
    device: str
    model: str | None  # None: every model
    slots: dict[str, int]  # kind -> slots in one bank file (0: no fixed number)
    exact: bool  # the format needs every slot filled (else: builds with fewer)
    files: str  # what the export writes

    def to_json(self) -> dict[str, Any]:
        return {"device": self.device, "model": self.model, "slots": self.slots,
                "exact": self.exact, "files": self.files}


def _cz_capacity(model: str) -> tuple[int, int | None]:
    """Consecutive writable program addresses from the model's default bank start, and the
    tones per bank file."""
    from syxkit.devices.casio_cz.slots import LAYOUTS

    lay = LAYOUTS[model]
    n = 0
    # The edit buffer (0x60) is writable everywhere but is no bank slot, except on the
    # CZ-230S whose bank starts there (slot 96).
    while (lay.internal + n <= 0x7F and lay.writable(lay.internal + n)
           and (lay.internal + n != 0x60 or lay.internal == 0x60)):
        n += 1
    return n, lay.bank_size


def bank_formats() -> list[BankFormat]:
    from syxkit.devices.casio_cz.slots import MODELS as CZ_MODELS
    from syxkit.devices.casio_vz.table import BANK_SIZE
    from syxkit.devices.novation_kstation.table import MODELS as KS_MODELS

    out = [BankFormat("casio-vz", None, {"voice": BANK_SIZE, "operation-memory": BANK_SIZE}, True,
                      f"one 43,094-byte bulk dump: {BANK_SIZE} voices and {BANK_SIZE} "
                      "operation memories (either may be left out entirely)")]
    for model in CZ_MODELS:
        count, size = _cz_capacity(model)
        files = (f"{count // size} bank files of {size} tones" if size
                 else f"one file of up to {count} tones")
        out.append(BankFormat("casio-cz", model, {"tone": count}, False, files))
    for m in KS_MODELS:
        per_bank = max(m.banks.values())
        out.append(BankFormat("novation-kstation", m.name, {"program": per_bank}, True,
                              f"one file of {per_bank // 2} program-pair dumps per bank "
                              f"(banks {min(m.banks)}-{max(m.banks)})"))
    out.append(BankFormat("yamaha-dtxtreme2", None, {}, False, "one bulk backup file"))
    return out


def bank_format(device: str, model: str | None) -> BankFormat | None:
    fallback = None
    for f in bank_formats():
        if f.device != device:
            continue
        if f.model is None or f.model == model:
            return f
        fallback = fallback or f
    return fallback if model is None else None


def slot_capacity(device: str, model: str | None) -> int | None:
    """How many slots a bank of this device and model shows (None: no fixed number)."""
    fmt = bank_format(device, model)
    if fmt is None or not fmt.slots:
        return None
    return sum(fmt.slots.values()) if device == "casio-vz" else max(fmt.slots.values())


# -- slot edits (1-based positions, as on the panels and in the CLI) -------------------------
def _index(bank: Bank, position: int, *, allow_end: bool) -> int:
    top = len(bank.patch_ids) + (1 if allow_end else 0)
    if not 1 <= position <= top:
        if allow_end:
            raise LibraryError(f"bank {bank.name!r} holds {len(bank.patch_ids)} patch(es); slot "
                               f"{position} would leave empty slots before it (a bank has no "
                               f"holes: use slot 1-{top}, or fill the empty slots first)")
        raise LibraryError(f"bank {bank.name!r} has slots 1-{len(bank.patch_ids)}; {position} "
                           "is empty or outside" if bank.patch_ids else f"bank {bank.name!r} is empty")
    return position - 1


def set_slot(lib: Library, bank: Bank, position: int, patch_id: int) -> Bank:
    """Put a patch in a slot: replaces what is there; one after the last slot appends."""
    (patch,) = lib.get_many([patch_id])
    if patch.device != bank.device:
        raise LibraryError(f"bank {bank.name!r} is for {bank.device}; patch {patch.id} is a "
                           f"{patch.device} patch")
    i = _index(bank, position, allow_end=True)
    order = list(bank.patch_ids)
    if i == len(order):
        order.append(patch_id)
    else:
        order[i] = patch_id
    return _store(lib, bank, order)


def swap_slots(lib: Library, bank: Bank, a: int, b: int) -> Bank:
    i, j = _index(bank, a, allow_end=False), _index(bank, b, allow_end=False)
    order = list(bank.patch_ids)
    order[i], order[j] = order[j], order[i]
    return _store(lib, bank, order)


def fill(lib: Library, bank: Bank, *, from_bank: Bank | None = None, patch_id: int | None = None,
         upto: int | None = None) -> Bank:
    """Fill the empty slots after the last one, up to ``upto`` (default: the format's slot
    count): from ``from_bank``'s patch at the same position, else with ``patch_id``. Without
    a patch for a slot the filling stops there (a bank has no holes)."""
    if from_bank is None and patch_id is None:
        raise LibraryError("say what to fill with: another bank or a patch")
    if from_bank is not None and from_bank.device != bank.device:
        raise LibraryError(f"bank {from_bank.name!r} is for {from_bank.device}, "
                           f"not {bank.device}")
    top = upto if upto is not None else slot_capacity(bank.device, bank.model)
    if top is None:
        raise LibraryError(f"{bank.device} banks have no fixed number of slots; say how many "
                           "(upto)")
    if patch_id is not None:
        (pad,) = lib.get_many([patch_id])
        if pad.device != bank.device:
            raise LibraryError(f"patch {pad.id} is a {pad.device} patch, not {bank.device}")
    if patch_id is not None and from_bank is None and upto is None:
        # A blank fills the slots of its own kind: a VZ bulk holds 64 voices and 64 operation
        # memories, so a blank voice tops the voices up to 64, not the bank up to 128.
        fmt = bank_format(bank.device, bank.model)
        per_kind = fmt.slots.get(pad.kind) if fmt is not None else None
        if per_kind:
            have = sum(p.kind == pad.kind for p in bank_patches(lib, bank))
            top = len(bank.patch_ids) + max(0, per_kind - have)
    ids: list[int] = []
    for position in range(len(bank.patch_ids) + 1, top + 1):
        source = from_bank.patch_ids if from_bank is not None else []
        pick = source[position - 1] if position - 1 < len(source) else patch_id
        if pick is None:
            break
        ids.append(pick)
    if not ids:
        return bank
    return add_to_bank(lib, bank, ids)


# -- building ----------------------------------------------------------------------------------
@dataclass
class Built:
    files: list[tuple[str, bytes]]  # file name -> bytes, as `lib bank export` writes them
    notes: list[str] = field(default_factory=list)
    unused_options: list[str] = field(default_factory=list)


def build_bank(lib: Library, bank: Bank, *, options: dict[str, Any] | None = None,
               pad_with: int | None = None) -> Built:
    """The bank's file(s) in the device's format, named as ``syxkit lib bank export -o
    BANK.syx`` names them (one file: BANK.syx; several: BANK-<part>.syx)."""
    stem = safe_file_name(bank.name, "bank")
    with tempfile.TemporaryDirectory(prefix="syxkit-bank-") as tmp:
        result = export_bank(lib, bank, Path(tmp) / f"{stem}.syx", options=options,
                             pad_with=pad_with)
        files = [(p.name, p.read_bytes()) for p in result.written]
    return Built(files, result.notes, result.unused_options)


def export_bytes(lib: Library, ids: list[int], form: str) -> tuple[bytes, list[str]]:
    """Patches as one .syx (every message in order) or a .zip of one .syx per patch: the
    bytes ``syxkit lib export --id … -o OUT.syx|zip`` writes."""
    if form not in ("syx", "zip"):
        raise LibraryError(f"format {form!r}: use syx or zip")
    patches = lib.get_many(ids)
    with tempfile.TemporaryDirectory(prefix="syxkit-export-") as tmp:
        target = Path(tmp) / f"patches.{form}"
        result = export_patches(lib, patches, target)
        return target.read_bytes(), result.notes


def check_bank(lib: Library, bank: Bank, *, options: dict[str, Any] | None = None,
               pad_with: int | None = None) -> dict[str, Any]:
    """Can the bank be built? Built for real (in memory), so the answer is the driver's."""
    patches = bank_patches(lib, bank)
    capacity = slot_capacity(bank.device, bank.model)
    out: dict[str, Any] = {"bank": bank.name, "device": bank.device, "model": bank.model,
                           "size": len(patches), "slots": capacity,
                           "empty": None if capacity is None else max(0, capacity - len(patches))}
    try:
        built = build_bank(lib, bank, options=options, pad_with=pad_with)
    except LibraryError as exc:
        out.update(ok=False, reason=str(exc), files=[], notes=[])
        return out
    out.update(ok=True, reason=None, files=[{"name": n, "bytes": len(d)} for n, d in built.files],
               notes=built.notes, unused_options=built.unused_options)
    return out


def zip_files(files: list[tuple[str, bytes]]) -> bytes:
    """Files (name, bytes) as one zip, in memory (a bank as single files to download)."""
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files:
            zf.writestr(name, data)
    return buf.getvalue()


def blank_patch(library: Library, device: str) -> int:
    """The driver's own example/init object as a library patch (imported once, recorded as
    ``syxkit/blank-<device>.syx``)."""
    import tempfile

    from syxkit.devices import registry
    from syxkit.library.importer import write_work
    from syxkit.library.messages import driver
    from syxkit.library.planning import read_file

    data = driver(device).example()
    if not data:
        raise LibraryError(f"the {device} driver has no blank to fill with; choose a patch")
    with tempfile.TemporaryDirectory(prefix="syxkit-blank-") as tmp:
        path = Path(tmp) / "blank.syx"
        path.write_bytes(data)
        work = read_file(path, None, registry.foreign_readers(), f"syxkit/blank-{device}.syx")
        write_work(library, work, {})
    fps = [r.fp for m in work.members for r in m.rows]
    if not fps:
        raise LibraryError(f"the {device} driver's blank holds no sound object")
    row = library.conn.execute("SELECT id FROM patches WHERE fingerprint = ?", (fps[0],)).fetchone()
    return row[0]
