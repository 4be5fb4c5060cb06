"""The ``POST /permissions/query/*`` listings beyond persons (BRIEF-ADMIN 3.5): active
grants only, ``startDate`` desc then ``id``, paged by ``pageOffset``/``pageSize``; owner
rights are never rows. Context roles come from ``/testdata/subject`` and ``/person``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mock_ksef.domain.auth.values import ContextId, Party
from mock_ksef.domain.credentials.credential_repo import CredentialRepo
from mock_ksef.domain.credentials.credential_values import (
    AUTHORIZATION,
    ENTITY,
    EU_ADMIN,
    EU_ENTITY,
    INDIRECT,
    SUBUNIT,
    Grant,
)
from mock_ksef.domain.credentials.person_grants import ACTIVE_STATE
from mock_ksef.domain.credentials.rights import delegable, identities

_ROLE_NAMES = {
    "VatGroup": ("VatGroupUnit", "VatGroupSubUnit"),
    "JST": ("LocalGovernmentUnit", "LocalGovernmentSubUnit"),
}


def _active(rows: list[Grant], *kinds: str) -> list[Grant]:
    return [g for g in rows if g.state == ACTIVE_STATE and g.kind in kinds]


@dataclass(frozen=True)
class PersonalQuery:
    """``PersonalPermissionsQueryRequest``."""

    context: ContextId | None = None
    target: ContextId | None = None
    all_partners: bool = False
    permission_types: tuple[str, ...] = ()
    state: str | None = None


def personal(
    repo: CredentialRepo, who: Party, context: ContextId, query: PersonalQuery
) -> list[tuple[Grant, str]]:
    """The caller's own grants usable here, each with its state (``Inactive``: an indirect
    grant whose client withdrew the delegable grant behind it), plus entity grants its
    NIP received from other contexts."""
    rows: list[tuple[Grant, str]] = []
    for party in identities(repo, who):
        for g in repo.grants_of(party):
            if g.state != ACTIVE_STATE or g.kind == AUTHORIZATION:
                continue
            state = "Active"
            if g.kind == INDIRECT:
                client = g.target or context
                if not delegable(repo, client, g.context.value, g.permission):
                    state = "Inactive"
                if g.target not in (None, context) and g.context != context:
                    continue
            elif g.context != context and not (g.kind == ENTITY and party.type == "Nip"):
                continue
            rows.append((g, state))
    return [
        (g, state)
        for g, state in rows
        if (query.context is None or g.grantor == query.context)
        and (query.target is None or g.target == query.target)
        and (not query.all_partners or (g.kind == INDIRECT and g.target is None))
        and (not query.permission_types or g.permission in query.permission_types)
        and (query.state is None or state == query.state)
    ]


def subunits(repo: CredentialRepo, context: ContextId, subunit: ContextId | None) -> list[Grant]:
    """Subunit administrators appointed from ``context``."""
    return [
        g
        for g in _active(repo.grants_made_from(context), SUBUNIT)
        if subunit is None or g.context == subunit
    ]


def entities(repo: CredentialRepo, context: ContextId, grantor: ContextId | None) -> list[Grant]:
    """Entity grants this context (its NIP) received from others."""
    return [
        g
        for g in _active(repo.grants_of(Party("Nip", context.value)), ENTITY)
        if grantor is None or g.context == grantor
    ]


def authorizations(
    repo: CredentialRepo,
    context: ContextId,
    received: bool,
    other: Party | None,
    permission_types: tuple[str, ...],
) -> list[Grant]:
    """Authorisations this context gave (``Granted``, ``other`` the authorised) or received
    (``Received``, ``other`` the authorising NIP)."""
    if received:
        rows = _active(repo.grants_of(Party(context.type, context.value)), AUTHORIZATION)
        rows = [g for g in rows if other is None or g.context.value == other.value]
    else:
        rows = _active(repo.grants_in(context), AUTHORIZATION)
        rows = [g for g in rows if other is None or g.subject == other]
    return [g for g in rows if not permission_types or g.permission in permission_types]


def eu_entities(
    repo: CredentialRepo,
    context: ContextId,
    vat_ue: str | None,
    fingerprint: str | None,
    permission_types: tuple[str, ...],
) -> list[Grant]:
    """In a Nip context: administrators of the NipVatUe contexts built on it; in a NipVatUe
    context: its administrators and representatives."""
    if context.type == "NipVatUe":
        rows = _active(repo.grants_in(context), EU_ADMIN, EU_ENTITY)
    else:
        rows = _active(repo.grants_made_from(context), EU_ADMIN)
    return [
        g
        for g in rows
        if (vat_ue is None or g.context.value.split("-", 1)[-1] == vat_ue)
        and (fingerprint is None or fingerprint.upper() in g.subject.value.upper())
        and (not permission_types or g.permission in permission_types)
    ]


def roles(repo: CredentialRepo, context: ContextId) -> list[dict[str, Any]]:
    """``EntityRole`` rows of ``context``: enforcement, bailiff, group or JST unit/subunit."""
    found: list[dict[str, Any]] = []
    person = repo.person(context.value)
    if person is not None and person.get("isBailiff"):
        found.append(_role("CourtBailiff", person))
    for record in repo.subjects():
        kind = str(record.get("subjectType"))
        if record.get("subjectNip") == context.value:
            name = "EnforcementAuthority" if kind == "EnforcementAuthority" else None
            name = _ROLE_NAMES[kind][0] if kind in _ROLE_NAMES else name
            if name:
                found.append(_role(name, record))
        for child in record.get("subunits") or ():
            if child.get("subjectNip") == context.value and kind in _ROLE_NAMES:
                row = _role(_ROLE_NAMES[kind][1], {**record, **child})
                row["parent"] = str(record["subjectNip"])
                found.append(row)
    return found


def subordinates(repo: CredentialRepo, context: ContextId, nip: str | None) -> list[dict[str, Any]]:
    """``SubordinateEntityRole`` rows: the subunits of the group or JST ``context`` is."""
    record = repo.subject_record(context.value)
    kind = str(record.get("subjectType")) if record else ""
    if record is None or kind not in _ROLE_NAMES:
        return []
    return [
        {**_role(_ROLE_NAMES[kind][1], {**record, **child}), "nip": str(child["subjectNip"])}
        for child in record.get("subunits") or ()
        if nip is None or child.get("subjectNip") == nip
    ]


def _role(name: str, record: dict[str, Any]) -> dict[str, Any]:
    return {
        "role": name,
        "description": str(record.get("description") or name),
        "startDate": str(record.get("createdDate") or record.get("recorded")),
    }
