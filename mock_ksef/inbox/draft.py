"""One planned invoice, before it becomes XML: every value the writer puts in the file."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from mock_ksef.inbox.money import Line, Totals
from mock_ksef.inbox.pools import Seller


@dataclass(frozen=True, slots=True)
class Correction:
    """``DaneFaKorygowanej`` and the reason of a correcting invoice (KOR)."""

    reason: str  # PrzyczynaKorekty
    kind: str  # TypKorekty: 1 in the original's period, 2 in the correction's
    original_number: str
    original_issue_date: str
    original_ksef_number: str | None  # None: the original was issued outside KSeF


@dataclass(frozen=True, slots=True)
class Advance:
    """The order behind an advance invoice (ZAL): ``Zamowienie``."""

    order_lines: tuple[Line, ...]
    order_totals: Totals


@dataclass(frozen=True, slots=True)
class Attachment:
    """A ``Zalacznik`` with one data block."""

    title: str
    meta: tuple[tuple[str, str], ...]
    paragraphs: tuple[str, ...]


class Draft(NamedTuple):
    """Everything the XML of one invoice states (a named tuple: one is made per invoice).

    ``lines`` are ``FaWiersz`` (empty for ZAL, whose items are in ``advance``); ``totals``
    are the ``P_13_*``/``P_14_*``/``P_15`` amounts.
    """

    kind: str  # RodzajFaktury: VAT, KOR, ZAL
    number: str  # P_2
    issue_date: str  # P_1
    sale_date: str | None  # P_6
    created: datetime  # DataWytworzeniaFa (UTC)
    seller: Seller
    currency: str
    exchange_rate: int | None  # PLN × 10 000 per unit; None for PLN
    lines: tuple[Line, ...]
    totals: Totals
    payment_form: str  # FormaPlatnosci
    due_date: str | None  # TerminPlatnosci/Termin (None: paid, or nothing to pay)
    correction: Correction | None = None
    advance: Advance | None = None
    attachment: Attachment | None = None
