"""Every filter of ``InvoiceQueryFilters``, the date types, and the validation texts."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from tests.conftest import START
from tests.lifecycle.client import Caller
from tests.retrieval.support import QUERY, error, filters, invoice_xml, ksef_number, query, seed
from tests.support.invoices import BUYER_NIP

SELLER = "1234563218"
OTHER_SELLER = "9999999999"


@pytest.fixture
def buyer(app, client):
    """Six invoices to the buyer (or with it as the EU/absent buyer), and its login."""
    specs: list[tuple[str, str, dict[str, Any], str]] = [
        ("FV/A", SELLER, {}, "Online"),
        ("FV/B", SELLER, {"currency": "EUR", "gross": "50.00"}, "Offline"),
        ("FV/C", OTHER_SELLER, {"kind": "KOR", "self_invoicing": True}, "Online"),
        ("FV/D", SELLER, {"attachment": True, "gross": "1000.00"}, "Online"),
        ("FV/E", SELLER, {"kind": "ZAL", "issue_date": "2026-11-10"}, "Online"),
    ]
    for n, (number, seller, extra, mode) in enumerate(specs, start=1):
        seed(
            app,
            invoice_xml(seller, number, **extra),
            ksef_number(seller, n),
            START - timedelta(hours=10 - n),
            mode=mode,
        )
    return Caller(app, client, BUYER_NIP)


def _numbers(client, headers, **extra):
    page = query(client, headers, filters("Subject2", **extra), pageSize=250)
    return [i["invoiceNumber"] for i in page["invoices"]]


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ({}, ["FV/A", "FV/B", "FV/C", "FV/D", "FV/E"]),
        ({"ksefNumber": ksef_number(SELLER, 2)}, ["FV/B"]),
        ({"ksefNumber": ksef_number(SELLER, 9)}, []),
        ({"invoiceNumber": "FV/C"}, ["FV/C"]),
        ({"invoiceNumber": "fv/c"}, []),
        ({"amount": {"type": "Brutto", "from": 100, "to": 123}}, ["FV/A", "FV/C", "FV/E"]),
        ({"amount": {"type": "Brutto", "from": 500}}, ["FV/D"]),
        ({"amount": {"type": "Netto", "to": 99.99}}, []),
        (
            {"amount": {"type": "Vat", "from": 23, "to": 23}},
            ["FV/A", "FV/B", "FV/C", "FV/D", "FV/E"],
        ),
        ({"sellerNip": OTHER_SELLER}, ["FV/C"]),
        (
            {"buyerIdentifier": {"type": "Nip", "value": BUYER_NIP}},
            ["FV/A", "FV/B", "FV/C", "FV/D", "FV/E"],
        ),
        ({"buyerIdentifier": {"type": "Nip", "value": "1111111111"}}, []),
        ({"buyerIdentifier": {"type": "None"}}, []),
        ({"currencyCodes": ["EUR", "USD"]}, ["FV/B"]),
        ({"currencyCodes": []}, ["FV/A", "FV/B", "FV/C", "FV/D", "FV/E"]),
        ({"invoicingMode": "Offline"}, ["FV/B"]),
        ({"isSelfInvoicing": True}, ["FV/C"]),
        ({"formType": "FA"}, ["FV/A", "FV/B", "FV/C", "FV/D", "FV/E"]),
        ({"formType": "PEF"}, []),
        ({"invoiceTypes": ["Kor", "Zal"]}, ["FV/C", "FV/E"]),
        ({"hasAttachment": True}, ["FV/D"]),
        (
            {"hasAttachment": False, "sellerNip": SELLER, "invoicingMode": "Online"},
            ["FV/A", "FV/E"],
        ),
    ],
)
def test_each_filter_selects_exactly_its_invoices(client, buyer, extra, expected):
    """Filters are ANDed; lists match any element; an empty list does not constrain."""
    assert _numbers(client, buyer.headers, **extra) == expected


def test_issue_dates_compare_as_polish_calendar_dates(client, buyer):
    """``Issue``: the time of day of from/to is ignored after conversion to Polish time."""
    body = filters("Subject2", "Issue")
    body["dateRange"] = {
        "dateType": "Issue",
        "from": "2026-11-09T23:30:00Z",  # 2026-11-10 00:30 in Warsaw
        "to": "2026-11-10T01:00:00+01:00",
    }
    page = query(client, buyer.headers, body)
    assert [i["invoiceNumber"] for i in page["invoices"]] == ["FV/E"]
    assert page["permanentStorageHwmDate"] is None


def test_invoicing_dates_are_inclusive_at_both_ends(client, buyer):
    """``Invoicing``: an invoice exactly at ``from`` or ``to`` is included."""
    body = filters("Subject2", "Invoicing")
    body["dateRange"] = {
        "dateType": "Invoicing",
        "from": "2026-11-24T01:00:00Z",  # FV/B's invoicing date
        "to": "2026-11-24T05:00:00.0000000+02:00",  # FV/D's, as C# writes it
    }
    assert [i["invoiceNumber"] for i in query(client, buyer.headers, body)["invoices"]] == [
        "FV/B",
        "FV/C",
        "FV/D",
    ]


@pytest.mark.parametrize(
    ("params", "body_change", "detail"),
    [
        ({"pageSize": 5}, {}, "'pageSize' must be between 10 and 250. You entered 5."),
        ({"pageSize": 251}, {}, "'pageSize' must be between 10 and 250. You entered 251."),
        (
            {"pageOffset": -1},
            {},
            "'pageOffset' must be greater than or equal to 0. You entered -1.",
        ),
        ({"sortOrder": "asc"}, {}, "'sortOrder' must be one of 'Asc', 'Desc'. You entered 'asc'."),
        (
            {"pageOffset": 40, "pageSize": 250},
            {},
            "You cannot retrieve invoices starting from number 10 000 or higher. "
            "Please narrow your filters.",
        ),
        (
            {},
            {"to": "2026-08-15T00:00:00Z", "from": "2026-05-06T23:59:59Z"},
            "'dateRange' must not exceed 100 days.",
        ),
        (
            {},
            {"from": "2026-11-20T00:00:00Z", "to": "2026-11-19T00:00:00Z"},
            "'dateRange.to' must not be earlier than 'dateRange.from'.",
        ),
        (
            {},
            {"from": "yesterday"},
            "dateRange.from: 'from' must be an ISO 8601 date-time (e.g. 2026-01-03T13:45:00+00:00)."
            " You entered 'yesterday'.",
        ),
    ],
)
def test_bad_paging_and_ranges_are_21405_with_teaching_texts(
    client, buyer, params, body_change, detail
):
    """The texts of BRIEF-RETRIEVAL 2.2/2.3 (the pageSize and cap ones as TE words them)."""
    body = filters("Subject2")
    body["dateRange"].update(body_change)
    response = client.post(QUERY, json=body, headers=buyer.headers, query_string=params)
    assert error(response) == (21405, "Błąd walidacji danych wejściowych.", [detail])


@pytest.mark.parametrize(
    ("change", "detail"),
    [
        (
            {"formType": "RR"},
            "formType: 'formType' must be one of 'FA', 'PEF', 'FA_RR'. You entered 'RR'.",
        ),
        (
            {"currencyCodes": ["PLZ"]},
            "currencyCodes.0: 'currencyCodes' must hold ISO 4217 codes of the spec's CurrencyCode"
            " (e.g. 'PLN', 'EUR'). You entered 'PLZ'.",
        ),
        ({"subjectType": None}, "subjectType: 'subjectType' must not be null."),
        (
            {"sellerNip": "123"},
            "sellerNip: 'sellerNip' must look like 5265877635. You entered '123'.",
        ),
    ],
)
def test_bad_filters_are_21405(client, buyer, change, detail):
    """Enum values outside the spec (the SDKs' old ``RR`` included) and patterns."""
    response = client.post(QUERY, json={**filters("Subject2"), **change}, headers=buyer.headers)
    assert error(response) == (21405, "Błąd walidacji danych wejściowych.", [detail])
