"""The ``casio-rz1`` driver: identification of requests, replies and dump streams, decode and
encode, convert to loadable files, fix, split; the ``syxkit rz1`` commands live in :mod:`cli`."""

from __future__ import annotations

from collections.abc import Callable

from syxkit.core.codecs import denibble_hi_first
from syxkit.core.message import Message, Problem
from syxkit.devices.base import Device, DeviceError, Dump, Options, Output
from syxkit.devices.casio_rz1 import build, samples, stream, synth
from syxkit.devices.casio_rz1 import table as t

TYPE_CHECKING = False  # typing costs a few ms at start (syxkit info); annotations are strings
if TYPE_CHECKING:
    from typing import Any

_UNTERMINATED = "end of data without F7"
RAM_KINDS = {ram.kind: ram for ram in t.RAMS.values()}


def _offsets(message: Message) -> Callable[[int], int]:
    """Position in ``message.data`` -> offset in the file. ``data`` lacks the real-time bytes
    that ``raw`` still holds, so positions after one shift."""
    raw = message.raw
    if raw is None:
        return lambda pos: message.offset + pos
    kept = [i for i, b in enumerate(raw) if b < 0xF8]
    if len(kept) != len(message.data):  # not a plain real-time strip: best effort
        return lambda pos: message.offset + pos
    return lambda pos: message.offset + (kept[pos] if pos < len(kept) else len(raw))


def _channel(byte: int | None) -> int | None:
    return None if byte is None else (byte & 0x0F) + 1


def _problem_summary(dump: Dump) -> str:
    return "; ".join(str(p) for p in dump.problems[:3]) or "no problem recorded"


class CasioRZ1(Device):
    id = t.DEVICE_ID
    title = "Casio RZ-1 drum machine (sample and rhythm RAM)"
    prefixes = (t.HEADER,)
    models = (t.MODEL,)
    # The RZ-1 has one sample RAM and one rhythm RAM, sent whole: nothing to number.
    request_names = (
        ("sample-ram", "the whole sample RAM: pads 1-4 and the link byte (16,384 bytes)"),
        ("rhythm-ram", "the whole rhythm RAM: patterns and songs (7,680 bytes, layout unknown)"),
    )
    kinds = tuple(RAM_KINDS)

    # --- identify ------------------------------------------------------------------------

    def identify(self, message: Message) -> Dump | None:
        parsed = stream.parse(message.data, message.terminated)
        if parsed is None:
            return None
        at = _offsets(message)
        dump = Dump(self.id, parsed.kind, message, model=t.MODEL,
                    problems=[Problem(at(i.pos), i.text) for i in parsed.issues],
                    notes=list(parsed.notes))
        if parsed.ram is not None:
            dump.slot = parsed.ram.title
        if parsed.form is not None:
            self._fill_dump(dump, parsed, at)
        else:
            self._fill_handshake(dump, parsed, message)
        return dump

    def _fill_dump(self, dump: Dump, parsed: stream.Parsed, at: Callable[[int], int]) -> None:
        ram = parsed.ram
        # A capture starts with the RZ-1's reply, which says 70 whatever its channel: no channel.
        dump.channel = _channel(parsed.channel_byte) if parsed.form == t.LOADABLE else None
        dump.payload = denibble_hi_first(parsed.nibbles)
        complete = parsed.complete
        dump.details = {
            "form": parsed.form, "ram": ram.name if ram else None,
            "blocks": parsed.blocks, "expected_blocks": ram.blocks if ram else None,
            "handshakes": len(parsed.pairs), "nibbles": parsed.positions,
            "ram_bytes": len(dump.payload), "complete": complete,
        }
        if parsed.form == t.CAPTURE:
            dump.notes.append("as sent by the RZ-1; `syxkit convert` makes the loadable file")
        if ram is not None:
            # The whole RAM is replaced: there is no slot, only the RAM and the channel.
            if parsed.form == t.LOADABLE:
                dump.store = (f"the whole {ram.title} (replaced), on an RZ-1 set to MIDI channel "
                              f"{dump.channel} (request byte {parsed.channel_byte:02X} "
                              f"{ram.receive:02X}: receive {ram.title})")
            else:
                dump.store = (f"the whole {ram.title} (replaced) when sent: `syxkit send` opens it "
                              f"with a receive request ({ram.receive:02X}) on the RZ-1's channel")
        if ram is t.SAMPLE and complete:
            link = samples.link_byte(dump.payload)
            meaning = samples.describe_link(link)
            dump.details["link"] = {"byte": link, "meaning": meaning}
            dump.notes.append(meaning)
            if link & t.LINK_RESERVED_MASK:
                # The link byte is the last two nibbles of the stream, just before F7.
                pos = at(len(dump.message.data) - (3 if dump.message.terminated else 2))
                dump.problems.append(Problem(pos, f"link byte {link:02X} has bits 0-4 set: they "
                                                  "must be 0 or the RZ-1 wipes sample RAM at "
                                                  "power-on (`syxkit fix` clears them)"))

    def _fill_handshake(self, dump: Dump, parsed: stream.Parsed, message: Message) -> None:
        dump.channel = _channel(parsed.channel_byte) if parsed.kind != "reply" else None
        details: dict[str, Any] = {"open": not message.terminated}
        if parsed.command is not None:
            details["command"] = f"{parsed.command:02X}"
        if parsed.command in t.REQUESTS:
            ram, direction = t.REQUESTS[parsed.command]
            details["meaning"] = t.REQUEST_MEANING[direction].format(title=ram.title)
            details["acknowledgements"] = len(parsed.acks)
        elif parsed.kind == "reply":
            details["meaning"] = "the RZ-1's answer to a request, with no data in it"
            details["handshakes"] = len(parsed.pairs) + len(parsed.acks)
        dump.details = details
        if parsed.kind != "unknown" and not message.terminated:
            # The protocol keeps this SysEx open: the host's request is followed by bare
            # 7n 31 acknowledgements and never ends with F7 in a host-side capture.
            dump.waived = [p for p in message.problems if p.text.startswith(_UNTERMINATED)]
            who = "host" if parsed.kind != "reply" else "RZ-1"
            count = len(parsed.acks) if parsed.kind != "reply" else details["handshakes"]
            dump.notes.append(f"{who} side of a handshake capture: the SysEx stays open (no F7) "
                              f"and {count} handshake pair(s) follow inside it; that is normal "
                              "for the RZ-1")

    # --- decode / encode -----------------------------------------------------------------

    def decode(self, dump: Dump) -> dict[str, Any]:
        if dump.kind in RAM_KINDS or dump.kind == "dump":
            return self._decode_ram(dump)
        msg = dump.message
        params: dict[str, Any] = {"kind": dump.kind, "open": not msg.terminated}
        if dump.kind == "unknown":
            params["bytes"] = msg.data.hex(" ")
        elif dump.kind == "reply":
            params["header"] = msg.data[:t.REPLY_LEN].hex(" ")
            params["handshakes"] = [msg.data[i:i + 2].hex(" ") for i in
                                    range(t.REPLY_LEN, len(msg.body) + 1, 2)]
        else:
            params["acknowledgements"] = dump.details["acknowledgements"]
            # The pairs after the request exactly as found (70 31, 70 32, 71 31 …): decode ->
            # encode of an untouched request gives the same bytes (found by fuzzing).
            end = len(msg.data) - (1 if msg.terminated and msg.data.endswith(build.END) else 0)
            tail = msg.data[t.REQUEST_LEN:end]
            params["handshakes"] = [tail[i:i + 2].hex(" ") for i in range(0, len(tail), 2)]
            if self.encode({"kind": dump.kind, "channel": dump.channel, "params": params}) != msg.data:
                # An irregular request (the byte after the code not 00, say): the fields cannot
                # say it, so keep it as found; encode gives it back while the fields are untouched
                # (found by fuzzing: it came back repaired, without a word).
                params["raw"] = {"original": msg.data.hex()}
        return params

    def _decode_ram(self, dump: Dump) -> dict[str, Any]:
        ram = RAM_KINDS.get(dump.kind)
        params: dict[str, Any] = {"form": dump.details["form"], "ram": ram.name if ram else None,
                                  "complete": dump.details["complete"]}
        if ram is t.SAMPLE and dump.details["complete"]:
            image = dump.payload
            link = samples.link_byte(image)
            params["link"] = {
                "pads_1_2": bool(link & t.LINKS[0].bit), "pads_3_4": bool(link & t.LINKS[1].bit),
                "all_four": bool(link & t.LINK_ALL.bit),
                "reserved_bits": link & t.LINK_RESERVED_MASK,
                "meaning": samples.describe_link(link),
            }
            params["pads"] = [{"pad": pad.number, **samples.level(values).as_dict()}
                              for pad, values in zip(t.PADS, samples.pads(image), strict=True)]
        # The RAM image (32 KB of hex for sample RAM) goes under ``raw``: the terminal view of
        # decode shows the pad summary above and hides it; JSON keeps it for encode.
        raw: dict[str, Any] = {"data": dump.payload.hex()}
        if not dump.details["complete"] or self._regular(dump) != dump.message.data:
            # An irregular stream (damaged, short, odd framing): keep it, so that encoding the
            # untouched object gives back exactly these bytes.
            raw["original"] = dump.message.data.hex()
        params["raw"] = raw
        return params

    def _regular(self, dump: Dump) -> bytes:
        return build.dump_stream(dump.payload, dump.details["form"], dump.channel or 1,
                                 RAM_KINDS[dump.kind])

    def _encode_ram(self, obj: dict[str, Any], params: dict[str, Any]) -> bytes:
        kind = obj.get("kind")
        if isinstance(params.get("raw"), dict):  # older JSON had data/original at the top
            params = {**params, **params["raw"]}
        try:
            image = bytearray.fromhex(params["data"])
        except (KeyError, TypeError, ValueError) as exc:
            raise DeviceError(f"params.data must be the RAM image in hex: {exc}") from None
        ram = RAM_KINDS.get(kind)
        link = params.get("link")
        if ram is t.SAMPLE and isinstance(link, dict) and len(image) == ram.size:
            flags = {"pads_1_2": t.LINKS[0].bit, "pads_3_4": t.LINKS[1].bit,
                     "all_four": t.LINK_ALL.bit}
            byte = image[t.LINK_OFFSET] & ~sum(flags.values()) & 0xFF
            byte |= sum(bit for key, bit in flags.items() if link.get(key))
            image[t.LINK_OFFSET] = byte
        form = params.get("form") or t.LOADABLE
        if params.get("original"):
            original = bytes.fromhex(params["original"])
            msg = Message(original, terminated=original.endswith(bytes([t.EOX])))
            before = self.identify(msg)
            if (before is not None and before.payload == image and before.details.get("form") == form
                    and before.channel == obj.get("channel")):
                return original  # untouched: the stream exactly as it was found
        if ram is None:
            raise DeviceError("this dump is too short to tell sample from rhythm RAM; it cannot "
                              "be rebuilt, only kept as found (leave params.data unchanged)")
        if len(image) != ram.size:
            raise DeviceError(f"params.data holds {len(image):,} bytes; {ram.title} is "
                              f"{ram.size:,} (an incomplete dump cannot be rebuilt with edits)")
        return build.dump_stream(bytes(image), form, obj.get("channel") or 1, ram)

    def encode(self, obj: dict[str, Any]) -> bytes:
        params = obj.get("params") or {}
        kind = obj.get("kind")
        channel = obj.get("channel") or 1
        if kind in RAM_KINDS or kind == "dump":
            return self._encode_ram(obj, params)
        if kind == "unknown":
            return bytes.fromhex(params["bytes"])
        end = b"" if params.get("open") else build.END
        if kind == "reply":
            head = bytes.fromhex(params.get("header") or build.reply().hex())
            return head + b"".join(bytes.fromhex(h) for h in params.get("handshakes", ())) + end
        raw = params.get("raw")
        if isinstance(raw, dict) and raw.get("original"):
            original = bytes.fromhex(raw["original"])
            before = self.identify(Message(original, terminated=original.endswith(build.END)))
            if (before is not None and before.kind == kind and before.channel == obj.get("channel")
                    and self.decode(before) == params):
                return original  # untouched: the request exactly as it was found
        for code, (ram, direction) in t.REQUESTS.items():
            if kind == f"{ram.name}-{t.REQUEST_KINDS[direction]}":
                if isinstance(params.get("handshakes"), list):
                    try:
                        acks = b"".join(bytes.fromhex(str(h)) for h in params["handshakes"])
                    except ValueError as exc:
                        raise DeviceError(f"{self.id}: params.handshakes: expected byte pairs "
                                          f"in hex: {exc}") from None
                else:
                    acks = build.ack(channel) * int(params.get("acknowledgements", 0))
                return t.HEADER + bytes([build.channel_byte(channel), code, t.REQUEST_TAIL]) + acks + end
        raise DeviceError(f"{self.id}: unknown kind {kind!r}")

    # --- operations ----------------------------------------------------------------------

    @staticmethod
    def ram_dumps(dumps: list[Dump]) -> list[Dump]:
        """Dumps that carry RAM (also the one too short to tell which RAM)."""
        return [d for d in dumps if d.kind in RAM_KINDS or d.kind == "dump"]

    @staticmethod
    def require_complete(dump: Dump) -> bytes:
        """The dump's whole RAM image, or a DeviceError saying what is missing."""
        where = f"{dump.message.source or 'input'}: the dump at offset {dump.message.offset}"
        if dump.kind not in RAM_KINDS:
            raise DeviceError(f"{where} is too short to tell sample from rhythm RAM: "
                              f"{_problem_summary(dump)}")
        ram = RAM_KINDS[dump.kind]
        if not dump.details.get("complete"):
            got = len(dump.payload or b"")
            raise DeviceError(f"{where} ({ram.title}) is incomplete ({got:,} of {ram.size:,} bytes "
                              f"decoded): {_problem_summary(dump)}")
        return dump.payload

    def convert(self, dumps: list[Dump], options: Options) -> list[Output]:
        form = options.get("form") or t.LOADABLE
        if form not in t.FORMS:
            raise DeviceError(f"--to {form!r}: the RZ-1 forms are {', '.join(t.FORMS)}")
        channel = options.get("channel")
        found = self.ram_dumps(dumps)
        if not found:
            raise DeviceError("no RZ-1 sample or rhythm dump in the input (requests and replies "
                              "carry no RAM)")
        outputs = []
        for dump in found:
            image = self.require_complete(dump)
            ram = RAM_KINDS[dump.kind]
            data = build.dump_stream(image, form, channel or dump.channel or 1, ram)
            outputs.append(Output(f"rz1-{ram.name}.syx", data))
        return outputs

    def split(self, dumps: list[Dump], options: Options) -> list[Output]:
        found = self.ram_dumps(dumps)
        if not found:
            raise DeviceError("no RZ-1 sample or rhythm dump in the input")
        # SOURCE-01-sample-dump.syx …: the source's stem, then the position in the file, so a
        # plain sort gives the file's order (split -> join of the folder is byte-exact).
        from pathlib import PurePath

        def stem(d: Dump) -> str:
            return PurePath(d.message.source).stem if d.message.source else "rz1"

        return [Output(f"{stem(d)}-{i + 1:02d}-{d.kind}.syx", d.message.original)
                for i, d in enumerate(found)]

    def join(self, dumps: list[Dump], options: Options) -> list[Output]:
        """A backup file: the RAM dumps given, in the order given (a split folder's names sort
        in the original file's order), each byte for byte as found. A backup holds each RAM
        once; an incomplete dump is refused (it would load garbage)."""
        found = self.ram_dumps(dumps)
        if not found:
            raise DeviceError("no RZ-1 sample or rhythm dump in the input (requests and replies "
                              "carry no RAM)")
        seen: dict[str, Dump] = {}
        for dump in found:
            self.require_complete(dump)
            if dump.kind in seen:
                first = seen[dump.kind].message
                raise DeviceError(f"two {RAM_KINDS[dump.kind].title} dumps ({first.source or 'input'}"
                                  f" offset {first.offset} and {dump.message.source or 'input'} "
                                  f"offset {dump.message.offset}); a backup holds one of each")
            seen[dump.kind] = dump
        return [Output("rz1-backup.syx", b"".join(d.message.original for d in found))]

    def fix(self, dump: Dump) -> tuple[bytes, list[str]] | None:
        """Rebuild the block framing of a dump whose data all arrived (missing or extra
        handshake pairs, stray pairs, missing F7) and clear reserved link bits; data that did
        not arrive cannot be repaired."""
        if dump.kind not in RAM_KINDS and dump.kind != "dump":
            return None
        image = bytearray(self.require_complete(dump))
        ram = RAM_KINDS[dump.kind]
        changes = [f"block framing rebuilt ({p})" for p in dump.problems
                   if not p.text.startswith("link byte")]
        if ram is t.SAMPLE and image[t.LINK_OFFSET] & t.LINK_RESERVED_MASK:
            old = image[t.LINK_OFFSET]
            image[t.LINK_OFFSET] = old & ~t.LINK_RESERVED_MASK
            changes.append(f"link byte {old:02X} -> {image[t.LINK_OFFSET]:02X} (bits 0-4 cleared)")
        new = build.dump_stream(bytes(image), dump.details["form"], dump.channel or 1, ram)
        if new == dump.message.original:
            return None
        if not changes:
            changes.append("dump stream rebuilt in its regular form")
        return new, changes

    def sound_bytes(self, dump: Dump) -> bytes | None:
        return dump.payload if dump.kind in RAM_KINDS else None

    def example(self) -> bytes:
        image = samples.image_from_sounds(synth.drum_kit(), link=0)
        return build.loadable(image, channel=1)

    # --- live transfers (protocol.py, emulator.py; imported here so identify stays light) ---

    def request_protocol(self, what: str, options: Options) -> Any:
        """``sample-ram`` or ``rhythm-ram``: one 7n 31 per 7n 32 (form ``paced``: one per
        second, the manual way)."""
        from syxkit.devices.casio_rz1 import protocol

        return protocol.request_protocol(what, options)

    def backup_protocol(self, options: Options) -> Any:
        """Sample RAM, then rhythm RAM."""
        from syxkit.devices.casio_rz1 import protocol

        return protocol.backup_protocol(options)

    def send_protocol(self, data: bytes, options: Options) -> Any:
        """Every complete dump in ``data`` (loadable, or as captured) block by block."""
        from syxkit.devices.casio_rz1 import protocol

        return protocol.send_protocol(data, options)

    def emulator(self, options: Options) -> Any:
        from syxkit.devices.casio_rz1.emulator import RZ1Emulator, memory_from_dumps
        from syxkit.emulators.base import EmulatorOptions, Faults

        model = options.get("model")
        if model is not None and str(model).upper().replace(" ", "") not in ("RZ-1", "RZ1"):
            raise DeviceError(f"model {model!r}: this driver emulates the {t.MODEL} only")
        faults = options.get("faults") or Faults()
        if isinstance(faults, (list, tuple)):
            faults = Faults.parse(list(faults))
        emu_options = EmulatorOptions(active_sensing=bool(options.get("active_sensing")),
                                      block_delay=float(options.get("block_delay") or 0.0),
                                      faults=faults)
        # header_on / receive_answer: the two choices the spec leaves open (see emulator.py).
        # uart_rate: the RZ-1's sending speed in bytes/s, a cable's by default; 0 sends each
        # block at once (tests of the layers above the wire, which need not wait 10 s per RAM)
        rate = options.get("uart_rate")
        extra = {} if rate is None else {"uart_rate": float(rate) or None}
        return RZ1Emulator(emu_options, memory=memory_from_dumps(options.get("memory") or []),
                           channel=options.get("channel") or 1,
                           header_on=options.get("header_on") or "ack",
                           receive_answer=options.get("receive_answer") or "ack", **extra)

    def cli_commands(self) -> list[Any]:
        from syxkit.devices.casio_rz1.cli import rz1

        return [rz1]
