"""Batch parts kept in the store (:class:`~mock_ksef.domain.part_store.PartStore`).

The default wherever the store can be shared (``docs/replicas.md``): a part uploaded to
one replica is read by the replica that processes the close. Each upload is a series of
blobs ``batch-part/<reference>/<NN>/<n>/<chunk>`` of :data:`CHUNK` bytes (``n`` from the
store's ``batch-part`` sequence, so two uploads never share a key), written as the body
arrives and read back one chunk at a time, so neither an upload nor a close holds a
whole part in memory. A document describes the upload:

* ``batch-scratch`` (key: the upload's key) while it is received and checked; it counts
  the chunks written so far, so an upload cut off by a kill can be deleted;
* ``batch-part`` (key: ``<reference>|<NN>``) once :meth:`StorePartStore.commit` made it
  the session's part, which happens in the transaction that records the upload, so a
  201 always means the part is in the store. The chunks of a part it replaces go in the
  same transaction.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import BinaryIO

from mock_ksef.seekable import SeekableRaw
from mock_ksef.store.base import Doc, Store
from mock_ksef.store.kinds import BATCH_PART, BATCH_SCRATCH

#: Bytes per blob of a part.
CHUNK = 4 * 1024 * 1024


def _part_key(reference: str, ordinal: int) -> str:
    return f"{reference}|{ordinal:02d}"


class _ChunkedReader(SeekableRaw):
    """A part read back from its chunk blobs, one chunk in memory at a time."""

    def __init__(self, store: Store, doc: Doc) -> None:
        super().__init__(int(doc["size"]))
        self._store, self._blob = store, str(doc["blob"])
        self._cached: tuple[int, bytes] | None = None

    def _chunk(self, index: int) -> bytes:
        if self._cached is None or self._cached[0] != index:
            data = self._store.get_blob(f"{self._blob}/{index}")
            if data is None:
                raise FileNotFoundError(f"chunk {index} of {self._blob} is missing")
            self._cached = (index, data)
        return self._cached[1]

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        if self._pos >= self._size or not len(buffer):
            return 0
        index, offset = divmod(self._pos, CHUNK)
        data = self._chunk(index)[offset : offset + len(buffer)]
        buffer[: len(data)] = data
        self._pos += len(data)
        return len(data)


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
        blob = f"batch-part/{reference}/{ordinal:02d}/{self._store.next_sequence('batch-part')}"
        doc: Doc = {"reference": reference, "ordinal": ordinal, "blob": blob}
        doc |= {"size": 0, "chunks": 0}
        index = {"reference": reference}
        self._store.put(BATCH_SCRATCH, blob, doc, index)
        pending = bytearray()
        try:
            for piece in chunks:
                pending += piece
                while len(pending) >= CHUNK:
                    self._write_chunk(doc, bytes(pending[:CHUNK]))
                    del pending[:CHUNK]
            if pending or not doc["chunks"]:
                self._write_chunk(doc, bytes(pending))
        except BaseException:
            self.drop(blob)
            raise
        return blob

    def _write_chunk(self, doc: Doc, data: bytes) -> None:
        with self._store.transaction():
            self._store.put_blob(f"{doc['blob']}/{doc['chunks']}", data)
            doc["chunks"] += 1
            doc["size"] += len(data)
            self._store.put(BATCH_SCRATCH, str(doc["blob"]), doc, {"reference": doc["reference"]})

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
                self._delete_chunks(old)

    def _delete_chunks(self, doc: Doc) -> None:
        for index in range(int(doc["chunks"]) + 1):  # + 1: one being written when killed
            self._store.delete_blob(f"{doc['blob']}/{index}")

    def drop(self, token: str) -> None:
        """See :class:`~mock_ksef.domain.part_store.PartStore`."""
        with self._store.transaction():
            staged = self._store.get(BATCH_SCRATCH, token)
            if staged is not None:
                self._store.delete(BATCH_SCRATCH, token)
                self._delete_chunks(staged)

    def has_part(self, reference: str, ordinal: int) -> bool:
        """See :class:`~mock_ksef.domain.part_store.PartStore`."""
        return self._store.get(BATCH_PART, _part_key(reference, ordinal)) is not None

    @contextmanager
    def open_part(self, reference: str, ordinal: int) -> Iterator[BinaryIO]:
        """See :class:`~mock_ksef.domain.part_store.PartStore`."""
        raw = _ChunkedReader(self._store, self._part(reference, ordinal))
        with io.BufferedReader(raw, CHUNK) as source:
            yield source

    def part_size(self, reference: str, ordinal: int) -> int:
        """See :class:`~mock_ksef.domain.part_store.PartStore`."""
        return int(self._part(reference, ordinal)["size"])

    def _forget(self, kind: str, docs: list[Doc]) -> None:
        with self._store.transaction():
            for doc in docs:
                self._delete_chunks(doc)
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
