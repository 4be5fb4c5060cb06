"""A read-only, seekable raw stream of known size: the common part of the mock's views.

Subclasses set ``_size`` and implement ``readinto`` from ``_pos`` (advancing it); this
class answers ``seek``/``tell`` (a seek past the end reads nothing, as a file does).
Used by the batch package view (``domain/package_view.py``) and the parts read back
from store blobs (``batch_parts.py``).
"""

from __future__ import annotations

import io


class SeekableRaw(io.RawIOBase):
    """``readable``, ``seekable``, ``tell`` and ``seek`` over ``_pos`` and ``_size``."""

    def __init__(self, size: int) -> None:
        super().__init__()
        self._size = size
        self._pos = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self._size}[whence]
        self._pos = max(0, base + offset)
        return self._pos
