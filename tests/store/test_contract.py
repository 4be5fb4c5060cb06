"""One contract, three backends: every test runs on memory, SQLite and PostgreSQL.

The ``store``/``make_store`` fixtures (``tests/store/conftest.py``) open each backend.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from mock_ksef.store import MemoryStore, SqliteStore, Store, open_store
from mock_ksef.store.base import Query, Row
from tests.store.conftest import MakeStore

THREADS = 8
INCREMENTS = 25


class Boom(Exception):
    """Raised inside a transaction to abort it."""


def _run_threads(target: Callable[[], object], count: int = THREADS) -> None:
    """Run ``target`` on ``count`` threads at once and re-raise the first failure."""
    errors: list[BaseException] = []
    start = threading.Barrier(count)

    def body() -> None:
        try:
            start.wait(timeout=10)
            target()
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=body) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "a worker thread hung"
    if errors:
        raise errors[0]


class TestDocuments:
    """get / put / find / delete."""

    def test_get_missing_is_none(self, store: Store) -> None:
        """get() answers None for an unknown key."""
        assert store.get("session", "nope") is None

    def test_put_then_get_round_trips_json_values(self, store: Store) -> None:
        """put() keeps nested JSON values; tuples come back as lists."""
        doc = {"a": 1, "b": "zażółć", "c": [1, {"d": None}], "e": True, "f": 1.5, "t": (1, 2)}
        store.put("k", "1", doc)
        assert store.get("k", "1") == {**doc, "t": [1, 2]}

    def test_kinds_are_separate_namespaces(self, store: Store) -> None:
        """The same key under two kinds names two documents."""
        store.put("a", "x", {"v": 1})
        store.put("b", "x", {"v": 2})
        assert store.get("a", "x") == {"v": 1}
        assert store.get("b", "x") == {"v": 2}

    def test_replace_keeps_insertion_position(self, store: Store) -> None:
        """Replacing a document changes its body but not its place in find()."""
        for key in ("1", "2", "3"):
            store.put("k", key, {"key": key, "v": 0})
        store.put("k", "1", {"key": "1", "v": 9})
        assert [d["key"] for d in store.find("k")] == ["1", "2", "3"]
        assert store.get("k", "1") == {"key": "1", "v": 9}

    def test_find_by_one_index_value(self, store: Store) -> None:
        """find() with one index value returns the matching documents, oldest first."""
        store.put("s", "1", {"n": 1}, {"ctx": "A"})
        store.put("s", "2", {"n": 2}, {"ctx": "B"})
        store.put("s", "3", {"n": 3}, {"ctx": "A"})
        assert store.find("s", ctx="A") == [{"n": 1}, {"n": 3}]
        assert store.find("s", ctx="C") == []

    def test_find_by_several_index_values(self, store: Store) -> None:
        """find() with several values returns documents matching all of them."""
        store.put("s", "1", {"n": 1}, {"ctx": "A", "type": "online"})
        store.put("s", "2", {"n": 2}, {"ctx": "A", "type": "batch"})
        store.put("s", "3", {"n": 3}, {"ctx": "B", "type": "online"})
        assert store.find("s", ctx="A", type="online") == [{"n": 1}]
        assert store.find("s", ctx="A", type="none") == []

    def test_find_without_index_lists_the_kind(self, store: Store) -> None:
        """find() without index values lists every document of the kind, only that kind."""
        store.put("s", "1", {"n": 1})
        store.put("other", "1", {"n": 0})
        store.put("s", "2", {"n": 2}, {"ctx": "A"})
        assert store.find("s") == [{"n": 1}, {"n": 2}]

    def test_find_accepts_an_index_called_kind(self, store: Store) -> None:
        """The kind argument is positional-only, so an index may be named ``kind``."""
        store.put("s", "1", {"n": 1}, {"kind": "online"})
        assert store.find("s", kind="online") == [{"n": 1}]

    def test_replacing_replaces_the_index(self, store: Store) -> None:
        """A replaced document is found by its new index values only."""
        store.put("s", "1", {"n": 1}, {"ctx": "A", "ksef": "K"})
        store.put("s", "1", {"n": 2}, {"ctx": "B"})
        assert store.find("s", ctx="A") == []
        assert store.find("s", ksef="K") == []
        assert store.find("s", ctx="B") == [{"n": 2}]

    def test_delete(self, store: Store) -> None:
        """delete() removes the document and its index; deleting twice is harmless."""
        store.put("s", "1", {"n": 1}, {"ctx": "A"})
        store.delete("s", "1")
        store.delete("s", "1")
        assert store.get("s", "1") is None
        assert store.find("s", ctx="A") == []

    def test_reinserted_document_goes_last(self, store: Store) -> None:
        """A deleted and re-inserted document takes a new, latest position."""
        store.put("s", "1", {"n": 1})
        store.put("s", "2", {"n": 2})
        store.delete("s", "1")
        store.put("s", "1", {"n": 1})
        assert store.find("s") == [{"n": 2}, {"n": 1}]

    def test_returned_documents_are_copies(self, store: Store) -> None:
        """Mutating a document after put() or after get() never changes the stored one."""
        doc: dict[str, Any] = {"list": [1], "inner": {"x": 1}}
        store.put("s", "1", doc)
        doc["list"].append(2)
        got = store.get("s", "1")
        assert got is not None
        got["inner"]["x"] = 99
        store.find("s")[0]["list"].append(3)
        assert store.get("s", "1") == {"list": [1], "inner": {"x": 1}}

    def test_non_json_documents_are_rejected(self, store: Store) -> None:
        """Both backends refuse a document that is not JSON-ready."""
        with pytest.raises(TypeError):
            store.put("s", "1", {"when": object()})


class TestSequencesAndBlobs:
    """next_sequence / put_blob / get_blob / reset."""

    def test_sequences_count_from_one_independently(self, store: Store) -> None:
        """Each named sequence yields 1, 2, 3 ... on its own."""
        assert [store.next_sequence("a") for _ in range(3)] == [1, 2, 3]
        assert store.next_sequence("b") == 1
        assert store.next_sequence("a") == 4

    def test_blobs(self, store: Store) -> None:
        """Blobs keep exact bytes; a second put replaces; a missing key is None."""
        data = bytes(range(256))
        store.put_blob("upo/1", data)
        assert store.get_blob("upo/1") == data
        store.put_blob("upo/1", b"second")
        assert store.get_blob("upo/1") == b"second"
        assert store.get_blob("upo/2") is None

    def test_reset_forgets_everything(self, store: Store) -> None:
        """reset() clears documents, indexes, blobs and sequences."""
        store.put("s", "1", {"n": 1}, {"ctx": "A"})
        store.put_blob("b", b"x")
        store.next_sequence("ref")
        store.reset()
        assert store.get("s", "1") is None
        assert store.find("s", ctx="A") == []
        assert store.get_blob("b") is None
        assert store.next_sequence("ref") == 1
        store.put("s", "2", {"n": 2})
        assert store.find("s") == [{"n": 2}]


class TestBulk:
    """put_many / put_blobs: exactly a loop of put / put_blob, in fewer statements."""

    def test_put_many_equals_a_loop_of_put(self, store: Store, make_store: MakeStore) -> None:
        """New keys in row order after the existing ones, a replaced key keeps its place and
        takes its last row's document and index, a key given twice counts once."""
        twin = make_store()
        rows: list[Row] = [
            ("b", {"n": 1}, {"ctx": "A", "d": "2"}),
            ("a", {"n": 2}, {"ctx": "B"}),
            ("c", {"n": 3}, None),
            ("b", {"n": 4}, {"ctx": "C", "d": "1"}),
        ]
        for target in (store, twin):
            target.put("s", "a", {"n": 0}, {"ctx": "Z", "old": "1"})
            target.put("s", "z", {"n": 9}, {"ctx": "Z"})
        assert store.put_many("s", rows) == ["b", "c"]
        for key, doc, index in rows:
            twin.put("s", key, doc, index)
        for target in (store, twin):
            assert target.find("s") == [{"n": 2}, {"n": 9}, {"n": 4}, {"n": 3}]
            assert target.find("s", ctx="C") == [{"n": 4}]
            assert target.find("s", ctx="A") == target.find("s", old="1") == []
            assert target.find("s", ctx="Z") == [{"n": 9}]
            assert [h.key for h in target.query("s", Query(order_by="d"))] == ["b"]
        store.put("s", "y", {"n": 5})
        assert store.find("s")[-1] == {"n": 5}  # later puts still go last

    def test_put_many_keeps_existing_without_replace(self, store: Store) -> None:
        """replace=False: stored keys keep document and index; of twins the first row wins."""
        store.put("s", "a", {"n": 0}, {"ctx": "Z"})
        rows: list[Row] = [
            ("a", {"n": 1}, {"ctx": "A"}),
            ("b", {"n": 2}, {"ctx": "B"}),
            ("b", {"n": 3}, {"ctx": "C"}),
        ]
        assert store.put_many("s", rows, replace=False) == ["b"]
        assert store.find("s") == [{"n": 0}, {"n": 2}]
        assert store.find("s", ctx="Z") == [{"n": 0}]
        assert store.find("s", ctx="A") == store.find("s", ctx="C") == []
        assert store.put_many("s", []) == []

    def test_put_many_in_chunks(self, store: Store) -> None:
        """More keys than one lookup chunk; ordered queries see them in value order."""
        rows: list[Row] = [
            (f"k{n:04}", {"n": n}, {"v": f"{(n * 7) % 1200:04}"}) for n in range(1200)
        ]
        assert len(store.put_many("q", rows)) == 1200
        assert store.put_many("q", rows[:600]) == []
        assert [d["n"] for d in store.find("q")] == list(range(1200))
        hits = store.query("q", Query(order_by="v", low="0100", limit=3))
        assert [(h.value, h.key) for h in hits] == [
            ("0100", "k0700"),
            ("0101", "k1043"),
            ("0102", "k0186"),
        ]

    def test_bulk_then_single_writes_and_reads_agree_with_puts(
        self, store: Store, make_store: MakeStore
    ) -> None:
        """Writes of many rows (the memory store appends them, sorted on the next read)
        mixed with puts, deletes, finds and ranged queries: as a loop of put leaves."""
        twin = make_store()
        first: list[Row] = [(f"k{n:03}", {"n": n}, {"v": f"{n * 37 % 200:03}"}) for n in range(200)]
        second: list[Row] = [(f"k{n:03}", {"n": -n}, {"v": f"{n % 7}"}) for n in range(150, 260)]
        assert store.put_many("m", first) == [key for key, _, _ in first]
        store.put("m", "single", {"n": 1000}, {"v": "050"})
        store.delete("m", "k010")
        assert store.put_many("m", second) == [f"k{n:03}" for n in range(200, 260)]
        for key, doc, index in first:
            twin.put("m", key, doc, index)
        twin.put("m", "single", {"n": 1000}, {"v": "050"})
        twin.delete("m", "k010")
        for key, doc, index in second:
            twin.put("m", key, doc, index)
        for target in (store, twin):
            walk = [(h.value, h.key) for h in target.query("m", Query(order_by="v"))]
            assert walk == sorted(walk)
            assert len(walk) == 260  # k000..k259 and "single", less k010
            assert target.find("m", v="050") == [{"n": 50}, {"n": 1000}]  # 50 * 37 % 200
            assert target.find("m", v="3") == [{"n": -n} for n in range(150, 260) if n % 7 == 3]
            hits = target.query("m", Query(order_by="v", low="049", high="051"))
            assert [h.key for h in hits] == ["k077", "k050", "single", "k023"]  # n * 37 % 200
        assert [(h.value, h.key) for h in store.query("m", Query(order_by="v"))] == [
            (h.value, h.key) for h in twin.query("m", Query(order_by="v"))
        ]
        assert store.find("m") == twin.find("m")

    def test_put_blobs(self, store: Store) -> None:
        """put_blobs keeps each item's bytes; a key given again is replaced."""
        store.put_blob("x", b"old")
        store.put_blobs([("x", b"new"), ("y", b"\x00\xff"), ("y", b"last")])
        assert (store.get_blob("x"), store.get_blob("y")) == (b"new", b"last")


class TestTransactions:
    """transaction(): serialisation, re-entrancy, rollback."""

    def test_transaction_is_reentrant(self, store: Store) -> None:
        """Nested transactions on one thread neither deadlock nor commit early."""
        with store.transaction():
            store.put("s", "1", {"n": 1})
            with store.transaction():
                store.put("s", "2", {"n": 2})
                with store.transaction():
                    assert store.next_sequence("x") == 1
            assert store.get("s", "2") == {"n": 2}
        assert [d["n"] for d in store.find("s")] == [1, 2]

    def test_exception_propagates_and_store_stays_usable(self, store: Store) -> None:
        """An exception leaves the block, and the store works afterwards (lock released)."""
        with pytest.raises(Boom), store.transaction():
            raise Boom
        store.put("s", "1", {"n": 1})
        _run_threads(lambda: store.next_sequence("after"), count=2)
        assert store.next_sequence("after") == 3

    def test_concurrent_read_modify_write_loses_no_update(self, store: Store) -> None:
        """N threads each increment a counter document inside transaction(); none is lost."""
        store.put("counter", "c", {"value": 0})

        def increment() -> None:
            for _ in range(INCREMENTS):
                with store.transaction():
                    doc = store.get("counter", "c")
                    assert doc is not None
                    store.put("counter", "c", {"value": doc["value"] + 1})

        _run_threads(increment)
        assert store.get("counter", "c") == {"value": THREADS * INCREMENTS}

    def test_concurrent_sequences_are_unique(self, store: Store) -> None:
        """next_sequence() from many threads hands out every number exactly once."""
        seen: list[int] = []
        lock = threading.Lock()

        def draw() -> None:
            values = [store.next_sequence("ref") for _ in range(INCREMENTS)]
            with lock:
                seen.extend(values)

        _run_threads(draw)
        assert sorted(seen) == list(range(1, THREADS * INCREMENTS + 1))


class TestDurable:
    """What the SQLite and PostgreSQL backends promise, and the memory one does not:
    rollback, and one state shared by restarts and by several processes (replicas)."""

    def test_rollback_on_exception(self, open_state: MakeStore) -> None:
        """Writes of a block that raises are rolled back, nested blocks included."""
        store = open_state()
        store.put("s", "kept", {"n": 0})

        def fail_midway() -> None:
            with store.transaction():
                store.put("s", "kept", {"n": 1})
                with store.transaction():
                    store.put("s", "new", {"n": 2}, {"ctx": "A"})
                    store.put_blob("b", b"x")
                    store.next_sequence("seq")
                raise Boom

        with pytest.raises(Boom):
            fail_midway()
        assert store.get("s", "kept") == {"n": 0}
        assert store.get("s", "new") is None
        assert store.find("s", ctx="A") == []
        assert store.get_blob("b") is None
        assert store.next_sequence("seq") == 1

    def test_state_survives_reopening(self, open_state: MakeStore) -> None:
        """Documents, order, indexes, blobs and sequences persist across close/reopen."""
        first = open_state()
        first.put("s", "1", {"n": 1}, {"ctx": "A"})
        first.put("s", "2", {"n": 2}, {"ctx": "A"})
        first.put_blob("b", b"\x00bytes\xff")
        assert first.next_sequence("ref") == 1
        first.close()
        second = open_state()
        assert second.find("s", ctx="A") == [{"n": 1}, {"n": 2}]
        assert second.get_blob("b") == b"\x00bytes\xff"
        assert second.next_sequence("ref") == 2
        second.put("s", "3", {"n": 3})
        assert [d["n"] for d in second.find("s")] == [1, 2, 3]

    def test_two_objects_on_one_state_see_each_others_writes(self, open_state: MakeStore) -> None:
        """Two store objects on the same state share documents and sequences."""
        a, b = open_state(), open_state()
        a.put("s", "1", {"from": "a"})
        assert b.get("s", "1") == {"from": "a"}
        b.put("s", "1", {"from": "b"})
        assert a.get("s", "1") == {"from": "b"}
        assert a.next_sequence("ref") == 1
        assert b.next_sequence("ref") == 2

    def test_two_objects_serialise_read_modify_write(self, open_state: MakeStore) -> None:
        """Transactions through two objects on one state lose no increment."""
        stores = [open_state(), open_state()]
        stores[0].put("counter", "c", {"value": 0})
        turn = iter(range(THREADS))
        turn_lock = threading.Lock()

        def increment() -> None:
            with turn_lock:
                store = stores[next(turn) % 2]
            for _ in range(INCREMENTS):
                with store.transaction():
                    doc = store.get("counter", "c")
                    assert doc is not None
                    store.put("counter", "c", {"value": doc["value"] + 1})

        _run_threads(increment)
        assert stores[1].get("counter", "c") == {"value": THREADS * INCREMENTS}


class TestSqlite:
    """What only the SQLite backend promises."""

    def test_connections_are_pooled_across_threads(self, tmp_path: Path) -> None:
        """Many short-lived threads (one per request) do not each keep a connection."""
        store = SqliteStore(tmp_path / "s.db")
        for n in range(40):
            thread = threading.Thread(target=store.put, args=("s", str(n), {"n": n}))
            thread.start()
            thread.join(timeout=10)
        assert len(store._idle) <= 2
        assert len(store.find("s")) == 40
        store.close()

    def test_closed_store_refuses_work(self, tmp_path: Path) -> None:
        """After close() the store raises instead of silently reopening."""
        store = SqliteStore(tmp_path / "s.db")
        store.close()
        with pytest.raises(RuntimeError, match="closed"):
            store.get("s", "1")


class TestOpenStore:
    """open_store() understands the ``store`` setting."""

    def test_specs(self, tmp_path: Path) -> None:
        """memory, sqlite (in the state folder) and sqlite:PATH open the right backend."""
        assert isinstance(open_store("memory", None), MemoryStore)
        in_state = open_store("sqlite", tmp_path)
        assert isinstance(in_state, SqliteStore)
        assert in_state.path == tmp_path / "state.sqlite3"
        in_state.close()
        explicit = open_store(f"sqlite:{tmp_path / 'x.db'}", None)
        assert isinstance(explicit, SqliteStore)
        assert (tmp_path / "x.db").is_file()
        explicit.close()

    @pytest.mark.parametrize("spec", ["sqlite", "redis", ""])
    def test_bad_specs(self, spec: str) -> None:
        """An unknown backend, or sqlite without a place to live, is a ValueError."""
        with pytest.raises(ValueError, match=r"sqlite|unknown"):
            open_store(spec, None)
