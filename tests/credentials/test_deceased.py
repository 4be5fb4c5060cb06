"""A person ``/testdata/person`` declares deceased (``isDeceased``) can no longer log in:
auth status 470 for a KSeF token they authored (issued by the mock or the permissive
official shape) and for their certificate; a login made before fails its refresh with
400 21308 (BRIEF-ADMIN 3.6). Real HTTP through the unmodified ``ksef-client``."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from ksef_client.exceptions import KsefApiError
from ksef_client.models import GenerateTokenRequest

from tests.support.auth import sample_token
from tests.support.nips import NIP
from tests.support.sdk import token_login, xades_login

PESEL = "90010112301"
DECEASED = r"470 .*Próba wykorzystania metod autoryzacyjnych osoby zmarłej$"


def _declare_deceased(live, nip: str = NIP) -> None:
    body = {
        "nip": nip,
        "pesel": PESEL,
        "isBailiff": False,
        "isDeceased": True,
        "description": "Osoba zmarła",
    }
    assert httpx.post(f"{live.url}/v2/testdata/person", json=body).status_code == 200


def test_a_deceased_authors_tokens_and_certificates_fail_with_470(sdk, live):
    owner = xades_login(sdk, f"TINPL-{NIP}", NIP)
    request = GenerateTokenRequest.from_dict(
        {"permissions": ["InvoiceRead"], "description": "Token zmarłego"}
    )
    issued = sdk.tokens.generate_token(request, access_token=owner.access_token).token
    assert token_login(sdk, issued, NIP).access_token  # alive: fine

    _declare_deceased(live)
    with pytest.raises(RuntimeError, match=f"^Authentication failed: {DECEASED}"):
        token_login(sdk, issued, NIP)
    with pytest.raises(RuntimeError, match=f"^Authentication failed: {DECEASED}"):
        token_login(sdk, sample_token(NIP), NIP)  # the permissive owner token of the NIP
    with pytest.raises(RuntimeError, match=f"^Authentication failed: {DECEASED}"):
        xades_login(sdk, f"TINPL-{NIP}", NIP)
    with pytest.raises(RuntimeError, match=f"^Authentication failed: {DECEASED}"):
        xades_login(sdk, f"PNOPL-{PESEL}", NIP)  # the PESEL linked to that NIP

    with pytest.raises(KsefApiError) as refused:
        sdk.auth.refresh_access_token(owner.refresh_token)  # logged in while alive
    assert refused.value.status_code == 400
    body: Any = refused.value.response_body
    assert body["exception"]["exceptionDetailList"] == [
        {
            "exceptionCode": 21308,
            "exceptionDescription": "Próba wykorzystania metod autoryzacyjnych osoby zmarłej.",
            "details": ["Próba wykorzystania metod autoryzacyjnych osoby zmarłej."],
        }
    ]


def test_a_living_person_of_another_nip_is_unaffected(sdk, live):
    _declare_deceased(live, "8880000047")
    assert xades_login(sdk, f"TINPL-{NIP}", NIP).access_token
