"""Shared fixtures: an app on a frozen clock, its test client, a live server, spec checks."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from mock_ksef.app import create_app
from mock_ksef.clock import FrozenClock
from mock_ksef.crypto.keys import (
    KSEF_TOKEN_USAGE,
    SYMMETRIC_KEY_USAGE,
    UPO_SIGNING,
    KeyRing,
    generate_pair,
)
from mock_ksef.settings import Settings
from mock_ksef.threaded_server import ThreadedServer
from tests.support.openapi import OpenApiSpec, ValidatingMiddleware
from tests.support.pg_server import pg_server, pg_url  # noqa: F401  # fixtures for every test
from tests.support.spec import spec_dir

START = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
_middlewares: list[ValidatingMiddleware] = []


@pytest.fixture(scope="session")
def openapi() -> OpenApiSpec:
    """The official OpenAPI document."""
    return OpenApiSpec(spec_dir() / "open-api.json")


@pytest.fixture(scope="session")
def keyring() -> KeyRing:
    """One set of mock keys for the whole run (RSA generation is slow)."""
    return KeyRing(
        generate_pair(KSEF_TOKEN_USAGE),
        generate_pair(SYMMETRIC_KEY_USAGE),
        generate_pair(UPO_SIGNING),
    )


@pytest.fixture
def clock() -> FrozenClock:
    """The mock's clock, frozen at :data:`START`."""
    return FrozenClock(START)


@pytest.fixture
def settings() -> Settings:
    """Settings for tests: official schemas from the spec folder, seed 1."""
    return Settings(
        seed=1,
        schema_dir=str(spec_dir() / "invoice-schemas"),
        auth_schema_dir=str(spec_dir() / "auth"),
    )


@pytest.fixture
def app(settings: Settings, clock: FrozenClock, keyring: KeyRing, openapi: OpenApiSpec) -> Flask:
    """A mock whose every response is validated against the OpenAPI document."""
    flask_app = create_app(settings, clock=clock, keys=keyring)
    middleware = ValidatingMiddleware(flask_app.wsgi_app, openapi)
    flask_app.wsgi_app = middleware  # type: ignore[method-assign]
    _middlewares.append(middleware)
    return flask_app


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """An in-process client of :func:`app`."""
    return app.test_client()


@pytest.fixture
def live(app: Flask) -> Iterator[ThreadedServer]:
    """:func:`app` served over real HTTP on 127.0.0.1 and an ephemeral port."""
    with ThreadedServer(app) as server:
        yield server


@pytest.fixture
def sdk(live: ThreadedServer) -> Iterator[Any]:
    """The unmodified ``ksef-client`` SDK pointed at :func:`live`."""
    from ksef_client import KsefClient, KsefClientOptions  # only the SDK tests pay for it

    with KsefClient(KsefClientOptions(base_url=live.url)) as client:
        yield client


@pytest.fixture(autouse=True)
def _responses_follow_the_spec() -> Iterator[None]:
    """Fail any test during which the mock sent a response the spec does not allow."""
    yield
    found = [v for m in _middlewares for v in m.take()]
    _middlewares.clear()
    assert not found, "responses violating open-api.json:\n" + "\n".join(found)
