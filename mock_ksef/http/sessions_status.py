"""``GET /sessions...``: status, invoice lists and UPO documents of sessions."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, Response, jsonify, request

from mock_ksef.domain import session_store, status
from mock_ksef.domain.errors import ValidationFailed
from mock_ksef.domain.paging import PageSizes
from mock_ksef.domain.session import SessionKind
from mock_ksef.http.bodies import page_size
from mock_ksef.http.context import session_deps
from mock_ksef.http.credential_edge import own_sessions
from mock_ksef.http.dumps import invoice_status, session_item, session_status
from mock_ksef.http.guard import require
from mock_ksef.timefmt import parse_query_datetime

bp = Blueprint("sessions_status", __name__)
_COMMON = ("InProgress", "Succeeded", "Failed", "Cancelled")
#: ``GET /sessions`` and the invoice lists (spec: ``pageSize`` 10..1000).
SESSION_PAGES = PageSizes(10, 1000)


def _date(name: str) -> datetime | None:
    raw = request.args.get(name)
    if raw is None:
        return None
    try:
        return parse_query_datetime(raw)
    except ValueError as exc:
        raise ValidationFailed(f"{name}: {raw!r} nie jest datą ISO 8601.") from exc


def _filter() -> status.SessionFilter:
    kind = request.args.get("sessionType", "")
    if kind not in {k.value for k in SessionKind}:
        raise ValidationFailed("sessionType: wymagana wartość Online lub Batch.")
    statuses = tuple(request.args.getlist("statuses"))
    if unknown := [s for s in statuses if s not in _COMMON]:
        raise ValidationFailed(f"statuses: nieznane wartości {unknown}.")
    return status.SessionFilter(
        SessionKind(kind),
        request.args.get("referenceNumber"),
        _date("dateCreatedFrom"),
        _date("dateCreatedTo"),
        _date("dateClosedFrom"),
        _date("dateClosedTo"),
        _date("dateModifiedFrom"),
        _date("dateModifiedTo"),
        statuses,
    )


def _xml(data: bytes) -> Response:
    response = Response(data, mimetype="application/xml")
    response.headers["x-ms-meta-hash"] = status.meta_hash(data)
    return response


@bp.get("/sessions")
def list_sessions() -> Response:
    """Sessions of the caller's context, newest first (InvoiceWrite alone: its own)."""
    principal = require()
    page = status.list_sessions(
        session_deps(),
        principal,
        _filter(),
        page_size(SESSION_PAGES),
        request.headers.get("x-continuation-token"),
        own_sessions(principal),
    )
    return jsonify(
        {
            "continuationToken": page.continuation_token,
            "sessions": [session_item(s) for s in page.items],
        }
    )


@bp.get("/sessions/<reference>")
def get_session(reference: str) -> Response:
    """``SessionStatusResponse``."""
    return jsonify(session_status(session_store.poll(session_deps(), require(), reference)))


def _invoices(reference: str, *, failed_only: bool) -> Response:
    page = status.list_invoices(
        session_deps(),
        require(),
        reference,
        page_size(SESSION_PAGES),
        request.headers.get("x-continuation-token"),
        failed_only=failed_only,
    )
    return jsonify(
        {
            "continuationToken": page.continuation_token,
            "invoices": [invoice_status(i) for i in page.items],
        }
    )


@bp.get("/sessions/<reference>/invoices")
def list_invoices(reference: str) -> Response:
    """All invoices of a session."""
    return _invoices(reference, failed_only=False)


@bp.get("/sessions/<reference>/invoices/failed")
def list_failed_invoices(reference: str) -> Response:
    """The invoices of a session that failed."""
    return _invoices(reference, failed_only=True)


@bp.get("/sessions/<reference>/invoices/<invoice_reference>")
def get_invoice(reference: str, invoice_reference: str) -> Response:
    """``SessionInvoiceStatusResponse``."""
    invoice = status.get_invoice(session_deps(), require(), reference, invoice_reference)
    return jsonify(invoice_status(invoice))


@bp.get("/sessions/<reference>/invoices/<invoice_reference>/upo")
def invoice_upo_by_reference(reference: str, invoice_reference: str) -> Response:
    """UPO of an invoice named by its reference number."""
    deps = session_deps()
    session = session_store.visible(deps, require(), reference)
    invoice = status.find_invoice_for_upo(deps, session, reference=invoice_reference)
    return _xml(status.invoice_upo(deps, session, invoice))


@bp.get("/sessions/<reference>/invoices/ksef/<ksef_number>/upo")
def invoice_upo_by_ksef_number(reference: str, ksef_number: str) -> Response:
    """UPO of an invoice named by its KSeF number."""
    deps = session_deps()
    session = session_store.visible(deps, require(), reference)
    invoice = status.find_invoice_for_upo(deps, session, ksef_number=ksef_number)
    return _xml(status.invoice_upo(deps, session, invoice))


@bp.get("/sessions/<reference>/upo/<upo_reference>")
def session_upo(reference: str, upo_reference: str) -> Response:
    """One page of a session UPO."""
    deps = session_deps()
    session = session_store.visible(deps, require(), reference)
    return _xml(status.session_upo(deps, session, upo_reference))
