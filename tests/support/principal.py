"""A shortcut for HTTP tests that are not about authentication: an access token issued
directly by the mock's token service for a completed authentication operation."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask

from mock_ksef.domain.auth.tokens import ACCESS
from mock_ksef.domain.auth.values import AuthMethod, AuthOperation, ContextId
from mock_ksef.http.context import services
from mock_ksef.ids import RefType


def access_token(app: Flask, nip: str, permissions: tuple[str, ...] | None = None) -> str:
    """An access token for context ``Nip:nip`` (the auth operation is stored too)."""
    svc = services(app)
    now = svc.now()
    op = AuthOperation(
        reference=svc.new_reference(RefType.AUTH, now),
        context=ContextId("Nip", nip),
        method=AuthMethod("Token", "Token", "token.ksef", "Token KSeF"),
        start_date=now,
        status_code=200,
        subject={"type": "Nip", "value": nip},
        ksef_token_reference=svc.new_reference(RefType.KSEF_TOKEN, now),
        redeemed=True,
    )
    if permissions is not None:
        op = AuthOperation(**{**op.__dict__, "permissions": permissions})
    svc.repos.put_auth(op)
    return svc.tokens.issue(ACCESS, op, now, timedelta(hours=1), svc.ids.hex_token(8)).token
