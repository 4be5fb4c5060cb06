"""Building an export package: a streamed archive, cut into parts, each part encrypted.

The archive (Zip, or a gzip-compressed tar) is written to a :class:`PartWriter`, which
cuts the compressed bytes into ``part_size`` chunks as they come, encrypts each chunk on
its own (AES-256-CBC, PKCS#7, the client's key and IV, no IV prefix) and hands it to a
sink (the store). At most one part is held in memory, never the whole package.
Entries: ``{ksefNumber}.xml`` per invoice (unless ``onlyMetadata``), then
``_metadata.json`` = ``{"invoices": [InvoiceMetadata...]}``, which the limits do not count.
"""

from __future__ import annotations

import gzip
import io
import json
import tarfile
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from mock_ksef.crypto.digest import sha256_b64
from mock_ksef.crypto.envelope import aes_cbc_encrypt
from mock_ksef.domain.exports.job import Package, PartInfo
from mock_ksef.domain.retrieval.record import InvoiceRecord

#: Fixed entry times, so the same selection gives the same bytes.
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
METADATA = "_metadata.json"
#: Part name suffix per compression type.
SUFFIX = {"Zip": "zip", "TarGz": "tar.gz"}


@dataclass(frozen=True)
class BuildLimits:
    """The package limits (a scenario's ``export`` plan)."""

    max_invoices: int
    max_bytes: int
    part_size: int


class PartWriter(io.RawIOBase):
    """A write-only stream that turns what is written into encrypted parts."""

    def __init__(
        self,
        name: Callable[[int], str],
        sink: Callable[[int, bytes], None],
        part_size: int,
        key: bytes,
        iv: bytes,
    ) -> None:
        super().__init__()
        self._name = name
        self._sink = sink
        self._part_size = part_size
        self._key = key
        self._iv = iv
        self._buffer = bytearray()
        self.total = 0
        self.parts: list[PartInfo] = []

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        chunk = bytes(data)
        self._buffer += chunk
        self.total += len(chunk)
        while len(self._buffer) >= self._part_size:
            self._emit(bytes(self._buffer[: self._part_size]))
            del self._buffer[: self._part_size]
        return len(chunk)

    def finish(self) -> tuple[PartInfo, ...]:
        """Emit what is left; the parts in ordinal order."""
        if self._buffer:
            self._emit(bytes(self._buffer))
            self._buffer.clear()
        return tuple(self.parts)

    def _emit(self, plain: bytes) -> None:
        ordinal = len(self.parts) + 1
        encrypted = aes_cbc_encrypt(self._key, self._iv, plain)
        self._sink(ordinal, encrypted)
        self.parts.append(
            PartInfo(
                ordinal,
                self._name(ordinal),
                len(plain),
                sha256_b64(plain),
                len(encrypted),
                sha256_b64(encrypted),
            )
        )


class _Archive:
    """Zip or TarGz entries written to a stream that cannot seek."""

    def __init__(self, compression: str, out: PartWriter) -> None:
        self._zip: zipfile.ZipFile | None = None
        self._gzip: gzip.GzipFile | None = None
        self._tar: tarfile.TarFile | None = None
        if compression == "Zip":
            self._zip = zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED)
        else:
            self._gzip = gzip.GzipFile(fileobj=out, mode="wb", mtime=0)
            self._tar = tarfile.open(  # noqa: SIM115 - closed by close()
                fileobj=self._gzip, mode="w|", format=tarfile.PAX_FORMAT
            )

    def add(self, name: str, data: bytes) -> None:
        if self._zip is not None:
            entry = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            self._zip.writestr(entry, data)
        else:
            assert self._tar is not None
            member = tarfile.TarInfo(name)
            member.size = len(data)
            member.mode = 0o644
            self._tar.addfile(member, io.BytesIO(data))

    def close(self) -> None:
        if self._zip is not None:
            self._zip.close()
        if self._tar is not None and self._gzip is not None:
            self._tar.close()
            self._gzip.close()


def build_package(
    records: Iterator[InvoiceRecord],
    xml_of: Callable[[str], bytes | None],
    describe: Callable[[InvoiceRecord], dict[str, Any]],
    out: PartWriter,
    *,
    date_type: str,
    compression: str,
    only_metadata: bool,
    limits: BuildLimits,
) -> Package:
    """Write the package of ``records`` (ascending) to ``out``; what it holds.

    Invoices are added until ``max_invoices`` of them or ``max_bytes`` of compressed
    archive; the package is truncated when a selected invoice is left out.
    """
    archive = _Archive(compression, out)
    described: list[str] = []
    last: InvoiceRecord | None = None
    truncated = False
    for record in records:
        if len(described) >= limits.max_invoices or out.total >= limits.max_bytes:
            truncated = True
            break
        xml = xml_of(record.ksef_number)
        if xml is None:  # deleted by retention since the snapshot
            continue
        if not only_metadata:
            archive.add(f"{record.ksef_number}.xml", xml)
        described.append(json.dumps(describe(record), ensure_ascii=False, separators=(",", ":")))
        last = record
    metadata = '{"invoices":[' + ",".join(described) + "]}"
    archive.add(METADATA, metadata.encode())
    archive.close()
    parts = out.finish()
    return Package(
        invoice_count=len(described),
        size=sum(p.size for p in parts),
        parts=parts,
        is_truncated=truncated,
        compression=compression,
        last_date=last.date_of(date_type) if truncated and last is not None else None,
    )
