"""Presigned links (UPO downloads, batch part uploads): an HMAC over path and expiry."""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime


def signature(secret: str, path: str, expires: datetime) -> str:
    """Hex HMAC-SHA256 of ``path`` and the expiry's Unix time."""
    message = f"{path}\n{int(expires.timestamp())}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def query(secret: str, path: str, expires: datetime, permission: str = "r") -> str:
    """The query string of a presigned link (``se``, ``sp``, ``sig``)."""
    return f"se={int(expires.timestamp())}&sp={permission}&sig={signature(secret, path, expires)}"


def verify(secret: str, path: str, se: str, sig: str, now: datetime) -> str | None:
    """Why a presigned link is refused, or ``None`` when it is good."""
    try:
        expires = datetime.fromtimestamp(int(se), tz=now.tzinfo)
    except (TypeError, ValueError, OverflowError):
        return "missing or malformed expiry (se)"
    if not hmac.compare_digest(signature(secret, path, expires), sig or ""):
        return "signature mismatch"
    if now >= expires:
        return "link expired"
    return None
