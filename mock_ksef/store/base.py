"""The store interface: a small document store with secondary indexes, blobs and sequences.

Domain repositories (``domain/repos.py``) encode their dataclasses to JSON-ready dicts and
keep them here, so a backend never needs to know a domain type (WireMock's ``Store``).
Both backends pass one contract suite (``tests/store/test_contract.py``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from contextlib import AbstractContextManager
from typing import Any, Protocol

Doc = dict[str, Any]


class Store(Protocol):
    """Persistence for the mock's state."""

    def transaction(self) -> AbstractContextManager[None]:
        """Serialise a read-modify-write sequence; re-entrant within one thread.

        Nested blocks join the outermost one. The SQLite backend also rolls the writes
        back when the block raises; the memory backend only serialises.
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

    def find(self, kind: str, /, **index: str) -> list[Doc]:
        """Documents of ``kind`` whose index values equal all of ``index``, oldest first.

        "Oldest" is the first insertion: replacing a document keeps its position.
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

    def get_blob(self, key: str) -> bytes | None:
        """Raw bytes kept under ``key``, or ``None``."""
        ...

    def reset(self) -> None:
        """Forget everything."""
        ...

    def close(self) -> None:
        """Release resources."""
        ...


def matches(doc_index: Mapping[str, str], wanted: Mapping[str, str]) -> bool:
    """Whether a document's index values include all of ``wanted``."""
    return all(doc_index.get(name) == value for name, value in wanted.items())


def encode(doc: Doc) -> str:
    """The JSON text both backends keep (insertion order of keys preserved)."""
    return json.dumps(doc, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def decode(text: str) -> Doc:
    """A document back from :func:`encode`'s text."""
    doc: Doc = json.loads(text)
    return doc
