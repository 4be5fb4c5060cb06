"""Control API for sessions: read a session's timeline, force its status.

* ``GET /_mock/sessions/{ref}``: the session advanced to now, with its status history
  (code, due time, cause), scenario and plan (the dashboard reads it);
* ``POST /_mock/sessions/{ref}/state`` ``{"code": 445, "details": [...], "statusCode": n}``:
  set a final status now; the code must be one the session's kind can end in.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, request

from mock_ksef.codec import to_doc
from mock_ksef.domain import lifecycle
from mock_ksef.domain.errors import ValidationFailed
from mock_ksef.domain.session import Session
from mock_ksef.domain.status import load_any, save_session
from mock_ksef.http.context import services
from mock_ksef.scenario.model import Outcome
from mock_ksef.timefmt import iso

bp = Blueprint("mock_admin_sessions", __name__, url_prefix="/_mock")


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
            {"code": event.code, "at": iso(event.at), "cause": event.cause}
            for event in session.history
        ],
    }


@bp.get("/sessions/<reference>")
def get_session(reference: str) -> Response:
    """A session's timeline (no poll is counted)."""
    return jsonify(timeline(load_any(services(), reference)))


def _outcome(body: Any, allowed: frozenset[int]) -> Outcome:
    if not isinstance(body, dict):
        raise ValidationFailed('send a JSON object, e.g. {"code": 445}')
    code = body.get("code")
    if not isinstance(code, int) or isinstance(code, bool) or code not in allowed:
        raise ValidationFailed(f"code: expected one of {sorted(allowed)}, got {code!r}")
    details = body.get("details")
    if details is not None and (
        not isinstance(details, list) or not all(isinstance(d, str) for d in details)
    ):
        raise ValidationFailed("details: expected a list of strings")
    status_code = body.get("statusCode")
    if status_code is not None and (not isinstance(status_code, int) or code != 500):
        raise ValidationFailed("statusCode: an integer, only with code 500")
    return Outcome(code, tuple(details) if details is not None else None, status_code)


@bp.post("/sessions/<reference>/state")
def force_state(reference: str) -> Response:
    """Set a session's final status now; history records "forced via control API"."""
    svc = services()
    body = request.get_json(silent=True)
    with svc.store.transaction():
        session = load_any(svc, reference)
        outcome = _outcome(body, lifecycle.FINAL_CODES[session.kind])
        session = save_session(svc, lifecycle.force(session, outcome, svc.now()))
    return jsonify(timeline(session))
