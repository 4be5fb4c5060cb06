"""Bounded growth: what the store forgets, and when, on the mock's clock.

* challenges: once expired (``challenge_ttl_s`` after creation; an expired challenge is
  answered exactly like an unknown one, so nothing observable changes);
* authentication operations: when both their start and the end of their refresh token
  lie more than ``auth_status_retention_s + retention_auth_s`` in the past;
* sessions older than ``retention_session_days``, with their invoices, the invoices'
  XML and UPO blobs, their retrieval records (record, entries, pending mark: no longer
  found by the metadata query, the export or the download), the session's UPO pages and
  their duplicate-detection records;
* exports whose status expired (``status_retention_seconds``), with their encrypted parts;
* request-journal entries beyond the last ``journal_size`` (the journal trims itself as
  it writes; the sweep catches what a smaller ``journal_size`` left behind).

:func:`sweep` removes at most ``budget`` documents of each kind per call, oldest first,
each step through an ordered index (``store.query``), so a call costs about the same in
a store of any size. :class:`~mock_ksef.domain.repos.Repos` runs a small sweep with
every new challenge; ``mock-ksef state compact`` runs a full one and then ``VACUUM``.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime, timedelta

from mock_ksef.codec import from_doc
from mock_ksef.domain.exports.job import Exports
from mock_ksef.domain.invoice import Invoice
from mock_ksef.domain.retrieval.repo import ReceivedInvoices, xml_key
from mock_ksef.domain.session import Session
from mock_ksef.settings import Settings
from mock_ksef.store.base import Query, Store
from mock_ksef.store.generation import STATE, bump
from mock_ksef.store.kinds import AUTH, CHALLENGE, DUPLICATE, INVOICE, JOURNAL, SESSION
from mock_ksef.timefmt import iso

#: Documents removed per kind by the sweep that rides on each new challenge.
SWEEP_BUDGET = 50
#: Page size of a full sweep.
_PAGE = 500


@dataclass(frozen=True)
class RetentionPolicy:
    """How long each kind of state is kept (seconds; 0 sessions: forever)."""

    challenge_s: int
    auth_s: int
    session_s: int
    journal_size: int

    @classmethod
    def of(cls, settings: Settings) -> RetentionPolicy:
        """The policy the settings describe."""
        return cls(
            challenge_s=settings.challenge_ttl_s,
            auth_s=settings.auth_status_retention_s + settings.retention_auth_s,
            session_s=settings.retention_session_days * 24 * 3600,
            journal_size=max(1, settings.journal_size),
        )


@dataclass(frozen=True)
class Swept:
    """How many documents one sweep removed, by kind."""

    challenges: int = 0
    auth_operations: int = 0
    sessions: int = 0
    invoices: int = 0
    journal_entries: int = 0
    exports: int = 0

    def __add__(self, other: Swept) -> Swept:
        return Swept(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(self)))

    @property
    def total(self) -> int:
        """Documents removed in all."""
        return sum(getattr(self, f.name) for f in fields(self))


def sweep(store: Store, policy: RetentionPolicy, now: datetime, budget: int) -> Swept:
    """Remove up to ``budget`` expired documents of each kind, oldest first."""
    with store.transaction():
        swept = Swept(
            challenges=_expire(store, CHALLENGE, "created", now - _s(policy.challenge_s), budget),
            auth_operations=_expire(store, AUTH, "ends", now - _s(policy.auth_s), budget),
            journal_entries=_trim_journal(store, policy.journal_size, budget),
            exports=Exports(store).sweep(now, budget),
            **_expire_sessions(store, policy, now, budget),
        )
    if swept.auth_operations:
        bump(store, STATE)  # the workers' login-scenario caches forget the deleted ones
    return swept


def sweep_all(store: Store, policy: RetentionPolicy, now: datetime) -> Swept:
    """Sweep in pages until nothing expired is left."""
    done = Swept()
    while True:
        step = sweep(store, policy, now, _PAGE)
        done += step
        if step.total == 0:
            return done


def _s(seconds: int) -> timedelta:
    return timedelta(seconds=seconds)


def _expire(store: Store, kind: str, index: str, before: datetime, budget: int) -> int:
    hits = store.query(kind, Query(order_by=index, below=iso(before), limit=budget))
    for hit in hits:
        store.delete(kind, hit.key)
    return len(hits)


def _trim_journal(store: Store, size: int, budget: int) -> int:
    latest = store.query(JOURNAL, Query(descending=True, limit=1))
    if not latest or int(latest[0].key) <= size:
        return 0
    hits = store.query(JOURNAL, Query(high=f"{int(latest[0].key) - size:012d}", limit=budget))
    for hit in hits:
        store.delete(JOURNAL, hit.key)
    return len(hits)


def _expire_sessions(
    store: Store, policy: RetentionPolicy, now: datetime, budget: int
) -> dict[str, int]:
    """Old sessions, each after its invoices (so a half-swept session is still found)."""
    if policy.session_s <= 0:
        return {"sessions": 0, "invoices": 0}
    before = iso(now - _s(policy.session_s))
    received = ReceivedInvoices(store)
    sessions = invoices = 0
    for hit in store.query(SESSION, Query(order_by="created", below=before, limit=budget)):
        left = budget - invoices
        of_session = Query(order_by="session", low=hit.key, high=hit.key, limit=left)
        batch = store.query(INVOICE, of_session)
        for invoice in batch:
            ksef = from_doc(Invoice, invoice.doc).ksef_number
            if ksef:
                received.forget(ksef)
                store.delete_blob(xml_key(ksef))
                store.delete_blob(f"upo/invoice/{ksef}")
            store.delete(INVOICE, invoice.key)
        invoices += len(batch)
        if len(batch) == left:
            break  # the budget is spent: the rest, and the session, go in a later sweep
        for duplicate in store.query(
            DUPLICATE, Query(order_by="session", low=hit.key, high=hit.key)
        ):
            store.delete(DUPLICATE, duplicate.key)
        for page in from_doc(Session, hit.doc).upo_pages:
            store.delete_blob(f"upo/session/{page.reference}")
        store.delete(SESSION, hit.key)
        sessions += 1
    return {"sessions": sessions, "invoices": invoices}
