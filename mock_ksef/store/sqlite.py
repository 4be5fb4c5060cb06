"""SQLite store: state survives a restart and can be shared by several processes.

Connections come from a small pool, so a threaded server that starts one thread per
request does not open one connection per request. A thread inside
:meth:`SqliteStore.transaction` keeps its connection until the block ends; the
transaction takes SQLite's write lock (``BEGIN IMMEDIATE``), which also serialises
other processes (or other ``SqliteStore`` objects) working on the same file.

Every statement on a hot path is answered from an index: ``docs`` by its primary key
``(kind, key)`` and ``(kind, position)``, ``idx`` by its primary key
``(kind, name, value, key)``; a document's own index values are kept beside it
(``docs.idx_values``), so replacing or deleting it removes exactly its index rows. The
schema is versioned with ``PRAGMA user_version`` and migrated in place when a state
folder written by an older version is opened (see ``docs/performance.md``).
"""

from __future__ import annotations

import sqlite3
import threading
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from operator import itemgetter
from pathlib import Path

from mock_ksef.store.base import (
    Doc,
    Hit,
    Query,
    Row,
    decode,
    encode,
    unique_rows,
)
from mock_ksef.store.query_sql import _EXISTS, _query_sql

#: Version 0: the first layout (``idx_lookup`` without the key, a global position).
#: Version 1: ``idx_order`` covers ``(kind, name, value, key)``; positions count per kind.
#: Version 2: ``idx`` is one ``WITHOUT ROWID`` B-tree keyed ``(kind, name, value, key)``
#: (it was a rowid table, its ``(kind, key, name)`` key and ``idx_order``: three), and
#: ``docs.idx_values`` keeps each document's index values, so a replace or delete removes
#: exactly those rows: an index row costs one B-tree insert instead of three. ``docs``
#: stays a rowid table: its bodies (up to a few KB, keys in random order) append
#: sequentially there, which measured faster than a ``WITHOUT ROWID`` table.
SCHEMA_VERSION = 2
_DOCS = """CREATE TABLE docs (
    kind TEXT NOT NULL, key TEXT NOT NULL, position INTEGER NOT NULL, body TEXT NOT NULL,
    idx_values TEXT NOT NULL, PRIMARY KEY (kind, key))"""
_IDX = """CREATE TABLE idx (
    kind TEXT NOT NULL, name TEXT NOT NULL, value TEXT NOT NULL, key TEXT NOT NULL,
    PRIMARY KEY (kind, name, value, key)) WITHOUT ROWID"""
_SCHEMA = (
    _DOCS,
    "CREATE INDEX docs_position ON docs (kind, position)",
    _IDX,
    "CREATE TABLE IF NOT EXISTS blobs (key TEXT PRIMARY KEY, data BLOB NOT NULL)",
    "CREATE TABLE IF NOT EXISTS sequences (name TEXT PRIMARY KEY, value INTEGER NOT NULL)",
)
#: Versions 0 and 1 to 2, in place: the rows are copied into the new tables (the index
#: values of each document gathered from the old ``idx``), then the old tables dropped.
_MIGRATION = (
    "ALTER TABLE docs RENAME TO docs_v1",
    "ALTER TABLE idx RENAME TO idx_v1",
    "DROP INDEX IF EXISTS docs_position",
    "DROP INDEX IF EXISTS idx_order",
    "DROP INDEX IF EXISTS idx_lookup",
    _DOCS,
    _IDX,
    "INSERT INTO idx SELECT kind, name, value, key FROM idx_v1",
    """INSERT INTO docs SELECT d.kind, d.key, d.position, d.body, COALESCE(
        (SELECT json_group_object(i.name, i.value) FROM idx_v1 i
         WHERE i.kind = d.kind AND i.key = d.key), '{}') FROM docs_v1 d""",
    "DROP TABLE docs_v1",
    "DROP TABLE idx_v1",
    "CREATE INDEX docs_position ON docs (kind, position)",
)
#: Page cache per connection, in KiB (SQLite's default is 2 MiB).
CACHE_KIB = 16 * 1024
#: Idle connections kept for reuse; extra ones are closed when returned.
POOL_SIZE = 16
#: Keys per ``IN (...)`` lookup of a bulk write (below SQLite's variable limit).
KEY_CHUNK = 500
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
            version = int(conn.execute("PRAGMA user_version").fetchone()[0])
            if version > SCHEMA_VERSION:
                raise RuntimeError(
                    f"{path} has schema version {version}; this mock-ksef reads up to "
                    f"{SCHEMA_VERSION}: upgrade mock-ksef or use another state folder"
                )
            if version < SCHEMA_VERSION:
                existing = conn.execute(
                    "SELECT 1 FROM sqlite_master WHERE type='table' AND name='docs'"
                ).fetchone()
                for statement in _MIGRATION if existing else _SCHEMA:
                    conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def _open(self) -> sqlite3.Connection:
        conn = sqlite3.connect(
            self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False
        )
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute(f"PRAGMA cache_size=-{CACHE_KIB}")
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
        values = {name: str(value) for name, value in (index or {}).items()}
        text = _values_text(values)
        with self.transaction(), self._connection() as conn:
            row = conn.execute(
                "SELECT idx_values FROM docs WHERE kind=? AND key=?", (kind, key)
            ).fetchone()
            if row is None:
                # MAX over (kind, position) is one index seek, not a scan.
                conn.execute(
                    "INSERT INTO docs SELECT ?, ?, COALESCE(MAX(position), 0) + 1, ?, ?"
                    " FROM docs WHERE kind=?",
                    (kind, key, body, text, kind),
                )
            else:
                conn.execute(
                    "UPDATE docs SET body=?, idx_values=? WHERE kind=? AND key=?",
                    (body, text, kind, key),
                )
                if row[0] == text:
                    return  # the same index: its rows stay
                conn.executemany(_DROP, _index_rows(kind, key, decode(row[0])))
            conn.executemany(_ADD, _index_rows(kind, key, values))

    def put_many(self, kind: str, rows: Iterable[Row], *, replace: bool = True) -> list[str]:
        """See :class:`mock_ksef.store.base.Store`: a handful of ``executemany`` calls.

        The keys already stored are read in chunks of :data:`KEY_CHUNK`; the new ones get
        positions after the kind's ``MAX(position)`` (one index seek) in row order.
        """
        unique = unique_rows(rows, replace=replace)
        if not unique:
            return []
        keys = list(unique)
        with self.transaction(), self._connection() as conn:
            existing: dict[str, str] = {}
            for first in range(0, len(keys), KEY_CHUNK):
                chunk = keys[first : first + KEY_CHUNK]
                marks = ",".join("?" * len(chunk))
                found = conn.execute(
                    f"SELECT key, idx_values FROM docs WHERE kind=? AND key IN ({marks})",
                    [kind, *chunk],
                )
                existing.update(found.fetchall())
            new = [key for key in keys if key not in existing]
            (top,) = conn.execute(
                "SELECT COALESCE(MAX(position), 0) FROM docs WHERE kind=?", (kind,)
            ).fetchone()
            texts = {key: _values_text(unique[key][1]) for key in (keys if replace else new)}
            conn.executemany(
                "INSERT INTO docs VALUES (?,?,?,?,?)",
                [
                    (kind, key, top + n, unique[key][0], texts[key])
                    for n, key in enumerate(new, start=1)
                ],
            )
            written = new
            if replace and existing:
                old = [key for key in keys if key in existing]
                conn.executemany(
                    "UPDATE docs SET body=?, idx_values=? WHERE kind=? AND key=?",
                    [(unique[key][0], texts[key], kind, key) for key in old],
                )
                changed = [key for key in old if existing[key] != texts[key]]
                conn.executemany(
                    _DROP,
                    [
                        row
                        for key in changed
                        for row in _index_rows(kind, key, decode(existing[key]))
                    ],
                )
                written = new + changed
            conn.executemany(_ADD, _in_key_order(kind, written, unique))
        return new

    def find(self, kind: str, /, **index: str) -> list[Doc]:
        """See :class:`mock_ksef.store.base.Store`.

        With index values the matches come from ``idx_order`` (the first value drives,
        the others are checked per match) and only they are sorted by position.
        """
        if not index:
            sql, params = "SELECT body FROM docs WHERE kind=? ORDER BY position", [kind]
        else:
            (first, first_value), *rest = index.items()
            sql = (
                "SELECT d.body FROM idx i CROSS JOIN docs d ON d.kind=i.kind AND d.key=i.key"
                " WHERE i.kind=? AND i.name=? AND i.value=?"
                + _EXISTS * len(rest)
                + " ORDER BY d.position"
            )
            params = [kind, first, first_value]
            for name, value in rest:
                params += [name, value]
        with self._connection() as conn:
            rows = conn.execute(sql, params).fetchall()
        return [decode(row[0]) for row in rows]

    def query(self, kind: str, query: Query) -> list[Hit]:
        """See :class:`mock_ksef.store.base.Store`; one range scan of an index."""
        sql, params = _query_sql(kind, query)
        with self._connection() as conn:
            rows = conn.execute(sql, params).fetchall()
        return [Hit(key, value, {} if body is None else decode(body)) for key, value, body in rows]

    def delete(self, kind: str, key: str) -> None:
        """See :class:`mock_ksef.store.base.Store`."""
        with self.transaction(), self._connection() as conn:
            row = conn.execute(
                "SELECT idx_values FROM docs WHERE kind=? AND key=?", (kind, key)
            ).fetchone()
            if row is None:
                return
            conn.execute("DELETE FROM docs WHERE kind=? AND key=?", (kind, key))
            conn.executemany(_DROP, _index_rows(kind, key, decode(row[0])))

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

    def put_blobs(self, items: Iterable[tuple[str, bytes]]) -> None:
        """See :class:`mock_ksef.store.base.Store`."""
        with self.transaction(), self._connection() as conn:
            conn.executemany(
                "INSERT OR REPLACE INTO blobs VALUES (?,?)",
                ((key, bytes(data)) for key, data in items),
            )

    def get_blob(self, key: str) -> bytes | None:
        """See :class:`mock_ksef.store.base.Store`."""
        with self._connection() as conn:
            row = conn.execute("SELECT data FROM blobs WHERE key=?", (key,)).fetchone()
        return bytes(row[0]) if row else None

    def delete_blob(self, key: str) -> None:
        """See :class:`mock_ksef.store.base.Store`."""
        with self.transaction(), self._connection() as conn:
            conn.execute("DELETE FROM blobs WHERE key=?", (key,))

    def compact(self) -> None:
        """``VACUUM`` the file and truncate the WAL (outside any transaction)."""
        with self._write_lock, self._connection() as conn:
            conn.execute("VACUUM")
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")

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


_ADD = "INSERT INTO idx VALUES (?,?,?,?)"
_DROP = "DELETE FROM idx WHERE kind=? AND name=? AND value=? AND key=?"


def _in_key_order(
    kind: str, keys: list[str], unique: dict[str, tuple[str, dict[str, str]]]
) -> list[tuple[str, str, str, str]]:
    """The ``idx`` rows of ``keys``, by name then value: B-tree inserts in key order touch
    each page once per write (100,000 invoices: 35 s instead of 42 s). Sorted per name
    on the value alone (text keys, compared by CPython's string-only fast path): a sort
    of the row tuples themselves cost more than the inserts saved."""
    by_name: dict[str, list[tuple[str, str, str, str]]] = defaultdict(list)
    for key in keys:
        for name, value in unique[key][1].items():
            by_name[name].append((kind, name, value, key))
    rows: list[tuple[str, str, str, str]] = []
    for name in sorted(by_name):
        bucket = by_name[name]
        bucket.sort(key=_VALUE)
        rows += bucket
    return rows


_VALUE = itemgetter(2)


def _values_text(values: dict[str, str]) -> str:
    """``docs.idx_values`` of a document (no encoder call for the many without index)."""
    return encode(values) if values else "{}"


def _index_rows(kind: str, key: str, values: Mapping[str, str]) -> list[tuple[str, str, str, str]]:
    """The ``idx`` rows of one document."""
    return [(kind, name, value, key) for name, value in values.items()]
