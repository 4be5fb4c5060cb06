"""The request journal of a SQLite state: append-only files beside the database, no locks.

Writing a journal entry into SQLite cost two write transactions per request (the
sequence at the start, the entry at the end), and every worker process queued on the
file's write lock for them. This backend keeps the journal in a folder next to the
database (``<db>.requests/``), shared by every process that opens the same state, and
takes no lock on the request path (a lock held across the GIL hand-overs of a threaded
worker stalls every other worker behind it):

* ``tickets``: the sequence. A request starting appends one byte with ``O_APPEND`` on a
  descriptor of its own thread; the file's size after that write, which the kernel
  sets atomically, is the request's sequence. Workers thus hand out one dense sequence
  in the order requests start;
* ``<tickets inode>-<size>-<n>.jsonl``: the entries of sequences ``n*size+1 …
  (n+1)*size``, one JSON line per finished request, appended with a single ``write``.
  The entry is in the page cache before the answer leaves, so a request answered is
  never missing from a later read, from any worker, even after ``kill -9``;
* ``cleared``: ``<tickets inode> <sequence>`` of the last ``DELETE /_mock/requests``;
* ``generation``: a counter mapped into memory (``store/generation.py``), bumped by each
  reset after it replaced ``tickets``: a request checks it (a memory read) instead of
  asking the kernel whether its ``tickets`` descriptor is still linked (one system call,
  and one GIL hand-over, fewer per request).

Whoever opens a new segment file first deletes the files that can hold none of the
newest ``size`` sequences, so the folder stays bounded (at most about 2 × ``size`` lines)
without a file ever being rewritten. A reader parses only the bytes appended since its
last read (per file), sorts by sequence and returns the newest ``size``. A reset replaces
``tickets`` by a new, empty file (sequences start at 1 again): entries are tagged by the
file they took their ticket from, so those of requests still running across the reset
(or a clear) are never listed.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
from pathlib import Path
from typing import Any

import orjson

from mock_ksef.store.base import Doc, decode
from mock_ksef.store.generation import SharedGeneration

_TICKETS = "tickets"
_CLEARED = "cleared"
_GENERATION = "generation"
#: The counter slot of ``generation`` that resets bump.
_RESETS = 0
_APPEND = os.O_WRONLY | os.O_APPEND | os.O_CREAT
#: Reservations remembered until their entry is written (more would be a leak).
_PENDING_MAX = 100_000


class FileJournal:
    """The journal files of one state folder, as seen by one process."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self._pid = os.getpid()
        self._resets = SharedGeneration(folder / _GENERATION)
        self._local = threading.local()
        self._lock = threading.Lock()  # this process's bookkeeping only, never across I/O
        #: sequence -> tickets inode, between reserve and record.
        self._pending: dict[int, int] = {}
        #: Per file name: (inode, bytes parsed, entries parsed) of this process's last read.
        self._read: dict[str, tuple[int, int, list[Doc]]] = {}

    def _tickets(self) -> _Descriptor:
        """This thread's descriptor of ``tickets``, opened again after a reset."""
        resets = self._resets.read(_RESETS)  # before the open: a reset after it is seen next time
        held: _Descriptor | None = getattr(self._local, "tickets", None)
        if held is None or held.resets != resets:
            fd = os.open(self.folder / _TICKETS, _APPEND, 0o600)
            held = self._local.tickets = _Descriptor(fd, inode=os.fstat(fd).st_ino, resets=resets)
        return held

    def reserve(self, size: int) -> int:
        """The next sequence (one byte appended to ``tickets``; no lock)."""
        del size  # segments are sized when entries are written
        held = self._tickets()
        os.write(held.fd, b"\0")
        sequence = os.lseek(held.fd, 0, os.SEEK_CUR)
        with self._lock:
            if len(self._pending) > _PENDING_MAX:  # requests that never ended (none expected)
                self._pending.clear()
            self._pending[sequence] = held.inode
        return sequence

    def record(self, entry: Doc, sequence: int, size: int) -> None:
        """Append ``entry`` to the segment of ``sequence``."""
        with self._lock:
            inode = self._pending.pop(sequence, None)
        if inode is None:
            inode = self._tickets_inode()
            if inode is None:
                return
        name = f"{inode}-{size}-{(sequence - 1) // size}.jsonl"
        held: _Descriptor | None = getattr(self._local, "segment", None)
        if held is None or held.name != name:
            fd = self._open_segment(name, inode, sequence, size)
            if fd is None:
                return
            held = self._local.segment = _Descriptor(fd, name)  # the previous one closes
        os.write(held.fd, _line({"sequence": sequence, **entry}))

    def _open_segment(self, name: str, inode: int, sequence: int, size: int) -> int | None:
        path = self.folder / name
        try:
            fd = os.open(path, _APPEND | os.O_EXCL, 0o600)
        except FileExistsError:
            return os.open(path, _APPEND, 0o600)
        # The first writer of a segment sweeps what no reader needs any more.
        current = self._tickets_inode()
        if current != inode:  # a ticket from before a reset: nobody lists it
            os.close(fd)
            path.unlink(missing_ok=True)
            return None
        self._sweep(inode, sequence - size)
        return fd

    def _sweep(self, inode: int, below: int) -> None:
        """Delete segment files of other tickets, or holding only sequences ≤ ``below``."""
        for path in self.folder.glob("*.jsonl"):
            parts = _parts(path.name)
            if parts is None:
                continue
            owner, size, number = parts
            if owner != inode or (number + 1) * size <= below:
                path.unlink(missing_ok=True)

    def _tickets_inode(self) -> int | None:
        try:
            return os.stat(self.folder / _TICKETS).st_ino
        except FileNotFoundError:
            return None

    def entries(self, size: int) -> list[Doc]:
        """The newest ``size`` entries, oldest first."""
        inode = self._tickets_inode()
        if inode is None or size <= 0:
            return []
        cleared = self._cleared(inode)
        found: list[Doc] = []
        names = set()
        for path in self.folder.glob(f"{inode}-*.jsonl"):
            names.add(path.name)
            found.extend(self._parsed(path))
        with self._lock:
            for name in [n for n in self._read if n not in names]:
                del self._read[name]
        found = [e for e in found if int(e["sequence"]) > cleared]
        found.sort(key=lambda e: int(e["sequence"]))
        return found[-size:]

    def _parsed(self, path: Path) -> list[Doc]:
        try:
            with open(path, "rb") as handle:
                inode = os.fstat(handle.fileno()).st_ino
                with self._lock:
                    known, offset, parsed = self._read.get(path.name, (inode, 0, []))
                if known != inode:
                    offset, parsed = 0, []
                handle.seek(offset)
                chunk = handle.read()
        except FileNotFoundError:
            return []
        end = chunk.rfind(b"\n") + 1  # a line still being written is read next time
        if end:
            parsed = parsed + [_loads(line) for line in chunk[:end].splitlines() if line]
            with self._lock:
                self._read[path.name] = (inode, offset + end, parsed)
        return parsed

    def _cleared(self, inode: int) -> int:
        with contextlib.suppress(FileNotFoundError, ValueError):
            owner, sequence = (self.folder / _CLEARED).read_text().split()
            if int(owner) == inode:
                return int(sequence)
        return 0

    def clear(self, *, restart: bool = False) -> None:
        """Forget every entry; ``restart``: sequences begin at 1 again (a new ``tickets``)."""
        if restart:
            fresh = self.folder / f"{_TICKETS}.{os.getpid()}.{threading.get_ident()}"
            fresh.write_bytes(b"")
            os.replace(fresh, self.folder / _TICKETS)
            self._resets.bump(_RESETS)  # every process takes its next ticket from the new file
            (self.folder / _CLEARED).unlink(missing_ok=True)
        else:
            inode = self._tickets_inode()
            if inode is None:
                return
            last = os.stat(self.folder / _TICKETS).st_size
            marker = self.folder / f"{_CLEARED}.{os.getpid()}.{threading.get_ident()}"
            marker.write_text(f"{inode} {last}\n")
            os.replace(marker, self.folder / _CLEARED)
        inode = self._tickets_inode() or 0
        self._sweep(inode, self._cleared(inode) if not restart else 0)
        with self._lock:
            self._read.clear()

    @property
    def owner(self) -> int:
        """The process that opened the files (a forked child opens its own)."""
        return self._pid


class _Descriptor:
    """A file descriptor of one thread, closed when the thread ends (its locals go)."""

    __slots__ = ("fd", "inode", "name", "resets")

    def __init__(self, fd: int, name: str = "", *, inode: int = 0, resets: int = 0) -> None:
        self.fd = fd
        self.name = name
        #: ``tickets``: the file's inode and the reset counter it was opened under.
        self.inode = inode
        self.resets = resets

    def __del__(self) -> None:
        with contextlib.suppress(OSError):
            os.close(self.fd)


def _parts(name: str) -> tuple[int, int, int] | None:
    try:
        owner, size, number = name.removesuffix(".jsonl").split("-")
        return int(owner), int(size), int(number)
    except ValueError:
        return None


def _line(entry: Doc) -> bytes:
    try:
        return orjson.dumps(entry, option=orjson.OPT_APPEND_NEWLINE)
    except orjson.JSONEncodeError:  # e.g. an integer beyond 64 bits a client declared
        return (json.dumps(entry, ensure_ascii=False) + "\n").encode("utf-8")


def _loads(line: bytes) -> Doc:
    try:
        value: Any = decode(line)  # exact for integers beyond 64 bits too
    except ValueError:  # what json.dumps wrote but orjson refuses (e.g. NaN)
        value = json.loads(line)
    return value if isinstance(value, dict) else {}
