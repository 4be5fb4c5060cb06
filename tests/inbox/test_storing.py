"""store_inbox keeps generated invoices exactly as the mock keeps the invoices it accepts.

The independent expectation is :meth:`GeneratedInvoice.metadata`, written by the
generator from what it put into the XML; the receiving side derives its metadata from
the stored bytes alone.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from mock_ksef.domain.repos import Repos
from mock_ksef.domain.retrieval.repo import ReceivedInvoices
from mock_ksef.http.context import services
from mock_ksef.inbox import Buyer, GeneratedInvoice, generate_inbox, store_inbox
from mock_ksef.store import MemoryStore, SqliteStore, Store
from tests.inbox.conftest import BUYER_NIP, make_spec
from tests.lifecycle.client import Caller
from tests.retrieval.support import query
from tests.support.client_crypto import sha

NOVEMBER = {"start": datetime(2026, 11, 1, tzinfo=UTC), "end": datetime(2026, 11, 20, tzinfo=UTC)}


@pytest.fixture(name="store", params=["memory", "sqlite"])
def _store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """A fresh store of each backend."""
    store: Store = MemoryStore() if request.param == "memory" else SqliteStore(tmp_path / "s.db")
    yield store
    store.close()


def expected(generated: GeneratedInvoice) -> dict[str, Any]:
    """``metadata()`` as the wire carries it: a null ``hashOfCorrectedInvoice`` is omitted."""
    body = generated.metadata()
    if body["hashOfCorrectedInvoice"] is None:
        del body["hashOfCorrectedInvoice"]
    return body


def _by_ps(invoices: list[GeneratedInvoice]) -> list[GeneratedInvoice]:
    return sorted(invoices, key=lambda g: (g.permanent_storage_date, g.ksef_number))


def test_the_buyer_queries_exactly_the_generated_metadata_and_downloads_the_bytes(app, client):
    """Every trait of the rich mix: the query returns metadata() of each, the download the bytes."""
    invoices = list(generate_inbox(make_spec(count=120, **NOVEMBER)))
    assert store_inbox(invoices, Repos(services(app).store)) == 120
    buyer = Caller(app, client, BUYER_NIP)
    body = {
        "subjectType": "Subject2",
        "dateRange": {"dateType": "PermanentStorage", "from": "2026-11-01T00:00:00Z"},
    }
    page = query(client, buyer.headers, body, pageSize=250)
    assert page["hasMore"] is False
    assert page["invoices"] == [expected(g) for g in _by_ps(invoices)]
    for generated in invoices[::7]:
        response = client.get(f"/v2/invoices/ksef/{generated.ksef_number}", headers=buyer.headers)
        assert response.status_code == 200
        assert response.data == generated.xml
        assert response.headers["x-ms-meta-hash"] == sha(generated.xml) == generated.invoice_hash


def test_each_seller_sees_what_it_issued_as_subject1(app, client):
    """The generated invoices are the sellers' too: Subject1 of one seller lists its own."""
    invoices = list(generate_inbox(make_spec(count=80, sellers=3, **NOVEMBER)))
    store_inbox(invoices, Repos(services(app).store))
    seller = invoices[0].seller_nip
    caller = Caller(app, client, seller)
    body = {
        "subjectType": "Subject1",
        "dateRange": {"dateType": "Invoicing", "from": "2026-11-01T00:00:00Z"},
    }
    page = query(client, caller.headers, body, pageSize=250)
    own = sorted(
        (g for g in invoices if g.seller_nip == seller),
        key=lambda g: (g.invoicing_date, g.ksef_number),
    )
    assert page["invoices"] == [expected(g) for g in own]


def test_records_bytes_and_duplicate_keys_are_stored(store: Store) -> None:
    """Each invoice: its retrieval record with the generated dates, its bytes, its duplicate key."""
    invoices = list(generate_inbox(make_spec(count=50)))
    repos = Repos(store)
    assert store_inbox(invoices, repos) == 50
    received = ReceivedInvoices(store)
    for generated in invoices:
        found = received.get(generated.ksef_number)
        assert found is not None
        record, roles = found
        assert record.invoicing_date == generated.invoicing_date
        assert record.acquisition_date == generated.acquisition_date
        assert record.permanent_storage_date == generated.permanent_storage_date
        assert record.available_from == generated.permanent_storage_date
        assert ("Subject2", f"Nip:{BUYER_NIP}") in roles
        assert received.xml(generated.ksef_number) == generated.xml
        assert record.invoice_hash == sha(generated.xml)
        key = f"{generated.seller_nip}|{generated.invoice_kind}|{generated.invoice_number}"
        assert repos.find_duplicate(key) == {
            "ksefNumber": generated.ksef_number,
            "sessionReference": generated.session_reference,
        }


def test_an_internal_id_buyer_is_found_as_subject3(store: Store) -> None:
    """A JST sub-unit's inbox: Podmiot3/IDWew makes the sub-unit's Subject3 role."""
    spec = make_spec(count=5, buyer=Buyer("InternalId", "5265877635-00001"))
    invoices = list(generate_inbox(spec))
    store_inbox(invoices, Repos(store))
    for generated in invoices:
        found = ReceivedInvoices(store).get(generated.ksef_number)
        assert found is not None
        assert ("Subject3", "InternalId:5265877635-00001") in found[1]


def test_a_taken_duplicate_key_keeps_its_first_acceptance(store: Store) -> None:
    """A key a live invoice already took still names the live invoice after storing."""
    repos = Repos(store)
    first = next(iter(generate_inbox(make_spec(count=1))))
    key = f"{first.seller_nip}|{first.invoice_kind}|{first.invoice_number}"
    repos.remember_acceptance(key, "live-ksef-number", "live-session")
    store_inbox([first], repos)
    assert repos.find_duplicate(key) == {
        "ksefNumber": "live-ksef-number",
        "sessionReference": "live-session",
    }
    assert ReceivedInvoices(store).get(first.ksef_number) is not None
