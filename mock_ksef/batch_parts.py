"""Batch parts kept in the store (:class:`~mock_ksef.domain.part_store.PartStore`).

The default wherever the store can be shared (``docs/replicas.md``): a part uploaded to
one replica is read by the replica that processes the close. Each upload is a blob
``batch-part/<reference>/<NN>/<n>`` (``n`` from the store's ``batch-part`` sequence, so
two uploads never share a key) described by a document:

* ``batch-scratch`` (key: the blob key) while the upload is received and checked;
* ``batch-part`` (key: ``<reference>|<NN>``) once :meth:`StorePartStore.commit` made it
  the session's part, which happens in the transaction that records the upload, so a
  201 always means the part is in the store. The blob of a part it replaces goes in the
  same transaction.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import BinaryIO

from mock_ksef.store.base import Doc, Store
from mock_ksef.store.kinds import BATCH_PART, BATCH_SCRATCH


def _part_key(reference: str, ordinal: int) -> str:
    return f"{reference}|{ordinal:02d}"


class StorePartStore:
    """Parts as store blobs, indexed by session reference."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def _part(self, reference: str, ordinal: int) -> Doc:
        doc = self._store.get(BATCH_PART, _part_key(reference, ordinal))
        if doc is None:
            raise FileNotFoundError(f"part {ordinal} of {reference} is not in the store")
        return doc

    def stage(self, reference: str, ordinal: int, chunks: Iterable[bytes]) -> str:
        """See :class:`~mock_ksef.domain.part_store.PartStore`."""
        data = b"".join(chunks)  # raises before anything is written
        blob = f"batch-part/{reference}/{ordinal:02d}/{self._store.next_sequence('batch-part')}"
        doc = {"reference": reference, "ordinal": ordinal, "blob": blob, "size": len(data)}
        with self._store.transaction():
            self._store.put_blob(blob, data)
            self._store.put(BATCH_SCRATCH, blob, doc, {"reference": reference})
        return blob

    def commit(self, token: str) -> None:
        """See :class:`~mock_ksef.domain.part_store.PartStore`."""
        with self._store.transaction():
            staged = self._store.get(BATCH_SCRATCH, token)
            if staged is None:
                raise FileNotFoundError(f"no upload {token} is staged")
            reference, ordinal = str(staged["reference"]), int(staged["ordinal"])
            key = _part_key(reference, ordinal)
            old = self._store.get(BATCH_PART, key)
            self._store.put(BATCH_PART, key, staged, {"reference": reference})
            self._store.delete(BATCH_SCRATCH, token)
            if old is not None and old["blob"] != token:
                self._store.delete_blob(str(old["blob"]))

    def drop(self, token: str) -> None:
        """See :class:`~mock_ksef.domain.part_store.PartStore`."""
        with self._store.transaction():
            if self._store.get(BATCH_SCRATCH, token) is not None:
                self._store.delete(BATCH_SCRATCH, token)
                self._store.delete_blob(token)

    def has_part(self, reference: str, ordinal: int) -> bool:
        """See :class:`~mock_ksef.domain.part_store.PartStore`."""
        return self._store.get(BATCH_PART, _part_key(reference, ordinal)) is not None

    @contextmanager
    def open_part(self, reference: str, ordinal: int) -> Iterator[BinaryIO]:
        """See :class:`~mock_ksef.domain.part_store.PartStore`."""
        blob = str(self._part(reference, ordinal)["blob"])
        data = self._store.get_blob(blob)
        if data is None:
            raise FileNotFoundError(f"the blob {blob} of {reference} is missing")
        with io.BytesIO(data) as source:
            yield source

    def part_size(self, reference: str, ordinal: int) -> int:
        """See :class:`~mock_ksef.domain.part_store.PartStore`."""
        return int(self._part(reference, ordinal)["size"])

    def _forget(self, kind: str, docs: list[Doc]) -> None:
        with self._store.transaction():
            for doc in docs:
                self._store.delete_blob(str(doc["blob"]))
                key = (
                    str(doc["blob"])
                    if kind == BATCH_SCRATCH
                    else _part_key(str(doc["reference"]), int(doc["ordinal"]))
                )
                self._store.delete(kind, key)

    def discard_scratch(self, reference: str) -> None:
        """See :class:`~mock_ksef.domain.part_store.PartStore`."""
        self._forget(BATCH_SCRATCH, self._store.find(BATCH_SCRATCH, reference=reference))

    def discard(self, reference: str) -> None:
        """See :class:`~mock_ksef.domain.part_store.PartStore`."""
        with self._store.transaction():
            self.discard_scratch(reference)
            self._forget(BATCH_PART, self._store.find(BATCH_PART, reference=reference))

    def references(self) -> list[str]:
        """See :class:`~mock_ksef.domain.part_store.PartStore`."""
        docs = self._store.find(BATCH_PART) + self._store.find(BATCH_SCRATCH)
        return sorted({str(doc["reference"]) for doc in docs})

    def clear(self) -> None:
        """See :class:`~mock_ksef.domain.part_store.PartStore`."""
        with self._store.transaction():
            self._forget(BATCH_SCRATCH, self._store.find(BATCH_SCRATCH))
            self._forget(BATCH_PART, self._store.find(BATCH_PART))
