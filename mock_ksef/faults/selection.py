"""Which scenario applies to a request, and who is calling (for counters and windows)."""

from __future__ import annotations

from flask import request

from mock_ksef.domain.auth.values import Principal
from mock_ksef.domain.session_plan import SCENARIO_HEADER, scenario_by_header
from mock_ksef.http.bodies import peek_json
from mock_ksef.http.guard import current_principal
from mock_ksef.scenario.model import Scenario
from mock_ksef.scenario.registry import UnknownScenario
from mock_ksef.services import Services


def principal_of_request(svc: Services) -> Principal | None:
    """The principal of a valid bearer token of any kind, else ``None``."""
    return current_principal()  # verified once per request, shared with the route's guard


def _login_context() -> str | None:
    """The context a ``POST /auth/ksef-token`` body names (before any token exists)."""
    if request.method != "POST" or not request.path.endswith("/auth/ksef-token"):
        return None
    body = peek_json()
    context = body.get("contextIdentifier") if isinstance(body, dict) else None
    value = context.get("value") if isinstance(context, dict) else None
    return value if isinstance(value, str) and value else None


def applicable_scenario(svc: Services, principal: Principal | None) -> Scenario:
    """The ``X-Mock-Scenario`` header's scenario, else the login's, else ``select()``.

    Raises:
        ValidationFailed: the header names a scenario that is not loaded (21405).
    """
    header = request.headers.get(SCENARIO_HEADER)
    if header:
        return scenario_by_header(svc, header)
    if principal is not None:
        op = svc.repos.get_auth(principal.auth_reference)
        if op is not None:
            try:
                return svc.scenarios.get(op.scenario)
            except UnknownScenario:
                pass  # unloaded since the login: choose again
        return svc.scenarios.select(context=principal.context.value)
    return svc.scenarios.select(context=_login_context())


def caller_of(principal: Principal | None) -> str:
    """The counting key: the token's context value, else the client IP."""
    if principal is not None:
        return principal.context.value
    return request.remote_addr or "unknown"
