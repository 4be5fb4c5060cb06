"""``POST /_mock/inbox`` generates and stores an inbox in the running mock."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from mock_ksef.domain.retrieval.repo import ReceivedInvoices
from mock_ksef.inbox import Buyer, InboxSpec, InvoiceMix, generate_inbox
from mock_ksef.services import Services
from tests.inbox.conftest import BUYER_NIP, END, START

BODY = {
    "buyer": {"type": "Nip", "value": BUYER_NIP},
    "count": 20,
    "from": START.isoformat(),
    "to": END.isoformat(),
    "seed": 9,
    "mix": {"corrections": 0.25, "foreignCurrency": 0.5},
}


def _services(app: Flask) -> Services:
    svc: Services = app.extensions["mock_ksef"]
    return svc


def test_the_route_stores_the_same_invoices_as_the_generator(
    app: Flask, client: FlaskClient
) -> None:
    """201 with the count and number range; the store holds the generator's exact bytes."""
    response = client.post("/_mock/inbox", json=BODY)
    mix = InvoiceMix(corrections=0.25, foreign_currency=0.5)
    spec = InboxSpec(Buyer("Nip", BUYER_NIP), 20, START, END, mix=mix, seed=9)
    expected = list(generate_inbox(spec))
    assert response.status_code == 201
    assert response.get_json() == {
        "stored": 20,
        "firstKsefNumber": expected[0].ksef_number,
        "lastKsefNumber": expected[-1].ksef_number,
    }
    svc = _services(app)
    for invoice in expected:
        assert svc.store.get_blob(f"invoice-xml/{invoice.ksef_number}") == invoice.xml
        assert ReceivedInvoices(svc.store).get(invoice.ksef_number) is not None
    assert sum(i.invoice_kind == "KOR" for i in expected) == 5


def test_a_bad_spec_is_21405_naming_the_problem(client: FlaskClient) -> None:
    """An invalid buyer NIP or an unknown mix key is a 400 ValidationFailed."""
    bad_nip = client.post("/_mock/inbox", json={**BODY, "buyer": {"value": "5265877636"}})
    unknown = client.post("/_mock/inbox", json={**BODY, "mix": {"refunds": 0.1}})
    bad_name = client.post("/_mock/inbox", json={**BODY, "buyer": {"value": BUYER_NIP, "name": 7}})
    cases = (
        (bad_nip, "is not a valid NIP"),
        (unknown, "refunds"),
        (bad_name, "buyer.name must be text of 1 to 512 characters, not 7"),
    )
    for response, text in cases:
        assert response.status_code == 400
        detail = response.get_json()["exception"]["exceptionDetailList"][0]
        assert detail["exceptionCode"] == 21405
        assert text in " ".join(detail["details"])
