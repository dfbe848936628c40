"""Issue 13 points 2 and 9 in the library: names, file names, tags and notes are data, never
markup, in every lib output (terminal tables, piped lines, --json); and `lib rename` follows
the device's name rules exactly as the top-level `rename` does, with export writing the
renamed bytes."""

from __future__ import annotations

import io
import json
import re
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from libtoy import data_bytes, voice
from rich.console import Console

import syxkit.cli.lib as lib_cli
from syxkit.cli import cli
from syxkit.core.message import Message
from syxkit.devices import registry
from syxkit.devices.base import Options
from syxkit.devices.casio_vz.table import CHARSET as VZ_CHARSET
from syxkit.devices.casio_vz.table import NAME_LEN as VZ_NAME_LEN
from syxkit.library.naming import clean_device_name


def invoke(db, *args):
    return CliRunner().invoke(cli, ["lib", "--library", str(db), *args])


def vz_voice(name: str) -> bytes:
    dev = registry.get("casio-vz")
    data = dev.example()
    return dev.rename(dev.identify(Message(data, 0)), name, Options(index=None))


def outputs(db, patch_id: int, search: str | None, monkeypatch) -> dict[str, str]:
    """What list, search and show print: piped (tab-separated), on a terminal, and --json."""
    out = {}
    for mode in ("pipe", "terminal"):
        if mode == "terminal":
            buf = io.StringIO()
            monkeypatch.setattr(lib_cli, "console", Console(file=buf, width=3000, force_terminal=True,
                                                            color_system=None))
            monkeypatch.setattr(lib_cli, "is_pipe", lambda: False)
        commands = [("list",), ("show", str(patch_id))] + ([("search", search)] if search else [])
        for args in commands:
            result = invoke(db, *args)
            assert result.exit_code == 0, (mode, args, result.output, result.exception)
            out[f"{mode} {args[0]}"] = result.stdout + (buf.getvalue() if mode == "terminal" else "")
            if mode == "terminal":
                buf.truncate(0)
                buf.seek(0)
        monkeypatch.undo()
    for args in [("list",), ("show", str(patch_id))] + ([("search", search)] if search else []):
        result = invoke(db, *args, "--json")
        assert result.exit_code == 0, (args, result.output)
        out[f"json {args[0]}"] = json.loads(result.stdout)
    return out


def _check(out: dict, name: str, path: str | None = None) -> None:
    for key, text in out.items():
        if key.startswith("json"):
            patches = text if isinstance(text, list) else [text]
            assert name in [p["name"] for p in patches], key
            if path is not None and key == "json show":
                assert [s["path"] for s in text["sources"]] == [path]
        else:
            assert name in text, (key, text)
            if path is not None and key.endswith("show"):
                assert path in text, (key, text)


def _search_word(name: str) -> str | None:
    """A word to search for: a whole token of the name in plain letters and digits (how the
    full-text tokenizer splits other scripts is its business, not this test's)."""
    words = [w for w in re.split(r"[\W_]+", name) if re.fullmatch(r"[A-Za-z0-9]+", w)]
    return words[0] if words else None


vz_names = st.text(alphabet=VZ_CHARSET, min_size=1, max_size=VZ_NAME_LEN).filter(lambda s: s.strip())
toy_names = st.text(alphabet=[chr(c) for c in range(0x20, 0x7F)], min_size=1, max_size=8).filter(
    lambda s: s.strip())
# Any file name a user may have: printable, any script; "/" separates folders, "!" and "\\"
# are read as zip-member separators in stored paths, so they are left out here.
file_stems = st.text(
    alphabet=st.characters(blacklist_categories=("Cc", "Cs", "Co", "Cn", "Zl", "Zp", "Mn", "Me"),
                           blacklist_characters="/\\!"),
    min_size=1, max_size=30).map(str.strip).filter(lambda s: s and not s.startswith(".") and len(s.encode()) < 200)

SETTINGS = settings(max_examples=10, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@SETTINGS
@given(name=vz_names, stem=file_stems)
def test_vz_names_and_file_names_survive_every_output(name, stem, monkeypatch):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"{stem}.syx"
        path.write_bytes(vz_voice(name))
        db = Path(tmp) / "lib.sqlite"
        assert invoke(db, "import", str(path)).exit_code == 0
        invoke(db, "tag", "1", "-a", name)
        invoke(db, "note", "1", name)
        shown = clean_device_name(name)
        _check(outputs(db, 1, _search_word(shown), monkeypatch), shown, str(path.resolve()))


@SETTINGS
@given(stem=file_stems)
def test_nameless_cz_tones_named_after_any_file_survive_every_output(stem, monkeypatch):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"{stem}.syx"
        path.write_bytes(registry.get("casio-cz").example())
        db = Path(tmp) / "lib.sqlite"
        assert invoke(db, "import", str(path)).exit_code == 0
        _check(outputs(db, 1, _search_word(stem), monkeypatch), stem, str(path.resolve()))


@SETTINGS
@given(name=toy_names)
def test_toy_names_survive_every_output(name, monkeypatch):
    dev = registry.register(__import__("libtoy").ToyDevice)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "v.syx"
            path.write_bytes(voice(data_bytes(1), name))
            db = Path(tmp) / "lib.sqlite"
            assert invoke(db, "import", str(path)).exit_code == 0
            shown = clean_device_name(name)
            _check(outputs(db, 1, _search_word(shown), monkeypatch), shown)
    finally:
        registry.unregister(dev.id)


def test_the_issue_examples_do_not_crash_list_or_search(tmp_path):
    (tmp_path / "pad [red]hot.syx").write_bytes(registry.get("casio-cz").example())
    (tmp_path / "x.syx").write_bytes(vz_voice("[/X]"))
    db = tmp_path / "lib.sqlite"
    assert invoke(db, "import", str(tmp_path)).exit_code == 0
    for args in (("list",), ("search", "pad"), ("dupes", "names"), ("show", "1"), ("show", "2")):
        result = invoke(db, *args)
        assert result.exit_code == 0, (args, result.output)
    listed = invoke(db, "list").stdout
    assert "pad [red]hot" in listed and "[/X]" in listed


@pytest.fixture
def vz_lib(tmp_path):
    (tmp_path / "v.syx").write_bytes(registry.get("casio-vz").example())
    db = tmp_path / "lib.sqlite"
    assert invoke(db, "import", str(tmp_path / "v.syx")).exit_code == 0
    return db


def test_lib_rename_follows_the_top_level_rename(vz_lib, tmp_path):
    top = CliRunner().invoke(cli, ["rename", str(tmp_path / "v.syx"), "--name", "toolongname12345",
                                   "-o", str(tmp_path / "t.syx")])
    libr = invoke(vz_lib, "rename", "1", "toolongname12345")
    assert top.exit_code == libr.exit_code != 0
    assert "at most 12" in libr.output
    bad = invoke(vz_lib, "rename", "1", "a~b")
    assert bad.exit_code != 0 and "'~'" in bad.output
    assert json.loads(invoke(vz_lib, "show", "1", "--json").stdout)["name"] != "A~B"
    # A legal name is kept as the panel shows it, and export writes exactly the bytes the
    # top-level rename writes.
    ok = json.loads(invoke(vz_lib, "rename", "1", "soft pad", "--json").stdout)
    assert ok["name"] == "SOFT PAD"
    top = CliRunner().invoke(cli, ["rename", str(tmp_path / "v.syx"), "--name", "soft pad",
                                   "-o", str(tmp_path / "t.syx")])
    assert top.exit_code == 0, top.output
    result = json.loads(invoke(vz_lib, "export", "--id", "1", "-o", str(tmp_path / "e.syx"),
                               "--json").stdout)
    assert result["notes"] == []
    assert (tmp_path / "e.syx").read_bytes() == (tmp_path / "t.syx").read_bytes()


def test_lib_rename_of_a_nameless_tone_says_where_the_name_is_kept(tmp_path):
    (tmp_path / "t.syx").write_bytes(registry.get("casio-cz").example())
    db = tmp_path / "lib.sqlite"
    invoke(db, "import", str(tmp_path / "t.syx"))
    result = invoke(db, "rename", "1", "any name at all, even long ones")
    assert result.exit_code == 0 and "kept in the library only" in result.output
