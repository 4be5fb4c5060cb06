"""The received-invoice store: one record per KSeF number, one entry per role.

Layout (``docs/retrieval.md``):

* ``retrieval-invoice`` / KSeF number: the record and its roles (download, ``ksefNumber``);
* ``retrieval-entry`` / ``{subjectType}|{context}|{ksefNumber}``: a copy of the record per
  role, indexed by ``{subjectType}|{context}|{date}`` for each date type (``ps``, ``inv``,
  ``iss``), so a query is one ordered range walk of one index, whatever the store holds;
* ``retrieval-pending`` / KSeF number: invoices not yet visible when accepted (a storage
  lag or a held-back permanent storage), indexed by the time they become visible: the
  high-water mark and the exact-offset fast path read only these;
* ``retrieval-hwm``: the memoised HWM of a query, so every page of it reports the same.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from mock_ksef.codec import from_doc, to_doc
from mock_ksef.domain.retrieval.record import InvoiceRecord
from mock_ksef.store.base import Cursor, Query, Store
from mock_ksef.timefmt import iso

INVOICE = "retrieval-invoice"
ENTRY = "retrieval-entry"
PENDING = "retrieval-pending"
HWM = "retrieval-hwm"
#: Index name per ``dateType``.
DATE_INDEX = {"PermanentStorage": "ps", "Invoicing": "inv", "Issue": "iss"}
#: Expired HWM memos removed per new memo.
_SWEEP = 20


def xml_key(ksef_number: str) -> str:
    """The blob key of an invoice's XML (the key retention deletes with its session)."""
    return f"invoice-xml/{ksef_number}"


def prefix(subject_type: str, context_key: str) -> str:
    """The shared start of a role's index values."""
    return f"{subject_type}|{context_key}|"


@dataclass(frozen=True)
class EntryPage:
    """Records of one keyset page and where it ended."""

    records: tuple[InvoiceRecord, ...]
    cursor: Cursor | None


@dataclass(frozen=True)
class ReceivedInvoices:
    """Typed access to the received invoices in ``store``."""

    store: Store

    def save(self, record: InvoiceRecord, roles: tuple[tuple[str, str], ...], xml: bytes) -> None:
        """Store ``record`` (and its XML) with an entry per role, in one transaction."""
        doc = to_doc(record)
        with self.store.transaction():
            self.store.put_blob(xml_key(record.ksef_number), xml)
            self.store.put(INVOICE, record.ksef_number, {"record": doc, "roles": roles})
            for subject_type, context_key in roles:
                start = prefix(subject_type, context_key)
                index = {
                    DATE_INDEX[date_type]: start + record.date_of(date_type)
                    for date_type in DATE_INDEX
                }
                self.store.put(ENTRY, start + record.ksef_number, doc, index)
            if record.available_from > record.acquisition_date:
                pending = {
                    "ps": iso(record.permanent_storage_date),
                    "available": iso(record.available_from),
                }
                index = {"available": pending["available"]}
                self.store.put(PENDING, record.ksef_number, pending, index)

    def get(self, ksef_number: str) -> tuple[InvoiceRecord, tuple[tuple[str, str], ...]] | None:
        """A record and its roles by KSeF number."""
        doc = self.store.get(INVOICE, ksef_number)
        if doc is None:
            return None
        roles = tuple((str(s), str(c)) for s, c in doc["roles"])
        return from_doc(InvoiceRecord, doc["record"]), roles

    def xml(self, ksef_number: str) -> bytes | None:
        """The stored bytes of an invoice, exactly as received."""
        return self.store.get_blob(xml_key(ksef_number))

    def entries(
        self,
        index: str,
        low: str,
        high: str,
        *,
        descending: bool = False,
        after: Cursor | None = None,
        offset: int = 0,
        limit: int | None = None,
    ) -> EntryPage:
        """Entries whose ``index`` value lies in ``[low, high]``, in index order."""
        hits = self.store.query(
            ENTRY,
            Query(
                order_by=index,
                low=low,
                high=high,
                descending=descending,
                after=after,
                offset=offset,
                limit=limit,
            ),
        )
        records = tuple(from_doc(InvoiceRecord, hit.doc) for hit in hits)
        return EntryPage(records, hits[-1].cursor if hits else None)

    def pending(self, now: datetime) -> list[datetime]:
        """Permanent-storage dates of the invoices not yet visible at ``now``."""
        hits = self.store.query(PENDING, Query(order_by="available", low=_after(now)))
        return [datetime.fromisoformat(str(hit.doc["ps"])) for hit in hits]

    def any_pending(self, now: datetime) -> bool:
        """Whether some invoice is not yet visible at ``now``."""
        query = Query(order_by="available", low=_after(now), limit=1)
        return bool(self.store.query(PENDING, query))

    def memo(self, key: str, now: datetime) -> datetime | None:
        """A memoised HWM still valid at ``now``."""
        doc = self.store.get(HWM, key)
        if doc is None or str(doc["expires"]) <= iso(now):
            return None
        return datetime.fromisoformat(str(doc["hwm"]))

    def remember(self, key: str, hwm: datetime, expires: datetime, now: datetime) -> None:
        """Memoise ``hwm`` until ``expires``; forget a few expired memos and pending marks."""
        with self.store.transaction():
            doc = {"hwm": iso(hwm), "expires": iso(expires)}
            self.store.put(HWM, key, doc, {"expires": doc["expires"]})
            for kind, name in ((HWM, "expires"), (PENDING, "available")):
                old = self.store.query(kind, Query(order_by=name, below=iso(now), limit=_SWEEP))
                for hit in old:
                    self.store.delete(kind, hit.key)


def _after(now: datetime) -> str:
    """The lowest index value strictly later than ``now`` (values have microseconds)."""
    return iso(now + timedelta(microseconds=1))
