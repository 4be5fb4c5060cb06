"""``store_inbox(..., now=clock)`` writes a ``retrieval-pending`` mark only for the invoices
not yet visible at the clock (as a live invoice visible on acceptance gets none), and every
later question about pending invoices gets the same answer as with a mark on each."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from mock_ksef.domain.repos import Repos
from mock_ksef.domain.retrieval.repo import PENDING, ReceivedInvoices
from mock_ksef.inbox import generate_inbox, store_inbox
from mock_ksef.store import MemoryStore, SqliteStore, Store
from mock_ksef.store.base import Query
from tests.inbox.conftest import END, make_spec


def _backend(name: str, folder: Path) -> Store:
    return MemoryStore() if name == "memory" else SqliteStore(folder / "inbox.db")


@pytest.mark.parametrize("backend", ["memory", "sqlite"])
def test_only_invoices_not_yet_visible_at_the_clock_are_marked(backend, tmp_path):
    invoices = list(generate_inbox(make_spec(count=300)))
    clock = invoices[-10].permanent_storage_date  # storing while the last ones arrive
    late = [g.ksef_number for g in invoices if g.permanent_storage_date > clock]
    assert 9 <= len(late) < 20
    marked_all = _backend(backend, tmp_path / "all")
    marked_late = _backend(backend, tmp_path / "late")
    store_inbox(invoices, Repos(marked_all))
    store_inbox(invoices, Repos(marked_late), now=clock)

    def marks(store: Store) -> list[str]:
        return sorted(hit.key for hit in store.query(PENDING, Query()))

    assert marks(marked_all) == sorted(g.ksef_number for g in invoices)
    assert marks(marked_late) == sorted(late)
    for later in (timedelta(0), timedelta(seconds=1), timedelta(seconds=3), timedelta(days=1)):
        now = clock + later
        expected = ReceivedInvoices(marked_all).pending(now)
        assert ReceivedInvoices(marked_late).pending(now) == expected
        assert ReceivedInvoices(marked_late).any_pending(now) == bool(expected)
    assert ReceivedInvoices(marked_late).pending(clock) == sorted(
        g.permanent_storage_date for g in invoices if g.permanent_storage_date > clock
    )


def test_an_inbox_stored_after_its_period_has_no_marks(tmp_path):
    store = SqliteStore(tmp_path / "inbox.db")
    invoices = generate_inbox(make_spec(count=50))
    assert store_inbox(invoices, Repos(store), now=END + timedelta(minutes=1)) == 50
    assert store.query(PENDING, Query()) == []
