"""Bearer-token checks for protected routes."""

from __future__ import annotations

from flask import request

from mock_ksef.domain.auth.tokens import ACCESS
from mock_ksef.domain.auth.values import Principal
from mock_ksef.domain.errors import Unauthorized
from mock_ksef.http.context import services


def bearer_token() -> str:
    """The raw bearer token of the request.

    Raises:
        Unauthorized: no ``Authorization: Bearer`` header.
    """
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("Brak tokenu dostępowego (nagłówek Authorization: Bearer).")
    return token.strip()


def require(*kinds: str) -> Principal:
    """Verify the request's bearer token and return its principal.

    Args:
        kinds: token kinds accepted here (default: access tokens only).
    """
    svc = services()
    principal = svc.tokens.verify(bearer_token(), kinds or (ACCESS,), svc.now())
    if principal.jti and svc.repos.is_revoked(principal.jti):
        raise Unauthorized("Token został unieważniony.")
    return principal
