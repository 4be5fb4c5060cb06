"""Metadata query over a context with N received invoices: latency per page of 250.

``python -m benchmarks.retrieval [--invoices 100000] [--store sqlite|memory] [--pages 200]``

Bulk-fills the store directly (one record, cloned with fresh KSeF numbers and dates one
second apart, saved through ``ReceivedInvoices.save_many`` as the inbox saves them, 2,000
at a time), then times ``query_metadata`` for pages of 250 at random page indexes 0..39
(the reachable 10,000), Asc and Desc: without filters (the store's offset), with a
``sellerNip`` filter (the store's offset on the seller's index) and with ``sellerNip`` plus
``currencyCodes`` (the filtering walk over the seller's index, every record matched as
stored, only the page decoded). Target: p99 <= 50 ms per page.
"""

from __future__ import annotations

import argparse
import dataclasses
import random
import statistics
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from itertools import islice
from pathlib import Path

from mock_ksef.domain.auth.values import ContextId, Principal
from mock_ksef.domain.retrieval.derive import derive_content
from mock_ksef.domain.retrieval.filters import DateRange, InvoiceFilters
from mock_ksef.domain.retrieval.record import InvoiceRecord, StorageDates, build_record, roles
from mock_ksef.domain.retrieval.repo import ReceivedInvoices
from mock_ksef.domain.retrieval.selection import RetrievalLimits, resolve
from mock_ksef.domain.retrieval.use_cases import Paging, query_metadata
from mock_ksef.domain.session import FormCode
from mock_ksef.store import MemoryStore, SqliteStore, Store
from tests.support.invoices import BUYER_NIP, fa3_invoice

SELLER = "1234563218"
START = datetime(2026, 8, 20, tzinfo=UTC)


def fill(store: Store, count: int) -> float:
    """Save ``count`` records for the buyer; seconds taken."""
    repo = ReceivedInvoices(store)
    xml = fa3_invoice(SELLER, "FV/BENCH/1", "2026-08-20")
    form = FormCode("FA (3)", "1-0E", "FA")
    content = derive_content(xml, "FA (3)")
    began = time.perf_counter()
    for first in range(0, count, 2000):
        batch = []
        for n in range(first, min(first + 2000, count)):
            when = START + timedelta(seconds=n)
            record = build_record(
                xml,
                dataclasses.replace(content, invoice_number=f"FV/BENCH/{n}"),
                ksef_number=f"{SELLER}-20260820-{n:012X}-00",
                form_code=form,
                dates=StorageDates(when, when, when),
                invoicing_mode="Online",
            )
            batch.append((record, roles(record.content), xml))
        repo.save_many(batch)
    return time.perf_counter() - began


def measure(
    store: Store, pages: int, *, seller_filter: bool, currency_filter: bool = False
) -> list[float]:
    """Milliseconds per page of 250 at random page indexes."""
    repo = ReceivedInvoices(store)
    principal = Principal(ContextId("Nip", BUYER_NIP), "bench", "access", ("InvoiceRead",))
    now = START + timedelta(days=90)
    dates = DateRange("PermanentStorage", START, now)
    filters = InvoiceFilters(
        "Subject2",
        dates,
        seller_nip=SELLER if seller_filter else None,
        currency_codes=("PLN",) if currency_filter else (),
    )
    rng = random.Random(1)
    timings = []
    for n in range(pages):
        paging = Paging(rng.randrange(40), 250, descending=bool(n % 2))
        began = time.perf_counter()
        page = query_metadata(repo, principal, filters, paging, now, RetrievalLimits())
        timings.append((time.perf_counter() - began) * 1000)
        assert len(page.invoices) == 250
    return timings


def former_page(store: Store, filters: InvoiceFilters, paging: Paging, now: datetime) -> int:
    """A page as the walk read it before the seller's index: the plain index range,
    every walked record decoded, then matched (only ``sellerNip`` and visibility here)."""
    repo = ReceivedInvoices(store)
    context = ContextId("Nip", BUYER_NIP)
    window = dataclasses.replace(
        resolve(repo, context, filters, now, RetrievalLimits()), index="ps", seller=None
    )

    def walked() -> Iterator[InvoiceRecord]:
        cursor = None
        while True:
            page = repo.entries(
                window.index,
                window.low,
                window.high,
                after=cursor,
                limit=500,
                descending=paging.descending,
            )
            for record in page.records:
                if record.content.seller_nip == filters.seller_nip and record.available_from <= now:
                    yield record
            if len(page.records) < 500:
                return
            cursor = page.cursor

    first = paging.page_offset * paging.page_size
    return len(list(islice(walked(), first, first + paging.page_size + 1)))


def interleaved(store: Store, pages: int) -> tuple[list[float], list[float]]:
    """Milliseconds per page of the sellerNip query, new path and former path, alternating
    page by page (the same load on both)."""
    repo = ReceivedInvoices(store)
    principal = Principal(ContextId("Nip", BUYER_NIP), "bench", "access", ("InvoiceRead",))
    now = START + timedelta(days=90)
    filters = InvoiceFilters(
        "Subject2", DateRange("PermanentStorage", START, now), seller_nip=SELLER
    )
    rng = random.Random(2)
    new, old = [], []
    for n in range(pages):
        paging = Paging(rng.randrange(40), 250, descending=bool(n % 2))
        began = time.perf_counter()
        assert len(query_metadata(repo, principal, filters, paging, now).invoices) == 250
        new.append((time.perf_counter() - began) * 1000)
        began = time.perf_counter()
        assert former_page(store, filters, paging, now) == 251
        old.append((time.perf_counter() - began) * 1000)
    return new, old


def _summary(label: str, timings: list[float]) -> str:
    ordered = sorted(timings)
    p99 = ordered[max(0, round(len(ordered) * 0.99) - 1)]
    return (
        f"{label}: median {statistics.median(ordered):.2f} ms, p99 {p99:.2f} ms, "
        f"max {ordered[-1]:.2f} ms ({len(ordered)} pages)"
    )


def main(argv: list[str] | None = None) -> None:
    """Fill, then measure both query paths."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.retrieval", description=__doc__)
    parser.add_argument("--invoices", type=int, default=100_000)
    parser.add_argument("--store", choices=["sqlite", "memory"], default="sqlite")
    parser.add_argument("--pages", type=int, default=200)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        store: Store = (
            SqliteStore(Path(folder) / "state.sqlite3") if args.store == "sqlite" else MemoryStore()
        )
        print(f"filled {args.invoices} invoices in {fill(store, args.invoices):.1f} s")
        measure(store, 5, seller_filter=False)  # warm-up
        print(_summary("no filter (store offset)", measure(store, args.pages, seller_filter=False)))
        seller = measure(store, args.pages, seller_filter=True)
        print(_summary("sellerNip filter (seller's index)", seller))
        walked = measure(store, args.pages, seller_filter=True, currency_filter=True)
        print(_summary("sellerNip + currencyCodes (walk)", walked))
        new, old = interleaved(store, args.pages // 2)
        print(_summary("sellerNip, interleaved: seller's index", new))
        print(_summary("sellerNip, interleaved: former decoding walk", old))
        ratio = statistics.median(old) / statistics.median(new)
        print(f"former / new median: {ratio:.1f} x")
        store.close()


if __name__ == "__main__":
    main()
