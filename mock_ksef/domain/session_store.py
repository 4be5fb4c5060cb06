"""The one place a session is loaded, advanced to now, counted and saved.

Every use case that reads or writes a session goes through here:

* :func:`visible` — the caller's session (21173 for another context's or an unknown one),
  advanced to now and saved once if a transition was due (no lock when nothing was);
* :func:`poll` — ``GET /sessions/{ref}``: the same, and a read answering 170/150 counts
  (``lifecycle.count_poll``). One read of the store when nothing changes; otherwise one
  transaction that re-reads, advances, counts and writes the session **once**;
* :func:`any_session` — any session by reference (control API, dashboard);
* :func:`all_in_context` — ``GET /sessions``: the sessions of a context and kind;
* :func:`save` — a changed session: advanced, given its UPO pages when it finished, stored.

Reads take no lock: a session is re-read inside a transaction only when something is to
be written, so concurrent status polls do not serialise.
"""

from __future__ import annotations

import dataclasses
import threading
from datetime import datetime

from mock_ksef.codec import from_doc
from mock_ksef.domain import lifecycle
from mock_ksef.domain.auth.values import Principal
from mock_ksef.domain.deps import SessionDeps
from mock_ksef.domain.errors import SessionNotFound
from mock_ksef.domain.session import Session, SessionKind, SessionStatus, UpoPage
from mock_ksef.ids import RefType
from mock_ksef.store.base import Doc
from mock_ksef.store.kinds import SESSION


def _not_found(reference: str) -> SessionNotFound:
    return SessionNotFound(f"Sesja o numerze referencyjnym {reference} nie została znaleziona.")


class DecodedSessions:
    """The last decoded :class:`Session` per reference, reused while its document is equal.

    Decoding a session document (nine nested dataclasses) was the largest cost of a status
    poll in the mock's own code. Every read still reads the store; only the decode is
    skipped when the document compares equal to the one decoded last time (``==`` on the
    parsed JSON, a C-level walk), so nothing can go stale: another worker's write changes
    the document and the next read decodes it. Sessions are frozen, so one object may be
    handed to any number of requests. At most ``size`` references are kept (the table is
    emptied when full).
    """

    def __init__(self, size: int = 1024) -> None:
        self._size = size
        self._entries: dict[str, tuple[Doc, Session]] = {}
        self._lock = threading.Lock()

    def decode(self, reference: str, doc: Doc) -> Session:
        """``from_doc(Session, doc)``, or the same session decoded from an equal document."""
        hit = self._entries.get(reference)
        if hit is not None and hit[0] == doc:
            return hit[1]
        session = from_doc(Session, doc)
        with self._lock:
            if len(self._entries) >= self._size:
                self._entries.clear()
            self._entries[reference] = (doc, session)
        return session


#: One per process: entries are keyed by document content, so apps and stores may share it.
DECODED = DecodedSessions()


def _read(
    deps: SessionDeps, principal: Principal | None, reference: str, kind: SessionKind | None
) -> Session:
    """The stored session, as stored (``principal`` None: of any context)."""
    doc = deps.store.get(SESSION, reference)
    if doc is None:
        raise _not_found(reference)
    session = DECODED.decode(reference, doc)
    if principal is not None and session.context != principal.context:
        raise _not_found(reference)
    if kind is not None and session.kind is not kind:
        raise _not_found(reference)
    return session


def _needs_upo(session: Session) -> bool:
    """A finished session with accepted invoices but no UPO pages planned yet."""
    return (
        session.status_code == SessionStatus.SUCCEEDED
        and not session.upo_pages
        and session.successful_count > 0
    )


def _plan_upo_pages(deps: SessionDeps, session: Session) -> tuple[UpoPage, ...]:
    accepted = [i.ordinal for i in deps.repos.invoices_in_session(session.reference) if i.succeeded]
    size = deps.config.upo_page_size
    chunks = [accepted[i : i + size] for i in range(0, len(accepted), size)]
    when = session.updated
    return tuple(
        UpoPage(deps.numbering.reference(RefType.UPO, when), n, chunk[0], chunk[-1])
        for n, chunk in enumerate(chunks, start=1)
    )


def current(deps: SessionDeps, session: Session, now: datetime) -> Session:
    """``session`` as it is at ``now``: every due transition applied, UPO pages planned
    for a finished one (reads invoices only then; writes nothing)."""
    session = lifecycle.advance(session, now)
    if _needs_upo(session):
        session = dataclasses.replace(session, upo_pages=_plan_upo_pages(deps, session))
    return session


def _stale(session: Session, now: datetime) -> bool:
    """Whether :func:`current` would change ``session`` (cheap: no store access)."""
    advanced = lifecycle.advance(session, now)
    return advanced != session or _needs_upo(advanced)


def save(deps: SessionDeps, session: Session) -> Session:
    """Advance ``session`` to now, plan a finished one's UPO pages, and store it.

    Call it inside ``deps.store.transaction()`` with a session read in the same one.
    """
    session = current(deps, session, deps.clock.now())
    deps.repos.put_session(session)
    return session


def _refresh(
    deps: SessionDeps,
    principal: Principal | None,
    reference: str,
    kind: SessionKind | None,
    *,
    count: bool = False,
) -> Session:
    session = _read(deps, principal, reference, kind)
    now = deps.clock.now()
    if not _stale(session, now) and not (count and lifecycle.counts_poll(session)):
        return session  # nothing to write: no lock taken
    with deps.store.transaction():
        stored = _read(deps, principal, reference, kind)  # another request may have written
        session = current(deps, stored, now)
        if count:
            session = lifecycle.count_poll(session, now)
        if session != stored:
            deps.repos.put_session(session)
        return session


def visible(
    deps: SessionDeps, principal: Principal, reference: str, kind: SessionKind | None = None
) -> Session:
    """A session of the caller's context (and of ``kind``), advanced to now.

    Raises:
        SessionNotFound: unknown, of another context or of another kind (21173).
    """
    return _refresh(deps, principal, reference, kind)


def poll(deps: SessionDeps, principal: Principal, reference: str) -> Session:
    """``GET /sessions/{ref}``: the session advanced to now; a read answering 170/150 counts.

    The count is taken after advancing, so the read that completes ``plan.processing.polls``
    still answers 170/150 and the next one shows the outcome.

    Raises:
        SessionNotFound: unknown or of another context (21173).
    """
    return _refresh(deps, principal, reference, None, count=True)


def any_session(deps: SessionDeps, reference: str) -> Session:
    """Any session by reference, advanced to now (control API; 21173 when unknown)."""
    return _refresh(deps, None, reference, None)


def all_in_context(deps: SessionDeps, context_key: str, kind: SessionKind) -> list[Session]:
    """Sessions of a context and kind, oldest first, each advanced to now.

    One read when nothing is due; otherwise one transaction saves those that changed.
    """
    now = deps.clock.now()
    sessions = deps.repos.sessions_in_context(context_key, kind.value)
    if not any(_stale(s, now) for s in sessions):
        return sessions
    with deps.store.transaction():
        stored = deps.repos.sessions_in_context(context_key, kind.value)
        sessions = [current(deps, s, now) for s in stored]
        for before, after in zip(stored, sessions, strict=True):
            if after != before:
                deps.repos.put_session(after)
        return sessions
