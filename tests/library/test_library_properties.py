"""Property tests for the library's parsers of user input (search text, names) and for the
importer on arbitrary bytes."""

from __future__ import annotations

import sqlite3
import string

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from libtoy import bulk, data_bytes, voice

from syxkit.library import LibraryError, Query, find, import_paths
from syxkit.library.naming import file_based_name, norm_name, safe_file_name
from syxkit.library.query import fts_expression

_FTS = sqlite3.connect(":memory:")
_FTS.execute("CREATE VIRTUAL TABLE t USING fts5(name, tokenize='unicode61 remove_diacritics 2')")
_FTS.execute("INSERT INTO t (name) VALUES ('BRASS 1'), ('Strings & Pad'), ('ÉCHO \"quoted\"')")


@given(st.text(max_size=60))
def test_any_search_text_is_a_valid_fts_query_or_a_clear_error(text):
    try:
        expr = fts_expression(text)
    except LibraryError as exc:
        assert "no letters or digits" in str(exc)
        return
    _FTS.execute("SELECT rowid FROM t WHERE t MATCH ?", (expr,)).fetchall()


@given(st.text(max_size=120))
def test_safe_file_names(name):
    safe = safe_file_name(name)
    assert safe and len(safe) <= 80
    assert not set(safe) & set('<>:"/\\|?*') and all(ord(c) >= 32 for c in safe)
    assert not safe.startswith(".") and safe == safe.strip()


@given(st.from_regex(r"[A-Za-z][A-Za-z0-9 _-]{0,15}[A-Za-z0-9]", fullmatch=True),
       st.integers(0, 999), st.integers(1, 1000))
def test_file_based_names(stem, position, count):
    position = position % count
    name = file_based_name(f"/x/{stem}.syx", position, count)
    assert file_based_name(f"/a.zip!dir/{stem}.SYX", position, count) == name
    if count == 1:
        assert name == stem
    else:
        assert name == f"{stem} {position + 1:0{max(2, len(str(count)))}d}"


@given(st.text(max_size=40))
def test_norm_name_is_idempotent(name):
    assert norm_name(norm_name(name)) == norm_name(name)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.one_of(
    st.binary(max_size=80),
    st.builds(lambda s, n: voice(data_bytes(s), n), st.integers(0, 50), st.text(string.ascii_uppercase, max_size=8)),
    st.builds(lambda s: bulk([("A", data_bytes(s)), ("B", data_bytes(s + 1))]), st.integers(0, 50)),
), min_size=1, max_size=6), st.data())
def test_import_of_arbitrary_bytes_never_breaks_the_library(lib, tmp_path_factory, chunks, data):
    folder = tmp_path_factory.mktemp("arb")
    for i, chunk in enumerate(chunks):
        cut = data.draw(st.integers(0, len(chunk)))  # often a truncated dump
        (folder / f"f{i}.syx").write_bytes(chunk[:cut])
    report = import_paths(lib, [folder])
    assert len(report.files) == len(chunks)
    assert lib.integrity_check() == ["ok"]
    again = import_paths(lib, [folder])
    assert again.new == 0
    for p in find(lib, Query()):
        assert p.sources and p.name
