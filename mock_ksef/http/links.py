"""Absolute links handed to clients (UPO downloads, part uploads)."""

from __future__ import annotations

from flask import request

from mock_ksef.crypto import presign
from mock_ksef.domain.errors import Forbidden
from mock_ksef.http.context import services


def public_base() -> str:
    """The configured public URL, or the scheme and host the request came to."""
    configured = services().settings.public_url
    return (configured or request.host_url).rstrip("/")


def check_presigned(permission: str) -> None:
    """Refuse (403) a storage request whose presigned link is forged, expired or lacks
    ``permission`` (``r`` download, ``w`` upload); expiry is judged when the request starts.
    """
    svc = services()
    reason = presign.verify(
        svc.tokens.secret,
        request.path,
        request.args.get("se", ""),
        request.args.get("sig", ""),
        svc.now(),
    )
    if reason is None and request.args.get("sp") != permission:
        reason = f"no {'write' if permission == 'w' else 'read'} permission (sp)"
    if reason:
        raise Forbidden(f"Link odrzucony: {reason}.", "insufficient-resource-access")
