"""``syxkit rz1 …``: the RZ-1's own commands (samples as WAV, RAM images, loadable files).
Thin: the work is done in :mod:`pads_io`, :mod:`build` and the driver."""

from __future__ import annotations

from pathlib import Path

import click

from syxkit.cli.common import (
    console,
    emit_json,
    err_console,
    fail,
    gather,
    run_device,
    write_outputs,
)
from syxkit.core.fileio import atomic_write
from syxkit.devices.base import DeviceError, Dump, Output
from syxkit.devices.casio_rz1 import build, pads_io, samples
from syxkit.devices.casio_rz1 import table as t
from syxkit.devices.casio_rz1.device import CasioRZ1


def _dumps(path: str) -> list[Dump]:
    got = gather((path,))
    if got.unreadable:
        fail(f"{path}: not readable")
    return [e.dump for e in got.entries if e.dump is not None and e.dump.device == t.DEVICE_ID]


def _sample_image(path: str) -> bytes:
    """The sample RAM of a dump file, or of a raw 16,384-byte image."""
    data = Path(path).read_bytes()
    dumps = [d for d in _dumps(path) if d.kind in (t.SAMPLE.kind, "dump")]
    if not dumps:
        if len(data) == t.SAMPLE.size and data[:1] != bytes([t.SOX]):
            return data  # a bare RAM image, as `rz1 unpack` writes it
        fail(f"{path}: no RZ-1 sample dump in it (nor is it a {t.SAMPLE.size:,}-byte RAM image)")
    if len(dumps) > 1:
        err_console.print(f"[yellow]warning:[/yellow] {path} holds {len(dumps)} sample dumps; "
                          "using the first")
    return run_device(CasioRZ1.require_complete, dumps[0])


@click.group(name="rz1")
def rz1() -> None:
    """Casio RZ-1: sample RAM as WAV files, RAM images, loadable dump files."""


@rz1.command("export")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("-o", "--output", required=True, type=click.Path(),
              help="Folder for the WAV files.")
@click.option("--bits", type=click.Choice(["16", "8"]), default="16", show_default=True,
              help="WAV sample size (both give the 8-bit samples back exactly on import).")
@click.option("--json", "as_json", is_flag=True, help="Report as JSON.")
def export_cmd(path: str, output: str, bits: str, as_json: bool) -> None:
    """Write the four pads of a sample dump as WAV files (mono, 20 kHz); linked pads also as
    one joined WAV. Prints what the link byte means and a listening check per file."""
    image = _sample_image(path)
    outputs, report = run_device(pads_io.export_pads, image, int(bits))
    written = write_outputs(outputs, output, directory=True, inputs=(path,))
    report["folder"] = output
    for row, p in zip(report["files"], written, strict=True):
        row["path"] = str(p)
    if as_json:
        emit_json(report)
        return
    console.print(report["link"], highlight=False)
    for row in report["files"]:
        peak = "silent" if row["peak_dbfs"] is None else f"{row['peak_dbfs']:+.1f} dBFS"
        console.print(f"{row['path']}: {row['sound']}, {row['samples']:,} samples "
                      f"({row['ms']:.1f} ms), peak {row['peak']} ({peak}), sound for "
                      f"{row['sound_ms']:.1f} ms", highlight=False)
    console.print(f"to load them back: {report['reimport']}", highlight=False)


@rz1.command("import")
@click.argument("wavs", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("-o", "--output", required=True, type=click.Path(), help="Loadable .syx to write.")
@click.option("--link", help="Linked pads: 1+2, 3+4, 1+2,3+4 or all (default: none).")
@click.option("--channel", type=click.IntRange(1, 16), default=1, show_default=True,
              help="MIDI channel of the RZ-1.")
@click.option("--json", "as_json", is_flag=True, help="Report as JSON.")
def import_cmd(wavs: tuple[str, ...], output: str, link: str | None, channel: int,
               as_json: bool) -> None:
    """Build a loadable sample dump from up to four WAV files (any rate, bit depth, channel
    count): one WAV per sound in pad order (a linked pair takes one WAV), or four WAVs, one
    per pad. Missing pads stay silent."""
    if len(wavs) > len(t.PADS):
        fail(f"{len(wavs)} WAV files given; the RZ-1 has {len(t.PADS)} pads", 2)
    try:
        link_byte = samples.parse_link(link)
    except DeviceError as exc:
        fail(str(exc), 2)
    sources = [(w, Path(w).read_bytes()) for w in wavs]
    image, placed = run_device(pads_io.import_pads, sources, link_byte)
    data = run_device(build.loadable, image, channel)
    atomic_write(output, data, inputs=wavs)
    if as_json:
        emit_json({"output": output, "bytes": len(data), "link_byte": link_byte,
                   "link": samples.describe_link(link_byte),
                   "pads": [p.as_dict() for p in placed]})
        return
    for p in placed:
        source = f" from {p.file} ({p.source})" if p.file else ""
        console.print(f"{p.target}{source}: " + "; ".join(p.actions), highlight=False)
    console.print(samples.describe_link(link_byte), highlight=False)
    console.print(f"wrote {output} ({len(data):,} bytes, channel {channel})", highlight=False)


@rz1.command("unpack")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("-o", "--output", required=True, type=click.Path(),
              help="RAM image to write (several dumps: OUT-sample.bin, OUT-rhythm.bin).")
@click.option("--partial", is_flag=True, help="Also write what an incomplete dump holds.")
def unpack_cmd(path: str, output: str, partial: bool) -> None:
    """Strip handshakes and un-nibble a dump (capture or loadable) into its RAM image:
    16,384 bytes of sample RAM or 7,680 of rhythm RAM."""
    dumps = CasioRZ1.ram_dumps(_dumps(path))
    if not dumps:
        fail(f"{path}: no RZ-1 sample or rhythm dump in it")
    outputs = []
    for dump in dumps:
        try:
            image = CasioRZ1.require_complete(dump)
        except DeviceError as exc:
            if not partial:
                fail(f"{exc} (use --partial to write what was decoded)")
            err_console.print(f"[yellow]warning:[/yellow] {exc}; writing the "
                              f"{len(dump.payload):,} bytes decoded", highlight=False)
            image = dump.payload
        name = dump.kind.removesuffix("-dump") if dump.kind != "dump" else "unknown"
        outputs.append(Output(f"{name}.bin", image))
    for p in write_outputs(outputs, output, inputs=(path,)):
        console.print(f"{p}  ({p.stat().st_size:,} bytes)", highlight=False)


@rz1.command("pack")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("-o", "--output", required=True, type=click.Path(), help="Dump file to write.")
@click.option("--ram", type=click.Choice(list(t.RAMS)), help="Which RAM (default: by size).")
@click.option("--channel", type=click.IntRange(1, 16), default=1, show_default=True,
              help="MIDI channel of the RZ-1.")
@click.option("--to", "form", type=click.Choice(t.FORMS), default=t.LOADABLE, show_default=True,
              help="loadable: the file the RZ-1 accepts; capture: as the RZ-1 sends it.")
def pack_cmd(path: str, output: str, ram: str | None, channel: int, form: str) -> None:
    """Turn a raw RAM image (.bin, 16,384 or 7,680 bytes) into a dump file."""
    image = Path(path).read_bytes()
    data = run_device(build.dump_stream, image, form, channel, ram)
    atomic_write(output, data, inputs=(path,))
    kind = build.ram_for_image(image, ram).title
    console.print(f"wrote {output} ({len(data):,} bytes, {kind}, {form})", highlight=False)
