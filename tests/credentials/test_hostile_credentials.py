"""The hostile-input catalogue of issue 12: escalation and cross-context attempts against a
live mock (real HTTP, real JWTs): a forged, tampered, unsigned or expired access token, a
refresh token used as an access token, grants by a caller without CredentialsManage, and
context A reaching for context B's grants, operations and tokens. Each is refused with
its exact answer, and afterwards nothing was granted."""

from __future__ import annotations

import base64
import dataclasses
import json
from datetime import timedelta
from typing import Any

import httpx
import jwt
import pytest
from ksef_client.models import GenerateTokenRequest

from mock_ksef.domain.credentials.credential_values import OWNER_PERMISSIONS
from mock_ksef.settings import Settings
from tests.credentials.test_sdk_entity_grants import PERSON, PESEL, _xades
from tests.support.nips import NIP, OTHER_NIP
from tests.support.sdk import token_login

FORBIDDEN = "Brak wymaganych uprawnień do wykonania operacji w bieżącym kontekście."
PERSON_GRANT = {
    "subjectIdentifier": {"type": "Pesel", "value": PESEL},
    "permissions": ["InvoiceWrite", "CredentialsManage"],
    "description": "Próba eskalacji uprawnień",
    "subjectDetails": PERSON,
}
EVERYTHING = list(OWNER_PERMISSIONS)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The suite's settings in ``strict`` credentials mode."""
    return dataclasses.replace(settings, credentials_mode="strict")


def _call(live: Any, method: str, path: str, token: str, body: Any = None) -> httpx.Response:
    return httpx.request(
        method,
        f"{live.url}/v2{path}",
        json=body,
        headers={"Authorization": f"Bearer {token}"},
    )


def _persons(live: Any, token: str) -> list[dict[str, Any]]:
    """The persons query of the token's context (by an owner)."""
    body = {"queryType": "PermissionsInCurrentContext"}
    answer = _call(live, "POST", "/permissions/query/persons/grants", token, body)
    assert answer.status_code == 200, answer.text
    return list(answer.json()["permissions"])


def _assert_401(answer: httpx.Response, detail: str, label: str = "") -> None:
    assert answer.status_code == 401, (label, answer.text)
    assert answer.headers["content-type"].startswith("application/problem+json")
    problem = answer.json()
    assert (problem["title"], problem["status"], problem["detail"]) == (
        "Unauthorized",
        401,
        detail,
    ), label


def _reader(sdk: Any, owner: str) -> Any:
    """A login with a KSeF token the owner generated with InvoiceRead only."""
    request = GenerateTokenRequest.from_dict(
        {"permissions": ["InvoiceRead"], "description": "Tylko odczyt"}
    )
    return token_login(sdk, sdk.tokens.generate_token(request, access_token=owner).token, NIP)


def _b64(data: dict[str, Any]) -> str:
    raw = json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def test_forged_tampered_unsigned_and_wrong_kind_tokens_are_401(sdk, live):
    owner = _xades(sdk, f"TINPL-{NIP}").access_token
    reader = _reader(sdk, owner)
    claims = jwt.decode(reader.access_token, options={"verify_signature": False})
    assert json.loads(claims["per"]) == ["InvoiceRead"]
    escalated = {**claims, "per": json.dumps(EVERYTHING)}
    header, _, signature = reader.access_token.split(".")
    attempts = {
        "forged": (
            jwt.encode(escalated, "a-secret-the-mock-never-had-32-bytes!", algorithm="HS256"),
            "Nieprawidłowy token: Signature verification failed",
        ),
        "tampered": (
            f"{header}.{_b64(escalated)}.{signature}",
            "Nieprawidłowy token: Signature verification failed",
        ),
        "unsigned": (
            f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(escalated)}.",
            "Nieprawidłowy token: The specified alg value is not allowed",
        ),
        "refresh as access": (
            reader.refresh_token,
            "Token typu RefreshToken nie jest tu akceptowany.",
        ),
        "not a JWT": ("not.a.jwt", "Nieprawidłowy token: Invalid header padding"),
    }
    for name, (token, detail) in attempts.items():
        answer = _call(live, "POST", "/permissions/persons/grants", token, PERSON_GRANT)
        _assert_401(answer, detail, name)
    assert _persons(live, owner) == []
    # The genuine token is still what it was: 403, InvoiceRead only.
    answer = _call(live, "POST", "/permissions/persons/grants", reader.access_token, PERSON_GRANT)
    assert answer.status_code == 403
    assert answer.json()["security"] == {
        "requiredAnyOfPermissions": ["CredentialsManage"],
        "presentPermissions": ["InvoiceRead"],
    }


def test_an_expired_access_token_is_401_and_refresh_recomputes(sdk, live, clock):
    owner = _xades(sdk, f"TINPL-{NIP}")
    clock.shift(timedelta(minutes=15, seconds=1))
    answer = _call(live, "POST", "/permissions/persons/grants", owner.access_token, PERSON_GRANT)
    _assert_401(answer, "Token wygasł.")
    fresh = sdk.auth.refresh_access_token(owner.refresh_token).access_token.token
    assert _persons(live, fresh) == []


def test_grants_without_the_right_are_403_and_grant_nothing(sdk, live):
    owner = _xades(sdk, f"TINPL-{NIP}").access_token
    reader = _reader(sdk, owner).access_token
    attempts = [
        ("/permissions/persons/grants", PERSON_GRANT, ["CredentialsManage"]),
        (
            "/permissions/entities/grants",
            {
                "subjectIdentifier": {"type": "Nip", "value": OTHER_NIP},
                "permissions": [{"type": "InvoiceWrite", "canDelegate": True}],
                "description": "Próba eskalacji uprawnień",
                "subjectDetails": {"fullName": "Biuro Rachunkowe Sp. z o.o."},
            },
            ["CredentialsManage"],
        ),
        (
            "/permissions/authorizations/grants",
            {
                "subjectIdentifier": {"type": "Nip", "value": OTHER_NIP},
                "permission": "SelfInvoicing",
                "description": "Próba eskalacji uprawnień",
                "subjectDetails": {"fullName": "Biuro Rachunkowe Sp. z o.o."},
            },
            ["CredentialsManage"],
        ),
        (
            "/permissions/indirect/grants",
            {
                "subjectIdentifier": {"type": "Pesel", "value": PESEL},
                "targetIdentifier": {"type": "AllPartners"},
                "permissions": ["InvoiceWrite"],
                "description": "Próba eskalacji uprawnień",
                "subjectDetails": PERSON,
            },
            ["CredentialsManage"],
        ),
        (
            "/permissions/subunits/grants",
            {
                "subjectIdentifier": {"type": "Pesel", "value": PESEL},
                "contextIdentifier": {"type": "InternalId", "value": f"{NIP}-12346"},
                "subunitName": "Oddział Kraków",
                "description": "Próba eskalacji uprawnień",
                "subjectDetails": PERSON,
            },
            ["SubunitManage"],
        ),
    ]
    for path, body, required in attempts:
        answer = _call(live, "POST", path, reader, body)
        assert answer.status_code == 403, (path, answer.text)
        problem = answer.json()
        assert (problem["detail"], problem["reasonCode"], problem["instance"]) == (
            FORBIDDEN,
            "missing-permissions",
            f"/v2{path}",
        ), path
        assert problem["security"] == {
            "requiredAnyOfPermissions": required,
            "presentPermissions": ["InvoiceRead"],
        }, path
    assert _persons(live, owner) == []
    for path, body in (
        ("/permissions/query/entities/grants", {}),
        ("/permissions/query/authorizations/grants", {"queryType": "Granted"}),
        ("/permissions/query/subunits/grants", {}),
    ):
        answer = _call(live, "POST", path, owner, body)
        assert answer.status_code == 200, answer.text
        listed = answer.json()
        assert listed == {next(iter(listed)): [], "hasMore": False}, path
    office = _xades(sdk, f"TINPL-{OTHER_NIP}", OTHER_NIP).access_token
    received = _call(live, "POST", "/permissions/query/entities/grants", office, {})
    assert received.json() == {"permissions": [], "hasMore": False}


def test_context_a_cannot_reach_context_b(sdk, live):
    owner_a = _xades(sdk, f"TINPL-{NIP}").access_token
    granted = _call(live, "POST", "/permissions/persons/grants", owner_a, PERSON_GRANT)
    assert granted.status_code == 202
    op_a = granted.json()["referenceNumber"]
    [row_a, _] = _persons(live, owner_a)
    token_request = {"permissions": ["InvoiceRead"], "description": "Token kontekstu A"}
    token_a = _call(live, "POST", "/tokens", owner_a, token_request).json()
    owner_b = _xades(sdk, f"TINPL-{OTHER_NIP}", OTHER_NIP).access_token

    # A's operation, seen from B: unknown.
    answer = _call(live, "GET", f"/permissions/operations/{op_a}", owner_b)
    assert answer.status_code == 400
    [entry] = answer.json()["exception"]["exceptionDetailList"]
    assert (entry["exceptionCode"], entry["details"]) == (
        21405,
        [f"Operacja o numerze referencyjnym {op_a} nie istnieje w bieżącym kontekście."],
    )
    # B revoking A's grant: the operation fails with 400, the grant stays.
    revoke = _call(live, "DELETE", f"/permissions/common/grants/{row_a['id']}", owner_b)
    assert revoke.status_code == 202
    status = _call(
        live, "GET", f"/permissions/operations/{revoke.json()['referenceNumber']}", owner_b
    )
    assert status.json() == {
        "status": {"code": 400, "description": "Operacja zakończona niepowodzeniem"}
    }
    assert [r["id"] for r in _persons(live, owner_a)].count(row_a["id"]) == 1
    # B revoking A's token: unknown in B; the token still logs in to A, never to B.
    gone = _call(live, "DELETE", f"/tokens/{token_a['referenceNumber']}", owner_b)
    assert gone.status_code == 400, gone.text
    [entry] = gone.json()["exception"]["exceptionDetailList"]
    assert entry["exceptionCode"] == 21405
    assert token_login(sdk, token_a["token"], NIP).access_token
    with pytest.raises(RuntimeError, match=r"^Authentication failed: 450 .*Nieprawidłowy token$"):
        token_login(sdk, token_a["token"], OTHER_NIP)
    assert _persons(live, owner_b) == []
