"""The dashboard's permissions panel: the contexts that have grants or KSeF tokens, and
for one of them who holds what there.

Read only, from the credentials repository: the owner (a Nip context's own NIP, holding
the owner set), every subject with active grants in the context (person, entity,
authorisation, indirect, subunit, EU kinds; one row per subject and kind, its
permissions in the model's order), and the context's tokens, newest first, with their
status as stored (a dashboard never moves a token's lifecycle on: that is a status read).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mock_ksef.domain.auth.values import ContextId, Party
from mock_ksef.domain.credentials.credential_repo import CredentialRepo
from mock_ksef.domain.credentials.credential_values import OWNER_PERMISSIONS, Grant, KsefToken
from mock_ksef.domain.credentials.rights import ordered
from mock_ksef.timefmt import iso

#: Chooses the credentials mode shown for a context (``permissive`` / ``strict``).
ModeFor = Callable[[ContextId], str]


def _ident(who: Party | ContextId) -> dict[str, str]:
    return {"type": who.type, "value": who.value}


def _name(grant: Grant) -> str:
    details = grant.subject_details
    if isinstance(details.get("fullName"), str):
        return str(details["fullName"])
    for key in ("personById", "personByFpWithId", "personByFpNoId"):
        person = details.get(key)
        if isinstance(person, dict):
            return f"{person.get('firstName', '')} {person.get('lastName', '')}".strip()
    return ""


def _holders(grants: list[Grant]) -> list[dict[str, Any]]:
    rows: dict[tuple[str, str, str], dict[str, Any]] = {}
    for grant in grants:
        target = grant.target.key if grant.target else ""
        row = rows.setdefault(
            (grant.kind, grant.subject.key, target),
            {
                "kind": grant.kind,
                "subject": _ident(grant.subject),
                "name": _name(grant),
                "target": _ident(grant.target) if grant.target else None,
                "permissions": [],
                "canDelegate": [],
            },
        )
        row["permissions"].append(grant.permission)
        if grant.can_delegate:
            row["canDelegate"].append(grant.permission)
    for row in rows.values():
        row["permissions"] = list(ordered(row["permissions"]))
        row["canDelegate"] = list(ordered(row["canDelegate"]))
    return sorted(
        rows.values(), key=lambda r: (r["kind"], r["subject"]["type"], r["subject"]["value"])
    )


def _token(token: KsefToken) -> dict[str, Any]:
    return {
        "referenceNumber": token.reference,
        "status": token.status,
        "permissions": list(token.permissions),
        "author": _ident(token.author),
        "description": token.description,
        "dateCreated": iso(token.date_created),
    }


def permissions_view(repo: CredentialRepo, wanted: str | None, mode_for: ModeFor) -> dict[str, Any]:
    """``{contexts[{context, holders, tokens}], context, mode, owner, holders[], tokens[]}``.

    ``wanted`` picks the context (a ``ContextId.key`` such as ``Nip:7770000519``); an
    unknown or absent one falls back to the first context in key order.
    """
    grants = [g for g in repo.all_grants() if g.state == "Active"]
    tokens = repo.all_tokens()
    by_context: dict[str, tuple[ContextId, list[Grant], list[KsefToken]]] = {}
    for grant in grants:
        by_context.setdefault(grant.context.key, (grant.context, [], []))[1].append(grant)
    for token in tokens:
        by_context.setdefault(token.context.key, (token.context, [], []))[2].append(token)
    keys = sorted(by_context)
    contexts = [
        {
            "context": key,
            "holders": len(_holders(by_context[key][1])),
            "tokens": len(by_context[key][2]),
        }
        for key in keys
    ]
    chosen = wanted if wanted in by_context else (keys[0] if keys else None)
    if chosen is None:
        return {
            "contexts": [],
            "context": None,
            "mode": None,
            "owner": None,
            "holders": [],
            "tokens": [],
        }
    context, held, made = by_context[chosen]
    owner = (
        {"subject": _ident(Party("Nip", context.value)), "permissions": list(OWNER_PERMISSIONS)}
        if context.type == "Nip"
        else None
    )
    newest = sorted(made, key=lambda t: (t.date_created, t.reference), reverse=True)
    return {
        "contexts": contexts,
        "context": chosen,
        "mode": mode_for(context),
        "owner": owner,
        "holders": _holders(held),
        "tokens": [_token(t) for t in newest],
    }
