"""Every `syxkit lib` example in the README's library section and in `syxkit lib --help`
runs and succeeds (issue 14: the help tells the truth), on real dumps from the corpus."""

from __future__ import annotations

import re
import shlex
import shutil
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from corpus_files import REPO, corpus_path

from syxkit.cli import cli


def readme_examples() -> list[list[str]]:
    text = (REPO / "README.md").read_text()
    section = text[text.index("## The patch library"):]
    section = section[:section.index("\n## ", 4)]
    commands = []
    for line in section.splitlines():
        if not line.startswith(".venv/bin/syxkit lib"):
            continue
        line = line.split("  #")[0]
        for part in line.split("&&"):
            words = shlex.split(part)
            assert words[0] == ".venv/bin/syxkit", part
            commands.append(words[1:])
    return commands


def help_examples() -> list[list[str]]:
    out = CliRunner().invoke(cli, ["lib", "--help"]).output
    return [shlex.split(line.strip())[1:] for line in out.splitlines()
            if line.strip().startswith("syxkit lib ")]


@pytest.fixture
def home(tmp_path, monkeypatch):
    sysex = tmp_path / "home" / "sysex"
    shutil.copytree(corpus_path("cz"), sysex / "cz")
    shutil.copytree(corpus_path("vz", "dos_files"), sysex / "vz")
    with zipfile.ZipFile(tmp_path / "home" / "old-floppies.zip", "w") as zf:
        zf.write(corpus_path("vz", "KILLER_ORGAN.syx"), "KILLER_ORGAN.syx")
    monkeypatch.chdir(tmp_path)
    return tmp_path / "home"


def _run(args: list[str], home: Path, library: Path) -> None:
    args = [str(home) + a[1:] if a.startswith("~/") else a for a in args]
    result = CliRunner(env={"SYXKIT_LIBRARY": str(library), "HOME": str(home)}).invoke(cli, args)
    assert result.exit_code == 0, (args, result.output, result.exception)


def test_readme_and_help_examples_run(home, tmp_path):
    readme = readme_examples()
    assert len(readme) >= 10 and all(c[0] == "lib" for c in readme)
    helps = help_examples()
    assert len(helps) >= 8
    library = tmp_path / "lib.sqlite"
    for args in readme + helps:
        _run(args, home, library)
    assert (tmp_path / "bankA.syx").stat().st_size > 0
    assert zipfile.ZipFile(tmp_path / "pianos.zip").namelist()
    assert (tmp_path / "my.sqlite").exists()  # the help's --library after the subcommand


def test_help_names_real_kinds_only():
    from syxkit.devices import registry

    out = " ".join(CliRunner().invoke(cli, ["lib", "list", "--help"]).output.split())
    kinds = {k for d in registry.devices() for k in d.kinds}
    named = re.search(r"Kind of object \(([^)]*)\)", out).group(1)
    for kind in (k.strip(" …") for k in named.split(",")):
        if kind:
            assert kind in kinds, kind
