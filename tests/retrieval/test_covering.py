"""The covering code (``covering.py``): amounts as order-preserving text, and filter
values the code cannot hold sent to the exact entry walk."""

from __future__ import annotations

from datetime import UTC, datetime

from mock_ksef.domain.retrieval.covering import amount_text, slices
from mock_ksef.domain.retrieval.filters import BuyerFilter, DateRange, InvoiceFilters

AMOUNTS = [-1e300, -123456.78, -100, -0.5, -1e-300, -0.0, 0, 1e-300, 0.01, 0.5, 1, 2, 99.99,
           100, 100.01, 123456.78, 2**53, 1e300]  # fmt: skip


def test_amount_text_orders_as_the_numbers() -> None:
    """Text order of the codes is numeric order, ties (0 and -0.0, 100 and 100.0) equal."""
    texts = [amount_text(amount) for amount in AMOUNTS]
    assert all(len(text) == 16 for text in texts)
    for a, text_a in zip(AMOUNTS, texts, strict=True):
        for b, text_b in zip(AMOUNTS, texts, strict=True):
            assert (text_a < text_b) == (a < b), (a, b)
            assert (text_a == text_b) == (a == b), (a, b)
    assert amount_text(100) == amount_text(100.0) == "c059000000000000"
    assert amount_text(-2.0) == "3fffffffffffffff"


def _filters(**extra: object) -> InvoiceFilters:
    dates = DateRange("Invoicing", datetime(2026, 6, 1, tzinfo=UTC))
    return InvoiceFilters("Subject2", dates, **extra)  # type: ignore[arg-type]


def test_values_the_code_cannot_hold_take_the_walk() -> None:
    """A seller that is not 10 characters, a too long type or form, an unknown mode or
    buyer type: ``None`` (the walk answers exactly); fitting values give tests."""
    for unfit in (
        {"seller_nip": "123"},
        {"invoice_types": ("Vat", "NotAType1")},
        {"form_type": "FA_RRR"},
        {"invoicing_mode": "Carrier pigeon"},
        {"buyer": BuyerFilter("Passport")},
    ):
        assert slices(_filters(**unfit), 10, "now") is None, unfit
    fit = slices(_filters(seller_nip="5265877635", invoice_types=("Kor", "Vat")), 10, "now")
    assert fit is not None
    assert [(t.start, t.width, t.op, t.operand) for t in fit] == [
        (10, 32, "le", "now"),
        (50, 8, "in", ("Kor     ", "Vat     ")),
        (110, 10, "in", ("5265877635",)),
    ]
