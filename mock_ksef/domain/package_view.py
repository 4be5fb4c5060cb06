"""The decrypted package of a batch session, read in place from its encrypted parts.

The package is the concatenation of the parts' plaintexts. CBC decrypts at any block
given the ciphertext block before it, so a read decrypts only the bytes it needs,
straight from the part files: nothing decrypted is written to disk (writing the package
cost more than decrypting it). A Zip reader seeks and reads only headers and the XML
entries, so the filler of a large package is decrypted once, when it is hashed.
"""

from __future__ import annotations

import bisect
import io
from contextlib import ExitStack
from typing import BinaryIO

from mock_ksef.crypto.envelope import cbc_decrypt_blocks
from mock_ksef.domain.part_store import PartStore
from mock_ksef.seekable import SeekableRaw

BLOCK = 16
#: Read-ahead of the buffered view.
BUFFER = 1024 * 1024


class _RawView(SeekableRaw):
    def __init__(
        self,
        parts: PartStore,
        reference: str,
        key: bytes,
        iv: bytes,
        plain_sizes: list[tuple[int, int]],
    ) -> None:
        self._parts, self._reference, self._key, self._iv = parts, reference, key, iv
        self._ordinals = [ordinal for ordinal, _ in plain_sizes]
        self._sizes = [size for _, size in plain_sizes]
        self._starts: list[int] = []
        total = 0
        for size in self._sizes:
            self._starts.append(total)
            total += size
        super().__init__(total)
        self._stack = ExitStack()
        self._open: dict[int, BinaryIO] = {}

    def _part(self, index: int) -> BinaryIO:
        if index not in self._open:
            opened = self._parts.open_part(self._reference, self._ordinals[index])
            self._open[index] = self._stack.enter_context(opened)
        return self._open[index]

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        if self._pos >= self._size or not len(buffer):
            return 0
        index = bisect.bisect_right(self._starts, self._pos) - 1
        offset = self._pos - self._starts[index]
        count = min(len(buffer), self._sizes[index] - offset)
        first = offset // BLOCK * BLOCK
        end = -(-(offset + count) // BLOCK) * BLOCK
        source = self._part(index)
        if first:
            source.seek(first - BLOCK)
            iv = source.read(BLOCK)
        else:
            source.seek(0)
            iv = self._iv
        plain = cbc_decrypt_blocks(self._key, iv, source.read(end - first))
        data = plain[offset - first : offset - first + count]
        buffer[: len(data)] = data
        self._pos += len(data)
        return len(data)

    def close(self) -> None:
        self._stack.close()
        super().close()


def package_view(
    parts: PartStore, reference: str, key: bytes, iv: bytes, plain_sizes: list[tuple[int, int]]
) -> io.BufferedReader:
    """A seekable, read-only file of the package (close it when done).

    Args:
        parts: where the session's parts are kept.
        reference: the session.
        key: the session's AES key.
        iv: the session's IV (every part starts from it).
        plain_sizes: ``(ordinal, plaintext bytes)`` of each part, in package order.
    """
    return io.BufferedReader(_RawView(parts, reference, key, iv, plain_sizes), BUFFER)
