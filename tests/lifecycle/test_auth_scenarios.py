"""Scenario-driven authentication: pending polls and seconds, forced codes, lifetimes."""

from __future__ import annotations

from datetime import timedelta

import pytest

from mock_ksef.http.context import services
from mock_ksef.scenario.model import AuthPlan, Delay, Outcome, Scenario
from mock_ksef.timefmt import iso
from tests.conftest import START
from tests.lifecycle.client import with_scenario
from tests.lifecycle.sdk import login
from tests.support.auth import (
    API,
    bearer,
    body,
    encrypt_token,
    ksef_token_public_key,
    sample_token,
    start_ksef_token_auth,
)

NIP = "1111111269"

#: Each forced failure code, with the description and default details the SDK must see.
FAILURES = [
    (415, "Uwierzytelnianie zakończone niepowodzeniem", ["Brak przypisanych uprawnień"]),
    (
        450,
        "Uwierzytelnianie zakończone niepowodzeniem z powodu błędnego tokenu",
        ["Nieprawidłowy token"],
    ),
    (
        460,
        "Uwierzytelnianie zakończone niepowodzeniem z powodu błędu certyfikatu",
        ["Niepoprawny certyfikat"],
    ),
    (
        470,
        "Uwierzytelnianie zakończone niepowodzeniem",
        ["Próba wykorzystania metod autoryzacyjnych osoby zmarłej"],
    ),
    (
        480,
        "Uwierzytelnienie zablokowane",
        [
            "Podejrzenie incydentu bezpieczeństwa. Skontaktuj się z Ministerstwem Finansów "
            "przez formularz zgłoszeniowy."
        ],
    ),
    (500, "Nieznany błąd", None),
    (
        550,
        "Operacja została anulowana przez system",
        ["Przetwarzanie zostało przerwane z przyczyn wewnętrznych systemu. Spróbuj ponownie"],
    ),
]


def _auth(app, plan: AuthPlan) -> None:
    with_scenario(app, Scenario(name="auth-under-test", auth=plan), NIP)


def _poll(client, reference, op_token):
    response = client.get(f"{API}/auth/{reference}", headers=bearer(op_token))
    assert response.status_code == 200, response.json
    return body(response)["status"]


def test_pending_for_three_polls_then_200(app, client):
    """``delay.polls: 3`` answers 100 three times, then 200; redeem is refused meanwhile."""
    _auth(app, AuthPlan(delay=Delay(polls=3)))
    reference, op_token = start_ksef_token_auth(client, NIP)
    assert client.post(f"{API}/auth/token/redeem", headers=bearer(op_token)).status_code == 400
    codes = [_poll(client, reference, op_token)["code"] for _ in range(5)]
    assert codes == [100, 100, 100, 200, 200]
    assert client.post(f"{API}/auth/token/redeem", headers=bearer(op_token)).status_code == 200


def test_pending_for_seconds_on_the_clock(app, client, clock):
    """``delay.seconds: 30`` answers 100 until startDate + 30 s on the mock's clock."""
    _auth(app, AuthPlan(delay=Delay(seconds=30)))
    reference, op_token = start_ksef_token_auth(client, NIP)
    assert _poll(client, reference, op_token)["code"] == 100
    clock.shift(timedelta(seconds=29))
    assert _poll(client, reference, op_token)["code"] == 100
    clock.shift(timedelta(seconds=1))
    assert _poll(client, reference, op_token) == {
        "code": 200,
        "description": "Uwierzytelnianie zakończone sukcesem",
    }


def test_the_sdk_waits_through_pending_polls(app, sdk):
    """The SDK's coordinator polls through a pending authentication and logs in."""
    _auth(app, AuthPlan(delay=Delay(polls=2)))
    assert login(sdk, NIP)
    [op] = services(app).repos.auths_in_context(f"Nip:{NIP}")
    assert op.scenario == "auth-under-test"
    assert op.pending_polls == 0


@pytest.mark.parametrize(("code", "description", "details"), FAILURES)
def test_forced_failure_reaches_the_sdk(app, sdk, code, description, details):
    """Each forced auth code reaches the SDK's coordinator as its documented status."""
    _auth(app, AuthPlan(outcome=Outcome(code)))
    with pytest.raises(RuntimeError) as caught:
        login(sdk, NIP)
    suffix = f" Details: {', '.join(details)}" if details else ""
    assert str(caught.value) == f"Authentication failed: {code} {description}{suffix}"


def test_token_lifetimes_and_permissions_follow_the_scenario(app, client):
    """Access/refresh lifetimes and granted permissions come from the scenario."""
    _auth(
        app,
        AuthPlan(
            access_token_seconds=60,
            refresh_token_seconds=3600,
            operation_token_seconds=120,
            permissions=("InvoiceRead",),
        ),
    )
    reference, op_token = start_ksef_token_auth(client, NIP)
    assert _poll(client, reference, op_token)["code"] == 200
    tokens = body(client.post(f"{API}/auth/token/redeem", headers=bearer(op_token)))
    assert tokens["accessToken"]["validUntil"] == iso(START + timedelta(seconds=60))
    assert tokens["refreshToken"]["validUntil"] == iso(START + timedelta(seconds=3600))
    op = services(app).repos.get_auth(reference)
    assert op is not None
    assert op.permissions == ("InvoiceRead",)


def test_no_permissions_is_415(app, client):
    """An empty permission list fails the login with 415 "Brak przypisanych uprawnień"."""
    _auth(app, AuthPlan(permissions=()))
    reference, op_token = start_ksef_token_auth(client, NIP)
    assert _poll(client, reference, op_token) == {
        "code": 415,
        "description": "Uwierzytelnianie zakończone niepowodzeniem",
        "details": ["Brak przypisanych uprawnień"],
    }


def test_header_selects_the_scenario_at_login(app, client):
    """``X-Mock-Scenario`` at ``/auth/ksef-token`` wins over the context's scenario."""
    services(app).scenarios.add(Scenario(name="blocked", auth=AuthPlan(outcome=Outcome(480))))
    challenge = body(client.post(f"{API}/auth/challenge"))
    key_id, key = ksef_token_public_key(client)
    response = client.post(
        f"{API}/auth/ksef-token",
        json={
            "challenge": challenge["challenge"],
            "contextIdentifier": {"type": "Nip", "value": NIP},
            "encryptedToken": encrypt_token(key, sample_token(NIP), challenge["timestampMs"]),
            "publicKeyId": key_id,
        },
        headers={"X-Mock-Scenario": "blocked"},
    )
    assert response.status_code == 202, response.json
    init = body(response)
    status = _poll(client, init["referenceNumber"], init["authenticationToken"]["token"])
    assert status["code"] == 480
    op = services(app).repos.get_auth(init["referenceNumber"])
    assert op is not None
    assert op.scenario == "blocked"
