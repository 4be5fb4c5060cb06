"""Generate an inbox: N incoming invoices over a period, deterministic for a seed.

:func:`generate_inbox` plans each invoice (kind, seller, dates, lines, amounts), writes its
XML with :class:`~mock_ksef.inbox.fa_xml.FaWriter` and numbers it as KSeF would. Invoicing
dates are spread evenly over the period with jitter, so they come out in ascending order.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported when a generation builds its own Faker (not at a cold start)
    from faker import Faker

import binascii
import hashlib
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from mock_ksef.ids import RefType
from mock_ksef.inbox.fa_xml import JST_RECIPIENT_ROLE, FaWriter, unit_name
from mock_ksef.inbox.generated import GeneratedInvoice, Identifier, ThirdSubject
from mock_ksef.inbox.planning import Original, Planner
from mock_ksef.inbox.polish_days import PolishDays
from mock_ksef.inbox.pools import party, products, seller_weights, sellers
from mock_ksef.inbox.seeded_ids import InboxIds, SeededIds
from mock_ksef.inbox.spec import InboxSpec

#: ``acquisitionDate`` follows ``invoicingDate`` by this many microseconds (range).
ACQUISITION_DELAY_US = (50_000, 2_000_000)
#: Extra ``permanentStorageDate`` delay on top of ``storage_lag`` (microseconds, range).
STORAGE_JITTER_US = (0, 1_000_000)
_ACQ_LOW, _ACQ_SPAN = ACQUISITION_DELAY_US[0], ACQUISITION_DELAY_US[1] - ACQUISITION_DELAY_US[0] + 1
_JITTER_LOW, _JITTER_SPAN = STORAGE_JITTER_US[0], STORAGE_JITTER_US[1] - STORAGE_JITTER_US[0] + 1


class _Quota:
    """Exact counts drawn at random positions: ``k`` hits among the next ``n`` draws."""

    def __init__(self, total: int, *fractions: float) -> None:
        self.left = [int(total * f + 0.5) for f in fractions]
        self.n = total

    def draw(self, rng: random.Random) -> int:
        """The index of the fraction hit, or -1 for none."""
        point = rng.random() * self.n
        self.n -= 1
        for index, left in enumerate(self.left):
            if point < left:
                self.left[index] -= 1
                return index
            point -= left
        return -1

    def hit(self, rng: random.Random) -> bool:
        """Whether the next draw hits (a quota of one fraction): ``draw(rng) == 0``."""
        point = rng.random() * self.n
        self.n -= 1
        left = self.left[0]
        if point < left:
            self.left[0] = left - 1
            return True
        return False


@dataclass
class _Sessions:
    """One online session per seller and Polish day, with its invoice count."""

    day: date | None = None
    open: dict[str, tuple[str, int]] | None = None

    def add(self, ids: InboxIds, seller_nip: str, when: datetime, day: date) -> tuple[str, int]:
        if day != self.day or self.open is None:
            self.day, self.open = day, {}
        reference, count = self.open.get(seller_nip) or (
            ids.reference(RefType.ONLINE_SESSION, when),
            0,
        )
        self.open[seller_nip] = (reference, count + 1)
        return reference, count + 1


def generate_inbox(
    spec: InboxSpec,
    *,
    faker: Faker | None = None,
    rng: random.Random | None = None,
    ids: InboxIds | None = None,
) -> Iterator[GeneratedInvoice]:
    """Yield ``spec.count`` invoices to ``spec.buyer``, in ascending invoicing date.

    Args:
        spec: what to generate (validated here).
        faker: a seeded ``Faker("pl_PL")`` for the pools; default: seeded with ``spec.seed``.
        rng: the seeded generator every invoice draws from; default: ``Random(spec.seed)``.
        ids: KSeF and reference numbers; default: :class:`SeededIds` over ``rng``.

    Raises:
        InboxSpecError: the spec is unusable (raised on the first ``next``).
    """
    spec.validate()
    if faker is None:
        from faker import Faker

        faker = Faker("pl_PL")
        faker.seed_instance(spec.seed)
    rng = rng if rng is not None else random.Random(spec.seed)
    ids = ids if ids is not None else SeededIds(rng)
    buyer = spec.buyer
    buyer_party = party(faker, buyer.nip, buyer.name)
    pool = sellers(faker, rng, spec.sellers, {buyer.nip})
    planner = Planner(
        spec.form,
        rng,
        pool,
        seller_weights(len(pool)),
        products(faker),
        tuple(faker.name() for _ in range(40)),
    )
    writer = FaWriter(spec.form, buyer, buyer_party)
    mix = spec.effective_mix
    kinds = _Quota(spec.count, mix.corrections, mix.advances)
    foreign = _Quota(spec.count, mix.foreign_currency)
    offline = _Quota(spec.count, mix.offline)
    attached = _Quota(spec.count, mix.attachments)
    third = (
        (
            ThirdSubject(
                Identifier("InternalId", buyer.value),
                unit_name(buyer_party),
                int(JST_RECIPIENT_ROLE),
            ),
        )
        if buyer.identifier_type == "InternalId"
        else ()
    )
    sessions = _Sessions()
    days = PolishDays()
    buyer_id = Identifier("Nip", buyer.nip)
    count, start, form = spec.count, spec.start, spec.form
    lag_us = spec.storage_lag // timedelta(microseconds=1) + _JITTER_LOW
    span_us = (spec.end - start) // timedelta(microseconds=1)
    slot_us = max(span_us // max(count, 1), 1)
    draw = rng.random
    write, plan, remember = writer.write, planner.plan, planner.remember
    sha256, b2a_base64 = hashlib.sha256, binascii.b2a_base64
    for i in range(count):
        offset = span_us * i // count + int(draw() * slot_us)
        invoicing = start + timedelta(microseconds=min(offset, span_us - 1))
        day = days.of(invoicing)
        kind = ("KOR", "ZAL")[k] if (k := kinds.draw(rng)) >= 0 else "VAT"
        draft, corrected = plan(
            kind, day, invoicing, foreign.hit(rng), offline.hit(rng), attached.hit(rng)
        )
        xml = write(draft)
        seller = draft.seller.party
        ksef_number = ids.ksef_number(seller.nip, invoicing)
        session, ordinal = sessions.add(ids, seller.nip, invoicing, day)
        # between(rng, *ACQUISITION_DELAY_US) and between(rng, *STORAGE_JITTER_US)
        acquisition = invoicing + timedelta(microseconds=_ACQ_LOW + int(draw() * _ACQ_SPAN))
        storage = acquisition + timedelta(microseconds=lag_us + int(draw() * _JITTER_SPAN))
        if kind == "VAT":
            remember(Original(draft, ksef_number))
        totals = draft.totals
        rate = draft.exchange_rate
        yield GeneratedInvoice(
            xml=xml,
            invoice_hash=b2a_base64(sha256(xml).digest(), newline=False).decode("ascii"),
            size=len(xml),
            ksef_number=ksef_number,
            invoice_number=draft.number,
            invoice_kind=kind,
            system_code=form,
            schema_version="1-0E",
            issue_date=day
            if draft.issue_date == days.iso
            else date.fromisoformat(draft.issue_date),
            invoicing_date=invoicing,
            acquisition_date=acquisition,
            permanent_storage_date=storage,
            invoicing_mode="Offline" if draft.issue_date < days.iso else "Online",
            seller_nip=seller.nip,
            seller_name=seller.name,
            buyer=buyer_id,
            buyer_name=buyer_party.name,
            third_subjects=third,
            currency=draft.currency,
            exchange_rate=None if rate is None else Decimal(rate).scaleb(-4),
            net_amount=Decimal(totals.net).scaleb(-2),
            vat_amount=Decimal(totals.vat_pln).scaleb(-2),
            vat_in_currency=Decimal(totals.vat).scaleb(-2),
            gross_amount=Decimal(totals.gross).scaleb(-2),
            has_attachment=draft.attachment is not None,
            corrected_ksef_number=corrected,
            session_reference=session,
            invoice_reference=ids.reference(RefType.INVOICE, invoicing),
            ordinal=ordinal,
        )
