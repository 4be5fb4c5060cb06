"""Q, K and I: who sees which IZ, ``createdInCurrentContext``, ``detailsHidden``, paging."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.collective.support import (
    OTHER_SELLER,
    SELLER,
    WINDOW,
    G,
    I,
    K,
    Q,
    error,
    items,
    send_invoices,
)
from tests.support.invoices import BUYER_NIP
from tests.support.principal import access_token

STRANGER = "7010001454"
PAID = {"payment": {"amount": 100.5, "currency": "PLN"}, "description": "Rata 1"}


def _auth(app, nip):
    return {"Authorization": f"Bearer {access_token(app, nip)}"}


def _make(app, client, nip, numbers, **details):
    response = client.post(G, json=items(*numbers, **details), headers=_auth(app, nip))
    assert response.status_code == 201, response.json
    return response.json["collectiveIdentifierNumber"]


def _ok(response):
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.json


def test_q_shows_the_creator_and_the_seller_each_their_own_view(app, client):
    numbers = send_invoices(app, client, SELLER, 3)
    iz = _make(app, client, BUYER_NIP, numbers)
    row = {
        "collectiveIdentifierNumber": iz,
        "dateCreated": "2026-11-24T09:00:00.000000+00:00",
        "invoiceCount": 3,
    }
    assert _ok(client.post(Q, json=WINDOW, headers=_auth(app, BUYER_NIP))) == {
        "continuationToken": None,
        "collectiveIdentifiers": [{**row, "createdInCurrentContext": True}],
    }
    assert _ok(client.post(Q, json=WINDOW, headers=_auth(app, SELLER))) == {
        "continuationToken": None,
        "collectiveIdentifiers": [{**row, "createdInCurrentContext": False}],
    }
    assert _ok(client.post(Q, json=WINDOW, headers=_auth(app, STRANGER))) == {
        "continuationToken": None,
        "collectiveIdentifiers": [],
    }


def test_q_filters_by_number_counts_origin_and_window(app, client, clock):
    numbers = send_invoices(app, client, SELLER, 4)
    own = _make(app, client, SELLER, numbers[:2])
    clock.shift(timedelta(days=1))
    foreign = _make(app, client, BUYER_NIP, numbers)
    seller = _auth(app, SELLER)

    def listed(**extra):
        body = _ok(client.post(Q, json={**WINDOW, **extra}, headers=seller))
        return [row["collectiveIdentifierNumber"] for row in body["collectiveIdentifiers"]]

    assert listed() == [foreign, own]  # dateCreated desc
    assert listed(createdInCurrentContext=True) == [own]
    assert listed(createdInCurrentContext=False) == [foreign]
    assert listed(collectiveIdentifierNumber=own) == [own]
    assert listed(collectiveIdentifierNumber="not-an-iz") == []
    assert listed(invoiceCountFrom=3) == [foreign]
    assert listed(invoiceCountTo=2) == [own]
    assert listed(invoiceCountFrom=2, invoiceCountTo=2) == [own]
    assert listed(dateCreatedTo="2026-11-24T09:00:00Z") == [own]  # inclusive
    assert listed(dateCreatedFrom="2026-11-25T09:00:00.000001Z") == []


@pytest.mark.parametrize(
    ("extra", "detail"),
    [
        (
            {"dateCreatedTo": "2027-03-01T00:00:01Z"},
            "'dateCreated' range must not exceed 100 days.",
        ),
        (
            {"dateCreatedFrom": "2026-12-02T00:00:00Z"},
            "'dateCreatedFrom' must not be later than 'dateCreatedTo'.",
        ),
        (
            {"invoiceCountFrom": 5, "invoiceCountTo": 2},
            "'invoiceCountFrom' must not be greater than 'invoiceCountTo'.",
        ),
        (
            {"invoiceCountFrom": -1},
            "'invoiceCountFrom' must be greater than or equal to 0. You entered -1.",
        ),
        ({"dateCreatedFrom": None}, "dateCreatedFrom: 'dateCreatedFrom' must not be null."),
    ],
)
def test_q_refuses_bad_filters_with_21405(app, client, extra, detail):
    code, _, details = error(client.post(Q, json={**WINDOW, **extra}, headers=_auth(app, SELLER)))
    assert (code, details) == (21405, [detail])


def test_exactly_100_days_is_a_valid_window(app, client):
    body = {"dateCreatedFrom": "2026-11-01T00:00:00Z", "dateCreatedTo": "2027-02-09T00:00:00Z"}
    assert _ok(client.post(Q, json=body, headers=_auth(app, SELLER)))["collectiveIdentifiers"] == []


def test_q_pages_newest_first_with_tokens_that_change_and_end_in_null(app, client, clock):
    numbers = send_invoices(app, client, SELLER, 2)
    made = []
    for _ in range(12):
        made.append(_make(app, client, SELLER, numbers))
        clock.shift(timedelta(seconds=1))
    headers = _auth(app, SELLER)
    first = _ok(client.post(Q, json=WINDOW, headers=headers, query_string={"pageSize": 10}))
    token = first["continuationToken"]
    assert isinstance(token, str)
    assert "\\" not in token
    second = _ok(
        client.post(
            Q,
            json=WINDOW,
            headers={**headers, "x-continuation-token": token},
            query_string={"pageSize": 10},
        )
    )
    assert second["continuationToken"] is None
    seen = [r["collectiveIdentifierNumber"] for r in first["collectiveIdentifiers"]]
    seen += [r["collectiveIdentifierNumber"] for r in second["collectiveIdentifiers"]]
    assert seen == made[::-1]


def test_ties_on_the_date_sort_by_number_descending(app, client):
    numbers = send_invoices(app, client, SELLER, 2)
    made = [_make(app, client, SELLER, numbers) for _ in range(3)]
    body = _ok(client.post(Q, json=WINDOW, headers=_auth(app, SELLER)))
    assert [r["collectiveIdentifierNumber"] for r in body["collectiveIdentifiers"]] == sorted(
        made, reverse=True
    )


@pytest.mark.parametrize("token", ["garbage", "eyJEYXRlQ3JlYXRlZCI6IjIwMjYifQ"])
def test_a_bad_token_is_21418_with_the_iz_wording(app, client, token):
    headers = {**_auth(app, SELLER), "x-continuation-token": token}
    for response in (
        client.post(Q, json=WINDOW, headers=headers),
        client.get(K.format("1234563218-20261124-0000000000AB-00"), headers=headers),
        client.post(I, json={"collectiveIdentifierNumbers": ["x"]}, headers=headers),
    ):
        assert error(response) == (21418, "Przesłany token kontynuacji jest nieprawidłowy.", None)


def test_a_token_of_another_list_is_21418(app, client):
    numbers = send_invoices(app, client, SELLER, 2)
    for _ in range(11):
        _make(app, client, SELLER, numbers)
    headers = _auth(app, SELLER)
    token = _ok(client.post(Q, json=WINDOW, headers=headers))["continuationToken"]
    response = client.get(K.format(numbers[0]), headers={**headers, "x-continuation-token": token})
    assert error(response)[0] == 21418


@pytest.mark.parametrize(("path", "high"), [(Q, 200), (I, 500)])
def test_page_sizes_outside_their_range_are_21405(app, client, path, high):
    body = WINDOW if path == Q else {"collectiveIdentifierNumbers": ["x"]}
    for size in (9, high + 1):
        response = client.post(
            path, json=body, headers=_auth(app, SELLER), query_string={"pageSize": size}
        )
        assert error(response) == (
            21405,
            "Błąd walidacji danych wejściowych.",
            [f"pageSize: wartość {size} spoza zakresu 10..{high}."],
        )
    response = client.post(
        path, json=body, headers=_auth(app, SELLER), query_string={"pageSize": high}
    )
    assert response.status_code == 200


def test_k_lists_the_izs_of_an_invoice_the_caller_may_see(app, client):
    numbers = send_invoices(app, client, SELLER, 2)
    by_buyer = _make(app, client, BUYER_NIP, numbers)
    by_stranger = _make(app, client, STRANGER, numbers)
    date = "2026-11-24T09:00:00.000000+00:00"

    def listed(nip):
        return _ok(client.get(K.format(numbers[0]), headers=_auth(app, nip)))

    both = sorted([by_buyer, by_stranger], reverse=True)
    # The seller has a role on the invoice: every IZ over it.
    assert listed(SELLER) == {
        "continuationToken": None,
        "collectiveIdentifiers": [
            {"collectiveIdentifierNumber": n, "createdInCurrentContext": False, "dateCreated": date}
            for n in both
        ],
    }
    # The stranger has no role: only what it built.
    assert listed(STRANGER)["collectiveIdentifiers"] == [
        {
            "collectiveIdentifierNumber": by_stranger,
            "createdInCurrentContext": True,
            "dateCreated": date,
        }
    ]
    # An invoice nobody grouped: empty, not an error.
    assert listed(OTHER_SELLER)["collectiveIdentifiers"] == []


def test_k_refuses_a_malformed_number_with_21405(app, client):
    code, _, details = error(client.get(K.format("FV-1"), headers=_auth(app, SELLER)))
    assert code == 21405
    assert details == [
        "'ksefNumber' must be a KSeF number (e.g. 5265877635-20250826-0100001AF629-AF); "
        "you entered 'FV-1'."
    ]


def test_i_shows_details_to_the_creator_and_to_parties_and_hides_them_from_others(app, client):
    """A stranger builds an IZ over invoices to two buyers: each buyer sees its own."""
    [to_buyer] = send_invoices(app, client, SELLER, 1)
    [to_other] = send_invoices(app, client, SELLER, 1, buyer=OTHER_SELLER)
    iz = _make(app, client, STRANGER, [to_buyer, to_other], **PAID)
    body = {"collectiveIdentifierNumbers": [iz, iz, "1234563218-IZ202611-000000000000-00"]}
    shown = {
        "payment": {"amount": 100.5, "currency": "PLN"},
        "description": "Rata 1",
        "detailsHidden": False,
    }

    def rows(nip):
        return _ok(client.post(I, json=body, headers=_auth(app, nip)))

    ordered = sorted([to_buyer, to_other], reverse=True)
    assert rows(STRANGER) == {
        "continuationToken": None,
        "invoices": [{"ksefNumber": n, "collectiveIdentifierNumber": iz, **shown} for n in ordered],
    }
    seen_by_buyer = rows(BUYER_NIP)["invoices"]
    assert {r["ksefNumber"]: r for r in seen_by_buyer} == {
        to_buyer: {"ksefNumber": to_buyer, "collectiveIdentifierNumber": iz, **shown},
        to_other: {"ksefNumber": to_other, "collectiveIdentifierNumber": iz, "detailsHidden": True},
    }
    # Not related at all (no role on any of its invoices, not the creator): no rows.
    assert rows("9462527947")["invoices"] == []


def test_i_without_stored_details_sends_no_payment_a_null_description_and_not_hidden(app, client):
    numbers = send_invoices(app, client, SELLER, 2)
    iz = _make(app, client, SELLER, numbers)
    body = _ok(
        client.post(I, json={"collectiveIdentifierNumbers": [iz]}, headers=_auth(app, BUYER_NIP))
    )
    assert body["invoices"] == [
        {
            "ksefNumber": n,
            "collectiveIdentifierNumber": iz,
            "description": None,
            "detailsHidden": False,
        }
        for n in sorted(numbers, reverse=True)
    ]


def test_i_pages_rows_of_several_izs_by_ksef_number(app, client):
    numbers = send_invoices(app, client, SELLER, 6)
    first = _make(app, client, SELLER, numbers)
    second = _make(app, client, SELLER, numbers[:5])
    headers = _auth(app, SELLER)
    body = {"collectiveIdentifierNumbers": [first, second]}
    page = _ok(client.post(I, json=body, headers=headers))
    rows = page["invoices"]
    page = _ok(
        client.post(
            I, json=body, headers={**headers, "x-continuation-token": page["continuationToken"]}
        )
    )
    assert page["continuationToken"] is None
    rows += page["invoices"]
    expected = sorted(
        [(n, first) for n in numbers] + [(n, second) for n in numbers[:5]], reverse=True
    )
    assert [(r["ksefNumber"], r["collectiveIdentifierNumber"]) for r in rows] == expected


@pytest.mark.parametrize("count", [0, 11])
def test_i_takes_one_to_ten_numbers(app, client, count):
    body = {"collectiveIdentifierNumbers": [f"x{n}" for n in range(count)]}
    assert error(client.post(I, json=body, headers=_auth(app, SELLER))) == (
        21405,
        "Błąd walidacji danych wejściowych.",
        [
            "'collectiveIdentifierNumbers' must contain between 1 and 10 items. "
            f"You entered {count}."
        ],
    )
