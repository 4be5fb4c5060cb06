"""The ordered, ranged, keyset-paged ``query`` of every backend, and its SQLite plans."""

from __future__ import annotations

import dataclasses
import sqlite3
from pathlib import Path

import pytest

from mock_ksef.store import SqliteStore, Store
from mock_ksef.store.base import Cursor, Hit, Query, Slice
from mock_ksef.store.query_sql import _query_sql, _seek_bounds
from tests.store.conftest import MakeStore

DAYS = ["2026-01-03", "2026-01-01", "2026-01-02", "2026-01-02", "2026-01-05", "2026-01-04"]


@pytest.fixture(name="store")
def _store(make_store: MakeStore) -> Store:
    """Six invoices on five days (two share 2026-01-02), two contexts, one unindexed doc."""
    store = make_store()
    for n, day in enumerate(DAYS):
        store.put("inv", f"k{n}", {"n": n}, {"day": day, "ctx": "A" if n % 2 else "B"})
    store.put("inv", "plain", {"n": -1})
    store.put("other", "x", {"n": 99}, {"day": "2026-01-01"})
    return store


def _keys(store: Store, query: Query) -> list[str]:
    return [hit.key for hit in store.query("inv", query)]


class TestQuery:
    """query(): order, ranges, equality filters, keyset and bounded offset paging."""

    def test_orders_by_value_then_key(self, store: Store) -> None:
        """Ascending by the index value, ties by key; unindexed documents left out."""
        assert _keys(store, Query(order_by="day")) == ["k1", "k2", "k3", "k0", "k5", "k4"]

    def test_descending_reverses_ties_too(self, store: Store) -> None:
        """Descending order reverses the key tie-break as well."""
        assert _keys(store, Query(order_by="day", descending=True)) == [
            "k4",
            "k5",
            "k0",
            "k3",
            "k2",
            "k1",
        ]

    def test_hits_carry_key_value_and_document(self, store: Store) -> None:
        """Each hit names its key, order value and a copy of the document."""
        (hit,) = store.query("inv", Query(order_by="day", low="2026-01-05"))
        assert (hit.key, hit.value, hit.doc) == ("k4", "2026-01-05", {"n": 4})
        assert hit.cursor == Cursor("2026-01-05", "k4")

    def test_inclusive_range(self, store: Store) -> None:
        """low and high are inclusive."""
        query = Query(order_by="day", low="2026-01-02", high="2026-01-04")
        assert _keys(store, query) == ["k2", "k3", "k0", "k5"]

    def test_half_open_range(self, store: Store) -> None:
        """below is exclusive."""
        query = Query(order_by="day", low="2026-01-02", below="2026-01-04")
        assert _keys(store, query) == ["k2", "k3", "k0"]

    def test_high_does_not_include_longer_values(self, store: Store) -> None:
        """A value that merely starts with ``high`` sorts after it and is excluded."""
        store.put("inv", "late", {"n": 7}, {"day": "2026-01-01T10:00"})
        assert _keys(store, Query(order_by="day", high="2026-01-01")) == ["k1"]
        assert _keys(store, Query(order_by="day", high="2026-01-01T10:00")) == ["k1", "late"]

    def test_empty_range(self, store: Store) -> None:
        """Bounds that cross, or a name nobody indexed, find nothing."""
        assert _keys(store, Query(order_by="day", low="2026-01-05", high="2026-01-01")) == []
        assert _keys(store, Query(order_by="nope")) == []

    def test_equal_filters_within_the_order(self, store: Store) -> None:
        """equal narrows the ordered walk to documents with those index values."""
        assert _keys(store, Query(order_by="day", equal={"ctx": "A"})) == ["k1", "k3", "k5"]
        assert _keys(store, Query(order_by="day", equal={"ctx": "A", "day": "2026-01-02"})) == [
            "k3"
        ]

    def test_keyset_pages_cover_everything_once(self, store: Store) -> None:
        """Pages continued from the last hit's cursor, ties split across pages included."""
        for descending in (False, True):
            seen: list[str] = []
            cursor: Cursor | None = None
            pages = 0
            while True:
                query = Query(order_by="day", descending=descending, after=cursor, limit=2)
                page = store.query("inv", query)
                if not page:
                    break
                pages += 1
                seen += [hit.key for hit in page]
                cursor = page[-1].cursor
            expected = _keys(store, Query(order_by="day", descending=descending))
            assert (seen, pages) == (expected, 3)

    def test_cursor_of_a_deleted_document_still_continues(self, store: Store) -> None:
        """The cursor is a position, not a row: deleting its document does not break it."""
        store.delete("inv", "k2")
        query = Query(order_by="day", after=Cursor("2026-01-02", "k2"))
        assert _keys(store, query) == ["k3", "k0", "k5", "k4"]

    def test_limit_and_offset(self, store: Store) -> None:
        """offset skips matching hits (after filters), limit caps the page."""
        query = Query(order_by="day", equal={"ctx": "B"}, offset=1, limit=1)
        assert _keys(store, query) == ["k0"]
        assert _keys(store, Query(order_by="day", offset=5)) == ["k4"]
        assert _keys(store, Query(order_by="day", limit=0)) == []

    def test_order_by_key(self, store: Store) -> None:
        """Without order_by every document of the kind takes part, by key."""
        assert _keys(store, Query()) == ["k0", "k1", "k2", "k3", "k4", "k5", "plain"]
        assert _keys(store, Query(high="k2", descending=True)) == ["k2", "k1", "k0"]
        page = store.query("inv", Query(after=Cursor("k4", "k4"), limit=5))
        assert [(h.key, h.value) for h in page] == [("k5", "k5"), ("plain", "plain")]

    def test_replacing_reorders(self, store: Store) -> None:
        """A replaced document sits where its new index value puts it."""
        store.put("inv", "k1", {"n": 1}, {"day": "2026-01-09"})
        assert _keys(store, Query(order_by="day", low="2026-01-05")) == ["k4", "k1"]
        assert _keys(store, Query(order_by="ctx")) == ["k3", "k5", "k0", "k2", "k4"]

    def test_slices_test_the_ordered_value(self, store: Store) -> None:
        """Each slice op on ``value[start:start+width]``, as text; width None: to the end."""
        day = Query(order_by="day")
        cases = {
            Slice(8, 2, "eq", "02"): ["k2", "k3"],
            Slice(8, 2, "in", ("01", "05")): ["k1", "k4"],
            Slice(8, 2, "in", ()): [],
            Slice(8, 2, "ge", "04"): ["k5", "k4"],
            Slice(8, 2, "le", "02"): ["k1", "k2", "k3"],
            Slice(5, None, "eq", "01-03"): ["k0"],
            Slice(9, 5, "eq", "3"): ["k0"],  # a value shorter than the slice: its part
            Slice(20, 1, "eq", ""): ["k1", "k2", "k3", "k0", "k5", "k4"],
        }
        for test, keys in cases.items():
            assert _keys(store, dataclasses.replace(day, slices=(test,))) == keys, test
        both = (Slice(8, 2, "ge", "02"), Slice(8, 2, "le", "04"))
        assert _keys(store, dataclasses.replace(day, slices=both, descending=True)) == [
            "k5",
            "k0",
            "k3",
            "k2",
        ]
        # Before offset and limit, beside equal filters, over the key order too.
        query = Query(order_by="day", slices=both, equal={"ctx": "B"}, offset=1, limit=1)
        assert _keys(store, query) == ["k0"]
        assert _keys(store, Query(slices=(Slice(1, 1, "in", ("3", "5")),))) == ["k3", "k5"]

    def test_slices_compare_code_points(self, store: Store) -> None:
        """Text order is code point order in every backend (no collation)."""
        for n, value in enumerate(["a", "B", "\u0105", "Z", "~", " "]):
            store.put("txt", f"t{n}", {}, {"v": value})
        query = Query(order_by="v", slices=(Slice(0, 1, "ge", "Z"),))
        assert [hit.value for hit in store.query("txt", query)] == ["Z", "a", "~", "\u0105"]

    def test_keys_only_hits_carry_no_document(self, store: Store) -> None:
        """keys_only: the same hits, in the same order and pages, with ``{}`` documents."""
        for order_by in ("day", None):
            full = store.query("inv", Query(order_by=order_by, descending=True, offset=1))
            bare = store.query(
                "inv", Query(order_by=order_by, descending=True, offset=1, keys_only=True)
            )
            assert bare == [Hit(hit.key, hit.value, {}) for hit in full]
            assert all(hit.doc for hit in full)
        after = Query(order_by="day", after=Cursor("2026-01-02", "k2"), limit=2, keys_only=True)
        assert store.query("inv", after) == [
            Hit("k3", "2026-01-02", {}),
            Hit("k0", "2026-01-03", {}),
        ]

    def test_bad_slices_are_refused(self) -> None:
        """A slice that cannot mean anything is a ValueError, not a silent non-match."""
        for args in ((-1, 2, "eq", "x"), (0, 0, "eq", "x"), (0, 1, "in", "x"), (0, 1, "lt", "x")):
            with pytest.raises(ValueError, match="slice"):
                Slice(*args)

    def test_delete_and_reset_forget_the_order(self, store: Store) -> None:
        """Deleted documents leave the order; reset empties it."""
        store.delete("inv", "k0")
        assert "k0" not in _keys(store, Query(order_by="day"))
        assert "k0" not in _keys(store, Query())
        store.reset()
        assert _keys(store, Query(order_by="day")) == []
        assert _keys(store, Query()) == []


def _plan(conn: sqlite3.Connection, sql: str, params: list[object] | None = None) -> str:
    rows = conn.execute("EXPLAIN QUERY PLAN " + sql, params or []).fetchall()
    return " | ".join(str(row[-1]) for row in rows)


class TestSqlitePlans:
    """Every hot-path statement is answered from an index, never a scan of a table."""

    @pytest.fixture(name="path")
    def _path(self, tmp_path: Path) -> Path:
        store = SqliteStore(tmp_path / "s.db")
        for n in range(50):
            store.put("inv", f"k{n}", {"n": n}, {"session": f"s{n % 5}", "day": f"d{n}"})
        store.close()
        with sqlite3.connect(tmp_path / "s.db") as conn:
            conn.execute("ANALYZE")
        return tmp_path / "s.db"

    @pytest.mark.parametrize(
        "query",
        [
            Query(order_by="day", low="d1", high="d3", limit=10),
            Query(order_by="day", after=Cursor("d3", "k3"), descending=True, limit=10),
            Query(order_by="day", equal={"session": "s1"}, below="d9"),
            Query(high="k3", limit=10),
            Query(
                order_by="day",
                low="d1",
                slices=(Slice(1, 1, "in", ("1", "2")),),
                keys_only=True,
                offset=5,
                limit=10,
            ),
        ],
    )
    def test_query_plans_search_indexes(self, path: Path, query: Query) -> None:
        """query() searches idx_order (or the primary key) and sorts nothing."""
        with sqlite3.connect(path) as conn:
            plan = _plan(conn, *_query_sql("inv", query))
        assert "SCAN" not in plan, plan
        if query.keys_only:  # a covering scan: the index alone, no document read
            assert plan.count("SEARCH") == 1, plan
        assert "TEMP B-TREE" not in plan, plan
        assert "SEARCH i USING" in plan, plan

    def test_hot_calls_search_indexes(self, path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        """The statements put, get, find, delete and next_sequence really send."""
        sent: list[str] = []
        real_open = SqliteStore._open

        def traced(self: SqliteStore) -> sqlite3.Connection:
            conn = real_open(self)
            conn.set_trace_callback(sent.append)
            return conn

        monkeypatch.setattr(SqliteStore, "_open", traced)
        store = SqliteStore(path)
        sent.clear()
        store.put("inv", "new", {"n": 1}, {"session": "s1"})
        store.put("inv", "new", {"n": 2}, {"session": "s2"})
        store.get("inv", "k1")
        store.find("inv", session="s1", day="d1")
        store.delete("inv", "k2")
        store.next_sequence("ksef")
        store.close()
        statements = [
            sql for sql in sent if sql.split()[0] in {"SELECT", "INSERT", "UPDATE", "DELETE"}
        ]
        # put: read the old index values, write the document, its index rows (and drop the
        # replaced ones); delete: one row per index value it had.
        assert len(statements) == 15
        with sqlite3.connect(path) as conn:
            plans = [_plan(conn, sql) for sql in statements]
        # A SEARCH without "(column=?" walks a whole index: a scan under another name.
        steps = [step for plan in plans for step in plan.split(" | ")]
        assert not [s for s in steps if "SCAN" in s or ("SEARCH" in s and "=?" not in s)]
        find = next(plan for sql, plan in zip(statements, plans, strict=True) if "i.value" in sql)
        assert find.startswith("SEARCH i USING PRIMARY KEY (kind=? AND name=? AND value=?)"), find


class TestKeysetSeek:
    """A keyset page starts at its cursor, not at the range's start: a late page of a long
    range costs what an early one does (SQLite seeks from one lower bound only)."""

    @pytest.mark.parametrize(
        ("query", "bounds", "after"),
        [
            # Ascending: a cursor inside the range replaces ``low``; one before it is moot.
            (Query("d", "b", "y", after=Cursor("c", "k")), [("<=", "y")], "c"),
            (Query("d", "b", "y", after=Cursor("a", "k")), [(">=", "b"), ("<=", "y")], None),
            # Descending: the cursor replaces ``high`` / ``below``; one beyond them is moot.
            (Query("d", "b", "y", after=Cursor("x", "k"), descending=True), [(">=", "b")], "x"),
            (Query("d", below="m", after=Cursor("z", "k"), descending=True), [("<", "m")], None),
            (
                Query("d", None, "y", "m", after=Cursor("p", "k"), descending=True),
                [("<", "m")],
                None,
            ),
            (Query("d", "b", "y"), [(">=", "b"), ("<=", "y")], None),
        ],
    )  # fmt: skip
    def test_redundant_bounds_are_dropped(
        self, query: Query, bounds: list[tuple[str, str]], after: str | None
    ) -> None:
        """Exactly the bounds that decide are sent (results: TestQuery, both backends)."""
        kept, cursor = _seek_bounds(query)
        assert kept == bounds
        assert (cursor.value if cursor else None) == after

    @pytest.mark.parametrize("descending", [False, True])
    def test_a_late_page_costs_an_early_pages_steps(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, descending: bool
    ) -> None:
        """SQLite VM steps for a page of 50 after 50 and after 4,900 of 5,000 ranged rows."""
        store = SqliteStore(tmp_path / "s.db")
        store.put_many("inv", [(f"k{n:05d}", {"n": n}, {"day": f"d{n:05d}"}) for n in range(5000)])
        ranged = Query("day", low="d00000", high="d99999", descending=descending, limit=50)
        pages = store.query("inv", Query("day", low="d00000", high="d99999", descending=descending))
        steps: list[int] = []

        def step() -> int:
            steps[-1] += 1
            return 0

        for skipped in (50, 4900):
            steps.append(0)
            # The transaction pins one connection, so the query runs on the traced one.
            with store.transaction(), store._connection() as conn:
                conn.set_progress_handler(step, 100)
                cursor = pages[skipped - 1].cursor
                page = store.query("inv", dataclasses.replace(ranged, after=cursor))
                conn.set_progress_handler(None, 0)
            assert [hit.key for hit in page] == [hit.key for hit in pages[skipped : skipped + 50]]
        store.close()
        assert steps[0] > 0
        assert steps[1] <= 2 * steps[0], steps  # before: ~50 times more for the late page
