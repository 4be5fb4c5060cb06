"""``/sessions/online``: open, send invoices, close."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from mock_ksef.domain import online
from mock_ksef.domain.session_plan import SCENARIO_HEADER
from mock_ksef.http.bodies import load_request
from mock_ksef.http.context import session_deps
from mock_ksef.http.credential_edge import ensure_seeds
from mock_ksef.http.guard import require
from mock_ksef.http.session_schemas import OpenOnlineSchema, SendInvoiceSchema
from mock_ksef.timefmt import iso

bp = Blueprint("sessions_online", __name__)
_open_schema = OpenOnlineSchema()
_send_schema = SendInvoiceSchema()


@bp.post("/sessions/online")
def open_session() -> tuple[Response, int]:
    """Open an online session (201)."""
    principal = require()
    command = load_request(_open_schema)
    session = online.open_online(
        session_deps(), principal, command, request.headers.get(SCENARIO_HEADER)
    )
    return jsonify(
        {"referenceNumber": session.reference, "validUntil": iso(session.valid_until)}
    ), 201


@bp.post("/sessions/online/<reference>/invoices")
def send_invoice(reference: str) -> tuple[Response, int]:
    """Send one encrypted invoice (202)."""
    principal = require()
    command = load_request(_send_schema)
    ensure_seeds()  # the seller check reads the authorisations a scenario may seed
    invoice = online.send_invoice(session_deps(), principal, reference, command)
    return jsonify({"referenceNumber": invoice.reference}), 202


@bp.post("/sessions/online/<reference>/close")
def close_session(reference: str) -> tuple[str, int]:
    """Close an online session (204)."""
    online.close_online(session_deps(), require(), reference)
    return "", 204
