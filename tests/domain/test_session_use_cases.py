"""Session use cases called on their narrow deps: lifecycle, polls, writes, rules, forcing.

No HTTP and no SDK: :mod:`tests.domain.deps_support` wires a memory store and a frozen clock.
"""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest

from mock_ksef.crypto.keys import KeyRing
from mock_ksef.domain import forcing, lifecycle, session_store
from mock_ksef.domain.auth.values import ContextId, Principal
from mock_ksef.domain.errors import SessionNotFound, ValidationFailed
from mock_ksef.domain.invoice import Invoice
from mock_ksef.domain.invoice_rules import FORCED_440_DETAIL, forced_invoice
from mock_ksef.domain.online import close_online
from mock_ksef.domain.session import SessionKind, SessionStatus
from mock_ksef.scenario.model import Delay, InvoiceMatch, InvoiceRule, Outcome, SessionPlan
from tests.domain.deps_support import PRINCIPAL, START, CountingStore, World, world


@pytest.fixture
def w(keyring: KeyRing) -> World:
    return world(keyring, CountingStore())


def _writes(w: World) -> int:
    assert isinstance(w.store, CountingStore)
    return w.store.session_writes


class TestLifecycle:
    """``lifecycle.advance`` applies every transition due, stamped with its due time."""

    def test_an_open_session_closes_itself_at_valid_until(self, w: World) -> None:
        session = w.open()
        later = lifecycle.advance(session, session.valid_until + timedelta(seconds=1))
        assert later.status_code == 440  # closed at validUntil, then processed: no invoices
        assert [e.code for e in later.history] == [100, 170, 440]
        assert later.history[1].at == session.valid_until

    def test_a_key_error_shows_as_415_at_once(self, w: World) -> None:
        session = dataclasses.replace(w.open(), key_error="bad key")
        assert lifecycle.advance(session, session.created).status_code == 415

    def test_processing_waits_for_the_polls(self, w: World) -> None:
        session = w.open(SessionPlan(processing=Delay(polls=2)))
        closed = lifecycle.close(session, w.clock.now())
        assert lifecycle.advance(closed, w.clock.now() + timedelta(days=1)).status_code == 170
        once = lifecycle.count_poll(closed, w.clock.now())
        twice = lifecycle.count_poll(once, w.clock.now())
        assert lifecycle.advance(twice, w.clock.now()).status_code == 440

    def test_a_scenario_outcome_wins(self, w: World) -> None:
        session = w.open(SessionPlan(outcome=Outcome(445)))
        closed = lifecycle.close(session, w.clock.now())
        assert lifecycle.advance(closed, w.clock.now()).status_code == 445


class TestPolls:
    """``session_store.poll`` (``GET /sessions/{ref}``) writes once, and only on a change."""

    def test_a_poll_of_an_open_session_writes_nothing(self, w: World) -> None:
        session = w.open()
        before = _writes(w)
        for _ in range(3):
            assert session_store.poll(w.sessions, PRINCIPAL, session.reference) == session
        assert _writes(w) == before

    def test_a_counted_poll_writes_once(self, w: World) -> None:
        session = w.open(SessionPlan(processing=Delay(seconds=3600)))
        close_online(w.sessions, _writer(), session.reference)
        before = _writes(w)
        polled = session_store.poll(w.sessions, PRINCIPAL, session.reference)
        assert (polled.status_code, polled.polls_in_progress) == (170, 1)
        assert _writes(w) == before + 1

    def test_the_poll_completing_the_count_still_answers_170(self, w: World) -> None:
        session = w.open(SessionPlan(processing=Delay(polls=1)))
        close_online(w.sessions, _writer(), session.reference)
        first = session_store.poll(w.sessions, PRINCIPAL, session.reference)
        second = session_store.poll(w.sessions, PRINCIPAL, session.reference)
        assert (first.status_code, second.status_code) == (170, 440)

    def test_a_finished_session_is_written_once_then_only_read(self, w: World) -> None:
        session = w.open(SessionPlan(processing=Delay(seconds=60)))
        close_online(w.sessions, _writer(), session.reference)
        w.clock.shift(timedelta(seconds=61))  # processing is due: the next read finishes it
        before = _writes(w)
        assert session_store.poll(w.sessions, PRINCIPAL, session.reference).status_code == 440
        session_store.poll(w.sessions, PRINCIPAL, session.reference)
        assert _writes(w) == before + 1

    def test_another_context_sees_no_session(self, w: World) -> None:
        session = w.open()
        stranger = Principal(ContextId("Nip", "1111111111"), PRINCIPAL.auth_reference, "access")
        with pytest.raises(SessionNotFound):
            session_store.poll(w.sessions, stranger, session.reference)
        with pytest.raises(SessionNotFound):
            session_store.visible(w.sessions, PRINCIPAL, session.reference, SessionKind.BATCH)


def _writer() -> Principal:
    return dataclasses.replace(PRINCIPAL, permissions=("InvoiceWrite",))


def _invoice(ordinal: int, number: str = "FV/1") -> Invoice:
    return Invoice(
        reference="",
        session_reference="S",
        ordinal=ordinal,
        invoice_hash="h",
        invoice_size=1,
        invoicing_date=START,
        status_code=100,
        invoice_number=number,
        seller_nip="5265877635",
    )


class TestInvoiceRules:
    """``forced_invoice``: the first matching rule replaces a natural acceptance."""

    def test_no_rule_means_natural(self, w: World) -> None:
        assert forced_invoice(w.sessions.numbering, w.open(), _invoice(1)) is None

    def test_a_rule_by_position_forces_its_code(self, w: World) -> None:
        rule = InvoiceRule(InvoiceMatch(position=2), Outcome(450, ("nope",)))
        session = w.open(rules=(rule,))
        assert forced_invoice(w.sessions.numbering, session, _invoice(1)) is None
        forced = forced_invoice(w.sessions.numbering, session, _invoice(2))
        assert forced is not None
        assert (forced.status_code, forced.status_details) == (450, ("nope",))

    def test_a_forced_duplicate_names_a_generated_original(self, w: World) -> None:
        rule = InvoiceRule(InvoiceMatch(invoice_number="FV/*"), Outcome(440))
        forced = forced_invoice(w.sessions.numbering, w.open(rules=(rule,)), _invoice(1))
        assert forced is not None
        assert forced.status_code == 440
        assert forced.status_extensions["originalKsefNumber"].startswith("5265877635-")

    def test_a_session_forced_to_440_accepts_no_invoice(self, w: World) -> None:
        session = w.open(SessionPlan(outcome=Outcome(440)))
        forced = forced_invoice(w.sessions.numbering, session, _invoice(1))
        assert forced is not None
        assert (forced.status_code, forced.status_details) == (405, (FORCED_440_DETAIL,))


class TestForcing:
    """``forcing.force_state``: a final status now, validated against the session's kind."""

    def test_force_ends_the_session_now(self, w: World) -> None:
        session = w.open()
        forced = forcing.force_state(w.sessions, session.reference, 445)
        assert forced.status_code == SessionStatus.NO_VALID_INVOICES
        assert forced.history[-1].cause == "forced via control API"
        assert session_store.any_session(w.sessions, session.reference) == forced

    @pytest.mark.parametrize("code", [150, 500, "200", True])
    def test_a_code_not_final_for_online_is_refused(self, w: World, code: object) -> None:
        with pytest.raises(ValidationFailed):
            forcing.force_state(w.sessions, w.open().reference, code)
