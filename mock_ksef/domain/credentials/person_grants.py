"""Person grants: ``POST /permissions/persons/grants``, the operation status, revoke
(``DELETE /permissions/common/grants/{id}``) and ``POST /permissions/query/persons/grants``.

Each grant or revoke is an asynchronous operation (``EG``): its effect lands when the
status reaches 200 (at once by default; after ``permission_op_polls`` reads under a
scenario) and counts only for later logins and refreshes (BRIEF-ADMIN 1.3, 3.2-3.5).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from mock_ksef.domain.auth.values import ContextId, Party
from mock_ksef.domain.credentials.credential_repo import CredentialRepo
from mock_ksef.domain.credentials.credential_values import (
    AUTHORIZATION,
    EU_ENTITY,
    GRANT_KINDS,
    INDIRECT,
    PERSON,
    SUBUNIT,
    Grant,
    PermissionOperation,
)
from mock_ksef.domain.credentials.ksef_tokens import TokenCaller
from mock_ksef.domain.credentials.rights import grant_state
from mock_ksef.domain.errors import ValidationFailed
from mock_ksef.domain.paging import page_at

GRANT = "grant"
REVOKE = "revoke"
ACTIVE_STATE = "Active"
PENDING_STATE = "Pending"
REVOKED_STATE = "Revoked"
COMMON_KINDS = tuple(k for k in GRANT_KINDS if k != AUTHORIZATION)


def _record(
    repo: CredentialRepo,
    caller: TokenCaller,
    filing: Filing,
    outcome: tuple[int, tuple[str, ...]],
    grant_ids: tuple[str, ...],
    action: str,
) -> PermissionOperation:
    """Save the operation filed by ``caller`` (applied at once when it is due now)."""
    code, details = outcome
    op = PermissionOperation(
        filing.reference,
        caller.context,
        filing.now,
        code,
        details,
        grant_ids,
        action,
        filing.plan.polls,
    )
    op = _finish(repo, op, filing.now)
    repo.put_operation(op)
    return op


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


def enforcement_context(repo: CredentialRepo, context: ContextId) -> bool:
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


@dataclass(frozen=True)
class GrantDraft:
    """What a grant request files: one row per ``(permission, canDelegate)``."""

    kind: str
    subject: Party
    permissions: tuple[tuple[str, bool], ...]
    description: str
    subject_details: dict[str, object]
    #: Where the rights act (``None``: the caller's context).
    context: ContextId | None = None
    target: ContextId | None = None
    extra: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class Filing:
    """The per-request inputs of an operation: time, its ``EG`` reference, ids, knobs."""

    now: datetime
    reference: str
    new_id: Callable[[], str]
    plan: OperationPlan


def file_grants(
    repo: CredentialRepo, caller: TokenCaller, draft: GrantDraft, code: int, filing: Filing
) -> PermissionOperation:
    """File ``draft`` as an operation ending with ``code`` (unless the plan forces one).

    Rows land ``Pending`` and turn ``Active`` when the operation reaches 200; a row the
    subject already holds (same kind, context, target) is not filed again (BRIEF-ADMIN 8.6).
    """
    details: tuple[str, ...] = ()
    if filing.plan.code is not None:
        code, details = filing.plan.code, filing.plan.details
    where = draft.context or caller.context
    with repo.transaction():
        held = {
            g.permission
            for g in repo.grants_of(draft.subject)
            if g.kind == draft.kind
            and g.context == where
            and g.target == draft.target
            and g.state in (ACTIVE_STATE, PENDING_STATE)
        }
        ids: list[str] = []
        for permission, can_delegate in draft.permissions if code == 200 else ():
            if permission in held:
                continue
            grant = Grant(
                id=filing.new_id(),
                kind=draft.kind,
                context=where,
                subject=draft.subject,
                permission=permission,
                author=caller.identity,
                description=draft.description,
                start_date=filing.now,
                subject_details=draft.subject_details,
                state=PENDING_STATE,
                can_delegate=can_delegate,
                target=draft.target,
                origin=None if where == caller.context else caller.context,
                extra=draft.extra,
            )
            repo.put_grant(grant)
            ids.append(grant.id)
        return _record(repo, caller, filing, (code, details), tuple(ids), GRANT)


def grant_to_person(
    repo: CredentialRepo, caller: TokenCaller, request: PersonGrantRequest, filing: Filing
) -> PermissionOperation:
    """File a person grant in the caller's context; the operation (``EG``)."""
    code = 200
    if "EnforcementOperations" in request.permissions and not enforcement_context(
        repo, caller.context
    ):
        code = 430
    draft = GrantDraft(
        PERSON,
        request.subject,
        tuple((p, False) for p in request.permissions),
        request.description,
        request.subject_details,
    )
    return file_grants(repo, caller, draft, code, filing)


#: Who may revoke a grant of each kind (any one of; else operation code 420).
REVOKERS: dict[str, tuple[str, ...]] = {
    SUBUNIT: ("CredentialsManage", "SubunitManage"),
    EU_ENTITY: ("CredentialsManage", "VatUeManage"),
}


def revoke_grant(
    repo: CredentialRepo,
    caller: TokenCaller,
    permission_id: str,
    filing: Filing,
    kinds: tuple[str, ...] = COMMON_KINDS,
) -> PermissionOperation:
    """File the revocation of a grant of the caller's context (400 when there is none).

    ``kinds``: what the endpoint revokes (common: all but authorisations; the
    authorisations endpoint: those only).
    """
    with repo.transaction():
        grant = repo.grant(permission_id)
        usable = (
            grant is not None
            and grant.kind in kinds
            and caller.context in (grant.context, grant.grantor)
            and grant.state == ACTIVE_STATE
        )
        code: int = 200 if usable else 400
        details: tuple[str, ...] = ()
        needed = REVOKERS.get(grant.kind, ("CredentialsManage",)) if grant else ()
        if usable and not set(needed) & set(caller.permissions):
            code = 420  # e.g. a SubunitManage/VatUeManage caller and a person grant
        if filing.plan.code is not None:
            code, details = filing.plan.code, filing.plan.details
        ids = (permission_id,) if code == 200 else ()
        return _record(repo, caller, filing, (code, details), ids, REVOKE)


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
    """``PersonPermissionsQueryRequest``: the query type and its filters."""

    authorized: Party | None = None
    author: Party | None = None
    permission_types: tuple[str, ...] = ()
    state: str | None = None
    #: ``PermissionsGrantedInCurrentContext``: grants made from here (also those acting in
    #: a subunit); else ``PermissionsInCurrentContext``: grants acting here.
    granted_here: bool = False
    #: ``contextIdentifier``: the context the grant acts in.
    context: ContextId | None = None
    #: ``targetIdentifier``: an indirect grant's client; ``all_partners``: general ones.
    target: ContextId | None = None
    all_partners: bool = False


def query_persons(
    repo: CredentialRepo, context: ContextId, query: PersonQuery, offset: int, size: int
) -> tuple[list[tuple[Grant, str]], bool]:
    """Person, indirect and subunit-administrator grants of ``context`` (owners are never
    listed), each with its ``permissionState``: a page and ``hasMore``."""
    if query.granted_here:
        found = [g for g in repo.grants_made_from(context) if g.kind == SUBUNIT]
        found += [g for g in repo.grants_in(context) if g.kind in (PERSON, INDIRECT)]
    else:
        found = [g for g in repo.grants_in(context) if g.kind in (PERSON, INDIRECT, SUBUNIT)]
    rows = [
        (g, grant_state(repo, g))
        for g in found
        if g.state == ACTIVE_STATE
        and (query.authorized is None or g.subject == query.authorized)
        and (query.author is None or g.author == query.author)
        and (not query.permission_types or g.permission in query.permission_types)
        and (query.context is None or g.context == query.context)
        and (query.target is None or g.target == query.target)
        and (not query.all_partners or (g.kind == INDIRECT and g.target is None))
    ]
    states = {g.id: state for g, state in rows if query.state in (None, state)}
    page, more = newest_first_page([g for g, _ in rows if g.id in states], offset, size)
    return [(g, states[g.id]) for g in page], more


def newest_first_page(rows: list[Grant], offset: int, size: int) -> tuple[list[Grant], bool]:
    """Page ``offset`` (of ``size``) of ``rows`` by ``startDate`` desc, ``id`` asc; ``hasMore``."""
    rows = sorted(rows, key=lambda g: g.id)
    rows.sort(key=lambda g: g.start_date, reverse=True)
    return page_at(rows, offset, size)
