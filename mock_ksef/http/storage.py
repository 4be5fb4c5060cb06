"""Presigned storage links: UPO downloads without a bearer token (like Azure SAS URLs)."""

from __future__ import annotations

from flask import Blueprint, Response

from mock_ksef.domain import status
from mock_ksef.domain.errors import Forbidden
from mock_ksef.domain.session import Session
from mock_ksef.http.context import services, session_deps
from mock_ksef.http.links import check_presigned

bp = Blueprint("storage", __name__, url_prefix="/storage")


def _session(lower_reference: str) -> Session:
    svc = services()
    session = svc.repos.get_session(lower_reference.upper())
    if session is None:
        raise Forbidden("Link odrzucony: nie ma takiej sesji.", "insufficient-resource-access")
    return session


def _xml(data: bytes) -> Response:
    response = Response(data, mimetype="application/xml")
    response.headers["x-ms-meta-hash"] = status.meta_hash(data)
    return response


@bp.get("/01/<session_ref>/session-upo/<upo_reference>.xml")
def session_upo(session_ref: str, upo_reference: str) -> Response:
    """A session UPO page by presigned link."""
    check_presigned("r")
    return _xml(status.session_upo(session_deps(), _session(session_ref), upo_reference))


@bp.get("/01/<session_ref>/invoice-upo/upo_<ksef_number>.xml")
def invoice_upo(session_ref: str, ksef_number: str) -> Response:
    """An invoice UPO by presigned link."""
    check_presigned("r")
    deps = session_deps()
    session = _session(session_ref)
    invoice = status.find_invoice_for_upo(deps, session, ksef_number=ksef_number)
    return _xml(status.invoice_upo(deps, session, invoice))
