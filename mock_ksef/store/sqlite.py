"""SQLite store: state survives a restart and is shared by worker processes.

One connection per thread; writes inside :meth:`SqliteStore.transaction` take SQLite's
write lock (``BEGIN IMMEDIATE``), which also serialises several processes on one file.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from mock_ksef.store.base import Doc

_SCHEMA = """
CREATE TABLE IF NOT EXISTS docs (
    kind TEXT NOT NULL, key TEXT NOT NULL, position INTEGER NOT NULL, body TEXT NOT NULL,
    PRIMARY KEY (kind, key));
CREATE TABLE IF NOT EXISTS idx (
    kind TEXT NOT NULL, key TEXT NOT NULL, name TEXT NOT NULL, value TEXT NOT NULL,
    PRIMARY KEY (kind, key, name));
CREATE INDEX IF NOT EXISTS idx_lookup ON idx (kind, name, value);
CREATE TABLE IF NOT EXISTS blobs (key TEXT PRIMARY KEY, data BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS sequences (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
"""


class SqliteStore:
    """State kept in one SQLite file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._lock = threading.RLock()
        self._all: list[sqlite3.Connection] = []
        with self.transaction():
            self._conn().executescript(_SCHEMA)

    def _conn(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(
                self.path, timeout=30, isolation_level=None, check_same_thread=False
            )
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            self._local.conn = conn
            self._local.depth = 0
            with self._lock:
                self._all.append(conn)
        return conn

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """A write transaction; nested calls join the outer one."""
        conn = self._conn()
        with self._lock:
            outer = self._local.depth == 0
            self._local.depth += 1
            if outer:
                conn.execute("BEGIN IMMEDIATE")
            try:
                yield
            except BaseException:
                if outer:
                    conn.execute("ROLLBACK")
                raise
            else:
                if outer:
                    conn.execute("COMMIT")
            finally:
                self._local.depth -= 1

    def get(self, kind: str, key: str) -> Doc | None:
        """See :class:`mock_ksef.store.base.Store`."""
        row = (
            self._conn()
            .execute("SELECT body FROM docs WHERE kind=? AND key=?", (kind, key))
            .fetchone()
        )
        return json.loads(row[0]) if row else None

    def put(self, kind: str, key: str, doc: Doc, index: Mapping[str, str] | None = None) -> None:
        """See :class:`mock_ksef.store.base.Store`."""
        with self.transaction():
            conn = self._conn()
            body = json.dumps(doc, separators=(",", ":"), sort_keys=True)
            updated = conn.execute(
                "UPDATE docs SET body=? WHERE kind=? AND key=?", (body, kind, key)
            ).rowcount
            if not updated:
                position = self._next(conn, "__position__")
                conn.execute("INSERT INTO docs VALUES (?,?,?,?)", (kind, key, position, body))
            conn.execute("DELETE FROM idx WHERE kind=? AND key=?", (kind, key))
            conn.executemany(
                "INSERT INTO idx VALUES (?,?,?,?)",
                [(kind, key, n, v) for n, v in (index or {}).items()],
            )

    def find(self, kind: str, **index: str) -> list[Doc]:
        """See :class:`mock_ksef.store.base.Store`."""
        sql = "SELECT body FROM docs d WHERE d.kind=?"
        params: list[str] = [kind]
        for name, value in index.items():
            sql += (
                " AND EXISTS (SELECT 1 FROM idx i WHERE i.kind=d.kind AND i.key=d.key"
                " AND i.name=? AND i.value=?)"
            )
            params += [name, value]
        rows = self._conn().execute(sql + " ORDER BY d.position", params).fetchall()
        return [json.loads(row[0]) for row in rows]

    def delete(self, kind: str, key: str) -> None:
        """See :class:`mock_ksef.store.base.Store`."""
        with self.transaction():
            self._conn().execute("DELETE FROM docs WHERE kind=? AND key=?", (kind, key))
            self._conn().execute("DELETE FROM idx WHERE kind=? AND key=?", (kind, key))

    @staticmethod
    def _next(conn: sqlite3.Connection, name: str) -> int:
        conn.execute("INSERT INTO sequences VALUES (?, 0) ON CONFLICT(name) DO NOTHING", (name,))
        conn.execute("UPDATE sequences SET value = value + 1 WHERE name=?", (name,))
        row = conn.execute("SELECT value FROM sequences WHERE name=?", (name,)).fetchone()
        return int(row[0])

    def next_sequence(self, name: str) -> int:
        """See :class:`mock_ksef.store.base.Store`."""
        with self.transaction():
            return self._next(self._conn(), name)

    def put_blob(self, key: str, data: bytes) -> None:
        """See :class:`mock_ksef.store.base.Store`."""
        with self.transaction():
            self._conn().execute("INSERT OR REPLACE INTO blobs VALUES (?,?)", (key, data))

    def get_blob(self, key: str) -> bytes | None:
        """See :class:`mock_ksef.store.base.Store`."""
        row = self._conn().execute("SELECT data FROM blobs WHERE key=?", (key,)).fetchone()
        return bytes(row[0]) if row else None

    def reset(self) -> None:
        """See :class:`mock_ksef.store.base.Store`."""
        with self.transaction():
            for table in ("docs", "idx", "blobs", "sequences"):
                self._conn().execute(f"DELETE FROM {table}")

    def close(self) -> None:
        """Close every thread's connection."""
        with self._lock:
            for conn in self._all:
                conn.close()
            self._all.clear()
        self._local = threading.local()
