"""Which scenario a request or a new session runs under, and what a session copies from it.

A session inherits the scenario chosen at login (``AuthOperation.scenario``); an
``X-Mock-Scenario`` header on the open request overrides it. The session copies the
scenario's plan for its kind and its invoice rules at open, so a scenario loaded or
replaced later does not change a running session.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime, timedelta

from mock_ksef.domain.auth.values import Principal
from mock_ksef.domain.errors import ValidationFailed
from mock_ksef.domain.repos import Repos
from mock_ksef.domain.session import Session, SessionKind
from mock_ksef.scenario.model import InvoiceRule, Scenario, SessionPlan
from mock_ksef.scenario.registry import ScenarioRegistry, UnknownScenario

SCENARIO_HEADER = "X-Mock-Scenario"


@dataclass(frozen=True)
class SessionSetup:
    """What a session opened now takes from its scenario."""

    scenario: str
    plan: SessionPlan
    invoice_rules: tuple[InvoiceRule, ...]
    valid_until: datetime


def scenario_by_header(scenarios: ScenarioRegistry, name: str) -> Scenario:
    """The scenario an ``X-Mock-Scenario`` header names (21405 when none is loaded)."""
    try:
        return scenarios.get(name)
    except UnknownScenario:
        raise ValidationFailed(
            f"{SCENARIO_HEADER}: scenariusz '{name}' nie jest załadowany; "
            f"dostępne: {', '.join(scenarios.names())}."
        ) from None


def login_scenario(repos: Repos, principal: Principal | None) -> str | None:
    """The scenario chosen when the principal's token was issued (``None``: no login)."""
    if principal is None:
        return None
    op = repos.get_auth(principal.auth_reference)
    return op.scenario if op is not None else None


def resolve_scenario(
    scenarios: ScenarioRegistry, header: str | None, login: str | None, context: str | None
) -> Scenario:
    """The one rule for "which scenario applies": to a request and to a session it opens.

    The ``X-Mock-Scenario`` header's scenario, else the login's (``login``: its name),
    else the one ``context`` selects now (also when the login's was unloaded since).

    Raises:
        ValidationFailed: the header names a scenario that is not loaded (21405).
    """
    if header:
        return scenario_by_header(scenarios, header)
    if login is not None:
        try:
            return scenarios.get(login)
        except UnknownScenario:
            pass  # unloaded since the login: choose again
    return scenarios.select(context=context)


def session_setup(
    repos: Repos,
    scenarios: ScenarioRegistry,
    default_validity_s: int,
    principal: Principal,
    kind: SessionKind,
    header: str | None,
    opened: datetime,
) -> SessionSetup:
    """The scenario, plan, invoice rules and validity of a session opened at ``opened``.

    Raises:
        ValidationFailed: the header names a scenario that is not loaded (21405).
    """
    login = None if header else login_scenario(repos, principal)
    scenario = resolve_scenario(scenarios, header, login, principal.context.value)
    plan = scenario.online if kind is SessionKind.ONLINE else scenario.batch
    validity = plan.validity_seconds
    if validity is None:
        validity = default_validity_s
    return SessionSetup(
        scenario=scenario.name,
        plan=plan,
        invoice_rules=scenario.invoices,
        valid_until=opened + timedelta(seconds=validity),
    )


def apply_setup(session: Session, setup: SessionSetup) -> Session:
    """``session`` running under ``setup``."""
    return dataclasses.replace(
        session,
        scenario=setup.scenario,
        plan=setup.plan,
        invoice_rules=setup.invoice_rules,
        valid_until=setup.valid_until,
    )
