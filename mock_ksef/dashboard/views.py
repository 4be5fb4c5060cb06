"""The dashboard blueprint: the page, its static files and its JSON feeds.

* ``GET /_mock/dashboard/``: the page (``/_mock/dashboard`` redirects there, so the
  page's relative links work behind any prefix);
* ``GET /_mock/dashboard/static/<file>``: its CSS and JavaScript (only those);
* ``GET /_mock/dashboard/api/state?requests=N&inbox=CONTEXT&permissions=CONTEXT``: one
  snapshot (clock, sessions with their timelines, active scenarios, the newest ``N``
  journal entries, the inbox and exports of one context, who holds what in one context);
* ``GET /_mock/dashboard/api/sessions/{ref}/invoices``: a session's invoices.

The page loads nothing from elsewhere; a Content-Security-Policy of ``'self'`` only (no
inline script or style) backs up the rule that all data is inserted as text.
"""

from __future__ import annotations

from importlib.resources import files

from flask import Blueprint, Response, abort, jsonify, request

from mock_ksef.dashboard.feed import JOURNAL_DEFAULT, session_invoices, snapshot
from mock_ksef.dashboard.permissions_feed import permissions_view
from mock_ksef.domain.auth.values import ContextId
from mock_ksef.domain.errors import ValidationFailed
from mock_ksef.domain.session_store import any_session
from mock_ksef.http.context import services
from mock_ksef.http.credential_edge import credential_repo, mode_of

bp = Blueprint("mock_dashboard", __name__, url_prefix="/_mock/dashboard")

#: The page's files (package data) and their content types; nothing else is served.
STATIC_FILES = {
    "index.html": "text/html; charset=utf-8",
    "dashboard.css": "text/css; charset=utf-8",
    "dashboard.js": "text/javascript; charset=utf-8",
}

CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    "img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)


@bp.after_request
def _harden(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    return response


def _file(name: str) -> Response:
    # Read whole (a few kB) rather than streamed: the answer holds no open file, and the
    # files are found the same way in a checkout, a wheel or a zip import.
    data = files("mock_ksef.dashboard").joinpath("static", name).read_bytes()
    return Response(data, content_type=STATIC_FILES[name])


@bp.get("/")
def page() -> Response:
    """The dashboard page."""
    return _file("index.html")


@bp.get("/static/<name>")
def static_file(name: str) -> Response:
    """The page's stylesheet and script."""
    if name not in STATIC_FILES:
        abort(404)
    return _file(name)


@bp.get("/api/state")
def state() -> Response:
    """One snapshot of everything the page shows."""
    raw = request.args.get("requests", str(JOURNAL_DEFAULT))
    if not raw.isdigit():
        raise ValidationFailed(f"requests: a number of journal entries, got '{raw}'")
    body = snapshot(services(), int(raw), request.args.get("inbox") or None)
    body["permissions"] = permissions_view(
        credential_repo(), request.args.get("permissions") or None, _mode_for
    )
    return jsonify(body)


def _mode_for(context: ContextId) -> str:
    return mode_of(context, None)


@bp.get("/api/sessions/<reference>/invoices")
def invoices(reference: str) -> Response:
    """The invoices of one session (400 ``21173`` when the session is unknown)."""
    svc = services()
    session = any_session(svc.session_deps, reference)
    found = session_invoices(svc, reference)
    return jsonify({"referenceNumber": session.reference, "invoices": found})
