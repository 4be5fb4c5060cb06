"""store_inbox keeps generated invoices as the mock keeps the invoices it accepts."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from mock_ksef.domain.repos import Repos
from mock_ksef.inbox import accepted_invoice, generate_inbox, store_inbox
from mock_ksef.store import MemoryStore, SqliteStore, Store
from tests.inbox.conftest import make_spec


@pytest.fixture(name="store", params=["memory", "sqlite"])
def _store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """A fresh store of each backend."""
    store: Store = MemoryStore() if request.param == "memory" else SqliteStore(tmp_path / "s.db")
    yield store
    store.close()


def test_records_bytes_and_duplicate_keys_are_stored(store: Store) -> None:
    """Each invoice: its record by KSeF number, its exact bytes, its duplicate key."""
    invoices = list(generate_inbox(make_spec(count=50)))
    repos = Repos(store)
    assert store_inbox(invoices, repos) == 50
    for generated in invoices:
        record = repos.invoice_by_ksef_number(generated.ksef_number)
        assert record == accepted_invoice(generated)
        assert record.succeeded
        assert record.invoicing_date == generated.invoicing_date
        assert record.permanent_storage_date == generated.permanent_storage_date
        data = store.get_blob(f"invoice-xml/{generated.ksef_number}")
        assert data == generated.xml
        assert base64.b64encode(hashlib.sha256(data).digest()).decode() == record.invoice_hash
        key = f"{generated.seller_nip}|{generated.invoice_kind}|{generated.invoice_number}"
        assert repos.find_duplicate(key) == {
            "ksefNumber": generated.ksef_number,
            "sessionReference": generated.session_reference,
        }


def test_sessions_group_a_sellers_invoices_of_one_day(store: Store) -> None:
    """Invoices of one seller on one Polish day share a session, numbered 1, 2, ..."""
    invoices = list(generate_inbox(make_spec(count=300, sellers=3)))
    repos = Repos(store)
    store_inbox(invoices, repos)
    sessions = {i.session_reference for i in invoices}
    for reference in sessions:
        stored = repos.invoices_in_session(reference)
        assert [i.ordinal for i in stored] == list(range(1, len(stored) + 1))
        assert len({(i.seller_nip, i.invoicing_date.date()) for i in stored}) <= 2  # UTC vs PL
    assert len(sessions) < len(invoices)


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
    assert repos.invoice_by_ksef_number(first.ksef_number) == accepted_invoice(first)
