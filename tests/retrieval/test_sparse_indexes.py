"""The covering indexes (``covering.py``), the sparse indexes (``facets.py``) and the
seller's index select exactly what walking every entry of the date range selects: same
records, same order, same pages."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from mock_ksef.domain.auth.values import ContextId, Principal
from mock_ksef.domain.repos import Repos
from mock_ksef.domain.retrieval.covering import COVERING_INDEX
from mock_ksef.domain.retrieval.filters import (
    AmountFilter,
    BuyerFilter,
    DateRange,
    InvoiceFilters,
)
from mock_ksef.domain.retrieval.repo import (
    LAYOUT_KIND,
    SELLER_COVERING,
    ReceivedInvoices,
)
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
#: Shapes no sparse index holds: only the covering index (or the walk) answers them.
COMMON: list[dict[str, object]] = [
    {"currency_codes": ("PLN",)},
    {"invoice_types": ("Vat",)},
    {"has_attachment": False},
    {"is_self_invoicing": False},
    {"form_type": "FA"},
    {"invoicing_mode": "Online"},
    {"amount": AmountFilter("Brutto", 1000, 5000)},
    {"amount": AmountFilter("Netto", None, 2000.5)},
    {"amount": AmountFilter("Vat", 100, None)},
    {"currency_codes": ("PLN", "EUR"), "invoice_types": ("Vat", "Kor"), "has_attachment": False},
    {"buyer": BuyerFilter("Nip")},
    {"buyer": BuyerFilter("Nip", UNIT.split("-")[0])},
    {"buyer": BuyerFilter("Nip", "1111111111")},
]


def _all_pages(
    repo: ReceivedInvoices, context: ContextId, filters: InvoiceFilters, descending: bool
) -> list[list[str]]:
    principal = Principal(context, "AU", "access", ("InvoiceRead",))
    pages = []
    for n in range(100):
        page = query_metadata(repo, principal, filters, Paging(n, 25, descending), NOW)
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
    layout = store.get(LAYOUT_KIND, "entries")
    assert layout == {"layout": 3}
    for shape in [*shapes, *COMMON, *_with_seller(seller)]:
        filters = _filters(subject, date_type, **shape)
        window = resolve(repo, context, filters, NOW, RetrievalLimits())
        covered = _all_pages(repo, context, filters, descending)
        try:
            store.put(LAYOUT_KIND, "entries", {"layout": 2})
            dated = resolve(repo, context, filters, NOW, RetrievalLimits())
            date_covered = _all_pages(repo, context, filters, descending)
            store.put(LAYOUT_KIND, "entries", {"layout": 1})
            sparse = resolve(repo, context, filters, NOW, RetrievalLimits())
            indexed = _all_pages(repo, context, filters, descending)
            store.delete(LAYOUT_KIND, "entries")
            walked = _all_pages(repo, context, filters, descending)
        finally:
            store.put(LAYOUT_KIND, "entries", layout)
        assert covered == date_covered == indexed == walked, shape
        if "seller_nip" in shape:  # the seller's covering range, bar Subject1 (no seller index)
            seller_wide = subject != "Subject1"
            wanted = SELLER_COVERING if seller_wide else COVERING_INDEX
            assert window.index == wanted[date_type], shape
            assert (window.seller is not None) == seller_wide, shape
            assert dated.index == COVERING_INDEX[date_type], shape
            assert dated.seller is None, shape
        # The covering path was taken (a KSeF or invoice number has its own lookup, a
        # rare trait filtered alone its sparse index's keys).
        alone = len(shape) == 1 and shape in SHAPES
        assert window.facet_decides == alone, shape
        assert window.covering_at is not None or window.by_number or alone, shape
        if shape in shapes:  # the sparse path was taken without the covering indexes
            assert sparse.facet_values or sparse.by_number or sparse.seller, shape
    # Not vacuous: the EUR shape selects invoices in every role and date type.
    assert any(_all_pages(repo, context, _filters(subject, date_type, **SHAPES[0]), descending))


def _with_seller(seller: str) -> list[dict[str, object]]:
    """The ``sellerNip`` shapes the seller's covering index answers (layout 3)."""
    return [
        {"seller_nip": seller, "amount": AmountFilter("Brutto", 500)},
        {"seller_nip": seller, "currency_codes": ("PLN",)},
        {"seller_nip": seller, "amount": AmountFilter("Brutto", 1000, None)},
        {"seller_nip": seller, "invoice_types": ("Kor",)},
        {"seller_nip": seller, "invoice_types": ("Vat",), "has_attachment": False},
    ]


def store_seller(store: Store) -> str:
    """The seller of the newest invoice the sub-unit received."""
    newest = ReceivedInvoices(store).newest("Subject3", f"InternalId:{UNIT}", 1)[0]
    return newest.content.seller_nip
