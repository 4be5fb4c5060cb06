"""Batch parts on disk (:class:`~mock_ksef.domain.part_store.PartStore`) and the process
identity that owns a close in progress (:class:`~mock_ksef.domain.part_store.Worker`).

Layout: ``<root>/<session reference>/part-NN.bin`` (uploaded parts),
``part-NN.<token>.tmp`` (an upload being received). The root is ``batch_dir`` (a folder
every replica must mount when several share a store). Without ``batch_dir`` the parts
are kept in the store (:mod:`mock_ksef.batch_parts`), except with the memory store, which
no other process can share: then they are files in ``<state_dir>/batch``, or in a folder
of this process in the system temp dir (:func:`batch_root`).

A process is named ``<host>/<pid>@<start ticks>``. Whether the owner of a close still
lives is decided on the same host by its pid and start time (at once), and on another
host by its lease in the store (:class:`LeasedWorker`, ``docs/replicas.md``).
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from mock_ksef.settings import Settings
from mock_ksef.store.base import Store
from mock_ksef.store.kinds import WORKER_LEASE

#: ``<stage>:<index>``: processing stops for good at that checkpoint (kill -9 tests).
PAUSE_ENV = "MOCK_KSEF_TEST_PAUSE"
#: File written (``<stage>:<index> <reference>``) when the pause is reached.
PAUSE_FILE_ENV = "MOCK_KSEF_TEST_PAUSE_FILE"


def batch_root(settings: Settings, instance: object) -> Path:
    """Where part files live: ``batch_dir``, ``<state_dir>/batch`` or a temp folder."""
    if settings.batch_dir:
        return Path(settings.batch_dir)
    if settings.state_path is not None:
        return settings.state_path / "batch"
    return Path(tempfile.gettempdir()) / f"mock-ksef-batch-{os.getpid()}-{id(instance):x}"


class FilePartStore:
    """Parts as plain files, one folder per session."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def folder(self, reference: str) -> Path:
        """The folder of one session."""
        return self.root / reference

    def part_path(self, reference: str, ordinal: int) -> Path:
        """Where part ``ordinal`` of a session is kept once uploaded."""
        return self.folder(reference) / f"part-{ordinal:02d}.bin"

    def stage(self, reference: str, ordinal: int, chunks: Iterable[bytes]) -> str:
        """See :class:`~mock_ksef.domain.part_store.PartStore`."""
        folder = self.folder(reference)
        folder.mkdir(parents=True, exist_ok=True)
        temp = folder / f"part-{ordinal:02d}.{secrets.token_hex(8)}.tmp"
        try:
            with temp.open("wb") as out:
                for chunk in chunks:
                    out.write(chunk)
        except BaseException:
            temp.unlink(missing_ok=True)
            raise
        return str(temp)

    def commit(self, token: str) -> None:
        """See :class:`~mock_ksef.domain.part_store.PartStore`."""
        temp = Path(token)
        temp.replace(temp.with_name(temp.name.split(".", 1)[0] + ".bin"))

    def drop(self, token: str) -> None:
        """See :class:`~mock_ksef.domain.part_store.PartStore`."""
        Path(token).unlink(missing_ok=True)

    def has_part(self, reference: str, ordinal: int) -> bool:
        """See :class:`~mock_ksef.domain.part_store.PartStore`."""
        return self.part_path(reference, ordinal).is_file()

    @contextmanager
    def open_part(self, reference: str, ordinal: int) -> Iterator[BinaryIO]:
        """See :class:`~mock_ksef.domain.part_store.PartStore`."""
        with self.part_path(reference, ordinal).open("rb") as source:
            yield source

    def part_size(self, reference: str, ordinal: int) -> int:
        """See :class:`~mock_ksef.domain.part_store.PartStore`."""
        return self.part_path(reference, ordinal).stat().st_size

    def discard_scratch(self, reference: str) -> None:
        """See :class:`~mock_ksef.domain.part_store.PartStore`."""
        for temp in self.folder(reference).glob("*.tmp"):
            temp.unlink(missing_ok=True)

    def discard(self, reference: str) -> None:
        """See :class:`~mock_ksef.domain.part_store.PartStore`."""
        shutil.rmtree(self.folder(reference), ignore_errors=True)

    def references(self) -> list[str]:
        """See :class:`~mock_ksef.domain.part_store.PartStore`."""
        if not self.root.is_dir():
            return []
        return sorted(p.name for p in self.root.iterdir() if p.is_dir())

    def clear(self) -> None:
        """See :class:`~mock_ksef.domain.part_store.PartStore`."""
        shutil.rmtree(self.root, ignore_errors=True)


def _start_ticks(pid: int) -> str | None:
    """A process's start time in clock ticks since boot (Linux), or ``None``."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[1].split()[19]


def _pid_runs(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class ProcessWorker:
    """This process, named ``<pid>@<start>``: a reused pid never matches a dead owner."""

    def __init__(self, pause: str | None = None, pause_file: str | None = None) -> None:
        pid = os.getpid()
        self.owner = f"{pid}@{_start_ticks(pid) or time.time_ns()}"
        self._pause = pause if pause is not None else os.environ.get(PAUSE_ENV, "")
        self._pause_file = pause_file or os.environ.get(PAUSE_FILE_ENV, "")

    def alive(self, owner: str) -> bool:
        """Whether the process named ``owner`` still runs (same pid, same start)."""
        if owner == self.owner:
            return True
        pid_text, _, start = owner.partition("@")
        try:
            pid = int(pid_text)
        except ValueError:
            return False
        if not _pid_runs(pid):
            return False
        ticks = _start_ticks(pid)
        return ticks is None or ticks == start

    def checkpoint(self, reference: str, stage: str, index: int) -> None:
        """Stop here for good when ``MOCK_KSEF_TEST_PAUSE`` names this point."""
        if not self._pause or self._pause != f"{stage}:{index}":
            return
        if self._pause_file:
            Path(self._pause_file).write_text(f"{stage}:{index} {reference}\n")
        while True:  # until killed: the test's kill -9 lands exactly here
            time.sleep(3600)


class LeasedWorker(ProcessWorker):
    """A :class:`ProcessWorker` that also keeps a lease in the store for other hosts.

    :meth:`heartbeat` (every ``lease_s / 5`` seconds, ``services_upkeep.py``) renews
    ``worker-lease/<owner>`` to expire ``lease_s`` seconds of real time later. A process
    on another host whose lease has expired is dead: its closes may be taken over.
    """

    def __init__(
        self,
        store: Store,
        lease_s: float,
        *,
        host: str | None = None,
        wall: Callable[[], float] = time.time,
    ) -> None:
        super().__init__()
        self.host = host or socket.gethostname()
        self.owner = f"{self.host}/{self.owner}"
        self.lease_s = lease_s
        self._store = store
        #: Real time (leases must expire while a frozen mock clock stands still).
        self._wall = wall

    def heartbeat(self) -> None:
        """Renew this process's lease."""
        expires = self._wall() + self.lease_s
        self._store.put(WORKER_LEASE, self.owner, {"owner": self.owner, "expires": expires})

    def alive(self, owner: str) -> bool:
        """Same host: the pid and start time; another host: an unexpired lease."""
        if owner == self.owner:
            return True
        host, _, local = owner.rpartition("/")
        if not host or host == self.host:
            return super().alive(local)
        lease = self._store.get(WORKER_LEASE, owner)
        return lease is not None and float(lease["expires"]) > self._wall()
