"""Who sees which invoice, and the exact metadata an invoice sent through the mock gets."""

from __future__ import annotations

from tests.conftest import START
from tests.lifecycle.client import Caller
from tests.retrieval.support import filters, invoice_xml, ksef_number, query, seed
from tests.support.client_crypto import sha
from tests.support.invoices import BUYER_NIP, fa3_invoice

SELLER = "1234563218"
THIRD = "9999999999"
AUTHORIZED = "1111111111"
START_ISO = "2026-11-24T09:00:00.000000+00:00"


def test_an_invoice_sent_online_shows_to_its_buyer_with_metadata_from_its_xml(app, client):
    """Sent by the seller's context, the invoice is in the buyer's Subject2 query, exactly."""
    seller = Caller(app, client, SELLER)
    ref = seller.open()
    xml = fa3_invoice(SELLER, "FV/2026/11/1", "2026-11-24")
    assert seller.send(ref, "FV/2026/11/1", xml).status_code == 202
    buyer = Caller(app, client, BUYER_NIP)

    page = query(client, buyer.headers, filters("Subject2"))

    number = page["invoices"][0]["ksefNumber"]
    assert number.startswith(f"{SELLER}-20261124-")
    assert page == {
        "hasMore": False,
        "isTruncated": False,
        "permanentStorageHwmDate": START_ISO,
        "invoices": [
            {
                "ksefNumber": number,
                "invoiceNumber": "FV/2026/11/1",
                "issueDate": "2026-11-24",
                "invoicingDate": START_ISO,
                "acquisitionDate": START_ISO,
                "permanentStorageDate": START_ISO,
                "seller": {"nip": SELLER, "name": "Sprzedawca sp. z o.o."},
                "buyer": {
                    "identifier": {"type": "Nip", "value": BUYER_NIP},
                    "name": "Nabywca S.A.",
                },
                "netAmount": 100.0,
                "grossAmount": 123.0,
                "vatAmount": 23.0,
                "currency": "PLN",
                "invoicingMode": "Online",
                "invoiceType": "Vat",
                "formCode": {"systemCode": "FA (3)", "schemaVersion": "1-0E", "value": "FA"},
                "isSelfInvoicing": False,
                "hasAttachment": False,
                "invoiceHash": sha(xml),
                "thirdSubjects": [],
            }
        ],
    }


def test_the_seller_sees_it_as_subject1_and_nobody_else_as_subject2(app, client):
    """Subject1 for the seller's context; the seller is not the buyer; a stranger sees none."""
    seller = Caller(app, client, SELLER)
    ref = seller.open()
    assert seller.send(ref, "FV/1").status_code == 202

    as_seller = query(client, seller.headers, filters("Subject1"))
    assert [i["invoiceNumber"] for i in as_seller["invoices"]] == ["FV/1"]
    assert query(client, seller.headers, filters("Subject2"))["invoices"] == []
    stranger = Caller(app, client, THIRD)
    for subject in ("Subject1", "Subject2", "Subject3", "SubjectAuthorized"):
        assert query(client, stranger.headers, filters(subject))["invoices"] == []


def test_third_parties_internal_ids_and_the_authorized_subject_each_see_their_role(app, client):
    """Podmiot3 NIP -> Subject3, Podmiot3 IDWew -> Subject3 of an InternalId context,
    PodmiotUpowazniony -> SubjectAuthorized; thirdSubjects and authorizedSubject are filled."""
    internal = f"{THIRD}-00001"
    xml = invoice_xml(
        SELLER,
        "FV/3",
        third=(("NIP", THIRD, "4"), ("IDWew", internal, "2")),
        authorized=AUTHORIZED,
    )
    seed(app, xml, ksef_number(SELLER, 1), START)

    third = Caller(app, client, THIRD)
    [seen] = query(client, third.headers, filters("Subject3"))["invoices"]
    assert seen["thirdSubjects"] == [
        {"identifier": {"type": "Nip", "value": THIRD}, "name": f"Trzeci {THIRD}", "role": 4},
        {
            "identifier": {"type": "InternalId", "value": internal},
            "name": f"Trzeci {internal}",
            "role": 2,
        },
    ]
    assert seen["authorizedSubject"] == {"nip": AUTHORIZED, "name": "Komornik", "role": 2}
    assert query(client, third.headers, filters("SubjectAuthorized"))["invoices"] == []
    bailiff = Caller(app, client, AUTHORIZED)
    [by_bailiff] = query(client, bailiff.headers, filters("SubjectAuthorized"))["invoices"]
    assert by_bailiff["ksefNumber"] == ksef_number(SELLER, 1)
    assert query(client, bailiff.headers, filters("Subject3"))["invoices"] == []
