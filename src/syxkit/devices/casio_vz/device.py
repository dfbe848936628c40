"""The Casio VZ driver: identify, decode/encode, convert, split, join, fix, rename, DOS files."""

from __future__ import annotations

import re
from pathlib import PurePath

from syxkit.core.codecs import decode_name
from syxkit.core.message import Message
from syxkit.devices.base import Device, DeviceError, Dump, Options, Output
from syxkit.devices.casio_vz import messages as msg
from syxkit.devices.casio_vz.dosfiles import RecordMessage, extension_note, read_dos_file
from syxkit.devices.casio_vz.identify import identify as identify_message
from syxkit.devices.casio_vz.sounds import (
    RAW,
    decode_object,
    encode_object,
    example_voice,
    make_name,
    raw_part,
    sound_bytes,
    with_name,
)
from syxkit.devices.casio_vz.table import (
    BANK_SIZE,
    CHARSET,
    CONTROL_KINDS,
    DEFAULT_RANGE,
    DEVICE_ID,
    FAMILY_PREFIX,
    HEADER,
    MASTER_KINDS,
    MODELS,
    OBJECTS,
    SINGLE_HEADER_LEN,
    Tag,
)
from syxkit.devices.params import (
    MISSING,
    ParamError,
    Said,
    encode_input,
    integer,
)

# typing costs a few ms at start (syxkit info); annotations are strings. The live-transfer
# modules (protocol.py, emulator.py) are imported by the methods that use them, for the same
# reason: reading a file needs neither.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

_CONTROL_TAGS = {kind: tag for tag, kind in CONTROL_KINDS.items()}
_MASTER_SELECT = {kind: sub for sub, kind in MASTER_KINDS.items()}
FORMS = ("bulk", "single")


def _where(dump: Dump) -> str:
    m = dump.message
    where = f"{m.source}: " if m is not None and m.source else ""
    if isinstance(m, RecordMessage):
        where += f"record {m.record} at offset {m.offset}"
    elif m is not None:
        where += f"message at offset {m.offset}"
    if dump.index is not None:
        where += f", part {dump.index} ({dump.slot})"
    return where


def _stored_checksum(kept: dict[str, Any], path: str) -> int | None:
    value = kept.get("checksum")
    if value is not None and not integer(0, 0x7F).check(value):
        raise ParamError(path, "a checksum byte 0-127 (kept as found)", value)
    return value


def _source_stem(dump: Dump) -> str:
    source = dump.message.source if dump.message is not None else ""
    stem = PurePath(source.split("!")[-1]).stem if source else ""
    return re.sub(r"[^0-9A-Za-z._+-]+", "-", stem).strip("-.") or "input"


def _safe(name: str | None) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", name or "").strip("_") or "unnamed"


class CasioVZ(Device):
    id = DEVICE_ID
    title = "Casio VZ-1 / VZ-10M / VZ-8M, Hohner HS-1 / HS-2"
    prefixes = (FAMILY_PREFIX,)
    models = MODELS
    kinds = tuple(OBJECTS)

    # -- reading ---------------------------------------------------------------------------

    def identify(self, message: Message) -> Dump | None:
        dump = identify_message(message)
        if dump is not None and isinstance(message, RecordMessage):
            # A librarian file says neither which VZ made it nor a channel or memory slot.
            dump.model, dump.channel = None, None
            dump.slot = f"record {message.record + 1}" if message.records > 1 else None
            dump.notes.append(f"DOS librarian record {message.record + 1}/{message.records}")
            note = extension_note(message.source, message.kind)
            if note:
                dump.notes.append(note)
            dump.details.update({"dos_record": message.record, "lead_byte": message.raw[0]})
            dump.store = ("nowhere as it is: a DOS librarian record, not MIDI (`syxkit convert` "
                          "makes SysEx of it)")
        return dump

    def read_foreign(self, data: bytes, path: str) -> list[Message] | None:
        return read_dos_file(data, path)

    def objects(self, dump: Dump) -> list[Dump]:
        if dump.kind == "bulk":
            return list(dump.parts)
        return [dump] if dump.kind in OBJECTS else []

    def fits(self, dump: Dump) -> tuple[str, ...]:
        # Voices and op-mems have one format on every model (VZ-8M and the Hohners included).
        return tuple(self.models) if dump.kind in OBJECTS else super().fits(dump)

    def sound_bytes(self, dump: Dump) -> bytes | None:
        if dump.kind not in OBJECTS or dump.payload is None:
            return None
        return sound_bytes(dump.payload, OBJECTS[dump.kind])

    def example(self) -> bytes:
        return msg.voice_message(example_voice())

    # -- the editor's field model ------------------------------------------------------------

    def fields(self, kind: str, model: str | None = None) -> list[Any]:
        """Voice and operation-memory fields from the field tables (the same on every model)."""
        from syxkit.devices.casio_vz.editor import KIND_ALIASES, object_fields

        if KIND_ALIASES.get(kind, kind) not in OBJECTS:
            return super().fields(kind, model)
        return object_fields(kind)

    def object_params(self, params: dict[str, Any], part: int | None) -> dict[str, Any]:
        # a bulk's parts are decoded as {"index", "kind", "name", "params"} each
        if part is None:
            return params
        return params["params"]["parts"][part]

    # -- decode / encode -------------------------------------------------------------------

    def _payload(self, dump: Dump) -> bytes:
        if dump.payload is None:
            why = "; ".join(str(p) for p in dump.problems) or "no data"
            raise DeviceError(f"{_where(dump)}: {dump.kind} cannot be read ({why})")
        return dump.payload

    def decode(self, dump: Dump) -> dict[str, Any]:
        if dump.kind in OBJECTS:
            params = self._object_params(dump)
            if dump.index is None:
                params["range"] = dump.details.get("range", DEFAULT_RANGE)
                kept = {}
                if dump.details.get("trailing"):
                    kept["trailing"] = dump.details["trailing"]
                if dump.message is not None and not dump.message.terminated:
                    kept["unterminated"] = True
                kept.update(_odd_channel_byte(dump))
                if kept:
                    params.setdefault(RAW, {}).update(kept)
            return params
        if dump.kind == "bulk":
            if dump.details.get("content") == "unknown":
                raise DeviceError(f"{_where(dump)}: bulk data of unexpected size cannot be decoded "
                                  f"({'; '.join(map(str, dump.problems))})")
            out: dict[str, Any] = {"content": dump.details["content"], "parts": [
                {"index": p.index, "kind": p.kind, "program": p.program, "slot": p.slot,
                 "name": p.name, "params": self._object_params(p)}
                for p in dump.parts]}
            if dump.message is not None and not dump.message.terminated:
                out[RAW] = {"unterminated": True}
            if _odd_channel_byte(dump):
                out.setdefault(RAW, {}).update(_odd_channel_byte(dump))
            return out
        if dump.kind == "bulk-open" and isinstance(dump.details.get("content"), str) \
                and not dump.problems:
            return {"content": dump.details["content"]}
        if dump.kind in _CONTROL_TAGS and not dump.problems:
            return {}
        if dump.kind in _MASTER_SELECT and not dump.problems:
            return {"value": dump.details["value"]}
        # Everything whose layout is unknown (multi, mode, VZ-8M data, malformed): as found.
        return {"bytes": dump.message.data.hex(" ").upper()}

    def _object_params(self, dump: Dump) -> dict[str, Any]:
        params = decode_object(self._payload(dump), OBJECTS[dump.kind])
        if dump.checksum == "bad":
            # Kept as found so that encode gives the same bytes; `syxkit fix` repairs it.
            params.setdefault(RAW, {})["checksum"] = dump.details["checksum_byte"]
        return params

    def encode(self, obj: dict[str, Any], base: Dump | None = None) -> bytes:
        """Bytes from a ``decode --json`` object (panel values). ``base``: a casio-vz dump of
        the same kind (``encode --base FILE``) whose values fill what the JSON leaves out;
        without it every value must be there. Errors are :class:`ParamError` naming the JSON
        path. What no panel value shows (extra bits, a name's odd bytes, a bad checksum,
        trailing bytes, a missing F7) is under ``params.raw`` and comes back as found."""
        kind, params = encode_input(obj, base, self.id, "voice, opmem, bulk, ...")
        if "bytes" in params:
            try:
                data = bytes.fromhex(params["bytes"])
            except (TypeError, ValueError):
                raise ParamError("params.bytes", "hex bytes", params["bytes"]) from None
            if not data.startswith(FAMILY_PREFIX):
                raise ParamError("params.bytes", "a VZ message (F0 44 03 ...)",
                                 Said(data[:4].hex(" ").upper()))
            return data
        known = (*OBJECTS, "bulk", "bulk-open", *_CONTROL_TAGS, *_MASTER_SELECT)
        if kind not in known:
            raise ParamError("kind", f"one of {', '.join(dict.fromkeys(known))} (or params.bytes)",
                             kind)
        channel = obj.get("channel", MISSING)
        if channel is MISSING and base is not None:
            channel = base.channel or 1
        if channel is None:
            channel = 1  # a DOS librarian record carries no channel: sent on channel 1
        if not integer(1, 16).check(channel):
            raise ParamError("channel", "a whole number 1-16 (or null: 1)", channel)
        if base is not None and base.kind != kind:
            raise DeviceError(f"--base holds a {base.kind}; a {kind} is needed to fill what the "
                              "JSON leaves out")
        base_params = self.decode(base) if base is not None and kind in (*OBJECTS, "bulk") else None
        if kind in OBJECTS:
            spec = OBJECTS[kind]
            name = obj.get("name", base.name if base is not None else None)
            payload = encode_object(params, name, spec, base_params)
            kept = raw_part(params) if RAW in params else raw_part(base_params or {})
            range_byte = params.get("range", (base_params or {}).get("range", DEFAULT_RANGE))
            if not integer(0, 0x7F).check(range_byte):
                raise ParamError("params.range", "a whole number 0-127", range_byte)
            data = msg.single_message(payload, spec, channel, range_byte,
                                      _stored_checksum(kept, "params.raw.checksum"))
            trailing = kept.get("trailing")
            if trailing:
                try:
                    data = data[:-1] + bytes.fromhex(trailing) + b"\xf7"
                except (TypeError, ValueError):
                    raise ParamError("params.raw.trailing", "hex bytes", trailing) from None
            data = _with_channel_byte(data, kept, "params.raw.channel_byte")
            return data[:-1] if kept.get("unterminated") is True else data
        if kind == "bulk":
            parts = params.get("parts", MISSING)
            base_parts = (base_params or {}).get("parts", [])
            if parts is MISSING and base_parts:
                parts = base_parts
            if not isinstance(parts, list) or not parts:
                raise ParamError("params.parts", f"a list of {BANK_SIZE} voices and/or "
                                 f"{BANK_SIZE} op-mems", parts)
            voices, opmems, stored = [], [], {}
            for i, part in enumerate(parts):
                path = f"params.parts[{i}]"
                if not isinstance(part, dict):
                    raise ParamError(path, "an object (index, kind, name, params)", part)
                spec = OBJECTS.get(part.get("kind"))
                if spec is None:
                    raise ParamError(f"{path}.kind", '"voice" or "opmem"', part.get("kind", MISSING))
                bp = base_parts[i] if i < len(base_parts) and base_parts[i]["kind"] == spec.kind \
                    else None
                payload = encode_object(part.get("params", MISSING if bp is None else {}),
                                        part.get("name", bp["name"] if bp else None), spec,
                                        bp["params"] if bp else None, f"{path}.params")
                sub = part.get("params") if isinstance(part.get("params"), dict) else {}
                kept = raw_part(sub, f"{path}.params") if RAW in sub else \
                    raw_part(bp["params"] if bp else {})
                check = _stored_checksum(kept, f"{path}.params.raw.checksum")
                if check is not None:
                    stored[i] = check
                (voices if spec.kind == "voice" else opmems).append(payload)
            try:
                data = msg.bulk_data(voices, opmems, channel, stored)
            except ValueError as exc:
                raise ParamError("params.parts", f"{BANK_SIZE} voices and/or {BANK_SIZE} "
                                 f"op-mems, voices first ({exc})",
                                 Said(f"{len(voices)} voices, {len(opmems)} op-mems")) from None
            data = _with_channel_byte(data, raw_part(params), "params.raw.channel_byte")
            return data[:-1] if raw_part(params).get("unterminated") is True else data
        if kind == "bulk-open":
            try:
                return msg.bulk_open(params.get("content", "voices"), channel)
            except ValueError:
                raise ParamError("params.content", "one of voices, opmems, voices+opmems, "
                                 "vz8m-total", params.get("content")) from None
        if kind in _CONTROL_TAGS:
            return msg.control_message(_CONTROL_TAGS[kind], channel, vz8m=obj.get("model") == "VZ-8M")
        value = params.get("value", MISSING)
        if not integer(0, 0xFF).check(value):
            raise ParamError("params.value", "a whole number 0-255", value)
        return HEADER + bytes([0x70 | (channel - 1), Tag.MASTER, _MASTER_SELECT[kind],
                               value >> 4, value & 0x0F, 0xF7])

    # -- repair and rename ------------------------------------------------------------------

    def fix(self, dump: Dump) -> tuple[bytes, list[str]] | None:
        if dump.kind not in OBJECTS and dump.kind != "bulk":
            return None
        targets = dump.parts if dump.kind == "bulk" else [dump]
        broken = [t for t in targets if t.payload is None]
        if broken or (dump.kind == "bulk" and dump.details.get("content") == "unknown"):
            why = "; ".join(str(p) for t in (broken or [dump]) for p in t.problems)
            raise DeviceError(f"{_where(dump)}: cannot repair ({why}); only checksums are repaired, "
                              "nothing was written")
        data = bytearray(dump.message.data)
        changes = []
        for t in targets:
            if t.checksum != "bad":
                continue
            spec = OBJECTS[t.kind]
            at = self._block_start(t) + spec.nibbles
            new = msg.checksum(t.payload)
            label = f"part {t.index} ({t.slot}) " if t.index is not None else ""
            changes.append(f"{label}{t.kind} {t.name!r}: checksum {data[at]:02X} -> {new:02X}")
            data[at] = new
        return (bytes(data), changes) if changes else None

    @staticmethod
    def _block_start(dump: Dump) -> int:
        return dump.details["position"] if dump.index is not None else SINGLE_HEADER_LEN

    def check_name(self, name: str, dump: Dump) -> str:
        """12 characters of the VZ set (lower case folded to upper case); a voice, op-mem or
        one part of a bulk (``dump`` may be the part itself)."""
        if dump.kind not in OBJECTS:
            raise DeviceError(f"{_where(dump)}: a {dump.kind} message has no name"
                              + ("; pick one part (--index)" if dump.kind == "bulk" else ""))
        try:
            return decode_name(make_name(name), CHARSET)
        except ValueError as exc:
            raise DeviceError(f"VZ name: {exc}") from None

    def rename(self, dump: Dump, name: str, options: Options) -> bytes:
        index = options.get("index")
        if dump.kind == "bulk":
            if index is None or not 0 <= index < len(dump.parts):
                raise DeviceError(f"{_where(dump)}: choose a part with --index 0-{len(dump.parts) - 1}")
            target = dump.parts[index]
        elif dump.kind in OBJECTS:
            target = dump
        else:
            raise DeviceError(f"{_where(dump)}: a {dump.kind} message has no name")
        payload = self._payload(target)
        if target.checksum == "bad":
            raise DeviceError(f"{_where(target)}: checksum is bad; run 'syxkit fix' first so the "
                              "repair is explicit")
        spec = OBJECTS[target.kind]
        self.check_name(name, target)
        try:
            new_payload = with_name(payload, name, spec)
        except ValueError as exc:
            raise DeviceError(str(exc)) from None
        start = self._block_start(target)
        data = bytearray(dump.message.data)
        data[start : start + spec.block] = msg.block(new_payload, spec)
        return bytes(data)

    # -- whole-file operations --------------------------------------------------------------

    @staticmethod
    def _sound_objects(dumps: list[Dump], what: str) -> tuple[list[Dump], list[Dump]]:
        """Voices and op-mems in the order given (bulk parts expanded); handshake messages are
        skipped, anything else is refused with its location."""
        voices: list[Dump] = []
        opmems: list[Dump] = []
        for d in dumps:
            if d.kind in CONTROL_KINDS.values():
                continue
            items = d.parts if d.kind == "bulk" else [d]
            if d.kind not in OBJECTS and d.kind != "bulk":
                raise DeviceError(f"{_where(d)}: a {d.kind} message cannot go into {what}")
            for item in items:
                if item.payload is None:
                    raise DeviceError(f"{_where(item)}: {item.kind} is unreadable "
                                      f"({'; '.join(map(str, item.problems))})")
                if item.checksum == "bad":
                    raise DeviceError(f"{_where(item)}: {item.kind} {item.name!r} has a bad checksum; "
                                      "run 'syxkit fix' first so the repair is explicit")
                (voices if item.kind == "voice" else opmems).append(item)
        return voices, opmems

    @staticmethod
    def _channel(options: Options, dumps: list[Dump]) -> int:
        ch = options.get("channel")
        if ch is None:
            ch = next((d.channel for d in dumps if d.channel), 1)
        return ch

    def _bulk_output(self, voices: list[Dump], opmems: list[Dump], options: Options, channel: int) -> bytes:
        pad = options.get("pad_with")
        if pad is not None:
            pv, po = self._sound_objects(pad, "padding")
        filled = []
        for what, items, pads in (("voices", voices, pad and pv), ("op-mems", opmems, pad and po)):
            if len(items) > BANK_SIZE:
                raise DeviceError(f"{len(items)} {what} given; a VZ bulk dump holds exactly "
                                  f"{BANK_SIZE}: leave {len(items) - BANK_SIZE} out")
            payloads = [d.payload for d in items]
            if 0 < len(items) < BANK_SIZE:
                if pad is None:
                    raise DeviceError(f"{len(items)} {what} given; a VZ bulk dump holds exactly "
                                      f"{BANK_SIZE}: add {BANK_SIZE - len(items)} more or pass "
                                      "--pad-with FILE")
                if not pads:
                    raise DeviceError(f"--pad-with file holds no {what[:-1]} to pad with")
                payloads += [pads[0].payload] * (BANK_SIZE - len(items))
            filled.append(payloads)
        if not voices and not opmems:
            raise DeviceError("no voice or op-mem in the input")
        return msg.bulk_file(filled[0], filled[1], channel)

    def join(self, dumps: list[Dump], options: Options) -> list[Output]:
        size = options.get("bank_size")
        if size is not None and size != BANK_SIZE:
            raise DeviceError(f"--bank-size {size}: a VZ bulk dump always holds {BANK_SIZE} voices "
                              f"(and {BANK_SIZE} op-mems)")
        voices, opmems = self._sound_objects(dumps, "a bulk dump")
        channel = self._channel(options, dumps)
        return [Output("bank.syx", self._bulk_output(voices, opmems, options, channel))]

    def convert(self, dumps: list[Dump], options: Options) -> list[Output]:
        form = options.get("form")
        if form is not None and form not in FORMS:
            raise DeviceError(f"--to {form!r}: VZ forms are {', '.join(FORMS)}")
        voices, opmems = self._sound_objects(dumps, "a conversion")
        channel = self._channel(options, dumps)
        full = (len(voices) in (0, BANK_SIZE) and len(opmems) in (0, BANK_SIZE)
                and (voices or opmems))
        if form == "bulk" or (form is None and full):
            return [Output("bank.syx", self._bulk_output(voices, opmems, options, channel))]
        ch = options.get("channel")
        return [Output(f"{d.kind}-{k}.syx", msg.single_message(
            d.payload, OBJECTS[d.kind], ch or d.channel or 1,
            d.details.get("range", DEFAULT_RANGE))) for k, d in enumerate(voices + opmems)]

    def split(self, dumps: list[Dump], options: Options) -> list[Output]:
        """One file per object, named ``SOURCE-NN-what`` (NN = place in the input, zero-padded),
        so that a plain sort of the folder gives the input order and `join` rebuilds the bank."""
        ch = options.get("channel")
        items: list[tuple[Dump, str, bytes]] = []
        for d in dumps:
            if d.kind in CONTROL_KINDS.values():
                continue  # the handshake belongs to the bulk being split
            if d.kind == "bulk":
                data = d.message.data
                for p in d.parts:
                    spec = OBJECTS[p.kind]
                    start = p.details["position"]
                    chunk = data[start : start + spec.block]
                    head = HEADER + bytes([0x70 | ((ch or p.channel or 1) - 1), spec.tag, DEFAULT_RANGE])
                    # The block as found (stored checksum included); a damaged one stays damaged
                    # and is named so.
                    damaged = "-damaged" if p.payload is None else ""
                    items.append((d, f"{p.kind}-{p.slot}-{_safe(p.name)}{damaged}",
                                  head + chunk + b"\xf7"))
            elif d.kind in OBJECTS:
                data = d.message.data
                if ch is not None and d.payload is not None:
                    data = data[:4] + bytes([0x70 | (ch - 1)]) + data[5:]
                items.append((d, f"{d.kind}-{_safe(d.name)}", data))
            else:
                items.append((d, f"{d.kind}", d.message.data))
        if not items:
            raise DeviceError("nothing to split: no voice, op-mem or bulk dump in the input")
        width = max(2, len(str(len(items))))
        return [Output(f"{_source_stem(d)}-{k:0{width}d}-{what}.syx", data)
                for k, (d, what, data) in enumerate(items, 1)]

    # -- live transfers: the bulk handshake (protocol.py) and the emulated VZ (emulator.py) ------

    def request_protocol(self, what: str, options: Options) -> Any:
        """The VZ answers no dump request: refused, naming what works instead."""
        from syxkit.devices.casio_vz import protocol as vz_protocol

        raise vz_protocol.request_refusal(what)

    def backup_protocol(self, options: Options) -> Any:
        """Wait (``open_wait``, default 300 s) for a dump the user starts with SAVE -> MIDI,
        answer its open with OK, check it, and return the bulk file."""
        from syxkit.devices.casio_vz import protocol as vz_protocol

        return vz_protocol.receive_protocol(options)

    def send_protocol(self, data: bytes, options: Options) -> Any:
        """A bulk dump with its handshake, or single messages, in packets (``packet_size``,
        ``packet_gap``); ``timeout`` is the wait for OK; ``form="paced"`` never listens."""
        from syxkit.devices.casio_vz import protocol as vz_protocol

        return vz_protocol.send_protocol(data, options)

    def answer(self, message: bytes) -> bytes | None:
        from syxkit.devices.casio_vz import protocol as vz_protocol

        return vz_protocol.answer(message)

    def emulator(self, options: Options) -> Any:
        from syxkit.devices.casio_vz import emulator as vz_emulator

        return vz_emulator.from_options(options)


def _odd_channel_byte(dump: Dump) -> dict[str, str]:
    """A channel byte that is not 7n (no channel to decode it to), kept as found so that
    encode gives it back rather than writing 7n for channel 1 (found by fuzzing)."""
    data = dump.message.data if dump.message is not None else b""
    if len(data) > 4 and data[4] & 0xF0 != 0x70 and dump.channel is None:
        return {"channel_byte": f"{data[4]:02X}"}
    return {}


def _with_channel_byte(data: bytes, kept: dict[str, Any], path: str) -> bytes:
    value = kept.get("channel_byte")
    if value is None:
        return data
    try:
        byte = bytes.fromhex(value)
    except (TypeError, ValueError):
        byte = b""
    if len(byte) != 1 or byte[0] > 0x7F:
        raise ParamError(path, "one data byte in hex (00-7F)", value)
    return data[:4] + byte + data[5:]
