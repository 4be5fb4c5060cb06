"""In-memory store: dicts behind one re-entrant lock (the werkzeug server is threaded).

Documents are kept as their JSON text, exactly as the SQLite backend keeps them, so
callers never share mutable objects with the store and both backends return the same
values (tuples come back as lists, keys as strings).

The secondary indexes mirror SQLite's: a sorted list of ``(value, key)`` per
``(kind, name)`` answers both ``query`` (a bisected slice) and ``find`` (the run of one
value), so neither walks every document of a kind. A bulk write appends its pairs and
leaves the list to be sorted by the first call that reads it (one Timsort of the sorted
run and the new pairs): 100,000 stored invoices cost one sort per index actually read,
not one merge per index per chunk.
"""

from __future__ import annotations

import bisect
import threading
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, NamedTuple

from mock_ksef.store.base import Doc, Hit, Query, Row, decode, encode, unique_rows

#: Up to this many new values a bulk write inserts one by one; more are appended and
#: sorted when the list is next read.
_BISECT_MAX = 32


class _Entry(NamedTuple):
    """A stored document (a named tuple: a bulk write builds one per row, and a tuple is
    built several times faster than a frozen dataclass)."""

    position: int
    body: str
    values: dict[str, str]  # its index values (``index`` is a tuple method)


class MemoryStore:
    """State that lives as long as the process."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._docs: dict[str, dict[str, _Entry]] = defaultdict(dict)
        self._sorted: dict[tuple[str, str], list[tuple[str, str]]] = defaultdict(list)
        self._sorted_keys: dict[str, list[str]] = defaultdict(list)
        #: Lists (of ``_sorted`` and ``_sorted_keys``) with pairs appended since their sort.
        self._unsorted: set[tuple[str, str] | str] = set()
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
                bisect.insort(self._keys_of(kind), key)
            position = old.position if old else self._position
            self._docs[kind][key] = _Entry(position, body, values)
            for name, value in values.items():
                bisect.insort(self._ordered((kind, name)), (value, key))

    def put_many(self, kind: str, rows: Iterable[Row], *, replace: bool = True) -> list[str]:
        """See :class:`mock_ksef.store.base.Store`.

        The new ``(value, key)`` pairs are appended to the index lists, which the next
        read sorts (:meth:`_ordered`), instead of one ``insort`` per value, which moves
        the list's tail each time, or a sort per write, which reads the whole list.
        """
        unique = unique_rows(rows, replace=replace)
        new: list[str] = []
        added: dict[str, list[tuple[str, str]]] = defaultdict(list)
        with self._lock:
            docs = self._docs[kind]
            for key, (body, values) in unique.items():
                if key in docs:
                    if not replace:
                        continue
                    old = self._unindex(kind, key)
                    assert old is not None  # the key is in docs
                    position = old.position
                else:
                    self._position += 1
                    position = self._position
                    new.append(key)
                docs[key] = _Entry(position, body, values)
                for name, value in values.items():
                    added[name].append((value, key))
            self._merge(kind, self._sorted_keys[kind], new)
            for name, pairs in added.items():
                pair = (kind, name)
                self._merge(pair, self._sorted[pair], pairs)
        return new

    def _merge(self, name: tuple[str, str] | str, ordered: list[Any], items: list[Any]) -> None:
        """Add ``items`` to the index list ``ordered``: a few by bisection, many appended
        (``ordered`` is then sorted when next read)."""
        if len(items) < _BISECT_MAX and name not in self._unsorted:
            for item in items:
                bisect.insort(ordered, item)
        elif items:
            ordered += items
            self._unsorted.add(name)

    def _ordered(self, pair: tuple[str, str]) -> list[tuple[str, str]]:
        """The sorted ``(value, key)`` list of an index (sorted now if written in bulk)."""
        ordered = self._sorted[pair]
        if pair in self._unsorted:
            ordered.sort()  # the sorted run and the appended pairs: Timsort merges them
            self._unsorted.discard(pair)
        return ordered

    def _keys_of(self, kind: str) -> list[str]:
        """The sorted keys of a kind (sorted now if written in bulk)."""
        ordered = self._sorted_keys[kind]
        if kind in self._unsorted:
            ordered.sort()
            self._unsorted.discard(kind)
        return ordered

    def _unindex(self, kind: str, key: str) -> _Entry | None:
        """Drop ``key``'s index entries (not the document); its entry, if any."""
        old = self._docs[kind].get(key)
        for name, value in (old.values if old else {}).items():
            ordered = self._ordered((kind, name))
            del ordered[bisect.bisect_left(ordered, (value, key))]
        return old

    def find(self, kind: str, /, **index: str) -> list[Doc]:
        """See :class:`mock_ksef.store.base.Store`."""
        with self._lock:
            docs = self._docs[kind]
            if index:
                # The run of each value in its sorted list; the shortest drives.
                runs = [self._run(kind, name, value) for name, value in index.items()]
                keys = min(runs, key=len)
                found = (docs[key] for key in keys)
                hits = sorted(
                    (e for e in found if all(e.values.get(n) == v for n, v in index.items())),
                    key=lambda e: e.position,
                )
            else:
                hits = sorted(docs.values(), key=lambda e: e.position)
        return [decode(entry.body) for entry in hits]

    def _run(self, kind: str, name: str, value: str) -> list[str]:
        """The keys whose ``name`` index value is ``value`` (one bisected run)."""
        ordered = self._ordered((kind, name))
        start = bisect.bisect_left(ordered, (value,))
        stop = bisect.bisect_left(ordered, (value + "\0",), start)
        return [key for _, key in ordered[start:stop]]

    def query(self, kind: str, query: Query) -> list[Hit]:
        """See :class:`mock_ksef.store.base.Store`; a bisected slice of one sorted index."""
        with self._lock:
            if query.order_by is None:
                pairs = [(key, key) for key in self._keys_of(kind)]
            else:
                pairs = self._ordered((kind, query.order_by))
            start, stop = _bounds(pairs, query)
            walk = range(stop - 1, start - 1, -1) if query.descending else range(start, stop)
            docs = self._docs[kind]
            hits: list[Hit] = []
            skip = query.offset
            for n in walk:
                value, key = pairs[n]
                entry = docs[key]
                if any(entry.values.get(k) != v for k, v in query.equal.items()):
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
                ordered = self._keys_of(kind)
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
            for table in (self._docs, self._sorted, self._sorted_keys):
                table.clear()
            self._unsorted.clear()
            self._blobs.clear()
            self._sequences.clear()
            self._position = 0

    def close(self) -> None:
        """Nothing to release."""


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
