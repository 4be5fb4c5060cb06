"""Metadata query over a Faker inbox: every filter shape clients send, page by page.

``python -m benchmarks.query_shapes [--invoices 100000] [--store sqlite|memory] [--pages 40]``

Stores one inbox of N FA (3) invoices (``store_inbox``, default mix, 200 sellers, 90 days)
to the JST sub-unit ``InternalId`` 5265877635-00001, so the same invoices are seen as
``Subject2`` (the JST's NIP), ``Subject3`` (the sub-unit) and ``Subject1`` (each seller).
Then, for each shape, pages of 250 as a client reads them: page 0, 1, ... until
``hasMore`` is false or ``--pages`` pages, in both sort orders, each timed with
``time.process_time`` (CPU of the process: the machine is shared, wall time is noise)
and ``perf_counter`` (wall). Prints one row per shape: matches, pages, CPU median / p99 /
max, wall p99. Target: p99 <= 50 ms per page.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from mock_ksef.domain.auth.values import ContextId, Principal
from mock_ksef.domain.repos import Repos
from mock_ksef.domain.retrieval.filters import AmountFilter, BuyerFilter, DateRange, InvoiceFilters
from mock_ksef.domain.retrieval.repo import ReceivedInvoices
from mock_ksef.domain.retrieval.use_cases import Paging, query_metadata
from mock_ksef.inbox import Buyer, GeneratedInvoice, InboxSpec, generate_inbox, store_inbox
from mock_ksef.store import MemoryStore, SqliteStore, Store

JST = "5265877635"
UNIT = f"{JST}-00001"
START = datetime(2026, 6, 1, tzinfo=UTC)
END = START + timedelta(days=90)
NOW = END + timedelta(days=2)
#: (label, context, filters) built from what the inbox holds.
Shape = tuple[str, ContextId, InvoiceFilters]


def _shapes(inbox: list[GeneratedInvoice]) -> list[Shape]:
    """Every filter shape, with values taken from the inbox (a top and a rare seller, a
    KSeF number and invoice number from the middle, amounts around the median)."""
    sellers: dict[str, int] = {}
    for invoice in inbox:
        sellers[invoice.seller_nip] = sellers.get(invoice.seller_nip, 0) + 1
    top, rare = max(sellers, key=sellers.__getitem__), min(sellers, key=sellers.__getitem__)
    middle = inbox[len(inbox) // 2]
    jst, unit = ContextId("Nip", JST), ContextId("InternalId", UNIT)
    seller = ContextId("Nip", top)

    def dates(date_type: str, end: datetime | None = END, restrict: bool = False) -> DateRange:
        return DateRange(date_type, START, end, restrict)

    def ps(**extra: Any) -> InvoiceFilters:
        return InvoiceFilters("Subject2", dates("PermanentStorage"), **extra)

    to_jst = BuyerFilter("Nip", JST)
    shapes: list[Shape] = [
        ("Subject2, PermanentStorage", jst, ps()),
        ("Subject2, Invoicing", jst, InvoiceFilters("Subject2", dates("Invoicing"))),
        ("Subject2, Issue", jst, InvoiceFilters("Subject2", dates("Issue"))),
        ("Subject3 (InternalId)", unit, InvoiceFilters("Subject3", dates("Invoicing"))),
        ("Subject1 (top seller)", seller, InvoiceFilters("Subject1", dates("Invoicing"))),
        ("SubjectAuthorized (none)", jst, InvoiceFilters("SubjectAuthorized", dates("Issue"))),
        ("restrictToHwm", jst, InvoiceFilters("Subject2", dates("PermanentStorage", None, True))),
        ("sellerNip (top seller)", jst, ps(seller_nip=top)),
        ("sellerNip (rare seller)", jst, ps(seller_nip=rare)),
        ("ksefNumber", jst, ps(ksef_number=middle.ksef_number)),
        ("invoiceNumber", jst, ps(invoice_number=middle.invoice_number)),
        ("amount Brutto 1000..5000", jst, ps(amount=AmountFilter("Brutto", 1000, 5000))),
        ("amount Netto >= 50000", jst, ps(amount=AmountFilter("Netto", 50_000, None))),
        ("amount Vat <= 10", jst, ps(amount=AmountFilter("Vat", None, 10))),
        ("currencyCodes [PLN]", jst, ps(currency_codes=("PLN",))),
        ("currencyCodes [EUR]", jst, ps(currency_codes=("EUR",))),
        ("currencyCodes [EUR, USD]", jst, ps(currency_codes=("EUR", "USD"))),
        ("invoiceTypes [Vat]", jst, ps(invoice_types=("Vat",))),
        ("invoiceTypes [Kor]", jst, ps(invoice_types=("Kor",))),
        ("invoiceTypes [Zal, Kor]", jst, ps(invoice_types=("Zal", "Kor"))),
        ("hasAttachment true", jst, ps(has_attachment=True)),
        ("hasAttachment false", jst, ps(has_attachment=False)),
        ("formType FA", jst, ps(form_type="FA")),
        ("invoicingMode Offline", jst, ps(invoicing_mode="Offline")),
        ("isSelfInvoicing false", jst, ps(is_self_invoicing=False)),
        ("buyer Nip (Subject1)", seller, InvoiceFilters("Subject1", dates("Issue"), buyer=to_jst)),
        ("sellerNip + currency [PLN]", jst, ps(seller_nip=top, currency_codes=("PLN",))),
        ("sellerNip + types [Kor]", jst, ps(seller_nip=top, invoice_types=("Kor",))),
        ("sellerNip + Brutto >= 1000", jst, ps(seller_nip=top, amount=AmountFilter("Brutto", 1e3))),
        ("PLN + Vat + no attachment", jst, ps(
            currency_codes=("PLN",), invoice_types=("Vat",), has_attachment=False
        )),
    ]  # fmt: skip
    return shapes


def _pages(
    repo: ReceivedInvoices, shape: Shape, limit: int, clock: Callable[[], float]
) -> tuple[int, list[float], list[float]]:
    """Matches seen, CPU and wall milliseconds of each page, both orders."""
    _, context, filters = shape
    principal = Principal(context, "bench", "access", ("InvoiceRead",))
    cpu: list[float] = []
    wall: list[float] = []
    matches = 0
    for descending in (False, True):
        seen = 0
        for page in range(limit):
            began, wall_began = clock(), time.perf_counter()
            found = query_metadata(repo, principal, filters, Paging(page, 250, descending), NOW)
            cpu.append((clock() - began) * 1000)
            wall.append((time.perf_counter() - wall_began) * 1000)
            seen += len(found.invoices)
            if not found.has_more:
                break
        matches = max(matches, seen)
    return matches, cpu, wall


def _p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, round(len(ordered) * 0.99) - 1)]


def run(store: Store, count: int, pages: int) -> None:
    """Fill, then print the table."""
    spec = InboxSpec(Buyer("InternalId", UNIT), count, START, END, seed=3)
    began = time.perf_counter()
    inbox = list(generate_inbox(spec))
    store_inbox(inbox, Repos(store))
    print(f"stored {count} invoices in {time.perf_counter() - began:.1f} s (not timed below)")
    shapes = _shapes(inbox)
    # The generated invoices are not what a server holds: let them go, or every full
    # garbage collection during the timed pages walks their millions of objects.
    del inbox
    gc.collect()
    repo = ReceivedInvoices(store)
    _pages(repo, shapes[0], 3, time.process_time)  # warm-up
    print("| Shape | matches | pages | CPU median | CPU p99 | CPU max | wall p99 |")
    print("|---|---|---|---|---|---|---|")
    for shape in shapes:
        matches, cpu, wall = _pages(repo, shape, pages, time.process_time)
        print(
            f"| {shape[0]} | {matches} | {len(cpu)} | {statistics.median(cpu):.1f} ms "
            f"| {_p99(cpu):.1f} ms | {max(cpu):.1f} ms | {_p99(wall):.1f} ms |",
            flush=True,
        )


def main(argv: list[str] | None = None) -> None:
    """Parse the arguments and run."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.query_shapes", description=__doc__)
    parser.add_argument("--invoices", type=int, default=100_000)
    parser.add_argument("--store", choices=("sqlite", "memory"), default="sqlite")
    parser.add_argument("--pages", type=int, default=40)
    args = parser.parse_args(argv)
    if args.store == "memory":
        run(MemoryStore(), args.invoices, args.pages)
        return
    with tempfile.TemporaryDirectory() as folder:
        store = SqliteStore(Path(folder) / "state.sqlite3")
        run(store, args.invoices, args.pages)
        store.close()


if __name__ == "__main__":
    main()
