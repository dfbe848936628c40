"""The generic command line is safe by default (issue 13, points 2-6) and readable (issue 14,
points 3-5): names and file names are data, never markup; -o never names an input; outputs
follow the umask; every write failure is one ``error:`` line; garbage never "succeeds"."""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
import tempfile
import types
import wave
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from syxkit.cli import cli
from syxkit.core import fileio
from syxkit.devices import registry
from syxkit.devices.base import Options
from syxkit.inspect import entries, load_bytes


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def example(device_id: str) -> bytes:
    data = registry.get(device_id).example()
    assert data, f"{device_id} builds no example dump"
    return data


def dump_of(data: bytes):
    return entries(load_bytes(data, "x.syx")[0])[0].dump


def error_lines(result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("error:")]


# -- names are data, never markup ------------------------------------------------------------

def _vz_named(name: str) -> bytes:
    dev = registry.get("casio-vz")
    return dev.rename(dump_of(example("casio-vz")), name, Options(index=None))


def _cz_named(name: str) -> bytes:
    dev = registry.get("casio-cz")
    (out,) = dev.convert([dump_of(example("casio-cz"))], Options(form="cz1", name=name))
    return out.data


NAMERS = {"casio-vz": _vz_named, "casio-cz": _cz_named}


def _charset(device_id: str) -> tuple[str, int]:
    """The characters a device keeps verbatim in a name, and its longest name, found by asking
    the driver (so the test follows the driver's own rules rather than a copy of them)."""
    make = NAMERS[device_id]
    chars = []
    for c in map(chr, range(0x20, 0x7F)):
        try:
            if dump_of(make(f"A{c}B")).name == f"A{c}B":
                chars.append(c)
        except Exception:  # noqa: BLE001 - the driver refuses the character: not in the set
            continue
    longest = 1
    while longest < 64:
        try:
            make("A" * (longest + 1))
        except Exception:  # noqa: BLE001
            break
        longest += 1
    return "".join(chars), longest


CHARSETS = {d: _charset(d) for d in NAMERS}


def test_charsets_hold_markup_characters():
    # the property below is only worth something if the characters rich reads as markup are in
    assert "[" in CHARSETS["casio-vz"][0] and "/" in CHARSETS["casio-vz"][0]
    assert "/" in CHARSETS["casio-cz"][0]


@st.composite
def names(draw, device_id):
    chars, longest = CHARSETS[device_id]
    name = draw(st.text(alphabet=chars, min_size=1, max_size=longest))
    # devices pad names with spaces: leading/trailing spaces are not part of what is shown
    name = name.strip()
    return name or "A"


def _check_name_shown(device_id: str, name: str, build) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "named.syx"
        res = build(path, name)
        assert res.exit_code == 0, res.output
        res = run("info", "--json", path)
        assert res.exit_code == 0, res.output
        assert [r["name"] for r in json.loads(res.stdout)] == [name]
        res = run("info", path)
        assert res.exit_code == 0, res.output
        assert name in res.stdout
        res = run("info", "--names", path)
        assert res.exit_code == 0 and res.stdout.split("\t")[-1].strip() == name, res.output
        res = run("decode", path)
        assert res.exit_code == 0, res.output
        assert f"'{name}'" in res.stdout


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=names("casio-vz"))
def test_any_vz_name_survives_info_and_decode(name):
    src = example("casio-vz")

    def build(path, n):
        ex = path.with_name("ex.syx")
        ex.write_bytes(src)
        return run("rename", ex, "--name", n, "-o", path)

    _check_name_shown("casio-vz", name, build)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=names("casio-cz"))
def test_any_cz1_name_survives_info_and_decode(name):
    src = example("casio-cz")

    def build(path, n):
        ex = path.with_name("ex.syx")
        ex.write_bytes(src)
        return run("convert", ex, "--to", "cz1", "--name", n, "-o", path)

    _check_name_shown("casio-cz", name, build)


FILE_NAME_CHARS = st.sampled_from(list("abcXYZ019 []/\\:=#@!'\"{}()<>-_.~") + ["[red]", "[/X]", "[bold"])


@settings(max_examples=40, deadline=None)
@given(parts=st.lists(FILE_NAME_CHARS, min_size=1, max_size=8))
def test_any_file_name_survives_info_and_decode(parts):
    name = "".join(parts).replace("/", "[") + ".syx"
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_bytes(example("casio-vz"))
        res = run("info", path)
        assert res.exit_code == 0, res.output
        assert res.stdout.splitlines()[1].split("\t")[:2] == [str(path), "1"]
        res = run("info", "--json", path)
        assert json.loads(res.stdout)[0]["path"] == str(path)
        res = run("decode", path)
        assert res.exit_code == 0 and f"{path}: casio-vz voice" in res.stdout, res.output
        # an unreadable file of that name: the error line keeps the name too
        bad = Path(tmp) / (name + ".mid")
        bad.write_bytes(b"MThd\x00")
        res = run("info", bad)
        assert res.exit_code == 1 and error_lines(res)[0].startswith(f"error: {bad}: "), res.output


def test_fail_prints_markup_verbatim():
    @click.command()
    def boom():
        from syxkit.cli.common import fail
        fail("name [/X] and [red]hot")

    res = CliRunner().invoke(boom, [])
    assert res.exit_code == 1 and res.stderr == "error: name [/X] and [red]hot\n"


# -- -o never names an input ------------------------------------------------------------------

@pytest.fixture
def ws(tmp_path):
    (tmp_path / "cz.syx").write_bytes(example("casio-cz"))
    (tmp_path / "vz.syx").write_bytes(example("casio-vz"))
    (tmp_path / "rz.syx").write_bytes(example("casio-rz1"))
    res = run("decode", "--json", tmp_path / "cz.syx")
    (tmp_path / "cz.json").write_text(res.stdout)
    (tmp_path / "img.bin").write_bytes(bytes(16384))
    with wave.open(str(tmp_path / "kick.wav"), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(1)
        w.setframerate(20000)
        w.writeframes(bytes([128, 200, 60, 128]) * 100)
    return tmp_path


# (command args with OUT for the output, the input that OUT may be made to name)
SAME_AS_INPUT = {
    "fix": (["fix", "cz.syx", "-o", "OUT"], "cz.syx"),
    "convert": (["convert", "cz.syx", "--program", "0x21", "-o", "OUT"], "cz.syx"),
    "join": (["join", "cz.syx", "-o", "OUT"], "cz.syx"),
    "rename": (["rename", "vz.syx", "--name", "NEW", "-o", "OUT"], "vz.syx"),
    "encode": (["encode", "cz.json", "-o", "OUT"], "cz.json"),
    "rz1 import": (["rz1", "import", "kick.wav", "-o", "OUT"], "kick.wav"),
    "rz1 pack": (["rz1", "pack", "img.bin", "-o", "OUT"], "img.bin"),
    "rz1 unpack": (["rz1", "unpack", "rz.syx", "-o", "OUT"], "rz.syx"),
}


@pytest.mark.parametrize("how", ["same", "other-path", "symlink", "hardlink"])
@pytest.mark.parametrize("command", sorted(SAME_AS_INPUT))
def test_output_naming_an_input_is_refused(ws, command, how, monkeypatch):
    args, given = SAME_AS_INPUT[command]
    monkeypatch.chdir(ws)
    before = (ws / given).read_bytes()
    out = {"same": given, "other-path": str(ws / "sub" / ".." / given),
           "symlink": "link", "hardlink": "hard"}[how]
    (ws / "sub").mkdir()
    if how == "symlink":
        os.symlink(given, ws / "link")
    elif how == "hardlink":
        os.link(given, ws / "hard")
    res = run(*[out if a == "OUT" else a for a in args])
    assert res.exit_code in (1, 2), res.output
    (line,) = error_lines(res)
    assert line.startswith(f"error: {out}: is an input file") and "Traceback" not in res.output
    assert (ws / given).read_bytes() == before


def test_split_refuses_to_overwrite_without_force(ws):
    res = run("split", ws / "cz.syx", "-o", ws / "out")
    assert res.exit_code == 0, res.output
    (first,) = sorted((ws / "out").iterdir())
    first.write_bytes(b"mine")
    res = run("split", ws / "cz.syx", "-o", ws / "out")
    assert res.exit_code == 1
    (line,) = error_lines(res)
    assert f"error: {ws / 'out'}: already holds 1 of the files to write ({first.name})" in line
    assert first.read_bytes() == b"mine"
    res = run("split", ws / "cz.syx", "-o", ws / "out", "--force")
    assert res.exit_code == 0 and first.read_bytes() == example("casio-cz")


@pytest.mark.parametrize("umask", [0o002, 0o022, 0o077])
def test_written_files_follow_the_umask(ws, umask):
    old = os.umask(umask)
    try:
        res = run("convert", ws / "cz.syx", "--program", "0x21", "-o", ws / "out.syx")
    finally:
        os.umask(old)
    assert res.exit_code == 0, res.output
    assert (ws / "out.syx").stat().st_mode & 0o777 == 0o666 & ~umask


# -- every command that writes: one error line per output problem ------------------------------

# (args with OUT for the output path, whether OUT is a folder)
WRITERS = {
    "encode": (["encode", "cz.json", "-o", "OUT"], False),
    "convert": (["convert", "cz.syx", "--program", "0x21", "-o", "OUT"], False),
    "split": (["split", "cz.syx", "-o", "OUT"], True),
    "join": (["join", "cz.syx", "-o", "OUT"], False),
    "fix": (["fix", "cz.syx", "-o", "OUT"], False),
    "rename": (["rename", "vz.syx", "--name", "NEW", "-o", "OUT"], False),
    "rz1 export": (["rz1", "export", "rz.syx", "-o", "OUT"], True),
    "rz1 import": (["rz1", "import", "kick.wav", "-o", "OUT"], False),
    "rz1 pack": (["rz1", "pack", "img.bin", "-o", "OUT"], False),
    "rz1 unpack": (["rz1", "unpack", "rz.syx", "-o", "OUT"], False),
    "cz request": (["cz", "request", "--program", "0x20", "-o", "OUT"], False),
    "kstation request": (["kstation", "request", "current", "-o", "OUT"], False),
    "dtx request": (["dtx", "request", "kit", "--program", "1", "-o", "OUT"], False),
}


# these write several files: given a folder, they write into it (documented in their help)
INTO_A_FOLDER = {"join", "rz1 unpack"}


def _refuse(err: int):
    def raiser(*a, **k):
        raise OSError(err, os.strerror(err))
    return raiser


CLASSES = ["existing-folder", "under-a-file", "read-only-folder", "read-only-fs", "full-disk",
           "dev-full", "permission-denied"]


# /dev/full stands for a full disk where a command writes one file (a link to it as -o); the
# commands that write into a folder meet a full disk through the "full-disk" case instead
PAIRS = [(c, p) for c in sorted(WRITERS) for p in CLASSES
         if not (p == "dev-full" and WRITERS[c][1])]


@pytest.mark.parametrize("command, problem", PAIRS)
def test_every_writer_reports_output_problems_in_one_line(ws, command, problem, monkeypatch):
    args, folder = WRITERS[command]
    monkeypatch.chdir(ws)
    out = str(ws / "target" / ("out" if folder else "out.syx"))
    (ws / "target").mkdir()
    said = None
    if problem == "existing-folder" and command in INTO_A_FOLDER:
        Path(out).mkdir()
        res = run(*[out if a == "OUT" else a for a in args])
        assert res.exit_code == 0 and list(Path(out).iterdir()), res.output
        return
    if problem == "existing-folder":
        if folder:  # a folder is what these want: give them a file where the folder should be
            Path(out).write_bytes(b"x")
            said = "is a file, not a folder"
        else:
            Path(out).mkdir()
            said = "is a folder"
    elif problem == "under-a-file":
        (ws / "afile").write_bytes(b"x")
        out = str(ws / "afile" / "out.syx")
        said = "is a file, not a folder"
    elif problem == "read-only-folder":
        # root writes anywhere, so the refusal the kernel gives is simulated where it happens
        monkeypatch.setattr(fileio, "tempfile", types.SimpleNamespace(mkstemp=_refuse(errno.EACCES)))
        os.chmod(ws / "target", 0o555)
        said = "no permission to write in the folder"
    elif problem == "read-only-fs":
        monkeypatch.setattr(fileio, "tempfile", types.SimpleNamespace(mkstemp=_refuse(errno.EROFS)))
        said = "read-only"
    elif problem == "full-disk":
        monkeypatch.setattr(fileio.os, "fsync", _refuse(errno.ENOSPC))
        said = "the disk is full"
    elif problem == "dev-full":
        if folder or not Path("/dev/full").is_char_device():
            pytest.skip("/dev/full (a real ENOSPC) is a file target, and needs /dev/full")
        # through a link in the test's folder: a regressed writer replaces the link, never
        # /dev/full itself (as root a rename over /dev/full would put a plain file in /dev)
        os.symlink("/dev/full", out)
        said = "the disk is full"
    elif problem == "permission-denied":
        monkeypatch.setattr(fileio.os, "replace", _refuse(errno.EACCES))
        said = "permission denied"
    res = run(*[out if a == "OUT" else a for a in args])
    os.chmod(ws / "target", 0o755)
    assert res.exit_code == 1, (res.output, res.exception)
    assert isinstance(res.exception, SystemExit), res.exception
    (line,) = error_lines(res)
    assert line.startswith("error: ") and said in line and (out in line or str(ws / "target") in line), line
    assert "Traceback" not in res.output
    leftovers = [p.name for p in (ws / "target").rglob("*") if p.name.endswith(".part")]
    assert not leftovers


# -- no success on garbage -------------------------------------------------------------------

@pytest.mark.parametrize("command", ["fix", "split"])
@pytest.mark.parametrize("content", ["empty", "garbage", "truncated", "text"])
def test_fix_and_split_refuse_input_without_a_whole_dump(ws, command, content):
    data = {"empty": b"", "garbage": bytes(range(1, 128)) * 3,
            "truncated": example("casio-cz")[:100], "text": b"hello, not sysex\n"}[content]
    path = ws / "in.syx"
    path.write_bytes(data)
    out = ws / "out"
    res = run(command, path, "-o", out)
    assert res.exit_code == 1, res.output
    (line,) = error_lines(res)
    assert line.startswith(f"error: {path}: ") and "nothing written" in line
    assert not out.exists()


def test_truncated_message_error_says_what_is_wrong(ws):
    path = ws / "in.syx"
    path.write_bytes(example("casio-cz")[:100])
    res = run("split", path, "-o", ws / "out")
    assert "cut short" in res.stderr and "without F7" in res.stderr


# -- encode: JSON errors and --base ----------------------------------------------------------

@pytest.mark.parametrize("text, said", [
    ("[]", "the list is empty"), ("3", "expected an object or a list of objects"),
    ('"x"', "expected an object or a list of objects"), ("[1]", "[0]: expected an object"),
    ('{"kind": "tone"}', "no 'device' key"), ("{", "not readable JSON"),
])
def test_encode_top_level_errors(ws, text, said):
    (ws / "bad.json").write_text(text)
    res = run("encode", ws / "bad.json", "-o", ws / "o.syx")
    assert res.exit_code == 1 and said in res.stderr and not (ws / "o.syx").exists(), res.output
    assert error_lines(res)[0].startswith(f"error: {ws / 'bad.json'}")


def test_encode_names_the_json_path_and_fills_from_base(ws):
    obj = json.loads((ws / "cz.json").read_text())
    params = obj[0]["params"]
    params.pop("raw", None)
    section = next(k for k, v in params.items() if isinstance(v, dict))
    params.pop(section)
    (ws / "part.json").write_text(json.dumps(obj))
    res = run("encode", ws / "part.json", "-o", ws / "o.syx")
    assert res.exit_code == 1 and f"params.{section}" in res.stderr, res.output
    res = run("encode", ws / "part.json", "--base", ws / "cz.syx", "-o", ws / "o.syx")
    assert res.exit_code == 0, res.output
    assert (ws / "o.syx").read_bytes() == example("casio-cz")
    assert "wrote 1 tone (264 bytes)" in res.stderr


# -- exit codes, help, output a person reads -------------------------------------------------

def test_diff_exit_codes_and_parameters_only(ws):
    res = run("diff", ws / "cz.syx", ws / "cz.syx")
    assert res.exit_code == 0 and "0 parameters differ" in res.stdout, res.output
    res = run("rename", ws / "vz.syx", "--name", "OTHER", "-o", ws / "vz2.syx")
    res = run("diff", ws / "vz.syx", ws / "vz2.syx", "--json")
    assert res.exit_code == 1, res.output
    report = json.loads(res.stdout)
    assert report["differ"] == len(report["parameters"]) >= 1
    assert not any(".raw" in c["param"] or c["param"].startswith("raw") for c in report["parameters"])
    res = run("diff", ws / "vz.syx", ws / "vz2.syx", "--index-b", "5")
    assert res.exit_code == 2 and error_lines(res)


def test_info_strict(ws):
    bad = ws / "bad.syx"
    bad.write_bytes(example("casio-cz")[:100])
    assert run("info", bad).exit_code == 0
    assert run("info", "--strict", bad).exit_code == 1
    assert run("info", "--strict", ws / "cz.syx").exit_code == 0


def _walk(command: click.Command, path: list[str]):
    yield path, command
    if isinstance(command, click.Group):
        ctx = click.Context(command)
        for name in command.list_commands(ctx):
            yield from _walk(command.get_command(ctx, name), [*path, name])


def test_every_command_and_option_has_help():
    missing = []
    for path, command in _walk(cli, ["syxkit"]):
        if not (command.help or command.short_help):
            missing.append(" ".join(path))
        for param in command.params:
            if isinstance(param, click.Option) and not param.hidden and not param.help:
                missing.append(f"{' '.join(path)} {'/'.join(param.opts)}")
    assert not missing, missing


def test_devices_lists_each_model_once():
    res = run("devices")
    assert res.exit_code == 0
    for dev in registry.devices():
        (line,) = [x for x in res.stdout.splitlines() if x.startswith(dev.id + " ")]
        for model in dev.models:
            assert line.count(model) >= 1
        # no model named twice (a title that lists them, then the list again)
        assert all(line.count(f"{m},") + line.count(f"{m})") <= 1 for m in dev.models), line


def test_piped_output_never_wraps(ws):
    named = ws / "named.syx"
    run("rename", ws / "vz.syx", "--name", "LONG NAME XY", "-o", named)
    env = {**os.environ, "COLUMNS": "30"}
    proc = subprocess.run([sys.executable, "-m", "syxkit", "info", str(named)], capture_output=True,
                          text=True, env=env, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "LONG NAME XY" in proc.stdout and "0x" not in proc.stderr
    proc = subprocess.run([sys.executable, "-m", "syxkit", "info", "--names", str(ws / "cz.syx"), str(named)],
                          capture_output=True, text=True, env=env, timeout=60)
    lines = proc.stdout.splitlines()
    assert lines == [f"{ws / 'cz.syx'}\t{dump_of(example('casio-cz')).slot}\t(tone)",
                     f"{named}\t{dump_of(example('casio-vz')).slot}\tLONG NAME XY"]


def test_decode_hides_raw_unless_asked(ws):
    plain = run("decode", ws / "cz.syx")
    raw = run("decode", "--raw", ws / "cz.syx")
    assert plain.exit_code == raw.exit_code == 0
    assert "raw" in raw.stdout and "── raw" not in plain.stdout
    assert "raw" in json.loads(run("decode", "--json", ws / "cz.syx").stdout)[0]["params"]


def test_notes_and_counts_name_the_files_written(ws):
    res = run("convert", ws / "cz.syx", "--program", "0x21", "-o", ws / "conv.syx")
    assert res.exit_code == 0
    assert f"wrote 1 tone (264 bytes) to {ws / 'conv.syx'}" in res.stderr
    for line in res.stderr.splitlines():
        if line.startswith("note: "):
            assert line.startswith(f"note: {ws / 'conv.syx'}")
