"""Authentication state on its narrow deps: challenge expiry, single-use redeem, refresh."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest

from mock_ksef.crypto.keys import KeyRing
from mock_ksef.domain.auth.login import TOKEN_METHOD, Authenticator
from mock_ksef.domain.auth.operations import AuthOperations
from mock_ksef.domain.auth.values import AuthOperation, Principal
from mock_ksef.domain.errors import TokenNotUsable, UnknownChallenge
from tests.domain.deps_support import NIP, PRINCIPAL, World, world


@pytest.fixture
def w(keyring: KeyRing) -> World:
    return world(keyring)


def _operation(w: World, **changes: object) -> Principal:
    """A stored, successful authentication operation and its principal."""
    now = w.clock.now()
    op = AuthOperation(
        reference=PRINCIPAL.auth_reference,
        context=PRINCIPAL.context,
        method=TOKEN_METHOD,
        start_date=now,
        status_code=200,
        subject={"type": "Nip", "value": NIP},
    )
    w.auth.repos.put_auth(dataclasses.replace(op, **changes))  # type: ignore[arg-type]
    return PRINCIPAL


class TestChallenges:
    def test_a_fresh_challenge_is_usable_until_its_ttl(self, w: World) -> None:
        challenge = Authenticator(w.auth).new_challenge()
        ttl = timedelta(seconds=w.auth.config.challenge_ttl_s)
        usable = Authenticator(w.auth)._usable_challenge
        assert usable(challenge.value) == challenge
        w.clock.shift(ttl)
        with pytest.raises(UnknownChallenge):
            usable(challenge.value)

    def test_an_unknown_challenge_is_refused(self, w: World) -> None:
        with pytest.raises(UnknownChallenge):
            Authenticator(w.auth)._usable_challenge("20261120-CR-0000000000-0000000000-00")


class TestTokens:
    def test_tokens_are_redeemed_once(self, w: World) -> None:
        principal = _operation(w)
        access, refresh = AuthOperations(w.auth).redeem(principal)
        assert access.token != refresh.token
        with pytest.raises(TokenNotUsable):
            AuthOperations(w.auth).redeem(principal)

    def test_a_pending_operation_cannot_be_redeemed(self, w: World) -> None:
        principal = _operation(w, pending_polls=1)
        with pytest.raises(TokenNotUsable):
            AuthOperations(w.auth).redeem(principal)

    def test_refresh_issues_a_new_access_token_and_notes_when(self, w: World) -> None:
        principal = _operation(w, redeemed=True)
        w.clock.shift(timedelta(minutes=5))
        token = AuthOperations(w.auth).refresh(principal)
        op = w.auth.repos.get_auth(principal.auth_reference)
        assert op is not None
        assert op.last_refresh == w.clock.now()
        assert token.valid_until > w.clock.now()

    def test_a_revoked_operation_cannot_refresh(self, w: World) -> None:
        principal = _operation(w, redeemed=True)
        AuthOperations(w.auth).revoke(principal)
        with pytest.raises(TokenNotUsable):
            AuthOperations(w.auth).refresh(principal)
