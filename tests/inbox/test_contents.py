"""What the generated invoices say: totals that add up, numbers, dates, mix, determinism."""

from __future__ import annotations

import base64
import hashlib
import re
from collections import Counter
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest
from lxml import etree

from mock_ksef.ids import KSEF_NUMBER_RE, has_valid_checksum
from mock_ksef.inbox import Buyer, GeneratedInvoice, InboxSpecError, InvoiceMix, generate_inbox
from mock_ksef.timefmt import WARSAW, warsaw_date
from tests.inbox.conftest import BUYER_NIP, END, START, amounts, make_spec, texts

PERCENT = {"1": 23, "2": 8, "3": 5}
CENT = Decimal("0.01")


@pytest.fixture(scope="module")
def invoices() -> list[GeneratedInvoice]:
    """400 invoices with every trait mixed in."""
    return list(generate_inbox(make_spec(count=400)))


def _root(invoice: GeneratedInvoice) -> etree._Element:
    return etree.fromstring(invoice.xml)


def test_vat_per_rate_and_the_totals_add_up(invoices: list[GeneratedInvoice]) -> None:
    """P_14_x = P_13_x × rate (ZAL: extracted from the gross), P_15 = Σ P_13 + Σ P_14."""
    for invoice in invoices:
        root = _root(invoice)
        nets, vats = amounts(root, "P_13_"), amounts(root, "P_14_")
        plain_vats = {k: v for k, v in vats.items() if not k.endswith("W")}
        for name, net in nets.items():
            suffix = name.removeprefix("P_13_")
            if suffix not in PERCENT:
                continue
            vat, rate = plain_vats[f"P_14_{suffix}"], PERCENT[suffix]
            if invoice.invoice_kind == "ZAL":  # net and VAT extracted from the advance's gross
                assert net == ((net + vat) * 100 / (100 + rate)).quantize(CENT, ROUND_HALF_UP)
            else:
                assert vat == (net * rate / 100).quantize(CENT, ROUND_HALF_UP)
        gross = Decimal(texts(root, "Fa/P_15")[0])
        assert gross == sum(nets.values()) + sum(plain_vats.values())
        assert (invoice.net_amount, invoice.gross_amount) == (sum(nets.values()), gross)
        assert invoice.vat_in_currency == sum(plain_vats.values())
        if invoice.invoice_kind != "ZAL":  # ZAL has no FaWiersz (its order is in Zamowienie)
            lines = [Decimal(t) for t in texts(root, "Fa/FaWiersz/P_11")]
            assert lines
            assert sum(lines) == invoice.net_amount


def test_foreign_vat_in_pln_uses_the_rate(invoices: list[GeneratedInvoice]) -> None:
    """A foreign invoice states P_14_xW = P_14_x × rate; the metadata VAT is Σ P_14_xW."""
    foreign = [i for i in invoices if i.currency != "PLN"]
    assert foreign
    for invoice in foreign:
        vats = amounts(_root(invoice), "P_14_")
        converted = {k: v for k, v in vats.items() if k.endswith("W")}
        assert invoice.exchange_rate is not None
        for name, pln in converted.items():
            expected = (vats[name[:-1]] * invoice.exchange_rate).quantize(CENT, ROUND_HALF_UP)
            assert pln == expected
        assert invoice.vat_amount == sum(converted.values())
    domestic = [i for i in invoices if i.currency == "PLN"]
    assert all(i.vat_amount == i.vat_in_currency and i.exchange_rate is None for i in domestic)


def test_hash_size_and_ksef_number(invoices: list[GeneratedInvoice]) -> None:
    """Base64 SHA-256 and size of the bytes; a KSeF number with the seller, date and CRC-8."""
    for invoice in invoices:
        assert (
            invoice.invoice_hash == base64.b64encode(hashlib.sha256(invoice.xml).digest()).decode()
        )
        assert invoice.size == len(invoice.xml)
        assert KSEF_NUMBER_RE.fullmatch(invoice.ksef_number)
        assert has_valid_checksum(invoice.ksef_number)
        nip, day, _, _ = invoice.ksef_number.split("-")
        assert (nip, day) == (invoice.seller_nip, warsaw_date(invoice.invoicing_date))
    assert len({i.ksef_number for i in invoices}) == len(invoices)


def test_dates_are_spread_over_the_period_in_order(invoices: list[GeneratedInvoice]) -> None:
    """Invoicing dates ascend inside [start, end); acquisition and storage follow."""
    dates = [i.invoicing_date for i in invoices]
    assert dates == sorted(dates)
    assert START <= dates[0] < START + timedelta(days=1)
    assert END - timedelta(days=1) < dates[-1] < END
    for invoice in invoices:
        assert invoice.invoicing_date < invoice.acquisition_date
        assert invoice.permanent_storage_date - invoice.acquisition_date >= timedelta(seconds=1)


def test_online_and_offline_issue_dates(invoices: list[GeneratedInvoice]) -> None:
    """Online: P_1 is the Polish date of invoicingDate; offline: an earlier day."""
    for invoice in invoices:
        received = invoice.invoicing_date.astimezone(WARSAW).date()
        if invoice.invoicing_mode == "Online":
            assert invoice.issue_date == received
        else:
            assert invoice.invoicing_mode == "Offline"
            assert 1 <= (received - invoice.issue_date).days <= 3


def test_the_mix_counts_are_exact(invoices: list[GeneratedInvoice]) -> None:
    """400 invoices at 30 % KOR, 20 % ZAL, 30 % attachments, 40 % foreign, 30 % offline."""
    kinds = Counter(i.invoice_kind for i in invoices)
    assert kinds == {"KOR": 120, "ZAL": 80, "VAT": 200}
    assert sum(i.has_attachment for i in invoices) == 120
    assert sum(i.currency != "PLN" for i in invoices) == 160
    assert sum(i.invoicing_mode == "Offline" for i in invoices) == 120
    assert Counter(i.invoice_type for i in invoices) == {"Kor": 120, "Zal": 80, "Vat": 200}


def test_corrections_point_at_earlier_invoices_of_their_seller(
    invoices: list[GeneratedInvoice],
) -> None:
    """A KOR names an earlier VAT invoice (number, date, KSeF number) of the same seller."""
    by_number = {i.ksef_number: i for i in invoices}
    corrections = [i for i in invoices if i.invoice_kind == "KOR"]
    linked = [i for i in corrections if i.corrected_ksef_number is not None]
    assert len(linked) > len(corrections) // 2
    for invoice in linked:
        original = by_number[invoice.corrected_ksef_number or ""]
        root = _root(invoice)
        assert original.invoice_kind == "VAT"
        assert original.seller_nip == invoice.seller_nip
        assert original.currency == invoice.currency
        assert original.invoicing_date < invoice.invoicing_date
        assert texts(root, "Fa/DaneFaKorygowanej/NrFaKorygowanej") == [original.invoice_number]
        assert texts(root, "Fa/DaneFaKorygowanej/NrKSeFFaKorygowanej") == [original.ksef_number]
        assert invoice.gross_amount < 0
    for invoice in corrections:
        if invoice.corrected_ksef_number is None:
            assert texts(_root(invoice), "Fa/DaneFaKorygowanej/NrKSeFN") == ["1"]


def test_sellers_recur_and_are_never_the_buyer(invoices: list[GeneratedInvoice]) -> None:
    """A seller pool: some sellers issue many invoices; none is the buyer; numbers unique."""
    sellers = Counter(i.seller_nip for i in invoices)
    assert BUYER_NIP not in sellers
    assert sellers.most_common(1)[0][1] >= 10
    keys = {(i.seller_nip, i.invoice_kind, i.invoice_number) for i in invoices}
    assert len(keys) == len(invoices)


def test_same_seed_same_bytes_other_seed_other_bytes() -> None:
    """Determinism: a seed fixes every byte; another seed changes them."""
    first = [i.xml for i in generate_inbox(make_spec(count=60, seed=5))]
    again = [i.xml for i in generate_inbox(make_spec(count=60, seed=5))]
    other = [i.xml for i in generate_inbox(make_spec(count=60, seed=6))]
    assert first == again
    assert not set(first) & set(other)


def test_internal_id_buyer_is_podmiot3_of_a_jst() -> None:
    """An InternalId inbox: Podmiot2 is the JST's NIP (JST=1), Podmiot3/IDWew the unit, role 8."""
    buyer = Buyer("InternalId", f"{BUYER_NIP}-00042")
    invoice = next(iter(generate_inbox(make_spec(buyer=buyer, count=1))))
    root = _root(invoice)
    assert texts(root, "Podmiot2/DaneIdentyfikacyjne/NIP") == [BUYER_NIP]
    assert texts(root, "Podmiot2/JST") == ["1"]
    assert texts(root, "Podmiot3/DaneIdentyfikacyjne/IDWew") == [f"{BUYER_NIP}-00042"]
    assert texts(root, "Podmiot3/Rola") == ["8"]
    assert [(s.identifier.type, s.identifier.value, s.role) for s in invoice.third_subjects] == [
        ("InternalId", f"{BUYER_NIP}-00042", 8)
    ]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"form": "FA (2)"}, "FA (2) has no Zalacznik"),
        ({"buyer": Buyer("Nip", "5265877636")}, "is not a valid NIP"),
        ({"buyer": Buyer("InternalId", BUYER_NIP)}, "is not NIP-nnnnn"),
        ({"end": START}, "end must be after start"),
        ({"mix": InvoiceMix(corrections=0.7, advances=0.5)}, "must not exceed 1"),
        ({"mix": InvoiceMix(offline=1.5)}, "mix.offline must be between 0 and 1"),
        ({"start": START.replace(year=2025, month=8)}, "DataWytworzeniaFa bounds"),
        ({"form": "PEF (3)"}, "form must be one of"),
        ({"buyer": Buyer("Nip", BUYER_NIP, "A\rB")}, "must not contain control characters ('\\r'"),
        ({"buyer": Buyer("InternalId", f"{BUYER_NIP}-00042", "x" * 489)}, "1 to 488 characters"),
    ],
)
def test_unusable_specs_are_refused(changes: dict[str, object], message: str) -> None:
    """InboxSpecError names the problem, on the first draw."""
    with pytest.raises(InboxSpecError, match=re.escape(message)):
        next(iter(generate_inbox(make_spec(**changes))))
