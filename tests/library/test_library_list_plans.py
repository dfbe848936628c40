"""The web list's queries stay fast at 120,000 patches: every filter and sort the list offers
is answered from an index (EXPLAIN QUERY PLAN names one; no plain ``SCAN p`` of the whole
patches table, no sort of every match where an index gives the order), and a version-2
library is upgraded to the indexed schema keeping its data and its "seen" counts."""

from __future__ import annotations

import itertools

import pytest
from libtoy import data_bytes, voice

from syxkit.library import Library, import_paths, schema
from syxkit.library.query import SORTS, Query, list_page, order_by


def plan(lib: Library, query: Query, sort: str) -> list[str]:
    where, params = query.where(sort.lstrip("-"))
    sql = (f"EXPLAIN QUERY PLAN SELECT p.id FROM patches p WHERE {where} ORDER BY "
           f"{order_by(query, sort)} LIMIT 100 OFFSET 5000")
    return [row[3] for row in lib.conn.execute(sql, params)]


FILTERS = {
    "none": Query(),
    "device": Query(device="toy-lib"),
    "kind": Query(kind="voice"),
    "device+kind": Query(device="toy-lib", kind="voice"),
    "model": Query(model="TOY-1"),
    "favourite": Query(favourite=True),
    "not favourite": Query(favourite=False),
    "tag": Query(tags=("pad",)),
    "trash": Query(trash=True),
}
# Filters whose matches are few by nature (a tag, the favourites, the trash, a model family
# that is all one device's): SQLite seeks them and sorts the few; the others must come in
# order from the sort's own index.
FEW = {"favourite", "tag", "trash", "model"}


@pytest.mark.parametrize("name,sort", list(itertools.product(
    FILTERS, [*SORTS, *(f"-{k}" for k in SORTS)])))
def test_every_list_query_uses_an_index(tmp_path, toy, name, sort):
    with Library(tmp_path / "lib.sqlite") as lib:
        steps = plan(lib, FILTERS[name], sort)
    assert not [s for s in steps if s == "SCAN p" or s.startswith("SCAN p ") and "INDEX" not in s
                or s.startswith("SCAN patches") and "INDEX" not in s], steps
    assert any("INDEX" in s for s in steps), steps
    if name not in FEW:
        assert not any("TEMP B-TREE FOR ORDER BY" in s for s in steps), steps


def test_search_count_stops_at_the_cap_and_says_so(tmp_path, toy):
    (tmp_path / "v.syx").write_bytes(b"".join(voice(data_bytes(k), f"BRASS {k}")
                                              for k in range(12)))
    with Library(tmp_path / "lib.sqlite") as lib:
        import_paths(lib, [tmp_path / "v.syx"])
        page = list_page(lib, Query(), words=["bra"], sort="name", limit=5, cap=8)
        assert (page.total, page.total_is_estimate, len(page.rows)) == (8, True, 5)
        page = list_page(lib, Query(), words=["bra"], sort="-name", limit=5, cap=50)
        assert (page.total, page.total_is_estimate) == (12, False)
        assert [r[1] for r in page.rows] == sorted((f"BRASS {k}" for k in range(12)),
                                                   reverse=True)[:5]
        # the last page shows the end: its total is exact without a count
        page = list_page(lib, Query(), words=["bra"], limit=5, offset=10, cap=8)
        assert (page.total, page.total_is_estimate, len(page.rows)) == (12, False, 2)
        # filters alone count exactly, and compare the stored (lower-case) ids exactly
        assert list_page(lib, Query(device="toy-lib"), limit=5, cap=8).total == 12
        assert list_page(lib, Query(device="TOY-LIB"), limit=5).total == 0


def test_version_2_library_gets_the_list_indexes_and_seen_counts(tmp_path, toy, monkeypatch):
    one, two = voice(data_bytes(1), "ONE"), voice(data_bytes(2), "TWO")
    (tmp_path / "a.syx").write_bytes(one + two)
    (tmp_path / "b.syx").write_bytes(one)
    db = tmp_path / "lib.sqlite"
    with monkeypatch.context() as m:  # a library as syxkit with schema version 2 made it
        m.setattr(schema, "MIGRATIONS", schema.MIGRATIONS[:2])
        with Library(db) as lib:
            import_paths(lib, [tmp_path / "a.syx", tmp_path / "b.syx"])
            assert schema.current_version(lib.conn) == 2
            assert "seen" not in [r[1] for r in lib.conn.execute("PRAGMA table_info(patches)")]
    with Library(db) as lib:
        assert schema.current_version(lib.conn) == len(schema.MIGRATIONS)
        indexes = {r[0] for r in lib.conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'index'")}
        assert {f"patches_live_{k}" for k in (*SORTS, "fits")} <= indexes
        assert dict(lib.conn.execute("SELECT name, seen FROM patches")) == {"ONE": 2, "TWO": 1}
        page = list_page(lib, Query(), words=["on"], sort="-seen")
        assert [r[1] for r in page.rows] == ["ONE"]  # the rebuilt full-text index
        # the triggers keep "seen" from now on: a third file with TWO
        (tmp_path / "c.syx").write_bytes(two + two)
        import_paths(lib, [tmp_path / "c.syx"])
        assert dict(lib.conn.execute("SELECT name, seen FROM patches")) == {"ONE": 2, "TWO": 2}
        assert [r[1] for r in list_page(lib, Query(), sort="-seen").rows] == ["TWO", "ONE"]
