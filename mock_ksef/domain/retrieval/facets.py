"""Sparse indexes for the selective filters: rare values, and the invoice number.

A filter that keeps only a few of a context's invoices would make the walk read the
whole date range (a 0.1 % currency over 100,000 invoices: 100,000 entries for a handful
of hits). So each entry carries, besides its date indexes (``repo.py``):

* for each trait it has that most invoices lack (:data:`FACETS`: a currency other than
  PLN, a type other than ``Vat``, an attachment, offline mode, a form other than FA,
  self-invoicing), one index per date type, ``{date index}-{facet}`` =
  ``{subjectType}|{context}|{value}|{date}``: sparse, since most entries have none;
* ``num`` = ``{subjectType}|{context}|{invoiceNumber}`` (no date: a number names a handful).

:func:`facet_choice` picks, for a query, a facet whose filter admits only such values; the
selection then walks those ranges (one per admitted value, merged in date order) instead
of the whole date range. Entries stored without these indexes (a state written before
them) are not found this way: :data:`LAYOUT` marks a store whose entries all have them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from mock_ksef.domain.retrieval.filters import InvoiceFilters
from mock_ksef.domain.retrieval.record import InvoiceRecord

#: The entry layout a store's ``retrieval-layout`` marker names: 1, every entry has the
#: seller's, facet and number indexes (used from 1 on); 2, also the covering date
#: indexes (``covering.py``, used from 2 on); 3, also the seller's covering indexes
#: (``ps-seller-c``, ..., used from 3 on).
LAYOUT = 3
SPARSE_LAYOUT = 1
COVERING_LAYOUT = 2
#: Facet -> its value of a record when rare, else ``None``.
FACETS: dict[str, Callable[[InvoiceRecord], str | None]] = {
    "att": lambda r: "1" if r.content.has_attachment else None,
    "self": lambda r: "1" if r.content.is_self_invoicing else None,
    "form": lambda r: None if r.content.form_type == "FA" else r.content.form_type,
    "mode": lambda r: "Offline" if r.invoicing_mode == "Offline" else None,
    "cur": lambda r: None if r.content.currency == "PLN" else r.content.currency,
    "kind": lambda r: None if r.content.invoice_type == "Vat" else r.content.invoice_type,
}
NUMBER_INDEX = "num"
#: The filter each facet stands for (a facet alone decides a query of that filter only).
FACET_FILTER = {
    "att": "has_attachment",
    "self": "is_self_invoicing",
    "form": "form_type",
    "mode": "invoicing_mode",
    "cur": "currency_codes",
    "kind": "invoice_types",
}


def facet_index(record: InvoiceRecord, start: str, dates: dict[str, str]) -> dict[str, str]:
    """The sparse index values of an entry (``dates``: index name -> the record's date)."""
    index = {NUMBER_INDEX: start + record.content.invoice_number}
    add_facets(index, rare_facets(record, dates), start)
    return index


def rare_facets(record: InvoiceRecord, dates: dict[str, str]) -> list[tuple[str, str, str]]:
    """``(index name, value, date)`` of each sparse date index ``record`` carries: the same
    for every role, so built once per record (:func:`add_facets` adds a role's prefix)."""
    found: list[tuple[str, str, str]] = []
    for facet, value_of in FACETS.items():
        value = value_of(record)
        if value is not None:
            found += ((f"{name}-{facet}", value, date) for name, date in dates.items())
    return found


def add_facets(index: dict[str, str], facets: list[tuple[str, str, str]], start: str) -> None:
    """Add the sparse date indexes of :func:`rare_facets` under a role's prefix ``start``."""
    for name, value, date in facets:
        index[name] = f"{start}{value}|{date}"


def facet_alone(filters: InvoiceFilters, facet: str) -> bool:
    """Whether ``facet``'s filter is the only one besides the subject and the dates."""
    bare = InvoiceFilters(filters.subject_type, filters.date_range)
    field = FACET_FILTER[facet]
    return dataclasses.replace(filters, **{field: getattr(bare, field)}) == bare


def facet_choice(filters: InvoiceFilters) -> tuple[str, tuple[str, ...]] | None:
    """A facet whose filter admits only rare values, and those values (``None``: none)."""
    if filters.has_attachment:
        return "att", ("1",)
    if filters.is_self_invoicing:
        return "self", ("1",)
    if filters.form_type not in (None, "FA"):
        return "form", (str(filters.form_type),)
    if filters.invoicing_mode == "Offline":
        return "mode", ("Offline",)
    if filters.currency_codes and "PLN" not in filters.currency_codes:
        return "cur", tuple(sorted(set(filters.currency_codes)))
    if filters.invoice_types and "Vat" not in filters.invoice_types:
        return "kind", tuple(sorted(set(filters.invoice_types)))
    return None
