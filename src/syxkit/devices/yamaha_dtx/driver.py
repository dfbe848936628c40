"""The Yamaha DTXtreme IIs driver: the Device operations on top of the table, the wire codec,
the song joiner and the backup layout.

Numbering: the CLI's ``--program`` and request WHATs count as the panel does, from 1
(``--program 12`` = User kit 12, wire number 11); ``Dump.program`` is the wire number (0-based)
and ``slot`` shows the panel's name with the wire bytes beside it.
"""

from __future__ import annotations

from syxkit.core.message import Problem
from syxkit.devices.base import Device, DeviceError, Dump, OptionError, Options, Output
from syxkit.devices.yamaha_dtx import builders
from syxkit.devices.yamaha_dtx.backup import BackupObject, group_objects, unique_names
from syxkit.devices.yamaha_dtx.identify import (
    BYTE_COUNT_TEXT,
    CHECKSUM_RANGE_TEXT,
    identify,
)
from syxkit.devices.yamaha_dtx.songs import join_songs
from syxkit.devices.yamaha_dtx.table import (
    DEVICE_ID,
    KINDS,
    MAX_14BIT,
    MODEL,
    PREFIX,
    WRITE_BYTE_COUNT_RULE,
    WRITE_CHECKSUM_RULE,
    type_for_code,
)
from syxkit.devices.yamaha_dtx.wire import (
    Rules,
    build_bulk,
    build_request,
    byte_count,
    checksum,
    data_from_payload,
    is_bulk,
    parse_bulk,
    split14,
)

TYPE_CHECKING = False  # typing costs a few ms at start (syxkit info); annotations are strings
if TYPE_CHECKING:
    from typing import Any

LAYOUT_NOTE = ("the DTXtreme IIs data tables are not published: the payload is kept as opaque "
               "bytes (no parameter names, no kit name)")


def _first_problem(dump: Dump) -> str:
    p = dump.problems[0]
    where = f" of {dump.message.source}" if dump.message is not None and dump.message.source else ""
    return f"{p}{where}"


def _is_request(dump: Dump) -> bool:
    return dump.kind.endswith("request")


class YamahaDTXtreme2(Device):
    id = DEVICE_ID
    title = "Yamaha DTXtreme IIs drum trigger module"
    prefixes = (PREFIX,)
    models = (MODEL,)
    # Counted as the module's display counts (from 1); kit, chain and song counts are syxkit's
    # assumption (the Data List gives only the 16 stacks): --set user_kits=N etc. change them.
    request_names = (
        ("system", "the system settings"),
        ("kit:N", "User kit N, 1-50 as on the panel (kit:wire:N: wire number 0-49)"),
        ("kit:edit", "the kit edit buffer (7F 7F)"),
        ("chain:N", "User chain N, 1-32"),
        ("chain:edit", "the chain edit buffer (7F 7F)"),
        ("song:N", "User song N, 1-32 (all its packets)"),
        ("stack:N", "User stack N, 1-16"),
    )
    kinds = KINDS

    # -- reading ---------------------------------------------------------------------------

    def identify(self, message):
        return identify(message)

    def review(self, dumps: list[Dump]) -> list[tuple[Dump, Problem]]:
        """Checks across messages (songs sent in several packets): gaps, a missing last packet,
        duplicates, packets out of order. Each problem goes with the packet it names."""
        out = []
        for song in join_songs(dumps):
            by_offset = {d.message.offset: d for d in song.packets if d.message is not None}
            for problem in song.sequence_problems:  # damaged packets show their own problems
                out.append((by_offset.get(problem.offset, song.packets[-1]), problem))
        return out

    # -- decode / encode -------------------------------------------------------------------

    def decode(self, dump: Dump) -> dict[str, Any]:
        d = dump.details
        params: dict[str, Any] = {"type": d.get("type"), "device_number": d.get("device_number")}
        if _is_request(dump):
            params["request"] = True
        else:
            params.update({
                "packet_index": d.get("index"),
                "encoding": d.get("encoding"),
                "checksum_rule": d.get("checksum_rule"),
                "byte_count_rule": d.get("byte_count_rule"),
            })
            if "packet" in d:
                params["last_packet"] = d["last_packet"]
            if dump.payload is not None:
                params["payload_length"] = len(dump.payload)
                params["payload_hex"] = dump.payload.hex(" ").upper()
            params["layout"] = LAYOUT_NOTE
        message = dump.message.data if dump.message is not None else b""
        try:
            rebuilt = self._encode_params(params, dump.program)
        except (DeviceError, KeyError, TypeError, ValueError):
            rebuilt = None
        if rebuilt != message:
            # A malformed message cannot be rebuilt from its fields: keep its bytes so that
            # decode -> encode gives them back; delete raw_hex to rebuild from the fields.
            params["raw_hex"] = message.hex(" ").upper()
            params["problems"] = [str(p) for p in dump.problems]
        return params

    def encode(self, obj: dict[str, Any]) -> bytes:
        params = obj.get("params")
        if not isinstance(params, dict):
            raise DeviceError(f"{self.id}: the object has no 'params' mapping")
        return self._encode_params(params, obj.get("program"))

    def _encode_params(self, params: dict[str, Any], program: Any) -> bytes:
        if params.get("raw_hex") is not None:
            try:
                raw = bytes.fromhex(str(params["raw_hex"]))
            except ValueError as exc:
                raise DeviceError(f"{self.id}: raw_hex is not hex: {exc}") from None
            if not raw.startswith(PREFIX):
                raise DeviceError(f"{self.id}: raw_hex does not start with F0 43 7D")
            return raw
        code = str(params.get("type", "")).encode("ascii", "replace")
        device = params.get("device_number")
        if not isinstance(device, int) or not 1 <= device <= 16:
            raise DeviceError(f"{self.id}: device_number must be 1-16 (got {device!r})")
        if not isinstance(program, int) or not 0 <= program <= 0x3FFF:
            raise DeviceError(f"{self.id}: program must be the object number 0-16383 "
                              f"(7F 7F = 16383), got {program!r}")
        try:
            if params.get("request"):
                return build_request(code, program, device=device - 1)
            otype = type_for_code(code)
            payload_hex = params.get("payload_hex")
            if payload_hex is None:
                raise DeviceError(f"{self.id}: payload_hex is missing (and no raw_hex)")
            payload = bytes.fromhex(str(payload_hex))
            rules = Rules(params.get("checksum_rule") or WRITE_CHECKSUM_RULE,
                          params.get("byte_count_rule") or WRITE_BYTE_COUNT_RULE)
            if rules.checksum not in CHECKSUM_RANGE_TEXT or rules.byte_count not in BYTE_COUNT_TEXT:
                raise DeviceError(f"{self.id}: unknown checksum_rule/byte_count_rule {rules}; known: "
                                  f"{', '.join(CHECKSUM_RANGE_TEXT)} / {', '.join(BYTE_COUNT_TEXT)}")
            index = params.get("packet_index") or 0
            return build_bulk(code, program, data_from_payload(otype, payload), device=device - 1,
                              index=int(index), rules=rules)
        except ValueError as exc:
            raise DeviceError(f"{self.id}: {exc}") from None

    # -- convert / split / join ------------------------------------------------------------

    def convert(self, dumps: list[Dump], options: Options) -> list[Output]:
        program = options.get("program")
        edit_buffer = bool(options.get("edit_buffer"))
        device_number = options.get("device_number")
        if program is None and not edit_buffer and device_number is None:
            raise OptionError(f"{self.id}: nothing to change; give --program N (as the panel "
                              "counts: User kit 12 = --program 12), --edit-buffer or "
                              "--device-number")
        if program is not None and edit_buffer:
            raise OptionError(f"{self.id}: give --program or --edit-buffer, not both")
        if device_number is not None and (not isinstance(device_number, int)
                                          or not 1 <= device_number <= 16):
            raise OptionError(f"{self.id}: --device-number {device_number}: expected 1-16")
        objects = self._intact_objects(dumps, "convert")
        retarget = program is not None or edit_buffer
        if retarget:
            numbered = [o for o in objects if o.otype is not None and o.otype.numbered]
            if len(objects) != 1 or len(numbered) != 1:
                raise DeviceError(f"{self.id}: --program/--edit-buffer retarget one kit, chain, "
                                  f"song or stack; the input holds {len(objects)} object(s) "
                                  f"({', '.join(o.stem() for o in objects)}). Split it first.")
        names = unique_names(objects)
        outputs = []
        for obj, name in zip(objects, names, strict=True):
            number = None
            if retarget:
                from syxkit.devices.yamaha_dtx.protocol import panel_to_wire

                wire = None
                if program is not None:
                    if not obj.otype.numbered:
                        raise OptionError(f"{self.id}: --program: {obj.otype.kind} data has no "
                                          "number")
                    wire = panel_to_wire(obj.otype.kind, program, f"--program {program}",
                                         self._layout(options))
                try:
                    number = builders.target_number(obj.otype, wire, edit_buffer=edit_buffer,
                                                    for_request=obj.is_request)
                except ValueError as exc:
                    raise OptionError(f"{self.id}: {exc}") from None
            data = b"".join(self._readdress(d, number, device_number) for d in obj.messages())
            outputs.append(Output(name, data))
        return outputs

    def _readdress(self, dump: Dump, number: int | None, device_number: int | None) -> bytes:
        """The message with a new object number and/or device number; everything else (type
        code, packet index, data, checksum and byte-count rules) as it was."""
        msg = dump.message.data
        device = (device_number - 1) if device_number is not None else msg[3] & 0x0F
        target = number if number is not None else dump.program
        if _is_request(dump):
            return build_request(msg[8:12], target, device=device)
        bulk = parse_bulk(msg)
        return build_bulk(bulk.code, target, bulk.data, device=device, index=bulk.index,
                          rules=bulk.rules())

    def _intact_objects(self, dumps: list[Dump], what: str) -> list[BackupObject]:
        objects = group_objects(dumps)
        for obj in objects:
            if obj.song is not None and not obj.song.complete:
                problems = "; ".join(str(p) for p in obj.song.problems[:3])
                raise DeviceError(f"{self.id}: cannot {what} {obj.stem()}: {problems}")
            if obj.otype is None:
                raise DeviceError(f"{self.id}: cannot {what} a message of unknown type "
                                  f"{obj.first.details.get('type')!r} at {_first_where(obj)}")
            for dump in obj.dumps:
                if dump.problems:
                    hint = (" (run 'syxkit fix' first if the data is right)"
                            if self.fix(dump) is not None else "")
                    raise DeviceError(f"{self.id}: cannot {what} the {dump.kind} message at "
                                      f"{_first_problem(dump)}{hint}")
        return objects

    def split(self, dumps: list[Dump], options: Options) -> list[Output]:
        """One file per object (a song's packets together, in order), named by the source
        file's stem, the object's place in backup order and its panel number:
        BACKUP-001-system.syx, BACKUP-003-kit-012.syx, BACKUP-010-song-001.syx … so that a
        plain sort lists them as a backup holds them (and two backups split into one folder
        never collide). Bytes are copied as they are; a song with missing packets is written
        as …-song-NNN-incomplete.syx."""
        from pathlib import PurePath

        objects = group_objects(dumps)
        # Stable sort: repeats and edit buffers keep their file order within their slot.
        rank = {id(o): i for i, o in enumerate(sorted(objects, key=BackupObject.sort_key))}
        width = max(3, len(str(len(objects))))
        outputs = []
        for obj, name in zip(objects, unique_names(objects), strict=True):
            source = obj.first.message.source if obj.first.message is not None else ""
            stem = PurePath(source).stem if source else "dtx"
            outputs.append(Output(f"{stem}-{rank[id(obj)] + 1:0{width}d}-{name}", obj.data()))
        return outputs

    def join(self, dumps: list[Dump], options: Options) -> list[Output]:
        """A backup file: system, kits, chains, songs, stacks, each by number (edit buffers last
        in their group). Refuses requests, damaged messages, incomplete songs and repeats."""
        objects = self._intact_objects(dumps, "join")
        seen: dict[tuple[int, int], BackupObject] = {}
        for obj in objects:
            if obj.is_request:
                raise DeviceError(f"{self.id}: a dump request ({obj.first.kind} at "
                                  f"{_first_where(obj)}) does not belong in a backup")
            key = obj.sort_key()
            if key in seen:
                raise DeviceError(f"{self.id}: {obj.stem()} appears twice (at {_first_where(seen[key])} "
                                  f"and {_first_where(obj)}); keep one")
            seen[key] = obj
        ordered = sorted(objects, key=BackupObject.sort_key)
        return [Output("backup.syx", b"".join(o.data() for o in ordered))]

    # -- repair ----------------------------------------------------------------------------

    def fix(self, dump: Dump) -> tuple[bytes, list[str]] | None:
        """A wrong byte count is set to syxkit's reading and a bad checksum recomputed. A count
        or checksum that follows one of the other accepted readings is left alone (a real dump
        may be proving that reading right)."""
        if dump.message is None or _is_request(dump) or not dump.message.terminated:
            return None
        msg = dump.message.data
        if not is_bulk(msg):
            return None
        bulk = parse_bulk(msg)
        if bulk is None:
            return None
        changes = []
        count = bulk.byte_count
        if not bulk.byte_count_rules:
            count = byte_count(len(bulk.data))
            changes.append(f"byte count {bulk.byte_count} -> {count} (the "
                           f"{BYTE_COUNT_TEXT[WRITE_BYTE_COUNT_RULE]})")
        if count > MAX_14BIT:
            return None  # too many data bytes for one message: no byte count can be right
        rule = bulk.rules().checksum
        head = msg[:4] + split14(count) + msg[6:-2]
        csum = checksum(head, rule)
        if csum != bulk.checksum:
            changes.append(f"checksum {bulk.checksum:02X} -> {csum:02X} ({CHECKSUM_RANGE_TEXT[rule]})")
        if not changes:
            return None
        return head + bytes([csum, 0xF7]), changes

    def rename(self, dump: Dump, name: str, options: Options) -> bytes:
        raise DeviceError(f"{self.id}: cannot rename: {LAYOUT_NOTE}")

    # -- live transfers (sans-I/O protocols and the emulator: see protocol.py, emulator.py) --

    def request_protocol(self, what: str, options: Options) -> Any:
        """Fetch one object. WHAT: ``system``, ``kit:N``, ``kit:edit``, ``chain:N``,
        ``chain:edit``, ``song:N``, ``stack:N`` with N as the panel shows it (from 1, as
        --program), or ``kit:wire:N`` with the wire number (from 0). Options: ``device_number`` (or
        ``channel``; default 1), ``timeout`` (seconds of silence allowed, default 2),
        ``retries`` (a damaged answer is asked for again this many times, default 1)."""
        from syxkit.devices.yamaha_dtx import protocol as p

        device_number, timeout = self._live_options(options)
        item = p.parse_what(what, device_number, self._layout(options))
        return p.DtxFetch([item], device_number=device_number, timeout=timeout,
                          retries=self._retries(options))

    def backup_protocol(self, options: Options) -> Any:
        """System, every user kit, chain, song and stack. Options: ``device_number``/``channel``,
        ``timeout``, ``no_reply_timeout`` (default 0.5 s: an object silent that long is "no
        reply"; ``retries``, default 1, asks once more first, and again after a damaged
        answer), ``user_kits``, ``chains``,
        ``songs``, ``stacks`` (defaults 50/32/32/16; only the 16 stacks are in the Data List),
        ``fixed_pause`` (seconds: the fixed-pause variant simple editors use, for comparisons).
        The result is a list of Output (one per object answered) with ``no_reply`` listing
        the silent slots, also noted on the last Output."""
        from syxkit.devices.yamaha_dtx import protocol as p

        device_number, timeout = self._live_options(options)
        layout = self._layout(options)
        items = p.backup_items(layout, device_number)
        fixed = options.get("fixed_pause")
        if fixed is not None:
            return p.DtxFixedPauseBackup(items, device_number=device_number,
                                         pause=p.seconds_option(options, "fixed_pause", 1.0))
        return p.DtxFetch(items, device_number=device_number, timeout=timeout,
                          no_reply=p.seconds_option(options, "no_reply_timeout", p.DEFAULT_NO_REPLY),
                          layout=layout, retries=self._retries(options))

    def send_protocol(self, data: bytes, options: Options) -> Any:
        """Send the dumps in ``data`` paced: ``packet_gap`` seconds (default 0.1) after each
        message has crossed the cable. ``program`` retargets a file holding one kit, chain,
        song or stack; ``device_number``/``channel`` readdresses every message (default: as in
        the file). Damaged messages, incomplete songs and requests are refused before sending.
        ``verify``: afterwards ask for every object back and compare (the module acknowledges
        nothing, so this is the only proof it stored the data); the object numbers and device
        number read back are those of the bytes sent, after any retargeting."""
        from syxkit.core.framing import frame
        from syxkit.devices.yamaha_dtx import protocol as p

        p.check_model(options.get("model"))
        options.get("form")  # no handshake: every form sends the same bytes
        gap = p.seconds_option(options, "packet_gap", p.DEFAULT_PACKET_GAP)
        device_number = p.device_number_option(options, default=None)
        framed = frame(data)
        if framed.stray and not framed.messages:
            raise DeviceError(f"{self.id}: nothing to send: {framed.stray[0]}")
        dumps = []
        for msg in framed.messages:
            dump = self.identify(msg)
            if dump is None:
                raise DeviceError(f"{self.id}: the message at offset {msg.offset} is not a "
                                  "DTXtreme IIs message; not sending")
            dumps.append(dump)
        if not dumps:
            raise DeviceError(f"{self.id}: nothing to send (no SysEx message in the data)")
        objects = self._intact_objects(dumps, "send")
        for obj in objects:
            if obj.is_request:
                raise DeviceError(f"{self.id}: the file holds a dump request ({obj.first.kind} at "
                                  f"{_first_where(obj)}); send sends dumps (use 'syxkit request')")
        program = options.get("program")
        if program is not None or device_number is not None:
            retarget = Options(program=program, device_number=device_number)
            outputs = self.convert(dumps, retarget)
            messages = [m.data for o in outputs for m in frame(o.data).messages]
        else:
            messages = [d.message.data for o in objects for d in o.messages()]
        return p.DtxSend(messages, gap=gap, objects=len(objects), device_number=device_number,
                         verify=bool(options.get("verify")),
                         timeout=p.seconds_option(options, "timeout", p.DEFAULT_TIMEOUT))

    def emulator(self, options: Options) -> Any:
        """An emulated module. Options: ``memory`` (Dumps to load), ``device_number``/``channel``
        (default 1), ``faults``, ``active_sensing``, ``block_delay``, ``packet_size`` (song data
        bytes per packet, default 4,096), ``user_kits``/``chains``/``songs``/``stacks``."""
        from syxkit.devices.yamaha_dtx import protocol as p
        from syxkit.devices.yamaha_dtx.emulator import DtxEmulator
        from syxkit.devices.yamaha_dtx.table import SONG_PACKET_DATA_BYTES
        from syxkit.emulators.base import EmulatorOptions, Faults

        p.check_model(options.get("model"))
        emu_options = EmulatorOptions(active_sensing=bool(options.get("active_sensing")),
                                      block_delay=float(options.get("block_delay") or 0.0),
                                      faults=options.get("faults") or Faults())
        packet_size = options.get("packet_size") or SONG_PACKET_DATA_BYTES
        return DtxEmulator(emu_options, device_number=p.device_number_option(options),
                           layout=self._layout(options), memory=options.get("memory"),
                           packet_size=packet_size)

    def _live_options(self, options: Options) -> tuple[int, float]:
        from syxkit.devices.yamaha_dtx import protocol as p

        p.check_model(options.get("model"))
        options.get("form")  # no handshake: faithful, embedded and paced are the same exchange
        return p.device_number_option(options), p.seconds_option(options, "timeout", p.DEFAULT_TIMEOUT)

    def _retries(self, options: Options) -> int:
        from syxkit.devices.yamaha_dtx.protocol import DEFAULT_RETRIES

        retries = options.get("retries", DEFAULT_RETRIES)
        if not isinstance(retries, int) or retries < 0:
            raise DeviceError(f"{self.id}: retries must be 0 or more, got {retries!r}")
        return retries

    def _layout(self, options: Options) -> Any:
        from syxkit.devices.yamaha_dtx.protocol import Layout

        base = Layout()
        return Layout(kits=options.get("user_kits", base.kits), chains=options.get("chains", base.chains),
                      songs=options.get("songs", base.songs), stacks=options.get("stacks", base.stacks))

    # -- library / demo / CLI --------------------------------------------------------------

    def sound_bytes(self, dump: Dump) -> bytes | None:
        """The payload: no byte of it is known to be a name or an address, so all of it counts."""
        return None if _is_request(dump) else dump.payload

    def example(self) -> bytes:
        """The synthetic kit dump of the spec (user kit 1, 7 opaque data bytes, checksum 66)."""
        return builders.dump_message("kit", b"MyKit  ", 0)

    def cli_commands(self) -> list[Any]:
        from syxkit.devices.yamaha_dtx.cli import dtx

        return [dtx]


def _first_where(obj: BackupObject) -> str:
    msg = obj.first.message
    if msg is None:
        return "?"
    return f"offset {msg.offset}" + (f" of {msg.source}" if msg.source else "")
