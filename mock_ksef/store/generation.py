"""Counters that every process sharing a state sees at once, read without a system call.

The read path keeps a few answers in memory per worker (the scenario of a login, "no token
was ever revoked"). A worker must drop them when another worker changes what they were
read from, so each such change bumps a counter here, and a cached answer is trusted only
while the counter it was taken under is unchanged:

* :data:`STATE` — bumped by a reset and by retention deleting authentication operations
  (what the login-scenario cache holds), *after* their transaction commits;
* :data:`REVOCATIONS` — bumped by every token revocation; ``0`` means no token of this
  state was ever revoked, so the revocation read can be skipped;
* :data:`RATE_LIMITS` — bumped by every ``/testdata/rate-limits`` write; ``0`` means no
  context has limits of its own, so the limiter's override read can be skipped.

With a SQLite store the counters live in a 64-byte file beside the database
(``<db>.generation``), mapped into memory: a read is a memory load, a bump takes the
file's ``flock`` (and a thread lock, since threads share one descriptor). A bump is
visible to every process that maps the file as soon as it is made, and it survives
``kill -9`` (it is in the page cache). A memory store lives in one process, so its
counters are plain integers.

A store shared over a network (PostgreSQL) keeps them in a table of its own and hands
them out with the shared-settings document that every request reads first
(:func:`read_counted`, the ``get_counted`` of a :class:`CountedStore`): the process keeps
the highest values it saw (:class:`ObservedGeneration`), so the counters cost no round
trip of their own, and a bump made anywhere before a request started is seen by that
request. A bump is one ``UPDATE``. Any other store has no counters:
:func:`generation_of` answers ``None`` and the callers read the store every time.
"""

from __future__ import annotations

import fcntl
import mmap
import os
import struct
import threading
import weakref
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from mock_ksef.store import kinds
from mock_ksef.store.base import Doc, Query, Store
from mock_ksef.store.memory import MemoryStore
from mock_ksef.store.sqlite import SqliteStore

STATE = 0
REVOCATIONS = 1
RATE_LIMITS = 2
#: Bumped after each write of the shared-settings document (``shared_state.py``).
SETTINGS = 3
#: The "was it ever written" counters and the kind they count (a state written before the
#: counters existed starts them at 1 when it holds such documents).
EVER = {REVOCATIONS: kinds.REVOKED_JTI, RATE_LIMITS: kinds.TESTDATA_RATE_LIMITS}
_SIZE = 64
_SLOT = struct.Struct("<Q")


class Generation(Protocol):
    """Counters of one state."""

    def read(self, slot: int) -> int:
        """The counter's value now."""
        ...

    def bump(self, slot: int) -> None:
        """Advance the counter (call after the change it announces is committed)."""
        ...


class LocalGeneration:
    """The counters of a state only this process uses (a memory store)."""

    def __init__(self) -> None:
        self._values = [0] * (_SIZE // _SLOT.size)
        self._lock = threading.Lock()

    def read(self, slot: int) -> int:
        """See :class:`Generation`."""
        return self._values[slot]

    def bump(self, slot: int) -> None:
        """See :class:`Generation`."""
        with self._lock:
            self._values[slot] += 1


class SharedGeneration:
    """The counters of a SQLite state: a small file mapped into every process using it.

    ``store``: the state the file belongs to (its :data:`EVER` counters start from it);
    ``None`` for counters of something else (the journal files' reset counter).
    """

    def __init__(self, path: Path, store: Store | None = None) -> None:
        self.path = path
        self.owner = os.getpid()
        self._lock = threading.Lock()
        self._fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(self._fd, fcntl.LOCK_EX)
        try:
            if os.fstat(self._fd).st_size < _SIZE:
                os.ftruncate(self._fd, _SIZE)
                for slot, kind in EVER.items():
                    if store is not None and store.query(kind, Query(limit=1)):  # older state
                        os.pwrite(self._fd, _SLOT.pack(1), slot * _SLOT.size)
        finally:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
        self._map = mmap.mmap(self._fd, _SIZE)
        weakref.finalize(self, os.close, self._fd)  # when its store is gone (tests make many)

    def read(self, slot: int) -> int:
        """See :class:`Generation`."""
        value: int = _SLOT.unpack_from(self._map, slot * _SLOT.size)[0]
        return value

    def bump(self, slot: int) -> None:
        """See :class:`Generation`."""
        with self._lock:
            fcntl.flock(self._fd, fcntl.LOCK_EX)
            try:
                _SLOT.pack_into(self._map, slot * _SLOT.size, self.read(slot) + 1)
            finally:
                fcntl.flock(self._fd, fcntl.LOCK_UN)


class CountedStore(Protocol):
    """A store that keeps the counters itself and reads them along with a document."""

    def get_counted(self, kind: str, key: str) -> tuple[Doc | None, Sequence[int]]:
        """``get(kind, key)`` and every counter, in one read."""
        ...

    def bump_generation(self, slot: int) -> int:
        """Advance one counter; its new value."""
        ...


class ObservedGeneration:
    """The counters of a :class:`CountedStore` as this process last saw them.

    Values only grow, so the highest seen is kept (threads may report reads out of
    order). Before the first :func:`read_counted` a read asks the store.
    """

    def __init__(self, store: CountedStore) -> None:
        self._store = store
        self._values: list[int] | None = None
        self._lock = threading.Lock()

    def observe(self, values: Sequence[int]) -> None:
        """Adopt counters read from the store (with the shared-settings document)."""
        with self._lock:
            seen = self._values
            self._values = list(values) if seen is None else list(map(max, seen, values))

    def read(self, slot: int) -> int:
        """See :class:`Generation` (as of the latest :func:`read_counted` in this process)."""
        values = self._values
        if values is None:
            self.observe(self._store.get_counted(kinds.SHARED_SETTINGS, "")[1])
            values = self._values
            assert values is not None
        return values[slot]

    def bump(self, slot: int) -> None:
        """See :class:`Generation`."""
        value = self._store.bump_generation(slot)
        with self._lock:
            if self._values is not None:
                self._values[slot] = max(self._values[slot], value)


_OF: weakref.WeakKeyDictionary[Store, Generation] = weakref.WeakKeyDictionary()
_OF_LOCK = threading.Lock()


def generation_of(store: Store) -> Generation | None:
    """The counters of ``store``'s state (opened once per store and process), or ``None``
    for a store whose other users this process cannot see."""
    found = _OF.get(store)
    if found is not None and getattr(found, "owner", None) in (None, os.getpid()):
        return found  # a forked worker maps (and locks) the file through its own descriptor
    if isinstance(store, SqliteStore):
        path = Path(f"{store.path}.generation")
        with _OF_LOCK:
            found = _OF[store] = SharedGeneration(path, store)
        return found
    if isinstance(store, MemoryStore):
        with _OF_LOCK:
            found = _OF.setdefault(store, LocalGeneration())
        return found
    if callable(getattr(store, "get_counted", None)):
        counted: CountedStore = store  # type: ignore[assignment]
        with _OF_LOCK:
            found = _OF.setdefault(store, ObservedGeneration(counted))
        return found
    return None


def read_counted(store: Store, kind: str, key: str) -> Doc | None:
    """``store.get(kind, key)``; a :class:`CountedStore` hands out its counters with it."""
    get_counted = getattr(store, "get_counted", None)
    if get_counted is None:
        return store.get(kind, key)
    doc, values = get_counted(kind, key)
    observe(store, values)
    return doc  # type: ignore[no-any-return]


def observe(store: Store, values: Sequence[int]) -> None:
    """Adopt the counters a :class:`CountedStore` handed out with a read."""
    generation = generation_of(store)
    if isinstance(generation, ObservedGeneration):
        generation.observe(values)


def never_written(store: Store, slot: int) -> bool:
    """Whether the documents an :data:`EVER` counter counts were never written to
    ``store`` (``False`` when unknown: a store without counters)."""
    generation = generation_of(store)
    return generation is not None and not generation.read(slot)


def bump(store: Store, slot: int) -> None:
    """Advance ``slot`` of ``store``'s counters, if it has any."""
    generation = generation_of(store)
    if generation is not None:
        generation.bump(slot)
