"""The ``syxkit`` command line: thin, it parses arguments, calls the layers below and renders.

Commands are imported when they run, not at start: ``syxkit --version`` or ``syxkit info FILE``
must not pay for the library (SQLite), the live MIDI backends (mido, rtmidi, JACK) or every
device driver. :data:`COMMANDS` names each top-level command, where it lives and its one-line
help, so ``syxkit --help`` lists them all without importing any;
``tests/test_cli_startup.py`` checks the table against the commands themselves.
"""

from __future__ import annotations

import importlib
import sys
from typing import Any, NamedTuple

import click

from syxkit import __version__


class Lazy(NamedTuple):
    """A top-level command before it is imported: ``where`` is ``module:attribute`` for the
    CLI's own commands, ``device:ID`` for a command a built-in driver adds (``cli_commands``)."""

    where: str
    help: str  # the command's short help, as ``get_short_help_str`` gives it without a limit


# The CLI's own command modules, each with a COMMANDS list. A new module goes here and its
# commands into COMMANDS below (the test prints the entries to paste).
MODULES = ("info", "ops", "demo", "live", "lib", "web", "render", "edit")

COMMANDS: dict[str, Lazy] = {
    "backup": Lazy("syxkit.cli.live:backup", "Fetch everything DEVICE can send: one file per object, one combined file, a manifest."),
    "convert": Lazy("syxkit.cli.ops:convert", "Convert dumps to another form, program, channel or bank (device rules apply)."),
    "cz": Lazy("device:casio-cz", "Casio CZ family: request files and the tone parameter table."),
    "decode": Lazy("syxkit.cli.ops:decode", "Decode every dump in PATHS into named parameters, as the device's panel shows them."),
    "demo": Lazy("syxkit.cli.demo:demo", "Build example dumps, back up emulated devices, make a patch library from them (and from --import), then serve the web librarian on it until Ctrl-C."),
    "devices": Lazy("syxkit.cli.ops:devices_cmd", "List the device drivers syxkit knows, with the models each one covers."),
    "diff": Lazy("syxkit.cli.ops:diff", "Show the parameters that differ between two dumps."),
    "dtx": Lazy("device:yamaha-dtxtreme2", "Yamaha DTXtreme IIs tools."),
    "emulate": Lazy("syxkit.cli.live:emulate", "Run a virtual DEVICE on virtual ports named by --port until SIGINT/SIGTERM; SIGUSR1 starts a dump from its \"panel\" where the device has one."),
    "encode": Lazy("syxkit.cli.ops:encode", "Build SysEx from JSON written by ``decode --json`` (edited or not)."),
    "get": Lazy("syxkit.cli.edit:get_cmd", "Show parameters of a sound by their panel names (every one when no KEY is given)."),
    "fix": Lazy("syxkit.cli.ops:fix", "Repair checksums (and byte counts where the device has them); nothing else changes."),
    "info": Lazy("syxkit.cli.info:info", "Say what each SysEx message in PATHS (files, folders, zips, .mid) is, where the device would store it, and what is wrong with it."),
    "join": Lazy("syxkit.cli.ops:join", "Join single dumps into banks / bulk dumps."),
    "kstation": Lazy("device:novation-kstation", "Novation K-Station / A-Station / KS series tools."),
    "lib": Lazy("syxkit.cli.lib:lib", "The patch library: import dumps, find, tag and name patches, build banks, export."),
    "ports": Lazy("syxkit.cli.live:ports", "List every MIDI input and output on every backend, and why a backend is unavailable."),
    "receive": Lazy("syxkit.cli.live:receive", "Record whatever the device sends from its panel, answering its handshakes (the VZ's bulk open), until the line is quiet."),
    "rename": Lazy("syxkit.cli.ops:rename", "Give a patch a new name, where the device stores names."),
    "render": Lazy("syxkit.cli.render:render", "Render a CZ tone, VZ voice or RZ-1 pad of PATH as a 16-bit mono WAV (no synth needed)."),
    "request": Lazy("syxkit.cli.live:request", "Fetch one object WHAT from DEVICE, named the device's way and counted as its display counts (the WHAT names of each device are listed below)."),
    "rz1": Lazy("device:casio-rz1", "Casio RZ-1: sample RAM as WAV files, RAM images, loadable dump files."),
    "send": Lazy("syxkit.cli.live:send", "Send a dump FILE to its device, with the device's handshake and pacing."),
    "set": Lazy("syxkit.cli.edit:set_cmd", "Change parameters of a sound by their panel names and values, into a new file."),
    "split": Lazy("syxkit.cli.ops:split", "Split banks and bulk dumps into one file per object."),
    "web": Lazy("syxkit.cli.web:web", "Serve the web librarian on this library."),
}


def _device_command(device_id: str, name: str) -> click.Command | None:
    from syxkit.devices import registry

    for command in registry.get(device_id).cli_commands():
        if command.name == name:
            return command
    return None


def _load(name: str, lazy: Lazy) -> click.Command | None:
    kind, _, what = lazy.where.partition(":")
    if kind == "device":
        return _device_command(what, name)
    command = getattr(importlib.import_module(kind), what, None)
    return command if isinstance(command, click.Command) else None


class LazyGroup(click.Group):
    """The top-level group: imports a command's module only when that command runs (or when
    its full help is asked for). A name the table does not know (a command a third-party
    driver adds, or one missing from the table) is found by importing everything. Failures
    that reach it become one ``error:`` line, as in ``common.SafeGroup``."""

    _everything_loaded = False

    def invoke(self, ctx: click.Context) -> Any:
        from syxkit.cli.common import guarded  # only once a command runs

        return guarded(super().invoke, ctx)

    def _load_everything(self) -> None:
        if self._everything_loaded:
            return
        self._everything_loaded = True
        from syxkit.devices import registry

        for module in MODULES:
            for command in importlib.import_module(f"syxkit.cli.{module}").COMMANDS:
                self.commands.setdefault(command.name, command)
        for dev in registry.devices():  # built-ins and plug-ins
            for command in dev.cli_commands():
                self.commands.setdefault(command.name, command)

    def _plugin_commands(self) -> list[str]:
        """Names of commands that third-party drivers add (their drivers are imported; the
        built-in ones are not)."""
        from syxkit.devices import registry

        builtin = {b.id for b in registry.BUILTIN}
        names = []
        for device_id in registry.ids():
            if device_id not in builtin:
                names.extend(c.name for c in registry.get(device_id).cli_commands())
        return names

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(COMMANDS) | set(self.commands) | set(self._plugin_commands()))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        command = self.commands.get(cmd_name)
        if command is None and cmd_name in COMMANDS:
            command = _load(cmd_name, COMMANDS[cmd_name])
            if command is not None:
                self.commands[cmd_name] = command
        if command is None:
            self._load_everything()
            command = self.commands.get(cmd_name)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """As click's, but a command not imported yet is described from the table (a stand-in
        with its help), so ``syxkit --help`` imports no command module."""
        commands: list[tuple[str, click.Command]] = []
        for name in self.list_commands(ctx):
            command = self.commands.get(name)
            if command is None and name in COMMANDS:
                command = click.Command(name, help=COMMANDS[name].help)
            if command is None:
                command = self.get_command(ctx, name)
            if command is not None and not command.hidden:
                commands.append((name, command))
        if commands:
            limit = formatter.width - 6 - max(len(name) for name, _ in commands)
            rows = [(name, command.get_short_help_str(limit)) for name, command in commands]
            with formatter.section("Commands"):
                formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="syxkit")
def cli() -> None:
    """SysEx librarian and toolkit for Casio CZ/VZ/RZ-1, Yamaha DTXtreme IIs and Novation
    K-Station gear."""


def __getattr__(name: str) -> Any:
    # ``from syxkit.cli import IntParam`` keeps working without importing common at start
    if name == "IntParam":
        from syxkit.cli.common import IntParam

        return IntParam
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def main() -> None:
    try:
        cli.main(standalone_mode=True)
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(130)
