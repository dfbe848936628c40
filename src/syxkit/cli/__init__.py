"""The ``syxkit`` command line: thin, it parses arguments, calls the layers below and renders.

Neither click nor any command is imported here: :func:`main` first offers the arguments to
:mod:`syxkit.cli.fast` (``--version``, and ``info`` in the forms it knows, without click), and
only otherwise imports the click group (:mod:`syxkit.cli.group`).

Commands are imported when they run, not at start: ``syxkit --version`` or ``syxkit info FILE``
must not pay for the library (SQLite), the live MIDI backends (mido, rtmidi, JACK) or every
device driver. :data:`COMMANDS` names each top-level command, where it lives and its one-line
help, so ``syxkit --help`` lists them all without importing any;
``tests/test_cli_startup.py`` checks the table against the commands themselves.
"""

from __future__ import annotations

import sys
from collections import namedtuple

# A top-level command before it is imported: ``where`` is ``module:attribute`` for the CLI's
# own commands, ``device:ID`` for a command a built-in driver adds (``cli_commands``); ``help``
# is the command's short help, as ``get_short_help_str`` gives it without a limit. (A
# collections namedtuple, not typing's: this module must not import typing or click.)
Lazy = namedtuple("Lazy", ["where", "help"])


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



def __getattr__(name: str):
    # ``from syxkit.cli import cli`` (the click group) and ``IntParam`` keep working without
    # importing click or common at start
    if name == "cli":
        from syxkit.cli.group import cli

        return cli
    if name == "IntParam":
        from syxkit.cli.common import IntParam

        return IntParam
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def main() -> None:
    from syxkit.cli import fast

    try:
        code = fast.run(sys.argv[1:])
        if code is None:
            from syxkit.cli.group import cli

            cli.main(standalone_mode=True)
        else:
            sys.exit(code)
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        sys.exit(130)
