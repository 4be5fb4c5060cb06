"""Typed access to the app's :class:`~mock_ksef.services.Services` from a request."""

from __future__ import annotations

from flask import Flask, current_app

from mock_ksef.services import Services

EXTENSION = "mock_ksef"


def install(app: Flask, svc: Services) -> None:
    """Attach ``svc`` to ``app``."""
    app.extensions[EXTENSION] = svc


def services(app: Flask | None = None) -> Services:
    """The services of ``app`` (default: the current app)."""
    target = app if app is not None else current_app
    svc: Services = target.extensions[EXTENSION]
    return svc
