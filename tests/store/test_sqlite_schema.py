"""Schema versions: a state file written by an older mock-ksef opens and keeps its data."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from mock_ksef.store import SqliteStore
from mock_ksef.store.base import Query
from mock_ksef.store.sqlite import SCHEMA_VERSION

#: The layout of version 0, exactly as the first release created it.
V0 = (
    """CREATE TABLE docs (
        kind TEXT NOT NULL, key TEXT NOT NULL, position INTEGER NOT NULL, body TEXT NOT NULL,
        PRIMARY KEY (kind, key))""",
    "CREATE INDEX docs_position ON docs (kind, position)",
    """CREATE TABLE idx (
        kind TEXT NOT NULL, key TEXT NOT NULL, name TEXT NOT NULL, value TEXT NOT NULL,
        PRIMARY KEY (kind, key, name))""",
    "CREATE INDEX idx_lookup ON idx (kind, name, value)",
    "CREATE TABLE blobs (key TEXT PRIMARY KEY, data BLOB NOT NULL)",
    "CREATE TABLE sequences (name TEXT PRIMARY KEY, value INTEGER NOT NULL)",
)


def _v0_file(path: Path) -> None:
    """A version-0 file: positions global across kinds, as the old put() numbered them."""
    with sqlite3.connect(path) as conn:
        for statement in V0:
            conn.execute(statement)
        rows = [("session", "S1", 1, '{"n":1}'), ("inv", "I1", 2, '{"n":2}')]
        rows += [("session", "S2", 3, '{"n":3}'), ("inv", "I2", 4, '{"n":4}')]
        conn.executemany("INSERT INTO docs VALUES (?,?,?,?)", rows)
        conn.executemany(
            "INSERT INTO idx VALUES (?,?,?,?)",
            [("inv", "I1", "session", "S1"), ("inv", "I2", "session", "S1")],
        )
        conn.execute("INSERT INTO blobs VALUES ('upo/1', x'0102')")
        conn.execute("INSERT INTO sequences VALUES ('ksef', 7)")


def _indexes(path: Path) -> set[str]:
    with sqlite3.connect(path) as conn:
        rows = conn.execute("SELECT name FROM sqlite_master WHERE type='index'").fetchall()
    return {str(row[0]) for row in rows if not str(row[0]).startswith("sqlite_autoindex")}


def test_version_0_file_is_migrated_in_place(tmp_path: Path) -> None:
    """Old data stays, the index is swapped, new writes order after old ones."""
    path = tmp_path / "state.sqlite3"
    _v0_file(path)
    store = SqliteStore(path)
    assert _indexes(path) == {"docs_position"}  # idx is its own (kind, name, value, key) key
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone() == (SCHEMA_VERSION,)
    assert store.find("inv", session="S1") == [{"n": 2}, {"n": 4}]
    assert [hit.key for hit in store.query("inv", Query(order_by="session"))] == ["I1", "I2"]
    assert store.get_blob("upo/1") == b"\x01\x02"
    assert store.next_sequence("ksef") == 8
    store.put("session", "S0", {"n": 0})
    assert store.find("session") == [{"n": 1}, {"n": 3}, {"n": 0}]
    store.close()
    reopened = SqliteStore(path)
    assert reopened.find("session") == [{"n": 1}, {"n": 3}, {"n": 0}]
    reopened.close()


#: The layout of version 1, exactly as ``SqliteStore`` created it before version 2.
V1 = (
    """CREATE TABLE IF NOT EXISTS docs (
        kind TEXT NOT NULL, key TEXT NOT NULL, position INTEGER NOT NULL, body TEXT NOT NULL,
        PRIMARY KEY (kind, key))""",
    "CREATE INDEX IF NOT EXISTS docs_position ON docs (kind, position)",
    """CREATE TABLE IF NOT EXISTS idx (
        kind TEXT NOT NULL, key TEXT NOT NULL, name TEXT NOT NULL, value TEXT NOT NULL,
        PRIMARY KEY (kind, key, name))""",
    "CREATE INDEX IF NOT EXISTS idx_order ON idx (kind, name, value, key)",
    "DROP INDEX IF EXISTS idx_lookup",
    "CREATE TABLE IF NOT EXISTS blobs (key TEXT PRIMARY KEY, data BLOB NOT NULL)",
    "CREATE TABLE IF NOT EXISTS sequences (name TEXT PRIMARY KEY, value INTEGER NOT NULL)",
    "PRAGMA user_version = 1",
)


def _v1_file(path: Path) -> None:
    """A version-1 file: three documents of two kinds, two with two index values."""
    with sqlite3.connect(path) as conn:
        for statement in V1:
            conn.execute(statement)
        rows = [("inv", "I1", 1, '{"n":1}'), ("inv", "I2", 2, '{"n":2}')]
        rows += [("session", "S1", 1, '{"s":1}')]
        conn.executemany("INSERT INTO docs VALUES (?,?,?,?)", rows)
        conn.executemany(
            "INSERT INTO idx VALUES (?,?,?,?)",
            [
                ("inv", "I1", "session", "S1"),
                ("inv", "I1", "day", "d1"),
                ("inv", "I2", "session", "S1"),
                ("inv", "I2", "day", "d2"),
            ],
        )
        conn.execute("INSERT INTO blobs VALUES ('upo/1', x'0102')")
        conn.execute("INSERT INTO sequences VALUES ('ksef', 7)")


def _idx_rows(path: Path) -> list[tuple[str, ...]]:
    with sqlite3.connect(path) as conn:
        return [tuple(row) for row in conn.execute("SELECT * FROM idx ORDER BY 1, 2, 3, 4")]


def test_version_1_file_is_migrated_to_version_2(tmp_path: Path) -> None:
    """Documents, their index rows, order, blobs and counters survive; ``idx`` becomes one
    WITHOUT ROWID B-tree, each document keeps its index values, and a replace or delete of an
    old document removes exactly its old index rows."""
    path = tmp_path / "state.sqlite3"
    _v1_file(path)
    store = SqliteStore(path)
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone() == (2,)
        tables = dict(conn.execute("SELECT name, sql FROM sqlite_master WHERE type='table'"))
        values = dict(conn.execute("SELECT key, idx_values FROM docs WHERE kind='inv'"))
    assert set(tables) == {"docs", "idx", "blobs", "sequences"}
    assert "idx_values" in tables["docs"]
    assert tables["idx"].endswith("WITHOUT ROWID")
    assert {k: json.loads(v) for k, v in values.items()} == {
        "I1": {"day": "d1", "session": "S1"},
        "I2": {"day": "d2", "session": "S1"},
    }
    assert _idx_rows(path) == [
        ("inv", "day", "d1", "I1"),
        ("inv", "day", "d2", "I2"),
        ("inv", "session", "S1", "I1"),
        ("inv", "session", "S1", "I2"),
    ]
    assert store.find("inv", session="S1", day="d2") == [{"n": 2}]
    assert [h.key for h in store.query("inv", Query(order_by="day", descending=True))] == [
        "I2",
        "I1",
    ]
    store.put("inv", "I1", {"n": 10}, {"session": "S2"})
    store.delete("inv", "I2")
    store.put("inv", "I3", {"n": 3}, {"session": "S2"})
    assert _idx_rows(path) == [("inv", "session", "S2", "I1"), ("inv", "session", "S2", "I3")]
    assert store.find("inv", session="S2") == [{"n": 10}, {"n": 3}]
    assert store.get_blob("upo/1") == b"\x01\x02"
    assert store.next_sequence("ksef") == 8
    store.close()


def test_a_newer_file_is_refused(tmp_path: Path) -> None:
    """A file from a newer mock-ksef is not silently downgraded."""
    path = tmp_path / "state.sqlite3"
    SqliteStore(path).close()
    with sqlite3.connect(path) as conn:
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(RuntimeError, match="schema version"):
        SqliteStore(path)
