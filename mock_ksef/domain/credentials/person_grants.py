"""Person grants: ``POST /permissions/persons/grants``, the operation status, revoke
(``DELETE /permissions/common/grants/{id}``) and ``POST /permissions/query/persons/grants``.

Each grant or revoke is an asynchronous operation (``EG``): its effect lands when the
status reaches 200 (at once by default; after ``permission_op_polls`` reads under a
scenario) and counts only for later logins and refreshes (BRIEF-ADMIN 1.3, 3.2-3.5).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from mock_ksef.domain.auth.values import ContextId
from mock_ksef.domain.credentials.credential_repo import CredentialRepo
from mock_ksef.domain.credentials.credential_values import Grant, Party, PermissionOperation
from mock_ksef.domain.credentials.ksef_tokens import TokenCaller
from mock_ksef.domain.errors import ValidationFailed

GRANT = "grant"
REVOKE = "revoke"
ACTIVE_STATE = "Active"
PENDING_STATE = "Pending"
REVOKED_STATE = "Revoked"


@dataclass(frozen=True)
class OperationPlan:
    """Scenario knobs: polls at 100, and a forced final code with its details."""

    polls: int = 0
    code: int | None = None
    details: tuple[str, ...] = ()


@dataclass(frozen=True)
class PersonGrantRequest:
    """A validated ``PersonPermissionsGrantRequest``."""

    subject: Party
    permissions: tuple[str, ...]
    description: str
    subject_details: dict[str, object]


def _enforcement_context(repo: CredentialRepo, context: ContextId) -> bool:
    subject = repo.subject_record(context.value)
    person = repo.person(context.value)
    return (subject is not None and subject.get("subjectType") == "EnforcementAuthority") or (
        person is not None and bool(person.get("isBailiff"))
    )


def _finish(repo: CredentialRepo, op: PermissionOperation, now: datetime) -> PermissionOperation:
    """Apply a successful operation's effect once."""
    if op.applied or op.code != 200 or op.pending_polls:
        return op
    for grant_id in op.grants:
        grant = repo.grant(grant_id)
        if grant is None:
            continue
        state = ACTIVE_STATE if op.action == GRANT else REVOKED_STATE
        repo.put_grant(dataclasses.replace(grant, state=state))
    return dataclasses.replace(op, applied=True)


def grant_to_person(
    repo: CredentialRepo,
    caller: TokenCaller,
    request: PersonGrantRequest,
    now: datetime,
    reference: str,
    new_id: Callable[[], str],
    plan: OperationPlan,
) -> PermissionOperation:
    """File a person grant in the caller's context; the operation (``EG``)."""
    code: int = 200
    details: tuple[str, ...] = ()
    if "EnforcementOperations" in request.permissions and not _enforcement_context(
        repo, caller.context
    ):
        code = 430
    if plan.code is not None:
        code, details = plan.code, plan.details
    with repo.transaction():
        held = {
            g.permission
            for g in repo.grants_in(caller.context)
            if g.subject == request.subject and g.state in (ACTIVE_STATE, PENDING_STATE)
        }
        ids: list[str] = []
        if code == 200:
            for permission in request.permissions:
                if permission in held:
                    continue  # BRIEF-ADMIN 8.6: a duplicate is idempotent
                grant = Grant(
                    id=new_id(),
                    kind="person",
                    context=caller.context,
                    subject=request.subject,
                    permission=permission,
                    author=caller.identity,
                    description=request.description,
                    start_date=now,
                    subject_details=request.subject_details,
                    state=PENDING_STATE,
                )
                repo.put_grant(grant)
                ids.append(grant.id)
        op = PermissionOperation(
            reference, caller.context, now, code, details, tuple(ids), GRANT, plan.polls
        )
        op = _finish(repo, op, now)
        repo.put_operation(op)
        return op


def revoke_grant(
    repo: CredentialRepo,
    caller: TokenCaller,
    permission_id: str,
    now: datetime,
    reference: str,
    plan: OperationPlan,
) -> PermissionOperation:
    """File the revocation of a grant of the caller's context (400 when there is none)."""
    with repo.transaction():
        grant = repo.grant(permission_id)
        usable = (
            grant is not None and grant.context == caller.context and grant.state == ACTIVE_STATE
        )
        code: int = 200 if usable else 400
        details: tuple[str, ...] = ()
        if usable and "CredentialsManage" not in caller.permissions:
            code = 420  # a SubunitManage/VatUeManage caller cannot revoke a person grant
        if plan.code is not None:
            code, details = plan.code, plan.details
        ids = (permission_id,) if code == 200 else ()
        op = PermissionOperation(
            reference, caller.context, now, code, details, ids, REVOKE, plan.polls
        )
        op = _finish(repo, op, now)
        repo.put_operation(op)
        return op


def operation_status(
    repo: CredentialRepo, context: ContextId, reference: str, now: datetime
) -> PermissionOperation:
    """``GET /permissions/operations/{ref}`` (code 100 while polls remain).

    Raises:
        ValidationFailed: unknown, or of another context (21405, BRIEF-ADMIN 3.3).
    """
    with repo.transaction():
        op = repo.operation(reference)
        if op is None or op.context != context:
            raise ValidationFailed(
                f"Operacja o numerze referencyjnym {reference} nie istnieje w bieżącym kontekście."
            )
        if op.pending_polls:
            moved = dataclasses.replace(op, pending_polls=op.pending_polls - 1)
            repo.put_operation(_finish(repo, moved, now))
            return dataclasses.replace(op, code=100, details=())
        return op


@dataclass(frozen=True)
class PersonQuery:
    """``PersonPermissionsQueryRequest`` filters the mock applies."""

    authorized: Party | None = None
    author: Party | None = None
    permission_types: tuple[str, ...] = ()
    state: str | None = None


def query_persons(
    repo: CredentialRepo, context: ContextId, query: PersonQuery, offset: int, size: int
) -> tuple[list[Grant], bool]:
    """Active person grants of ``context`` (owners are never listed): a page and ``hasMore``."""
    rows = [
        g
        for g in repo.grants_in(context)
        if g.state == ACTIVE_STATE
        and (query.authorized is None or g.subject == query.authorized)
        and (query.author is None or g.author == query.author)
        and (not query.permission_types or g.permission in query.permission_types)
        and (query.state in (None, "Active"))
    ]
    rows.sort(key=lambda g: g.id)
    rows.sort(key=lambda g: g.start_date, reverse=True)
    start = offset * size
    return rows[start : start + size], len(rows) > start + size
