"""Which scenario a new session runs under, and what it copies from it.

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
from mock_ksef.domain.session import Session, SessionKind
from mock_ksef.scenario.model import InvoiceRule, Scenario, SessionPlan
from mock_ksef.scenario.registry import UnknownScenario
from mock_ksef.services import Services

SCENARIO_HEADER = "X-Mock-Scenario"


@dataclass(frozen=True)
class SessionSetup:
    """What a session opened now takes from its scenario."""

    scenario: str
    plan: SessionPlan
    invoice_rules: tuple[InvoiceRule, ...]
    valid_until: datetime


def scenario_by_header(svc: Services, name: str) -> Scenario:
    """The scenario an ``X-Mock-Scenario`` header names (21405 when none is loaded)."""
    try:
        return svc.scenarios.get(name)
    except UnknownScenario:
        raise ValidationFailed(
            f"{SCENARIO_HEADER}: scenariusz '{name}' nie jest załadowany; "
            f"dostępne: {', '.join(svc.scenarios.names())}."
        ) from None


def scenario_of(svc: Services, principal: Principal, header: str | None) -> Scenario:
    """The header's scenario, else the login's, else the one the context selects now."""
    if header:
        return scenario_by_header(svc, header)
    op = svc.repos.get_auth(principal.auth_reference)
    if op is not None:
        try:
            return svc.scenarios.get(op.scenario)
        except UnknownScenario:
            pass  # unloaded since the login: choose again
    return svc.scenarios.select(context=principal.context.value)


def session_setup(
    svc: Services, principal: Principal, kind: SessionKind, header: str | None, opened: datetime
) -> SessionSetup:
    """The scenario, plan, invoice rules and validity of a session opened at ``opened``.

    Raises:
        ValidationFailed: the header names a scenario that is not loaded (21405).
    """
    scenario = scenario_of(svc, principal, header)
    plan = scenario.online if kind is SessionKind.ONLINE else scenario.batch
    validity = plan.validity_seconds
    if validity is None:
        validity = svc.settings.session_ttl_s
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
