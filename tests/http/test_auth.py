"""Authentication over HTTP: challenge, KSeF-token login, status, redeem, refresh, sessions."""

from __future__ import annotations

import base64
from datetime import timedelta
from typing import Any

import pytest

from mock_ksef.domain.auth.login import ksef_token_reference
from mock_ksef.http.context import services
from mock_ksef.ids import REFERENCE_RE, has_valid_checksum
from tests.support.auth import (
    API,
    SAMPLE_TOKEN_REFERENCE,
    bearer,
    body,
    encrypt_token,
    full_login,
    ksef_token_public_key,
    login_with_ksef_token,
    sample_token,
)
from tests.support.exceptions import exception_details
from tests.support.nips import NIP


def error_of(response: Any) -> dict[str, Any]:
    """The single ``exceptionDetailList`` entry of a 400 ExceptionResponse."""
    entries = exception_details(response)
    assert len(entries) == 1
    return dict(entries[0])


def assert_error(response: Any, code: int, description: str) -> dict[str, Any]:
    entry = error_of(response)
    assert (entry["exceptionCode"], entry["exceptionDescription"]) == (code, description)
    return entry


def token_body(client, *, token: str | None = None, timestamp: int | None = None, **over: Any):
    challenge = body(client.post(f"{API}/auth/challenge"))
    key_id, key = ksef_token_public_key(client)
    request = {
        "challenge": challenge["challenge"],
        "contextIdentifier": {"type": "Nip", "value": NIP},
        "encryptedToken": encrypt_token(
            key,
            sample_token(NIP) if token is None else token,
            timestamp or challenge["timestampMs"],
        ),
        "publicKeyId": key_id,
    }
    request.update(over)
    return request


def status_of(client, reference: str, token: str) -> dict[str, Any]:
    response = client.get(f"{API}/auth/{reference}", headers=bearer(token))
    assert response.status_code == 200, response.get_data(as_text=True)
    return dict(body(response))


# --- challenge ---------------------------------------------------------------------------
def test_challenge_is_a_cr_reference_with_timestamps(client, clock):
    response = client.post(f"{API}/auth/challenge")
    assert response.status_code == 200
    data = body(response)
    assert REFERENCE_RE.match(data["challenge"])
    assert data["challenge"][9:11] == "CR"
    assert has_valid_checksum(data["challenge"])
    assert data["timestampMs"] == int(clock.now().timestamp() * 1000)
    assert data["timestamp"] == "2026-11-24T09:00:00.000000+00:00"
    assert data["clientIp"] == "127.0.0.1"


def test_api_prefix_alias(client):
    assert client.post("/api/v2/auth/challenge").status_code == 200


# --- KSeF token login ----------------------------------------------------------------------
def test_ksef_token_login_end_to_end(client):
    login = full_login(client, NIP)
    assert login.reference[9:11] == "AU"
    op = services(client.application).repos.get_auth(login.reference)
    assert op is not None
    assert op.ksef_token_reference == SAMPLE_TOKEN_REFERENCE
    assert op.context.key == f"Nip:{NIP}"
    status = status_of(client, login.reference, login.authentication_token)
    assert status["status"] == {"code": 200, "description": "Uwierzytelnianie zakończone sukcesem"}
    assert status["authenticationMethod"] == "Token"
    assert status["authenticationMethodInfo"]["category"] == "Token"
    assert status["isTokenRedeemed"] is True
    assert status["refreshTokenValidUntil"] == "2026-12-01T09:00:00.000000+00:00"


def test_login_helper_returns_an_access_token(client):
    token = login_with_ksef_token(client, NIP)
    assert client.get(f"{API}/auth/sessions", headers=bearer(token)).status_code == 200


def test_init_response_shape(client):
    response = client.post(f"{API}/auth/ksef-token", json=token_body(client))
    assert response.status_code == 202
    data = body(response)
    assert data["referenceNumber"][9:11] == "AU"
    assert data["authenticationToken"]["validUntil"] == "2026-11-24T09:45:00.000000+00:00"


def test_unknown_properties_and_no_public_key_id_are_accepted(client):
    request = token_body(client, extra={"x": 1})
    del request["publicKeyId"]
    assert client.post(f"{API}/auth/ksef-token", json=request).status_code == 202


def test_token_without_reference_gets_a_derived_ec_reference():
    first = ksef_token_reference("plain-secret")
    assert first == ksef_token_reference("plain-secret")
    assert REFERENCE_RE.match(first)
    assert first[9:11] == "EC"
    assert has_valid_checksum(first)
    assert ksef_token_reference(sample_token(NIP)) == SAMPLE_TOKEN_REFERENCE


@pytest.mark.parametrize(
    ("context_type", "value"),
    [
        ("Nip", NIP),
        ("InternalId", f"{NIP}-12345"),
        ("NipVatUe", f"{NIP}-DE123456789"),
        ("PeppolId", "PPL123456"),
    ],
)
def test_every_context_type_is_accepted(client, context_type, value):
    request = token_body(client, contextIdentifier={"type": context_type, "value": value})
    assert client.post(f"{API}/auth/ksef-token", json=request).status_code == 202


@pytest.mark.parametrize(
    ("context_type", "value"),
    [("Nip", "123"), ("InternalId", NIP), ("NipVatUe", NIP), ("PeppolId", "X"), ("Pesel", NIP)],
)
def test_context_value_must_match_its_type(client, context_type, value):
    request = token_body(client, contextIdentifier={"type": context_type, "value": value})
    entry = assert_error(
        client.post(f"{API}/auth/ksef-token", json=request),
        21405,
        "Błąd walidacji danych wejściowych.",
    )
    assert entry["details"]
    assert entry["details"][0].startswith("contextIdentifier.")


def test_missing_fields_are_21405_with_validator_messages(client):
    entry = assert_error(
        client.post(f"{API}/auth/ksef-token", json={"challenge": "x" * 36}),
        21405,
        "Błąd walidacji danych wejściowych.",
    )
    assert sorted(entry["details"]) == [
        "contextIdentifier: Missing data for required field.",
        "encryptedToken: Missing data for required field.",
    ]


@pytest.mark.parametrize("raw", [b"", b"[]", b"null"])
def test_readable_but_invalid_json_is_21405(client, raw):
    response = client.post(
        f"{API}/auth/ksef-token", data=raw, headers={"Content-Type": "application/json"}
    )
    assert_error(response, 21405, "Błąd walidacji danych wejściowych.")


def test_unreadable_json_is_21001(client):
    """POST /auth/ksef-token lists 21001 (API 2.8): a truncated body is unreadable."""
    response = client.post(
        f"{API}/auth/ksef-token", data=b"{", headers={"Content-Type": "application/json"}
    )
    assert_error(response, 21001, "Nieczytelna treść.")


def test_unknown_challenge_is_21111(client):
    request = token_body(client, challenge="20261124-CR-0000000999-ABCDEF0123-00")
    assert_error(
        client.post(f"{API}/auth/ksef-token", json=request),
        21111,
        "Nieprawidłowe wyzwanie autoryzacyjne.",
    )


def test_challenge_is_single_use(client):
    request = token_body(client)
    assert client.post(f"{API}/auth/ksef-token", json=request).status_code == 202
    assert_error(
        client.post(f"{API}/auth/ksef-token", json=request),
        21111,
        "Nieprawidłowe wyzwanie autoryzacyjne.",
    )


def test_expired_challenge_is_21111(client, clock):
    request = token_body(client)
    clock.shift(timedelta(seconds=600))
    assert_error(
        client.post(f"{API}/auth/ksef-token", json=request),
        21111,
        "Nieprawidłowe wyzwanie autoryzacyjne.",
    )


def test_foreign_public_key_id_is_21470(client):
    other = services(client.application).keys.symmetric_key.public_key_id
    entry = assert_error(
        client.post(f"{API}/auth/ksef-token", json=token_body(client, publicKeyId=other)),
        21470,
        "Przesłany identyfikator klucza jest nieznany lub wskazuje na wycofany klucz.",
    )
    assert entry["details"] == [f"Klucz o identyfikatorze {other} nie jest wspierany."]


@pytest.mark.parametrize(
    "encrypted",
    ["not base64!", base64.b64encode(b"garbage").decode(), ""],
)
def test_undecryptable_token_is_21405(client, encrypted):
    request = token_body(client, encryptedToken=encrypted)
    assert_error(
        client.post(f"{API}/auth/ksef-token", json=request),
        21405,
        "Błąd walidacji danych wejściowych.",
    )


def test_wrong_timestamp_gives_status_450(client):
    request = token_body(client, timestamp=1)
    response = client.post(f"{API}/auth/ksef-token", json=request)
    assert response.status_code == 202
    init = body(response)
    status = status_of(client, init["referenceNumber"], init["authenticationToken"]["token"])
    assert status["status"] == {
        "code": 450,
        "description": "Uwierzytelnianie zakończone niepowodzeniem z powodu błędnego tokenu",
        "details": ["Nieprawidłowy czas tokena"],
    }
    redeem = client.post(
        f"{API}/auth/token/redeem", headers=bearer(init["authenticationToken"]["token"])
    )
    entry = assert_error(redeem, 21301, "Brak autoryzacji.")
    assert entry["details"] == ["Status uwierzytelniania (450) nie pozwala na pobranie tokenów."]


def test_empty_token_gives_status_450(client):
    response = client.post(f"{API}/auth/ksef-token", json=token_body(client, token=""))
    init = body(response)
    status = status_of(client, init["referenceNumber"], init["authenticationToken"]["token"])
    assert status["status"]["details"] == ["Nieprawidłowy token"]


def test_problem_details_format_for_400(client):
    response = client.post(
        f"{API}/auth/ksef-token", json={}, headers={"X-Error-Format": "problem-details"}
    )
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
    assert body(response)["errors"][0]["code"] == 21405
