"""Authentication endpoints: challenge, KSeF-token and XAdES logins, status, tokens, sessions.

Thin: parse the request, call :class:`~mock_ksef.domain.auth.login.Authenticator` (logins)
or :class:`~mock_ksef.domain.auth.operations.AuthOperations` (after login), dump the
result. The login policy can be replaced per app with :func:`set_auth_policy`.
"""

from __future__ import annotations

from typing import cast

from flask import Blueprint, Flask, Response, current_app, jsonify, request
from flask.blueprints import BlueprintSetupState

from mock_ksef.domain.auth.login import Authenticator
from mock_ksef.domain.auth.operations import AuthOperations
from mock_ksef.domain.auth.policy import AuthPolicy
from mock_ksef.domain.auth.tokens import ACCESS, OPERATION, REFRESH
from mock_ksef.domain.errors import ValidationFailed
from mock_ksef.domain.paging import PageSizes
from mock_ksef.http.auth_bodies import (
    dump_challenge,
    dump_init,
    dump_list_item,
    dump_status,
    dump_token,
    load_ksef_token_request,
)
from mock_ksef.http.bodies import XML_MEDIA, page_size, require_media
from mock_ksef.http.context import auth_deps, services
from mock_ksef.http.credential_edge import login_policy, renew_rights
from mock_ksef.http.guard import require
from mock_ksef.xml.auth_xsd import auth_schemas

bp = Blueprint("auth", __name__)
POLICY_EXTENSION = "mock_ksef.auth_policy"
#: ``GET /auth/sessions`` (spec: ``pageSize`` 10..100).
AUTH_SESSION_PAGES = PageSizes(10, 100)


@bp.record_once
def _load_auth_schemas(state: BlueprintSetupState) -> None:
    """At start-up: locate the auth XSDs (logs a warning once when none are configured)."""
    auth_schemas(services(cast(Flask, state.app)).settings.auth_schema_dir)


def set_auth_policy(app: Flask, policy: AuthPolicy) -> None:
    """Install the login policy of ``app`` (the scenario engine's hook)."""
    app.extensions[POLICY_EXTENSION] = policy


def _authenticator() -> Authenticator:
    policy = current_app.extensions.get(POLICY_EXTENSION) or login_policy()
    return Authenticator(services().auth_deps, policy)


def _operations() -> AuthOperations:
    return AuthOperations(auth_deps())


def _json(body: object, status: int = 200) -> Response:
    response = jsonify(body)
    response.status_code = status
    return response


def _bool_arg(name: str) -> bool:
    raw = request.args.get(name)
    if raw is None:
        return False
    value = raw.strip().lower()
    if value not in ("true", "false"):
        raise ValidationFailed(f"{name}: oczekiwano wartości true lub false, otrzymano '{raw}'.")
    return value == "true"


@bp.post("/auth/challenge")
def challenge() -> Response:
    """A fresh, single-use challenge."""
    created = _authenticator().new_challenge()
    return _json(dump_challenge(created, request.remote_addr or "127.0.0.1"))


@bp.post("/auth/ksef-token")
def ksef_token() -> Response:
    """Start a KSeF-token login."""
    parsed = load_ksef_token_request(request.get_data(cache=False))
    started = _authenticator().init_ksef_token(parsed)
    return _json(dump_init(started.reference, started.token), 202)


@bp.post("/auth/xades-signature")
def xades_signature() -> Response:
    """Start a login with a signed ``AuthTokenRequest``."""
    verify_chain = _bool_arg("verifyCertificateChain")
    document = request.get_data(cache=False)
    require_media(XML_MEDIA, document)
    started = _authenticator().init_xades(document, verify_chain)
    return _json(dump_init(started.reference, started.token), 202)


@bp.get("/auth/<reference>")
def status(reference: str) -> Response:
    """The status of an authentication operation (operation token only)."""
    principal = require(OPERATION)
    return _json(dump_status(_operations().status(principal, reference)))


@bp.post("/auth/token/redeem")
def redeem() -> Response:
    """Access and refresh tokens, once per operation."""
    principal = require(OPERATION)
    renew_rights(principal)  # the credentials model: rights now, 21301 for a revoked token
    access, refresh_token = _operations().redeem(principal)
    return _json({"accessToken": dump_token(access), "refreshToken": dump_token(refresh_token)})


@bp.post("/auth/token/refresh")
def refresh() -> Response:
    """A new access token for a refresh token."""
    principal = require(REFRESH)
    renew_rights(principal)  # recomputed at every refresh (BRIEF-ADMIN 1.3)
    access = _operations().refresh(principal)
    return _json({"accessToken": dump_token(access)})


@bp.get("/auth/sessions")
def sessions() -> Response:
    """Active authentication sessions of the caller's context."""
    principal = require(ACCESS)
    page = _operations().list_sessions(
        principal,
        page_size(AUTH_SESSION_PAGES),
        request.headers.get("x-continuation-token") or None,
    )
    return _json(
        {
            "continuationToken": page.continuation_token,
            "items": [dump_list_item(op, current) for op, current in page.items],
        }
    )


@bp.delete("/auth/sessions/current")
def revoke_current() -> Response:
    """Revoke the caller's own authentication session."""
    _operations().revoke(require(ACCESS, REFRESH))
    return Response(status=204)


@bp.delete("/auth/sessions/<reference>")
def revoke(reference: str) -> Response:
    """Revoke an authentication session of the caller's context."""
    _operations().revoke(require(ACCESS), reference)
    return Response(status=204)
