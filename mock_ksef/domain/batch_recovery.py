"""Running a batch close to its end, and taking over a close whose process died.

A close is recorded in three steps:

1. (close request, one transaction) the session moves to 150 with
   ``batch.processing`` set, and a ``batch-closing`` marker names the owner process;
2. (no lock) :func:`~mock_ksef.domain.batch_processing.prepare` verifies, decrypts and
   checks the package; the uploaded parts stay where they are;
3. (one transaction) invoice rows, acceptance records, counters and the pending outcome
   are written, ``batch.processing`` is cleared and the marker removed; only then are
   the parts deleted.

A kill at any point leaves either nothing of step 3 or all of it. At start-up
:func:`recover` deletes the parts finished sessions left and re-runs every close whose
owner no longer lives (the same process id with another start time is another process;
on another host: its lease expired), from its kept parts: the session reaches its true
final status. Every live process then does the same periodically, so the replicas that
survive a kill finish its closes and delete the parts it left.
"""

from __future__ import annotations

import dataclasses
import logging

from mock_ksef.domain import lifecycle, session_store
from mock_ksef.domain.batch_processing import Prepared, failure, prepare, record_invoices
from mock_ksef.domain.deps import BatchDeps
from mock_ksef.domain.invoice import Invoice
from mock_ksef.domain.session import Session
from mock_ksef.store.kinds import BATCH_CLOSING

log = logging.getLogger("mock_ksef")


def _owned(deps: BatchDeps, reference: str) -> Session | None:
    """The session if this process still owns its close (a reset or a takeover ends it)."""
    marker = deps.sessions.store.get(BATCH_CLOSING, reference)
    session = deps.sessions.repos.get_session(reference)
    if marker is None or marker.get("owner") != deps.worker.owner or session is None:
        return None
    if session.batch is None or not session.batch.processing:
        return None
    return session


def _finish(
    deps: BatchDeps, session: Session, prepared: Prepared, invoices: tuple[Invoice, ...]
) -> Session:
    assert session.batch is not None
    ok = sum(i.succeeded for i in invoices)
    outcome = prepared.outcome
    if outcome is None:
        outcome = lifecycle.natural_outcome(
            dataclasses.replace(session, invoice_count=len(invoices), successful_count=ok)
        )
    done = dataclasses.replace(
        session,
        pending=outcome,
        invoice_count=len(invoices),
        successful_count=ok,
        failed_count=len(invoices) - ok,
        batch=dataclasses.replace(session.batch, processing=False),
    )
    deps.sessions.store.delete(BATCH_CLOSING, session.reference)
    return session_store.save(deps.sessions, done)


def process_closed(deps: BatchDeps, reference: str) -> Session:
    """Process a session this process holds the close marker of, and commit the outcome.

    Returns the session as committed (or as found, when the close is no longer ours).
    """
    session = deps.sessions.repos.get_session(reference)
    assert session is not None
    forced = session.plan.outcome
    if forced is not None and forced.code not in (200, 445):
        # A session-level failure forced by the scenario: as in a real 405/415/420/
        # 430/435/440/500 the invoices are never reached, so none gets a KSeF number.
        prepared = Prepared(forced)
    else:
        prepared = prepare(deps, session)
    try:
        with deps.sessions.store.transaction():
            current = _owned(deps, reference)
            if current is None:
                return deps.sessions.repos.get_session(reference) or session
            invoices = record_invoices(deps, current, prepared) if prepared.outcome is None else ()
            done = _finish(deps, current, prepared, invoices)
    except Exception as exc:  # e.g. a store error: end in 500 rather than stay at 150
        log.exception("recording the batch outcome of %s failed", reference)
        with deps.sessions.store.transaction():
            current = _owned(deps, reference)
            if current is None:
                return deps.sessions.repos.get_session(reference) or session
            done = _finish(deps, current, Prepared(failure(exc)), ())
    deps.worker.checkpoint(reference, "committed", 0)
    deps.parts.discard(reference)
    return done


def _abandoned(deps: BatchDeps) -> list[str]:
    return [
        str(doc.get("reference", ""))
        for doc in deps.sessions.store.find(BATCH_CLOSING)
        if not deps.worker.alive(str(doc.get("owner", "")))
    ]


def _take_over(deps: BatchDeps, reference: str) -> bool:
    """Claim an abandoned close for this process (only one process wins the claim)."""
    with deps.sessions.store.transaction():
        marker = deps.sessions.store.get(BATCH_CLOSING, reference)
        if marker is None or deps.worker.alive(str(marker.get("owner", ""))):
            return False
        session = deps.sessions.repos.get_session(reference)
        if session is None or session.batch is None or not session.batch.processing:
            deps.sessions.store.delete(
                BATCH_CLOSING, reference
            )  # a marker of an older version: drop it
            return False
        taken = {**marker, "owner": deps.worker.owner, "taken_from": marker.get("owner", "")}
        deps.sessions.store.put(BATCH_CLOSING, reference, taken)
    deps.parts.discard_scratch(reference)
    return True


def clean_leftovers(deps: BatchDeps) -> list[str]:
    """Delete what sessions no longer processing or open left on disk; their references."""
    removed = []
    for reference in deps.parts.references():
        session = deps.sessions.repos.get_session(reference)
        processing = session is not None and session.batch is not None and session.batch.processing
        if session is None or (not processing and session.status_code != 100):
            deps.parts.discard(reference)
            removed.append(reference)
    return removed


def pending_recovery(deps: BatchDeps) -> bool:
    """Whether anything is left to clean or resume (cheap: for the start-up check)."""
    return bool(deps.parts.references()) or bool(_abandoned(deps))


def recover(deps: BatchDeps) -> list[Session]:
    """Clean leftovers, then finish every close whose owner died.

    Run at start-up and then periodically by every live process (``upkeep.py``).
    """
    clean_leftovers(deps)
    return resume_abandoned(deps)


def resume_abandoned(deps: BatchDeps) -> list[Session]:
    """Finish every close whose owner died (taken over by one process only)."""
    finished = []
    for reference in _abandoned(deps):
        if _take_over(deps, reference):
            log.warning("resuming the batch close of %s (its process died)", reference)
            finished.append(process_closed(deps, reference))
    return finished
