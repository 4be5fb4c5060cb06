"""A request's first statement on a PostgreSQL store, and the documents it reads ahead.

Every request starts by reading the shared settings with the state's counters
(``shared_state.py``, ``store/generation.py``); a KSeF API request then takes its place in
the request journal (``store/pg_journal.py``), and a request naming a session reads that
session. Each was a round trip of its own. :func:`opening_sql` asks for all of them in
one statement, so they cost one round trip and one transaction on the server, and all
read one snapshot taken when the request started.

The document read ahead is held for the thread that asked (:class:`ReadAhead`) and handed
to that thread's next ``get`` of it, outside a write block, instead of a new read. It was
read after everything answered before the request started was committed, so a client's
earlier writes are in it, through any replica. It is dropped unread by the thread's next
write or block (a block re-reads what it decides on), by the next request's first
statement, and when the request ends (``forget``).
"""

from __future__ import annotations

import threading
from functools import cache
from typing import Final

from mock_ksef.store.pg_journal import NEXT_PLACE

#: ``(kind, key)`` of a document to read with the request's first statement.
Ahead = tuple[str, str]
#: What :meth:`ReadAhead.take` answers when nothing is held for the document asked for.
MISSING: Final = object()


@cache
def opening_sql(*, place: bool, ahead: bool) -> str:
    """The statement: the document, the counters, the journal place (or NULL) and the
    document read ahead (or NULL), as one row. At most four texts, each prepared once."""
    return (
        "SELECT (SELECT body FROM docs WHERE kind=%s AND key=%s),"
        " ARRAY(SELECT value FROM generations ORDER BY slot),"
        + (f" {NEXT_PLACE}," if place else " NULL::bigint,")
        + (" (SELECT body FROM docs WHERE kind=%s AND key=%s)" if ahead else " NULL::text")
    )


class ReadAhead:
    """Per thread: the one document the current request's first statement read ahead."""

    def __init__(self) -> None:
        self._local = threading.local()

    def hold(self, ahead: Ahead, body: str | None) -> None:
        """Keep ``body`` (``None``: no such document) for this thread's next read of it."""
        self._local.held = (ahead, body)

    def take(self, kind: str, key: str) -> object:
        """The body held for ``(kind, key)`` (once), or :data:`MISSING`."""
        held: tuple[Ahead, str | None] | None = getattr(self._local, "held", None)
        if held is None or held[0] != (kind, key):
            return MISSING
        self._local.held = None
        return held[1]

    def forget(self) -> None:
        """Drop what this thread holds (a write, a block, the end of the request)."""
        self._local.held = None
