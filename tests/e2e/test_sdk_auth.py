"""Unmodified SDKs log in to a live mock: ``ksef-client`` (KSeF token and XAdES) and
``ksef2-0-python`` (XAdES signed by endesive)."""

from __future__ import annotations

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from ksef.sdk.authksef import AUTHCERT
from ksef.sdk.ksefsdk import KSEFSDK
from ksef_client.services.workflows import AuthCoordinator

from tests.support.auth import login_live, sample_token
from tests.support.exceptions import exception_details
from tests.support.nips import NIP
from tests.support.xades import key_pair


def test_ksef_token_login_then_refresh(sdk):
    pem = sdk.security.get_public_key_certificate_pem("KsefTokenEncryption")
    result = AuthCoordinator(sdk.auth).authenticate_with_ksef_token(
        token=sample_token(NIP),
        public_certificate=pem,
        context_identifier_type="Nip",
        context_identifier_value=NIP,
        poll_interval_seconds=0.01,
    )
    assert result.reference_number[9:11] == "AU"
    refreshed = sdk.auth.refresh_access_token(result.refresh_token)
    assert refreshed.access_token.token
    sessions = sdk.auth.get_active_sessions(access_token=refreshed.access_token.token)
    assert [s.reference_number for s in sessions.items] == [result.reference_number]
    sdk.auth.revoke_current_session(result.access_token)


@pytest.mark.parametrize(
    "pair",
    [
        key_pair(serial_number=f"TINPL-{NIP}"),
        key_pair(organization_identifier=f"VATPL-{NIP}"),
    ],
    ids=["person", "seal"],
)
def test_xades_login_with_self_signed_certificate(sdk, pair):
    result = AuthCoordinator(sdk.auth).authenticate_with_xades_key_pair(
        key_pair=pair,
        context_identifier_type="Nip",
        context_identifier_value=NIP,
        subject_identifier_type="certificateSubject",
        poll_interval_seconds=0.01,
    )
    assert result.access_token
    status = sdk.auth.get_auth_status(result.reference_number, result.authentication_token)
    assert status.status.code == 200


def test_login_live_helper(live):
    assert login_live(live.url, NIP).count(".") == 2
    assert login_live(f"{live.url}/api/v2", NIP)


def test_ksef2_0_python_logs_in_with_its_endesive_xades(live):
    """``ksef2-0-python`` (PyPI), unmodified: its constructor signs with endesive (XPath
    transform ``not(ancestor-or-self::ds:Signature)``), polls and redeems; then a session."""
    pair = key_pair(serial_number=f"TINPL-{NIP}")
    key = serialization.load_pem_private_key(pair.private_key_pem.encode(), None)
    cert = x509.load_pem_x509_certificate(pair.certificate_pem.encode())
    sdk = KSEFSDK(url=live.url, nip=NIP, A=AUTHCERT(p12pk=key, p12pc=cert), unittest=True)
    access = sdk._access_token  # the SDK keeps its tokens private and exposes no getter
    assert access.count(".") == 2
    sdk.start_session()
    assert sdk._sessionreferencenumber[9:11] == "SO"
    sdk.close_session()
    sdk.session_terminate()
    refresh = sdk._authenticationtoken  # after redeem the SDK keeps the refresh token here
    revoked = httpx.post(
        f"{live.url}/v2/auth/token/refresh", headers={"Authorization": f"Bearer {refresh}"}
    )
    [entry] = exception_details(revoked)
    assert entry["exceptionCode"] == 21301
