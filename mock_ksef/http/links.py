"""Absolute links handed to clients (UPO downloads, part uploads)."""

from __future__ import annotations

from flask import request

from mock_ksef.http.context import services


def public_base() -> str:
    """The configured public URL, or the scheme and host the request came to."""
    configured = services().settings.public_url
    return (configured or request.host_url).rstrip("/")
