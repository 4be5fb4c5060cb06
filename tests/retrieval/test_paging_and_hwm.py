"""Paging to the end, sort order, the cap, the HWM (stability, 21183, late invoices)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from mock_ksef.scenario.model import AuthPlan, InvoiceMatch, RetrievalPlan, Scenario
from mock_ksef.timefmt import iso
from tests.conftest import START
from tests.lifecycle.client import Caller, with_scenario
from tests.retrieval.support import QUERY, error, filters, invoice_xml, ksef_number, query, seed
from tests.support.invoices import BUYER_NIP

SELLER = "1234563218"


def _seed_many(app, count):
    for n in range(1, count + 1):
        when = START - timedelta(minutes=count - n)
        seed(app, invoice_xml(SELLER, f"FV/{n:02d}"), ksef_number(SELLER, n), when)


def _numbers(page):
    return [i["invoiceNumber"] for i in page["invoices"]]


def test_pages_run_to_the_end_in_both_orders(app, client):
    """pageOffset is a page index; hasMore is false on the last page; Desc reverses Asc."""
    _seed_many(app, 25)
    buyer = Caller(app, client, BUYER_NIP)
    pages = [query(client, buyer.headers, filters(), pageOffset=n, pageSize=10) for n in range(3)]
    assert [(p["hasMore"], p["isTruncated"], len(p["invoices"])) for p in pages] == [
        (True, False, 10),
        (True, False, 10),
        (False, False, 5),
    ]
    ascending = [n for p in pages for n in _numbers(p)]
    assert ascending == [f"FV/{n:02d}" for n in range(1, 26)]
    desc = [
        query(client, buyer.headers, filters(), pageOffset=n, pageSize=10, sortOrder="Desc")
        for n in range(3)
    ]
    assert [n for p in desc for n in _numbers(p)] == ascending[::-1]
    beyond = query(client, buyer.headers, filters(), pageOffset=3, pageSize=10)
    assert (beyond["hasMore"], beyond["invoices"]) == (False, [])


@pytest.fixture
def capped(app):
    """A scenario lowering the cap to 20 records for the buyer's logins."""
    return with_scenario(
        app, Scenario(name="capped", retrieval=RetrievalPlan(max_results=20)), BUYER_NIP
    )


def test_the_page_reaching_the_cap_is_truncated_and_the_next_one_refused(app, client, capped):
    """isTruncated on the page holding record #cap when more match; beyond: 21405."""
    _seed_many(app, 25)
    buyer = Caller(app, client, BUYER_NIP)
    second = query(client, buyer.headers, filters(), pageOffset=1, pageSize=10)
    assert (second["hasMore"], second["isTruncated"]) == (True, True)
    assert _numbers(second)[-1] == "FV/20"
    first = query(client, buyer.headers, filters(), pageOffset=0, pageSize=10)
    assert (first["hasMore"], first["isTruncated"]) == (True, False)
    refused = client.post(
        QUERY, json=filters(), headers=buyer.headers, query_string={"pageOffset": 2}
    )
    assert error(refused)[2] == [
        "You cannot retrieve invoices starting from number 20 or higher. "
        "Please narrow your filters."
    ]
    # The client's restart: from = the last record's date, pageOffset 0 (inclusive: FV/20 again).
    body = filters()
    body["dateRange"]["from"] = second["invoices"][-1]["permanentStorageDate"]
    rest = query(client, buyer.headers, body)
    assert (_numbers(rest), rest["hasMore"], rest["isTruncated"]) == (
        ["FV/20", "FV/21", "FV/22", "FV/23", "FV/24", "FV/25"],
        False,
        False,
    )


def test_exactly_cap_matches_is_not_truncated(app, client, capped):
    """20 records under a cap of 20: the last page has hasMore false, isTruncated false."""
    _seed_many(app, 20)
    buyer = Caller(app, client, BUYER_NIP)
    last = query(client, buyer.headers, filters(), pageOffset=1, pageSize=10)
    assert (last["hasMore"], last["isTruncated"], len(last["invoices"])) == (False, False, 10)


def test_the_hwm_is_the_same_on_every_page_of_one_query(app, client, clock):
    """Memoised per (context, filters) for 10 minutes, while the clock moves on."""
    _seed_many(app, 15)
    buyer = Caller(app, client, BUYER_NIP)
    first = query(client, buyer.headers, filters(), pageOffset=0)
    clock.shift(timedelta(seconds=30))
    second = query(client, buyer.headers, filters(), pageOffset=1)
    assert first["permanentStorageHwmDate"] == second["permanentStorageHwmDate"] == iso(START)
    assert (
        query(client, buyer.headers, filters(date_type="Invoicing"))["permanentStorageHwmDate"]
        is None
    )
    clock.shift(timedelta(minutes=10))
    again = query(client, buyer.headers, filters())
    assert again["permanentStorageHwmDate"] == iso(START + timedelta(minutes=10, seconds=30))


def test_from_after_the_hwm_with_the_restriction_is_21183(app, client):
    """restrictToPermanentStorageHwmDate and from > HWM: 21183 with the spec's texts."""
    buyer = Caller(app, client, BUYER_NIP)
    body = filters()
    body["dateRange"].update(
        {
            "from": iso(START + timedelta(seconds=1)),
            "to": iso(START + timedelta(hours=1)),  # a future ``to`` is allowed
            "restrictToPermanentStorageHwmDate": True,
        }
    )
    assert error(client.post(QUERY, json=body, headers=buyer.headers)) == (
        21183,
        "Zakres filtrowania wykracza poza dostępny zakres danych.",
        [
            "Parametr dateRange.from jest późniejszy niż PermanentStorageHwmDate przy włączonym "
            "restrictToPermanentStorageHwmDate."
        ],
    )
    body["dateRange"]["restrictToPermanentStorageHwmDate"] = False  # then it is only a range
    assert query(client, buyer.headers, body)["invoices"] == []


def test_a_late_invoice_holds_the_hwm_below_it_until_it_is_visible(app, client, clock):
    """A held-back invoice is missing, and the HWM stays below its permanentStorageDate, so a
    client continuing from the HWM finds it later; one continuing from its old ``to`` misses it."""
    with_scenario(
        app,
        Scenario(
            name="late",
            retrieval=RetrievalPlan(
                permanent_storage_delay_seconds=600,
                delay_match=InvoiceMatch(invoice_number="FV/LATE*"),
            ),
        ),
        "1234563218",
    )
    seller = Caller(app, client, SELLER)
    ref = seller.open()
    assert seller.send(ref, "FV/EARLY").status_code == 202
    clock.shift(timedelta(seconds=1))
    assert seller.send(ref, "FV/LATE/1").status_code == 202
    late_ps = START + timedelta(seconds=1)
    clock.shift(timedelta(seconds=60))
    buyer = Caller(app, client, BUYER_NIP)
    body = filters()
    body["dateRange"]["restrictToPermanentStorageHwmDate"] = True
    now_page = query(client, buyer.headers, body)
    assert _numbers(now_page) == ["FV/EARLY"]
    hwm = now_page["permanentStorageHwmDate"]
    assert hwm == iso(late_ps - timedelta(microseconds=1))

    clock.shift(timedelta(seconds=600))
    from_hwm = filters()
    from_hwm["dateRange"].update({"from": hwm, "restrictToPermanentStorageHwmDate": True})
    assert _numbers(query(client, buyer.headers, from_hwm)) == ["FV/LATE/1"]
    from_old_to = filters()
    from_old_to["dateRange"]["from"] = iso(START + timedelta(seconds=61))
    assert _numbers(query(client, buyer.headers, from_old_to)) == []


def test_without_invoice_read_the_query_is_403(app, client):
    """A login without InvoiceRead gets ForbiddenProblemDetails naming the permission."""
    with_scenario(
        app, Scenario(name="writer", auth=AuthPlan(permissions=("InvoiceWrite",))), BUYER_NIP
    )
    buyer = Caller(app, client, BUYER_NIP)
    response = client.post(QUERY, json=filters(), headers=buyer.headers)
    assert response.status_code == 403
    assert response.json["reasonCode"] == "missing-permissions"
    assert response.json["security"] == {
        "requiredAnyOfPermissions": ["InvoiceRead"],
        "presentPermissions": ["InvoiceWrite"],
    }
