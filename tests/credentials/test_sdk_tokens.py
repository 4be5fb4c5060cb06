"""KSeF tokens through the unmodified ``ksef-client`` SDK against a live mock: generate
with limited rights, log in with the token, 403 where it lacks a right, revoke, and the
login and refresh that fail afterwards."""

from __future__ import annotations

from typing import Any

import pytest
from ksef_client.exceptions import KsefApiError, KsefHttpError
from ksef_client.models import GenerateTokenRequest

from tests.support.nips import NIP, OTHER_NIP
from tests.support.sdk import FA3, login, token_login

FORBIDDEN_DETAIL = "Brak wymaganych uprawnień do wykonania operacji w bieżącym kontekście."


def _body(error: KsefHttpError) -> Any:
    return error.response_body


def _token_login(sdk, token: str, nip: str = NIP):
    return token_login(sdk, token, nip)


def _generate(sdk, access: str, permissions: list[str], description: str = "Tylko odczyt"):
    request = GenerateTokenRequest.from_dict(
        {"permissions": permissions, "description": description}
    )
    return sdk.tokens.generate_token(request, access_token=access)


def test_a_read_only_token_logs_in_gets_403_on_send_and_stops_after_revocation(sdk):
    owner = login(sdk, NIP)
    made = _generate(sdk, owner, ["InvoiceRead"])
    assert made.reference_number[9:11] == "EC"
    assert made.token.startswith(f"{made.reference_number}|nip-{NIP}|")
    secret = made.token.rsplit("|", 1)[1]
    assert len(secret) == 64
    assert secret == secret.lower()

    item = sdk.tokens.get_token_status(made.reference_number, access_token=owner).to_dict()
    assert item["status"] == "Active"
    assert item["requestedPermissions"] == ["InvoiceRead"]
    assert item["authorIdentifier"] == {"type": "Nip", "value": NIP}
    assert item["contextIdentifier"] == {"type": "Nip", "value": NIP}

    reader = _token_login(sdk, made.token)
    pem = sdk.security.get_public_key_certificate_pem("SymmetricKeyEncryption")
    from ksef_client.services.workflows import OnlineSessionWorkflow

    with pytest.raises(KsefHttpError) as refused:
        OnlineSessionWorkflow(sdk.sessions).open_session(
            form_code=FA3, public_certificate=pem, access_token=reader.access_token
        )
    assert refused.value.status_code == 403
    body: Any = refused.value.response_body
    assert body["title"] == "Forbidden"
    assert body["status"] == 403
    assert body["detail"] == FORBIDDEN_DETAIL
    assert body["instance"] == "/v2/sessions/online"
    assert body["reasonCode"] == "missing-permissions"
    assert body["security"] == {
        "requiredAnyOfPermissions": ["InvoiceWrite", "PefInvoiceWrite", "EnforcementOperations"],
        "presentPermissions": ["InvoiceRead"],
    }
    assert body["traceId"]
    assert body["timestamp"]

    used = sdk.tokens.get_token_status(made.reference_number, access_token=owner).to_dict()
    assert used["lastUseDate"] is not None

    # Self-revocation without CredentialsManage (2.4.0+).
    sdk.tokens.revoke_token(made.reference_number, access_token=reader.access_token)
    gone = sdk.tokens.get_token_status(made.reference_number, access_token=owner).to_dict()
    assert gone["status"] == "Revoked"
    with pytest.raises(RuntimeError, match=r"^Authentication failed: 450 .*Token unieważniony$"):
        _token_login(sdk, made.token)
    with pytest.raises(KsefApiError) as refresh:
        sdk.auth.refresh_access_token(reader.refresh_token)
    [entry] = _body(refresh.value)["exception"]["exceptionDetailList"]
    assert (entry["exceptionCode"], entry["details"]) == (
        21301,
        ["Token KSeF został unieważniony."],
    )


def test_token_listing_filters_and_pages(sdk):
    owner = login(sdk, NIP)
    refs = [
        _generate(sdk, owner, ["InvoiceRead"], f"Token nr {i:02}").reference_number
        for i in range(12)
    ]
    first = sdk.tokens.list_tokens(access_token=owner)
    assert [t.reference_number for t in first.tokens] == refs[::-1][:10]
    rest = sdk.tokens.list_tokens(access_token=owner, continuation_token=first.continuation_token)
    assert [t.reference_number for t in rest.tokens] == refs[::-1][10:]
    assert rest.continuation_token is None
    found = sdk.tokens.list_tokens(access_token=owner, description="nr 03")
    assert [t.reference_number for t in found.tokens] == [refs[3]]
    assert sdk.tokens.list_tokens(access_token=owner, statuses=["Revoked"]).tokens == []


def test_escalation_attempts_are_refused_exactly(sdk):
    owner = login(sdk, NIP)
    reader = _token_login(sdk, _generate(sdk, owner, ["InvoiceRead"]).token)
    # 26001: a token may not carry rights its author lacks.
    with pytest.raises(KsefApiError) as more:
        _generate(sdk, reader.access_token, ["InvoiceWrite"])
    [entry] = _body(more.value)["exception"]["exceptionDetailList"]
    assert (entry["exceptionCode"], entry["details"]) == (
        26001,
        ["Brakujące uprawnienia: InvoiceWrite."],
    )
    # A token of context A against context B: 450 "Nieprawidłowy token".
    token_a = _generate(sdk, owner, ["InvoiceRead"]).token
    with pytest.raises(RuntimeError, match=r"^Authentication failed: 450 .*Nieprawidłowy token$"):
        _token_login(sdk, token_a, OTHER_NIP)
    # A forged secret of a real reference, and a string that is no KSeF token at all.
    forged = token_a.rsplit("|", 1)[0] + "|" + "0" * 64
    for bad in (forged, "not-a-ksef-token"):
        with pytest.raises(RuntimeError, match=r"Nieprawidłowy token$"):
            _token_login(sdk, bad)
    # Someone else's token without CredentialsManage: 403.
    other = _generate(sdk, owner, ["InvoiceRead"]).reference_number
    with pytest.raises(KsefHttpError) as refused:
        sdk.tokens.revoke_token(other, access_token=reader.access_token)
    assert refused.value.status_code == 403
    assert _body(refused.value)["security"]["requiredAnyOfPermissions"] == ["CredentialsManage"]
