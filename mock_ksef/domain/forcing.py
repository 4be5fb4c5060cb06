"""Forcing a session's final status now: ``POST /_mock/sessions/{ref}/state`` and
``KsefMock.force_state`` share this one function.

A forced **440** or **445** leaves invoices and counters as a scenario forcing that code
would have (``docs/lifecycle.md``, "A forced outcome keeps invoices and counters
consistent"): every invoice accepted so far ends 405 (440) or 450 (445) with the
scenario path's detail, loses its KSeF number, and no longer counts as the original of a
duplicate; the session counts it failed. Failed invoices keep their outcomes.
"""

from __future__ import annotations

import dataclasses

from mock_ksef.domain import lifecycle, session_store
from mock_ksef.domain.deps import SessionDeps
from mock_ksef.domain.errors import ValidationFailed
from mock_ksef.domain.invoice import Invoice
from mock_ksef.domain.invoice_rules import FORCED_SESSION_FAILURES
from mock_ksef.domain.session import Session
from mock_ksef.scenario.model import Outcome
from mock_ksef.store.kinds import DUPLICATE


def forced_outcome(session: Session, code: object, details: object, status_code: object) -> Outcome:
    """The outcome a force request asks for, checked against the session's kind.

    Args:
        session: the session to end.
        code: a final code of the session's kind.
        details: a list of strings, or ``None`` for the spec's texts.
        status_code: the HTTP code of "Nieznany błąd (n)", only with code 500.

    Raises:
        ValidationFailed: any of them is not acceptable (21405).
    """
    allowed = lifecycle.FINAL_CODES[session.kind]
    if not isinstance(code, int) or isinstance(code, bool) or code not in allowed:
        raise ValidationFailed(f"code: expected one of {sorted(allowed)}, got {code!r}")
    if details is not None and (
        not isinstance(details, list) or not all(isinstance(d, str) for d in details)
    ):
        raise ValidationFailed("details: expected a list of strings")
    if status_code is not None and (not isinstance(status_code, int) or code != 500):
        raise ValidationFailed("statusCode: an integer, only with code 500")
    return Outcome(code, tuple(details) if details is not None else None, status_code)


def force_state(
    deps: SessionDeps,
    reference: str,
    code: object,
    details: object = None,
    status_code: object = None,
) -> Session:
    """End session ``reference`` now with ``code`` ("forced via control API").

    Raises:
        SessionNotFound: no such session (21173).
        ValidationFailed: the code, details or status code are not acceptable (21405).
    """
    with deps.store.transaction():
        session = session_store.any_session(deps, reference)
        outcome = forced_outcome(session, code, details, status_code)
        failure = FORCED_SESSION_FAILURES.get(outcome.code)
        if failure is not None:
            session = _fail_accepted_invoices(deps, session, failure)
        return session_store.save(deps, lifecycle.force(session, outcome, deps.clock.now()))


def _fail_accepted_invoices(deps: SessionDeps, session: Session, failure: Outcome) -> Session:
    """Every accepted invoice of ``session`` failed with ``failure``; counters follow."""
    changed = 0
    for invoice in deps.repos.invoices_in_session(session.reference):
        if not invoice.succeeded:
            continue
        _forget_original(deps, invoice)
        deps.repos.put_invoice(
            dataclasses.replace(
                invoice,
                status_code=failure.code,
                status_details=failure.details or (),
                status_extensions={},
                status_text="",
                ksef_number=None,
                acquisition_date=None,
                permanent_storage_date=None,
            )
        )
        changed += 1
    return dataclasses.replace(
        session,
        successful_count=session.successful_count - changed,
        failed_count=session.failed_count + changed,
    )


def _forget_original(deps: SessionDeps, invoice: Invoice) -> None:
    """A later send of the same invoice is no longer a duplicate of this one."""
    # The key of ``xml.invoice.duplicate_key``: seller NIP, invoice kind, invoice number.
    key = f"{invoice.seller_nip}|{invoice.invoice_kind}|{invoice.invoice_number}"
    original = deps.repos.find_duplicate(key)
    if original is not None and original.get("ksefNumber") == invoice.ksef_number:
        deps.store.delete(DUPLICATE, key)
