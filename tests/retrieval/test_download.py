"""``GET /invoices/ksef/{ksefNumber}``: the bytes as sent, the hash, 21164, 21165, 21405."""

from __future__ import annotations

from datetime import timedelta

from mock_ksef.scenario.model import RetrievalPlan, Scenario
from tests.lifecycle.client import Caller, with_scenario
from tests.retrieval.support import error, filters, query
from tests.support.client_crypto import sha
from tests.support.invoices import BUYER_NIP, fa3_invoice

SELLER = "1234563218"


def _send(app, client, number, xml=None):
    seller = Caller(app, client, SELLER)
    ref = seller.open()
    response = seller.send(ref, number, xml)
    assert response.status_code == 202
    status = seller.invoice(ref, response.json["referenceNumber"])
    return seller, status


def test_the_buyer_downloads_the_exact_bytes_with_their_hash(app, client):
    """Byte for byte as sent (the declaration, quotes and all) and x-ms-meta-hash."""
    xml = fa3_invoice(SELLER, "FV/DL/1").replace(b"<P_2>", b"\n  <P_2>")
    _, status = _send(app, client, "FV/DL/1", xml)
    buyer = Caller(app, client, BUYER_NIP)
    response = client.get(f"/v2/invoices/ksef/{status['ksefNumber']}", headers=buyer.headers)
    assert response.status_code == 200
    assert response.mimetype == "application/xml"
    assert response.data == xml
    assert response.headers["x-ms-meta-hash"] == sha(xml) == status["invoiceHash"]


def test_unknown_and_invisible_invoices_are_both_21164(app, client):
    """A context that is no party gets the same answer as for a number that does not exist."""
    _, status = _send(app, client, "FV/DL/2")
    number = status["ksefNumber"]
    stranger = Caller(app, client, "9999999999")
    for asked in (number, number[:-2] + "00"):
        response = client.get(f"/v2/invoices/ksef/{asked}", headers=stranger.headers)
        assert error(response) == (
            21164,
            "Faktura o podanym identyfikatorze nie istnieje.",
            [f"Faktura o numerze KSeF {asked} nie została znaleziona."],
        )


def test_a_malformed_number_is_21405(app, client):
    """The path must match the spec's KsefNumber pattern."""
    buyer = Caller(app, client, BUYER_NIP)
    response = client.get("/v2/invoices/ksef/not-a-number", headers=buyer.headers)
    assert error(response) == (
        21405,
        "Błąd walidacji danych wejściowych.",
        [
            "'ksefNumber' must be a KSeF number (e.g. 5265877635-20250826-0100001AF629-AF); "
            "you entered 'not-a-number'."
        ],
    )


def test_during_the_storage_lag_the_invoice_is_21165_and_absent_from_queries(app, client, clock):
    """retrieval.download_lag_seconds: permanent storage comes later; until then 21165."""
    with_scenario(
        app, Scenario(name="lag", retrieval=RetrievalPlan(download_lag_seconds=5)), SELLER
    )
    _, status = _send(app, client, "FV/DL/3")
    number = status["ksefNumber"]
    buyer = Caller(app, client, BUYER_NIP)
    early = client.get(f"/v2/invoices/ksef/{number}", headers=buyer.headers)
    assert error(early) == (
        21165,
        "Faktura o podanym numerze KSeF nie jest jeszcze dostępna.",
        [
            f"Faktura o numerze KSeF {number} została przetworzona, ale nie jest jeszcze "
            "dostępna do pobrania. Spróbuj ponownie później."
        ],
    )
    assert query(client, buyer.headers, filters())["invoices"] == []
    clock.shift(timedelta(seconds=5))
    assert client.get(f"/v2/invoices/ksef/{number}", headers=buyer.headers).status_code == 200
    assert [i["ksefNumber"] for i in query(client, buyer.headers, filters())["invoices"]] == [
        number
    ]
