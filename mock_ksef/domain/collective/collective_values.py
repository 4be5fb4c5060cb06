"""The values of the IZ side: an IZ with its entries, the query filters, the result rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

#: An invoice may sit in this many IZs created by one context (spec, 71002).
MAX_IZ_PER_INVOICE = 132


@dataclass(frozen=True)
class IzEntry:
    """One invoice of an IZ, with the creator's optional declarations.

    ``amount`` is kept as decimal text (``"100.50"``) so it round-trips exactly.
    """

    ksef_number: str
    amount: str | None = None
    currency: str | None = None
    description: str | None = None

    @property
    def has_details(self) -> bool:
        """A payment or a description was stored (either counts, BRIEF-IZ §3.4)."""
        return self.amount is not None or self.description is not None


@dataclass(frozen=True)
class CollectiveIdentifier:
    """An immutable IZ: who built it, when, and over which invoices (request order)."""

    number: str
    seller_nip: str
    creator: str  # the creating context's key, e.g. ``Nip:5265877635``
    date_created: datetime
    entries: tuple[IzEntry, ...]

    @property
    def invoice_count(self) -> int:
        """How many invoices it holds."""
        return len(self.entries)


@dataclass(frozen=True)
class IzQuery:
    """``CollectiveIdentifiersQueryRequest`` (bounds inclusive; ``None``: no constraint)."""

    date_from: datetime
    date_to: datetime
    number: str | None = None
    count_from: int | None = None
    count_to: int | None = None
    created_here: bool | None = None


@dataclass(frozen=True)
class IzListed:
    """One row of Q or K."""

    number: str
    date_created: datetime
    invoice_count: int
    created_here: bool


@dataclass(frozen=True)
class IzInvoiceRow:
    """One row of I: an invoice of a requested IZ and what the caller may see of it."""

    ksef_number: str
    number: str
    entry: IzEntry
    details_hidden: bool
