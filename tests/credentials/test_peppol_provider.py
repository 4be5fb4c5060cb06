"""A Peppol provider's login in its own PeppolId context holds PefInvoiceWrite and nothing
else (BRIEF-ADMIN 1.2 item 6), at login and after a refresh; nobody else holds anything
there, even in ``permissive`` mode. Real HTTP through the unmodified ``ksef-client``."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from ksef_client.models import FormCode
from ksef_client.services.workflows import OnlineSessionWorkflow

from tests.peppol.test_peppol_query import provider_seal
from tests.support.nips import NIP
from tests.support.sdk import xades_login

PEPPOL_ID = "PPL112233"
PEF = FormCode(system_code="PEF (3)", schema_version="2-1", value="PEF")
PRESENT = ["PefInvoiceWrite"]


def _refused(live, method: str, path: str, access: str) -> Any:
    answer = httpx.request(
        method, f"{live.url}/v2{path}", json={}, headers={"Authorization": f"Bearer {access}"}
    )
    assert answer.status_code == 403, answer.text
    return answer.json()["security"]


def test_the_provider_holds_pef_invoice_write_only(sdk, live):
    seal = provider_seal(PEPPOL_ID, "Dostawca PEF")
    provider = xades_login(sdk, "", PEPPOL_ID, "PeppolId", pair=seal)
    pem = sdk.security.get_public_key_certificate_pem("SymmetricKeyEncryption")
    handle = OnlineSessionWorkflow(sdk.sessions).open_session(
        form_code=PEF, public_certificate=pem, access_token=provider.access_token
    )
    assert handle.session_reference_number[9:11] == "SO"

    assert _refused(live, "POST", "/sessions/batch", provider.access_token) == {
        "requiredAnyOfPermissions": ["InvoiceWrite", "EnforcementOperations"],
        "presentPermissions": PRESENT,
    }
    assert _refused(live, "POST", "/invoices/query/metadata", provider.access_token) == {
        "requiredAnyOfPermissions": ["InvoiceRead"],
        "presentPermissions": PRESENT,
    }

    refreshed = sdk.auth.refresh_access_token(provider.refresh_token).access_token.token
    assert _refused(live, "POST", "/sessions/batch", refreshed)["presentPermissions"] == PRESENT

    with pytest.raises(RuntimeError, match=r"^Authentication failed: 415 "):
        xades_login(sdk, f"TINPL-{NIP}", PEPPOL_ID, "PeppolId")  # not the provider
