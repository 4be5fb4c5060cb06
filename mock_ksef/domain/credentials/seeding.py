"""A scenario's ``credentials:`` seeds stored as grants and tokens, once per store.

Applied before the first credentials call of a store (login, ``/tokens``,
``/permissions``, the dashboard) for every loaded scenario that has seeds, so bundled
scenarios, ``POST /_mock/scenarios`` and the pytest plugin's loads behave alike. A store
document ``credential-seed/{scenario}|{digest}`` marks it done: a reset empties the store
and the seeds land again on the next call; a scenario replaced with other seeds gets
them too. Ids, references and dates are deterministic: grant ids are UUID-shaped hashes of
the scenario, the entry and the permission; dates are the mock clock's time of seeding.
A seeded grant behaves like one the API made: it counts at login, shows in the queries
and can be revoked.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from mock_ksef.domain.auth.values import ContextId, Party
from mock_ksef.domain.credentials.credential_repo import CredentialRepo
from mock_ksef.domain.credentials.credential_values import (
    AUTHORIZATION,
    ENTITY,
    PENDING,
    REVOKING,
    Grant,
    KsefToken,
)
from mock_ksef.domain.credentials.ksef_tokens import secret_hash, shape_context
from mock_ksef.domain.credentials.rights import ordered
from mock_ksef.scenario.model import CredentialsPlan, GrantSeed, TokenSeed
from mock_ksef.timefmt import iso


def seed_context(value: str) -> ContextId:
    """A seed's context: ``NNNNNNNNNN`` is a Nip, ``NNNNNNNNNN-NNNNN`` an InternalId."""
    return ContextId("InternalId" if "-" in value else "Nip", value)


def owner_of(context: ContextId) -> Party:
    """The NIP that owns ``context`` (the author of what a scenario seeds there)."""
    return Party("Nip", context.value.split("-", 1)[0])


def grant_id(*parts: str) -> str:
    """A UUID-shaped id (36 characters) that depends only on ``parts``."""
    h = hashlib.sha256("|".join(parts).encode()).hexdigest()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"


def seed_marker(scenario: str, plan: CredentialsPlan) -> str:
    """The key marking ``scenario``'s seeds as stored (changes when the seeds change)."""
    digest = hashlib.sha256(repr((plan.grants, plan.tokens)).encode()).hexdigest()[:16]
    return f"{scenario}|{digest}"


def _details(seed: GrantSeed) -> dict[str, object]:
    first, last = seed.names
    if seed.kind in (ENTITY, AUTHORIZATION):
        return {"subjectDetailsType": "EntityByIdentifier", "fullName": last}
    return {
        "subjectDetailsType": "PersonByIdentifier",
        "personById": {"firstName": first, "lastName": last},
    }


def seeded_grants(scenario: str, index: int, seed: GrantSeed, now: datetime) -> list[Grant]:
    """The rows entry ``index`` of ``scenario`` stands for: one per context and permission."""
    rows = []
    for value in seed.contexts:
        context = seed_context(value)
        for permission in seed.permissions:
            rows.append(
                Grant(
                    id=grant_id(scenario, seed.kind, str(index), value, permission),
                    kind=seed.kind,
                    context=context,
                    subject=Party(*seed.subject),
                    permission=permission,
                    author=owner_of(context),
                    description=seed.description,
                    start_date=now,
                    subject_details=_details(seed),
                    can_delegate=seed.can_delegate,
                )
            )
    return rows


def seeded_token(seed: TokenSeed, now: datetime) -> KsefToken:
    """The token ``seed`` describes (Pending and Revoking ones stay so: ``held``)."""
    context = shape_context(seed.token)
    if context is None:  # the schema's pattern guarantees the shape
        raise ValueError(f"not an official-shaped KSeF token: {seed.token!r}")
    return KsefToken(
        reference=seed.token.split("|", 1)[0],
        secret_hash=secret_hash(seed.token),
        context=context,
        author=Party(*seed.author) if seed.author else owner_of(context),
        description=seed.description,
        permissions=ordered(seed.permissions),
        status=seed.status,
        date_created=now,
        status_details=seed.status_details,
        held=seed.status in (PENDING, REVOKING),
    )


def apply_seeds(repo: CredentialRepo, scenario: str, plan: CredentialsPlan, now: datetime) -> bool:
    """Store ``scenario``'s grants and tokens unless done in this store; whether it did."""
    if not plan.grants and not plan.tokens:
        return False
    marker = seed_marker(scenario, plan)
    with repo.transaction():
        if repo.is_seeded(marker):
            return False
        for index, grant_seed in enumerate(plan.grants):
            for grant in seeded_grants(scenario, index, grant_seed, now):
                repo.put_grant(grant)
        for token_seed in plan.tokens:
            repo.put_token(seeded_token(token_seed, now))
        repo.mark_seeded(marker, iso(now))
    return True
