"""The store interface: a small document store with secondary indexes, blobs and sequences.

Domain repositories (``domain/repos.py``) encode their dataclasses to JSON-ready dicts and
keep them here, so a backend never needs to know a domain type (WireMock's ``Store``).
The memory, SQLite and PostgreSQL backends pass one contract suite
(``tests/store/test_contract.py``).

Every hot-path call is index-backed in every backend, so its cost does not grow with the
number of stored documents: ``get``/``put``/``delete`` by key, ``find`` by index values
(cost ~ the number of matches), ``query`` over one ordered index (cost ~ the page), and
``next_sequence``. Nothing here speaks SQL: the PostgreSQL backend implements the same
calls over a ``(kind, name, value, key)`` B-tree (``store/postgres.py``,
``docs/postgresql.md``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any, NamedTuple, Protocol

Doc = dict[str, Any]
#: One document of a bulk write: ``(key, doc, index)``, as :meth:`Store.put` takes them.
Row = tuple[str, Doc, Mapping[str, str] | None]


@dataclass(frozen=True)
class Cursor:
    """Where a keyset page ended: the last hit's order value and key."""

    value: str
    key: str


@dataclass(frozen=True)
class Slice:
    """A test on part of the ordered index value, compared as text (code points).

    ``value[start:start + width]`` (``width`` ``None``: to the end of the value) must be
    ``op`` the ``operand``: ``"eq"`` equal, ``"in"`` one of a tuple (an empty tuple matches
    nothing), ``"ge"`` / ``"le"`` at least / at most. A value too short to hold the slice
    compares as the part it has. Every backend tests the index row itself, without
    reading the document: a caller that lays its fields out at fixed positions of the
    value filters a range at the cost of its index rows (a covering scan).
    """

    start: int
    width: int | None
    op: str  # eq | in | ge | le
    operand: str | tuple[str, ...]

    def __post_init__(self) -> None:
        if self.start < 0 or (self.width is not None and self.width < 1):
            raise ValueError(f"a slice needs start >= 0 and width >= 1, not {self}")
        if self.op not in ("eq", "in", "ge", "le") or (self.op == "in") != isinstance(
            self.operand, tuple
        ):
            raise ValueError(f"a slice compares eq/ge/le with a text or in with a tuple: {self}")

    def passes(self, value: str) -> bool:
        """Whether ``value`` passes (the memory backend's test; SQL backends say the same)."""
        part = (
            value[self.start :]
            if self.width is None
            else value[self.start : self.start + self.width]
        )
        operand = self.operand
        if isinstance(operand, tuple):
            return part in operand
        if self.op == "eq":
            return part == operand
        return part >= operand if self.op == "ge" else part <= operand


@dataclass(frozen=True)
class Query:
    """Documents of one kind in the order of one index, optionally ranged and paged.

    Index values compare as text (code points), so dates must be indexed in one
    fixed-width UTC form (``timefmt``-style ISO text) to sort and range correctly.
    Ties are broken by document key, in the same direction as the order.
    """

    #: The index name to order and range by; ``None`` orders by document key.
    order_by: str | None = None
    #: Inclusive lower / upper bounds on the ordered value (``None``: unbounded).
    low: str | None = None
    high: str | None = None
    #: Exclusive upper bound (a half-open range ``[low, below)``).
    below: str | None = None
    #: Other index values that must all match (checked per row of the ordered range:
    #: for a selective subset, index a composite value and range over it instead).
    equal: Mapping[str, str] = field(default_factory=dict)
    descending: bool = False
    #: Continue after this hit (keyset paging; never an offset over everything).
    after: Cursor | None = None
    #: At most this many hits (``None``: all of them).
    limit: int | None = None
    #: Skip this many hits first. Only for small bounded offsets (the retrieval side's
    #: 10,000-record cap); page through anything larger with ``after``.
    offset: int = 0
    #: Tests on the ordered value each hit must pass (before ``offset`` and ``limit``).
    slices: tuple[Slice, ...] = ()
    #: Return hits without their documents (``doc`` is ``{}``): the index rows alone are
    #: read, so a page costs its index rows, not its documents.
    keys_only: bool = False


class Hit(NamedTuple):
    """One document a :class:`Query` found, with its key and order value.

    A named tuple (not a frozen dataclass): a walk builds one per row, and a tuple
    is built about three times faster.
    """

    key: str
    value: str
    doc: Doc

    @property
    def cursor(self) -> Cursor:
        """The cursor that continues after this hit."""
        return Cursor(self.value, self.key)


class Store(Protocol):
    """Persistence for the mock's state."""

    def transaction(self) -> AbstractContextManager[None]:
        """Serialise a read-modify-write sequence; re-entrant within one thread.

        Nested blocks join the outermost one. The SQLite and PostgreSQL backends also
        roll the writes back when the block raises, and serialise the blocks of every
        process on the same state; the memory backend only serialises its own threads.
        """
        ...

    def get(self, kind: str, key: str) -> Doc | None:
        """A fresh copy of the document ``key`` of ``kind``, or ``None``."""
        ...

    def put(self, kind: str, key: str, doc: Doc, index: Mapping[str, str] | None = None) -> None:
        """Insert or replace a document; ``index`` names values ``find`` can match on.

        ``doc`` must be JSON-ready: both backends keep its JSON text, so a caller never
        shares objects with the store and tuples come back as lists. A replaced document
        keeps its original insertion position; its index is replaced as a whole.
        """
        ...

    def put_many(self, kind: str, rows: Iterable[Row], *, replace: bool = True) -> list[str]:
        """Write many documents of one kind at once; the keys that were not there before.

        Exactly what :meth:`put` of each row in order does (in one transaction), but in a
        few statements: new keys take consecutive positions in row order. A key given
        twice counts once: its first row decides its position, its last row (with
        ``replace=False``: its first) its document. With ``replace=False`` a key already
        stored keeps its document and index (the rows of such keys are skipped).
        """
        ...

    def find(self, kind: str, /, **index: str) -> list[Doc]:
        """Documents of ``kind`` whose index values equal all of ``index``, oldest first.

        "Oldest" is the first insertion: replacing a document keeps its position.
        """
        ...

    def query(self, kind: str, query: Query) -> list[Hit]:
        """Documents of ``kind`` that carry the ``query.order_by`` index, in its order.

        With ``order_by=None`` every document of the kind takes part, ordered by key.
        """
        ...

    def delete(self, kind: str, key: str) -> None:
        """Remove a document, if present."""
        ...

    def next_sequence(self, name: str) -> int:
        """The next value (1, 2, ...) of a named counter that survives restarts."""
        ...

    def put_blob(self, key: str, data: bytes) -> None:
        """Keep raw bytes under ``key``."""
        ...

    def put_blobs(self, items: Iterable[tuple[str, bytes]]) -> None:
        """:meth:`put_blob` for each ``(key, data)`` in order, in one transaction."""
        ...

    def get_blob(self, key: str) -> bytes | None:
        """Raw bytes kept under ``key``, or ``None``."""
        ...

    def delete_blob(self, key: str) -> None:
        """Forget the bytes kept under ``key``, if any."""
        ...

    def compact(self) -> None:
        """Give the space of deleted data back (SQLite: ``VACUUM``); a no-op in memory."""
        ...

    def reset(self) -> None:
        """Forget everything."""
        ...

    def close(self) -> None:
        """Release resources."""
        ...


#: One encoder for every document (``json.dumps`` with options builds one per call).
_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def encode(doc: Doc) -> str:
    """The JSON text both backends keep (insertion order of keys preserved)."""
    return _ENCODER.encode(doc)


#: The C scanner behind ``json.loads``, without its per-call checks (whitespace around
#: the value, the text's type): about 2.5 times faster on a small document.
_SCAN = json.JSONDecoder().scan_once  # type: ignore[attr-defined]


def decode(text: str | bytes) -> Doc:
    """A document back from :func:`encode`'s text (or any JSON object's UTF-8 bytes).

    Integers of any size come back exact (``orjson`` would turn one beyond 64 bits into
    a float); measured faster than ``orjson`` on str input too (no re-encoding).
    """
    if isinstance(text, bytes):
        text = text.decode()
    try:
        doc, end = _SCAN(text, 0)
    except StopIteration:
        end = -1
    if end != len(text) or not isinstance(doc, dict):
        # Not a text encode() wrote: json.loads says what is wrong with it.
        loaded: Doc = json.loads(text)
        return loaded
    return doc


def unique_rows(rows: Iterable[Row], *, replace: bool) -> dict[str, tuple[str, dict[str, str]]]:
    """``key -> (JSON text, index values as text)`` of a bulk write, in first-seen order.

    A key given twice keeps its first position; its last row wins (``replace=False``:
    its first, as a store that keeps existing documents would).
    """
    unique: dict[str, tuple[str, dict[str, str]]] = {}
    # One document object given for several keys is encoded once (held here, so that
    # its id is not reused by another document while the rows are read).
    texts: dict[int, tuple[Doc, str]] = {}
    for key, doc, index in rows:
        if not replace and key in unique:
            continue
        seen = texts.get(id(doc))
        text = seen[1] if seen is not None else encode(doc)
        if seen is None:
            texts[id(doc)] = (doc, text)
        unique[key] = (text, {name: str(value) for name, value in (index or {}).items()})
    return unique
