"""The natural login policy of the credentials model, and the checks of redeem and refresh.

:class:`CredentialPolicy` is the ``natural`` policy under
:class:`~mock_ksef.domain.auth.policy.ScenarioAuthPolicy`: a KSeF token must be one the
mock issued (Active, in its own context), or in ``permissive`` mode have the official
``reference|nip-NNNNNNNNNN|secret`` shape naming the login's context (an owner token of
it); a certificate gets :func:`~.rights.effective_rights` of its identity. A
:func:`refreshed_rights` call recomputes the set at refresh (21301 when it is empty or
the token behind the login was revoked; 21308 when its person was declared deceased).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import datetime

from mock_ksef.crypto.xades import CertificateSubject
from mock_ksef.domain.auth.policy import Verdict
from mock_ksef.domain.auth.values import AuthOperation, ContextId, Party
from mock_ksef.domain.credentials.credential_repo import CredentialRepo
from mock_ksef.domain.credentials.credential_values import (
    ACTIVE,
    BAD_TOKEN,
    DECEASED,
    FAILED,
    INACTIVE_TOKEN,
    NO_PERMISSIONS,
    PENDING,
    PERMISSIVE,
    REVOKED_TOKEN,
)
from mock_ksef.domain.credentials.ksef_tokens import secret_hash, shape_context
from mock_ksef.domain.credentials.rights import (
    effective_rights,
    identities,
    is_deceased,
    ordered,
    token_rights,
)
from mock_ksef.domain.errors import DeceasedPerson, TokenNotUsable

TOKEN_REVOKED_DETAIL = "Token KSeF został unieważniony."
#: Chooses the credentials mode of a login (the scenario's, else the setting).
ModeOf = Callable[[ContextId, str | None], str]


def _refused(code: int, detail: str) -> Verdict:
    return Verdict(code, (detail,), ())


def context_owner(context: ContextId) -> Party:
    """The NIP an official-shaped token of ``context`` belongs to."""
    return Party("Nip", context.value.split("-", 1)[0])


class CredentialPolicy:
    """Logins judged by the credentials model (tokens, owner rule, grants)."""

    def __init__(self, repo: CredentialRepo, now: datetime, mode_of: ModeOf) -> None:
        self.repo = repo
        self.now = now
        self.mode_of = mode_of

    def ksef_token(self, token: str, context: ContextId) -> Verdict:
        """The outcome of a KSeF-token login (BRIEF-ADMIN 2, "Using a token")."""
        mode = self.mode_of(context, token)
        issued = self.repo.token_by_secret(secret_hash(token))
        if issued is not None:
            if issued.context != context:
                return _refused(450, BAD_TOKEN)
            if issued.status in (PENDING, FAILED):
                return _refused(450, INACTIVE_TOKEN)
            if issued.status != ACTIVE:
                return _refused(450, REVOKED_TOKEN)
            if is_deceased(self.repo, issued.author):
                return _refused(470, DECEASED)
            rights = token_rights(self.repo, issued, mode)
            if not rights:
                return _refused(415, NO_PERMISSIONS)
            self.repo.put_token(dataclasses.replace(issued, last_use_date=self.now))
            return Verdict(permissions=rights)
        named = shape_context(token)
        if named is None or mode != PERMISSIVE or named != context:
            return _refused(450, BAD_TOKEN)
        reference = token.split("|", 1)[0]
        if self.repo.token(reference) is not None:
            return _refused(450, BAD_TOKEN)  # a mock token's reference with a forged secret
        if is_deceased(self.repo, context_owner(context)):
            return _refused(470, DECEASED)
        rights = effective_rights(self.repo, context_owner(context), context, mode)
        return Verdict(permissions=rights) if rights else _refused(415, NO_PERMISSIONS)

    def certificate(self, subject: CertificateSubject, context: ContextId) -> Verdict:
        """The effective rights of the certificate's identity (NIP/PESEL and fingerprint)."""
        mode = self.mode_of(context, None)
        if is_deceased(self.repo, cert_identity(subject)):
            return _refused(470, DECEASED)
        rights = set(effective_rights(self.repo, cert_identity(subject), context, mode))
        if subject.has_subject_identifier:
            fingerprint = Party("Fingerprint", subject.fingerprint)
            rights.update(effective_rights(self.repo, fingerprint, context, mode))
        found = ordered(rights)
        return Verdict(permissions=found) if found else _refused(415, NO_PERMISSIONS)


def cert_identity(subject: CertificateSubject) -> Party:
    """The identity a certificate names (its NIP/PESEL, else its fingerprint)."""
    if subject.has_subject_identifier:
        return Party(subject.identifier_type, subject.identifier)
    return Party("Fingerprint", subject.fingerprint)


def login_identity(repo: CredentialRepo, op: AuthOperation) -> Party:
    """Who logged in with ``op``: a token's author, else the authenticated subject."""
    if op.method.category == "Token":
        token = repo.token(op.ksef_token_reference or "")
        return token.author if token is not None else context_owner(op.context)
    return Party(op.subject.get("type", ""), op.subject.get("value", ""))


def login_token_reference(repo: CredentialRepo, op: AuthOperation) -> str | None:
    """The ``EC`` reference of the mock-issued token behind ``op`` (``None``: none)."""
    if op.method.category != "Token" or not op.ksef_token_reference:
        return None
    return op.ksef_token_reference if repo.token(op.ksef_token_reference) else None


#: Rights that see every session of the context in ``GET /sessions`` (BRIEF-ADMIN 1.4);
#: InvoiceWrite alone sees the caller's own.
SEES_ALL_SESSIONS = frozenset({"Introspection", "EnforcementOperations"})


def opened_by_caller(
    repo: CredentialRepo, caller: AuthOperation, login: Callable[[str], AuthOperation | None]
) -> Callable[[str], bool]:
    """Whether a session opened under the login ``auth_reference`` is ``caller``'s own:
    the same login, or one of the same person (token author or subject, NIP–PESEL aware).

    ``login`` reads an authentication operation by reference.
    """
    me = identities(repo, login_identity(repo, caller))
    seen: dict[str, bool] = {caller.reference: True}

    def own(auth_reference: str) -> bool:
        if auth_reference not in seen:
            op = login(auth_reference)
            seen[auth_reference] = op is not None and login_identity(repo, op) in me
        return seen[auth_reference]

    return own


def refreshed_rights(
    repo: CredentialRepo, op: AuthOperation, mode: str, keep: bool
) -> tuple[str, ...]:
    """The rights a redeem or refresh of ``op`` carries (recomputed, BRIEF-ADMIN 1.3).

    ``keep``: a scenario fixed the permissions; they are not recomputed.

    Raises:
        DeceasedPerson: ``/testdata/person`` declared the login's person deceased since (21308).
        TokenNotUsable: the KSeF token behind the login was revoked, or the set is empty.
    """
    if op.status_code == 200 and is_deceased(repo, login_identity(repo, op)):
        raise DeceasedPerson(f"{DECEASED}.")
    reference = login_token_reference(repo, op)
    if reference is not None:
        token = repo.token(reference)
        if token is None or token.status != ACTIVE:
            raise TokenNotUsable(TOKEN_REVOKED_DETAIL)
        if keep:
            return op.permissions
        rights = token_rights(repo, token, mode)
    elif keep or op.status_code != 200:
        return op.permissions
    elif op.method.category == "Token":
        rights = effective_rights(repo, context_owner(op.context), op.context, mode)
    else:
        who = login_identity(repo, op)
        found = set(effective_rights(repo, who, op.context, mode))
        rights = ordered(found)
    if not rights:
        raise TokenNotUsable("Brak uprawnień w bieżącym kontekście.")
    return rights
