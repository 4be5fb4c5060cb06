"""``sellerNip`` through the seller's index: the same pages as filtering every record."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.conftest import START
from tests.lifecycle.client import Caller
from tests.retrieval.support import filters, invoice_xml, ksef_number, query, seed
from tests.support.invoices import BUYER_NIP

SELLERS = ("1234563218", "5260250995", "7010002137")


@pytest.fixture
def mixed(app):
    """36 invoices to the buyer, the three sellers in turn, one minute apart; the 5th
    (``A/02``) in foreign currency; issue dates on two days."""
    for n in range(36):
        seller = SELLERS[n % 3]
        when = START - timedelta(minutes=36 - n)
        day = "2026-11-20" if n < 18 else "2026-11-21"
        currency = "EUR" if n == 3 else "PLN"
        xml = invoice_xml(seller, f"{'ABC'[n % 3]}/{n // 3:02d}", issue_date=day, currency=currency)
        seed(app, xml, ksef_number(seller, n + 1), when)


def _numbers(page):
    return [i["invoiceNumber"] for i in page["invoices"]]


@pytest.mark.parametrize("date_type", ["PermanentStorage", "Invoicing", "Issue"])
@pytest.mark.parametrize("descending", [False, True])
def test_pages_of_one_seller_in_both_orders(app, client, mixed, date_type, descending):
    """Pages of 10 of seller B's 12 invoices: exact, in order, hasMore until the last."""
    buyer = Caller(app, client, BUYER_NIP)
    body = filters(date_type=date_type, sellerNip=SELLERS[1])
    order = {"sortOrder": "Desc"} if descending else {}
    pages = [
        query(client, buyer.headers, body, pageOffset=n, pageSize=10, **order) for n in range(2)
    ]
    expected = [f"B/{n:02d}" for n in range(12)]
    if descending:
        expected.reverse()
    assert [_numbers(p) for p in pages] == [expected[:10], expected[10:]]
    assert [p["hasMore"] for p in pages] == [True, False]
    assert {i["seller"]["nip"] for p in pages for i in p["invoices"]} == {SELLERS[1]}


def test_a_seller_and_another_filter_walk_the_sellers_index(app, client, mixed):
    """sellerNip with currencyCodes / invoiceNumber: only that seller's matching invoices."""
    buyer = Caller(app, client, BUYER_NIP)
    pln = query(
        client, buyer.headers, filters(sellerNip=SELLERS[0], currencyCodes=["PLN"]), pageSize=20
    )
    assert _numbers(pln) == [f"A/{n:02d}" for n in range(12) if n != 1]
    eur = query(client, buyer.headers, filters(sellerNip=SELLERS[0], currencyCodes=["EUR"]))
    assert _numbers(eur) == ["A/01"]
    assert query(client, buyer.headers, filters(sellerNip=SELLERS[1], invoiceNumber="A/01")) == {
        "hasMore": False,
        "isTruncated": False,
        "permanentStorageHwmDate": "2026-11-24T09:00:00.000000+00:00",
        "invoices": [],
    }


def test_a_seller_with_a_late_invoice_pending(app, client, clock):
    """A pending invoice makes the query walk (visibility per record) the seller's index."""
    seller = SELLERS[2]
    seed(app, invoice_xml(seller, "C/early"), ksef_number(seller, 1), START - timedelta(hours=1))
    seed(
        app,
        invoice_xml(seller, "C/late"),
        ksef_number(seller, 2),
        START - timedelta(minutes=30),
        held=timedelta(hours=1),
    )
    seed(app, invoice_xml(SELLERS[0], "A/x"), ksef_number(SELLERS[0], 3), START)
    buyer = Caller(app, client, BUYER_NIP)
    assert _numbers(query(client, buyer.headers, filters(sellerNip=seller))) == ["C/early"]
    clock.shift(timedelta(hours=1))
    buyer = Caller(app, client, BUYER_NIP)  # the first token has expired
    assert _numbers(query(client, buyer.headers, filters(sellerNip=seller))) == [
        "C/early",
        "C/late",
    ]


def test_the_seller_sees_its_own_under_subject1(app, client, mixed):
    """Subject1 with the seller's own NIP: all of its invoices; another NIP: none."""
    seller = Caller(app, client, SELLERS[2])
    own = query(client, seller.headers, filters("Subject1", sellerNip=SELLERS[2]), pageSize=20)
    assert _numbers(own) == [f"C/{n:02d}" for n in range(12)]
    other = query(client, seller.headers, filters("Subject1", sellerNip=SELLERS[0]))
    assert other["invoices"] == []
