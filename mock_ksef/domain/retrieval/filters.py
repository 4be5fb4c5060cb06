"""``InvoiceQueryFilters`` as a typed value, and what each filter means.

One value serves the metadata query and the export (which gets its filters through the
same HTTP parser, ``http/invoice_schemas.py``). All filters are ANDed; a list filter
matches any element; an absent filter, ``null`` or an empty list does not constrain.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from mock_ksef.codec import to_doc
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

    def matches(self, content: dict[str, Any]) -> bool:
        """Whether the amount of ``type`` of a record's stored ``content`` is within bounds."""
        value = content[_AMOUNTS[self.type]]
        return (self.low is None or value >= self.low) and (self.high is None or value <= self.high)


@dataclass(frozen=True)
class BuyerFilter:
    """``buyerIdentifier``: the type must match, and the value exactly when given."""

    type: str  # Nip | VatUe | Other | None
    value: str | None = None

    def matches(self, content: dict[str, Any]) -> bool:
        """Whether the buyer of a record's stored ``content`` has this type (and value)."""
        buyer = content["buyer"]
        return buyer["type"] == self.type and (self.value is None or buyer["value"] == self.value)


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
        return self.matches_doc(to_doc(record))

    def matches_doc(self, doc: dict[str, Any]) -> bool:
        """:meth:`matches` on a record's stored document (``to_doc``), before decoding it."""
        content = doc["content"]
        return (
            (self.ksef_number is None or doc["ksef_number"] == self.ksef_number)
            and (self.invoice_number is None or content["invoice_number"] == self.invoice_number)
            and (self.amount is None or self.amount.matches(content))
            and (self.seller_nip is None or content["seller_nip"] == self.seller_nip)
            and (self.buyer is None or self.buyer.matches(content))
            and (not self.currency_codes or content["currency"] in self.currency_codes)
            and (self.invoicing_mode is None or doc["invoicing_mode"] == self.invoicing_mode)
            and (
                self.is_self_invoicing is None
                or content["is_self_invoicing"] == self.is_self_invoicing
            )
            and (self.form_type is None or content["form_type"] == self.form_type)
            and (not self.invoice_types or content["invoice_type"] in self.invoice_types)
            and (self.has_attachment is None or content["has_attachment"] == self.has_attachment)
        )


#: ``amount.type`` -> the stored content field.
_AMOUNTS = {"Brutto": "gross_amount", "Netto": "net_amount", "Vat": "vat_amount"}


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
