"""The fast start path (``syxkit.cli.fast``) answers exactly as the click command would.

``syxkit --version`` and ``syxkit info`` in the forms it knows run without click; everything
else goes to click. Each case runs the real console entry point (``syxkit.cli.main``) in a
process of its own, once as given and once with the fast path turned off, and compares exit
code, stdout and stderr.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from syxkit.cli import fast
from syxkit.devices import registry

# Runs the console entry point; with "click" first, the fast path is switched off
RUNNER = textwrap.dedent("""
    import sys
    mode, sys.argv = sys.argv[1], ["syxkit"] + sys.argv[2:]
    from syxkit.cli import fast, main
    if mode == "click":
        fast.run = lambda argv: None
    main()
""")


def both(folder, args: list[str]) -> tuple[subprocess.CompletedProcess, subprocess.CompletedProcess]:
    """``syxkit ARGS`` run in ``folder`` through the fast path and through click."""
    def one(mode: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-c", RUNNER, mode, *args], capture_output=True,
                              text=True, timeout=120, cwd=folder)
    return one("fast"), one("click")


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("fast")
    for dev in registry.devices():
        data = dev.example()
        if data:
            (folder / f"{dev.id}.syx").write_bytes(data)
    (folder / "garbage.syx").write_bytes(b"\x00\x01 not sysex")
    (folder / "cut.syx").write_bytes(registry.get("casio-cz").example()[:-20])
    (folder / "-dash.syx").write_bytes(registry.get("casio-vz").example())
    return folder


CASES = [
    ["info", "{cz}"],
    ["info", "--json", "{cz}"],
    ["info", "--names", "{dir}"],
    ["info", "--json", "--names", "{dir}"],
    ["info", "--strict", "{cut}"],
    ["info", "{dir}", "--strict"],
    ["info", "{dir}"],
    ["info", "{missing}"],
    ["info", "--", "{dash}"],
    ["info", "{garbage}", "{cz}"],
    ["--version"],
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: " ".join(c))
def test_fast_path_answers_as_click_does(files, case):
    names = {"cz": files / "casio-cz.syx", "dir": files, "cut": files / "cut.syx",
             "missing": files / "nope.syx", "dash": "-dash.syx", "garbage": files / "garbage.syx"}
    args = [a.format(**{k: str(v) for k, v in names.items()}) for a in case]
    got, want = both(files, args)
    assert (got.returncode, got.stdout, got.stderr) == (want.returncode, want.stdout, want.stderr)
    assert "Traceback" not in got.stderr


@pytest.mark.parametrize("argv", [
    [], ["--help"], ["info"], ["info", "--help"], ["info", "-h", "x"], ["info", "--jso", "x"],
    ["info", "--json=1", "x"], ["info", "-", "x"], ["info", "-x"], ["decode", "x"],
    ["--version", "info"], ["lib", "list"],
])
def test_what_the_fast_path_leaves_to_click(argv):
    assert fast.run(argv) is None


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(["--json", "--names", "--strict", "--", "a.syx", "-b", "--x",
                                 "-", "c d", "--help"]), max_size=6))
def test_fast_arguments_are_a_subset_of_clicks(argv):
    """Whatever the fast parser accepts, click parses to the same flags and paths."""
    import click

    from syxkit.cli.info import info

    parsed = fast.info_arguments(argv)
    if parsed is None:
        return
    flags, paths = parsed
    ctx = info.make_context("info", list(argv))
    want = {k: v for k, v in ctx.params.items() if k != "paths" and v}
    assert flags == want
    assert list(ctx.params["paths"]) == paths
    assert isinstance(ctx, click.Context)
