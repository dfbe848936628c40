"""Instant start (issue 14, point 7): commands and drivers are imported when needed.

Nothing here is timed (``bench/startup.py`` measures); these tests check what a command
imports, so a module-level import of mido, SQLite or every driver fails a test, and that the
tables that make the laziness possible (``syxkit.cli.COMMANDS``, ``registry.BUILTIN``) say
what the commands and drivers themselves say.
"""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from corpus_files import corpus_path

import syxkit.cli.group as cli_pkg
from syxkit.cli import COMMANDS, MODULES, Lazy, cli
from syxkit.core.message import Message
from syxkit.core.readers import read_paths
from syxkit.devices import registry
from syxkit.devices.base import Device

# Modules no command below needs; importing one of them at start is the regression.
HEAVY = ("mido", "rtmidi", "jack", "sqlite3", "_sqlite3", "numpy", "importlib.metadata",
         "syxkit.library", "syxkit.midi", "syxkit.transfer", "syxkit.emulators", "syxkit.protocols",
         "syxkit.cli.lib", "syxkit.cli.live", "syxkit.cli.ops", "syxkit.cli.demo", "syxkit.cli.web",
         "syxkit.web", "fastapi", "uvicorn")
DRIVERS = {b.id: f"syxkit.devices.{b.module}" for b in registry.BUILTIN}

# Runs ``syxkit ARGS`` as the console script does, then writes the names of every imported
# module to the file named first (also when the command exits).
WRAPPER = textwrap.dedent("""
    import sys
    out, sys.argv = sys.argv[1], ["syxkit"] + sys.argv[2:]
    try:
        from syxkit.cli import main
        main()
    finally:
        with open(out, "w") as fh:
            fh.write("\\n".join(sorted(sys.modules)))
""")


def imported_by(tmp_path: Path, *args: str) -> tuple[set[str], subprocess.CompletedProcess]:
    listing = tmp_path / "modules.txt"
    proc = subprocess.run([sys.executable, "-c", WRAPPER, str(listing), *args],
                          capture_output=True, text=True, timeout=120)
    return set(listing.read_text().split()), proc


def loaded(modules: set[str], name: str) -> bool:
    return name in modules or any(m.startswith(name + ".") for m in modules)


def example_file(tmp_path: Path, device: str, name: str | None = None) -> Path:
    """The driver's own example dump (a CZ tone, a VZ voice, ...) as a file."""
    path = tmp_path / (name or f"{device}.syx")
    path.write_bytes(registry.get(device).example())
    return path


def cz_tone(tmp_path: Path) -> Path:
    return example_file(tmp_path, "casio-cz", "tone.syx")  # lib search finds it as "tone"


# -- what commands import --------------------------------------------------------------------

def test_version_imports_no_command_no_driver_no_rich(tmp_path):
    modules, proc = imported_by(tmp_path, "--version")
    assert proc.returncode == 0 and "0.1.0" in proc.stdout
    unwanted = [m for m in HEAVY + ("rich", "click", "syxkit.cli.common", "syxkit.cli.info",
                                    *DRIVERS.values()) if loaded(modules, m)]
    assert unwanted == []


@pytest.mark.parametrize("extra", [(), ("--json",)], ids=["piped", "json"])
@pytest.mark.parametrize("device", list(DRIVERS))
def test_info_on_a_driver_example_imports_that_driver_only(tmp_path, device, extra):
    # every driver, not only the CZ: each brings its own modules to the start (issue 14,
    # point 7: info on one file within 4x of a bare Python start, for every device)
    modules, proc = imported_by(tmp_path, "info", *extra, str(example_file(tmp_path, device)))
    assert proc.returncode == 0, proc.stderr
    assert device in proc.stdout
    assert loaded(modules, DRIVERS[device])
    others = [m for d, m in DRIVERS.items() if d != device and loaded(modules, m)]
    assert others == []
    assert [m for m in HEAVY if loaded(modules, m)] == []
    # reading a file needs none of the driver's live-transfer, editor or command modules
    live = [m for m in ("protocol", "emulator", "cli", "editor")
            if loaded(modules, f"{DRIVERS[device]}.{m}")]
    assert live == []
    # piped (as here) and JSON need no terminal rendering; the fast path needs no click; the
    # classes on this path are written out (syxkit.core.record): dataclasses and typing cost
    # about half of the start
    slow = ("rich", "click", "dataclasses", "typing", "zipfile", "pkgutil")
    assert [m for m in slow if loaded(modules, m)] == []


def test_info_on_a_vz_dos_file_imports_the_vz_driver_only(tmp_path):
    # a non-SysEx file goes to the drivers that read old librarian files: here only the VZ's
    path = corpus_path("vz", "dos_files", "GITIANO.P01")
    modules, proc = imported_by(tmp_path, "info", "--json", str(path))
    assert proc.returncode == 0, proc.stderr
    [row] = json.loads(proc.stdout)
    assert row["device"] == "casio-vz" and row["form"] == "foreign:casio-vz"
    assert [d for d, m in DRIVERS.items() if d != "casio-vz" and loaded(modules, m)] == []
    assert not loaded(modules, "importlib.metadata")  # the VZ reader took it: no plug-in asked


def test_info_on_an_unknown_maker_asks_plugins_but_imports_no_other_driver(tmp_path):
    path = tmp_path / "roland.syx"
    path.write_bytes(bytes([0xF0, 0x41, 0x10, 0x42, 0x12, 0x40, 0x00, 0x7F, 0x00, 0x41, 0xF7]))
    modules, proc = imported_by(tmp_path, "info", "--json", str(path))
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)[0]["device"] is None
    assert [m for m in DRIVERS.values() if loaded(modules, m)] == []
    assert loaded(modules, "importlib.metadata")  # no built-in took it: plug-ins were asked


def test_lib_search_imports_neither_midi_nor_drivers(tmp_path):
    library = tmp_path / "lib.sqlite"
    _, proc = imported_by(tmp_path, "lib", "--library", str(library), "import", str(cz_tone(tmp_path)))
    assert proc.returncode == 0, proc.stderr
    modules, proc = imported_by(tmp_path, "lib", "--library", str(library), "search", "tone", "--json")
    assert proc.returncode == 0, proc.stderr
    assert len(json.loads(proc.stdout)) == 1
    assert loaded(modules, "sqlite3")  # what it is for
    unwanted = ("mido", "rtmidi", "jack", "numpy", "syxkit.midi", "syxkit.transfer", "syxkit.web",
                "fastapi", "uvicorn", *DRIVERS.values())
    assert [m for m in unwanted if loaded(modules, m)] == []


def test_help_lists_commands_without_importing_them(tmp_path):
    modules, proc = imported_by(tmp_path, "--help")
    assert proc.returncode == 0, proc.stderr
    for name in COMMANDS:
        assert f"\n  {name} " in proc.stdout
    imported = [m for m in (*(f"syxkit.cli.{name}" for name in MODULES), *DRIVERS.values())
                if loaded(modules, m)]
    assert imported == []


# -- the command table -----------------------------------------------------------------------

def real_commands() -> dict[str, tuple[str, click.Command]]:
    """name -> (where, command) for every top-level command, found by importing everything."""
    found: dict[str, tuple[str, click.Command]] = {}
    for module_name in MODULES:
        module = importlib.import_module(f"syxkit.cli.{module_name}")
        for command in module.COMMANDS:
            attr = next(k for k, v in vars(module).items() if v is command)
            found[command.name] = (f"{module.__name__}:{attr}", command)
    for builtin in registry.BUILTIN:
        for command in registry.get(builtin.id).cli_commands():
            found[command.name] = (f"device:{builtin.id}", command)
    return found


def test_command_table_matches_the_commands():
    expected = {name: Lazy(where, command.get_short_help_str(limit=10**6))
                for name, (where, command) in real_commands().items()}
    if COMMANDS != expected:
        lines = "\n".join(f"    {name!r}: Lazy({lazy.where!r}, {json.dumps(lazy.help)}),"
                          for name, lazy in sorted(expected.items()))
        pytest.fail(f"syxkit.cli.COMMANDS is out of date; it should read:\n{lines}")


def test_every_table_entry_loads_its_command():
    real = real_commands()
    group = cli_pkg.LazyGroup(name="fresh")
    for name in COMMANDS:
        assert group.get_command(click.Context(group), name) is real[name][1], name


def test_help_is_what_an_eager_group_prints():
    eager = click.Group(name=cli.name, help=cli.help, params=cli.params,
                        context_settings=cli.context_settings,
                        commands={name: command for name, (_, command) in real_commands().items()})
    fresh = cli_pkg.LazyGroup(name=cli.name, help=cli.help, params=cli.params,
                              context_settings=cli.context_settings)
    for width in (80, 200):
        runner = CliRunner()
        ours = runner.invoke(fresh, ["--help"], prog_name="syxkit", terminal_width=width)
        theirs = runner.invoke(eager, ["--help"], prog_name="syxkit", terminal_width=width)
        assert ours.exit_code == 0 and ours.output == theirs.output


def test_unknown_command_is_a_usage_error():
    result = CliRunner().invoke(cli, ["no-such-command"])
    assert result.exit_code == 2 and "No such command" in result.output


# -- the driver table ------------------------------------------------------------------------

@pytest.mark.parametrize("builtin", registry.BUILTIN, ids=lambda b: b.id)
def test_builtin_table_says_what_the_driver_says(builtin):
    dev = registry.get(builtin.id)
    assert type(dev).__module__.startswith(f"syxkit.devices.{builtin.module}.")
    assert importlib.import_module(f"syxkit.devices.{builtin.module}").DEVICE in (dev, type(dev))
    assert set(builtin.prefixes) == set(dev.prefixes)
    # the table's prefixes decide which driver is imported: a driver deciding otherwise
    # (its own ``accepts``) must be listed with no prefixes (offered everything)
    assert type(dev).accepts is Device.accepts or builtin.prefixes == ()
    assert builtin.reads_foreign == (type(dev).read_foreign is not Device.read_foreign)


def test_every_driver_module_is_in_the_table():
    assert registry._unlisted_modules() == [], "add it to registry.BUILTIN (or NOT_DRIVERS)"
    assert len({b.id for b in registry.BUILTIN}) == len(registry.BUILTIN)


def test_builtins_keep_their_order_and_come_before_runtime_devices():
    ids = [d.id for d in registry.devices()]
    assert ids[:len(registry.BUILTIN)] == [b.id for b in registry.BUILTIN]


def test_unknown_device_lists_every_known_one():
    with pytest.raises(KeyError) as err:
        registry.get("no-such-device")
    for builtin in registry.BUILTIN:
        assert builtin.id in str(err.value)


# -- plug-ins stay first-class --------------------------------------------------------------

PLUGIN = textwrap.dedent('''
    import click
    from syxkit.devices.base import Device, Dump

    @click.command(name="toy")
    def toy_cmd():
        """Toy synth tools (test plug-in)."""
        click.echo("toy says hello")

    class Toy(Device):
        id = "toy-lazy"
        title = "Toy synth (lazy test plug-in)"
        prefixes = (b"\\xf0\\x7d\\x12",)

        def identify(self, message):
            if len(message.body) != 4:
                return None
            return Dump(self.id, "patch", message, program=message.body[3])

        def read_foreign(self, data, path):
            if not data.startswith(b"TOY!"):
                return None
            from syxkit.core.message import Message
            return [Message(b"\\xf0\\x7d\\x12\\x00" + data[4:5] + b"\\xf7")]

        def cli_commands(self):
            return [toy_cmd]
''')


@pytest.fixture
def toy_plugin(tmp_path, monkeypatch):
    (tmp_path / "toy_lazy_plugin.py").write_text(PLUGIN)
    dist = tmp_path / "toy_lazy_plugin-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: toy-lazy-plugin\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[syxkit.devices]\ntoy = toy_lazy_plugin:Toy\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    registry.reload()
    yield
    sys.modules.pop("toy_lazy_plugin", None)
    monkeypatch.undo()
    registry.reload()


def test_plugin_identifies_without_a_full_device_list_first(toy_plugin):
    dump = registry.identify(Message(b"\xf0\x7d\x12\x00\x07\xf7"))
    assert dump is not None and dump.device == "toy-lazy" and dump.program == 7


def test_plugin_reads_its_own_files_and_adds_its_command(toy_plugin, tmp_path):
    path = tmp_path / "one.toy"
    path.write_bytes(b"TOY!\x05")
    [src] = list(read_paths([path], registry.foreign_readers()))
    assert src.form == "foreign:toy-lazy" and src.messages[0].data == b"\xf0\x7d\x12\x00\x05\xf7"
    group = cli_pkg.LazyGroup(name="syxkit")
    runner = CliRunner()
    assert "Toy synth tools" in runner.invoke(group, ["--help"]).output
    result = runner.invoke(group, ["toy"])
    assert result.exit_code == 0 and "toy says hello" in result.output


def test_read_paths_takes_a_one_pass_iterator_of_readers(tmp_path):
    # the registry hands over a re-iterable; a generator must still serve every file
    for name in ("a.toy", "b.toy"):
        (tmp_path / name).write_bytes(b"TOY!\x01")

    def reader(data, path):
        return [Message(b"\xf0\x7d\x12\x00\x01\xf7")] if data.startswith(b"TOY!") else None

    sources = list(read_paths([tmp_path / "a.toy", tmp_path / "b.toy"], (r for r in [reader])))
    assert [len(s.messages) for s in sources] == [1, 1]


# -- the benchmark runs (its figures, not its speed, are checked) -------------------------

def test_startup_bench_runs_small_and_reports_its_figures():
    bench = Path(__file__).resolve().parents[1] / "bench" / "startup.py"
    proc = subprocess.run([sys.executable, str(bench), "--repeat", "1", "--warmup", "0", "--json"],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    figures = json.loads(proc.stdout)
    names = [r["command"] for r in figures["rows"]]
    assert names == ["python -c pass", "syxkit --version",
                     *(f"syxkit info {b.id}" for b in registry.BUILTIN),
                     "syxkit info --json casio-cz", "syxkit lib search"]
    for row in figures["rows"]:
        assert row["wall_ms"] > 0 and row["wall_ratio"] > 0, row
    assert figures["rows"][0]["wall_ratio"] == 1.0
    assert figures["target_ratio"] == 4.0 and isinstance(figures["info_within_target"], bool)
    # the verdict covers every info row: the rows over the target are named
    over = [r["command"] for r in figures["rows"]
            if r["command"].startswith("syxkit info") and r["wall_ratio"] > 4.0]
    assert figures["info_over_target"] == over and figures["info_within_target"] == (not over)
    bad = subprocess.run([sys.executable, str(bench), "--repeat", "0"], capture_output=True, timeout=60)
    assert bad.returncode == 2
