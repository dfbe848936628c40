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
