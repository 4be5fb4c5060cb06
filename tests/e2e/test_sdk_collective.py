"""The unmodified ``ksef-client`` SDK: invoices of one seller sent through the mock, grouped
under a collective identifier (IZ) by the buyer, read back by both sides."""

from __future__ import annotations

from decimal import Decimal

import pytest
from ksef_client import KsefClient, KsefClientOptions
from ksef_client.models import (
    CollectiveIdentifiersQueryRequest,
    GenerateCollectiveIdentifierRequest,
)
from ksef_client.utils.collective_identifier import make_collective_identifier_invoice

from mock_ksef.ids import has_valid_checksum
from tests.support.invoices import BUYER_NIP, fa3_invoice
from tests.support.sdk import login, open_fa3, poll_final

SELLER = "1234563218"


@pytest.fixture
def sdk(live):
    with KsefClient(KsefClientOptions(base_url=live.url)) as client:
        yield client


def _send(sdk: KsefClient, token: str, count: int) -> list[str]:
    workflow, session = open_fa3(sdk, token)
    for n in range(count):
        workflow.send_invoice(
            session_reference_number=session.reference_number,
            invoice_xml=fa3_invoice(SELLER, f"FV/IZ/SDK/{n}"),
            encryption_data=session.encryption_data,
            access_token=token,
        )
    workflow.close_session(session.reference_number, token)
    poll_final(sdk, session.reference_number, token)
    listed = sdk.sessions.get_session_invoices(session.reference_number, access_token=token)
    return sorted(str(invoice.ksef_number) for invoice in listed.invoices)


def test_the_buyer_groups_the_sellers_invoices_and_both_read_the_iz(sdk):
    seller = login(sdk, SELLER)
    numbers = _send(sdk, seller, 3)
    buyer = login(sdk, BUYER_NIP)
    request = GenerateCollectiveIdentifierRequest(
        invoices=[
            make_collective_identifier_invoice(
                n, description=f"Rata {i}", amount=Decimal("100.50"), currency="PLN"
            )
            for i, n in enumerate(numbers)
        ]
    )
    created = sdk.collective_identifiers.generate(request, access_token=buyer, max_invoices=500)
    number = created.collective_identifier_number
    assert number.startswith(f"{SELLER}-IZ202611-")
    assert has_valid_checksum(number)

    # Q: the buyer built it; the seller (Podmiot1) sees it too, as built elsewhere. Bare
    # dates are expanded by the SDK to T00:00:00Z .. T23:59:59.999999Z.
    page = sdk.collective_identifiers.query_by_created_range(
        "2026-11-01", "2026-11-30", access_token=buyer
    )
    assert page.continuation_token is None
    assert [
        (f.collective_identifier_number, f.invoice_count, f.created_in_current_context)
        for f in page.collective_identifiers
    ] == [(number, 3, True)]
    query = CollectiveIdentifiersQueryRequest(
        date_created_from="2026-11-01T00:00:00Z", date_created_to="2026-11-30T23:59:59Z"
    )
    found = list(sdk.collective_identifiers.iter_query(query, access_token=seller, page_size=10))
    assert [(f.collective_identifier_number, f.created_in_current_context) for f in found] == [
        (number, False)
    ]

    # K: the IZ from each of its invoices, for the seller.
    for ksef_number in numbers:
        listed = list(
            sdk.collective_identifiers.iter_by_ksef_number(ksef_number, access_token=seller)
        )
        assert [(i.collective_identifier_number, i.created_in_current_context) for i in listed] == [
            (number, False)
        ]

    # I: every invoice with its declared payment; the seller has a role on each, so no detail
    # is hidden.
    rows = list(sdk.collective_identifiers.iter_invoices([number], access_token=seller))
    assert [r.ksef_number for r in rows] == sorted(numbers, reverse=True)
    assert {(r.collective_identifier_number, r.details_hidden) for r in rows} == {(number, False)}
    assert {r.ksef_number: r.description for r in rows} == {
        n: f"Rata {i}" for i, n in enumerate(numbers)
    }
    assert {(r.payment.amount, r.payment.currency) for r in rows if r.payment} == {(100.5, "PLN")}
