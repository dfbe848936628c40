"""The casio-cz driver: ties the message table, the tone table and the operations to the
Device interface."""

from __future__ import annotations

from typing import Any

from syxkit.core.codecs import decode_name, encode_name
from syxkit.core.message import Message
from syxkit.devices.base import Device, DeviceError, Dump, Options, Output
from syxkit.devices.casio_cz import messages, operations
from syxkit.devices.casio_cz.identify import DEVICE_ID, identify
from syxkit.devices.casio_cz.slots import MODELS
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

# Message kinds whose params are rebuilt from fields; everything else (and anything with a
# problem) round-trips as its original bytes.
_OBJECTS = ("tone", "operation-memory")


class CasioCZ(Device):
    id = DEVICE_ID
    title = "Casio CZ family (CZ-101, CZ-1000, CZ-3000, CZ-5000, CZ-230S, CZ-1)"
    prefixes = (HEADER,)
    models = MODELS

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
            return decode_tone(dump.payload)
        if dump.kind == "operation-memory":
            return {"raw": dump.payload.hex()}
        if dump.kind == "send-request" and form in ("faithful", "embedded"):
            return {"asks_for": _object_name(dump.details["command"], messages.REQUESTABLE),
                    "form": form}
        if dump.kind == "receive-request" and form == "faithful":
            return {"announces": _object_name(dump.details["command"], messages.RECEIVABLE),
                    "form": form}
        if dump.kind == "reply":
            return {}
        if dump.kind in ("bend-range", "key-transpose"):
            return {"semitones": dump.details["semitones"]}
        if dump.kind == "tone-mix":
            return {"value": dump.details["value"]}
        if dump.kind == "cz1-mode":
            return {"mode": dump.details["mode"]}
        return {"message": dump.message.original.hex(), "problems": []}

    def encode(self, obj: dict[str, Any]) -> bytes:
        params = obj.get("params") or {}
        if not isinstance(params, dict):
            raise ValueError("params must be an object")
        if "message" in params:
            return bytes.fromhex(params["message"])
        kind = obj.get("kind")
        channel = obj.get("channel") or 1
        program = obj.get("program")
        if kind == "tone":
            return messages.tone_message(self._tone_payload(obj, params), channel, program)
        if kind == "operation-memory":
            raw = bytes.fromhex(params.get("raw", ""))
            if len(raw) != OPMEM_BYTES:
                raise ValueError(f"operation memory raw data is {len(raw)} bytes; expected {OPMEM_BYTES}")
            return messages.object_message(raw, channel, program)
        if kind == "send-request":
            return messages.send_request(program, channel, params.get("asks_for", "tone"),
                                         embedded=params.get("form") == "embedded")
        if kind == "receive-request":
            return messages.receive_request(program, channel, params.get("announces", "tone"))
        if kind == "reply":
            return messages.reply_header(channel)
        if kind == "bend-range":
            return messages.bend_range(params["semitones"], channel)
        if kind == "key-transpose":
            return messages.key_transpose(params["semitones"], channel)
        if kind == "tone-mix":
            return messages.tone_mix(params["value"], channel)
        if kind == "cz1-mode":
            return messages.cz1_mode(params["mode"], channel)
        raise ValueError(f"casio-cz cannot build a {kind!r} message from fields")

    @staticmethod
    def _tone_payload(obj: dict[str, Any], params: dict[str, Any]) -> bytes:
        raw = params.get("raw")
        if raw is not None:
            base = bytes.fromhex(raw)
        else:  # a tone written by hand: start from the init tone
            base = init_payload(named=obj.get("model") == "CZ-1" or bool(obj.get("name")))
        payload = encode_tone(params, base)
        name = obj.get("name")
        if len(payload) == NAMED_TONE_BYTES:
            if name is not None and name != decode_name(payload[TONE_BYTES:]):
                payload = payload[:TONE_BYTES] + encode_name(name, NAME_BYTES, CZ1_CHARSET)
        elif name:
            raise ValueError("CZ-101/1000/3000/5000/230S tones have no name (only a CZ-1 tone "
                             "with name has one; `syxkit convert --to cz1` makes one)")
        return payload

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

    def fix(self, dump: Dump) -> tuple[bytes, list[str]] | None:
        return None  # CZ messages carry no checksum or byte count: nothing to repair

    def sound_bytes(self, dump: Dump) -> bytes | None:
        if dump.payload is None:
            return None
        if dump.kind == "tone":
            return dump.payload[:TONE_BYTES]  # the CZ-1 name is not part of the sound
        return dump.payload if dump.kind == "operation-memory" else None

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


def _object_name(command: str, table: dict[str, int]) -> str:
    code = int(command, 16)
    for name, c in table.items():
        if c == code:
            return name
    raise DeviceError(f"command {command} names no CZ object")


__all__ = ["CasioCZ", "CZ1_MODES"]
