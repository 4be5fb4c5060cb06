"""Who may do what: the effective permissions of an identity in a context.

Computed at login and at every refresh (BRIEF-ADMIN 1.2), then carried in the access
token as a snapshot:

1. **owner**: the identity's NIP is the context's NIP, or a PESEL ``/testdata/person``
   linked to it → :data:`OWNER_PERMISSIONS`; a bailiff person, or a context with the
   role EnforcementAuthority, adds EnforcementOperations;
2. active grants in this context (to the identity or to its linked NIP/PESEL): person,
   entity, subunit-administrator (CredentialsManage in the subunit's context), EU
   administrator and representative (in the NipVatUe context) grants; indirect grants of
   an intermediary count in a client's context (the target, or any client for a general
   grant) while that client's delegable entity grant to the intermediary stands;
   authorisations (SelfInvoicing, …) never count;
3. ``/testdata/permissions`` grants;
4. a PeppolId context: its provider's own seal holds PefInvoiceWrite, nobody else anything
   (in either mode);
5. in ``permissive`` mode, an identity with none of these in a context where no grant was
   ever made (a context the model knows nothing about) keeps the owner set, so existing
   suites keep working without test data; ``strict`` gives it nothing (415 at login).

A KSeF-token login gets the token's own list ∩ its author's set (:func:`token_rights`).
"""

from __future__ import annotations

from collections.abc import Iterable

from mock_ksef.domain.auth.values import ContextId, Party
from mock_ksef.domain.credentials.credential_repo import CredentialRepo
from mock_ksef.domain.credentials.credential_values import (
    AUTHORIZATION,
    ENTITY,
    INDIRECT,
    OWNER_PERMISSIONS,
    PERMISSIVE,
    TOKEN_PERMISSIONS,
    Grant,
    KsefToken,
)

ENFORCEMENT = "EnforcementOperations"
#: What a Peppol provider holds in its own PeppolId context (BRIEF-ADMIN 1.2 item 6, 8.15).
PEPPOL_PROVIDER: tuple[str, ...] = ("PefInvoiceWrite",)
_ORDER = {name: i for i, name in enumerate((*OWNER_PERMISSIONS, ENFORCEMENT, "VatUeManage"))}


def ordered(permissions: Iterable[str]) -> tuple[str, ...]:
    """``permissions`` without duplicates, in one fixed order."""
    return tuple(sorted(set(permissions), key=lambda p: (_ORDER.get(p, 99), p)))


def identities(repo: CredentialRepo, who: Party) -> list[Party]:
    """``who`` and the identities ``/testdata/person`` made one with it (NIP and PESEL)."""
    found = [who]
    if who.type == "Pesel":
        found += [Party("Nip", nip) for nip in repo.linked_nips(who.value)]
    elif who.type == "Nip":
        person = repo.person(who.value)
        if person is not None:
            found.append(Party("Pesel", str(person["pesel"])))
    return found


def is_deceased(repo: CredentialRepo, who: Party) -> bool:
    """Whether ``/testdata/person`` declared ``who`` (or the NIP/PESEL one with it) deceased."""
    return any(
        bool((repo.person(p.value) or {}).get("isDeceased"))
        for p in identities(repo, who)
        if p.type == "Nip"
    )


def is_owner(repo: CredentialRepo, who: Party, context: ContextId) -> bool:
    """The owner rule: the identity's NIP (or a NIP its PESEL is linked to) is the context."""
    if context.type != "Nip":
        return False
    return any(p.type == "Nip" and p.value == context.value for p in identities(repo, who))


def _enforcement(repo: CredentialRepo, context: ContextId) -> bool:
    """Whether owners of ``context`` also get EnforcementOperations."""
    person = repo.person(context.value)
    if person is not None and person.get("isBailiff"):
        return True
    subject = repo.subject_record(context.value)
    return subject is not None and subject.get("subjectType") == "EnforcementAuthority"


def delegable(repo: CredentialRepo, client: ContextId, intermediary: str, permission: str) -> bool:
    """Whether ``client`` gave the entity ``intermediary`` ``permission`` with canDelegate."""
    return any(
        g.kind == ENTITY
        and g.context == client
        and g.permission == permission
        and g.can_delegate
        and g.state == "Active"
        for g in repo.grants_of(Party("Nip", intermediary))
    )


def grant_state(repo: CredentialRepo, grant: Grant) -> str:
    """``Active`` or ``Inactive`` (the query endpoints' ``permissionState``, BRIEF-ADMIN 3.5).

    Inactive: a grant whose subject ``/testdata/person`` declared deceased (3.6: nobody acts
    with a deceased person's rights); an indirect grant whose delegable entity grant behind
    it is gone: for a selective one the target's, for a general one every client's.
    A grant whose author later lost CredentialsManage stays Active (grants belong to the
    context that made them, not to the person who filed them).
    """
    if is_deceased(repo, grant.subject):
        return "Inactive"
    if grant.kind != INDIRECT:
        return "Active"
    intermediary = grant.context.value
    if grant.target is not None:
        backed = delegable(repo, grant.target, intermediary, grant.permission)
    else:
        backed = any(
            g.kind == ENTITY and g.permission == grant.permission and g.can_delegate
            for g in repo.grants_of(Party("Nip", intermediary))
            if g.state == "Active"
        )
    return "Active" if backed else "Inactive"


def granted(repo: CredentialRepo, who: Party, context: ContextId) -> set[str]:
    """What grants (API and test data) give ``who`` in ``context``, without ownership."""
    rights: set[str] = set()
    for party in identities(repo, who):
        for g in repo.grants_of(party):
            if g.state != "Active" or g.kind == AUTHORIZATION:
                continue  # authorisations act per invoice, never in the snapshot
            if g.kind == INDIRECT:
                if g.target in (None, context) and delegable(
                    repo, context, g.context.value, g.permission
                ):
                    rights.add(g.permission)
            elif g.context == context:
                rights.add(g.permission)
        rights.update(repo.testdata_permissions(context, party))
    return rights


def authorising_nips(repo: CredentialRepo, context: ContextId) -> frozenset[str]:
    """The NIPs whose active entity authorisation (SelfInvoicing, RRInvoicing,
    TaxRepresentative, PefInvoicing) names ``context``: read live at each invoice check,
    they may stand as the seller (Podmiot1) of its invoices (BRIEF-ADMIN 1.3, 7.3)."""
    return frozenset(
        g.context.value
        for g in repo.grants_of(Party(context.type, context.value))
        if g.kind == AUTHORIZATION and g.state == "Active" and g.context.type == "Nip"
    )


def effective_rights(
    repo: CredentialRepo, who: Party, context: ContextId, mode: str
) -> tuple[str, ...]:
    """The effective permission set of ``who`` in ``context`` (empty: nothing allowed)."""
    if context.type == "PeppolId":  # only the provider's own seal, and only PEF (1.2 item 6)
        return PEPPOL_PROVIDER if who == Party("PeppolId", context.value) else ()
    rights = granted(repo, who, context)
    if is_owner(repo, who, context):
        rights.update(OWNER_PERMISSIONS)
        if _enforcement(repo, context):
            rights.add(ENFORCEMENT)
    elif not rights and mode == PERMISSIVE and not repo.is_managed(context):
        rights.update(OWNER_PERMISSIONS)
    return ordered(rights)


def token_rights(repo: CredentialRepo, token: KsefToken, mode: str) -> tuple[str, ...]:
    """A KSeF token's rights: its own list ∩ its author's current set."""
    author = set(effective_rights(repo, token.author, token.context, mode))
    return ordered(p for p in token.permissions if p in author and p in TOKEN_PERMISSIONS)
