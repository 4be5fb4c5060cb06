"""``InvoiceQueryFilters`` as a typed value, and what each filter means.

One value serves the metadata query and the export (which gets its filters through the
same HTTP parser, ``http/invoice_schemas.py``). All filters are ANDed; a list filter
matches any element; an absent filter, ``null`` or an empty list does not constrain.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from mock_ksef.codec import to_doc
from mock_ksef.domain.retrieval.entry import AMOUNT_AT, AT, entry_doc
from mock_ksef.domain.retrieval.record import InvoiceRecord
from mock_ksef.timefmt import WARSAW, iso


@dataclass(frozen=True)
class DateRange:
    """``dateRange``: the date compared, its bounds (aware) and the HWM restriction."""

    date_type: str  # Issue | Invoicing | PermanentStorage
    start: datetime
    end: datetime | None = None
    restrict_to_hwm: bool = False

    @property
    def restricted(self) -> bool:
        """Whether the HWM bounds the range (only ``PermanentStorage`` honours the flag)."""
        return self.restrict_to_hwm and self.date_type == "PermanentStorage"


@dataclass(frozen=True)
class AmountFilter:
    """``amount``: an inclusive range over the gross, net or VAT amount."""

    type: str  # Brutto | Netto | Vat
    low: float | None = None
    high: float | None = None


@dataclass(frozen=True)
class BuyerFilter:
    """``buyerIdentifier``: the type must match, and the value exactly when given."""

    type: str  # Nip | VatUe | Other | None
    value: str | None = None


@dataclass(frozen=True)
class InvoiceFilters:
    """``InvoiceQueryFilters`` (``BRIEF-RETRIEVAL.md`` 2.1)."""

    subject_type: str
    date_range: DateRange
    ksef_number: str | None = None
    invoice_number: str | None = None
    amount: AmountFilter | None = None
    seller_nip: str | None = None
    buyer: BuyerFilter | None = None
    currency_codes: tuple[str, ...] = ()
    invoicing_mode: str | None = None
    is_self_invoicing: bool | None = None
    form_type: str | None = None
    invoice_types: tuple[str, ...] = ()
    has_attachment: bool | None = None

    def canonical(self) -> str:
        """A stable text of the filters (the key of the memoised HWM)."""
        return json.dumps(to_doc(self), sort_keys=True, separators=(",", ":"))

    @property
    def only_indexed(self) -> bool:
        """Whether the index range decides alone: dates, and at most the seller's NIP."""
        return self == InvoiceFilters(
            self.subject_type, self.date_range, seller_nip=self.seller_nip
        )

    def matches(self, record: InvoiceRecord) -> bool:
        """Whether ``record`` passes every filter except the subject and the date range."""
        return self.predicate()(entry_doc(record)["m"])

    def predicate(self) -> Callable[[Sequence[Any]], bool]:
        """:meth:`matches` on an entry's stored fields (``entry.py``), before any decoding:
        one check per filter given, so a walk pays only for the filters it has."""
        checks = [check for check in self._checks() if check is not None]
        if not checks:
            return _anything
        if len(checks) == 1:
            return checks[0]
        return lambda fields: all(check(fields) for check in checks)

    def _checks(self) -> Iterator[Callable[[Sequence[Any]], bool] | None]:
        yield _equal("ksef_number", self.ksef_number)
        yield _equal("invoice_number", self.invoice_number)
        yield _equal("seller_nip", self.seller_nip)
        yield _equal("invoicing_mode", self.invoicing_mode)
        yield _equal("is_self_invoicing", self.is_self_invoicing)
        yield _equal("form_type", self.form_type)
        yield _equal("has_attachment", self.has_attachment)
        yield _among("currency", self.currency_codes)
        yield _among("invoice_type", self.invoice_types)
        if self.buyer is not None:
            yield _equal("buyer_type", self.buyer.type)
            yield _equal("buyer_value", self.buyer.value)
        if self.amount is not None:
            yield _within(AMOUNT_AT[self.amount.type], self.amount.low, self.amount.high)


def _anything(fields: Sequence[Any]) -> bool:
    return True


def _equal(name: str, wanted: object) -> Callable[[Sequence[Any]], bool] | None:
    """Field ``name`` equals ``wanted`` (``None``: no check)."""
    if wanted is None:
        return None
    at = AT[name]
    return lambda fields: fields[at] == wanted


def _among(name: str, wanted: tuple[str, ...]) -> Callable[[Sequence[Any]], bool] | None:
    """Field ``name`` is one of ``wanted`` (empty: no check)."""
    if not wanted:
        return None
    at, values = AT[name], frozenset(wanted)
    return lambda fields: fields[at] in values


def _within(at: int, low: float | None, high: float | None) -> Callable[[Sequence[Any]], bool]:
    """The amount at ``at`` lies in ``[low, high]`` (either bound may be open)."""
    if high is None:
        return lambda fields: low is None or fields[at] >= low
    if low is None:
        return lambda fields: fields[at] <= high
    return lambda fields: low <= fields[at] <= high


def range_values(date_range: DateRange, end: datetime) -> tuple[str, str]:
    """The inclusive ``(low, high)`` of the compared date, in the index's text form.

    ``Issue`` compares calendar dates in Polish time (the time of day is ignored);
    the other types compare instants.
    """
    if date_range.date_type == "Issue":
        return (
            date_range.start.astimezone(WARSAW).date().isoformat(),
            end.astimezone(WARSAW).date().isoformat(),
        )
    return iso(date_range.start), iso(end)
