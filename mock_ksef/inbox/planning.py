"""Plan one invoice: seller, dates, lines, amounts, correction/advance/attachment data.

Everything is drawn from the seeded generator and the pools; nothing here calls Faker.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from typing import NamedTuple

from mock_ksef.inbox.draft import Advance, Attachment, Correction, Draft
from mock_ksef.inbox.money import (
    QTY_SCALE,
    RATE_SCALE,
    Line,
    div_half_up,
    line,
    totals_of_advance,
    totals_of_lines,
)
from mock_ksef.inbox.pools import Product, Seller, between, one_of, pick
from mock_ksef.inbox.vocabulary import (
    ATTACHMENT_TITLES,
    CORRECTION_REASONS,
    CURRENCIES,
    PAYMENT_DAYS,
    PAYMENT_FORMS,
)

#: Number of lines on an invoice: 1 most often, up to 8.
LINE_COUNTS = (1, 1, 1, 1, 2, 2, 2, 3, 3, 4, 5, 6, 8)
#: Products each seller offers (a window of the product pool).
ASSORTMENT = 12
#: Advance shares of the order's gross value, in percent.
ADVANCE_SHARES = (10, 20, 25, 30, 50, 100)
#: Days an offline invoice was issued before it reached KSeF.
OFFLINE_DAYS = (1, 1, 1, 2, 3)
#: Earlier VAT invoices kept as originals for later corrections (per currency class).
ORIGINALS_KEPT = 512
#: A product as :meth:`Planner._lines` draws it: name, index, unit, VAT rate, fractional,
#: lowest price and the number of prices (grosze).
_Offer = tuple[str, str, str, str, bool, int, int]
_CURRENCY_RATES = tuple((code, int(rate.replace(".", ""))) for code, rate in CURRENCIES)


class Original(NamedTuple):
    """A VAT invoice a later KOR may correct."""

    draft: Draft
    ksef_number: str


class Planner:
    """Draws invoice plans; keeps the per-seller numbering and the originals to correct."""

    def __init__(
        self,
        form: str,
        rng: random.Random,
        sellers: list[Seller],
        weights: list[float],
        products: list[Product],
        contacts: tuple[str, ...],
    ) -> None:
        self.form = form
        self.rng = rng
        self.sellers = sellers
        self.weights = weights
        self.products = products
        self.contacts = contacts
        self._counters: dict[tuple[str, str, int, int], int] = {}
        self._originals: dict[bool, list[Original]] = {False: [], True: []}
        self._windows: dict[str, tuple[_Offer, ...]] = {}
        self._days: dict[tuple[date, int], str] = {}

    def remember(self, original: Original) -> None:
        """Keep ``original`` (a sample of recent ones) as a candidate for corrections."""
        kept = self._originals[original.draft.exchange_rate is not None]
        if len(kept) < ORIGINALS_KEPT:
            kept.append(original)
        else:
            kept[self.rng.randrange(ORIGINALS_KEPT)] = original

    def plan(
        self,
        kind: str,
        day: date,
        invoicing: datetime,
        foreign: bool,
        offline: bool,
        attachment: bool,
    ) -> tuple[Draft, str | None]:
        """A draft of ``kind`` accepted at ``invoicing`` (Polish date ``day``).

        Returns:
            The draft and, for a KOR of an invoice in KSeF, the corrected KSeF number.
        """
        rng = self.rng
        back = one_of(rng, OFFLINE_DAYS) if offline else 0
        issue = day - timedelta(days=back) if back else day
        created = invoicing - timedelta(days=back, seconds=between(rng, 5, 3_600))
        kept = self._originals[foreign]
        original = kept[int(rng.random() * len(kept))] if kind == "KOR" and kept else None
        if original is not None:
            seller = original.draft.seller
            currency, rate = original.draft.currency, original.draft.exchange_rate
        else:
            seller = self.sellers[pick(rng, self.weights)]
            currency, rate = self._currency(foreign)
        number = self._number(seller, kind, issue)
        attached = self._attachment(issue) if attachment else None
        sale = due = correction = advance = None
        form = "6"
        if kind == "KOR":
            lines, correction = self._correction(seller, rate, issue, original)
            totals = totals_of_lines(lines, rate)
        elif kind == "ZAL":
            order = self._lines(seller, rate)
            order_totals = totals_of_lines(order, rate)
            totals = totals_of_advance(order_totals, one_of(rng, ADVANCE_SHARES), rate)
            lines, advance = (), Advance(order, order_totals)
        else:
            lines = self._lines(seller, rate)
            form = one_of(rng, PAYMENT_FORMS)
            if form == "6":
                due = self._iso(day, one_of(rng, PAYMENT_DAYS) - back)
            sale = self._iso(day, -between(rng, 0, 5) - back)
            totals = totals_of_lines(lines, rate)
        draft = Draft(
            kind,
            number,
            self._iso(day, -back),
            sale,
            created,
            seller,
            currency,
            rate,
            lines,
            totals,
            form,
            due,
            correction,
            advance,
            attached,
        )
        return draft, None if original is None else original.ksef_number

    def _iso(self, day: date, shift: int) -> str:
        """``day`` moved by ``shift`` days, as ISO text (remembered: few days recur)."""
        key = (day, shift)
        text = self._days.get(key)
        if text is None:
            text = self._days[key] = (day + timedelta(days=shift)).isoformat()
        return text

    def _currency(self, foreign: bool) -> tuple[str, int | None]:
        if not foreign:
            return "PLN", None
        code, base = one_of(self.rng, _CURRENCY_RATES)
        return code, base + int(base * (self.rng.random() - 0.5) * 0.04)

    def _number(self, seller: Seller, kind: str, issue: date) -> str:
        monthly = "{m" in seller.number_style  # a yearly series restarts in January only
        key = (seller.party.nip, kind, issue.year, issue.month if monthly else 0)
        counter = self._counters.get(key, 0) + 1
        self._counters[key] = counter
        number = seller.number_style.format(y=issue.year, m=issue.month, n=counter)
        return number if kind == "VAT" else f"{kind}/{number}"

    def _lines(self, seller: Seller, rate: int | None) -> tuple[Line, ...]:
        """1-8 lines of products from the seller's assortment, priced in its currency."""
        random = self.rng.random
        window = self._windows.get(seller.party.nip) or self._window(seller)
        lines = []
        for _ in range(LINE_COUNTS[int(random() * len(LINE_COUNTS))]):  # one_of
            name, index, unit, vat, fractional, low, span = window[int(random() * ASSORTMENT)]
            # between(rng, 1, 80) * 500, between(rng, 1, 20) * QTY_SCALE, written out
            quantity = (
                (1 + int(random() * 80)) * 500
                if fractional
                else (1 + int(random() * 20)) * QTY_SCALE
            )
            price = low + int(random() * span)  # between(rng, ware.min_price, ware.max_price)
            if rate is not None:
                price = max(div_half_up(price * RATE_SCALE, rate), 1)
            # line(): the net is div_half_up(quantity * price, QTY_SCALE), both positive here
            net = (quantity * price * 2 + QTY_SCALE) // (2 * QTY_SCALE)
            lines.append(Line(name, index, unit, quantity, price, vat, net))
        return tuple(lines)

    def _window(self, seller: Seller) -> tuple[_Offer, ...]:
        """The :data:`ASSORTMENT` products ``seller`` offers (a window of the pool)."""
        start = (hash_of(seller.party.nip) * 7) % len(self.products)
        offers = []
        for k in range(ASSORTMENT):
            product = self.products[(start + k) % len(self.products)]
            ware = product.ware
            span = ware.max_price - ware.min_price + 1
            offers.append(
                (
                    product.name,
                    product.index,
                    ware.unit,
                    ware.rate,
                    ware.fractional,
                    ware.min_price,
                    span,
                )
            )
        window = self._windows[seller.party.nip] = tuple(offers)
        return window

    def _correction(
        self, seller: Seller, rate: int | None, issue: date, original: Original | None
    ) -> tuple[tuple[Line, ...], Correction]:
        """The returned part of 1-2 lines of ``original`` (or of an invoice from before the
        inbox, issued outside KSeF) and the ``DaneFaKorygowanej``."""
        rng = self.rng
        if original is None:
            source: tuple[Line, ...] = self._lines(seller, rate)
            number = f"{between(rng, 1, 999)}/{issue.year - 1}"
            issued = (issue - timedelta(days=between(rng, 30, 300))).isoformat()
        else:
            source = original.draft.lines
            number, issued = original.draft.number, original.draft.issue_date
        chosen = rng.sample(source, min(len(source), one_of(rng, (1, 1, 2))))
        lines = tuple(
            line(
                o.name,
                o.code,
                o.unit,
                -max(1, o.quantity * between(rng, 1, 50) // 100),
                o.unit_price,
                o.rate,
            )
            for o in chosen
        )
        fix = Correction(
            reason=one_of(rng, CORRECTION_REASONS),
            kind=one_of(rng, ("1", "2")),
            original_number=number,
            original_issue_date=issued,
            original_ksef_number=None if original is None else original.ksef_number,
        )
        return lines, fix

    def _attachment(self, issue: date) -> Attachment:
        rng = self.rng
        order = f"ZAM/{issue.year}/{between(rng, 1, 9_999):04d}"
        return Attachment(
            title=one_of(rng, ATTACHMENT_TITLES),
            meta=(("Numer zamówienia", order), ("Osoba kontaktowa", one_of(rng, self.contacts))),
            paragraphs=(
                f"Dotyczy zamówienia {order} z dnia {issue.isoformat()}.",
                f"Liczba pozycji: {between(rng, 1, 40)}. Uwagi: brak.",
            ),
        )


def hash_of(nip: str) -> int:
    """A stable small number from a NIP (Python's ``hash`` of str is salted per process)."""
    return int(nip) % 1_000_003
