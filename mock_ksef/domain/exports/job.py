"""An export as the store keeps it, and the repository of exports and their parts.

Layout: ``invoice-export`` / reference: the :class:`ExportJob`, indexed ``inflight`` =
context key while it is at 100 (the 21182 count) and ``gone`` = when its status expires
(the sweep); ``export-part/{ref}/{n}`` blobs: the encrypted parts. Everything lives in
the shared store, so every worker process serves every export.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from mock_ksef.codec import from_doc, to_doc
from mock_ksef.domain.retrieval.filters import InvoiceFilters
from mock_ksef.domain.retrieval.selection import Window
from mock_ksef.scenario.model import ExportPlan
from mock_ksef.store.base import Query, Store
from mock_ksef.store.kinds import INVOICE_EXPORT
from mock_ksef.timefmt import iso

#: Expired exports removed per new export.
_SWEEP = 20


def part_key(reference: str, ordinal: int) -> str:
    """The blob key of an encrypted part."""
    return f"export-part/{reference}/{ordinal}"


@dataclass(frozen=True)
class PartInfo:
    """One part of a package (``InvoicePackagePart`` without its link)."""

    ordinal: int
    name: str
    size: int
    hash: str
    encrypted_size: int
    encrypted_hash: str


@dataclass(frozen=True)
class Package:
    """A built package (``InvoicePackage`` without links)."""

    invoice_count: int
    size: int
    parts: tuple[PartInfo, ...]
    is_truncated: bool
    compression: str  # Zip | TarGz
    #: The ``dateType`` value of the last invoice included, only when truncated.
    last_date: str | None = None
    #: ``permanentStorageHwmDate`` (PermanentStorage only).
    hwm: datetime | None = None


@dataclass(frozen=True)
class ExportJob:
    """One export: what was asked, its snapshot, and how far it got."""

    reference: str
    context_key: str
    created: datetime
    filters: InvoiceFilters
    #: The selection resolved at creation (``None``: ``from`` beyond the HWM, so 420).
    window: Window | None
    only_metadata: bool
    compression: str
    #: The unwrapped AES key and IV (Base64); ``key_error`` set: the export ends in 415.
    key: str
    iv: str
    key_error: str
    plan: ExportPlan
    polls: int = 0
    status: int = 100
    completed: datetime | None = None
    package: Package | None = None

    @property
    def gone_at(self) -> datetime:
        """When the status is no longer kept (then 410)."""
        return self.created + timedelta(seconds=self.plan.status_retention_seconds)

    def finished(self, status: int, completed: datetime, package: Package | None) -> ExportJob:
        """This export ended in ``status`` at ``completed``."""
        return replace(self, status=status, completed=completed, package=package)


@dataclass(frozen=True)
class Exports:
    """Typed access to the exports in ``store``."""

    store: Store

    def save(self, job: ExportJob) -> None:
        """Insert or replace ``job``."""
        index = {"gone": iso(job.gone_at)}
        if job.status == 100:
            index["inflight"] = job.context_key
        self.store.put(INVOICE_EXPORT, job.reference, to_doc(job), index)

    def get(self, reference: str) -> ExportJob | None:
        """An export by reference."""
        doc = self.store.get(INVOICE_EXPORT, reference)
        return None if doc is None else from_doc(ExportJob, doc)

    def in_flight(self, context_key: str) -> int:
        """Exports of the context still at 100."""
        return len(self.store.find(INVOICE_EXPORT, inflight=context_key))

    def put_part(self, reference: str, ordinal: int, data: bytes) -> None:
        """Keep an encrypted part."""
        self.store.put_blob(part_key(reference, ordinal), data)

    def part(self, reference: str, ordinal: int) -> bytes | None:
        """An encrypted part, or ``None``."""
        return self.store.get_blob(part_key(reference, ordinal))

    def drop_parts(self, job: ExportJob) -> None:
        """Forget the parts of ``job``."""
        for part in job.package.parts if job.package else ():
            self.store.delete_blob(part_key(job.reference, part.ordinal))

    def sweep(self, now: datetime, budget: int = _SWEEP) -> int:
        """Delete up to ``budget`` exports whose status expired, with their parts."""
        hits = self.store.query(
            INVOICE_EXPORT, Query(order_by="gone", below=iso(now), limit=budget)
        )
        for hit in hits:
            self.drop_parts(from_doc(ExportJob, hit.doc))
            self.store.delete(INVOICE_EXPORT, hit.key)
        return len(hits)
