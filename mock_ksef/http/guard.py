"""Bearer-token checks for protected routes, verified once per request.

The first look at the ``Authorization`` header (scenario selection before the route, or
the route's :func:`require`) decodes the token and keeps the outcome on ``flask.g``; every
later look reuses it. :func:`current_principal` answers "who is calling, if anyone";
:func:`require` is the gate of a protected route.
"""

from __future__ import annotations

from typing import cast

from flask import g, request

from mock_ksef.domain.auth.tokens import ACCESS, OPERATION, REFRESH, VerifiedToken
from mock_ksef.domain.auth.values import Principal
from mock_ksef.domain.errors import Unauthorized
from mock_ksef.http.context import services

ANY_KIND = (ACCESS, REFRESH, OPERATION)
_G = "mock_ksef_bearer"
_PRINCIPAL = "mock_ksef_principal"
_UNSET = object()
_NO_TOKEN = "Brak tokenu dostępowego (nagłówek Authorization: Bearer)."


def bearer_token() -> str:
    """The raw bearer token of the request.

    Raises:
        Unauthorized: no ``Authorization: Bearer`` header.
    """
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized(_NO_TOKEN)
    return token.strip()


def _decoded() -> VerifiedToken | Unauthorized:
    """The request's token, decoded once (or why it is not a token of this mock)."""
    outcome: VerifiedToken | Unauthorized | None = g.get(_G)
    if outcome is None:
        try:
            outcome = services().tokens.decode(bearer_token())
        except Unauthorized as problem:
            outcome = problem
        setattr(g, _G, outcome)
    return outcome


def current_principal() -> Principal | None:
    """The principal of the request's valid (signed, unexpired) bearer token of any kind.

    ``None`` without a token or with a bad one; revocation is not looked at (see
    :func:`require`). Verified and checked at most once per request (the traffic edge and
    the permission gate both ask).
    """
    found = g.get(_PRINCIPAL, _UNSET)
    if found is not _UNSET:
        return cast(Principal | None, found)
    principal = _checked_principal()
    setattr(g, _PRINCIPAL, principal)
    return principal


def _checked_principal() -> Principal | None:
    decoded = _decoded()
    if isinstance(decoded, Unauthorized):
        return None
    svc = services()
    try:
        return svc.tokens.check(decoded, ANY_KIND, svc.now())
    except Unauthorized:
        return None


def require(*kinds: str) -> Principal:
    """Verify the request's bearer token and return its principal.

    Args:
        kinds: token kinds accepted here (default: access tokens only).

    Raises:
        Unauthorized: no token, a bad, expired, revoked or wrong-kind one.
    """
    decoded = _decoded()
    if isinstance(decoded, Unauthorized):
        raise Unauthorized(decoded.detail)
    svc = services()
    principal = svc.tokens.check(decoded, kinds or (ACCESS,), svc.now())
    if principal.jti and svc.auth_deps.repos.is_revoked(principal.jti):
        raise Unauthorized("Token został unieważniony.")
    return principal
