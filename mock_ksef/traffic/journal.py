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

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from fnmatch import fnmatchcase
from typing import Any

from mock_ksef.store.base import Doc, Store

KIND = "journal"
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
    """Appends, lists and clears journal entries in a store."""

    def __init__(self, store: Store, size: int) -> None:
        self._store = store
        self._size = max(1, size)

    def reserve(self) -> int:
        """The sequence number of a request starting now (its place in the journal)."""
        return self._store.next_sequence(SEQUENCE)

    def record(self, entry: Doc, sequence: int | None = None) -> int:
        """Write ``entry`` under ``sequence`` (default: a new one); returns the sequence.

        Args:
            entry: the request's fields (``sequence`` is set here).
            sequence: what :meth:`reserve` gave when the request started.
        """
        with self._store.transaction():
            if sequence is None:
                sequence = self.reserve()
            self._store.put(KIND, _key(sequence), {"sequence": sequence, **entry})
            if sequence > self._size:
                self._store.delete(KIND, _key(sequence - self._size))
        return sequence

    def entries(self, wanted: JournalFilter | None = None) -> list[Doc]:
        """Entries passing ``wanted``, oldest first."""
        everything = self._store.find(KIND)
        everything.sort(key=lambda doc: int(doc["sequence"]))
        return [doc for doc in everything if wanted is None or wanted.accepts(doc)]

    def clear(self) -> int:
        """Forget every entry; returns how many there were."""
        with self._store.transaction():
            docs = self._store.find(KIND)
            for doc in docs:
                self._store.delete(KIND, _key(int(doc["sequence"])))
        return len(docs)
