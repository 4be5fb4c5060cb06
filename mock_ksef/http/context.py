"""Typed access to the app's :class:`~mock_ksef.services.Services` from a request, and to
the narrow dependencies a use case takes (:mod:`mock_ksef.domain.deps`)."""

from __future__ import annotations

from flask import Flask, current_app

from mock_ksef.domain.deps import AuthDeps, BatchDeps, SessionDeps
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


def session_deps(app: Flask | None = None) -> SessionDeps:
    """What the session use cases take (online, status, UPO, forcing)."""
    return services(app).session_deps


def batch_deps(app: Flask | None = None) -> BatchDeps:
    """What the batch use cases take."""
    return services(app).batch_deps


def auth_deps(app: Flask | None = None) -> AuthDeps:
    """What the login and authentication-operation use cases take."""
    return services(app).auth_deps
