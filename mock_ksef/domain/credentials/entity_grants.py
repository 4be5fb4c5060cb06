"""The grant kinds beyond persons: entities, authorisations, indirect, subunits, EU entities
and their administration (``POST /permissions/{kind}/grants``).

Each files an asynchronous operation (:func:`person_grants.file_grants`); the semantic
refusals are operation codes (BRIEF-ADMIN 3.2-3.3, our mapping of 410-450 in 8.7):

* 410: an InternalId/NipVatUe prefix that is not the context's NIP, a Nip subunit that is
  not a subordinate of the context;
* 430: a Nip subunit appointed from a context without a parent role (VAT group, JST);
* 440: a selective indirect grant without a delegable (``canDelegate``) entity grant from
  the target to this context for each permission;
* 450: a kind filed from a context type it does not belong to (entity, indirect, subunit
  and EU-admin grants outside a Nip context, EU-entity grants outside a NipVatUe context),
  PefInvoicing to a non-PeppolId subject or another authorisation to a PeppolId.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mock_ksef.domain.auth.values import ContextId, Party
from mock_ksef.domain.credentials.credential_repo import CredentialRepo
from mock_ksef.domain.credentials.credential_values import (
    AUTHORIZATION,
    ENTITY,
    EU_ADMIN,
    EU_ADMIN_PERMISSIONS,
    EU_ENTITY,
    INDIRECT,
    SUBUNIT,
    PermissionOperation,
)
from mock_ksef.domain.credentials.ksef_tokens import TokenCaller
from mock_ksef.domain.credentials.person_grants import (
    Filing,
    GrantDraft,
    file_grants,
)
from mock_ksef.domain.credentials.rights import delegable
from mock_ksef.domain.errors import ValidationFailed
from mock_ksef.ids import internal_id_valid

_NIP_CONTEXTS = ("Nip", "InternalId")
#: ``/testdata/subject`` types whose subunits may get Nip-context administrators.
PARENT_TYPES = ("VatGroup", "JST")


@dataclass(frozen=True)
class GrantBody:
    """The parts every grant request shares."""

    subject: Party
    description: str
    subject_details: dict[str, object]


def _draft(kind: str, body: GrantBody, permissions: tuple[str, ...], **where: Any) -> GrantDraft:
    """A draft of ``permissions`` (none delegable); ``where``: context, target, extra."""
    return GrantDraft(
        kind,
        body.subject,
        tuple((p, False) for p in permissions),
        body.description,
        body.subject_details,
        **where,
    )


def grant_entity(
    repo: CredentialRepo,
    caller: TokenCaller,
    body: GrantBody,
    permissions: tuple[tuple[str, bool], ...],
    filing: Filing,
) -> PermissionOperation:
    """``entities/grants``: InvoiceWrite/Read/CollectiveIdentifierManage to a NIP."""
    code = 200 if caller.context.type in _NIP_CONTEXTS else 450
    draft = GrantDraft(ENTITY, body.subject, permissions, body.description, body.subject_details)
    return file_grants(repo, caller, draft, code, filing)


def grant_authorization(
    repo: CredentialRepo, caller: TokenCaller, body: GrantBody, permission: str, filing: Filing
) -> PermissionOperation:
    """``authorizations/grants``: SelfInvoicing, RRInvoicing, TaxRepresentative, PefInvoicing."""
    peppol = body.subject.type == "PeppolId"
    code = 200 if (permission == "PefInvoicing") == peppol else 450
    if caller.context.type != "Nip":
        code = 450
    draft = _draft(AUTHORIZATION, body, (permission,))
    return file_grants(repo, caller, draft, code, filing)


def grant_indirect(
    repo: CredentialRepo,
    caller: TokenCaller,
    body: GrantBody,
    permissions: tuple[str, ...],
    target: ContextId | None,
    filing: Filing,
) -> PermissionOperation:
    """``indirect/grants``: a person works for the intermediary's client (``target``) or
    for every client that gave the intermediary a delegable grant (``None``)."""
    code = 200 if caller.context.type == "Nip" else 450
    if (
        code == 200
        and target is not None
        and not all(delegable(repo, target, caller.context.value, p) for p in permissions)
    ):
        code = 440
    draft = _draft(INDIRECT, body, permissions, target=target)
    return file_grants(repo, caller, draft, code, filing)


def _subunit_code(repo: CredentialRepo, caller: TokenCaller, subunit: ContextId) -> int:
    if caller.context.type != "Nip":
        return 450
    if subunit.type == "InternalId":
        return 200 if subunit.value[:10] == caller.context.value else 410
    record = repo.subject_record(caller.context.value)
    if record is None or record.get("subjectType") not in PARENT_TYPES:
        return 430
    children = {str(s.get("subjectNip")) for s in record.get("subunits") or ()}
    return 200 if subunit.value in children else 410


def grant_subunit(
    repo: CredentialRepo,
    caller: TokenCaller,
    body: GrantBody,
    subunit: ContextId,
    subunit_name: str | None,
    filing: Filing,
) -> PermissionOperation:
    """``subunits/grants``: CredentialsManage in an InternalId or subordinate-NIP context.

    Raises:
        ValidationFailed: a bad InternalId check digit, or no ``subunitName`` for one
            (21405, BRIEF-ADMIN 3.2).
    """
    if subunit.type == "InternalId":
        if not internal_id_valid(subunit.value):
            raise ValidationFailed(
                f"contextIdentifier: nieprawidłowy identyfikator wewnętrzny '{subunit.value}'."
            )
        if not subunit_name:
            raise ValidationFailed("subunitName: pole wymagane dla identyfikatora wewnętrznego.")
    extra = {"subunitName": subunit_name} if subunit_name else {}
    draft = _draft(SUBUNIT, body, ("CredentialsManage",), context=subunit, extra=extra)
    return file_grants(repo, caller, draft, _subunit_code(repo, caller, subunit), filing)


def grant_eu_admin(
    repo: CredentialRepo,
    caller: TokenCaller,
    body: GrantBody,
    eu_context: ContextId,
    extra: dict[str, object],
    filing: Filing,
) -> PermissionOperation:
    """``eu-entities/administration/grants``: a fingerprint administers ``{NIP}-{VAT UE}``.

    ``extra``: ``euEntityName`` and ``euEntityDetails``, listed by the EU-entities query.
    """
    code = 200 if caller.context.type == "Nip" else 450
    if code == 200 and not eu_context.value.startswith(f"{caller.context.value}-"):
        code = 410
    draft = _draft(EU_ADMIN, body, EU_ADMIN_PERMISSIONS, context=eu_context, extra=extra)
    return file_grants(repo, caller, draft, code, filing)


def grant_eu_entity(
    repo: CredentialRepo,
    caller: TokenCaller,
    body: GrantBody,
    permissions: tuple[str, ...],
    filing: Filing,
) -> PermissionOperation:
    """``eu-entities/grants``: an EU representative in the caller's NipVatUe context."""
    code = 200 if caller.context.type == "NipVatUe" else 450
    admins = [g for g in repo.grants_in(caller.context) if g.kind == EU_ADMIN]
    extra = {k: v for k, v in (admins[0].extra if admins else {}).items() if k == "euEntityName"}
    draft = _draft(EU_ENTITY, body, permissions, extra=extra)
    return file_grants(repo, caller, draft, code, filing)
