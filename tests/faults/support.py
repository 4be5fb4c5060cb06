"""Helpers of the fault tests: scenarios bound to a NIP, logged-in callers."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from mock_ksef.http.context import services
from mock_ksef.scenario.model import AuthPlan, Fault, RateLimitPlan, Scenario, Selector
from tests.lifecycle.client import Caller
from tests.support.nips import NIP

#: Access tokens that outlive the clock moves of these tests (hours).
LONG_TOKENS = AuthPlan(access_token_seconds=2 * 86400)


def bind(
    app: Flask,
    nip: str,
    *faults: Fault,
    name: str = "under-test",
    rate_limits: RateLimitPlan | None = None,
) -> Scenario:
    """Register a scenario with ``faults`` and ``rate_limits`` that logins to ``nip`` use."""
    scenario = Scenario(
        name=name,
        select=Selector(contexts=(nip,)),
        auth=LONG_TOKENS,
        faults=faults,
        rate_limits=rate_limits or RateLimitPlan(),
    )
    services(app).scenarios.add(scenario)
    return scenario


def caller(app: Flask, client: FlaskClient, nip: str = NIP) -> Caller:
    """A client logged in to ``nip`` (the login itself is not faulted by route filters)."""
    return Caller(app, client, nip)


def session_list(client: FlaskClient, who: Caller, **headers: str) -> Any:
    """``GET /v2/sessions?sessionType=Online`` as ``who``."""
    return client.get("/v2/sessions?sessionType=Online", headers={**who.headers, **headers})
