"""``syxkit rz1 …``: the RZ-1's own commands (samples as WAV, RAM images, loadable files).
Thin: the work is done in :mod:`syxkit.ops.devices_tools` (over :mod:`pads_io`, :mod:`build`
and the driver); this module parses options and renders."""

from __future__ import annotations

import click

from syxkit.cli.common import console, emit_json, err_console, note
from syxkit.devices.casio_rz1 import table as t
from syxkit.ops import devices_tools as tools


def _warn(text: str) -> None:
    err_console.print(f"[yellow]warning:[/yellow] {text}", highlight=False)


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
    done = tools.rz1_export(path, output, int(bits), note)
    for text in done.warnings:
        _warn(text)
    report = done.report
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
    done = tools.rz1_import(list(wavs), output, link, channel)
    if as_json:
        emit_json(done.to_json())
        return
    for p in done.pads:
        source = f" from {p.file} ({p.source})" if p.file else ""
        console.print(f"{p.target}{source}: " + "; ".join(p.actions), highlight=False)
    console.print(done.link, highlight=False)
    console.print(f"wrote {output} ({len(done.data):,} bytes, channel {channel})", highlight=False)


@rz1.command("unpack")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("-o", "--output", required=True, type=click.Path(),
              help="RAM image to write (several dumps: OUT-sample.bin, OUT-rhythm.bin).")
@click.option("--partial", is_flag=True, help="Also write what an incomplete dump holds.")
def unpack_cmd(path: str, output: str, partial: bool) -> None:
    """Strip handshakes and un-nibble a dump (capture or loadable) into its RAM image:
    16,384 bytes of sample RAM or 7,680 of rhythm RAM."""
    done = tools.rz1_unpack(path, output, partial, note)
    for text in done.warnings:
        _warn(text)
    for p in done.paths:
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
    done = tools.rz1_pack(path, output, ram, channel, form)
    console.print(f"wrote {output} ({len(done.data):,} bytes, {done.ram}, {form})", highlight=False)
