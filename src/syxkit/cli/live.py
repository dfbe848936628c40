"""Live MIDI commands: ``ports``, ``request``, ``backup``, ``send``, ``receive``, ``emulate``.

Thin like the rest of the CLI: the device gives a sans-I/O protocol (or emulator),
syxkit.midi opens the port, :mod:`syxkit.ops.backup` runs the job (file names, manifests,
atomic writes, a recovery file whenever a transfer does not finish: failure, Ctrl-C or
SIGTERM — a half-written output never exists) and this module adds the user's side:
options, progress bars, ``--json`` summaries and lines.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import click
from rich.progress import (
    BarColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table
from rich.text import Text

from syxkit.cli.common import (
    console,
    dumps_by_device,
    emit_json,
    err_console,
    fail,
    gather,
    run_device,
    warn_unused,
)
from syxkit.core.fileio import OutputError
from syxkit.core.numbers import parse_int
from syxkit.devices import registry
from syxkit.devices.base import Device, DeviceError, OptionError, Options
from syxkit.emulators.base import Faults
from syxkit.midi import (
    BACKEND_NAMES,
    DEFAULT_RATE,
    Opened,
    PortError,
    open_port,
    open_virtual,
    probe_all,
)
from syxkit.midi.recorder import Recorder
from syxkit.ops import backup as jobs
from syxkit.ops.backup import FORMS
from syxkit.protocols.base import WIRE_BYTES_PER_SECOND, ObjectDone, Peer, TransferError
from syxkit.protocols.base import Progress as ProgressEvent
from syxkit.transfer import engine

# kept for callers that import it from here (tests, scripts)
_file_name = jobs.file_name


class SettingParam(click.ParamType):
    """``KEY=VALUE`` for a device's own protocol or emulator options (``packet_gap=0.2``,
    ``send_rate=0``, ``panel_send=voices``): numbers as numbers, true/false as booleans."""

    name = "key=value"

    def convert(self, value, param, ctx):
        if isinstance(value, tuple):
            return value
        key, sep, text = str(value).partition("=")
        key = key.strip().replace("-", "_")
        if not sep or not key.isidentifier():
            self.fail(f"{value!r}: expected KEY=VALUE, e.g. packet_gap=0.2", param, ctx)
        return key, _setting_value(text.strip())


def _setting_value(text: str) -> Any:
    low = text.lower()
    if low in ("true", "yes", "on"):
        return True
    if low in ("false", "no", "off"):
        return False
    try:
        return parse_int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        return text


SETTING = SettingParam()
set_option = click.option("--set", "settings", multiple=True, type=SETTING,
                          help="A device option KEY=VALUE (repeatable; see the device's notes).")


# -- options shared by the commands that talk to a device ----------------------------------------
def _port_options(f):
    opts = [
        click.option("--backend", "backend_name", default="auto", envvar="SYXKIT_BACKEND",
                     type=click.Choice(("auto",) + BACKEND_NAMES),
                     help="MIDI backend (default: the first that has the port; env SYXKIT_BACKEND)."),
        click.option("--port", envvar="SYXKIT_PORT",
                     help="Port by name (or part of it) or number from `syxkit ports`; a path "
                          "opens a rawmidi device, pty or serial device (env SYXKIT_PORT)."),
        click.option("--in-port", help="Input port, when it is named differently from the output."),
        click.option("--out-port", help="Output port, when it is named differently from the input."),
        click.option("--rate", type=float, default=None,
                     help="Pace writes to this many bytes per second (default: 3125, a MIDI "
                          "cable, on JACK/rtmidi; none on rawmidi/serial; 0 = no pacing)."),
        click.option("--baud", type=int, help="Serial backend: baud rate (default 31250)."),
        click.option("--form", type=click.Choice(FORMS),
                     help="Handshake form (default: faithful where the port carries SysEx in "
                          "pieces, else embedded)."),
        click.option("--channel", type=click.IntRange(1, 16), help="MIDI channel 1-16."),
        click.option("--model", help="Model, where the device's protocol depends on it."),
        click.option("--timeout", type=float, help="Seconds to wait for each answer (device default otherwise)."),
        click.option("--device-number", type=click.IntRange(1, 16), help="Yamaha device number 1-16."),
        click.option("--verify", is_flag=True,
                     help="Read every object again (after a send: back) and compare. The only way "
                          "to catch a damaged data byte on devices without a checksum (CZ, "
                          "K-Station); about doubles the time."),
        set_option,
        click.option("--recovery-dir", metavar="DIRECTORY",
                     help="Where a failed transfer saves what arrived (default: next to the output)."),
        click.option("--json", "as_json", is_flag=True, help="Print a JSON summary on stdout."),
    ]
    for opt in reversed(opts):
        f = opt(f)
    return f


def _device(device_id: str) -> Device:
    try:
        return registry.get(device_id)
    except KeyError as exc:
        fail(str(exc.args[0]), 2)


def _open(cmd: str, kw: dict[str, Any], *, need_input: bool = True) -> Opened:
    if kw["recovery_dir"]:
        jobs.check_folder(Path(kw["recovery_dir"]))
    rate = DEFAULT_RATE if kw["rate"] is None else kw["rate"]
    try:
        return open_port(kw["port"], backend_name=kw["backend_name"], in_port=kw["in_port"],
                         out_port=kw["out_port"], rate=rate, baud=kw["baud"],
                         client_name=f"syxkit-{cmd}", need_input=need_input)
    except PortError as exc:
        fail(str(exc))


def _form(opened: Opened, kw: dict[str, Any], notes: list[str]) -> str:
    return jobs.choose_form(kw["form"], opened.transport.can_split_sysex, opened.backend, notes)

def _options(kw: dict[str, Any], form: str, **extra: Any) -> Options:
    return jobs.device_options(dict(kw["settings"]), form, channel=kw["channel"],
                               model=kw["model"], timeout=kw["timeout"],
                               device_number=kw["device_number"],
                               verify=bool(kw.get("verify")), **extra)


def _protocol(call: Callable[[], Any], opened: Opened) -> Peer:
    try:
        return call()
    except DeviceError as exc:
        opened.transport.close()
        fail(str(exc), 2 if isinstance(exc, OptionError) else 1)


def _check_request(call: Callable[[], Any]) -> None:
    """Build the protocol once before any port is opened (protocols are sans-I/O: building one
    sends nothing), so that a bad WHAT or option value is a usage error (exit 2) even when the
    port is missing too. Other refusals may depend on the port's form: they come after."""
    try:
        call()
    except OptionError as exc:
        fail(str(exc), 2)
    except DeviceError:
        pass


@contextlib.contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """SIGTERM ends a transfer like Ctrl-C: the engine then saves what arrived."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    old = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, old)


class _Bar:
    """A rich progress bar on stderr fed by the protocol's events (nothing when not a tty)."""

    def __init__(self, label: str, on_object: Callable[[ObjectDone], None] | None = None):
        self.progress = Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                                 TextColumn("{task.completed:,.0f}/{task.fields[total_text]} B"),
                                 TextColumn("{task.fields[objects]}"), TimeElapsedColumn(),
                                 console=err_console, transient=True,
                                 disable=not err_console.is_terminal)
        self.task = self.progress.add_task(label, total=None, total_text="?", objects="")
        self.label = label
        self.on_object = on_object
        self.bytes_done = 0

    def __call__(self, event: Any) -> None:
        if isinstance(event, ProgressEvent):
            self.bytes_done = event.bytes_done
            objects = ""
            if event.objects_total or event.objects_done:
                objects = f"{event.objects_done}/{event.objects_total or '?'} objects"
            total = event.bytes_total
            self.progress.update(self.task, completed=event.bytes_done, total=total,
                                 total_text=f"{total:,}" if total else "?", objects=objects,
                                 description=f"{self.label}: {event.step}" if event.step else self.label)
        elif isinstance(event, ObjectDone) and self.on_object:
            self.on_object(event)


def _run(protocol: Peer, opened: Opened, bar: _Bar, recovery_dir: Path) -> tuple[Any, TransferError | None, float]:
    """Run the protocol (see :func:`syxkit.ops.backup.run`) with the bar showing and SIGTERM
    ending it like Ctrl-C."""
    with _sigterm_as_interrupt(), bar.progress:
        return jobs.run(protocol, opened.transport, bar, recovery_dir)

def _notes(opened: Opened, notes: list[str]) -> list[str]:
    return notes + list(getattr(opened.transport, "notes", []))


def _report_failure(summary: dict[str, Any], error: TransferError, as_json: bool) -> None:
    text = jobs.failure_text(error)
    summary.update(ok=False, error=text, recovery_file=error.recovery_file)
    if as_json:
        emit_json(summary)
    _print_notes(summary.get("notes", []))
    fail(text)

def _print_notes(notes: list[str]) -> None:
    # Notes quote devices and files (names, paths): printed as data, never as markup.
    for note in notes:
        err_console.print(Text.assemble(("note:", "yellow"), " ", str(note)), highlight=False,
                          soft_wrap=True)


def _base_summary(command: str, opened: Opened, form: str | None) -> dict[str, Any]:
    return jobs.base_summary(command, opened.backend, opened.describe(), form)


# -- ports ---------------------------------------------------------------------------------------
@click.command()
@click.option("--backend", "backend_name", default="auto", envvar="SYXKIT_BACKEND",
              type=click.Choice(("auto",) + BACKEND_NAMES),
              help="List this backend only (default: every backend; env SYXKIT_BACKEND).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON array, one object per backend.")
def ports(backend_name: str, as_json: bool) -> None:
    """List every MIDI input and output on every backend, and why a backend is unavailable."""
    if backend_name == "auto":
        reports = probe_all()
    else:
        from syxkit.midi import backend

        reports = [backend(backend_name).probe()]
    if as_json:
        emit_json([r.to_json() for r in reports])
        return
    for r in reports:
        split = "SysEx in pieces" if r.can_split_sysex else "whole messages only"
        if not r.available:
            # Port names and reasons come from the system: data, never markup.
            console.print(Text.assemble((r.name, "bold"), f" — {r.title}: ", ("unavailable", "red"),
                                        f": {r.reason}"), highlight=False)
            continue
        table = Table(title=Text(f"{r.name} — {r.title} ({split})"), title_justify="left")
        for col in ("dir", "#", "name", "detail"):
            table.add_column(col, overflow="fold")
        for p in r.inputs + r.outputs:
            table.add_row(p.direction, str(p.index), Text(str(p.name)), Text(str(p.detail or "")))
        if not r.inputs and not r.outputs:
            table.add_row("", "", "(no ports)", Text(str(r.reason or "")))
        console.print(table)


# -- request -------------------------------------------------------------------------------------
class _RequestCommand(click.Command):
    """``request --help`` lists each device's WHAT names from its ``request_names`` (generated,
    so the help cannot drift from the drivers; the drivers are imported only for --help)."""

    def format_epilog(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        for dev in registry.devices():
            if type(dev).request_protocol is Device.request_protocol:
                continue  # this device cannot be asked for anything
            names = [(str(pattern), str(meaning)) for pattern, meaning in dev.request_names]
            with formatter.section(f"WHAT for {dev.id}"):
                if names:
                    formatter.write_dl(names)
                else:
                    formatter.write_text("(the driver lists no names; see the README)")
        super().format_epilog(ctx, formatter)


@click.command(cls=_RequestCommand)
@click.argument("device_id", metavar="DEVICE")
@click.argument("what")
@click.option("-o", "--output", required=True, metavar="FILE",
              help="File to write (an existing file is replaced, atomically); when the device "
                   "sends several objects, they go next to it as FILE-NAME.syx.")
@_port_options
def request(device_id: str, what: str, output: str, **kw: Any) -> None:
    """Fetch one object WHAT from DEVICE, named the device's way and counted as its display
    counts (the WHAT names of each device are listed below). A bad WHAT exits 2."""
    dev = _device(device_id)
    _check_request(lambda: dev.request_protocol(what, _options(kw, kw["form"] or "faithful")))
    jobs.check_file(output)
    opened = _open("request", kw)
    notes: list[str] = []
    form = _form(opened, kw, notes)
    options = _options(kw, form)
    protocol = _protocol(lambda: dev.request_protocol(what, options), opened)
    recovery = Path(kw["recovery_dir"] or Path(output).parent or ".")
    result, error, seconds = _run(protocol, opened, _Bar(f"{dev.id} {what}"), recovery)
    summary = _base_summary("request", opened, form) | {"device": dev.id, "what": what,
                                                         "seconds": round(seconds, 3),
                                                         "bytes_received": len(protocol.received)}
    summary["notes"] = _notes(opened, notes)
    if error:
        _report_failure(summary, error, kw["as_json"])
    outputs = jobs.outputs_of(result, f"request {what}")
    summary["files"] = jobs.save_request(dev.id, what, outputs, output, recovery)
    warn_unused(dev, options)
    _finish(summary, kw["as_json"], [f"wrote {f['path']} ({f['bytes']:,} bytes): {jobs.contents(f)}"
                                     for f in summary["files"]])


def _finish(summary: dict[str, Any], as_json: bool, lines: list[str]) -> None:
    _print_notes(summary.get("notes", []))
    if as_json:
        emit_json(summary)
    else:
        for line in lines:
            # Lines quote names from the device and paths: data, never markup.
            console.print(Text(line), highlight=False, soft_wrap=True)


# -- backup --------------------------------------------------------------------------------------
@click.command()
@click.argument("device_id", metavar="DEVICE")
@click.option("-o", "--output", required=True, metavar="DIR",
              help="Folder to write into (one file per object, a combined file, manifest.json); "
                   "made if missing. A folder that already holds files is refused unless --force.")
@click.option("--force", is_flag=True,
              help="Write into a folder that already holds files (an earlier backup): files of "
                   "the same names are replaced, others are left as they are.")
@_port_options
def backup(device_id: str, output: str, force: bool, **kw: Any) -> None:
    """Fetch everything DEVICE can send: one file per object, one combined file, a manifest.
    Never writes over an earlier backup silently: the folder must be new or empty, or --force."""
    dev = _device(device_id)
    folder = Path(output)
    jobs.check_folder(folder)
    earlier = jobs.refuse_earlier(folder, force)
    opened = _open("backup", kw)
    notes: list[str] = []
    form = _form(opened, kw, notes)
    options = _options(kw, form)
    protocol = _protocol(lambda: dev.backup_protocol(options), opened)
    files = jobs.BackupFiles(folder, dev.id, {"model": kw["model"], "backend": opened.backend,
                                             "port": opened.describe(), "form": form}, earlier)
    try:
        files.make_folder()
    except OutputError:
        opened.transport.close()
        raise

    def keep(obj: ObjectDone) -> None:
        # Each object is saved the moment it is complete, so a cut backup keeps what was done.
        files.keep(obj.name, obj.data)

    recovery = Path(kw["recovery_dir"] or folder)
    result, error, seconds = _run(protocol, opened, _Bar(f"{dev.id} backup", keep), recovery)
    summary = _base_summary("backup", opened, form) | {"device": dev.id, "folder": str(folder)}
    summary["notes"] = _notes(opened, notes)
    if error:
        manifest, why = files.failed(error, seconds)
        if why:
            summary["notes"].append(why)
        _report_failure(summary | {"manifest": manifest}, error, kw["as_json"])
    outputs = jobs.outputs_of(result, "backup")
    done = files.finish(outputs, seconds, recovery)
    warn_unused(dev, options)
    summary.update(objects=len(done.written), manifest=str(done.manifest),
                   combined=str(done.combined), seconds=done.manifest_data["seconds"])
    if done.replaced is not None:
        summary["replaced"] = done.replaced
        summary["notes"].append(f"--force: {len(done.replaced)} earlier file(s) in {folder} "
                                "replaced")
    _finish(summary, kw["as_json"], [f"wrote {len(done.written)} object file(s) "
                                     f"({jobs.count_kinds(done.kinds)}), "
                                     f"{done.combined.name} and manifest.json to {folder}"])

# -- send ----------------------------------------------------------------------------------------
@click.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--device", "device_id", help="Device id, when the file is ambiguous.")
@click.option("--program", help="Program / slot to send to, counted as the device's display counts "
                                 "(as `syxkit convert --help` says: CZ internal:3, B2, edit-buffer, "
                                 "or 0x20 = the CZ's wire address).")
@_port_options
def send(file: str, device_id: str | None, program: str | None, **kw: Any) -> None:
    """Send a dump FILE to its device, with the device's handshake and pacing."""
    got = gather((file,))
    if got.unreadable:
        fail(f"{file}: not readable")
    dev, dumps = dumps_by_device(got.entries, device_id)
    mine = [e.message for e in got.entries if e.dump is not None and e.dump.device == dev.id]
    skipped = len(got.entries) - len(mine)
    data = b"".join(m.data for m in mine)
    kinds = [e.dump.kind for e in got.entries if e.dump is not None and e.dump.device == dev.id]
    if program is not None:  # counted as the device's panel counts (a bad one: exit 2)
        program = run_device(dev.program_option, program, kw["model"])
    _check_request(lambda: dev.send_protocol(data, _options(kw, kw["form"] or "faithful",
                                                            program=program)))
    opened = _open("send", kw, need_input=False)
    notes: list[str] = []
    if skipped:
        notes.append(f"{skipped} message(s) in {file} are not {dev.id} dumps: not sent")
    if opened.source is None:
        notes.append("no input port matched: the device's answers cannot be heard")
    form = _form(opened, kw, notes)
    options = _options(kw, form, program=program)
    protocol = _protocol(lambda: dev.send_protocol(data, options), opened)
    tap = jobs.Tap(opened.transport)
    opened.transport = tap
    recovery = Path(kw["recovery_dir"] or Path(file).parent)
    result, error, seconds = _run(protocol, opened, _Bar(f"{dev.id} send"), recovery)
    summary = _base_summary("send", opened, form) | {"device": dev.id, "file": file,
                                                      "bytes": len(data), "messages": len(mine),
                                                      "kinds": jobs.count_kinds(kinds),
                                                      "seconds": round(seconds, 3)}
    # Where the device stores what went out, read from the bytes written to the port (after
    # --program and the driver's addressing), never from what the command was asked to do.
    summary["destinations"] = jobs.destinations(dev, tap.sent)
    summary["notes"] = _notes(opened, notes)
    if error:
        _report_failure(summary, error, kw["as_json"])
    warn_unused(dev, options)
    summary["result"] = result if isinstance(result, (dict, list, str, int, type(None))) else str(result)
    verify = jobs.verify_text(result, bool(kw.get("verify")))
    if verify is not None:
        summary["verify"] = verify
    if isinstance(result, dict):
        summary["notes"] += [str(n) for n in result.get("notes") or [] if str(n) not in summary["notes"]]
    _finish(summary, kw["as_json"], _send_lines(summary, dev, opened, seconds, result, verify))


def _send_lines(summary: dict[str, Any], dev: Device, opened: Opened, seconds: float, result: Any,
                verify: str | None) -> list[str]:
    lines = [f"sent {summary['kinds']} ({summary['bytes']:,} bytes) from {summary['file']} to "
             f"{dev.id} on {opened.describe()} in {seconds:.1f} s"]
    if isinstance(result, dict):
        confirmed = result.get("confirmed")
        if confirmed is None and "acknowledged" in result:
            confirmed = bool(result["acknowledged"])
        if confirmed is True:
            lines.append("the device confirmed what it received")
        elif confirmed is False:
            lines.append("the device did not confirm (it sends no answer, or none was heard)")
    dests = summary["destinations"]
    if dests:
        stored = [d for d in dests if d["store"]]
        shown = stored or dests
        lines.append("stored to:" if stored else "sent (the driver does not say where they are stored):")
        for d in shown[:16]:
            what = d["kind"] + (f" {d['name']!r}" if d["name"] else "")
            lines.append(f"  {what} -> {d['store'] or d['slot'] or '?'}")
        if len(shown) > 16:
            lines.append(f"  … and {len(shown) - 16} more (--json lists them all)")
    if verify:
        lines.append(verify + (", at the places above" if dests and verify.startswith("verified") else ""))
    return lines


# -- receive -------------------------------------------------------------------------------------
@click.command()
@click.option("-o", "--output", required=True, metavar="FILE",
              help="File to write (an existing file is replaced, atomically).")
@click.option("--quiet", type=float, default=2.0, show_default=True,
              help="The dump is over after this many seconds without data.")
@click.option("--wait", "first_wait", type=float,
              help="Give up when nothing arrives within this many seconds (default: wait until Ctrl-C).")
@click.option("--device", "device_id", help="Only this device answers handshakes.")
@click.option("--keep-realtime", is_flag=True, help="Keep clock / active-sensing bytes in the file.")
@_port_options
def receive(output: str, quiet: float, first_wait: float | None, device_id: str | None,
            keep_realtime: bool, **kw: Any) -> None:
    """Record whatever the device sends from its panel, answering its handshakes (the VZ's
    bulk open), until the line is quiet."""
    if quiet <= 0:
        fail("--quiet must be more than 0 seconds", 2)
    jobs.check_file(output)
    log: list[str] = []
    answer = jobs.answerer([_device(device_id)] if device_id else None, log)
    opened = _open("receive", kw)
    notes: list[str] = []
    recorder = Recorder(quiet=quiet, first_wait=first_wait, answer=answer,
                        keep_realtime=keep_realtime)
    recovery = Path(kw["recovery_dir"] or Path(output).parent)
    if err_console.is_terminal and not kw["as_json"]:
        err_console.print(f"waiting for a dump on {opened.describe()} (start it on the device; "
                          "Ctrl-C to stop)", highlight=False)
    result, error, seconds = _run(recorder, opened, _Bar("receiving"), recovery)
    summary = _base_summary("receive", opened, None) | {"seconds": round(seconds, 3),
                                                         "answers": log,
                                                         "realtime_bytes_left_out": 0 if keep_realtime else recorder.realtime}
    summary["notes"] = _notes(opened, notes)
    if error:
        _report_failure(summary, error, kw["as_json"])
    summary["file"] = jobs.save_received(result, output, recovery)
    _finish(summary, kw["as_json"], [f"wrote {summary['file']['path']} ({len(result):,} bytes): "
                                     f"{jobs.contents(summary['file'])}"] + log)


# -- emulate -------------------------------------------------------------------------------------
@click.command()
@click.argument("device_id", metavar="DEVICE")
@click.option("--port", required=True,
              help="Name of the virtual ports (JACK client NAME with ports in/out; a path makes "
                   "a pty linked there).")
@click.option("--backend", "backend_name", default="auto",
              type=click.Choice(("auto", "jack", "rawmidi", "alsa", "coremidi", "rtmidi-jack")),
              help="Where to create the ports (default: a pty for a path, else JACK, else ALSA).")
@click.option("--model", help="Model to emulate.")
@click.option("--memory", multiple=True, type=click.Path(exists=True, dir_okay=False),
              help="Load the device's memory from this dump file (repeatable).")
@click.option("--wire-speed", is_flag=True, help="Answer at 3,125 bytes/s, like a real MIDI cable.")
@click.option("--fault", "faults", multiple=True,
              help="Inject a fault: stall:N, drop-handshake:N, corrupt:N, reset:N (repeatable).")
@click.option("--active-sensing", is_flag=True, help="Send active sensing (FE) every 300 ms.")
@click.option("--block-delay", type=float, default=0.0, help="Processing time per block, seconds.")
@click.option("--save-on-exit", metavar="FILE",
              help="Write the emulated memory to this file when stopped.")
@click.option("--channel", type=click.IntRange(1, 16), help="The emulated device's MIDI channel.")
@set_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON lines (ready, stopped) on stdout.")
def emulate(device_id: str, port: str, backend_name: str, model: str | None, memory: tuple[str, ...],
            wire_speed: bool, faults: tuple[str, ...], active_sensing: bool, block_delay: float,
            save_on_exit: str | None, channel: int | None, settings: tuple, as_json: bool) -> None:
    """Run a virtual DEVICE on virtual ports named by --port until SIGINT/SIGTERM; SIGUSR1
    starts a dump from its "panel" where the device has one."""
    dev = _device(device_id)
    try:
        fault_spec = Faults.parse(list(faults))
    except ValueError as exc:
        fail(str(exc), 2)
    dumps = []
    if memory:
        _, dumps = dumps_by_device(gather(memory).entries, dev.id)
    values = dict(settings)
    values.update(model=model, memory=dumps or None, faults=fault_spec, channel=channel,
                  active_sensing=active_sensing, block_delay=block_delay or None)
    options = Options(**values)
    try:
        emulator = dev.emulator(options)
    except DeviceError as exc:
        fail(str(exc))
    if save_on_exit and not callable(getattr(emulator, "save", None)):
        fail(f"{dev.id}: this emulator cannot save its memory (--save-on-exit)")
    if save_on_exit:
        jobs.check_file(save_on_exit)
    rate = WIRE_BYTES_PER_SECOND if wire_speed else 0
    try:
        transport, used = open_virtual(port, backend_name=backend_name, rate=rate)
    except PortError as exc:
        fail(str(exc))
    panel = jobs.Panel(emulator)
    stop = threading.Event()
    handlers = {signal.SIGINT: lambda s, f: stop.set(), signal.SIGTERM: lambda s, f: stop.set()}
    has_panel = callable(getattr(emulator, "panel_dump", None))
    usr1 = getattr(signal, "SIGUSR1", None)  # not on Windows
    if usr1 is not None:
        def press(signum, frame):
            if has_panel:
                panel.presses += 1
            else:
                err_console.print(f"[yellow]note:[/yellow] {dev.id} has no panel dump to start")
        handlers[usr1] = press
    old = {sig: signal.signal(sig, h) for sig, h in handlers.items()}
    where = getattr(transport, "path", None) or port
    ready = {"event": "ready", "device": dev.id, "backend": used, "port": where, "pid": os.getpid(),
             "split_sysex": transport.can_split_sysex, "wire_speed": wire_speed,
             "panel": has_panel and usr1 is not None}
    if as_json:
        click.echo(json.dumps(ready), nl=True)
    else:
        err_console.print(Text(f"emulating {dev.id} on {used} port {where!r} (pid {os.getpid()}); "
                               "Ctrl-C to stop" + ("; kill -USR1 sends a panel dump" if ready["panel"] else "")),
                          highlight=False)
    if not transport.can_split_sysex:
        err_console.print(f"[yellow]note:[/yellow] {used} carries whole messages only: the "
                          "emulator hears a SysEx when its F7 arrives, so hosts must use the "
                          "embedded or paced form")
    warn_unused(dev, options)
    try:
        engine.serve(panel, transport, stop=stop)
    finally:
        transport.close()
        for sig, h in old.items():
            signal.signal(sig, h)
    stopped: dict[str, Any] = {"event": "stopped", "device": dev.id, "log": list(getattr(emulator, "log", []))}
    edit_area = getattr(emulator, "edit_area", None)
    if callable(edit_area):
        # what a sound sent to the edit area left there (the VZ's: no request reads it back)
        stopped["edit_area"] = edit_area().hex()
    if save_on_exit:
        data = emulator.save()
        # The emulated memory is all the user has of this session: kept elsewhere on failure.
        stopped["saved"] = jobs.save_memory(dev.id, data, save_on_exit)
    if as_json:
        click.echo(json.dumps(stopped))
    elif save_on_exit:
        err_console.print(f"saved the emulated memory to {save_on_exit} ({len(data)} bytes)")


COMMANDS = [ports, request, backup, send, receive, emulate]
