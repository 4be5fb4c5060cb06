"""The plugin's own server, as the project's tests use it, is held to the spec too."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from mock_ksef.threaded_server import ThreadedServer
from tests.support.openapi import OpenApiSpec, ValidatingMiddleware


@pytest.fixture(scope="session")
def _plugin_middleware(
    ksef_mock_server: ThreadedServer, openapi: OpenApiSpec
) -> ValidatingMiddleware:
    """Wrap the session server's app once in the OpenAPI-validating middleware."""
    app = ksef_mock_server.app
    middleware = ValidatingMiddleware(app.wsgi_app, openapi)
    app.wsgi_app = middleware  # type: ignore[method-assign]
    return middleware


@pytest.fixture
def ksef_mock_validated(_plugin_middleware: ValidatingMiddleware) -> Iterator[None]:
    """Fail a test during which the plugin's server answered outside the spec."""
    yield
    found = _plugin_middleware.take()
    assert not found, "responses violating open-api.json:\n" + "\n".join(found)
