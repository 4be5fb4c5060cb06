"""A bearer token is verified once per request and cached across requests, yet expiry on
the mock's clock and revocation in another worker process still take effect at once."""

from __future__ import annotations

from datetime import timedelta

import jwt
import pytest

from mock_ksef.app import create_app
from mock_ksef.http.context import services
from mock_ksef.settings import Settings
from tests.support.auth import bearer, login_with_ksef_token
from tests.support.nips import NIP
from tests.support.spec import spec_dir

LIST = "/v2/sessions?sessionType=Online"


@pytest.fixture
def decodes(monkeypatch):
    """Counts PyJWT decodes (signature checks) made by the mock."""
    calls: list[str] = []
    real = jwt.decode

    def counting(token, *args, **kwargs):
        calls.append(token)
        return real(token, *args, **kwargs)

    monkeypatch.setattr("mock_ksef.domain.auth.tokens.jwt.decode", counting)
    return calls


def test_one_signature_check_per_token_not_per_look(client, decodes):
    """Scenario selection and the route's guard share one verification; the next request
    with the same token needs none."""
    token = login_with_ksef_token(client, NIP)
    decodes.clear()
    assert client.get(LIST, headers=bearer(token)).status_code == 200
    assert client.get(LIST, headers=bearer(token)).status_code == 200
    assert decodes == [token]  # two requests, each looked at twice: one check


def test_a_cached_token_still_expires_on_the_mock_clock(client, clock):
    token = login_with_ksef_token(client, NIP)
    assert client.get(LIST, headers=bearer(token)).status_code == 200
    clock.shift(timedelta(days=2))
    response = client.get(LIST, headers=bearer(token))
    assert response.status_code == 401
    assert "Token wygasł" in response.get_data(as_text=True)


def test_a_bad_token_is_refused_every_time(client, decodes):
    token = login_with_ksef_token(client, NIP)
    forged = token[:-2] + ("AA" if token[-2:] != "AA" else "BB")
    for _ in range(2):
        response = client.get(LIST, headers=bearer(forged))
        assert response.status_code == 401
        assert "Nieprawidłowy token" in response.get_data(as_text=True)
    assert decodes.count(forged) == 2  # failures are not cached


def test_a_wrong_kind_is_refused_after_a_cached_success(client):
    """The kind is judged per route, not cached with the token."""
    token = login_with_ksef_token(client, NIP)
    assert client.get(LIST, headers=bearer(token)).status_code == 200
    response = client.post("/v2/auth/token/refresh", headers=bearer(token))
    assert response.status_code == 401
    assert "nie jest tu akceptowany" in response.get_data(as_text=True)


def test_revocation_in_another_process_takes_effect_at_once(tmp_path, clock, keyring):
    """Two apps on one SQLite file stand for two worker processes."""
    settings = Settings(
        seed=1,
        store=f"sqlite:{tmp_path / 'state.sqlite3'}",
        schema_dir=str(spec_dir() / "invoice-schemas"),
        auth_schema_dir=str(spec_dir() / "auth"),
    )
    first = create_app(settings, clock=clock, keys=keyring)
    second = create_app(settings, clock=clock, keys=keyring)
    token = login_with_ksef_token(first.test_client(), NIP)
    for app in (first, second):  # both caches warm
        assert app.test_client().get(LIST, headers=bearer(token)).status_code == 200
    svc = services(second)
    principal = svc.tokens.verify(token, ("access",), svc.now())
    svc.repos.revoke_jti(principal.jti)
    response = first.test_client().get(LIST, headers=bearer(token))
    assert response.status_code == 401
    assert "unieważniony" in response.get_data(as_text=True)
