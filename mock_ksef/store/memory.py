"""In-memory store: dicts behind one re-entrant lock (the werkzeug server is threaded).

Documents are kept as their JSON text, exactly as the SQLite backend keeps them, so
callers never share mutable objects with the store and both backends return the same
values (tuples come back as lists, keys as strings).

The secondary indexes mirror SQLite's: a set of keys per ``(kind, name, value)`` for
``find`` and a sorted list of ``(value, key)`` per ``(kind, name)`` for ``query``, so
neither walks every document of a kind.
"""

from __future__ import annotations

import bisect
import threading
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from mock_ksef.store.base import Doc, Hit, Query, Row, decode, encode, unique_rows

#: Up to this many new values a bulk write inserts one by one; more are merged by a sort.
_BISECT_MAX = 32


@dataclass(frozen=True)
class _Entry:
    position: int
    body: str
    index: dict[str, str]


class MemoryStore:
    """State that lives as long as the process."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._docs: dict[str, dict[str, _Entry]] = defaultdict(dict)
        self._keys: dict[tuple[str, str, str], set[str]] = defaultdict(set)
        self._sorted: dict[tuple[str, str], list[tuple[str, str]]] = defaultdict(list)
        self._sorted_keys: dict[str, list[str]] = defaultdict(list)
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
            entry = self._docs[kind].get(key) if kind in self._docs else None
        return decode(entry.body) if entry else None

    def put(self, kind: str, key: str, doc: Doc, index: Mapping[str, str] | None = None) -> None:
        """See :class:`mock_ksef.store.base.Store`."""
        body = encode(doc)
        values = {name: str(value) for name, value in (index or {}).items()}
        with self._lock:
            old = self._unindex(kind, key)
            if old is None:
                self._position += 1
                bisect.insort(self._sorted_keys[kind], key)
            position = old.position if old else self._position
            self._docs[kind][key] = _Entry(position, body, values)
            for name, value in values.items():
                self._keys[(kind, name, value)].add(key)
                bisect.insort(self._sorted[(kind, name)], (value, key))

    def put_many(self, kind: str, rows: Iterable[Row], *, replace: bool = True) -> list[str]:
        """See :class:`mock_ksef.store.base.Store`.

        The sorted index lists are extended and re-sorted once (Timsort merges the new
        run) instead of one ``insort`` per value, which moves the list's tail each time.
        """
        unique = unique_rows(rows, replace=replace)
        new: list[str] = []
        added: dict[tuple[str, str], list[tuple[str, str]]] = defaultdict(list)
        with self._lock:
            docs = self._docs[kind]
            for key, (body, values) in unique.items():
                if key in docs and not replace:
                    continue
                old = self._unindex(kind, key)
                if old is None:
                    self._position += 1
                    new.append(key)
                position = old.position if old else self._position
                docs[key] = _Entry(position, body, values)
                for name, value in values.items():
                    self._keys[(kind, name, value)].add(key)
                    added[(kind, name)].append((value, key))
            _merge(self._sorted_keys[kind], new)
            for pair, pairs in added.items():
                _merge(self._sorted[pair], pairs)
        return new

    def _unindex(self, kind: str, key: str) -> _Entry | None:
        """Drop ``key``'s index entries (not the document); its entry, if any."""
        old = self._docs[kind].get(key)
        for name, value in (old.index if old else {}).items():
            keys = self._keys[(kind, name, value)]
            keys.discard(key)
            if not keys:
                del self._keys[(kind, name, value)]
            ordered = self._sorted[(kind, name)]
            del ordered[bisect.bisect_left(ordered, (value, key))]
        return old

    def find(self, kind: str, /, **index: str) -> list[Doc]:
        """See :class:`mock_ksef.store.base.Store`."""
        with self._lock:
            docs = self._docs[kind]
            if index:
                sets = [self._keys.get((kind, name, value), set()) for name, value in index.items()]
                keys = set.intersection(*sorted(sets, key=len))
                hits = sorted((docs[key] for key in keys), key=lambda e: e.position)
            else:
                hits = sorted(docs.values(), key=lambda e: e.position)
        return [decode(entry.body) for entry in hits]

    def query(self, kind: str, query: Query) -> list[Hit]:
        """See :class:`mock_ksef.store.base.Store`; a bisected slice of one sorted index."""
        with self._lock:
            if query.order_by is None:
                pairs = [(key, key) for key in self._sorted_keys[kind]]
            else:
                pairs = self._sorted[(kind, query.order_by)]
            start, stop = _bounds(pairs, query)
            walk = range(stop - 1, start - 1, -1) if query.descending else range(start, stop)
            docs = self._docs[kind]
            hits: list[Hit] = []
            skip = query.offset
            for n in walk:
                value, key = pairs[n]
                entry = docs[key]
                if any(entry.index.get(k) != v for k, v in query.equal.items()):
                    continue
                if not all(test.passes(value) for test in query.slices):
                    continue
                if skip:
                    skip -= 1
                    continue
                if query.limit is not None and len(hits) >= query.limit:
                    break
                hits.append(Hit(key, value, {} if query.keys_only else decode(entry.body)))
        return hits

    def delete(self, kind: str, key: str) -> None:
        """See :class:`mock_ksef.store.base.Store`."""
        with self._lock:
            if self._unindex(kind, key) is not None:
                del self._docs[kind][key]
                ordered = self._sorted_keys[kind]
                del ordered[bisect.bisect_left(ordered, key)]

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

    def put_blobs(self, items: Iterable[tuple[str, bytes]]) -> None:
        """See :class:`mock_ksef.store.base.Store`."""
        with self._lock:
            for key, data in items:
                self._blobs[key] = bytes(data)

    def get_blob(self, key: str) -> bytes | None:
        """See :class:`mock_ksef.store.base.Store`."""
        with self._lock:
            return self._blobs.get(key)

    def delete_blob(self, key: str) -> None:
        """See :class:`mock_ksef.store.base.Store`."""
        with self._lock:
            self._blobs.pop(key, None)

    def compact(self) -> None:
        """Nothing to give back: deleted entries are gone already."""

    def reset(self) -> None:
        """See :class:`mock_ksef.store.base.Store`."""
        with self._lock:
            for table in (self._docs, self._keys, self._sorted, self._sorted_keys):
                table.clear()
            self._blobs.clear()
            self._sequences.clear()
            self._position = 0

    def close(self) -> None:
        """Nothing to release."""


def _merge(ordered: list[Any], items: list[Any]) -> None:
    """Add ``items`` to the sorted list ``ordered``, keeping it sorted."""
    if len(items) < _BISECT_MAX:
        for item in items:
            bisect.insort(ordered, item)
    else:  # two sorted runs: Timsort merges them with galloping, O(n) moves at most
        items.sort()
        ordered.extend(items)
        ordered.sort()


def _bounds(pairs: list[tuple[str, str]], query: Query) -> tuple[int, int]:
    """The slice of sorted ``(value, key)`` pairs within the bounds, past the cursor."""
    start, stop = 0, len(pairs)
    if query.low is not None:
        start = bisect.bisect_left(pairs, (query.low,))
    if query.high is not None:  # high + NUL is the next string after high
        stop = bisect.bisect_left(pairs, (query.high + "\0",))
    if query.below is not None:
        stop = min(stop, bisect.bisect_left(pairs, (query.below,)))
    if query.after is not None:
        mark = (query.after.value, query.after.key)
        if query.descending:
            stop = min(stop, bisect.bisect_left(pairs, mark))
        else:
            start = max(start, bisect.bisect_right(pairs, mark))
    return start, max(start, stop)
