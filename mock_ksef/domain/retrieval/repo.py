"""The received-invoice store: one record per KSeF number, one entry per role.

Layout (``docs/retrieval.md``):

* ``retrieval-invoice`` / KSeF number: the record and its roles (download, ``ksefNumber``);
* ``retrieval-entry`` / ``{subjectType}|{context}|{ksefNumber}``: per role, what the filters
  match (``entry.py``, ~200 bytes of JSON list; the record is read from
  ``retrieval-invoice`` only for what a page returns), indexed by
  ``{subjectType}|{context}|{date}`` for each date type (``ps``, ``inv``, ``iss``), so
  a query is one ordered range walk of one index, whatever the store holds, and, for
  the roles other than ``Subject1`` (whose seller is the context itself), by
  ``{subjectType}|{context}|{sellerNip}|{date}`` (``ps-seller``, ...), so a ``sellerNip``
  filter walks only that seller's invoices, and by the seller's covering value
  ``{subjectType}|{context}|{sellerNip}|{date}|{ksefNumber}|{code}`` (``ps-seller-c``,
  ...; ``covering.py``), so a ``sellerNip`` with other filters scans only that seller's
  index rows;
* ``retrieval-pending`` / KSeF number: invoices not yet visible when accepted (a storage
  lag or a held-back permanent storage), indexed by the time they become visible: the
  high-water mark and the exact-offset fast path read only these;
* the sparse indexes of ``facets.py`` (rare traits per date type, the invoice number),
  used once ``retrieval-layout`` says every entry has them;
* ``retrieval-hwm``: the memoised HWM of a query, so every page of it reports the same;
* ``retrieval-inbox`` / ``{subjectType}|{context}``: how many invoices a context received
  (``Subject2``, ``Subject3``), for the dashboard: the contexts that have an inbox.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from mock_ksef.codec import from_doc
from mock_ksef.domain.retrieval.covering import COVERING_INDEX, covering_tail
from mock_ksef.domain.retrieval.entry import entry_doc
from mock_ksef.domain.retrieval.facets import (
    COVERING_LAYOUT,
    LAYOUT,
    NUMBER_INDEX,
    SPARSE_LAYOUT,
    add_facets,
    rare_facets,
)
from mock_ksef.domain.retrieval.record import InvoiceRecord, record_doc
from mock_ksef.store import kinds
from mock_ksef.store.base import Cursor, Doc, Hit, Query, Row, Store
from mock_ksef.timefmt import iso

INVOICE = kinds.RETRIEVAL_INVOICE
ENTRY = kinds.RETRIEVAL_ENTRY
PENDING = kinds.RETRIEVAL_PENDING
HWM = kinds.RETRIEVAL_HWM
TALLY = kinds.RETRIEVAL_INBOX
LAYOUT_KIND = kinds.RETRIEVAL_LAYOUT
#: Index name per ``dateType``, and of the same date behind the seller's NIP.
DATE_INDEX = {"PermanentStorage": "ps", "Invoicing": "inv", "Issue": "iss"}
SELLER_INDEX = {"PermanentStorage": "ps-seller", "Invoicing": "inv-seller", "Issue": "iss-seller"}
#: The seller's covering index per ``dateType``: ``{subjectType}|{context}|{sellerNip}|``
#: then the covering value's date, number and code (``covering.py``).
SELLER_COVERING = {date_type: f"{name}-c" for date_type, name in SELLER_INDEX.items()}
#: The roles under which a context has *received* an invoice (its inbox).
RECEIVED = ("Subject2", "Subject3")
#: The highest index value of a role's prefix (values are ASCII text).
TOP = "\uffff"
#: Expired HWM memos removed per new memo.
_SWEEP = 20
#: Records whose entries :meth:`ReceivedInvoices.reindex` rewrites per transaction.
REINDEX_PAGE = 1000


def xml_key(ksef_number: str) -> str:
    """The blob key of an invoice's XML (the key retention deletes with its session)."""
    return f"invoice-xml/{ksef_number}"


def prefix(subject_type: str, context_key: str) -> str:
    """The shared start of a role's index values."""
    return f"{subject_type}|{context_key}|"


def seller_indexed(subject_type: str) -> bool:
    """Whether entries of the role carry the seller's index (not ``Subject1``: every
    invoice a context sees as ``Subject1`` it issued itself)."""
    return subject_type != "Subject1"


def entry_index(record: InvoiceRecord, subject_type: str, start: str) -> dict[str, str]:
    """The index values of a role's entry: each date, each date behind the seller, and
    the sparse ones (``facets.py``)."""
    return _role_index(_Shared.of(record), subject_type, start)


def _dates(record: InvoiceRecord) -> dict[str, str]:
    """Index name -> the record's sortable date (the same for every role)."""
    return {name: record.date_of(date_type) for date_type, name in DATE_INDEX.items()}


#: Per date type: its index, the seller's index and covering index, the covering index.
_NAMES = tuple(
    (name, SELLER_INDEX[date_type], SELLER_COVERING[date_type], COVERING_INDEX[date_type])
    for date_type, name in DATE_INDEX.items()
)


@dataclass(frozen=True, slots=True)
class _Shared:
    """What every role's index values of one record share (built once per record)."""

    seller_nip: str
    invoice_number: str
    dates: tuple[str, ...]  # in DATE_INDEX order
    tail: str  # the covering values' ``{ksefNumber}|{code}``
    facets: list[tuple[str, str, str]]

    @classmethod
    def of(cls, record: InvoiceRecord) -> _Shared:
        dates = _dates(record)
        content = record.content
        return cls(
            content.seller_nip,
            content.invoice_number,
            tuple(dates.values()),
            covering_tail(record, iso(record.available_from)),
            rare_facets(record, dates),
        )


def _role_index(shared: _Shared, subject_type: str, start: str) -> dict[str, str]:
    """A role's index values, in the order the stores keep them (``docs.idx_values``)."""
    dates, tail = shared.dates, shared.tail
    index = {names[0]: start + date for names, date in zip(_NAMES, dates, strict=True)}
    if seller_indexed(subject_type):
        behind = f"{start}{shared.seller_nip}|"
        for (_, seller, seller_covering, _), date in zip(_NAMES, dates, strict=True):
            index[seller] = behind + date
            index[seller_covering] = f"{behind}{date}|{tail}"
    index[NUMBER_INDEX] = start + shared.invoice_number
    add_facets(index, shared.facets, start)
    for (*_, covering), date in zip(_NAMES, dates, strict=True):
        index[covering] = f"{start}{date}|{tail}"
    return index


def entry_rows(record: InvoiceRecord, roles: tuple[tuple[str, str], ...]) -> list[Row]:
    """The entry of each role (one document object, so the store encodes it once; what
    the roles' index values share built once)."""
    doc = entry_doc(record)
    shared = _Shared.of(record)
    rows: list[Row] = []
    for subject_type, context_key in roles:
        start = prefix(subject_type, context_key)
        rows.append((start + record.ksef_number, doc, _role_index(shared, subject_type, start)))
    return rows


#: One invoice to save: its record, its roles and its bytes.
Received = tuple[InvoiceRecord, tuple[tuple[str, str], ...], bytes]


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
        self.save_many(((record, roles, xml),))

    def save_many(self, invoices: Iterable[Received], *, visible_at: datetime | None = None) -> int:
        """:meth:`save` of each invoice, in one transaction and a few bulk writes.

        ``visible_at`` (the mock's clock while storing, when the caller knows it): an
        invoice already visible then gets no ``retrieval-pending`` mark, as a live one
        visible on acceptance gets none (and as :meth:`remember` sweeps the marks of the
        past). Without it, every invoice visible only after its acquisition is marked.
        """
        blobs: list[tuple[str, bytes]] = []
        records: list[Row] = []
        entries: list[Row] = []
        pending: list[Row] = []
        for record, roles, xml in invoices:
            blobs.append((xml_key(record.ksef_number), xml))
            doc = record_doc(record)
            records.append((record.ksef_number, {"record": doc, "roles": roles}, None))
            entries += entry_rows(record, roles)
            shown = record.acquisition_date if visible_at is None else visible_at
            if record.available_from > shown:
                later = {
                    "ps": iso(record.permanent_storage_date),
                    "available": iso(record.available_from),
                }
                pending.append((record.ksef_number, later, {"available": later["available"]}))
        with self.store.transaction():
            if not self.indexed() and not self.store.query(ENTRY, Query(limit=1)):
                self._mark_indexed()  # a store without entries: all will have the indexes
            self.store.put_blobs(blobs)
            self.store.put_many(INVOICE, records)
            new = self.store.put_many(ENTRY, entries)
            self.store.put_many(PENDING, pending)
            self._count(new)
        return len(records)

    def reindex(self) -> int:
        """Write every record's entries again, so entries an older version wrote (whole
        record documents, no seller's index) get today's document and index.

        ``mock-ksef state compact`` runs it (``Repos.reindex``). Pages through the
        records by KSeF number, one transaction per page; returns how many it rewrote.
        """
        count = 0
        cursor: Cursor | None = None
        while True:
            with self.store.transaction():
                page = self.store.query(INVOICE, Query(after=cursor, limit=REINDEX_PAGE))
                rows: list[Row] = []
                for hit in page:
                    record, roles = _stored(hit.doc)
                    rows += entry_rows(record, roles)
                self._count(self.store.put_many(ENTRY, rows))
            count += len(page)
            if len(page) < REINDEX_PAGE:
                self._mark_indexed()
                return count
            cursor = page[-1].cursor

    def indexed(self) -> bool:
        """Whether every entry has the seller's and the sparse indexes (``facets.LAYOUT``):
        a store written before them has not, until :meth:`reindex` ran."""
        return self.layout() >= SPARSE_LAYOUT

    def covered(self) -> bool:
        """Whether every entry has the covering date indexes (``covering.py``)."""
        return self.layout() >= COVERING_LAYOUT

    def seller_covered(self) -> bool:
        """Whether every entry has the seller's covering indexes too (``facets.LAYOUT``)."""
        return self.layout() >= LAYOUT

    def layout(self) -> int:
        """The entry layout every entry of the store has (0: unmarked, an old store)."""
        doc = self.store.get(LAYOUT_KIND, "entries")
        return 0 if doc is None else int(doc["layout"])

    def _mark_indexed(self) -> None:
        self.store.put(LAYOUT_KIND, "entries", {"layout": LAYOUT})

    def forget(self, ksef_number: str) -> bool:
        """Delete an invoice's record, its entries, its pending mark and its bytes (the
        retention of its session); its receiving contexts count one less."""
        found = self.get(ksef_number)
        if found is None:
            return False
        with self.store.transaction():
            for subject_type, context_key in found[1]:
                self.store.delete(ENTRY, prefix(subject_type, context_key) + ksef_number)
            self._count([prefix(s, c) + ksef_number for s, c in found[1]], -1)
            self.store.delete(PENDING, ksef_number)
            self.store.delete(INVOICE, ksef_number)
            self.store.delete_blob(xml_key(ksef_number))
        return True

    def _count(self, new_entries: list[str], step: int = 1) -> None:
        """Add (``step`` -1: take) the entries of received roles to their context's tally."""
        counts = Counter(key.rsplit("|", 1)[0] for key in new_entries)
        for key, added in counts.items():
            subject_type, context_key = key.split("|", 1)
            if subject_type not in RECEIVED:
                continue
            doc = self.store.get(TALLY, key) or {
                "subjectType": subject_type,
                "context": context_key,
                "count": 0,
            }
            doc["count"] = int(doc["count"]) + step * added
            if doc["count"] > 0:
                self.store.put(TALLY, key, doc)
            else:
                self.store.delete(TALLY, key)

    def inboxes(self) -> list[Doc]:
        """``{subjectType, context, count}`` of every context that received invoices."""
        return self.store.find(TALLY)

    def newest(self, subject_type: str, context_key: str, count: int) -> list[InvoiceRecord]:
        """The ``count`` latest invoices (by permanent storage) a context received as such."""
        start = prefix(subject_type, context_key)
        query = Query(order_by="ps", low=start, high=start + TOP, descending=True, limit=count)
        return self.records(hit.doc for hit in self.store.query(ENTRY, query))

    def records(self, entries: Iterable[Doc]) -> list[InvoiceRecord]:
        """The records of entry documents (an old entry is its own record)."""
        found: list[InvoiceRecord] = []
        for doc in entries:
            if "m" not in doc:  # an older entry: the whole record document
                found.append(from_doc(InvoiceRecord, doc))
                continue
            found += self.records_of((str(doc["m"][0]),))
        return found

    def records_of(self, ksef_numbers: Iterable[str]) -> list[InvoiceRecord]:
        """The records of KSeF numbers, in order (a number no longer stored is left out)."""
        found: list[InvoiceRecord] = []
        for number in ksef_numbers:
            stored = self.store.get(INVOICE, number)
            if stored is not None:
                found.append(from_doc(InvoiceRecord, stored["record"]))
        return found

    def covered_hits(self, query: Query) -> list[Hit]:
        """Entries of a covering index range (``query.slices`` tested on its values),
        without their documents (``covering.py``): the store reads the index rows alone."""
        return self.store.query(ENTRY, dataclasses.replace(query, keys_only=True))

    def get(self, ksef_number: str) -> tuple[InvoiceRecord, tuple[tuple[str, str], ...]] | None:
        """A record and its roles by KSeF number."""
        doc = self.store.get(INVOICE, ksef_number)
        return None if doc is None else _stored(doc)

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
        records = tuple(self.records(hit.doc for hit in hits))
        return EntryPage(records, hits[-1].cursor if hits else None)

    def entry_hits(
        self, index: str, low: str, high: str, *, descending: bool, after: Cursor | None, limit: int
    ) -> list[Hit]:
        """Like :meth:`entries`, undecoded: the walk matches the stored documents first."""
        query = Query(
            order_by=index, low=low, high=high, descending=descending, after=after, limit=limit
        )
        return self.store.query(ENTRY, query)

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


def _stored(doc: Doc) -> tuple[InvoiceRecord, tuple[tuple[str, str], ...]]:
    """A ``retrieval-invoice`` document's record and roles."""
    roles = tuple((str(s), str(c)) for s, c in doc["roles"])
    return from_doc(InvoiceRecord, doc["record"]), roles


def _after(now: datetime) -> str:
    """The lowest index value strictly later than ``now`` (values have microseconds)."""
    return iso(now + timedelta(microseconds=1))
