"""The sparse indexes (``facets.py``) and the seller's index select exactly what walking
every entry of the date range selects: same records, same order, same pages."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from mock_ksef.domain.auth.values import ContextId, Principal
from mock_ksef.domain.repos import Repos
from mock_ksef.domain.retrieval.filters import AmountFilter, DateRange, InvoiceFilters
from mock_ksef.domain.retrieval.repo import LAYOUT_KIND, ReceivedInvoices
from mock_ksef.domain.retrieval.selection import RetrievalLimits, resolve
from mock_ksef.domain.retrieval.use_cases import Paging, query_metadata
from mock_ksef.inbox import Buyer, InboxSpec, InvoiceMix, generate_inbox, store_inbox
from mock_ksef.store import MemoryStore, SqliteStore, Store

UNIT = "5265877635-00001"
START = datetime(2026, 6, 1, tzinfo=UTC)
END = START + timedelta(days=20)
NOW = END + timedelta(days=1)
MIX = InvoiceMix(corrections=0.15, advances=0.1, attachments=0.1, foreign_currency=0.3, offline=0.2)


@pytest.fixture(name="store", params=["memory", "sqlite"], scope="module")
def _store(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Store]:
    path = tmp_path_factory.mktemp("sparse") / "s.db"
    store: Store = MemoryStore() if request.param == "memory" else SqliteStore(path)
    spec = InboxSpec(Buyer("InternalId", UNIT), 700, START, END, mix=MIX, seed=5, sellers=12)
    store_inbox(generate_inbox(spec), Repos(store))
    yield store
    store.close()


def _filters(subject: str, date_type: str, **extra: object) -> InvoiceFilters:
    return InvoiceFilters(subject, DateRange(date_type, START, END), **extra)  # type: ignore[arg-type]


SHAPES: list[dict[str, object]] = [
    {"currency_codes": ("EUR",)},
    {"currency_codes": ("EUR", "USD", "GBP")},
    {"invoice_types": ("Kor",)},
    {"invoice_types": ("Zal", "Kor")},
    {"has_attachment": True},
    {"invoicing_mode": "Offline"},
    {"invoicing_mode": "Offline", "currency_codes": ("EUR", "CHF")},
    {"has_attachment": True, "amount": AmountFilter("Brutto", 1000, None)},
    {"form_type": "PEF"},
    {"is_self_invoicing": True},
]


def _all_pages(
    repo: ReceivedInvoices, context: ContextId, filters: InvoiceFilters, descending: bool
) -> list[list[str]]:
    principal = Principal(context, "AU", "access", ("InvoiceRead",))
    pages = []
    for n in range(100):
        page = query_metadata(repo, principal, filters, Paging(n, 10, descending), NOW)
        pages.append([r.ksef_number for r in page.invoices])
        if not page.has_more:
            return pages
    raise AssertionError("more than 100 pages")


@pytest.mark.parametrize("subject", ["Subject1", "Subject2", "Subject3"])
@pytest.mark.parametrize("date_type", ["PermanentStorage", "Invoicing", "Issue"])
@pytest.mark.parametrize("descending", [False, True])
def test_sparse_indexes_page_like_the_walk(
    store: Store, subject: str, date_type: str, descending: bool
) -> None:
    """Each facet shape (and with a seller, and an invoice number): identical pages with
    the indexes and with the plain walk (the store marked as not re-indexed)."""
    repo = ReceivedInvoices(store)
    seller = store_seller(store)
    context = {
        "Subject1": ContextId("Nip", seller),
        "Subject2": ContextId("Nip", UNIT.split("-")[0]),
        "Subject3": ContextId("InternalId", UNIT),
    }[subject]
    some = repo.newest("Subject3", f"InternalId:{UNIT}", 400)[-1]
    shapes: list[dict[str, object]] = [*SHAPES, {"seller_nip": seller, "currency_codes": ("EUR",)}]
    shapes += [{"invoice_number": some.content.invoice_number}]
    for shape in shapes:
        filters = _filters(subject, date_type, **shape)
        assert repo.indexed()
        window = resolve(repo, context, filters, NOW, RetrievalLimits())
        indexed = _all_pages(repo, context, filters, descending)
        layout = store.get(LAYOUT_KIND, "entries")
        store.delete(LAYOUT_KIND, "entries")
        try:
            walked = _all_pages(repo, context, filters, descending)
        finally:
            assert layout is not None
            store.put(LAYOUT_KIND, "entries", layout)
        assert indexed == walked, shape
        assert window.facet_values or window.by_number, shape  # the sparse path was taken
    # Not vacuous: the EUR shape selects invoices in every role and date type.
    assert any(_all_pages(repo, context, _filters(subject, date_type, **SHAPES[0]), descending))


def store_seller(store: Store) -> str:
    """The seller of the newest invoice the sub-unit received."""
    newest = ReceivedInvoices(store).newest("Subject3", f"InternalId:{UNIT}", 1)[0]
    return newest.content.seller_nip
