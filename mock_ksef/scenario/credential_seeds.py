"""The seeds of a scenario's ``credentials:`` block (persons, entities, authorisations,
tokens) as :class:`GrantSeed` / :class:`TokenSeed` values; each entry without its own
``contexts`` applies to the scenario's ``select.contexts``."""

from __future__ import annotations

from typing import Any

from mock_ksef.scenario.model import GrantSeed, TokenSeed

Data = dict[str, Any]
GRANT_DESCRIPTION = "Uprawnienie ze scenariusza"
TOKEN_DESCRIPTION = "Token ze scenariusza"


def _party(data: Data) -> tuple[str, str]:
    return str(data["type"]), str(data["value"])


def _contexts(entry: Data, selected: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(entry.get("contexts", ())) or selected


def grant_seeds(data: Data, selected: tuple[str, ...]) -> tuple[GrantSeed, ...]:
    """Every grant the ``credentials`` block ``data`` seeds, in file order by kind."""
    seeds = [
        GrantSeed(
            kind="person",
            contexts=_contexts(entry, selected),
            subject=_party(entry["identifier"]),
            permissions=tuple(entry["permissions"]),
            description=str(entry.get("description", GRANT_DESCRIPTION)),
            names=(str(entry.get("first_name", "Jan")), str(entry.get("last_name", "Kowalski"))),
        )
        for entry in data.get("persons", ())
    ]
    seeds += [
        GrantSeed(
            kind="entity",
            contexts=_contexts(entry, selected),
            subject=("Nip", str(entry["nip"])),
            permissions=tuple(entry["permissions"]),
            description=str(entry.get("description", GRANT_DESCRIPTION)),
            names=("", str(entry.get("full_name", f"Podmiot {entry['nip']}"))),
            can_delegate=bool(entry.get("can_delegate", False)),
        )
        for entry in data.get("entities", ())
    ]
    seeds += [
        GrantSeed(
            kind="authorization",
            contexts=_contexts(entry, selected),
            subject=_party(entry["identifier"]),
            permissions=(str(entry["permission"]),),
            description=str(entry.get("description", GRANT_DESCRIPTION)),
            names=("", str(entry.get("full_name", f"Podmiot {entry['identifier']['value']}"))),
        )
        for entry in data.get("authorizations", ())
    ]
    return tuple(seeds)


def token_seeds(data: Data) -> tuple[TokenSeed, ...]:
    """Every token the ``credentials`` block ``data`` seeds, in file order."""
    return tuple(
        TokenSeed(
            token=str(entry["token"]),
            permissions=tuple(entry["permissions"]),
            status=str(entry.get("status", "Active")),
            status_details=tuple(str(d) for d in entry.get("status_details", ())),
            description=str(entry.get("description", TOKEN_DESCRIPTION)),
            author=_party(entry["author"]) if "author" in entry else None,
        )
        for entry in data.get("tokens", ())
    )
