"""The ``novation-kstation`` driver: K-Station, A-Station and KS series (KS-4, KS-5, KS-Rack)."""

from __future__ import annotations

from syxkit.core.message import Message
from syxkit.devices.base import Device, DeviceError, Dump, Options, Output
from syxkit.devices.novation_kstation import banks
from syxkit.devices.novation_kstation.banks import Prog
from syxkit.devices.novation_kstation.identify import identify as identify_message
from syxkit.devices.novation_kstation.messages import (
    Header,
    KStationError,
    build,
    model_of,
    parse,
    program_dump,
)
from syxkit.devices.novation_kstation.program import BlockError, decode_block, encode_block
from syxkit.devices.novation_kstation.table import (
    BLOCK,
    DEVICE_ID,
    GLOBAL_BLOCK,
    KIND_BY_NAME,
    MODELS,
    PREFIX,
    Model,
    init_block,
)

TYPE_CHECKING = False  # typing costs a few ms at start (syxkit info); annotations are strings
if TYPE_CHECKING:
    from typing import Any

PROGRAM_FORMS = ("current-sound", "program", "program-pair")


def _store_notes(data: bytes) -> list[str]:
    """What the control byte of a written program or pair means (never changed silently)."""
    h = parse(data).header
    if not h.kind.addressed:
        return []
    if h.bank == 0:
        return ["C = 0, B = 0: the device stores this in the bank selected on its panel "
                "(B = 0 names no bank); give --bank N to store in a bank of your choice"]
    return [banks.control_note(h.control, h.bank)]


class KStation(Device):
    id = DEVICE_ID
    title = "Novation K-Station / A-Station / KS series"
    prefixes = tuple(PREFIX + bytes([m.device_type]) for m in MODELS)
    models = tuple(m.name for m in MODELS)
    # Counted as the panel shows them, which is also the wire: banks 1-4, programs 00-99.
    request_names = (
        ("current", "the current sound (edit buffer)"),
        ("program:B:P", "program P of bank B: bank 1-4 (KS series 1-8), program 0-99"),
        ("program:P", "program P 0-99 of the bank selected on the device"),
        ("pair:B:P", "programs P and P+1 of bank B (P even, 0-98)"),
        ("pair:P", "programs P and P+1 of the selected bank (P even, 0-98)"),
        ("bank:B", "all 100 programs of bank B as 50 pairs (bank 1-4)"),
        ("global", "the global settings block"),
    )
    kinds = ("program", "current-sound", "global")

    def identify(self, message: Message) -> Dump | None:
        return identify_message(message)

    # --- decode / encode -----------------------------------------------------------------------

    def _parsed(self, dump: Dump):
        parsed = parse(dump.message.data, dump.message.terminated) if dump.message else None
        if parsed is None or not parsed.complete:
            why = parsed.problems[0][1] if parsed and parsed.problems else "no message"
            raise DeviceError(f"{DEVICE_ID}: {dump.kind} dump cannot be decoded: {why}")
        return parsed

    def decode(self, dump: Dump) -> dict[str, Any]:
        parsed = self._parsed(dump)
        h = parsed.header
        header: dict[str, Any] = {"control": h.control, "vv": h.vv, "vi": h.vi,
                                  "sysex_channel": h.sysex_channel}
        if not h.kind.addressed:  # B and P sent as 0; kept here so odd values round-trip
            header.update(bank=h.bank, program=h.program)
        if not (dump.message.terminated and dump.message.data[-1:] == b"\xf7"):
            # A message cut before its F7 is encoded without one, so decode -> encode gives the
            # same bytes; adding the F7 is a repair, which `syxkit fix` does on request.
            header["f7"] = False
        out: dict[str, Any] = {"header": header}
        if h.kind.programs == 1:
            out.update(decode_block(parsed.data, h.model))
        elif h.kind.programs == 2:
            out["programs"] = [decode_block(parsed.data[:BLOCK], h.model),
                               decode_block(parsed.data[BLOCK:], h.model)]
        elif h.kind.data_size:  # the global block's layout is not documented: all raw
            out["raw"] = {"global_block": parsed.data.hex(" ").upper()}
        return out

    def encode(self, obj: dict[str, Any]) -> bytes:
        try:
            return self._encode(obj)
        except BlockError as exc:
            raise KStationError(f"{DEVICE_ID}: {exc}") from None

    def _encode(self, obj: dict[str, Any]) -> bytes:
        kind = KIND_BY_NAME.get(obj.get("kind"))
        if kind is None:
            raise KStationError(f"{DEVICE_ID}: kind {obj.get('kind')!r} is not one of "
                                f"{', '.join(KIND_BY_NAME)}")
        model = model_of(str(obj.get("model")))
        params = obj.get("params")
        if not isinstance(params, dict) or not isinstance(params.get("header"), dict):
            raise KStationError(f"{DEVICE_ID}: params.header (control, vv, vi, sysex_channel) "
                                "is missing")
        hp = params["header"]

        def num(source: dict, key: str, where: str) -> int:
            value = source.get(key)
            if isinstance(value, bool) or not isinstance(value, int):
                raise KStationError(f"{DEVICE_ID}: {where}{key} = {value!r}: expected a number")
            return value

        if kind.addressed:
            bank, program = num(obj, "bank", ""), num(obj, "program", "")
        else:
            bank, program = hp.get("bank", 0), hp.get("program", 0)
        h = Header(model, kind, num(hp, "control", "header."), num(hp, "vv", "header."),
                   num(hp, "vi", "header."), bank, program, num(hp, "sysex_channel", "header."))
        if kind.programs == 1:
            data = encode_block({k: v for k, v in params.items() if k != "header"})
        elif kind.programs == 2:
            blocks = params.get("programs")
            if not isinstance(blocks, list) or len(blocks) != 2:
                raise KStationError(f"{DEVICE_ID}: params.programs must hold the two programs "
                                    "of the pair")
            data = (encode_block(blocks[0], "params.programs[0]")
                    + encode_block(blocks[1], "params.programs[1]"))
        elif kind.data_size:
            raw = params.get("raw") if isinstance(params.get("raw"), dict) else params
            try:
                data = bytes.fromhex(str(raw.get("global_block", "")))
            except ValueError:
                raise KStationError(f"{DEVICE_ID}: global_block: expected {GLOBAL_BLOCK} bytes "
                                    "as hex") from None
        else:
            data = b""
        message = build(h, data)
        f7 = hp.get("f7", True)
        if not isinstance(f7, bool):
            raise KStationError(f"{DEVICE_ID}: header.f7 = {f7!r}: expected true or false")
        return message if f7 else message[:-1]

    # --- the editor's field model -------------------------------------------------------------

    def fields(self, kind: str, model: str | None = None) -> list[Any]:
        """Program fields from the program table (A-Station layout; the K-Station's assumed
        the same; the KS series' layout is unknown, so it has none)."""
        from syxkit.devices.novation_kstation.editor import KINDS, program_fields

        if kind not in KINDS:
            return super().fields(kind, model)
        return program_fields(model)

    def object_params(self, params: dict[str, Any], part: int | None) -> dict[str, Any]:
        # a pair dump decodes as {"header", "programs": [first, second]}; no names
        if part is None:
            return params
        return {"params": params["params"]["programs"][part]}

    # --- library hooks -------------------------------------------------------------------------

    def objects(self, dump: Dump) -> list[Dump]:
        if dump.kind == "program-pair":
            return list(dump.parts)
        if dump.kind in ("program", "current-sound", "global"):
            return [dump]
        return []  # requests and unreadable messages hold nothing to keep

    def sound_bytes(self, dump: Dump) -> bytes | None:
        if dump.kind in ("program", "current-sound") and dump.payload and len(dump.payload) == BLOCK:
            return dump.payload
        if dump.kind == "global" and dump.payload and len(dump.payload) == GLOBAL_BLOCK:
            return dump.payload  # the library keeps globals too (one per device setup)
        return None

    def example(self) -> bytes:
        return program_dump("K-Station", 1, 0, init_block(), control=0)

    def fix(self, dump: Dump) -> tuple[bytes, list[str]] | None:
        """No checksum or byte count to repair; a message whose data all arrived but whose F7
        is missing gets its F7 (encode keeps it missing, so that decode -> encode is exact)."""
        msg = dump.message
        if msg is None or (msg.terminated and msg.data[-1:] == b"\xf7"):
            return None
        parsed = parse(msg.data, False)
        if parsed is None or not parsed.complete:
            return None
        return msg.data + b"\xf7", ["added the missing F7 at the end of the message"]

    # --- operations ----------------------------------------------------------------------------

    def convert(self, dumps: list[Dump], options: Options) -> list[Output]:
        form = banks.form_of(options, PROGRAM_FORMS)
        control = banks.control_of(options, form)
        channel = banks.channel_of(options)
        items: list[tuple[str, Prog]] = []
        others = []
        for d in dumps:
            progs, other = banks.unpack(d)
            others += other
            own = "current-sound" if d.kind == "current-sound" else (
                "program-pair" if d.kind == "program-pair" else "program")
            items += [(form or own, p) for p in progs]
        all_progs = [p for _, p in items]
        override = banks.model_override(options, all_progs)
        if not items and not others:
            raise DeviceError(f"{DEVICE_ID}: nothing to convert")
        stored = [i for i, (f, _) in enumerate(items) if f != "current-sound"]
        if stored:
            model = banks.common_model([items[i][1] for i in stored], override)
            placed = banks.address([items[i][1] for i in stored], options, model)
            for i, p in zip(stored, placed, strict=True):
                items[i] = (items[i][0], p)
        outputs: list[Output] = []
        pair_progs = [p for f, p in items if f == "program-pair"]
        seq = 0
        for f, p in items:
            if f == "program-pair":
                continue
            m = override or p.model
            seq += f == "current-sound"
            data = banks.write_single(p, f, m, control, channel)
            outputs.append(Output(banks.file_name(p, f, seq), data, _store_notes(data)))
        for even, odd in banks.pairs_in_order(banks.by_slot(pair_progs)):
            m = override or even.model
            data = banks.write_pair(even, odd, m, control, channel)
            outputs.append(Output(banks.file_name(even, "program-pair"), data, _store_notes(data)))
        outputs += [Output(f"{banks.stem(o)}-{o.header.kind.name}.syx",
                           banks.write_other(o, override, channel)) for o in others]
        return banks.unique_names(outputs)

    def split(self, dumps: list[Dump], options: Options) -> list[Output]:
        form = banks.form_of(options, ("current-sound", "program"))
        control = banks.control_of(options, form)
        channel = banks.channel_of(options)
        items: list[tuple[str, Prog]] = []
        others = []
        for d in dumps:
            progs, other = banks.unpack(d)
            for o in other:
                if o.header.kind.request_for:
                    raise DeviceError(f"{o.where}: a {o.header.kind.name} holds no program; "
                                      "split takes dumps")
            others += other
            own = "current-sound" if d.kind == "current-sound" else "program"
            items += [(form or own, p) for p in progs]
        override = banks.model_override(options, [p for _, p in items])
        stored = [i for i, (f, _) in enumerate(items) if f == "program"]
        if stored:
            model = banks.common_model([items[i][1] for i in stored], override)
            placed = banks.address([items[i][1] for i in stored], options, model)
            for i, p in zip(stored, placed, strict=True):
                items[i] = ("program", p)
        outputs = []
        seq = 0
        for f, p in items:
            seq += f == "current-sound"
            data = banks.write_single(p, f, override or p.model, control, channel)
            outputs.append(Output(banks.file_name(p, f, seq), data, _store_notes(data)))
        # "-global" sorts after "-b…": split -> join of the folder keeps the global last.
        outputs += [Output(f"{banks.stem(o)}-global.syx", banks.write_other(o, override, channel))
                    for o in others]
        if not outputs:
            raise DeviceError(f"{DEVICE_ID}: nothing to split")
        return banks.unique_names(outputs)

    def join(self, dumps: list[Dump], options: Options) -> list[Output]:
        """Programs -> whole banks of pair dumps (see ``banks`` for the addressing rule)."""
        store = banks.control_of(options, "program-pair")
        channel = banks.channel_of(options)
        progs, others = banks.collect(dumps)
        for o in others:
            if o.header.kind.request_for:
                raise DeviceError(f"{o.where}: a {o.header.kind.name} holds no program; join "
                                  "takes dumps")
        if len(others) > 1:
            raise DeviceError(f"{DEVICE_ID}: {len(others)} global dumps in the input "
                              f"({', '.join(o.where for o in others)}); a backup holds one")
        fill_from = options.get("fill_from") or []
        pad_with = options.get("pad_with") or []
        if not progs:
            raise DeviceError(f"{DEVICE_ID}: join needs program, pair or current-sound dumps")
        override = banks.model_override(options, progs)
        model = banks.common_model(progs, override)
        slots = banks.by_slot(banks.address(progs, options, model))
        if any(b == 0 for b, _ in slots):
            where = next(p.where for (b, _), p in slots.items() if b == 0)
            raise DeviceError(f"{where}: a program with B = 0 (no bank: the selected one) cannot "
                              "go into a bank file; give --bank N (and --program) to place it")
        self._fill(slots, model, fill_from, pad_with)
        bank_numbers = sorted({b for b, _ in slots})
        # Several banks in one file only make sense with C = 1 (the all-banks dump's choice);
        # a named bank or --store-to-bank asks for 1; else the programs keep the C they had.
        control = 1 if len(bank_numbers) > 1 else store
        if control is None:
            control = banks.own_control(progs, None)
        data = b"".join(banks.write_pair(even, odd, model, control, channel)
                        for even, odd in banks.pairs_in_order(slots))
        data += b"".join(banks.write_other(o, override, channel) for o in others)
        slug = model.name.lower().replace(" ", "-")
        which = (f"bank{bank_numbers[0]}" if len(bank_numbers) == 1
                 else f"banks{bank_numbers[0]}-{bank_numbers[-1]}")
        why = (" (several banks in one file)" if len(bank_numbers) > 1 else
               " (--bank or --store-to-bank)" if store else " (as the programs came)")
        notes = [banks.control_note(control, b) + why for b in bank_numbers]
        return [Output(f"{slug}-{which}.syx", data, notes)]

    def _fill(self, slots: dict[tuple[int, int], Prog], model: Model, fill_from: list[Dump],
              pad_with: list[Dump]) -> None:
        """Complete every bank the programs touch, from --fill-from (same bank and program, or
        the same program number when the file holds one bank), then --pad-with."""
        filler, _ = banks.collect(fill_from)
        by_addr = {(p.bank, p.program): p for p in filler if p.bank is not None}
        one_bank = {p.bank for p in filler if p.bank is not None}
        by_number = {p.program: p for p in filler if p.bank is not None} if len(one_bank) == 1 else {}
        pad, _ = banks.collect(pad_with)
        gaps = []
        for bank in sorted({b for b, _ in slots}):
            for program in range(model.banks[bank]):
                if (bank, program) in slots:
                    continue
                src = by_addr.get((bank, program)) or by_number.get(program) or (pad[0] if pad else None)
                if src is None:
                    gaps.append((bank, program))
                    continue
                slots[bank, program] = src._replace(bank=bank, program=program)
        if gaps:
            text = "; ".join(
                f"bank {b}: {banks.ranges([p for bb, p in gaps if bb == b])}"
                for b in sorted({b for b, _ in gaps}))
            raise DeviceError(f"{DEVICE_ID}: a bank needs every program; missing {text}. "
                              "Add them, or give --fill-from FILE (or --pad-with DUMP)")

    # --- live transfers (sans-I/O protocols and the emulator; see protocol.py) ---------------

    def request_protocol(self, what: str, options: Options) -> Any:
        """``current``, ``program:B:P``, ``pair:B:P``, ``global``, ``bank:B`` (without B the
        selected bank answers: ``program:P``, ``pair:P``)."""
        from syxkit.devices.novation_kstation import protocol

        return protocol.request_protocol(what, options)

    def backup_protocol(self, options: Options) -> Any:
        from syxkit.devices.novation_kstation import protocol

        return protocol.backup_protocol(options)

    def send_protocol(self, data: bytes, options: Options) -> Any:
        from syxkit.devices.novation_kstation import protocol

        return protocol.send_protocol(data, options)

    def emulator(self, options: Options) -> Any:
        from syxkit.devices.novation_kstation.emulator import KStationEmulator

        return KStationEmulator.from_options(options)

    # --- device commands -----------------------------------------------------------------------

    def cli_commands(self) -> list[Any]:
        from syxkit.devices.novation_kstation.cli import kstation

        return [kstation]

