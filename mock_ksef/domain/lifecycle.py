"""The online session state machine, advanced lazily against the clock.

Transitions are computed from *due times*, never from how often a client polls, and never
on background threads: :func:`advance` applies every transition due at ``now`` in a loop
and stamps each with the time it was due (moto's ``ManagedState`` with its two flaws fixed).

Online (``spec/diagrams/sesja-interaktywna-diagram-stanow.png``)::

    open -> 100 --(key not decryptable, at once)--> 415
            100 --(close, or validUntil reached)--> 170
            170 --(processing done)--> 200 | 440 (no invoices) | 445 (none valid)
"""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta

from mock_ksef.domain.session import NO_INVOICES, Session, SessionKind, StatusEvent


def _move(
    session: Session, code: int, at: datetime, cause: str, details: tuple[str, ...] = ()
) -> Session:
    return dataclasses.replace(
        session,
        status_code=code,
        status_details=details,
        updated=max(session.updated, at),
        history=(*session.history, StatusEvent(code, at, cause)),
    )


def close(session: Session, at: datetime, cause: str = "closed by the client") -> Session:
    """100 -> 170: no more invoices are accepted."""
    closed = dataclasses.replace(session, closed_at=at)
    return _move(closed, 170, at, cause)


def _next_online(session: Session, now: datetime, processing: timedelta) -> Session | None:
    """The single next transition due at ``now``, or ``None``."""
    if session.status_code == 100:
        if session.key_error:
            return _move(session, 415, session.created, session.key_error)
        if now >= session.valid_until:
            return close(session, session.valid_until, "session validity expired")
    elif session.status_code == 170 and session.closed_at is not None:
        due = session.closed_at + processing
        if now >= due:
            if session.invoice_count == 0:
                return _move(session, 440, due, "no invoices were sent", (NO_INVOICES,))
            if session.successful_count == 0:
                return _move(session, 445, due, "no invoice was valid")
            return _move(session, 200, due, "processing finished")
    return None


def advance(session: Session, now: datetime, processing: timedelta = timedelta(0)) -> Session:
    """Apply every transition due at ``now``; returns the (possibly unchanged) session."""
    if session.kind is not SessionKind.ONLINE:
        return session
    while (moved := _next_online(session, now, processing)) is not None:
        session = moved
    return session
