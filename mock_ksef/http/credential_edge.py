"""Composition of the credentials model at the HTTP edge.

Builds the domain's narrow inputs per request: the repository over the store, the
credentials mode (the selected scenario's ``credentials.mode``, else the
``credentials_mode`` setting), the caller of a ``/tokens`` or ``/permissions`` endpoint
(read from its login), and the rights a redeem or refresh carries; the loaded
scenarios' ``credentials:`` seeds land in the store before the first use.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from flask import g, request

from mock_ksef.domain.auth.policy import ScenarioAuthPolicy
from mock_ksef.domain.auth.values import AuthOperation, ContextId, Principal
from mock_ksef.domain.credentials.credential_policy import (
    SEES_ALL_SESSIONS,
    CredentialPolicy,
    login_identity,
    login_token_reference,
    opened_by_caller,
    refreshed_rights,
)
from mock_ksef.domain.credentials.credential_repo import CredentialRepo
from mock_ksef.domain.credentials.ksef_tokens import TokenCaller
from mock_ksef.domain.credentials.seeding import apply_seeds
from mock_ksef.domain.errors import Unauthorized
from mock_ksef.domain.session import Session
from mock_ksef.domain.session_plan import SCENARIO_HEADER
from mock_ksef.http.context import services
from mock_ksef.http.traffic_edge import request_scenario
from mock_ksef.scenario.model import CredentialsPlan
from mock_ksef.scenario.registry import UnknownScenario


def credential_repo() -> CredentialRepo:
    """The credentials repository of this app's store, the scenarios' seeds stored in it.

    The seeds are checked once per request (``seeding.py`` stores each scenario's once
    per store).
    """
    repo = CredentialRepo(services().store)
    ensure_seeds(repo)
    return repo


def ensure_seeds(repo: CredentialRepo | None = None) -> None:
    """Store the loaded scenarios' ``credentials:`` seeds unless done (once per request).

    Called by :func:`credential_repo` and before invoices are checked (an online send, a
    batch close), whose seller check reads the authorisations.
    """
    if g.get("credential_seeds_checked"):
        return
    g.credential_seeds_checked = True
    svc = services()
    repo = repo or CredentialRepo(svc.store)
    for scenario in svc.scenarios.all():
        apply_seeds(repo, scenario.name, scenario.credentials, svc.now())


def mode_of(context: ContextId, token: str | None) -> str:
    """The credentials mode of a login to ``context`` (scenario, else the setting)."""
    svc = services()
    try:
        scenario = svc.scenarios.select(
            header=request.headers.get(SCENARIO_HEADER) or None,
            context=context.value,
            token=token,
        )
    except UnknownScenario:
        return svc.settings.credentials_mode
    return scenario.credentials.mode or svc.settings.credentials_mode


def login_policy() -> ScenarioAuthPolicy:
    """The login policy: the scenario's plan over the credentials model."""
    svc = services()
    natural = CredentialPolicy(credential_repo(), svc.now(), mode_of)
    return ScenarioAuthPolicy(svc.scenarios, request.headers.get(SCENARIO_HEADER), natural)


def login_of(principal: Principal) -> AuthOperation:
    """The authentication operation behind ``principal``.

    Raises:
        Unauthorized: it no longer exists.
    """
    op = services().repos.get_auth(principal.auth_reference)
    if op is None:
        raise Unauthorized("Operacja uwierzytelniania tokenu nie istnieje.")
    return op


def token_caller(principal: Principal) -> TokenCaller:
    """Who calls a credentials endpoint: identity, context, snapshot, login token."""
    repo = credential_repo()
    op = login_of(principal)
    return TokenCaller(
        identity=login_identity(repo, op),
        context=principal.context,
        permissions=principal.permissions,
        login_token=login_token_reference(repo, op),
    )


def own_sessions(principal: Principal) -> Callable[[Session], bool] | None:
    """``GET /sessions``' filter: ``None`` (every session) for Introspection or
    EnforcementOperations, else only the sessions the caller's person opened."""
    if SEES_ALL_SESSIONS & set(principal.permissions):
        return None
    svc = services()
    own = opened_by_caller(credential_repo(), login_of(principal), svc.repos.get_auth)
    return lambda session: own(session.auth_reference)


def credentials_plan(principal: Principal | None) -> CredentialsPlan:
    """The ``credentials`` plan of the scenario the request runs under."""
    svc = services()
    context = principal.context.value if principal else None
    return request_scenario(svc, principal, context).credentials


def renew_rights(principal: Principal) -> None:
    """Before redeem or refresh: recompute the login's rights into its operation.

    Raises:
        DeceasedPerson: the login's person was declared deceased since (21308).
        TokenNotUsable: the KSeF token behind the login was revoked, or nothing is left
            (21301, BRIEF-ADMIN 1.3 and 2).
    """
    svc = services()
    repo = credential_repo()
    with svc.store.transaction():
        op = svc.repos.get_auth(principal.auth_reference)
        if op is None or op.status_code != 200 or op.revoked:
            return  # the use case answers as before (21301/21304)
        try:
            fixed = svc.scenarios.get(op.scenario).auth.permissions is not None
        except UnknownScenario:
            fixed = False
        mode = mode_of(op.context, None)
        rights = refreshed_rights(repo, op, mode, fixed)
        if rights != op.permissions:
            svc.repos.put_auth(dataclasses.replace(op, permissions=rights))
