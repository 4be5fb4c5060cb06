"""In-memory store: dicts behind one re-entrant lock (the werkzeug server is threaded)."""

from __future__ import annotations

import copy
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from itertools import count

from mock_ksef.store.base import Doc, matches


class MemoryStore:
    """State that lives as long as the process."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self.reset()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Hold the store lock for the duration of the block."""
        with self._lock:
            yield

    def get(self, kind: str, key: str) -> Doc | None:
        """See :class:`mock_ksef.store.base.Store`."""
        with self._lock:
            entry = self._docs.get((kind, key))
            return copy.deepcopy(entry[1]) if entry else None

    def put(self, kind: str, key: str, doc: Doc, index: Mapping[str, str] | None = None) -> None:
        """See :class:`mock_ksef.store.base.Store`."""
        with self._lock:
            old = self._docs.get((kind, key))
            position = old[0] if old else next(self._positions)
            self._docs[(kind, key)] = (position, copy.deepcopy(doc), dict(index or {}))

    def find(self, kind: str, **index: str) -> list[Doc]:
        """See :class:`mock_ksef.store.base.Store`."""
        with self._lock:
            hits = [
                entry
                for (doc_kind, _), entry in self._docs.items()
                if doc_kind == kind and matches(entry[2], index)
            ]
            return [copy.deepcopy(doc) for _, doc, _ in sorted(hits, key=lambda e: e[0])]

    def delete(self, kind: str, key: str) -> None:
        """See :class:`mock_ksef.store.base.Store`."""
        with self._lock:
            self._docs.pop((kind, key), None)

    def next_sequence(self, name: str) -> int:
        """See :class:`mock_ksef.store.base.Store`."""
        with self._lock:
            self._sequences[name] = self._sequences.get(name, 0) + 1
            return self._sequences[name]

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
            self._docs: dict[tuple[str, str], tuple[int, Doc, dict[str, str]]] = {}
            self._blobs: dict[str, bytes] = {}
            self._sequences: dict[str, int] = {}
            self._positions = count()

    def close(self) -> None:
        """Nothing to release."""
