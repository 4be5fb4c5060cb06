"""The request journal of a PostgreSQL store: a table of its own, shared by every replica.

Each request costs no write lock and at most two autocommit statements: its place is the
next value of the database sequence ``journal_places`` (drawn when the request starts, by
:meth:`reserve` or as a part of the request's first statement, ``store/pg_request.py``),
and :meth:`record` inserts the entry under it when it ends and deletes the entry that
fell out of the newest ``size`` by its key, in one statement (every
:data:`SWEEP_EVERY` places the delete takes every older key too). The entry is committed before the
answer leaves, so a request answered by any replica is listed by every replica, even if
the one that answered is killed afterwards. ``store.reset()`` truncates the table and
restarts the sequence in one transaction.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from typing import Any, TypeVar

import orjson
import psycopg

from mock_ksef.store.base import Doc

Conn = psycopg.Connection[tuple[Any, ...]]
T = TypeVar("T")
Runner = Callable[[Callable[[Conn], T]], T]

#: The database sequence of the journal's places (schema version 3).
PLACES = "journal_places"
#: The expression that draws the next place (also a part of a request's first statement,
#: ``store/pg_request.py``).
NEXT_PLACE = f"nextval('{PLACES}')"
#: Every this many places, a request's delete also takes any older entry left behind (an
#: entry recorded after the request ``size`` places later had already deleted its place,
#: e.g. one that slept in a long latency fault).
SWEEP_EVERY = 1024
#: Back to 1 (``reset`` and ``clear(restart=True)``, in their transaction).
RESTART = f"ALTER SEQUENCE {PLACES} RESTART"


class PostgresJournal:
    """The ``journal`` table, through the store's connections (``run`` is ``store._run``)."""

    def __init__(self, run: Runner[Any]) -> None:
        self._run = run
        self._pid = os.getpid()

    def reserve(self, size: int) -> int:
        """The next sequence (its place in the journal)."""
        del size
        row = self._run(lambda c: c.execute(f"SELECT {NEXT_PLACE}").fetchone())
        return int(row[0])

    def record(self, entry: Doc, sequence: int, size: int) -> None:
        """Insert ``entry`` under ``sequence``; forget the entry that fell out of the newest
        ``size`` (and, every :data:`SWEEP_EVERY` places, any older one left behind)."""
        body = _text({"sequence": sequence, **entry})
        gone = sequence - size
        # One key, not a range: a range starting at the table's oldest key walked every
        # deleted-but-not-yet-vacuumed index entry before it, on every request, so status
        # reads slowed down round after round (1,722 -> 941 -> 650 rps on two replicas).
        older = "<=" if sequence % SWEEP_EVERY == 0 else "="
        self._run(
            lambda c: c.execute(
                "WITH added AS (INSERT INTO journal VALUES (%s, %s)"
                " ON CONFLICT (sequence) DO UPDATE SET body = EXCLUDED.body)"
                f" DELETE FROM journal WHERE sequence {older} %s",
                (sequence, body, gone),
            )
        )

    def entries(self, size: int) -> list[Doc]:
        """The newest ``size`` entries, oldest first."""
        rows = self._run(
            lambda c: c.execute(
                "SELECT body FROM journal ORDER BY sequence DESC LIMIT %s", (max(0, size),)
            ).fetchall()
        )
        return [_doc(row[0]) for row in reversed(rows)]

    def clear(self, *, restart: bool = False) -> None:
        """Forget every entry; ``restart``: sequences begin at 1 again."""

        def work(conn: Conn) -> None:
            with conn.transaction():
                conn.execute("DELETE FROM journal")
                if restart:
                    conn.execute(RESTART)

        self._run(work)

    @property
    def owner(self) -> int:
        """The process that opened the store."""
        return self._pid


def _text(entry: Doc) -> str:
    try:
        return orjson.dumps(entry).decode("utf-8")
    except orjson.JSONEncodeError:  # e.g. an integer beyond 64 bits a client declared
        return json.dumps(entry, ensure_ascii=False)


def _doc(text: str) -> Doc:
    value: Any = orjson.loads(text)
    return value if isinstance(value, dict) else {}
