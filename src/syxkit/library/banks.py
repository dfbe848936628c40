"""User banks: an ordered list of patches of one device, exported in the device's own bank
format through the driver's join() (CZ bank files, VZ bulk, K-Station 50-pair bank, DTX
backup …). Positions are 1-based, as on the synths' panels and in the CLI."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from syxkit.devices.base import DeviceError, Options
from syxkit.library.export import write_outputs
from syxkit.library.messages import driver, export_dumps
from syxkit.library.store import Library, LibraryError, Patch, now, renumber_bank


@dataclass
class Bank:
    id: int
    name: str
    device: str
    model: str | None
    created_at: str
    patch_ids: list[int] = field(default_factory=list)

    def to_json(self, patches: list[Patch] | None = None) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "name": self.name, "device": self.device,
                               "model": self.model, "size": len(self.patch_ids)}
        if patches is not None:
            out["slots"] = [{"position": i + 1, "id": p.id, "name": p.name, "kind": p.kind,
                             "model": p.model} for i, p in enumerate(patches)]
        return out


@dataclass
class BankExport:
    written: list[Path]
    notes: list[str]
    unused_options: list[str]

    def to_json(self) -> dict[str, Any]:
        return {"written": [str(p) for p in self.written], "notes": self.notes,
                "unused_options": self.unused_options}


def create_bank(lib: Library, name: str, device: str, model: str | None = None) -> Bank:
    name = name.strip()
    if not name:
        raise LibraryError("a bank needs a name")
    dev = driver(device)
    if model and dev.models and model.casefold() not in {m.casefold() for m in dev.models}:
        raise LibraryError(f"{dev.id} has no model {model!r} (known: {', '.join(dev.models)})")
    if model and dev.models:
        model = next(m for m in dev.models if m.casefold() == model.casefold())
    try:
        with lib.transaction() as c:
            c.execute("INSERT INTO banks (name, device, model, created_at) VALUES (?, ?, ?, ?)",
                      (name, dev.id, model, now()))
    except sqlite3.IntegrityError as exc:
        raise LibraryError(f"a bank named {name!r} exists already") from exc
    return get_bank(lib, name)


def get_bank(lib: Library, ref: str | int) -> Bank:
    """A bank by name (any case) or by id."""
    row = lib.conn.execute("SELECT id, name, device, model, created_at FROM banks WHERE name = ?",
                           (str(ref),)).fetchone()
    if row is None and str(ref).isdigit():
        row = lib.conn.execute("SELECT id, name, device, model, created_at FROM banks "
                               "WHERE id = ?", (int(ref),)).fetchone()
    if row is None:
        raise LibraryError(f"no bank named {ref!r}")
    bank = Bank(*row)
    bank.patch_ids = [r[0] for r in lib.conn.execute(
        "SELECT patch_id FROM bank_slots WHERE bank_id = ? ORDER BY position", (bank.id,))]
    return bank


def list_banks(lib: Library) -> list[Bank]:
    names = [r[0] for r in lib.conn.execute("SELECT name FROM banks ORDER BY name COLLATE NOCASE")]
    return [get_bank(lib, n) for n in names]


def bank_patches(lib: Library, bank: Bank) -> list[Patch]:
    return lib.get_many(bank.patch_ids) if bank.patch_ids else []


def _store(lib: Library, bank: Bank, ids: list[int]) -> Bank:
    with lib.transaction() as c:
        c.execute("DELETE FROM bank_slots WHERE bank_id = ?", (bank.id,))
        c.executemany("INSERT INTO bank_slots (bank_id, position, patch_id) VALUES (?, ?, ?)",
                      [(bank.id, i, pid) for i, pid in enumerate(ids)])
        renumber_bank(c, bank.id)
    return get_bank(lib, bank.id)


def _position(bank: Bank, position: int, *, allow_end: bool = False) -> int:
    top = len(bank.patch_ids) + (1 if allow_end else 0)
    if not 1 <= position <= top:
        raise LibraryError(f"bank {bank.name!r} has positions 1..{top}; {position} is outside"
                           if top else f"bank {bank.name!r} is empty")
    return position - 1


def add_to_bank(lib: Library, bank: Bank, ids: list[int], at: int | None = None) -> Bank:
    """Insert patches at position ``at`` (1-based; default: the end). The same patch may sit
    in several slots (blank or init tones often do). A patch in the trash is refused."""
    patches = lib.live(ids)
    wrong = [p for p in patches if p.device != bank.device]
    if wrong:
        raise LibraryError(f"bank {bank.name!r} is for {bank.device}; patch "
                           f"{', '.join(f'{p.id} ({p.device})' for p in wrong)} is not")
    order = list(bank.patch_ids)
    index = len(order) if at is None else _position(bank, at, allow_end=True)
    order[index:index] = ids
    return _store(lib, bank, order)


def move_in_bank(lib: Library, bank: Bank, source: int, target: int) -> Bank:
    order = list(bank.patch_ids)
    pid = order.pop(_position(bank, source))
    order.insert(_position(bank, target), pid)
    return _store(lib, bank, order)


def remove_from_bank(lib: Library, bank: Bank, positions: list[int]) -> Bank:
    drop = {_position(bank, p) for p in positions}
    return _store(lib, bank, [pid for i, pid in enumerate(bank.patch_ids) if i not in drop])


def delete_bank(lib: Library, bank: Bank) -> None:
    with lib.transaction() as c:
        c.execute("DELETE FROM banks WHERE id = ?", (bank.id,))


def export_bank(lib: Library, bank: Bank, target: str | Path, *,
                options: dict[str, Any] | None = None, pad_with: int | None = None) -> BankExport:
    """The bank in the device's own bank format, built by the driver's join(). ``options``
    go to the driver (model defaults to the bank's); ``pad_with`` names a patch that fills
    the slots the format has and the bank does not."""
    patches = bank_patches(lib, bank)
    if not patches:
        raise LibraryError(f"bank {bank.name!r} is empty")
    dev = driver(bank.device)
    notes: list[str] = []
    dumps = [d for p in patches for d in export_dumps(lib, p, notes)]
    values = dict(options or {})
    if bank.model and not values.get("model"):
        values["model"] = bank.model
    if pad_with is not None:
        (pad,) = lib.get_many([pad_with])
        if pad.device != bank.device:
            raise LibraryError(f"--pad-with patch {pad.id} is a {pad.device} patch, "
                               f"not {bank.device}")
        values["pad_with"] = export_dumps(lib, pad, notes)
    opts = Options(**values)
    try:
        outputs = dev.join(dumps, opts)
    except DeviceError as exc:
        raise LibraryError(f"bank {bank.name!r}: {exc}") from exc
    if not outputs:
        raise LibraryError(f"bank {bank.name!r}: the {dev.id} driver built nothing")
    return BankExport(write_outputs(outputs, target), notes, opts.unused())
