"""The casio-cz driver: ties the message table, the tone table and the operations to the
Device interface."""

from __future__ import annotations

from syxkit.core.codecs import decode_name, encode_name
from syxkit.core.message import Message
from syxkit.devices.base import Device, DeviceError, Dump, OptionError, Options, Output
from syxkit.devices.casio_cz import messages, operations
from syxkit.devices.casio_cz.identify import DEVICE_ID, identify
from syxkit.devices.casio_cz.slots import MODELS, REQUEST_NAMES
from syxkit.devices.casio_cz.table import (
    CZ1_CHARSET,
    CZ1_MODES,
    EDIT_BUFFER,
    HEADER,
    NAME_BYTES,
    NAMED_TONE_BYTES,
    OPMEM_BYTES,
    TONE_BYTES,
)
from syxkit.devices.casio_cz.tone import decode_tone, encode_tone, init_payload
from syxkit.devices.params import (
    MISSING,
    ParamError,
    Said,
    encode_input,
    integer,
    leaf_or_null,
)

TYPE_CHECKING = False  # typing costs a few ms at start (syxkit info); annotations are strings
if TYPE_CHECKING:
    from typing import Any

# Message kinds whose params are rebuilt from fields; everything else (and anything with a
# problem) round-trips as its original bytes.
_OBJECTS = ("tone", "operation-memory")
_KINDS = ("tone", "operation-memory", "send-request", "receive-request", "reply", "bend-range",
          "key-transpose", "tone-mix", "cz1-mode")


class CasioCZ(Device):
    id = DEVICE_ID
    title = "Casio CZ family (CZ-101, CZ-1000, CZ-3000, CZ-5000, CZ-230S, CZ-1)"
    prefixes = (HEADER,)
    models = MODELS
    request_names = REQUEST_NAMES
    kinds = _OBJECTS

    def identify(self, message: Message) -> Dump | None:
        return identify(message)

    # -- decode / encode ---------------------------------------------------------------------
    def decode(self, dump: Dump) -> dict[str, Any]:
        usable = dump.payload is not None if dump.kind in _OBJECTS else not dump.problems
        if dump.message is None or not usable:
            # Not understood well enough to rebuild from fields: keep the bytes themselves.
            original = dump.message.original if dump.message is not None else b""
            return {"message": original.hex(), "problems": [str(p) for p in dump.problems]}
        form = dump.details.get("form")
        if dump.kind == "tone":
            params = decode_tone(dump.payload)
            if not dump.message.terminated:
                # Kept so that encode gives the bytes back as found; `syxkit fix` adds the F7.
                params["unterminated"] = True
                params.setdefault("notes", []).append(UNTERMINATED_NOTE)
            return params
        if dump.kind == "operation-memory":
            params = {"raw": dump.payload.hex()}
            if not dump.message.terminated:
                params["unterminated"] = True
            return params
        if dump.kind == "send-request" and form in ("faithful", "embedded"):
            params = {"asks_for": _object_name(dump.details["command"], messages.REQUESTABLE),
                      "form": form}
            if form == "embedded" and not dump.message.terminated:
                params["closed"] = False  # cut before its F7: encode keeps it so (found by fuzzing)
            return params
        if dump.kind == "receive-request" and form == "faithful":
            return {"announces": _object_name(dump.details["command"], messages.RECEIVABLE),
                    "form": form}
        if dump.kind == "reply":
            # The CZ leaves its reply open; one closed with F7 (a capture) keeps its F7 through
            # encode (found by fuzzing: it was dropped)
            return {"closed": True} if dump.message.terminated else {}
        value = None
        if dump.kind in ("bend-range", "key-transpose"):
            value = {"semitones": dump.details["semitones"]}
        elif dump.kind == "tone-mix":
            value = {"value": dump.details["value"]}
        elif dump.kind == "cz1-mode":
            value = {"mode": dump.details["mode"]}
        if value is not None:
            if not dump.message.terminated:
                value["closed"] = False  # cut before its F7: encode keeps it so (found by fuzzing)
            return value
        return {"message": dump.message.original.hex(), "problems": []}

    def encode(self, obj: dict[str, Any], base: Dump | None = None) -> bytes:
        """Bytes from a ``decode --json`` object. A tone's missing panel values come from its
        ``params.raw`` (the stored bytes decode wrote), else from ``base`` (a casio-cz tone
        dump, ``encode --base FILE``); with neither, every panel value must be given. Errors
        are :class:`ParamError` naming the JSON path."""
        kind, params = encode_input(obj, base, self.id, "tone, operation-memory, ...")
        if "message" in params:
            return _hex(params["message"], "params.message")
        if kind not in _KINDS:
            raise ParamError("kind", f"one of {', '.join(_KINDS)}", kind)
        channel = _address(obj, "channel", base, params_leaf=integer(1, 16))
        if kind in ("tone", "operation-memory"):
            program = _address(obj, "program", base, params_leaf=leaf_or_null(integer(0, 0x7F)))
            if kind == "tone":
                payload = self._tone_payload(obj, params, base)
            else:
                payload = _hex(params.get("raw", base.payload.hex() if _base_of(base, kind)
                                          else MISSING), "params.raw")
                if len(payload) != OPMEM_BYTES:
                    raise ParamError("params.raw", f"{OPMEM_BYTES} bytes of operation memory "
                                     "as hex", Said(f"{len(payload)} bytes"))
            data = messages.object_message(payload, channel, program)
            return data[:-1] if params.get("unterminated") is True else data
        program = obj.get("program") if obj.get("program") is not None else (
            base.program if base is not None else None)
        try:
            if kind == "send-request":
                data = messages.send_request(program, channel, params.get("asks_for", "tone"),
                                             embedded=params.get("form") == "embedded")
                return data[:-1] if params.get("closed") is False and data.endswith(b"\xf7") else data
            if kind == "receive-request":
                return messages.receive_request(program, channel, params.get("announces", "tone"))
            if kind == "reply":
                return messages.reply_header(channel) + (b"\xf7" if params.get("closed") is True else b"")
            data = None
            if kind == "bend-range":
                data = messages.bend_range(params["semitones"], channel)
            elif kind == "key-transpose":
                data = messages.key_transpose(params["semitones"], channel)
            elif kind == "tone-mix":
                data = messages.tone_mix(params["value"], channel)
            elif kind == "cz1-mode":
                data = messages.cz1_mode(params["mode"], channel)
            if data is not None:
                return data[:-1] if params.get("closed") is False and data.endswith(b"\xf7") else data
        except KeyError as exc:
            raise ParamError(f"params.{exc.args[0]}", "a value", MISSING) from None
        except ValueError as exc:
            raise DeviceError(f"params: {exc}") from None
        raise ParamError("kind", f"one of {', '.join(_KINDS)}", kind)

    @staticmethod
    def _tone_payload(obj: dict[str, Any], params: dict[str, Any], base: Dump | None) -> bytes:
        raw = params.get("raw")
        name = obj.get("name")
        if raw is not None:
            stored, fill = _hex(raw, "params.raw"), True
        elif _base_of(base, "tone"):
            stored, fill = base.payload, True
        else:  # a tone written by hand: every panel value is given, over the init tone
            stored = init_payload(named=obj.get("model") == "CZ-1" or bool(name))
            fill = False
        payload = encode_tone(params, stored, fill=fill)
        if len(payload) == NAMED_TONE_BYTES:
            if name is not None and name != decode_name(payload[TONE_BYTES:]):
                try:
                    payload = payload[:TONE_BYTES] + encode_name(name, NAME_BYTES, CZ1_CHARSET)
                except ValueError as exc:
                    raise ParamError("name", "a CZ-1 name: up to 16 of A-Z 0-9 space * - / .",
                                     Said(f"{name!r} ({exc})")) from None
        elif name:
            raise ParamError("name", "null: CZ-101/1000/3000/5000/230S tones have no name (only "
                             "a CZ-1 tone with name has one; `syxkit convert --to cz1` makes "
                             "one)", name)
        return payload

    # -- the editor's field model --------------------------------------------------------------
    def fields(self, kind: str, model: str | None = None) -> list[Any]:
        """A tone's fields from the tone table (model CZ-1: a tone with name, which adds the
        name and the CZ-1 fields). An operation memory has no parameter table yet."""
        if kind != "tone":
            return super().fields(kind, model)
        from syxkit.devices.casio_cz.editor import tone_fields

        return tone_fields(model)

    # -- operations --------------------------------------------------------------------------
    def convert(self, dumps: list[Dump], options: Options) -> list[Output]:
        return operations.convert(dumps, options)

    def split(self, dumps: list[Dump], options: Options) -> list[Output]:
        return operations.split(dumps, options)

    def join(self, dumps: list[Dump], options: Options) -> list[Output]:
        return operations.join(dumps, options)

    def rename(self, dump: Dump, name: str, options: Options) -> bytes:
        options.get("index")
        return operations.rename(dump, name)

    def check_name(self, name: str, dump: Dump) -> str:
        """Only a CZ-1 tone with name has one: 16 of A-Z 0-9 space * - / . (lower case is
        folded to upper case)."""
        return operations.check_name(name, dump)

    def fix(self, dump: Dump) -> tuple[bytes, list[str]] | None:
        # CZ messages carry no checksum or byte count; the one repair is a tone or operation
        # memory whose final F7 is missing (decode -> encode keeps it missing, on purpose).
        m = dump.message
        if m is None or m.terminated or dump.kind not in _OBJECTS or dump.payload is None:
            return None
        return m.data + b"\xf7", [f"{dump.kind}: added the missing final F7"]

    def sound_bytes(self, dump: Dump) -> bytes | None:
        if dump.payload is None:
            return None
        if dump.kind == "tone":
            return dump.payload[:TONE_BYTES]  # the CZ-1 name is not part of the sound
        return dump.payload if dump.kind == "operation-memory" else None

    def fits(self, dump: Dump) -> tuple[str, ...]:
        # A plain tone loads into every CZ but the CZ-1 (whose tones and op-mems differ).
        if dump.kind == "tone" and dump.model != "CZ-1":
            return tuple(m for m in MODELS if m != "CZ-1")
        return super().fits(dump)

    def program_option(self, text: str, model: str | None = None) -> Any:
        """``--program`` counted as the CZ panel counts (``3``, ``internal:B2``,
        ``edit-buffer``) -> the address pp; ``0x``-prefixed numbers stay wire addresses."""
        from syxkit.devices.casio_cz import protocol
        from syxkit.devices.casio_cz.slots import parse_model

        try:
            canonical = parse_model(model)
        except DeviceError as exc:
            raise OptionError(str(exc)) from None
        return protocol.parse_program(text, canonical)

    # -- live transfers (sans-I/O peers; see protocol.py and emulator.py) -------------------------
    def request_protocol(self, what: str, options: Options) -> Any:
        """``tone:0x20``, ``named-tone:0x00`` (CZ-1), ``opmem:5`` (CZ-1); form faithful,
        embedded (or paced, the same for a fetch) or fixed_pause."""
        from syxkit.devices.casio_cz import protocol

        return protocol.request_protocol(what, options)

    def backup_protocol(self, options: Options) -> Any:
        """The model's user memory (``--model``); ``include`` (Python option) adds presets,
        cartridge or the edit buffer."""
        from syxkit.devices.casio_cz import protocol

        return protocol.backup_protocol(options)

    def send_protocol(self, data: bytes, options: Options) -> Any:
        from syxkit.devices.casio_cz import protocol

        return protocol.send_protocol(data, options)

    def emulator(self, options: Options) -> Any:
        """An emulated CZ. Options: model (CZ-101 default), memory, channel, faults,
        active_sensing, block_delay (time to write a received object), memory_protect,
        sysex_disabled (CZ-1: SYSTEM EXCLUSIVE TONE DATA off), no_cartridge, inactivity
        (seconds), wire_rate (its UART, bytes/s; 0 = instant)."""
        from syxkit.devices.casio_cz.emulator import DEFAULT_INACTIVITY, CZEmulator
        from syxkit.devices.casio_cz.slots import parse_model
        from syxkit.emulators.base import EmulatorOptions, Faults
        from syxkit.protocols.base import WIRE_BYTES_PER_SECOND

        emu_options = EmulatorOptions(active_sensing=bool(options.get("active_sensing")),
                                      block_delay=float(options.get("block_delay") or 0.0),
                                      faults=options.get("faults") or Faults())
        rate = options.get("wire_rate")
        return CZEmulator(
            parse_model(options.get("model")) or "CZ-101", emu_options,
            channel=options.get("channel") or 1, memory=options.get("memory"),
            memory_protect=bool(options.get("memory_protect")),
            sysex_enable=not options.get("sysex_disabled"),
            cartridge=not options.get("no_cartridge"),
            inactivity=float(options.get("inactivity") or DEFAULT_INACTIVITY),
            wire_rate=WIRE_BYTES_PER_SECOND if rate is None else (float(rate) or None))

    def cli_commands(self) -> list[Any]:
        from syxkit.devices.casio_cz.cli import COMMANDS  # the CLI layer, loaded only by the CLI

        return COMMANDS

    def example(self) -> bytes:
        """The init tone from the tone table, for the edit buffer on channel 1."""
        return messages.tone_message(init_payload(), 1, EDIT_BUFFER)


UNTERMINATED_NOTE = ("the message has no final F7 (a CZ does not take it); kept so by encode, "
                     "`syxkit fix` adds it")


def _base_of(base: Dump | None, kind: str) -> bool:
    if base is None:
        return False
    if base.kind != kind or base.payload is None:
        raise DeviceError(f"--base holds a {base.kind}{'' if base.payload is not None else ' that cannot be read'}; "
                          f"a {kind} is needed to fill what the JSON leaves out")
    return True


def _hex(value: Any, path: str) -> bytes:
    if value is MISSING:
        raise ParamError(path, "the stored bytes as hex (or --base FILE)", MISSING)
    try:
        return bytes.fromhex(value)
    except (TypeError, ValueError):
        raise ParamError(path, "hex bytes", value) from None


def _address(obj: dict[str, Any], key: str, base: Dump | None, params_leaf) -> Any:
    """``channel``/``program`` decide where the CZ stores the data: taken as given (checked),
    else from the base dump, never guessed."""
    if key in obj:
        value = obj[key]
        if not params_leaf.check(value):
            raise ParamError(key, params_leaf.expected, value)
        return value
    if base is not None:
        return getattr(base, key) if key == "program" else (base.channel or 1)
    raise ParamError(key, params_leaf.expected + " (it decides where the CZ stores this)",
                     MISSING)


def _object_name(command: str, table: dict[str, int]) -> str:
    code = int(command, 16)
    for name, c in table.items():
        if c == code:
            return name
    raise DeviceError(f"command {command} names no CZ object")


__all__ = ["CasioCZ", "CZ1_MODES"]
