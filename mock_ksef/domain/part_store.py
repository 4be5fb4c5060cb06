"""What the batch domain needs from the outside world: part files and process identity.

The domain never opens a file, names a folder or asks for its process id: it talks to a
:class:`PartStore` (uploaded parts) and a
:class:`Worker` (who is processing a close, and whether that process still lives). The
file-system implementation is :mod:`mock_ksef.batch_files`.
"""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import AbstractContextManager
from typing import BinaryIO, Protocol


class PartStore(Protocol):
    """Where uploaded parts are kept, per session."""

    def stage(self, reference: str, ordinal: int, chunks: Iterable[bytes]) -> str:
        """Write ``chunks`` to a staging file; returns a token for :meth:`commit`.

        Nothing is kept when ``chunks`` raises (the exception propagates).
        """
        ...

    def commit(self, token: str) -> None:
        """Make a staged part the session's part ``ordinal`` (replacing an earlier one)."""
        ...

    def drop(self, token: str) -> None:
        """Forget a staged part that was refused."""
        ...

    def has_part(self, reference: str, ordinal: int) -> bool:
        """Whether part ``ordinal`` of the session is kept."""
        ...

    def open_part(self, reference: str, ordinal: int) -> AbstractContextManager[BinaryIO]:
        """Part ``ordinal`` for reading."""
        ...

    def part_size(self, reference: str, ordinal: int) -> int:
        """Bytes kept for part ``ordinal``."""
        ...

    def discard_scratch(self, reference: str) -> None:
        """Delete the session's scratch files (an interrupted upload's); its parts stay."""
        ...

    def discard(self, reference: str) -> None:
        """Delete everything kept for the session."""
        ...

    def references(self) -> list[str]:
        """Sessions with anything kept, for the start-up clean-up."""
        ...

    def clear(self) -> None:
        """Delete everything (a reset of the mock)."""
        ...


class Worker(Protocol):
    """The process running the domain, as the owner of a batch close in progress."""

    @property
    def owner(self) -> str:
        """An id of this process that no other process, now or later, shares."""
        ...

    def alive(self, owner: str) -> bool:
        """Whether the process named ``owner`` still runs."""
        ...

    def checkpoint(self, reference: str, stage: str, index: int) -> None:
        """Called at each step of processing; a test build may pause here to be killed."""
        ...
