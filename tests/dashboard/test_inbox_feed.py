"""The snapshot's ``inbox`` through the Flask test client: contexts, the fallback choice,
a pending invoice, the order of the newest rows."""

from __future__ import annotations

from datetime import timedelta

from mock_ksef.domain.retrieval.repo import ReceivedInvoices
from mock_ksef.http.context import services
from tests.conftest import START
from tests.retrieval.support import invoice_xml, ksef_number, seed
from tests.support.nips import NIP, OTHER_NIP

SELLER = "1234563218"


def _inbox(client, context: str | None = None):
    query = f"?inbox={context}" if context else ""
    response = client.get(f"/_mock/dashboard/api/state{query}")
    assert response.status_code == 200
    return response.json["inbox"]


def test_an_empty_mock_has_no_inbox(client):
    """Nothing received, no export: no context at all."""
    assert _inbox(client) == {
        "contexts": [],
        "context": None,
        "received": 0,
        "invoices": [],
        "exports": [],
    }


def test_contexts_counts_and_the_newest_rows(app, client):
    """Two buyers; the one with more invoices is chosen unless another is asked for; an
    unknown context falls back; a held-back invoice is listed as not visible yet."""
    for n in range(3):
        xml = invoice_xml(SELLER, f"FV/{n}", gross="100.50")
        seed(app, xml, ksef_number(SELLER, n + 1), START - timedelta(minutes=10 - n))
    late = invoice_xml(SELLER, "FV/late", buyer={"NIP": OTHER_NIP})
    seed(app, late, ksef_number(SELLER, 9), START, held=timedelta(hours=1))
    contexts = [  # in key order
        {"context": f"Nip:{NIP}", "received": 3, "exports": 0},
        {"context": f"Nip:{OTHER_NIP}", "received": 1, "exports": 0},
    ]
    chosen = _inbox(client, "Nip:0000000000")
    assert chosen == _inbox(client)
    assert (chosen["contexts"], chosen["context"], chosen["received"]) == (
        contexts,
        f"Nip:{NIP}",
        3,
    )
    assert [i["invoiceNumber"] for i in chosen["invoices"]] == ["FV/2", "FV/1", "FV/0"]
    assert chosen["invoices"][0] == {
        "ksefNumber": ksef_number(SELLER, 3),
        "invoiceNumber": "FV/2",
        "seller": {"nip": SELLER, "name": "Sprzedawca sp. z o.o."},
        "grossAmount": 100.5,
        "currency": "PLN",
        "issueDate": "2026-11-20",
        "invoicingDate": "2026-11-24T08:52:00.000000+00:00",
        "permanentStorageDate": "2026-11-24T08:52:00.000000+00:00",
        "visible": True,
    }
    other = _inbox(client, f"Nip:{OTHER_NIP}")
    assert [(i["invoiceNumber"], i["visible"]) for i in other["invoices"]] == [("FV/late", False)]
    # Saving an invoice again does not count it twice.
    repo = ReceivedInvoices(services(app).store)
    found = repo.get(ksef_number(SELLER, 1))
    assert found is not None
    repo.save(found[0], found[1], b"<again/>")
    assert _inbox(client)["received"] == 3
