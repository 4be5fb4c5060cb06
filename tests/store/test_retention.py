"""Retention: what the sweep forgets and what it keeps, on every store backend."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from mock_ksef.domain.auth.values import AuthMethod, AuthOperation, Challenge, ContextId
from mock_ksef.domain.invoice import Invoice
from mock_ksef.domain.repos import Repos
from mock_ksef.domain.retention import RetentionPolicy, Swept, sweep, sweep_all
from mock_ksef.domain.session import FormCode, Session, SessionKind, UpoPage
from mock_ksef.settings import Settings
from mock_ksef.store import MemoryStore, SqliteStore, Store
from mock_ksef.traffic.journal import Journal

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
CTX = ContextId("Nip", "5265877635")
POLICY = RetentionPolicy.of(Settings())
DAY = timedelta(days=1)


@pytest.fixture(name="store", params=["memory", "sqlite"])
def _store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    store: Store = MemoryStore() if request.param == "memory" else SqliteStore(tmp_path / "s.db")
    yield store
    store.close()


def _auth(ref: str, start: datetime, refresh_until: datetime | None = None) -> AuthOperation:
    method = AuthMethod("Token", "Token", "token.ksef", "Token KSeF")
    return AuthOperation(ref, CTX, method, start, 200, refresh_valid_until=refresh_until)


def _session(ref: str, created: datetime, pages: tuple[UpoPage, ...] = ()) -> Session:
    form = FormCode("FA (3)", "1-0E", "FA")
    return Session(
        ref, SessionKind.ONLINE, CTX, "AU", form, created, created, created + DAY, 200,
        upo_pages=pages,
    )  # fmt: skip


def _invoice(ref: str, session: str, n: int) -> Invoice:
    return Invoice(ref, session, n, "h", 1, NOW, 200, ksef_number=f"K-{ref}")


def _old_session_with_invoices(repos: Repos, ref: str, created: datetime, count: int) -> None:
    page = UpoPage(f"UPO-{ref}", 1, 1, count)
    repos.put_session(_session(ref, created, (page,)))
    repos.store.put_blob(f"upo/session/UPO-{ref}", b"upo")
    for n in range(count):
        invoice = _invoice(f"{ref}-{n}", ref, n + 1)
        repos.put_invoice(invoice)
        repos.store.put_blob(f"invoice-xml/K-{ref}-{n}", b"<xml/>")
        repos.store.put_blob(f"upo/invoice/K-{ref}-{n}", b"upo")
        repos.remember_acceptance(f"dup/{ref}/{n}", f"K-{ref}-{n}", ref)


class TestSweep:
    """sweep() by kind, at the policy's boundaries."""

    def test_challenges_go_once_expired(self, store: Store) -> None:
        """A challenge created a TTL ago or earlier goes; a younger one stays."""
        repos = Repos(store)
        ttl = timedelta(seconds=POLICY.challenge_s)
        for name, age in (("old", ttl + timedelta(seconds=1)), ("young", ttl / 2)):
            repos.put_challenge(Challenge(name, NOW - age))
        assert sweep(store, POLICY, NOW, 10) == Swept(challenges=1)
        assert repos.get_challenge("old") is None
        assert repos.get_challenge("young") is not None

    def test_auth_operations_go_after_status_retention_and_refresh(self, store: Store) -> None:
        """An operation whose refresh token is still usable stays, however old its start."""
        repos = Repos(store)
        keep = timedelta(seconds=POLICY.auth_s)
        repos.put_auth(_auth("gone", NOW - keep - DAY))
        repos.put_auth(_auth("refreshing", NOW - keep - DAY, refresh_until=NOW + DAY))
        repos.put_auth(_auth("recent", NOW - keep + DAY))
        assert sweep(store, POLICY, NOW, 10) == Swept(auth_operations=1)
        assert [op.reference for op in repos.auths_in_context(CTX.key)] == [
            "refreshing",
            "recent",
        ]

    def test_old_sessions_go_with_everything_of_theirs(self, store: Store) -> None:
        """Invoices, their blobs, UPO pages and duplicate records leave with the session."""
        repos = Repos(store)
        age = timedelta(seconds=POLICY.session_s)
        _old_session_with_invoices(repos, "OLD", NOW - age - DAY, 3)
        _old_session_with_invoices(repos, "NEW", NOW - age + DAY, 2)
        assert sweep_all(store, POLICY, NOW) == Swept(sessions=1, invoices=3)
        assert repos.get_session("OLD") is None
        assert repos.invoices_in_session("OLD") == []
        assert repos.invoice_by_ksef_number("K-OLD-0") is None
        assert repos.find_duplicate("dup/OLD/0") is None
        for blob in ("upo/session/UPO-OLD", "invoice-xml/K-OLD-2", "upo/invoice/K-OLD-1"):
            assert store.get_blob(blob) is None
        assert len(repos.invoices_in_session("NEW")) == 2
        assert repos.find_duplicate("dup/NEW/1") == {
            "ksefNumber": "K-NEW-1",
            "sessionReference": "NEW",
        }
        assert store.get_blob("upo/session/UPO-NEW") == b"upo"

    def test_a_budget_splits_a_big_session_over_sweeps(self, store: Store) -> None:
        """The session outlives its invoices: a half-swept one is still found next time."""
        repos = Repos(store)
        _old_session_with_invoices(repos, "OLD", NOW - 200 * DAY, 5)
        assert sweep(store, POLICY, NOW, 2) == Swept(invoices=2)
        assert repos.get_session("OLD") is not None
        assert sweep(store, POLICY, NOW, 2) == Swept(invoices=2)
        assert sweep(store, POLICY, NOW, 2) == Swept(sessions=1, invoices=1)
        assert sweep(store, POLICY, NOW, 2) == Swept()

    def test_sessions_kept_forever_with_zero_days(self, store: Store) -> None:
        """retention_session_days = 0 switches session retention off."""
        repos = Repos(store)
        _old_session_with_invoices(repos, "OLD", NOW - 5000 * DAY, 1)
        forever = RetentionPolicy.of(Settings(retention_session_days=0))
        assert sweep_all(store, forever, NOW) == Swept()
        assert repos.get_session("OLD") is not None

    def test_journal_trimmed_to_a_smaller_size(self, store: Store) -> None:
        """Journal documents a bigger journal_size left behind go; the newest ``size`` stay.

        (A SQLite state keeps its journal in files beside the database, which trim
        themselves; documents written there by older versions are swept like these.)
        """
        for n in range(1, 9):
            store.put("journal", f"{n:012d}", {"sequence": n, "path": f"/{n - 1}"})
        policy = RetentionPolicy.of(Settings(journal_size=3))
        assert sweep_all(store, policy, NOW) == Swept(journal_entries=5)
        assert [e["path"] for e in store.find("journal")] == ["/5", "/6", "/7"]

    def test_a_journal_keeps_its_newest_entries(self, store: Store) -> None:
        """Whatever keeps it, a journal of size 3 lists the newest three."""
        big = Journal(store, 10)
        for n in range(8):
            big.record({"method": "GET", "path": f"/{n}"})
        assert [e["path"] for e in Journal(store, 3).entries()] == ["/5", "/6", "/7"]


class TestAmortised:
    """Each new challenge sweeps a little, on the time of that challenge (the mock clock)."""

    def test_new_challenge_sweeps_expired_ones(self, store: Store) -> None:
        """With a policy, saving a fresh challenge removes expired state."""
        repos = Repos(store, POLICY)
        repos.put_challenge(Challenge("old", NOW - 2 * DAY))
        repos.put_auth(_auth("gone", NOW - 30 * DAY))
        repos.put_challenge(Challenge("new", NOW))
        assert repos.get_challenge("old") is None
        assert repos.get_auth("gone") is None
        repos.put_challenge(Challenge("new", NOW, used=True))  # an update does not sweep
        assert repos.get_challenge("new") is not None

    def test_reindex_gives_old_documents_their_index(self, store: Store) -> None:
        """Documents saved without today's index expire after reindex()."""
        repos = Repos(store)
        store.put(
            "challenge",
            "legacy",
            {"value": "legacy", "created": "2020-01-01T00:00:00+00:00", "used": False},
        )
        assert sweep_all(store, POLICY, NOW) == Swept()
        assert repos.reindex() == 1
        assert sweep_all(store, POLICY, NOW) == Swept(challenges=1)
