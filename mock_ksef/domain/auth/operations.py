"""Authentication operations after login: status, tokens, active sessions, revocation.

Pure domain logic (no Flask): ``GET /auth/{ref}``, ``POST /auth/token/redeem|refresh``,
``GET /auth/sessions`` and the two ``DELETE /auth/sessions/...``.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta

from mock_ksef.domain.auth.tokens import ACCESS, REFRESH, IssuedToken
from mock_ksef.domain.auth.values import AuthOperation, Principal
from mock_ksef.domain.deps import AuthDeps
from mock_ksef.domain.errors import AuthNotFound, Gone, TokenNotUsable
from mock_ksef.domain.paging import Page, paginate

REVOKED_DETAIL = (
    "Uwierzytelnienie i powiązane refresh tokeny zostały unieważnione przez użytkownika"
)


class AuthOperations:
    """What a client does with an authentication operation once it has a token."""

    def __init__(self, deps: AuthDeps) -> None:
        self.deps = deps
        self.config = deps.config

    # --- status and tokens -----------------------------------------------------------
    def _operation(self, reference: str) -> AuthOperation:
        op = self.deps.repos.get_auth(reference)
        if op is None:
            raise _not_found(reference)
        return op

    def status(self, principal: Principal, reference: str) -> AuthOperation:
        """``GET /auth/{ref}``: the operation as the client sees it now.

        Raises:
            AuthNotFound: unknown, or the token belongs to another operation.
            Gone: past ``auth_status_retention_s``.
        """
        if principal.auth_reference != reference:
            raise _not_found(reference)  # same answer as for an unknown reference
        with self.deps.store.transaction():
            op = self._operation(reference)
            retention = timedelta(seconds=self.config.auth_status_retention_s)
            if self.deps.clock.now() >= op.start_date + retention:
                raise Gone("Operacja wygasła i nie jest już dostępna.")
            if _pending(op, self.deps.clock.now()):
                polls = max(op.pending_polls - 1, 0)
                self.deps.repos.put_auth(dataclasses.replace(op, pending_polls=polls))
                return dataclasses.replace(op, status_code=100, status_details=())
            return op

    def redeem(self, principal: Principal) -> tuple[IssuedToken, IssuedToken]:
        """``POST /auth/token/redeem``: access and refresh tokens, once.

        Raises:
            AuthNotFound: unknown operation.
            TokenNotUsable: already redeemed, or the status is not 200.
        """
        with self.deps.store.transaction():
            op = self._operation(principal.auth_reference)
            if op.redeemed:
                raise TokenNotUsable(
                    f"Tokeny dla operacji uwierzytelniania {op.reference} zostały już pobrane."
                )
            code = 100 if _pending(op, self.deps.clock.now()) else op.status_code
            if code != 200 or op.revoked:
                raise TokenNotUsable(
                    f"Status uwierzytelniania ({code}) nie pozwala na pobranie tokenów."
                )
            now = self.deps.clock.now()
            access = self._access(op, now)
            refresh_ttl = timedelta(
                seconds=_or(op.refresh_token_seconds, self.config.refresh_token_ttl_s)
            )
            refresh = self.deps.tokens.issue(
                REFRESH, op, now, refresh_ttl, self.deps.numbering.token_id()
            )
            self.deps.repos.put_auth(
                dataclasses.replace(op, redeemed=True, refresh_valid_until=refresh.valid_until)
            )
            return access, refresh

    def _access(self, op: AuthOperation, now: datetime) -> IssuedToken:
        ttl = timedelta(seconds=_or(op.access_token_seconds, self.config.access_token_ttl_s))
        return self.deps.tokens.issue(ACCESS, op, now, ttl, self.deps.numbering.token_id())

    def refresh(self, principal: Principal) -> IssuedToken:
        """``POST /auth/token/refresh``: a new access token.

        Raises:
            TokenNotUsable: the operation was revoked or is not successful.
        """
        with self.deps.store.transaction():
            op = self._operation(principal.auth_reference)
            if op.revoked or op.status_code != 200:
                raise TokenNotUsable(
                    f"Status uwierzytelniania ({op.status_code}) nie pozwala na odświeżenie "
                    "tokenu dostępowego."
                )
            now = self.deps.clock.now()
            self.deps.repos.put_auth(dataclasses.replace(op, last_refresh=now))
            return self._access(op, now)

    # --- active sessions -------------------------------------------------------------
    def list_sessions(
        self, principal: Principal, page_size: int, continuation: str | None
    ) -> Page[tuple[AuthOperation, bool]]:
        """``GET /auth/sessions``: active (redeemed, not revoked) operations of the context,
        newest first, each with its ``isCurrent`` flag."""
        now = self.deps.clock.now()
        active = [
            op
            for op in self.deps.repos.auths_in_context(principal.context.key)
            if op.redeemed
            and not op.revoked
            and (op.refresh_valid_until is None or op.refresh_valid_until > now)
        ]
        active.sort(key=lambda op: (op.start_date, op.reference), reverse=True)
        scope = f"auth-sessions:{principal.context.key}"
        page = paginate(active, page_size, continuation, scope=scope)
        return Page(
            [(op, op.reference == principal.auth_reference) for op in page.items],
            page.continuation_token,
        )

    def revoke(self, principal: Principal, reference: str | None = None) -> None:
        """``DELETE /auth/sessions/current`` (``reference`` None) or ``/auth/sessions/{ref}``.

        Marks the operation 425 so its refresh token stops working; access tokens already
        issued stay valid until they expire.
        """
        with self.deps.store.transaction():
            op = self._operation(reference or principal.auth_reference)
            if op.context != principal.context:
                raise _not_found(op.reference)
            self.deps.repos.put_auth(
                dataclasses.replace(
                    op, revoked=True, status_code=425, status_details=(REVOKED_DETAIL,)
                )
            )


def _or(value: int | None, default: int) -> int:
    return default if value is None else value


def _pending(op: AuthOperation, now: datetime) -> bool:
    """Whether ``GET /auth/{ref}`` still answers 100 (scenario polls and seconds)."""
    return op.pending_polls > 0 or (op.pending_until is not None and now < op.pending_until)


def _not_found(reference: str) -> AuthNotFound:
    return AuthNotFound(
        f"Operacja uwierzytelniania o numerze referencyjnym {reference} nie została znaleziona."
    )
