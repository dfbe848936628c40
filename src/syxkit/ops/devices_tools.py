"""What the devices' own commands do (``syxkit cz|kstation|dtx|rz1 …``), once for both faces:
request files, RZ-1 pads as WAV and back, RAM images. Plain functions over paths, bytes and
options that return bytes or results; writing goes through :mod:`syxkit.ops.files`. Refusals
are DeviceError (OptionError for a bad option value). Drivers are imported when a function
runs, so importing this module costs nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from syxkit.devices.base import DeviceError, Dump, OptionError, Output


def _quiet(text: str) -> None:
    """The default for ``say``: a caller that does not listen hears nothing."""


# -- Casio CZ ------------------------------------------------------------------------------------
def cz_requests(program: str | int, count: int = 1, channel: int = 1, what: str = "tone",
                *, faithful: bool = False, model: str | None = None) -> bytes:
    """Send requests (``F0 44 00 00 7n 10 pp 7n 31 F7`` …) for ``count`` programs from
    ``program`` (as the panel counts it, or a wire address: see the CZ's ``program_option``)."""
    from syxkit.devices import registry
    from syxkit.devices.casio_cz import messages

    if isinstance(program, str):
        program = registry.get("casio-cz").program_option(program, model)
    if program + count - 1 > 0x7F:
        raise OptionError(f"{count} requests from 0x{program:02X} run past the last program "
                          "address 0x7F")
    try:
        return b"".join(messages.send_request(program + k, channel, what, embedded=not faithful)
                        for k in range(count))
    except ValueError as exc:
        raise OptionError(str(exc)) from None


def cz_params() -> list[dict[str, Any]]:
    """The CZ tone parameter table: JSON keys, stored byte offsets, meaning."""
    from syxkit.devices.casio_cz.tone import describe

    return describe()


# -- Novation K-Station --------------------------------------------------------------------------
KSTATION_WHAT = ("current", "program", "pair", "global", "bank", "backup")


def kstation_requests(what: str, model: str = "K-Station", bank: int | None = None,
                      program: int | None = None, channel: int | None = None) -> list[bytes]:
    """The request messages for WHAT (current sound, one program, one pair, the global block,
    a whole bank, a full backup). Every refusal is about the options given: OptionError."""
    from syxkit.devices.novation_kstation import messages

    sych = 0x7F if channel is None else channel - 1
    if what in ("program", "pair") and program is None:
        raise OptionError(f"'{what}' needs --program")
    if what == "bank" and bank is None:
        raise OptionError("'bank' needs --bank")
    try:
        if what == "current":
            return [messages.request_current(model, sysex_channel=sych)]
        if what == "program":
            return [messages.request_program(model, program, bank, sysex_channel=sych)]
        if what == "pair":
            return [messages.request_pair(model, program, bank, sysex_channel=sych)]
        if what == "global":
            return [messages.request_global(model, sysex_channel=sych)]
        if what == "bank":
            return messages.bank_requests(model, bank, sysex_channel=sych)
        if what == "backup":
            return messages.backup_requests(model, [bank] if bank is not None else None,
                                            sysex_channel=sych)
    except OptionError:
        raise
    except DeviceError as exc:
        raise OptionError(str(exc)) from None
    raise OptionError(f"{what!r}: ask for one of {', '.join(KSTATION_WHAT)}")


# -- Yamaha DTXtreme IIs -------------------------------------------------------------------------
def dtx_request(kind: str, *, program: int | None = None, panel: int | None = None,
                wire: int | None = None, edit_buffer: bool = False,
                device_number: int = 1) -> tuple[bytes, str]:
    """The dump request for KIND and the object kind it asks for. ``program``/``panel``
    count from 1 as the display does, ``wire`` from 0; give one of them."""
    from syxkit.devices.yamaha_dtx import builders
    from syxkit.devices.yamaha_dtx.table import type_for_kind

    if sum(v is not None for v in (program, panel, wire)) > 1:
        raise OptionError("give one of --program (panel, from 1), --panel or --wire "
                          "(from 0), not both")
    try:
        panel_given = program if program is not None else panel
        number = builders.panel_number(panel_given) if panel_given is not None else wire
        if number is not None and number < 0:
            raise ValueError(f"--wire {number}: wire numbers are 0 or more")
        data = builders.request_message(kind, number, device_number=device_number,
                                        edit_buffer=edit_buffer)
    except ValueError as exc:
        raise OptionError(str(exc)) from None
    return data, type_for_kind(kind).kind


# -- Casio RZ-1 ----------------------------------------------------------------------------------
def rz1_dumps(path: str, say: Callable[[str], None] = _quiet) -> list[Dump]:
    """The RZ-1 dumps of a file (``say`` hears why a file cannot be read)."""
    from syxkit.devices.casio_rz1 import table as t
    from syxkit.ops.files import gather

    got = gather((path,), say)
    if got.unreadable:
        raise DeviceError(f"{path}: not readable")
    return [d for d in got.dumps if d.device == t.DEVICE_ID]


def rz1_sample_image(path: str, warnings: list[str] | None = None,
                     say: Callable[[str], None] = _quiet) -> bytes:
    """The sample RAM of a dump file, or of a raw 16,384-byte image (``warnings`` hears when
    a file holds several sample dumps: the first is used)."""
    from syxkit.devices.casio_rz1 import table as t
    from syxkit.devices.casio_rz1.device import CasioRZ1

    data = Path(path).read_bytes()
    dumps = [d for d in rz1_dumps(path, say) if d.kind in (t.SAMPLE.kind, "dump")]
    if not dumps:
        if len(data) == t.SAMPLE.size and data[:1] != bytes([t.SOX]):
            return data  # a bare RAM image, as `rz1 unpack` writes it
        raise DeviceError(f"{path}: no RZ-1 sample dump in it (nor is it a {t.SAMPLE.size:,}-byte "
                          "RAM image)")
    if len(dumps) > 1 and warnings is not None:
        warnings.append(f"{path} holds {len(dumps)} sample dumps; using the first")
    return CasioRZ1.require_complete(dumps[0])


@dataclass
class PadsExported:
    report: dict[str, Any]  # link (in words), files [{path, sound, samples, ms, peak …}], reimport
    paths: list[Path]
    warnings: list[str] = field(default_factory=list)


def rz1_export(path: str, folder: str, bits: int = 16,
               say: Callable[[str], None] = _quiet) -> PadsExported:
    """The four pads of a sample dump as WAV files in ``folder`` (linked pads also as one
    joined WAV), with what the link byte means and a listening check per file."""
    from syxkit.devices.casio_rz1 import pads_io
    from syxkit.ops.files import write_outputs

    warnings: list[str] = []
    image = rz1_sample_image(path, warnings, say)
    outputs, report = pads_io.export_pads(image, int(bits))
    written = write_outputs(outputs, folder, directory=True, inputs=(path,))
    report["folder"] = folder
    for row, p in zip(report["files"], written, strict=True):
        row["path"] = str(p)
    return PadsExported(report, written, warnings)


@dataclass
class PadsImported:
    output: str
    data: bytes
    link_byte: int
    link: str  # the link byte in words
    pads: list[Any]  # pads_io.Placed: target, file, source, actions
    channel: int

    def to_json(self) -> dict[str, Any]:
        return {"output": self.output, "bytes": len(self.data), "link_byte": self.link_byte,
                "link": self.link, "pads": [p.as_dict() for p in self.pads]}


def rz1_import(wavs: list[str], output: str, link: str | None = None,
               channel: int = 1) -> PadsImported:
    """A loadable sample dump from up to four WAV files (one per sound in pad order, or four,
    one per pad); missing pads stay silent."""
    from syxkit.devices.casio_rz1 import build, pads_io, samples
    from syxkit.devices.casio_rz1 import table as t
    from syxkit.ops.files import write_file

    if len(wavs) > len(t.PADS):
        raise OptionError(f"{len(wavs)} WAV files given; the RZ-1 has {len(t.PADS)} pads")
    try:
        link_byte = samples.parse_link(link)
    except DeviceError as exc:
        raise OptionError(str(exc)) from None
    sources = [(w, Path(w).read_bytes()) for w in wavs]
    image, placed = pads_io.import_pads(sources, link_byte)
    data = build.loadable(image, channel)
    write_file(output, data, inputs=wavs)
    return PadsImported(output, data, link_byte, samples.describe_link(link_byte), placed, channel)


@dataclass
class Unpacked:
    paths: list[Path]
    warnings: list[str] = field(default_factory=list)


def rz1_unpack(path: str, output: str, partial: bool = False,
               say: Callable[[str], None] = _quiet) -> Unpacked:
    """The RAM image(s) of a dump (capture or loadable), handshakes stripped and un-nibbled:
    16,384 bytes of sample RAM or 7,680 of rhythm RAM. ``partial``: an incomplete dump writes
    what was decoded (with a warning) instead of failing."""
    from syxkit.devices.casio_rz1.device import CasioRZ1
    from syxkit.ops.files import write_outputs

    dumps = CasioRZ1.ram_dumps(rz1_dumps(path, say))
    if not dumps:
        raise DeviceError(f"{path}: no RZ-1 sample or rhythm dump in it")
    outputs, warnings = [], []
    for dump in dumps:
        try:
            image = CasioRZ1.require_complete(dump)
        except DeviceError as exc:
            if not partial:
                raise DeviceError(f"{exc} (use --partial to write what was decoded)") from None
            warnings.append(f"{exc}; writing the {len(dump.payload):,} bytes decoded")
            image = dump.payload
        name = dump.kind.removesuffix("-dump") if dump.kind != "dump" else "unknown"
        outputs.append(Output(f"{name}.bin", image))
    return Unpacked(write_outputs(outputs, output, inputs=(path,)), warnings)


@dataclass
class Packed:
    output: str
    data: bytes
    ram: str  # which RAM, in words
    form: str


def rz1_pack(path: str, output: str, ram: str | None = None, channel: int = 1,
             form: str | None = None) -> Packed:
    """A raw RAM image (.bin, 16,384 or 7,680 bytes) as a dump file (loadable or capture)."""
    from syxkit.devices.casio_rz1 import build
    from syxkit.devices.casio_rz1 import table as t
    from syxkit.ops.files import write_file

    form = form or t.LOADABLE
    image = Path(path).read_bytes()
    data = build.dump_stream(image, form, channel, ram)
    write_file(output, data, inputs=(path,))
    return Packed(output, data, build.ram_for_image(image, ram).title, form)
