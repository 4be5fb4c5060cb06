"""In-memory store: dicts behind one re-entrant lock (the werkzeug server is threaded).

Documents are kept as their JSON text, exactly as the SQLite backend keeps them, so
callers never share mutable objects with the store and both backends return the same
values (tuples come back as lists, keys as strings).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass

from mock_ksef.store.base import Doc, decode, encode, matches


@dataclass(frozen=True)
class _Entry:
    position: int
    body: str
    index: dict[str, str]


class MemoryStore:
    """State that lives as long as the process."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._docs: dict[tuple[str, str], _Entry] = {}
        self._blobs: dict[str, bytes] = {}
        self._sequences: dict[str, int] = {}
        self._position = 0

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Hold the store lock for the duration of the block (no rollback)."""
        with self._lock:
            yield

    def get(self, kind: str, key: str) -> Doc | None:
        """See :class:`mock_ksef.store.base.Store`."""
        with self._lock:
            entry = self._docs.get((kind, key))
        return decode(entry.body) if entry else None

    def put(self, kind: str, key: str, doc: Doc, index: Mapping[str, str] | None = None) -> None:
        """See :class:`mock_ksef.store.base.Store`."""
        body = encode(doc)
        values = {name: str(value) for name, value in (index or {}).items()}
        with self._lock:
            old = self._docs.get((kind, key))
            if old is None:
                self._position += 1
            position = old.position if old else self._position
            self._docs[(kind, key)] = _Entry(position, body, values)

    def find(self, kind: str, /, **index: str) -> list[Doc]:
        """See :class:`mock_ksef.store.base.Store`."""
        with self._lock:
            hits = [
                entry
                for (doc_kind, _), entry in self._docs.items()
                if doc_kind == kind and matches(entry.index, index)
            ]
        return [decode(entry.body) for entry in sorted(hits, key=lambda e: e.position)]

    def delete(self, kind: str, key: str) -> None:
        """See :class:`mock_ksef.store.base.Store`."""
        with self._lock:
            self._docs.pop((kind, key), None)

    def next_sequence(self, name: str) -> int:
        """See :class:`mock_ksef.store.base.Store`."""
        with self._lock:
            value = self._sequences.get(name, 0) + 1
            self._sequences[name] = value
            return value

    def put_blob(self, key: str, data: bytes) -> None:
        """See :class:`mock_ksef.store.base.Store`."""
        with self._lock:
            self._blobs[key] = bytes(data)

    def get_blob(self, key: str) -> bytes | None:
        """See :class:`mock_ksef.store.base.Store`."""
        with self._lock:
            return self._blobs.get(key)

    def reset(self) -> None:
        """See :class:`mock_ksef.store.base.Store`."""
        with self._lock:
            self._docs.clear()
            self._blobs.clear()
            self._sequences.clear()
            self._position = 0

    def close(self) -> None:
        """Nothing to release."""
