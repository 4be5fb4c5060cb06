"""The selection engine shared by the metadata query and the export.

:func:`select_invoices` yields, in the order of the ``dateType`` field (ties by KSeF
number in the same direction), every record the caller's context sees under one role
and that passes the filters, visible at ``now``. It walks one ordered index range of the
store in keyset pages, so its cost follows what it returns, not what the store holds.

The high-water mark (``BRIEF-RETRIEVAL.md`` 5.1): ``min(now - hwm_lag, PS of every invoice
accepted but not yet visible - 1 us)``; a query memoises it per (context, filters), so every
page of one query reports the same value.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from itertools import islice
from typing import Any

from mock_ksef.crypto.digest import sha256_b64
from mock_ksef.domain.auth.values import ContextId
from mock_ksef.domain.date_range import check_date_range
from mock_ksef.domain.retrieval.covering import COVERING_INDEX, code_at, slices
from mock_ksef.domain.retrieval.entry import entry_doc, fields_of
from mock_ksef.domain.retrieval.facets import (
    COVERING_LAYOUT,
    LAYOUT,
    NUMBER_INDEX,
    SPARSE_LAYOUT,
    facet_alone,
    facet_choice,
)
from mock_ksef.domain.retrieval.filters import InvoiceFilters, range_values
from mock_ksef.domain.retrieval.record import InvoiceRecord
from mock_ksef.domain.retrieval.refusals import HWM_DETAILS, OutsideHwm
from mock_ksef.domain.retrieval.repo import (
    DATE_INDEX,
    SELLER_COVERING,
    SELLER_INDEX,
    TOP,
    ReceivedInvoices,
    prefix,
    seller_indexed,
)
from mock_ksef.store.base import Cursor, Doc, Query, Slice
from mock_ksef.timefmt import iso

#: Entries read per keyset page while filtering.
WALK_PAGE = 500
#: Hits per keyset page of a covering walk (keys only, so cheap to hold).
COVERED_PAGE = 2000
_TICK = timedelta(microseconds=1)


@dataclass(frozen=True)
class RetrievalLimits:
    """The knobs of the selection (a scenario's ``retrieval`` plan, ``docs/retrieval.md``)."""

    #: Records a query can reach (the 10,000 cap).
    max_results: int = 10_000
    #: How far the system HWM stays behind now.
    hwm_lag: timedelta = timedelta(0)
    #: How long a query's HWM is memoised.
    hwm_memo: timedelta = timedelta(minutes=10)


DEFAULT_LIMITS = RetrievalLimits()


@dataclass(frozen=True)
class Window:
    """A resolved selection: the index range to walk and the HWM to report."""

    index: str
    subject_type: str
    context_key: str
    #: Inclusive bounds of the compared date, as indexed (ISO instant, or a date for Issue).
    start: str
    end: str
    hwm: datetime | None  # reported permanentStorageHwmDate (PermanentStorage only)
    #: The ``sellerNip`` filter when ``index`` is the seller's (``ps-seller``, ...), or
    #: the seller's covering one (``ps-seller-c``, ...: the range decides the seller).
    seller: str | None = None
    #: The admitted values when ``index`` is a facet's (``ps-cur``, ...; ``facets.py``):
    #: one range each, merged in date order.
    facet_values: tuple[str, ...] = ()
    #: Whether an ``invoiceNumber`` filter is answered from the number index.
    by_number: bool = False
    #: Whether the facet's ranges alone decide (its filter is the only one): with
    #: nothing pending, a page is a merge of the ranges' keys (:func:`facet_numbers`).
    facet_decides: bool = False
    #: Where the code begins in the values when ``index`` is a covering one
    #: (``covering.py``): the filters are tested on the index rows by the store.
    covering_at: int | None = None

    def decides(self, filters: InvoiceFilters) -> bool:
        """Whether the index range alone selects (nothing to match per record)."""
        return (
            filters.only_indexed
            and (filters.seller_nip is None or self.seller is not None)
            and not self.facet_values
        )

    def bases(self) -> list[str]:
        """The start of each range's index values (the date follows)."""
        start = prefix(self.subject_type, self.context_key)
        if self.facet_values:
            return [f"{start}{value}|" for value in self.facet_values]
        return [self._start]

    @property
    def _start(self) -> str:
        start = prefix(self.subject_type, self.context_key)
        return start if self.seller is None else f"{start}{self.seller}|"

    @property
    def low(self) -> str:
        """The lowest index value of the range."""
        return self._start + self.start

    @property
    def high(self) -> str:
        """The highest index value of the range."""
        if self.covering_at is not None:  # the date is followed by the number and code
            return f"{self._start}{self.end}|{TOP}"
        return self._start + self.end

    def tests(self, filters: InvoiceFilters, now: datetime) -> tuple[Slice, ...]:
        """The covering index's tests of ``filters``, visible at ``now``."""
        if self.covering_at is None:
            raise ValueError(f"index {self.index} is not a covering index")
        if self.seller is not None:  # the seller's covering range holds that seller only
            filters = replace(filters, seller_nip=None)
        tests = slices(filters, self.covering_at, iso(now))
        if tests is None:  # resolve() chose the covering index because they fit
            raise ValueError("the filters do not fit the covering index")
        return tests


def system_hwm(repo: ReceivedInvoices, now: datetime, lag: timedelta) -> datetime:
    """The instant below which no invoice will ever appear later."""
    hwm = now - lag
    for stored in repo.pending(now):
        hwm = min(hwm, stored - _TICK)
    return hwm


def query_hwm(
    repo: ReceivedInvoices,
    context: ContextId,
    filters: InvoiceFilters,
    now: datetime,
    limits: RetrievalLimits,
) -> datetime:
    """The system HWM memoised for this (context, filters) for ``limits.hwm_memo``."""
    key = sha256_b64(f"{context.key}\n{filters.canonical()}".encode())
    memo = repo.memo(key, now)
    if memo is not None:
        return memo
    hwm = system_hwm(repo, now, limits.hwm_lag)
    repo.remember(key, hwm, now + limits.hwm_memo, now)
    return hwm


def resolve(
    repo: ReceivedInvoices,
    context: ContextId,
    filters: InvoiceFilters,
    now: datetime,
    limits: RetrievalLimits,
) -> Window:
    """Check the date range and turn the filters into an index range.

    Raises:
        ValidationFailed: 21405, the range is reversed or wider than 100 days.
        OutsideHwm: 21183, ``from`` is later than the HWM with the restriction on.
    """
    date_range = filters.date_range
    end = check_date_range(date_range.start, date_range.end, now)
    hwm: datetime | None = None
    if date_range.date_type == "PermanentStorage":
        system = query_hwm(repo, context, filters, now, limits)
        if date_range.restricted:
            if date_range.start > system:
                raise OutsideHwm(HWM_DETAILS)
            end = min(end, system)
        hwm = min(end, system)
    low, high = range_values(date_range, end)
    layout = repo.layout()
    indexed = layout >= SPARSE_LAYOUT
    date_index = DATE_INDEX[date_range.date_type]
    choice = facet_choice(filters) if indexed else None
    seller = filters.seller_nip if seller_indexed(filters.subject_type) and indexed else None
    if choice is not None:
        facet, values = choice
        index, seller = f"{date_index}-{facet}", None
    else:
        index, values = (date_index if seller is None else SELLER_INDEX[date_range.date_type]), ()
    window = Window(
        index,
        filters.subject_type,
        context.key,
        low,
        high,
        hwm,
        seller,
        values,
        by_number=indexed and filters.invoice_number is not None,
        facet_decides=choice is not None and facet_alone(filters, choice[0]),
    )
    skip = filters.ksef_number is not None or window.by_number or window.facet_decides
    if layout < COVERING_LAYOUT or window.decides(filters) or skip:
        return window
    start = prefix(filters.subject_type, context.key)
    wanted = filters.seller_nip if seller_indexed(filters.subject_type) else None
    if wanted is not None and layout >= LAYOUT:
        # The seller's covering range: that seller's rows only, the rest tested on them.
        at = code_at(f"{start}{wanted}|", low)
        if slices(replace(filters, seller_nip=None), at, "") is not None:
            return replace(
                window,
                index=SELLER_COVERING[date_range.date_type],
                seller=wanted,
                facet_values=(),
                covering_at=at,
            )
    at = code_at(start, low)
    if slices(filters, at, "") is None:
        return window
    covering = COVERING_INDEX[date_range.date_type]
    return replace(window, index=covering, seller=None, facet_values=(), covering_at=at)


def walk(
    repo: ReceivedInvoices,
    window: Window,
    filters: InvoiceFilters,
    now: datetime,
    *,
    descending: bool = False,
) -> Iterator[InvoiceRecord]:
    """The records of ``window`` that pass ``filters`` and are visible at ``now``, in order."""
    docs = walk_docs(repo, window, filters, now, descending=descending)
    while chunk := list(islice(docs, WALK_PAGE)):
        yield from repo.records(chunk)


def walk_docs(
    repo: ReceivedInvoices,
    window: Window,
    filters: InvoiceFilters,
    now: datetime,
    *,
    descending: bool = False,
) -> Iterator[Doc]:
    """The entry documents :func:`walk` reads (``entry.py``): each is matched as stored,
    and a caller reads the records of only the ones it returns
    (:meth:`ReceivedInvoices.records`; a deep page skips thousands)."""
    if filters.ksef_number is not None:
        yield from _by_number(repo, window, filters, now)
        return
    if window.by_number:
        yield from _by_invoice_number(repo, window, filters, now, descending)
        return
    if window.covering_at is not None:
        for number in covered_numbers(repo, window, filters, now, descending=descending):
            yield {"m": [number]}
        return
    now_text = iso(now)
    passes = filters.predicate()
    streams = [
        _walk_range(repo, window, base, passes, now_text, descending) for base in window.bases()
    ]
    merged = streams[0] if len(streams) == 1 else heapq.merge(*streams, reverse=descending)
    for _, _, doc in merged:
        yield doc


def covered_numbers(
    repo: ReceivedInvoices,
    window: Window,
    filters: InvoiceFilters,
    now: datetime,
    *,
    descending: bool = False,
    offset: int = 0,
    limit: int | None = None,
) -> Iterator[str]:
    """The KSeF numbers a covering window selects, in order, from ``offset`` (at most
    ``limit``): the store tests the index rows, keyset pages of :data:`COVERED_PAGE`."""
    tests = window.tests(filters, now)
    cut = len(prefix(window.subject_type, window.context_key))
    cursor: Cursor | None = None
    while limit is None or limit > 0:
        step = COVERED_PAGE if limit is None else min(limit, COVERED_PAGE)
        query = Query(
            order_by=window.index,
            low=window.low,
            high=window.high,
            descending=descending,
            after=cursor,
            offset=offset if cursor is None else 0,
            limit=step,
            slices=tests,
        )
        hits = repo.covered_hits(query)
        for hit in hits:
            yield hit.key[cut:]
        if len(hits) < step:
            return
        cursor = hits[-1].cursor
        limit = None if limit is None else limit - step


def facet_numbers(
    repo: ReceivedInvoices, window: Window, *, descending: bool = False
) -> Iterator[str]:
    """The KSeF numbers of a facet window's ranges in order, from their keys alone (every
    entry counted as visible: only for a store with nothing pending)."""
    cut = len(prefix(window.subject_type, window.context_key))
    streams = [_range_keys(repo, window, base, descending) for base in window.bases()]
    merged = streams[0] if len(streams) == 1 else heapq.merge(*streams, reverse=descending)
    for _, key in merged:
        yield key[cut:]


def _range_keys(
    repo: ReceivedInvoices, window: Window, base: str, descending: bool
) -> Iterator[tuple[str, str]]:
    """``(date, key)`` of every entry of the range ``base + [start, end]``, in order."""
    cut = len(base)
    cursor: Cursor | None = None
    while True:
        query = Query(
            order_by=window.index,
            low=base + window.start,
            high=base + window.end,
            descending=descending,
            after=cursor,
            limit=COVERED_PAGE,
        )
        hits = repo.covered_hits(query)
        for hit in hits:
            yield hit.value[cut:], hit.key
        if len(hits) < COVERED_PAGE:
            return
        cursor = hits[-1].cursor


def _walk_range(
    repo: ReceivedInvoices,
    window: Window,
    base: str,
    passes: Callable[[Sequence[Any]], bool],
    now_text: str,
    descending: bool,
) -> Iterator[tuple[str, str, Doc]]:
    """``(date, key, entry)`` of the range ``base + [start, end]`` that pass, in order."""
    cut = len(base)
    low, high = base + window.start, base + window.end
    cursor: Cursor | None = None
    while True:
        hits = repo.entry_hits(
            window.index, low, high, descending=descending, after=cursor, limit=WALK_PAGE
        )
        for hit in hits:
            doc = hit.doc
            fields = doc.get("m") or fields_of(doc)
            if fields[1] <= now_text and passes(fields):
                yield hit.value[cut:], hit.key, doc
        if len(hits) < WALK_PAGE:
            return
        cursor = hits[-1].cursor


def _by_invoice_number(
    repo: ReceivedInvoices,
    window: Window,
    filters: InvoiceFilters,
    now: datetime,
    descending: bool,
) -> Iterator[Doc]:
    """``invoiceNumber`` given: the few entries of that number, sorted here."""
    start = prefix(window.subject_type, window.context_key)
    wanted = start + (filters.invoice_number or "")
    date_type = filters.date_range.date_type
    found = [
        record
        for record in repo.entries(NUMBER_INDEX, wanted, wanted).records
        if window.start <= record.date_of(date_type) <= window.end
        and record.available_from <= now
        and filters.matches(record)
    ]
    found.sort(key=lambda record: (record.date_of(date_type), record.ksef_number))
    for record in reversed(found) if descending else found:
        yield entry_doc(record)


def _by_number(
    repo: ReceivedInvoices, window: Window, filters: InvoiceFilters, now: datetime
) -> Iterator[Doc]:
    """``ksefNumber`` given: one lookup instead of a walk."""
    found = repo.get(filters.ksef_number or "")
    if found is None:
        return
    record, roles = found
    value = record.date_of(filters.date_range.date_type)
    if (
        (window.subject_type, window.context_key) in roles
        and window.start <= value <= window.end
        and record.available_from <= now
        and filters.matches(record)
    ):
        yield entry_doc(record)


def select_invoices(
    repo: ReceivedInvoices,
    filters: InvoiceFilters,
    context: ContextId,
    now: datetime,
    limits: RetrievalLimits = DEFAULT_LIMITS,
) -> tuple[Window, Iterator[InvoiceRecord]]:
    """Every record the query semantics select, ascending by the ``dateType`` field.

    The export's entry point: the window (with the HWM to report) is resolved, and so
    checked, at once; the records are read lazily.

    Raises:
        ValidationFailed: 21405 (date range).
        OutsideHwm: 21183 (a query) / status 420 (an export).
    """
    window = resolve(repo, context, filters, now, limits)
    return window, walk(repo, window, filters, now)
