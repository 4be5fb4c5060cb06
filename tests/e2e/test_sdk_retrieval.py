"""The unmodified ``ksef-client`` SDK receives invoices: metadata paging to the end, download."""

from __future__ import annotations

import base64
import hashlib

import pytest
from ksef_client import KsefClient, KsefClientOptions
from ksef_client.models import (
    InvoiceQueryDateRange,
    InvoiceQueryDateType,
    InvoiceQueryFilters,
    InvoiceQuerySubjectType,
)

from tests.support.invoices import BUYER_NIP, fa3_invoice
from tests.support.sdk import login, open_fa3

SELLER = "1234563218"
COUNT = 23


@pytest.fixture
def sdk(live):
    with KsefClient(KsefClientOptions(base_url=live.url)) as client:
        yield client


def test_the_buyer_pages_through_the_sellers_invoices_and_downloads_one(sdk):
    """Sent by the seller's context with the SDK; queried and downloaded by the buyer's."""
    seller = login(sdk, SELLER)
    workflow, session = open_fa3(sdk, seller)
    sent = {}
    for n in range(COUNT):
        xml = fa3_invoice(SELLER, f"FV/SDK/{n:02d}")
        workflow.send_invoice(
            session_reference_number=session.reference_number,
            invoice_xml=xml,
            encryption_data=session.encryption_data,
            access_token=seller,
        )
        sent[f"FV/SDK/{n:02d}"] = xml
    workflow.close_session(session.reference_number, seller)

    buyer = login(sdk, BUYER_NIP)
    filters = InvoiceQueryFilters(
        subject_type=InvoiceQuerySubjectType.SUBJECT2,
        date_range=InvoiceQueryDateRange(
            date_type=InvoiceQueryDateType.PERMANENTSTORAGE, from_="2026-11-01T00:00:00"
        ),
    )
    found = list(
        sdk.invoices.iter_invoice_metadata(
            filters, access_token=buyer, page_size=10, sort_order="Asc"
        )
    )
    assert [m.invoice_number for m in found] == sorted(sent)
    assert {m.seller.nip for m in found} == {SELLER}

    chosen = found[7]
    content = sdk.invoices.get_invoice_bytes(chosen.ksef_number, access_token=buyer)
    assert content.content == sent[chosen.invoice_number]
    digest = base64.b64encode(hashlib.sha256(content.content).digest()).decode()
    assert content.sha256_base64 == digest == chosen.invoice_hash
