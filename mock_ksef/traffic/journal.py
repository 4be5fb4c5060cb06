"""The request journal: every KSeF API request, in the order the requests started.

Entries are JSON documents keyed by their sequence number, so every worker process
sharing a store appends to one journal and ``/_mock/reset`` empties it. The sequence is
taken when a request *starts* (:meth:`Journal.reserve`) and the entry is written under it
when the request ends (:meth:`Journal.record`): a request the client gave up on (a dropped
connection) keeps its place before the client's retry, however late its own end comes.
The journal keeps the last ``journal_size`` entries; invoice contents are never recorded,
only the hashes and sizes the client declared.
"""

from __future__ import annotations

import os
import threading
import weakref
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any, Protocol

from mock_ksef.store import kinds
from mock_ksef.store.base import Doc, Store
from mock_ksef.store.sqlite import SqliteStore
from mock_ksef.traffic.journal_file import FileJournal

KIND = kinds.JOURNAL
SEQUENCE = "journal"


def _key(sequence: int) -> str:
    return f"{sequence:012d}"


@dataclass(frozen=True)
class JournalFilter:
    """Which entries a query wants; ``None`` fields do not filter."""

    method: str | None = None
    #: An exact path or an ``fnmatch`` pattern, with or without ``/v2``/``/api/v2``.
    path: str | None = None
    session: str | None = None
    context: str | None = None
    #: Entries after this sequence number.
    since_sequence: int | None = None
    #: Entries at or after this time.
    since_time: datetime | None = None

    def accepts(self, entry: Mapping[str, Any]) -> bool:
        """Whether ``entry`` passes every given filter."""
        if self.method and str(entry.get("method", "")).upper() != self.method.upper():
            return False
        if self.path and not (
            fnmatchcase(str(entry.get("path", "")), self.path)
            or fnmatchcase(str(entry.get("route", "") or ""), self.path)
            or fnmatchcase(str(entry.get("barePath", "") or ""), self.path)
        ):
            return False
        if self.session and entry.get("session") != self.session:
            return False
        if self.context and entry.get("context") != self.context:
            return False
        if self.since_sequence is not None and int(entry["sequence"]) <= self.since_sequence:
            return False
        return self.since_time is None or (
            datetime.fromisoformat(str(entry["time"])) >= self.since_time
        )


class Journal:
    """Appends, lists and clears journal entries.

    With a SQLite store the entries live in append-only files beside the database
    (:mod:`mock_ksef.traffic.journal_file`: no write transaction per request), with a
    PostgreSQL store in a table of their own (:mod:`mock_ksef.store.pg_journal`); with
    any other store they are documents of kind :data:`KIND` in the store.
    """

    def __init__(self, store: Store, size: int) -> None:
        self._store = store
        self._size = max(1, size)
        self._files = files_of(store)

    def reserve(self) -> int:
        """The sequence number of a request starting now (its place in the journal)."""
        if self._files is not None:
            return self._files.reserve(self._size)
        return self._store.next_sequence(SEQUENCE)

    def record(self, entry: Doc, sequence: int | None = None) -> int:
        """Write ``entry`` under ``sequence`` (default: a new one); returns the sequence.

        Args:
            entry: the request's fields (``sequence`` is set here).
            sequence: what :meth:`reserve` gave when the request started.
        """
        if sequence is None:
            sequence = self.reserve()
        if self._files is not None:
            self._files.record(entry, sequence, self._size)
            return sequence
        with self._store.transaction():
            self._store.put(KIND, _key(sequence), {"sequence": sequence, **entry})
            if sequence > self._size:
                self._store.delete(KIND, _key(sequence - self._size))
        return sequence

    def entries(self, wanted: JournalFilter | None = None) -> list[Doc]:
        """Entries passing ``wanted``, oldest first."""
        if self._files is not None:
            everything = self._files.entries(self._size)
        else:
            everything = self._store.find(KIND)
            everything.sort(key=lambda doc: int(doc["sequence"]))
            everything = everything[-self._size :]
        return [doc for doc in everything if wanted is None or wanted.accepts(doc)]

    def clear(self) -> int:
        """Forget every entry; returns how many there were."""
        if self._files is not None:
            count = len(self._files.entries(self._size))
            self._files.clear()
            return count
        with self._store.transaction():
            docs = self._store.find(KIND)
            for doc in docs:
                self._store.delete(KIND, _key(int(doc["sequence"])))
        return len(docs)


class JournalTable(Protocol):
    """A journal kept outside the store's documents (SQLite: files; PostgreSQL: a table)."""

    def reserve(self, size: int) -> int: ...
    def record(self, entry: Doc, sequence: int, size: int) -> None: ...
    def entries(self, size: int) -> list[Doc]: ...
    def clear(self, *, restart: bool = False) -> None: ...


_FILES: weakref.WeakKeyDictionary[Store, FileJournal] = weakref.WeakKeyDictionary()
_FILES_LOCK = threading.Lock()


def files_of(store: Store) -> JournalTable | None:
    """The journal files of a SQLite store (opened once per store and process).

    A store that keeps a journal of its own (PostgreSQL: a table, ``store/pg_journal.py``)
    offers it as ``request_journal``, with the same methods.
    """
    own: JournalTable | None = getattr(store, "request_journal", None)
    if own is not None:
        return own
    if not isinstance(store, SqliteStore):
        return None
    files = _FILES.get(store)
    if files is None or files.owner != os.getpid():
        with _FILES_LOCK:
            files = _FILES.get(store)
            if files is None or files.owner != os.getpid():
                files = _FILES[store] = FileJournal(Path(f"{store.path}.requests"))
    return files


def reset_journal(store: Store) -> None:
    """Empty the journal and start its sequence at 1 again (part of ``/_mock/reset``).

    A store journal is emptied by ``store.reset()`` already.
    """
    files = files_of(store)
    if files is not None:
        files.clear(restart=True)
