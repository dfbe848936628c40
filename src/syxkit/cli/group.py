"""The click group of ``syxkit``: imports a command's module only when that command runs (see
:data:`syxkit.cli.COMMANDS`)."""

from __future__ import annotations

import importlib
from typing import Any

import click

from syxkit import __version__
from syxkit.cli import COMMANDS, MODULES, Lazy


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
