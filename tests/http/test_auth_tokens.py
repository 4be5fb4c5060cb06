"""Status polling, redeem, refresh, active sessions and revocation over HTTP."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from typing import Any

import pytest

from mock_ksef.http.context import services
from tests.http.test_auth import assert_error
from tests.support.auth import API, bearer, body, full_login, start_ksef_token_auth
from tests.support.nips import NIP

PROBLEM = "application/problem+json"


def assert_401(response: Any) -> None:
    assert response.status_code == 401
    assert response.mimetype == PROBLEM
    data = body(response)
    assert data["status"] == 401
    assert data["title"] == "Unauthorized"


def test_pending_polls_answer_100_then_200(client):
    reference, token = start_ksef_token_auth(client, NIP)
    repos = services(client.application).repos
    op = repos.get_auth(reference)
    assert op is not None
    repos.put_auth(dataclasses.replace(op, pending_polls=2))
    codes = [
        body(client.get(f"{API}/auth/{reference}", headers=bearer(token)))["status"]["code"]
        for _ in range(3)
    ]
    assert codes == [100, 100, 200]


def test_redeem_refused_while_pending(client):
    reference, token = start_ksef_token_auth(client, NIP)
    repos = services(client.application).repos
    op = repos.get_auth(reference)
    assert op is not None
    repos.put_auth(dataclasses.replace(op, pending_polls=1))
    entry = assert_error(
        client.post(f"{API}/auth/token/redeem", headers=bearer(token)), 21301, "Brak autoryzacji."
    )
    assert entry["details"] == ["Status uwierzytelniania (100) nie pozwala na pobranie tokenów."]


def test_status_with_another_operations_token_is_21304(client):
    first, _ = start_ksef_token_auth(client, NIP)
    _, second_token = start_ksef_token_auth(client, NIP)
    entry = assert_error(
        client.get(f"{API}/auth/{first}", headers=bearer(second_token)),
        21304,
        "Brak uwierzytelnienia.",
    )
    assert entry["details"] == [
        f"Operacja uwierzytelniania o numerze referencyjnym {first} nie została znaleziona."
    ]


def test_status_of_unknown_reference_is_21304(client):
    _, token = start_ksef_token_auth(client, NIP)
    unknown = "20261124-AU-00000000FF-0000000000-00"
    assert_error(
        client.get(f"{API}/auth/{unknown}", headers=bearer(token)), 21304, "Brak uwierzytelnienia."
    )


@pytest.mark.parametrize("kind", ["none", "garbage", "access", "refresh"])
def test_status_needs_the_operation_token(client, kind):
    login = full_login(client, NIP)
    headers = {
        "none": {},
        "garbage": bearer("not.a.jwt"),
        "access": bearer(login.access_token),
        "refresh": bearer(login.refresh_token),
    }[kind]
    assert_401(client.get(f"{API}/auth/{login.reference}", headers=headers))


def test_foreign_signed_token_is_401(client):
    import jwt

    forged = jwt.encode(
        {"typ": "OperationToken", "arn": "x"},
        "another-secret-that-is-long-enough-32b",
        algorithm="HS256",
    )
    assert_401(client.post(f"{API}/auth/token/redeem", headers=bearer(forged)))


def test_expired_operation_token_is_401(client, clock):
    reference, token = start_ksef_token_auth(client, NIP)
    clock.shift(timedelta(minutes=46))
    assert_401(client.get(f"{API}/auth/{reference}", headers=bearer(token)))


class TestRetention:
    """With a retention shorter than the operation token's life, 410 is reachable."""

    @pytest.fixture
    def settings(self, settings):
        return settings.with_overrides(auth_status_retention_s=60)

    def test_status_is_gone_after_retention(self, client, clock):
        reference, token = start_ksef_token_auth(client, NIP)
        assert client.get(f"{API}/auth/{reference}", headers=bearer(token)).status_code == 200
        clock.shift(timedelta(seconds=61))
        response = client.get(f"{API}/auth/{reference}", headers=bearer(token))
        assert response.status_code == 410
        assert response.mimetype == PROBLEM
        assert body(response)["detail"] == "Operacja wygasła i nie jest już dostępna."


def test_redeem_only_once(client):
    login = full_login(client, NIP)
    entry = assert_error(
        client.post(f"{API}/auth/token/redeem", headers=bearer(login.authentication_token)),
        21301,
        "Brak autoryzacji.",
    )
    assert entry["details"] == [
        f"Tokeny dla operacji uwierzytelniania {login.reference} zostały już pobrane."
    ]


def test_redeem_needs_operation_token(client):
    login = full_login(client, NIP)
    assert_401(client.post(f"{API}/auth/token/redeem", headers=bearer(login.access_token)))


def test_refresh_gives_a_new_access_token(client, clock):
    login = full_login(client, NIP)
    clock.shift(timedelta(minutes=20))  # the first access token has expired
    assert_401(client.get(f"{API}/auth/sessions", headers=bearer(login.access_token)))
    response = client.post(f"{API}/auth/token/refresh", headers=bearer(login.refresh_token))
    assert response.status_code == 200
    access = body(response)["accessToken"]
    assert access["validUntil"] == "2026-11-24T09:35:00.000000+00:00"
    listed = client.get(f"{API}/auth/sessions", headers=bearer(access["token"]))
    assert listed.status_code == 200
    assert body(listed)["items"][0]["lastTokenRefreshDate"] == "2026-11-24T09:20:00.000000+00:00"


def test_refresh_needs_refresh_token(client):
    login = full_login(client, NIP)
    assert_401(client.post(f"{API}/auth/token/refresh", headers=bearer(login.access_token)))
    assert_401(client.post(f"{API}/auth/token/refresh"))


def test_sessions_list_is_newest_first_with_is_current(client, clock):
    logins = []
    for _ in range(3):
        logins.append(full_login(client, NIP))
        clock.shift(timedelta(seconds=1))
    full_login(client, "1111111111")  # another context: not listed
    start_ksef_token_auth(client, NIP)  # not redeemed: not active
    response = client.get(f"{API}/auth/sessions", headers=bearer(logins[1].access_token))
    data = body(response)
    assert [i["referenceNumber"] for i in data["items"]] == [x.reference for x in logins[::-1]]
    assert [i["isCurrent"] for i in data["items"]] == [False, True, False]
    assert data["continuationToken"] is None


def test_sessions_paging(client):
    logins = [full_login(client, NIP) for _ in range(12)]
    headers = bearer(logins[0].access_token)
    first = body(client.get(f"{API}/auth/sessions?pageSize=10", headers=headers))
    assert len(first["items"]) == 10
    assert first["continuationToken"]
    second = body(
        client.get(
            f"{API}/auth/sessions?pageSize=10",
            headers={**headers, "x-continuation-token": first["continuationToken"]},
        )
    )
    assert len(second["items"]) == 2
    assert second["continuationToken"] is None
    seen = {i["referenceNumber"] for i in first["items"] + second["items"]}
    assert seen == {x.reference for x in logins}


def test_bad_continuation_token_is_21418(client):
    token = full_login(client, NIP).access_token
    assert_error(
        client.get(
            f"{API}/auth/sessions", headers={**bearer(token), "x-continuation-token": "%%%"}
        ),
        21418,
        "Przekazany token kontynuacji ma nieprawidłowy format.",
    )


@pytest.mark.parametrize("size", ["9", "101", "ten"])
def test_bad_page_size_is_21405(client, size):
    token = full_login(client, NIP).access_token
    assert_error(
        client.get(f"{API}/auth/sessions?pageSize={size}", headers=bearer(token)),
        21405,
        "Błąd walidacji danych wejściowych.",
    )


@pytest.mark.parametrize("with_refresh", [False, True])
def test_revoke_current(client, with_refresh):
    login = full_login(client, NIP)
    token = login.refresh_token if with_refresh else login.access_token
    response = client.delete(f"{API}/auth/sessions/current", headers=bearer(token))
    assert response.status_code == 204
    assert response.data == b""
    entry = assert_error(
        client.post(f"{API}/auth/token/refresh", headers=bearer(login.refresh_token)),
        21301,
        "Brak autoryzacji.",
    )
    assert entry["details"] == [
        "Status uwierzytelniania (425) nie pozwala na odświeżenie tokenu dostępowego."
    ]
    # the access token lives on until it expires, but the session is no longer active
    listed = client.get(f"{API}/auth/sessions", headers=bearer(login.access_token))
    assert body(listed)["items"] == []
    status = client.get(f"{API}/auth/{login.reference}", headers=bearer(login.authentication_token))
    assert body(status)["status"]["code"] == 425


def test_revoke_by_reference(client):
    mine = full_login(client, NIP)
    other = full_login(client, NIP)
    response = client.delete(
        f"{API}/auth/sessions/{other.reference}", headers=bearer(mine.access_token)
    )
    assert response.status_code == 204
    listed = body(client.get(f"{API}/auth/sessions", headers=bearer(mine.access_token)))
    assert [i["referenceNumber"] for i in listed["items"]] == [mine.reference]


def test_revoke_of_another_context_is_21304(client):
    mine = full_login(client, NIP)
    foreign = full_login(client, "1111111111")
    assert_error(
        client.delete(
            f"{API}/auth/sessions/{foreign.reference}", headers=bearer(mine.access_token)
        ),
        21304,
        "Brak uwierzytelnienia.",
    )


def test_revoke_needs_a_token(client):
    assert_401(client.delete(f"{API}/auth/sessions/current"))


def test_a_continuation_token_of_another_list_is_21418(client, app):
    """Tokens are sealed to their listing: a GET /sessions token does not page auth sessions."""
    from mock_ksef.domain.paging import encode_token

    token = full_login(client, NIP).access_token
    foreign = encode_token(f"sessions:Online:Nip:{NIP}", 10)
    assert_error(
        client.get(
            f"{API}/auth/sessions", headers={**bearer(token), "x-continuation-token": foreign}
        ),
        21418,
        "Przekazany token kontynuacji ma nieprawidłowy format.",
    )
