"""Which scenario a request or a new session runs under, and what a session copies from it.

A session inherits the scenario chosen at login (``AuthOperation.scenario``); an
``X-Mock-Scenario`` header on the open request overrides it. The session copies the
scenario's plan for its kind and its invoice rules at open, so a scenario loaded or
replaced later does not change a running session.
"""

from __future__ import annotations

import dataclasses
import threading
import weakref
from dataclasses import dataclass
from datetime import datetime, timedelta

from mock_ksef.domain.auth.values import Principal
from mock_ksef.domain.errors import ValidationFailed
from mock_ksef.domain.repos import Repos
from mock_ksef.domain.session import Session, SessionKind
from mock_ksef.scenario.model import InvoiceRule, Scenario, SessionPlan
from mock_ksef.scenario.registry import ScenarioRegistry, UnknownScenario
from mock_ksef.store.base import Store
from mock_ksef.store.generation import STATE, generation_of

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
    """The scenario chosen when the principal's token was issued (``None``: no login).

    Answered from :class:`LoginScenarios` (one store read per login and worker).
    """
    if principal is None:
        return None
    return _login_scenarios(repos.store).of(repos, principal.auth_reference)


#: Logins whose scenario a worker remembers (a reference and a name each; oldest go first).
LOGIN_CACHE_SIZE = 4096


class LoginScenarios:
    """The scenario of each authentication operation, read from the store once.

    An operation's scenario is fixed when it is created; it only disappears, with the
    operation, in a reset or a retention sweep, and both bump the state's
    :data:`~mock_ksef.store.generation.STATE` counter after they commit (in every worker's
    view at once). An entry is trusted only under the counter value read *before* the
    store read that filled it. Without counters (a store shared in ways this process
    cannot see) every call reads the store.
    """

    def __init__(self, size: int = LOGIN_CACHE_SIZE) -> None:
        self._size = size
        self._lock = threading.Lock()  # around evictions: other threads insert meanwhile
        self._known: dict[str, tuple[int, str | None]] = {}

    def of(self, repos: Repos, auth_reference: str) -> str | None:
        """The scenario the operation ``auth_reference`` chose (``None``: no such operation)."""
        generation = generation_of(repos.store)
        if generation is None:
            return _read(repos, auth_reference)
        current = generation.read(STATE)
        known = self._known.get(auth_reference)
        if known is not None and known[0] == current:
            return known[1]
        scenario = _read(repos, auth_reference)
        with self._lock:
            if len(self._known) >= self._size:
                self._known.pop(next(iter(self._known)), None)
            self._known[auth_reference] = (current, scenario)
        return scenario


def _read(repos: Repos, auth_reference: str) -> str | None:
    op = repos.get_auth(auth_reference)
    return op.scenario if op is not None else None


_CACHES: weakref.WeakKeyDictionary[Store, LoginScenarios] = weakref.WeakKeyDictionary()
_CACHES_LOCK = threading.Lock()


def _login_scenarios(store: Store) -> LoginScenarios:
    """The cache of ``store`` (one per store and process)."""
    found = _CACHES.get(store)
    if found is None:
        with _CACHES_LOCK:
            found = _CACHES.setdefault(store, LoginScenarios())
    return found


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
