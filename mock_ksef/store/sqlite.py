"""SQLite store: state survives a restart and can be shared by several processes.

Connections come from a small pool, so a threaded server that starts one thread per
request does not open one connection per request. A thread inside
:meth:`SqliteStore.transaction` keeps its connection until the block ends; the
transaction takes SQLite's write lock (``BEGIN IMMEDIATE``), which also serialises
other processes (or other ``SqliteStore`` objects) working on the same file.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from mock_ksef.store.base import Doc, decode, encode

_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS docs (
        kind TEXT NOT NULL, key TEXT NOT NULL, position INTEGER NOT NULL, body TEXT NOT NULL,
        PRIMARY KEY (kind, key))""",
    "CREATE INDEX IF NOT EXISTS docs_position ON docs (kind, position)",
    # MAX(position) of every insert: without it each insert scans the table.
    "CREATE INDEX IF NOT EXISTS docs_by_position ON docs (position)",
    """CREATE TABLE IF NOT EXISTS idx (
        kind TEXT NOT NULL, key TEXT NOT NULL, name TEXT NOT NULL, value TEXT NOT NULL,
        PRIMARY KEY (kind, key, name))""",
    "CREATE INDEX IF NOT EXISTS idx_lookup ON idx (kind, name, value)",
    "CREATE TABLE IF NOT EXISTS blobs (key TEXT PRIMARY KEY, data BLOB NOT NULL)",
    "CREATE TABLE IF NOT EXISTS sequences (name TEXT PRIMARY KEY, value INTEGER NOT NULL)",
)
#: Idle connections kept for reuse; extra ones are closed when returned.
POOL_SIZE = 16
#: Seconds a writer waits for another process's write lock before failing.
BUSY_TIMEOUT_S = 30.0


class SqliteStore:
    """State kept in one SQLite file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        # Serialises this object's writers in-process: cheaper than SQLite busy-waiting.
        self._write_lock = threading.RLock()
        self._pool_lock = threading.Lock()
        self._idle: list[sqlite3.Connection] = []
        self._closed = False
        with self.transaction(), self._connection() as conn:
            for statement in _SCHEMA:
                conn.execute(statement)

    def _open(self) -> sqlite3.Connection:
        conn = sqlite3.connect(
            self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False
        )
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        return conn

    @contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        """The thread's transaction connection, or one borrowed from the pool."""
        pinned: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if pinned is not None:
            yield pinned
            return
        with self._pool_lock:
            if self._closed:
                raise RuntimeError(f"store {self.path} is closed")
            conn = self._idle.pop() if self._idle else None
        if conn is None:
            conn = self._open()
        try:
            yield conn
        finally:
            with self._pool_lock:
                keep = not self._closed and len(self._idle) < POOL_SIZE
                if keep:
                    self._idle.append(conn)
            if not keep:
                conn.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """A write transaction, rolled back on any exception; nested calls join the outer one."""
        if getattr(self._local, "conn", None) is not None:
            yield
            return
        with self._write_lock, self._connection() as conn:
            conn.execute("BEGIN IMMEDIATE")
            self._local.conn = conn
            try:
                yield
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
            finally:
                self._local.conn = None

    def get(self, kind: str, key: str) -> Doc | None:
        """See :class:`mock_ksef.store.base.Store`."""
        with self._connection() as conn:
            row = conn.execute(
                "SELECT body FROM docs WHERE kind=? AND key=?", (kind, key)
            ).fetchone()
        return decode(row[0]) if row else None

    def put(self, kind: str, key: str, doc: Doc, index: Mapping[str, str] | None = None) -> None:
        """See :class:`mock_ksef.store.base.Store`."""
        body = encode(doc)
        with self.transaction(), self._connection() as conn:
            updated = conn.execute(
                "UPDATE docs SET body=? WHERE kind=? AND key=?", (body, kind, key)
            ).rowcount
            if not updated:
                conn.execute(
                    "INSERT INTO docs SELECT ?, ?, COALESCE(MAX(position), 0) + 1, ? FROM docs",
                    (kind, key, body),
                )
            conn.execute("DELETE FROM idx WHERE kind=? AND key=?", (kind, key))
            conn.executemany(
                "INSERT INTO idx VALUES (?,?,?,?)",
                [(kind, key, name, str(value)) for name, value in (index or {}).items()],
            )

    def find(self, kind: str, /, **index: str) -> list[Doc]:
        """See :class:`mock_ksef.store.base.Store`."""
        sql = "SELECT body FROM docs d WHERE d.kind=?"
        params: list[str] = [kind]
        for name, value in index.items():
            sql += (
                " AND EXISTS (SELECT 1 FROM idx i WHERE i.kind=d.kind AND i.key=d.key"
                " AND i.name=? AND i.value=?)"
            )
            params += [name, value]
        with self._connection() as conn:
            rows = conn.execute(sql + " ORDER BY d.position", params).fetchall()
        return [decode(row[0]) for row in rows]

    def delete(self, kind: str, key: str) -> None:
        """See :class:`mock_ksef.store.base.Store`."""
        with self.transaction(), self._connection() as conn:
            conn.execute("DELETE FROM docs WHERE kind=? AND key=?", (kind, key))
            conn.execute("DELETE FROM idx WHERE kind=? AND key=?", (kind, key))

    def next_sequence(self, name: str) -> int:
        """See :class:`mock_ksef.store.base.Store`."""
        with self.transaction(), self._connection() as conn:
            conn.execute(
                "INSERT INTO sequences VALUES (?, 1)"
                " ON CONFLICT(name) DO UPDATE SET value = value + 1",
                (name,),
            )
            row = conn.execute("SELECT value FROM sequences WHERE name=?", (name,)).fetchone()
        return int(row[0])

    def put_blob(self, key: str, data: bytes) -> None:
        """See :class:`mock_ksef.store.base.Store`."""
        with self.transaction(), self._connection() as conn:
            conn.execute("INSERT OR REPLACE INTO blobs VALUES (?,?)", (key, bytes(data)))

    def get_blob(self, key: str) -> bytes | None:
        """See :class:`mock_ksef.store.base.Store`."""
        with self._connection() as conn:
            row = conn.execute("SELECT data FROM blobs WHERE key=?", (key,)).fetchone()
        return bytes(row[0]) if row else None

    def reset(self) -> None:
        """See :class:`mock_ksef.store.base.Store`."""
        with self.transaction(), self._connection() as conn:
            for table in ("docs", "idx", "blobs", "sequences"):
                conn.execute(f"DELETE FROM {table}")

    def close(self) -> None:
        """Close the pooled connections; later calls raise ``RuntimeError``."""
        with self._pool_lock:
            self._closed = True
            idle, self._idle = self._idle, []
        for conn in idle:
            conn.close()
