"""PostgreSQL store: one database shared by any number of mock replicas.

Selected by ``--store postgresql://…`` (or ``MOCK_KSEF_STORE``); needs the ``postgresql``
extra (psycopg 3 and psycopg_pool). Connections come from a :class:`ConnectionPool` in
autocommit mode: a read is one statement, no ``BEGIN``/``COMMIT`` round trips.

Writers are serialised as SQLite's ``BEGIN IMMEDIATE`` serialises them, across every
replica: :meth:`PostgresStore.transaction` opens a transaction and takes one
transaction-scoped advisory lock (``pg_advisory_xact_lock``, a number derived from the
schema), so a block that reads, decides and writes sees no other writer in between,
under READ COMMITTED. A block is a ``with`` body that cannot be run again, so
SERIALIZABLE-with-retries (which needs a re-runnable unit) would surface serialisation
failures to clients instead; ``docs/postgresql.md`` has the measurements. Writes outside
a block take the same lock in their own short transaction, sent as one pipeline;
``next_sequence`` outside a block is one atomic upsert and needs none.

Statements are SQLite's (the tables are the same, see :mod:`mock_ksef.store.pg_schema`;
``query`` reuses the SQLite backend's statement builder through :func:`_dialect`);
positions come from one database sequence instead of ``MAX(position) + 1``. A connection
the server dropped is discarded by the pool and the call is tried again on a fresh one,
unless it was inside a block (whose earlier statements are lost with the connection).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import Any, TypeVar

import psycopg
from psycopg.pq import TransactionStatus
from psycopg_pool import ConnectionPool, PoolClosed, PoolTimeout

from mock_ksef.store import query_sql as sqlite_sql
from mock_ksef.store.base import Doc, Hit, Query, Row, decode, encode, unique_rows
from mock_ksef.store.pg_journal import RESTART, PostgresJournal
from mock_ksef.store.pg_request import MISSING, Ahead, ReadAhead, opening_sql
from mock_ksef.store.pg_schema import (
    TABLES,
    StoreUnavailable,
    configure_connection,
    first_line,
    lock_key,
    migrate,
    redacted,
)

Conn = psycopg.Connection[tuple[Any, ...]]
T = TypeVar("T")

#: Connections a process opens at most: a granian worker runs 8 request threads by default
#: (``serving.GRANIAN_THREADS``; gunicorn 2, ``--threads``); more concurrent calls wait for
#: one (up to CONNECT_TIMEOUT_S).
POOL_SIZE = 8
#: Seconds to wait for the server when connecting, and for a free pooled connection.
CONNECT_TIMEOUT_S = 10
#: Attempts of a call outside a block whose connection the server dropped.
ATTEMPTS = 3


class PostgresStore:
    """State kept in one PostgreSQL schema (the first of the URL's ``search_path``)."""

    def __init__(self, url: str, *, pool_size: int = POOL_SIZE) -> None:
        self.url = url
        try:
            with psycopg.connect(url, autocommit=True, connect_timeout=CONNECT_TIMEOUT_S) as conn:
                migrate(conn, url)
                row = conn.execute("SELECT current_schema()").fetchone()
        except psycopg.OperationalError as exc:
            raise StoreUnavailable(
                f"cannot reach the PostgreSQL store at {redacted(url)}: {first_line(exc)}"
            ) from None
        self.schema = str(row[0]) if row else "public"
        self._write_key = lock_key(self.schema, "write")
        self._local = threading.local()
        self._ahead = ReadAhead()
        # In-process writers queue here rather than each holding a connection in the
        # server's lock queue (cheaper, and the pool is not drained by waiters).
        self._write_lock = threading.RLock()
        self._pool: ConnectionPool[Conn] = ConnectionPool(
            url,
            min_size=1,
            max_size=pool_size,
            kwargs={"autocommit": True, "connect_timeout": CONNECT_TIMEOUT_S},
            configure=configure_connection,
            timeout=CONNECT_TIMEOUT_S,
            name=f"mock-ksef {redacted(url)}",
            open=True,
        )
        self.request_journal = PostgresJournal(self._run)

    def describe(self) -> str:
        """The banner's words for this store (no password)."""
        return f"postgresql, {redacted(self.url)} (schema {self.schema})"

    def size_bytes(self) -> int:
        """Bytes of the store's tables with their indexes and TOAST (``state compact``)."""
        row = self._run(
            lambda c: c.execute(
                "SELECT sum(pg_total_relation_size(to_regclass(t))) FROM unnest(%s::text[]) t",
                (list(TABLES),),
            ).fetchone()
        )
        return int(row[0]) if row and row[0] is not None else 0

    def _run(self, work: Callable[[Conn], T]) -> T:
        """``work(conn)`` on the block's connection, or on a pooled one (retried if dropped)."""
        pinned: Conn | None = getattr(self._local, "conn", None)
        if pinned is not None:
            return self._flush(pinned, work) if self._local.queued else work(pinned)
        for attempt in range(1, ATTEMPTS + 1):
            try:
                conn = self._pool.getconn()
            except PoolClosed:
                raise RuntimeError(f"store {redacted(self.url)} is closed") from None
            except PoolTimeout as exc:
                raise StoreUnavailable(
                    f"no connection to the PostgreSQL store at {redacted(self.url)}"
                    f" within {CONNECT_TIMEOUT_S} s: {exc}"
                ) from None
            try:
                return work(conn)
            except psycopg.OperationalError:
                if not conn.broken or attempt == ATTEMPTS:
                    raise
                self._pool.check()  # drop every idle connection the server closed too
            finally:
                self._pool.putconn(conn)
        raise AssertionError("unreachable")  # pragma: no cover

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """A serialised write transaction, rolled back on any exception; nested calls join."""
        if getattr(self._local, "conn", None) is not None:
            yield
            return
        self._ahead.forget()  # the block reads what it decides on itself
        with self._write_lock:
            conn = self._begin()
            self._local.conn = conn
            self._local.queued = []
            try:
                yield
                self._run(lambda c: c.execute("COMMIT"))  # with the writes still queued
            except BaseException:
                if not conn.broken and conn.info.transaction_status != TransactionStatus.IDLE:
                    conn.execute("ROLLBACK")
                raise
            finally:
                self._local.conn = self._local.queued = None
                self._pool.putconn(conn)

    def _defer(self, work: Callable[[Conn], object]) -> None:
        """A write whose result nobody reads: in a block it is queued and sent with the
        block's next statement (or its ``COMMIT``) in one pipeline, so it costs no round
        trip of its own; the server runs them in order, so reads see the block's writes."""
        queued: list[Callable[[Conn], object]] | None = getattr(self._local, "queued", None)
        self._ahead.forget()
        if queued is None:
            self._write(work)
        else:
            queued.append(work)

    def _flush(self, conn: Conn, work: Callable[[Conn], T]) -> T:
        """The queued writes of the block, then ``work``, in one pipeline (a read waits for
        its result, then for the sync: two round trips however many writes went first)."""
        queued: list[Callable[[Conn], object]] = self._local.queued
        self._local.queued = []
        with self._piped(conn):
            for write in queued:
                write(conn)
            return work(conn)

    @contextmanager
    def _piped(self, conn: Conn) -> Iterator[None]:
        """A pipeline in which writes do not open pipelines of their own (a nested one
        would wait for the statements queued before it)."""
        with conn.pipeline():
            self._local.piped = True
            try:
                yield
            finally:
                self._local.piped = False

    def _batch(self, conn: Conn) -> AbstractContextManager[object]:
        """A pipeline for a few writes, unless they are sent in one already."""
        return nullcontext() if getattr(self._local, "piped", False) else conn.pipeline()

    def _begin(self) -> Conn:
        """A pooled connection inside ``BEGIN`` holding the write lock (retried if dropped)."""

        def begin(conn: Conn) -> Conn:
            with conn.pipeline():  # one round trip for both
                conn.execute("BEGIN")
                conn.execute("SELECT pg_advisory_xact_lock(%s)", (self._write_key,))
            return conn

        for attempt in range(1, ATTEMPTS + 1):
            try:
                conn = self._pool.getconn()
            except PoolClosed:
                raise RuntimeError(f"store {redacted(self.url)} is closed") from None
            try:
                return begin(conn)
            except psycopg.OperationalError:
                self._pool.putconn(conn)
                if not conn.broken or attempt == ATTEMPTS:
                    raise
                self._pool.check()
            except BaseException:
                self._pool.putconn(conn)
                raise
        raise AssertionError("unreachable")  # pragma: no cover

    def _write(self, work: Callable[[Conn], T]) -> T:
        """``work`` in the block, or else in a transaction of its own sent as one pipeline
        (``BEGIN``, the lock, the writes, ``COMMIT``: one round trip for a ``put``)."""
        if getattr(self._local, "conn", None) is not None:
            return self._run(work)
        self._ahead.forget()
        with self._write_lock:
            return self._run(lambda conn: self._one_trip(conn, work))

    def _one_trip(self, conn: Conn, work: Callable[[Conn], T]) -> T:
        try:
            with self._piped(conn):
                conn.execute("BEGIN")
                conn.execute("SELECT pg_advisory_xact_lock(%s)", (self._write_key,))
                result = work(conn)
                conn.execute("COMMIT")
            return result
        except BaseException:
            if not conn.broken and conn.info.transaction_status != TransactionStatus.IDLE:
                conn.execute("ROLLBACK")
            raise

    def get(self, kind: str, key: str) -> Doc | None:
        """See :class:`mock_ksef.store.base.Store` (outside a block, what the request's first
        statement read ahead, if it read this document: ``store/pg_request.py``)."""
        if getattr(self._local, "conn", None) is None:
            held = self._ahead.take(kind, key)
            if held is not MISSING:
                return decode(held) if isinstance(held, str) else None
        row = self._run(
            lambda c: c.execute(
                "SELECT body FROM docs WHERE kind=%s AND key=%s", (kind, key)
            ).fetchone()
        )
        return decode(row[0]) if row else None

    def get_counted(self, kind: str, key: str) -> tuple[Doc | None, list[int]]:
        """``get`` and the state's counters (``store/generation.py``) in one statement."""
        row = self._run(
            lambda c: c.execute(
                "SELECT (SELECT body FROM docs WHERE kind=%s AND key=%s),"
                " ARRAY(SELECT value FROM generations ORDER BY slot)",
                (kind, key),
            ).fetchone()
        )
        assert row is not None
        return (decode(row[0]) if row[0] is not None else None), [int(v) for v in row[1]]

    def open_request(
        self, kind: str, key: str, *, place: bool, ahead: Ahead | None = None
    ) -> tuple[Doc | None, list[int], int | None]:
        """``get_counted``, the journal's next place (with ``place``) and a read of ``ahead``
        for this thread's next ``get`` of it, in one statement (``store/pg_request.py``)."""
        sql = opening_sql(place=place, ahead=ahead is not None)
        params = (kind, key, *(ahead or ()))
        row = self._run(lambda c: c.execute(sql, params).fetchone())
        assert row is not None
        body, counters, drawn, read = row
        if ahead is None:
            self._ahead.forget()
        else:
            self._ahead.hold(ahead, read)
        doc = decode(body) if body is not None else None
        return doc, [int(v) for v in counters], None if drawn is None else int(drawn)

    def forget_ahead(self) -> None:
        """Drop what this thread's request read ahead and did not use (the request ended)."""
        self._ahead.forget()

    def bump_generation(self, slot: int) -> int:
        """Advance one counter (one atomic ``UPDATE``, in the block if inside one)."""
        sql = "UPDATE generations SET value = value + 1 WHERE slot=%s RETURNING value"
        row = self._run(lambda c: c.execute(sql, (slot,)).fetchone())
        assert row is not None
        return int(row[0])

    def put(self, kind: str, key: str, doc: Doc, index: Mapping[str, str] | None = None) -> None:
        """See :class:`mock_ksef.store.base.Store`."""
        body = encode(doc)
        values = [(kind, key, name, str(value)) for name, value in (index or {}).items()]

        def work(conn: Conn) -> None:
            with self._batch(conn), conn.cursor() as cur:  # one round trip for all three
                cur.execute(
                    "INSERT INTO docs VALUES (%s, %s, nextval('doc_positions'), %s)"
                    " ON CONFLICT (kind, key) DO UPDATE SET body = EXCLUDED.body",
                    (kind, key, body),
                )
                cur.execute("DELETE FROM idx WHERE kind=%s AND key=%s", (kind, key))
                if values:
                    cur.executemany("INSERT INTO idx VALUES (%s, %s, %s, %s)", values)

        self._defer(work)

    def put_many(self, kind: str, rows: Iterable[Row], *, replace: bool = True) -> list[str]:
        """See :class:`mock_ksef.store.base.Store`: a few array statements (``unnest``)."""
        unique = unique_rows(rows, replace=replace)
        if not unique:
            return []
        keys = list(unique)

        def work(conn: Conn) -> list[str]:
            found = conn.execute(
                "SELECT key FROM docs WHERE kind=%s AND key = ANY(%b)", (kind, keys)
            )
            existing = {str(row[0]) for row in found}
            new = [key for key in keys if key not in existing]
            with conn.pipeline():  # the writes: one round trip
                _write_many(conn, kind, unique, new, existing, replace=replace)
            return new

        return self._write(work)

    def find(self, kind: str, /, **index: str) -> list[Doc]:
        """See :class:`mock_ksef.store.base.Store` (the same plan as SQLite's)."""
        params: list[object] = [kind]
        if not index:
            sql = "SELECT body FROM docs WHERE kind=%s ORDER BY position"
        else:
            (first, first_value), *rest = index.items()
            sql = (
                "SELECT d.body FROM idx i JOIN docs d ON d.kind=i.kind AND d.key=i.key"
                " WHERE i.kind=%s AND i.name=%s AND i.value=%s"
                + _EXISTS * len(rest)
                + " ORDER BY d.position"
            )
            params += [first, first_value]
            for name, value in rest:
                params += [name, value]
        rows = self._run(lambda c: c.execute(sql, params).fetchall())
        return [decode(row[0]) for row in rows]

    def query(self, kind: str, query: Query) -> list[Hit]:
        """See :class:`mock_ksef.store.base.Store`; one range scan of ``idx_order``."""
        sql, params = _query_sql(kind, query)
        rows = self._run(lambda c: c.execute(sql, params).fetchall())
        return [
            Hit(str(key), str(value), {} if body is None else decode(body))
            for key, value, body in rows
        ]

    def delete(self, kind: str, key: str) -> None:
        """See :class:`mock_ksef.store.base.Store`."""

        def work(conn: Conn) -> None:
            with self._batch(conn), conn.cursor() as cur:
                cur.execute("DELETE FROM docs WHERE kind=%s AND key=%s", (kind, key))
                cur.execute("DELETE FROM idx WHERE kind=%s AND key=%s", (kind, key))

        self._defer(work)

    def next_sequence(self, name: str) -> int:
        """See :class:`mock_ksef.store.base.Store`: one atomic upsert (no write lock)."""
        row = self._run(
            lambda c: c.execute(
                "INSERT INTO sequences VALUES (%s, 1) ON CONFLICT (name)"
                " DO UPDATE SET value = sequences.value + 1 RETURNING value",
                (name,),
            ).fetchone()
        )
        assert row is not None
        return int(row[0])

    def put_blob(self, key: str, data: bytes) -> None:
        """See :class:`mock_ksef.store.base.Store`."""
        self.put_blobs([(key, data)])

    def put_blobs(self, items: Iterable[tuple[str, bytes]]) -> None:
        """See :class:`mock_ksef.store.base.Store`."""
        # A key given twice: its last bytes (one statement may not upsert a row twice).
        unique = {key: bytes(data) for key, data in items}

        def work(conn: Conn) -> None:
            conn.execute(
                "INSERT INTO blobs SELECT * FROM unnest(%b::text[], %b::bytea[])"
                " ON CONFLICT (key) DO UPDATE SET data = EXCLUDED.data",
                (list(unique), list(unique.values())),
            )

        if unique:
            self._defer(work)

    def get_blob(self, key: str) -> bytes | None:
        """See :class:`mock_ksef.store.base.Store`."""
        row = self._run(
            lambda c: c.execute("SELECT data FROM blobs WHERE key=%s", (key,)).fetchone()
        )
        return bytes(row[0]) if row else None

    def delete_blob(self, key: str) -> None:
        """See :class:`mock_ksef.store.base.Store`."""
        self._defer(lambda c: c.execute("DELETE FROM blobs WHERE key=%s", (key,)))

    def compact(self) -> None:
        """``VACUUM`` the store's tables (outside any transaction)."""
        self._run(lambda c: c.execute(f"VACUUM {', '.join(TABLES)}"))

    def reset(self) -> None:
        """See :class:`mock_ksef.store.base.Store` (``TRUNCATE``, the journal included, and
        its places back to 1)."""

        def work(conn: Conn) -> None:
            conn.execute(f"TRUNCATE {', '.join(TABLES)}")
            conn.execute(RESTART)

        self._write(work)

    def close(self) -> None:
        """Close the pool; later calls raise ``RuntimeError``."""
        self._pool.close()


def _write_many(
    conn: Conn,
    kind: str,
    unique: dict[str, tuple[str, dict[str, str]]],
    new: list[str],
    existing: set[str],
    *,
    replace: bool,
) -> None:
    """The statements of :meth:`PostgresStore.put_many` once the stored keys are known."""
    keys = list(unique)
    if new:  # positions in row order: nextval runs after the ORDER BY
        conn.execute(
            "INSERT INTO docs SELECT %s, k, nextval('doc_positions'), b"
            " FROM unnest(%b::text[], %b::text[]) WITH ORDINALITY AS t(k, b, n) ORDER BY n",
            (kind, new, [unique[key][0] for key in new]),
        )
    old = [key for key in keys if key in existing] if replace else []
    if old:
        conn.execute(
            "UPDATE docs d SET body = t.b FROM unnest(%b::text[], %b::text[])"
            " AS t(k, b) WHERE d.kind=%s AND d.key=t.k",
            (old, [unique[key][0] for key in old], kind),
        )
        conn.execute("DELETE FROM idx WHERE kind=%s AND key = ANY(%b)", (kind, old))
    pairs = [
        (key, name, value)
        for key in (keys if replace else new)
        for name, value in unique[key][1].items()
    ]
    if pairs:
        conn.execute(
            "INSERT INTO idx SELECT %s, k, n, v"
            " FROM unnest(%b::text[], %b::text[], %b::text[]) AS t(k, n, v)",
            (kind, *(list(column) for column in zip(*pairs, strict=True))),
        )


def _dialect(sql: str) -> str:
    """A statement of the SQLite backend in PostgreSQL's words: ``%s`` marks, a plain JOIN.

    (SQLite's ``CROSS JOIN`` only pins its planner's join order; PostgreSQL plans the same
    index walk from a plain one.) The contract suite runs every statement on both.
    """
    return sql.replace("CROSS JOIN", "JOIN").replace("?", "%s")


_EXISTS = _dialect(sqlite_sql._EXISTS)


def _query_sql(kind: str, query: Query) -> tuple[str, list[object]]:
    """The statement of :meth:`PostgresStore.query`: SQLite's walk along one index."""
    sql, params = sqlite_sql._query_sql(kind, query)
    if query.limit is None and query.offset:  # SQLite's "no limit" is LIMIT -1
        params[-2] = None
    return _dialect(sql), params
