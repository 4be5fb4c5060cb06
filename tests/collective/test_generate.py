"""G ``POST /collective-identifiers``: the number, every stage's code and text, the limit."""

from __future__ import annotations

import pytest

from mock_ksef.ids import has_valid_checksum
from tests.collective.support import OTHER_SELLER, SELLER, G, error, items, send_invoices
from tests.support.invoices import BUYER_NIP
from tests.support.principal import access_token

NOT_SENT = "1234563218-20261124-0000000000AB-00"


def _auth(app, nip):
    return {"Authorization": f"Bearer {access_token(app, nip)}"}


def test_the_number_names_the_seller_the_month_and_checks_out(app, client):
    numbers = send_invoices(app, client, SELLER, 2)
    response = client.post(G, json=items(*numbers), headers=_auth(app, SELLER))
    assert response.status_code == 201
    assert list(response.json) == ["collectiveIdentifierNumber"]
    number = response.json["collectiveIdentifierNumber"]
    assert len(number) == 35
    assert number.startswith(f"{SELLER}-IZ202611-")
    assert has_valid_checksum(number)


def test_a_buyer_builds_one_over_the_sellers_invoices_and_it_still_names_the_seller(app, client):
    numbers = send_invoices(app, client, SELLER, 2)
    response = client.post(G, json=items(*numbers), headers=_auth(app, BUYER_NIP))
    assert response.status_code == 201
    assert response.json["collectiveIdentifierNumber"].startswith(f"{SELLER}-IZ")


def test_every_generate_makes_a_new_number(app, client):
    numbers = send_invoices(app, client, SELLER, 2)
    made = {
        client.post(G, json=items(*numbers), headers=_auth(app, SELLER)).json[
            "collectiveIdentifierNumber"
        ]
        for _ in range(3)
    }
    assert len(made) == 3


def test_a_repeated_number_is_71005_also_in_its_36_character_form(app, client):
    first, second = send_invoices(app, client, SELLER, 2)
    old_form = first[:20] + first[20:26] + "-" + first[26:]
    body = items(first, second, old_form)
    assert error(client.post(G, json=body, headers=_auth(app, SELLER))) == (
        71005,
        "Powtórzony numer KSeF w żądaniu.",
        [f"Powtórzony numer KSeF {first}."],
    )


def test_an_unknown_invoice_is_71001_for_each_missing_number(app, client):
    [sent] = send_invoices(app, client, SELLER, 1)
    other = "1234563218-20261124-0000000000CD-00"
    body = items(sent, NOT_SENT, other)
    assert error(client.post(G, json=body, headers=_auth(app, SELLER))) == (
        71001,
        "Faktura o podanym identyfikatorze nie istnieje.",
        [
            f"Faktura o numerze KSeF {NOT_SENT} nie została znaleziona.",
            f"Faktura o numerze KSeF {other} nie została znaleziona.",
        ],
    )


def test_invoices_of_two_sellers_are_71004_naming_those_unlike_the_first(app, client):
    ours = send_invoices(app, client, SELLER, 2)
    [theirs] = send_invoices(app, client, OTHER_SELLER, 1)
    body = items(ours[0], theirs, ours[1])
    assert error(client.post(G, json=body, headers=_auth(app, BUYER_NIP))) == (
        71004,
        "Faktury mają różnych sprzedawców.",
        [f"Faktura o numerze KSeF {theirs} ma innego sprzedawcę."],
    )


def test_stages_answer_in_order_a_repeat_before_a_missing_invoice(app, client):
    [sent] = send_invoices(app, client, SELLER, 1)
    code, _, _ = error(client.post(G, json=items(sent, NOT_SENT, sent), headers=_auth(app, SELLER)))
    assert code == 71005


def test_the_132nd_iz_of_one_context_over_an_invoice_is_the_last(app, client):
    """71002 counts the IZs *this* context built; another context may still build one."""
    first, second = send_invoices(app, client, SELLER, 2)
    headers = _auth(app, SELLER)
    for _ in range(132):
        assert client.post(G, json=items(first, second), headers=headers).status_code == 201
    assert error(client.post(G, json=items(first, second), headers=headers)) == (
        71002,
        "Faktura jest już przypisana do maksymalnej liczby Identyfikatorów Zbiorczych.",
        [
            f"Faktura o numerze KSeF {n} jest już przypisana do maksymalnej liczby "
            "Identyfikatorów Zbiorczych."
            for n in (first, second)
        ],
    )
    response = client.post(G, json=items(first, second), headers=_auth(app, BUYER_NIP))
    assert response.status_code == 201


def test_the_context_limit_on_invoices_per_iz_is_21405(app, client):
    numbers = send_invoices(app, client, SELLER, 3)
    headers = _auth(app, SELLER)
    lowered = {
        "onlineSession": {
            "maxInvoiceSizeInMB": 1,
            "maxInvoiceWithAttachmentSizeInMB": 3,
            "maxInvoices": 10,
        },
        "batchSession": {
            "maxInvoiceSizeInMB": 1,
            "maxInvoiceWithAttachmentSizeInMB": 3,
            "maxInvoices": 10,
        },
        "collectiveIdentifier": {"maxInvoices": 2},
    }
    response = client.post("/v2/testdata/limits/context/session", json=lowered, headers=headers)
    assert response.status_code == 200
    assert error(client.post(G, json=items(*numbers), headers=headers)) == (
        21405,
        "Błąd walidacji danych wejściowych.",
        ["'invoices' must not contain more than 2 items. You entered 3."],
    )
    assert client.post(G, json=items(*numbers[:2]), headers=headers).status_code == 201
    # Another context keeps the default of 500.
    assert client.post(G, json=items(*numbers), headers=_auth(app, BUYER_NIP)).status_code == 201


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        (
            {"invoices": [{"ksefNumber": NOT_SENT}]},
            "invoices: 'invoices' must contain at least 2 items. You entered 1.",
        ),
        ({}, "invoices: 'invoices' is required."),
        (
            items("FV/1", NOT_SENT),
            "invoices.0.ksefNumber: 'ksefNumber' must be a KSeF number "
            "(e.g. 5265877635-20250826-0100001AF629-AF). You entered 'FV/1'.",
        ),
        (
            items(NOT_SENT, "1234563218-20261124-0000000000AC-00", description="x" * 513),
            "invoices.0.description: 'description' must be 512 characters or fewer.",
        ),
        (
            items(
                NOT_SENT,
                "1234563218-20261124-0000000000AC-00",
                payment={"amount": 1, "currency": "ZZZ"},
            ),
            "invoices.0.payment.currency: 'currency' must be an ISO 4217 code of the spec's "
            "CurrencyCode (e.g. 'PLN'). You entered 'ZZZ'.",
        ),
    ],
)
def test_schema_violations_are_21405(app, client, body, detail):
    code, _, details = error(client.post(G, json=body, headers=_auth(app, SELLER)))
    assert code == 21405
    assert details is not None
    assert details[0] == detail


def test_an_unreadable_body_is_21001(app, client):
    response = client.post(
        G, data=b'{"invoices": [', content_type="application/json", headers=_auth(app, SELLER)
    )
    code, description, _ = error(response)
    assert (code, description) == (21001, "Nieczytelna treść.")


def test_without_any_of_the_three_permissions_it_is_403(app, client):
    token = access_token(app, SELLER, permissions=("Introspection",))
    response = client.post(
        G, json=items(NOT_SENT, NOT_SENT), headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 403
    assert response.json["reasonCode"] == "missing-permissions"
    assert response.json["security"] == {
        "requiredAnyOfPermissions": ["InvoiceRead", "InvoiceWrite", "CollectiveIdentifierManage"],
        "presentPermissions": ["Introspection"],
    }
