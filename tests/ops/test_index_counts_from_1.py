"""Issue 14 (one vocabulary, numbers as people count them): every option that picks one object
of a file (``--index``, ``--index-a``/``--index-b``) counts from 1, in every command, as
``split`` numbers its files (BASS-03-... is the third tone) and ``render --index`` counts."""

from __future__ import annotations

import json
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from syxkit.cli import cli
from syxkit.devices import registry
from syxkit.devices.casio_vz import messages as vz
from syxkit.devices.casio_vz.sounds import example_opmem, example_voice

KEY = "line1.dcw.rates.1"


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def rate(slot: int) -> int:
    """The DCW rate that tells tone ``slot`` (from 1) of the bank apart from the others."""
    return 20 + 3 * slot


def got(path, *extra) -> int:
    res = run("get", path, KEY, "--json", *extra)
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)[0]["value"]


@pytest.fixture
def bank(tmp_path) -> tuple[Path, list[Path]]:
    """A 16-tone CZ bank, built by the driver (set, join) from its example tone: tone k has
    DCW rate 1 = rate(k), so each tone can be told by its value."""
    tone = tmp_path / "tone.syx"
    tone.write_bytes(registry.get("casio-cz").example())
    singles = []
    for k in range(1, 17):
        single = tmp_path / f"t{k:02d}.syx"
        res = run("set", tone, f"{KEY}={rate(k)}", "-o", single)
        assert res.exit_code == 0, res.output
        singles.append(single)
    path = tmp_path / "BASS.syx"
    res = run("join", *singles, "-o", path)
    assert res.exit_code == 0, res.output
    return path, singles


def test_get_reads_the_tone_split_names_and_render_renders(bank, tmp_path):
    path, singles = bank
    assert [got(path, "--index", k) for k in range(1, 17)] == [rate(k) for k in range(1, 17)]
    res = run("split", path, "-o", tmp_path / "parts")
    assert res.exit_code == 0, res.output
    (third,) = sorted((tmp_path / "parts").glob("BASS-03-*"))
    assert got(third) == got(path, "--index", 3) == rate(3)
    short = ("--seconds", "0.2", "--release", "0.1", "--rate", "22050")
    wavs = {}
    for name, args in {"bank3": (path, "--index", 3), "bank4": (path, "--index", 4),
                       "single3": (singles[2],)}.items():
        out = tmp_path / f"{name}.wav"
        res = run("render", *args, *short, "-o", out)
        assert res.exit_code == 0, res.output
        wavs[name] = out.read_bytes()
    assert wavs["bank3"] == wavs["single3"] != wavs["bank4"]


def test_set_changes_the_tone_get_and_split_count_as_the_nth(bank, tmp_path):
    path, _ = bank
    out = tmp_path / "set.syx"
    res = run("set", path, "--index", 3, f"{KEY}=99", "-o", out, "--json")
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["index"] == 3
    assert [got(out, "--index", k) for k in range(1, 17)] == [
        99 if k == 3 else rate(k) for k in range(1, 17)]


def test_diff_sides_count_from_1_and_default_to_the_first(bank):
    path, singles = bank
    assert run("diff", path, singles[2], "--index-a", 3).exit_code == 0
    assert run("diff", path, singles[2], "--index-a", 4).exit_code == 1
    assert run("diff", singles[2], path, "--index-b", 3).exit_code == 0
    assert run("diff", path, singles[0]).exit_code == 0  # the default: the first object each
    assert run("diff", path, singles[1]).exit_code == 1


def test_rename_renames_the_nth_part_of_a_bulk(tmp_path):
    src = tmp_path / "bulk.syx"
    src.write_bytes(vz.bulk_file([example_voice(f"V{i}") for i in range(1, 65)],
                                 [example_opmem() for _ in range(64)]))
    out = tmp_path / "named.syx"
    res = run("rename", src, "--index", 3, "--name", "THIRD", "-o", out)
    assert res.exit_code == 0 and "renamed object 3 " in res.stdout, res.output
    parts = [p for row in json.loads(run("info", "--json", out).stdout) for p in row.get("parts") or []]
    assert [p["name"] for p in parts[:4]] == ["V1", "V2", "THIRD", "V4"]
    # the parts of a bulk count: 64 voices, then 64 operation memories
    res = run("get", src, "--index", 64, "name", "--json")
    assert res.exit_code == 0 and json.loads(res.stdout)[0]["value"].strip() == "V64", res.output
    res = run("diff", src, src, "--index-a", 65, "--index-b", 128)
    assert res.exit_code == 0, res.output
    res = run("get", src, "--index", 129)
    assert res.exit_code == 2 and "(1..128)" in res.stderr, res.output


@pytest.mark.parametrize("args", [
    ("get", "{bank}"), ("set", "{bank}", f"{KEY}=50", "-o", "{out}"),
    ("rename", "{bank}", "--name", "X", "-o", "{out}"), ("render", "{bank}", "-o", "{out}"),
    ("diff", "{bank}", "{bank}", "--index-b", "1"), ("diff", "{bank}", "{bank}", "--index-a", "1"),
])
@pytest.mark.parametrize("number", [0, 17])
def test_out_of_range_says_the_range_counted_from_1(bank, tmp_path, args, number):
    path, _ = bank
    out = tmp_path / "out.bin"
    filled = [a.format(bank=path, out=out) for a in args]
    option = ("--index-a" if "--index-b" in filled else "--index-b") if args[0] == "diff" else "--index"
    res = run(*filled, option, number)
    assert res.exit_code == 2, res.output
    assert f"error: {option} {number} is out of range" in res.stderr and "(1..16)" in res.stderr
    assert not out.exists()


def _commands(group: click.Group, prefix: str = ""):
    ctx = click.Context(group)  # through list/get_command: commands may be loaded lazily
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        if isinstance(command, click.Group):
            yield from _commands(command, f"{prefix}{name} ")
        elif command is not None:
            yield f"{prefix}{name}", command


def test_every_index_option_says_it_counts_from_1():
    found = []
    for name, command in _commands(cli):
        for param in command.params:
            if isinstance(param, click.Option) and any(o.startswith("--index") for o in param.opts):
                found.append(name)
                assert "counted from 1" in (param.help or ""), (name, param.opts, param.help)
                # the default, where there is one, is the first object
                assert not isinstance(param.default, int) or param.default == 1, (name, param.opts)
    assert {"get", "set", "rename", "render", "diff"} <= set(found)
