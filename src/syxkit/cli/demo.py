"""``syxkit demo``: the main job of ./scripts/demo. Everything it shows is built by syxkit
itself, so it runs on any machine: example dumps for each device and what ``info`` reads in
them, a backup of each emulated device over a simulated MIDI cable at wire speed, and a patch
library made from those backups."""

from __future__ import annotations

import tempfile
from pathlib import Path

import click
from rich.markup import escape
from rich.table import Table

from syxkit.cli.common import console
from syxkit.cli.info_report import _table
from syxkit.devices import registry
from syxkit.devices.base import DeviceError, Options
from syxkit.inspect import info_rows, load
from syxkit.ops.files import write_file
from syxkit.protocols.base import WIRE_BYTES_PER_SECOND
from syxkit.transfer.sim import simulate

NEXT_STEPS = """\
Try next:
  syxkit info ../shared/corpus                 what every message in a folder is
  syxkit info --json FILE.syx                  the same as JSON
  syxkit decode FILE.syx                       named parameters
  syxkit convert CAPTURE.syx -o OUT.syx --program 0x20
  syxkit split BANK.syx -o DIR  /  syxkit join *.syx -o BANK.syx
  syxkit fix FILE.syx -o FIXED.syx             repair checksums
  syxkit lib import FOLDER  /  syxkit lib search NAME
  syxkit ports  /  syxkit emulate casio-cz --port CZ  /  syxkit backup casio-cz -o DIR
  syxkit devices                               the drivers syxkit knows"""

# What the demo fetches from each emulated device (the devices' own backup sets).
BACKUPS = {
    "casio-cz": Options(model="CZ-101"),
    "casio-rz1": Options(),
    "novation-kstation": Options(model="K-Station"),
    "yamaha-dtxtreme2": Options(user_kits=4, chains=2, songs=1, stacks=2),
}
EMULATORS = {"casio-vz": Options(panel_send="voices")}


def _examples(folder: Path) -> None:
    made = 0
    for dev in registry.devices():
        data = dev.example()
        if data is not None:
            write_file(folder / f"{dev.id}.syx", data)
            made += 1
    console.print(f"[bold]1. {made} example dump(s) built by syxkit in {folder}[/bold]")
    for src in load([folder]):
        console.print(_table(src.path, info_rows(src)))


def _backups(folder: Path) -> None:
    console.print(f"[bold]2. Backups of emulated devices over a simulated MIDI cable at "
                  f"{WIRE_BYTES_PER_SECOND} bytes/s[/bold]")
    table = Table("device", "objects", "bytes", "wire time (s)", "file")
    for dev in registry.devices():
        try:
            host = dev.backup_protocol(BACKUPS.get(dev.id, Options()))
            emulator = dev.emulator(EMULATORS.get(dev.id, Options()))
        except DeviceError:
            continue
        result = simulate(host, emulator)
        if not result.ok:
            table.add_row(dev.id, "-", "-", f"{result.seconds:.2f}", f"failed: {result.error}")
            continue
        data = b"".join(o.data for o in result.result)
        path = write_file(folder / f"{dev.id}-backup.syx", data)
        table.add_row(dev.id, str(len(result.result)), f"{len(data):,}", f"{result.seconds:.2f}", path.name)
    console.print(table)


def _library(folder: Path, extra: tuple[str, ...] = ()) -> Path:
    from syxkit.library import Library, Query, find, import_paths

    console.print("[bold]3. A patch library made from those backups"
                  + (" and " + ", ".join(escape(p) for p in extra) if extra else "") + "[/bold]")
    path = folder / "library.sqlite"
    with Library(path) as lib:
        dumps = [folder / "examples", folder / "backups", *map(Path, extra)]
        report = import_paths(lib, dumps, workers=0)
        again = import_paths(lib, dumps, workers=0)
        patches = find(lib, Query(), with_sources=False)
        table = Table("device", "kind", "patches", "example names")
        groups: dict[tuple[str, str], list[str]] = {}
        for p in patches:
            groups.setdefault((p.device, p.kind), []).append(p.name)
        for (device, kind), names in sorted(groups.items()):
            table.add_row(device, kind, str(len(names)), ", ".join(names[:3]))
        console.print(table)
        console.print(f"{report.new} new patches, {report.duplicates} duplicates; importing again "
                      f"added {again.new}", highlight=False)
    return path


def _web(library: Path) -> None:
    """Serve the web librarian on the demo library until Ctrl-C; piped (CI, a script), look
    at the page once through the token instead, to show that it is served, and stop."""
    import sys

    from syxkit.web.server import Served, look_once

    console.print("[bold]4. The librarian in your browser[/bold]")
    served = Served(library)
    click.echo(f"syxkit web: {served.url}")
    if sys.stdout.isatty():
        click.echo("open that address in a browser (Ctrl-C stops the server)")
        import threading
        import webbrowser

        threading.Thread(target=webbrowser.open, args=(served.url,), daemon=True).start()
        try:
            served.run()
        except KeyboardInterrupt:
            pass
        return
    thread = served.start()
    try:
        seen = look_once(served)
    finally:
        served.stop()
        thread.join(timeout=10)
    if not seen["has_app"]:
        raise click.ClickException("the server answered, but not with the librarian's page")
    click.echo(f"served: the page ({seen['page_bytes']:,} bytes) and {seen['patches']:,} patches "
               f"through the API, e.g. {', '.join(seen['first'])}")


@click.command()
@click.option("-o", "--output", type=click.Path(file_okay=False), help="Keep the demo's files here.")
@click.option("--import", "extra", multiple=True, type=click.Path(exists=True),
              help="Also import these files or folders (your own dumps) into the demo library.")
@click.option("--no-web", is_flag=True, help="Stop after the library; do not serve the web "
              "librarian.")
def demo(output, extra, no_web) -> None:
    """Build example dumps, back up emulated devices, make a patch library from them (and
    from --import), then serve the web librarian on it until Ctrl-C. When the output is not
    a terminal, the page is fetched once through its token instead, and the demo ends."""
    folder = Path(output) if output else Path(tempfile.mkdtemp(prefix="syxkit-demo-"))
    folder.mkdir(parents=True, exist_ok=True)
    _examples(folder / "examples")
    _backups(folder / "backups")
    library = _library(folder, extra)
    console.print(NEXT_STEPS, highlight=False)
    if not no_web:
        _web(library)


COMMANDS = [demo]
