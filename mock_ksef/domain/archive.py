"""Safe reading of a batch package (Zip or TarGz): its XML entries, one at a time.

Nothing is extracted to disk: :func:`xml_entries` yields each XML entry's bytes in archive
order, read in chunks of :data:`CHUNK` and kept only up to the invoice size limit (plus
one byte, to tell an oversized entry), so memory holds one invoice whatever the archive
holds. An archive is refused (session status
430) when it cannot be read, or when it looks hostile:

* more than ``max_entries`` entries;
* more than ``max_total_bytes`` declared uncompressed bytes in total;
* an entry above ``ratio_floor_bytes`` that expands more than ``max_ratio`` times (zip
  bomb; for TarGz the ratio is the declared total over the compressed package size);
* an absolute name, a ``..`` segment, a backslash or a drive letter (path traversal);
* a symbolic or hard link, a device or a FIFO.

Entries whose name does not end in ``.xml`` (any case) and directories are skipped.
"""

from __future__ import annotations

import base64
import hashlib
import re
import stat
import tarfile
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import IO, BinaryIO

#: Bytes read from an entry at a time.
CHUNK = 1024 * 1024
_DRIVE = re.compile(r"^[A-Za-z]:")
_READ_ERRORS = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    tarfile.TarError,
    zlib.error,
    EOFError,
    OSError,
    NotImplementedError,
    RuntimeError,  # e.g. an encrypted zip entry
    ValueError,
)


class ArchiveRejected(Exception):
    """The package cannot be unpacked, or is refused as unsafe (session status 430)."""


@dataclass(frozen=True)
class ArchiveLimits:
    """What an acceptable package may contain."""

    #: Largest XML entry read; a longer one is marked oversized (its invoice fails 430).
    max_entry_bytes: int
    #: At most this many XML entries are extracted (more means status 420 anyway).
    max_xml_entries: int
    max_entries: int = 200_000
    max_total_bytes: int = 40_000_000_000
    max_ratio: int = 200
    ratio_floor_bytes: int = 1_000_000


@dataclass(frozen=True)
class XmlEntry:
    """One XML entry of the package; ``data`` is ``None`` past ``max_xml_entries``.

    ``data`` holds at most ``max_entry_bytes + 1`` bytes; ``size`` and ``sha256`` are
    those of the whole entry.
    """

    name: str
    data: bytes | None
    size: int = 0
    sha256: str = ""

    def oversized(self, limit: int) -> bool:
        """Whether the entry is longer than ``limit`` (and was cut when read)."""
        return self.size > limit


class Tally:
    """What :func:`xml_entries` counted: complete once the iteration has ended."""

    def __init__(self) -> None:
        self.xml_count = 0


def check_name(name: str) -> None:
    """Refuse names that could escape an extraction folder.

    Raises:
        ArchiveRejected: absolute, ``..``, backslash, drive letter or NUL in ``name``.
    """
    if (
        not name
        or name.startswith("/")
        or "\\" in name
        or "\x00" in name
        or _DRIVE.match(name)
        or ".." in PurePosixPath(name).parts
    ):
        raise ArchiveRejected(f"Niedozwolona ścieżka w archiwum: {name!r}.")


def is_xml(name: str) -> bool:
    """Whether an entry is an invoice file (by its extension)."""
    return name.lower().endswith(".xml")


def _read(source: IO[bytes], limit: int, declared: int) -> tuple[bytes, int, str]:
    """At most ``limit + 1`` bytes of an entry, its real size and Base64 SHA-256.

    Reading stops after ``declared`` bytes (plus a chunk, to notice a longer entry).
    """
    digest = hashlib.sha256()
    kept: list[bytes] = []
    size = 0
    for _ in range(declared // CHUNK + 2):
        chunk = source.read(CHUNK)
        if not chunk:
            break
        digest.update(chunk)
        if size <= limit:
            kept.append(chunk[: limit + 1 - size])
        size += len(chunk)
    return b"".join(kept), size, base64.b64encode(digest.digest()).decode("ascii")


class _Collector:
    """Counts entries against the limits and reads XML entries."""

    def __init__(self, limits: ArchiveLimits, compressed_size: int, tally: Tally) -> None:
        self.limits = limits
        self.compressed_size = max(compressed_size, 1)
        self.tally = tally
        self.count = 0
        self.total = 0

    def admit(self, name: str, size: int) -> None:
        """Account for one regular entry of declared ``size``."""
        check_name(name)
        self.count += 1
        if self.count > self.limits.max_entries:
            raise ArchiveRejected(f"Archiwum ma więcej niż {self.limits.max_entries} plików.")
        self.total += size
        if self.total > self.limits.max_total_bytes:
            raise ArchiveRejected(
                f"Rozmiar po dekompresji przekracza {self.limits.max_total_bytes} B."
            )

    def check_ratio(self, name: str, size: int, compressed: int) -> None:
        """Refuse an entry (or a running total) that expands suspiciously."""
        if size > self.limits.ratio_floor_bytes and size > self.limits.max_ratio * max(
            compressed, 1
        ):
            raise ArchiveRejected(
                f"Podejrzany współczynnik kompresji pliku {name!r} "
                f"({size} B z {compressed} B; limit {self.limits.max_ratio}x)."
            )

    def read(self, name: str, source: IO[bytes], declared: int) -> XmlEntry:
        """Read an XML entry (only the first ``max_xml_entries`` are kept)."""
        self.tally.xml_count += 1
        if self.tally.xml_count > self.limits.max_xml_entries:
            return XmlEntry(name, None)
        data, size, sha256 = _read(source, self.limits.max_entry_bytes, declared)
        return XmlEntry(name, data, size, sha256)


def _zip_members(archive: zipfile.ZipFile) -> Iterator[zipfile.ZipInfo]:
    for info in archive.infolist():
        kind = stat.S_IFMT(info.external_attr >> 16)
        if kind and kind not in (stat.S_IFREG, stat.S_IFDIR):
            raise ArchiveRejected(f"Niedozwolony typ pliku w archiwum: {info.filename!r}.")
        yield info


def _zip_entries(path: BinaryIO, collector: _Collector) -> Iterator[XmlEntry]:
    with zipfile.ZipFile(path) as archive:
        members = list(_zip_members(archive))
        for info in members:
            check_name(info.filename)
            if info.is_dir():
                continue
            collector.admit(info.filename, info.file_size)
            collector.check_ratio(info.filename, info.file_size, info.compress_size)
        for info in members:
            if not info.is_dir() and is_xml(info.filename):
                with archive.open(info) as source:
                    yield collector.read(info.filename, source, info.file_size)


def _tar_entries(path: BinaryIO, collector: _Collector) -> Iterator[XmlEntry]:
    with tarfile.open(fileobj=path, mode="r|gz") as archive:
        for member in archive:
            check_name(member.name)
            if member.isdir():
                continue
            if not member.isreg():
                raise ArchiveRejected(f"Niedozwolony typ pliku w archiwum: {member.name!r}.")
            collector.admit(member.name, member.size)
            collector.check_ratio("*", collector.total, collector.compressed_size)
            if is_xml(member.name):
                source = archive.extractfile(member)
                if source is None:  # pragma: no cover - regular members always have data
                    raise ArchiveRejected(f"Nie można odczytać pliku {member.name!r}.")
                yield collector.read(member.name, source, member.size)


def xml_entries(
    package: BinaryIO, compression: str, limits: ArchiveLimits, tally: Tally
) -> Iterator[XmlEntry]:
    """The XML entries of the package, in archive order; ``tally`` counts them all.

    Args:
        package: the decrypted, concatenated package (seekable).
        compression: ``Zip`` or ``TarGz``.
        limits: what the package may contain.
        tally: filled in as the iteration goes.

    Raises:
        ArchiveRejected: unreadable or unsafe package (status 430), while iterating.
    """
    size = package.seek(0, 2)
    package.seek(0)
    collector = _Collector(limits, size, tally)
    entries = _tar_entries if compression == "TarGz" else _zip_entries
    try:
        yield from entries(package, collector)
    except ArchiveRejected:
        raise
    except _READ_ERRORS as exc:
        raise ArchiveRejected(f"Nie można rozpakować archiwum ({compression}): {exc}") from exc
