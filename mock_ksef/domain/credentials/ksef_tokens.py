"""KSeF tokens: generate, read, list, revoke, and judge one at login.

Lifecycle ``Pending → Active`` (or ``Failed``) and ``Revoking → Revoked``: each status
read of a token moves a scenario-held token one poll on (default: Active at once,
revocation straight to Revoked). Who may list and revoke follows BRIEF-ADMIN 2.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from mock_ksef.domain.auth.values import ContextId, Party
from mock_ksef.domain.credentials.credential_errors import PermissionNotHeld, WrongTokenContext
from mock_ksef.domain.credentials.credential_repo import CredentialRepo
from mock_ksef.domain.credentials.credential_values import (
    ACTIVE,
    FAILED,
    OWNER_PERMISSIONS,
    PENDING,
    REVOKED,
    REVOKING,
    KsefToken,
)
from mock_ksef.domain.credentials.rights import identities, ordered
from mock_ksef.domain.errors import Forbidden, ValidationFailed
from mock_ksef.domain.paging import Page, paginate

NOT_ENFORCEMENT = "Context identifier is not enforcement authority."
#: ``reference|nip-NNNNNNNNNN|secret`` or ``reference|internalId-NNNNNNNNNN-NNNNN|secret``.
TOKEN_SHAPE = re.compile(
    r"^(?P<ref>[^|\s]+)\|(?:nip-(?P<nip>\d{10})|internalId-(?P<iid>\d{10}-\d{5}))\|[^|\s]+$"
)


@dataclass(frozen=True)
class TokenCaller:
    """Who calls a ``/tokens`` endpoint: identity, context, snapshot and login token."""

    identity: Party
    context: ContextId
    permissions: tuple[str, ...]
    #: The ``EC`` reference of the token the caller logged in with (``None``: no token).
    login_token: str | None = None


@dataclass(frozen=True)
class TokenPlan:
    """Scenario knobs of the lifecycle."""

    activation_polls: int = 0
    revoking_polls: int = 0
    fail_activation: bool = False
    failure_details: tuple[str, ...] = ()


@dataclass(frozen=True)
class TokenFilter:
    """``GET /tokens`` filters."""

    statuses: tuple[str, ...] = ()
    description: str | None = None
    author_identifier: str | None = None
    author_identifier_type: str | None = None


def secret_hash(text: str) -> str:
    """What is kept of a token's text."""
    return hashlib.sha256(text.encode()).hexdigest()


def shape_context(text: str) -> ContextId | None:
    """The context an official-shaped token names, or ``None`` when it has no such shape."""
    match = TOKEN_SHAPE.match(text)
    if match is None:
        return None
    if match["nip"]:
        return ContextId("Nip", match["nip"])
    return ContextId("InternalId", match["iid"])


def generate(
    repo: CredentialRepo,
    caller: TokenCaller,
    permissions: tuple[str, ...],
    description: str,
    now: datetime,
    new_reference: Callable[[], str],
    secret: str,
    plan: TokenPlan,
) -> tuple[KsefToken, str]:
    """``POST /tokens``: the new token and its text (shown once).

    Raises:
        WrongTokenContext: not a Nip or InternalId context (26002).
        PermissionNotHeld: a permission outside the caller's snapshot (26001).
    """
    if caller.context.type not in ("Nip", "InternalId"):
        raise WrongTokenContext(
            f"Kontekst typu {caller.context.type}: tokeny KSeF istnieją tylko w kontekstach "
            "Nip i InternalId."
        )
    owner = set(OWNER_PERMISSIONS) <= set(caller.permissions)
    held = set(caller.permissions) | ({"EnforcementOperations"} if owner else set())
    missing = [p for p in ordered(permissions) if p not in held]
    if missing:
        raise PermissionNotHeld(f"Brakujące uprawnienia: {', '.join(missing)}.")
    reference = new_reference()
    part = ("nip-" if caller.context.type == "Nip" else "internalId-") + caller.context.value
    text = f"{reference}|{part}|{secret}"
    enforcement_failure = (
        "EnforcementOperations" in permissions and "EnforcementOperations" not in caller.permissions
    )
    failing = plan.fail_activation or enforcement_failure
    details = plan.failure_details or ((NOT_ENFORCEMENT,) if enforcement_failure else ())
    status = PENDING if plan.activation_polls > 0 else (FAILED if failing else ACTIVE)
    token = KsefToken(
        reference=reference,
        secret_hash=secret_hash(text),
        context=caller.context,
        author=caller.identity,
        description=description,
        permissions=ordered(permissions),
        status=status,
        date_created=now,
        status_details=details if failing else (),
        activation_polls=plan.activation_polls,
        revoking_polls=plan.revoking_polls,
        fail_activation=failing,
    )
    with repo.transaction():
        repo.put_token(token)
    return token, text


def _advance(token: KsefToken) -> KsefToken:
    """One status read's worth of progress of a held token."""
    if token.held:
        return token
    if token.status == PENDING:
        polls = max(token.activation_polls - 1, 0)
        if polls:
            return dataclasses.replace(token, activation_polls=polls)
        return dataclasses.replace(
            token, activation_polls=0, status=FAILED if token.fail_activation else ACTIVE
        )
    if token.status == REVOKING:
        polls = max(token.revoking_polls - 1, 0)
        return dataclasses.replace(
            token, revoking_polls=polls, status=REVOKING if polls else REVOKED
        )
    return token


def visible_details(token: KsefToken) -> tuple[str, ...]:
    """``statusDetails`` as shown now (the failure reasons only once Failed)."""
    return token.status_details if token.status == FAILED else ()


def read(repo: CredentialRepo, caller: TokenCaller, reference: str) -> KsefToken:
    """``GET /tokens/{ref}``: any token of the caller's context (BRIEF-ADMIN 8.2).

    Raises:
        ValidationFailed: unknown, or of another context (21405).
    """
    with repo.transaction():
        token = _of_context(repo, caller, reference)
        moved = _advance(token)
        if moved != token:
            repo.put_token(moved)
        return moved


def _of_context(repo: CredentialRepo, caller: TokenCaller, reference: str) -> KsefToken:
    token = repo.token(reference)
    if token is None or token.context != caller.context:
        raise ValidationFailed(
            f"Token KSeF o numerze referencyjnym {reference} nie istnieje w bieżącym kontekście."
        )
    return token


def _sees_all(caller: TokenCaller) -> bool:
    return bool({"CredentialsManage", "CredentialsRead"} & set(caller.permissions))


def _authored(repo: CredentialRepo, caller: TokenCaller, token: KsefToken) -> bool:
    if caller.login_token is not None:
        return token.reference == caller.login_token
    return token.author in identities(repo, caller.identity)


def _matches(token: KsefToken, wanted: TokenFilter) -> bool:
    if wanted.statuses and token.status not in wanted.statuses:
        return False
    if wanted.description and wanted.description.lower() not in token.description.lower():
        return False
    if (
        wanted.author_identifier
        and wanted.author_identifier.lower() not in token.author.value.lower()
    ):
        return False
    return not (
        wanted.author_identifier_type and token.author.type != wanted.author_identifier_type
    )


def listing(
    repo: CredentialRepo,
    caller: TokenCaller,
    wanted: TokenFilter,
    page_size: int,
    continuation: str | None,
) -> Page[KsefToken]:
    """``GET /tokens``: the tokens the caller may see, newest first."""
    with repo.transaction():
        tokens = []
        for token in repo.tokens_in(caller.context):
            moved = _advance(token)
            if moved != token:
                repo.put_token(moved)
            tokens.append(moved)
    if not _sees_all(caller):
        tokens = [t for t in tokens if _authored(repo, caller, t)]
    tokens = [t for t in tokens if _matches(t, wanted)]
    tokens.sort(key=lambda t: (t.date_created, t.reference), reverse=True)
    scope = f"tokens:{caller.context.key}:{caller.identity.key}:{caller.login_token or ''}"
    return paginate(tokens, page_size, continuation, scope=scope)


def revoke(repo: CredentialRepo, caller: TokenCaller, reference: str) -> None:
    """``DELETE /tokens/{ref}``: own tokens always, any with CredentialsManage.

    Raises:
        ValidationFailed: unknown, or of another context (21405).
        Forbidden: someone else's token without CredentialsManage.
    """
    with repo.transaction():
        token = _of_context(repo, caller, reference)
        may = "CredentialsManage" in caller.permissions or _authored(repo, caller, token)
        if not may:
            raise Forbidden(
                "Brak wymaganych uprawnień do wykonania operacji w bieżącym kontekście.",
                "missing-permissions",
                {
                    "requiredAnyOfPermissions": ("CredentialsManage",),
                    "presentPermissions": caller.permissions,
                },
            )
        if token.status in (REVOKED, REVOKING):
            return  # BRIEF-ADMIN 8.3: a no-op
        status = REVOKING if token.revoking_polls > 0 else REVOKED
        repo.put_token(dataclasses.replace(token, status=status))
