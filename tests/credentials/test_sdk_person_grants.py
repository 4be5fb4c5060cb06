"""A person grant through the unmodified ``ksef-client`` SDK, in ``strict`` mode: the owner
(a self-signed TINPL certificate) grants InvoiceWrite to a PESEL, the person logs in with
a self-signed PNOPL certificate and opens a session there (and nowhere else), the grant is
queried and revoked, and the right is gone at the next refresh."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from ksef_client.exceptions import KsefApiError, KsefHttpError
from ksef_client.models import PersonPermissionsQueryRequest

from mock_ksef.settings import Settings
from tests.support.nips import NIP, OTHER_NIP
from tests.support.sdk import open_fa3, person_grant, xades_login

PESEL = "90010112345"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The suite's settings in ``strict`` credentials mode."""
    return dataclasses.replace(settings, credentials_mode="strict")


def _xades(sdk: Any, serial: str, nip: str = NIP) -> Any:
    return xades_login(sdk, serial, nip)


def _body(error: KsefHttpError) -> Any:
    return error.response_body


def test_grant_login_send_query_revoke_refresh(sdk):
    owner = _xades(sdk, f"TINPL-{NIP}").access_token
    with pytest.raises(RuntimeError, match=r"^Authentication failed: 415 .*uprawnień$"):
        _xades(sdk, f"PNOPL-{PESEL}")  # strict: no grant yet, nothing allowed
    grant = person_grant(PESEL, ["InvoiceWrite"], "Księgowa wystawia faktury")
    op = sdk.permissions.grant_person(grant, access_token=owner)
    assert op.reference_number[9:11] == "EG"
    status = sdk.permissions.get_operation_status(op.reference_number, access_token=owner)
    assert status.to_dict()["status"] == {
        "code": 200,
        "description": "Operacja zakończona sukcesem",
    }

    person = _xades(sdk, f"PNOPL-{PESEL}")
    workflow, handle = open_fa3(sdk, person.access_token)
    assert handle.session_reference_number[9:11] == "SO"
    workflow.close_session(handle.session_reference_number, person.access_token)
    with pytest.raises(RuntimeError, match=r"^Authentication failed: 415 "):
        _xades(sdk, f"PNOPL-{PESEL}", OTHER_NIP)  # nowhere else

    query = PersonPermissionsQueryRequest.from_dict({"queryType": "PermissionsInCurrentContext"})
    found = sdk.permissions.query_persons_grants(query, access_token=owner).to_dict()
    [row] = found["permissions"]
    assert found["hasMore"] is False
    assert row["authorizedIdentifier"] == {"type": "Pesel", "value": PESEL}
    assert row["authorIdentifier"] == {"type": "Nip", "value": NIP}
    assert (row["permissionScope"], row["permissionState"]) == ("InvoiceWrite", "Active")
    assert len(row["id"]) == 36

    # The person may not grant (no CredentialsManage): 403 with the exact body.
    with pytest.raises(KsefHttpError) as refused:
        sdk.permissions.grant_person(grant, access_token=person.access_token)
    assert refused.value.status_code == 403
    assert _body(refused.value)["security"] == {
        "requiredAnyOfPermissions": ["CredentialsManage"],
        "presentPermissions": ["InvoiceWrite"],
    }

    revoked = sdk.permissions.revoke_common_permission(row["id"], access_token=owner)
    done = sdk.permissions.get_operation_status(revoked.reference_number, access_token=owner)
    assert done.to_dict()["status"]["code"] == 200
    assert sdk.permissions.query_persons_grants(query, access_token=owner).permissions == []
    again = sdk.permissions.revoke_common_permission(row["id"], access_token=owner)
    failed = sdk.permissions.get_operation_status(again.reference_number, access_token=owner)
    assert failed.to_dict()["status"] == {
        "code": 400,
        "description": "Operacja zakończona niepowodzeniem",
    }
    with pytest.raises(KsefApiError) as refresh:
        sdk.auth.refresh_access_token(person.refresh_token)
    [entry] = _body(refresh.value)["exception"]["exceptionDetailList"]
    assert (entry["exceptionCode"], entry["details"]) == (
        21301,
        ["Brak uprawnień w bieżącym kontekście."],
    )


def test_strict_mode_refuses_tokens_the_mock_did_not_issue(sdk):
    from tests.support.sdk import login

    with pytest.raises(RuntimeError, match=r"^Authentication failed: 450 .*Nieprawidłowy token$"):
        login(sdk, NIP)
