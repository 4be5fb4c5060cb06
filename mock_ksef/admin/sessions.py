"""Control API for sessions: list them, read a session's timeline, force its status.

* ``GET /_mock/sessions?type=Online|Batch&context=<value>``: every session of every
  context, advanced to now, newest first, each as its timeline (the dashboard reads it);
* ``GET /_mock/sessions/{ref}``: the session advanced to now, with its status history
  (code, due time, cause), scenario and plan (the dashboard reads it);
* ``POST /_mock/sessions/{ref}/state`` ``{"code": 445, "details": [...], "statusCode": n}``:
  set a final status now; the code must be one the session's kind can end in
  (``domain/forcing.py``: a forced 440/445 also fails the invoices accepted so far).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, request

from mock_ksef.codec import to_doc
from mock_ksef.domain import forcing
from mock_ksef.domain.errors import SessionNotFound, ValidationFailed
from mock_ksef.domain.session import (
    BATCH_STATUS_TEXT,
    ONLINE_STATUS_TEXT,
    Session,
    SessionKind,
    StatusEvent,
)
from mock_ksef.domain.session_store import any_session
from mock_ksef.http.bodies import peek_json
from mock_ksef.http.context import services, session_deps
from mock_ksef.services import Services
from mock_ksef.store.kinds import SESSION
from mock_ksef.timefmt import iso

bp = Blueprint("mock_admin_sessions", __name__, url_prefix="/_mock")


def _event_description(session: Session, event: StatusEvent, last: bool) -> str:
    if last and event.code == session.status_code:
        return session.status_description
    texts = ONLINE_STATUS_TEXT if session.kind is SessionKind.ONLINE else BATCH_STATUS_TEXT
    return texts.get(event.code, "")


def timeline(session: Session) -> dict[str, Any]:
    """The control API's view of a session."""
    return {
        "referenceNumber": session.reference,
        "sessionType": session.kind.value,
        "context": {"type": session.context.type, "value": session.context.value},
        "scenario": session.scenario,
        "plan": to_doc(session.plan),
        "invoiceRules": to_doc(session.invoice_rules),
        "status": {
            "code": session.status_code,
            "description": session.status_description,
            "details": list(session.status_details),
        },
        "dateCreated": iso(session.created),
        "dateUpdated": iso(session.updated),
        "validUntil": iso(session.valid_until),
        "closedAt": iso(session.closed_at) if session.closed_at else None,
        "pollsInProgress": session.polls_in_progress,
        "pending": to_doc(session.pending),
        "invoiceCount": session.invoice_count,
        "successfulInvoiceCount": session.successful_count,
        "failedInvoiceCount": session.failed_count,
        "history": [
            {
                "code": event.code,
                "description": _event_description(session, event, n == len(session.history)),
                "at": iso(event.at),
                "cause": event.cause,
            }
            for n, event in enumerate(session.history, start=1)
        ],
    }


def all_sessions(svc: Services, kind: str | None = None) -> list[Session]:
    """Every session of every context (of ``kind``, if given) advanced to now, newest first.

    Each is read as ``GET /_mock/sessions/{ref}`` reads it (``session_store.any_session``: due
    transitions applied and saved, no poll counted); one removed meanwhile is left out.
    """
    index = {"type": kind} if kind else {}
    sessions: list[Session] = []
    for doc in svc.store.find(SESSION, **index):
        try:
            sessions.append(any_session(svc.session_deps, str(doc["reference"])))
        except SessionNotFound:
            continue
    return sorted(sessions, key=lambda s: (s.created, s.reference), reverse=True)


@bp.get("/sessions")
def list_sessions() -> Response:
    """Every session across contexts, newest first (filters: ``type``, ``context``)."""
    kind = request.args.get("type") or None
    if kind is not None and kind not in {k.value for k in SessionKind}:
        raise ValidationFailed(f"type: Online or Batch, got '{kind}'")
    context = request.args.get("context") or None
    sessions = [
        s for s in all_sessions(services(), kind) if context is None or s.context.value == context
    ]
    return jsonify({"sessions": [timeline(s) for s in sessions]})


@bp.get("/sessions/<reference>")
def get_session(reference: str) -> Response:
    """A session's timeline (no poll is counted)."""
    return jsonify(timeline(any_session(session_deps(), reference)))


@bp.post("/sessions/<reference>/state")
def force_state(reference: str) -> Response:
    """Set a session's final status now; history records "forced via control API"."""
    body = peek_json()
    if not isinstance(body, dict):
        raise ValidationFailed('send a JSON object, e.g. {"code": 445}')
    session = forcing.force_state(
        session_deps(), reference, body.get("code"), body.get("details"), body.get("statusCode")
    )
    return jsonify(timeline(session))
