"""The session state machines (online and batch), advanced lazily against the clock.

Transitions are computed from *due times*, never from how often a client polls, and never
on background threads: :func:`advance` applies every transition due at ``now`` in a loop
and stamps each with the time it was due (moto's ``ManagedState`` with its two flaws fixed).

Online (``spec/diagrams/sesja-interaktywna-diagram-stanow.png``)::

    open -> 100 --(key not decryptable, or a forced 415: at once)--> 415
            100 --(close, or validUntil reached)--> 170
            170 --(processing done)--> plan.outcome | 200 | 440 (no invoices) | 445 (none valid)

Batch (``spec/diagrams/sesja-wsadowa-diagram-stanow.png``)::

    open -> 100 --(validUntil reached, never closed)--> 440 "Przekroczono czas wysyłki"
            100 --(close)--> 150
            150 --(processing done)--> plan.outcome | session.pending (set by the batch
                                       processor at close)

"Processing done" means: ``closed_at + plan.processing.seconds`` has passed **and**
``plan.processing.polls`` status reads have answered 170/150 (see :func:`count_poll`).
The due time of the poll rule is the time of the last counted read.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta

from mock_ksef.domain.session import (
    NO_INVOICES,
    SEND_TIME_EXCEEDED,
    Session,
    SessionKind,
    SessionStatus,
    StatusEvent,
)
from mock_ksef.scenario.model import BATCH_OUTCOMES, ONLINE_OUTCOMES, Outcome

UNKNOWN_ERROR = "Nieznany błąd ({statusCode})"
#: Codes a final outcome may take, per session kind.
FINAL_CODES: dict[SessionKind, frozenset[int]] = {
    SessionKind.ONLINE: ONLINE_OUTCOMES,
    SessionKind.BATCH: BATCH_OUTCOMES,
}
#: The code shown while a closed session is processed (plain ints: they are stored).
PROCESSING_CODE: dict[SessionKind, int] = {
    SessionKind.ONLINE: int(SessionStatus.ONLINE_CLOSED),
    SessionKind.BATCH: int(SessionStatus.BATCH_PROCESSING),
}
_MAX_STEPS = 8  # no chain of transitions is longer than three


def _move(
    session: Session,
    code: int,
    at: datetime,
    cause: str,
    details: tuple[str, ...] = (),
    text: str = "",
) -> Session:
    return dataclasses.replace(
        session,
        status_code=code,
        status_details=details,
        status_text=text,
        updated=max(session.updated, at),
        history=(*session.history, StatusEvent(code, at, cause)),
    )


def outcome_details(
    kind: SessionKind, outcome: Outcome, *, timed_out: bool = False
) -> tuple[tuple[str, ...], str]:
    """The details and description override a final ``outcome`` shows.

    Given details win; otherwise 440 gets the spec's text ("Nie przesłano faktur", or
    "Przekroczono czas wysyłki" for a batch session that timed out) and every other code
    none. A 500 with ``status_code`` reads "Nieznany błąd (<status_code>)".
    """
    details: tuple[str, ...] = ()
    if outcome.details is not None:
        details = outcome.details
    elif outcome.code == 440:
        details = (SEND_TIME_EXCEEDED if timed_out and kind is SessionKind.BATCH else NO_INVOICES,)
    text = ""
    if outcome.code == 500 and outcome.status_code is not None:
        text = UNKNOWN_ERROR.replace("{statusCode}", str(outcome.status_code))
    return details, text


def finish(session: Session, outcome: Outcome, at: datetime, cause: str) -> Session:
    """Move ``session`` to the final ``outcome`` at ``at`` (no checks)."""
    details, text = outcome_details(session.kind, outcome)
    return _move(session, outcome.code, at, cause, details, text)


def close(session: Session, at: datetime, cause: str = "closed by the client") -> Session:
    """Online 100 -> 170, batch 100 -> 150: no more invoices or parts are accepted."""
    closed = dataclasses.replace(session, closed_at=at)
    return _move(closed, PROCESSING_CODE[session.kind], at, cause)


def count_poll(session: Session, at: datetime) -> Session:
    """Count one status read that answered 170/150 (``GET /sessions/{ref}`` only).

    Reads while a batch package is really being processed do not count: ``polls`` are
    the reads after processing, as with an instant one.
    """
    if not counts_poll(session):
        return session
    return dataclasses.replace(
        session, polls_in_progress=session.polls_in_progress + 1, last_poll_at=at
    )


def counts_poll(session: Session) -> bool:
    """Whether a status read of ``session`` now would be counted by :func:`count_poll`."""
    return session.status_code == PROCESSING_CODE[session.kind] and not _processing(session)


def _processing(session: Session) -> bool:
    return session.batch is not None and session.batch.processing


def processing_due(session: Session) -> datetime | None:
    """When a closed session's processing is done, or ``None`` while polls are missing."""
    if session.closed_at is None:
        return None
    delay = session.plan.processing
    due = session.closed_at + timedelta(seconds=delay.seconds)
    if delay.polls <= 0:
        return due
    if session.polls_in_progress < delay.polls or session.last_poll_at is None:
        return None
    return max(due, session.last_poll_at)


def natural_outcome(session: Session) -> Outcome:
    """What the invoices decide: 440 none sent, 445 none valid, otherwise 200."""
    if session.invoice_count == 0:
        return Outcome(440)
    if session.successful_count == 0:
        return Outcome(445)
    return Outcome(200)


def final_outcome(session: Session) -> Outcome:
    """The outcome processing ends in: the scenario's, the batch processor's, or natural."""
    return session.plan.outcome or session.pending or natural_outcome(session)


def _cause(session: Session, what: str) -> str:
    if session.plan.outcome is not None:
        return f"forced by scenario {session.scenario}"
    return what


def _next_online(session: Session, now: datetime) -> Session | None:
    """The single next transition of an online session due at ``now``, or ``None``."""
    if session.status_code == SessionStatus.OPEN:
        forced = session.plan.outcome
        if session.key_error:
            return _move(session, 415, session.created, session.key_error)
        if forced is not None and forced.code == 415:
            return finish(session, forced, session.created, _cause(session, ""))
        if now >= session.valid_until:
            return close(session, session.valid_until, "session validity expired")
    elif session.status_code == SessionStatus.ONLINE_CLOSED:
        due = processing_due(session)
        if due is not None and now >= due:
            outcome = final_outcome(session)
            return finish(session, outcome, due, _cause(session, "processing finished"))
    return None


def _next_batch(session: Session, now: datetime) -> Session | None:
    """The single next transition of a batch session due at ``now``, or ``None``."""
    if session.status_code == SessionStatus.OPEN and session.closed_at is None:
        if now >= session.valid_until:
            forced = session.plan.outcome
            given = forced.details if forced is not None and forced.code == 440 else None
            details, _ = outcome_details(session.kind, Outcome(440, given), timed_out=True)
            return _move(session, 440, session.valid_until, "session validity expired", details)
    elif session.status_code == SessionStatus.BATCH_PROCESSING and not _processing(session):
        due = processing_due(session)
        if due is not None and now >= due:
            outcome = final_outcome(session)
            return finish(session, outcome, due, _cause(session, "processing finished"))
    return None


def advance(session: Session, now: datetime) -> Session:
    """Apply every transition due at ``now``; returns the (possibly unchanged) session."""
    step = _next_online if session.kind is SessionKind.ONLINE else _next_batch
    for _ in range(_MAX_STEPS):
        moved = step(session, now)
        if moved is None:
            break
        session = moved
    return session


def force(
    session: Session, outcome: Outcome, at: datetime, cause: str = "forced via control API"
) -> Session:
    """Set a final status now (control API); the caller validates the code."""
    if session.closed_at is None:
        session = dataclasses.replace(session, closed_at=at)
    return finish(session, outcome, at, cause)
