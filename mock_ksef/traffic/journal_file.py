"""The request journal of a SQLite state: append-only files beside the database.

Writing a journal entry into SQLite cost two write transactions per request (the
sequence at the start, the entry at the end), and every worker process queued on the
file's write lock for them. This backend keeps the journal in a folder next to the
database (``<db>.requests/``), shared by every process that opens the same state:

* ``header``: four little-endian 64-bit numbers, memory-mapped: the last sequence
  handed out, the current segment, the first sequence of the current segment and the
  first sequence of the previous one. Each change happens under ``flock`` (and a thread
  lock), so workers hand out one dense sequence in the order requests start;
* ``<segment>.jsonl``: one JSON line per finished request, appended with a single
  ``write`` on an ``O_APPEND`` descriptor. The entry is in the page cache before the
  answer leaves, so a request answered is never missing from a later read, from any
  worker, even after ``kill -9``.

A segment is closed once it holds ``journal_size`` sequences; the one before it is then
deleted. The two live segments always hold the newest ``journal_size`` entries, so the
folder stays bounded without ever rewriting a file (no pause on the request path).
A reader parses only the bytes appended since its last read (per segment), sorts by
sequence and returns the newest ``journal_size``. Clearing moves to a fresh segment;
a reset also starts the sequence at 1 again. A request still running across a clear
or reset writes into a segment nobody reads any more: its entry is gone with the rest.
"""

from __future__ import annotations

import fcntl
import json
import mmap
import os
import struct
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import orjson

from mock_ksef.store.base import Doc

_HEADER = struct.Struct("<4Q")
_PAGE = 4096


class FileJournal:
    """The journal files of one state folder, as seen by one process."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self._pid = os.getpid()
        self._lock = threading.Lock()
        self._read_lock = threading.Lock()
        self._fd = os.open(folder / "header", os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(self._fd, fcntl.LOCK_EX)
        try:
            if os.fstat(self._fd).st_size < _PAGE:
                os.ftruncate(self._fd, _PAGE)  # zeros: sequence 0, segment 0
        finally:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
        self._map = mmap.mmap(self._fd, _PAGE)
        self._writers: dict[int, int] = {}
        #: Per segment: (bytes parsed, entries parsed) of this process's last read.
        self._read: dict[int, tuple[int, list[Doc]]] = {}

    @contextmanager
    def _locked(self) -> Iterator[list[int]]:
        """The header, for reading and changing, under the thread and file locks."""
        with self._lock:
            fcntl.flock(self._fd, fcntl.LOCK_EX)
            try:
                values = list(_HEADER.unpack_from(self._map, 0))
                before = list(values)
                yield values
                if values != before:
                    _HEADER.pack_into(self._map, 0, *values)
            finally:
                fcntl.flock(self._fd, fcntl.LOCK_UN)

    def _segment_path(self, segment: int) -> Path:
        return self.folder / f"{segment:012d}.jsonl"

    def reserve(self, size: int) -> int:
        """The next sequence; a full segment is closed first (its predecessor deleted)."""
        with self._locked() as header:
            last, segment, start, _ = header
            if last + 1 - start >= size and last + 1 > start:
                self._drop_segment(segment - 1)
                header[1], header[2], header[3] = segment + 1, last + 1, start
            header[0] = last + 1
            return last + 1

    def record(self, entry: Doc, sequence: int) -> None:
        """Append ``entry`` to the segment ``sequence`` belongs to (if still kept)."""
        data = _line({"sequence": sequence, **entry})
        with self._locked() as header:
            _, segment, start, previous = header
            if sequence >= start:
                target = segment
            elif sequence >= previous and segment > 0:
                target = segment - 1
            else:
                return  # trimmed or cleared while the request ran
            fd = self._writers.get(target)
            if fd is None:
                for stale in [n for n in self._writers if n < segment - 1]:
                    os.close(self._writers.pop(stale))
                flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT
                fd = self._writers[target] = os.open(self._segment_path(target), flags, 0o600)
            os.write(fd, data)

    def entries(self, size: int) -> list[Doc]:
        """The newest ``size`` entries, oldest first."""
        with self._locked() as header:
            _, segment, start, previous = header
        live = [s for s in (segment - 1, segment) if s >= 0]
        found: list[Doc] = []
        with self._read_lock:  # parsing happens outside the header lock
            for number in live:
                found.extend(self._parsed(number))
            for number in [n for n in self._read if n not in live]:
                del self._read[number]
        low = previous if segment else start
        found = [e for e in found if int(e["sequence"]) >= low]
        found.sort(key=lambda e: int(e["sequence"]))
        return found[-size:] if size > 0 else []

    def _parsed(self, segment: int) -> list[Doc]:
        offset, parsed = self._read.get(segment, (0, []))
        try:
            with open(self._segment_path(segment), "rb") as handle:
                handle.seek(offset)
                chunk = handle.read()
        except FileNotFoundError:
            return parsed
        end = chunk.rfind(b"\n") + 1  # a line still being written is read next time
        if end:
            parsed = parsed + [_loads(line) for line in chunk[:end].splitlines() if line]
            self._read[segment] = (offset + end, parsed)
        return parsed

    def clear(self, *, restart: bool = False) -> None:
        """Forget every entry (a fresh segment); ``restart``: sequences begin at 1 again."""
        with self._locked() as header:
            last, segment, _, _ = header
            self._drop_segment(segment - 1)
            self._drop_segment(segment)
            header[0] = 0 if restart else last
            header[1] = segment + 2  # neither live segment is written to again
            header[2] = header[3] = header[0] + 1

    def _drop_segment(self, segment: int) -> None:
        if segment < 0:
            return
        fd = self._writers.pop(segment, None)
        if fd is not None:
            os.close(fd)
        self._segment_path(segment).unlink(missing_ok=True)

    def close(self) -> None:
        """Close the descriptors of this process."""
        with self._lock:
            for fd in self._writers.values():
                os.close(fd)
            self._writers.clear()
            self._map.close()
            os.close(self._fd)

    @property
    def owner(self) -> int:
        """The process that opened the files (a forked child opens its own)."""
        return self._pid


def _line(entry: Doc) -> bytes:
    try:
        return orjson.dumps(entry, option=orjson.OPT_APPEND_NEWLINE)
    except orjson.JSONEncodeError:  # e.g. an integer beyond 64 bits a client declared
        return (json.dumps(entry, ensure_ascii=False) + "\n").encode("utf-8")


def _loads(line: bytes) -> Doc:
    try:
        value: Any = orjson.loads(line)
    except orjson.JSONDecodeError:
        value = json.loads(line)
    return value if isinstance(value, dict) else {}
