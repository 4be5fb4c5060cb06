"""The unmodified ``ksef-client`` enrols a KSeF certificate, logs in with it, revokes it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from ksef_client import models
from ksef_client.services.xades import XadesKeyPair

from tests.certificates.support import NIP, enroll, sdk_client, xades_login
from tests.support.xades import key_pair


@pytest.fixture
def sdk(live):
    with sdk_client(live.url) as client:
        yield client


def test_enrol_login_revoke(sdk, live, keyring):
    """Enrol from the SDK's CSR; the certificate chains to the exported CA; a login with it
    is InternalCertificate; after revoking, the login ends 460 "Certyfikat odwołany"."""
    access = xades_login(sdk, key_pair(serial_number=f"TINPL-{NIP}"))
    issued = enroll(sdk, access)
    cert = issued.certificate
    cert.verify_directly_issued_by(keyring.ca.certificate)
    assert cert.serial_number >> 63 == 0
    assert len(issued.serial) == 16
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.digital_signature
    assert not usage.content_commitment
    assert (cert.not_valid_after_utc.year - cert.not_valid_before_utc.year) == 2

    second = xades_login(sdk, issued.pair)
    info = httpx.get(
        f"{live.url}/v2/auth/sessions", headers={"Authorization": f"Bearer {second}"}
    ).json()
    assert info["items"][0]["authenticationMethod"] == "InternalCertificate"
    listed = httpx.post(
        f"{live.url}/v2/certificates/query", headers={"Authorization": f"Bearer {second}"}
    ).json()["certificates"]
    assert [c["certificateSerialNumber"] for c in listed] == [issued.serial]
    assert listed[0]["status"] == "Active"
    assert "lastUseDate" in listed[0]

    sdk.certificates.revoke_certificate(
        issued.serial, models.RevokeCertificateRequest(), access_token=second
    )
    with pytest.raises(RuntimeError) as failed:
        xades_login(sdk, issued.pair)
    assert str(failed.value) == failure("Certyfikat odwołany")


def failure(detail: str) -> str:
    """The SDK's message for a login that ended 460 with ``detail``."""
    return (
        "Authentication failed: 460 Uwierzytelnianie zakończone niepowodzeniem z powodu "
        f"błędu certyfikatu Details: {detail}"
    )


def test_offline_certificate_cannot_log_in(sdk):
    """An Offline certificate "nie umożliwia uwierzytelnienia": 460 Niepoprawny certyfikat."""
    access = xades_login(sdk, key_pair(serial_number=f"TINPL-{NIP}"))
    issued = enroll(sdk, access, "Offline")
    usage = issued.certificate.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.content_commitment
    assert not usage.digital_signature
    with pytest.raises(RuntimeError) as failed:
        xades_login(sdk, issued.pair)
    assert str(failed.value) == failure("Niepoprawny certyfikat")


def test_expired_by_testdata_then_460(sdk, live, clock):
    """``PUT /testdata/certificates/{serial}`` moves validTo into the past: Expired, 460
    "Nieważny certyfikat"; a later date than the current one is 21405."""
    access = xades_login(sdk, key_pair(serial_number=f"TINPL-{NIP}"))
    issued = enroll(sdk, access)
    headers = {"Authorization": f"Bearer {access}"}
    url = f"{live.url}/v2/testdata/certificates/{issued.serial}"
    later = httpx.put(url, json={"validTo": "2099-01-01T00:00:00Z"}, headers=headers)
    assert later.status_code == 400
    assert later.json()["exception"]["exceptionDetailList"][0]["exceptionCode"] == 21405
    sdk.testdata.update_certificate(
        issued.serial,
        models.TestDataUpdateCertificateRequest(valid_to="2026-11-24T09:01:00Z"),
        access_token=access,
    )
    clock.shift(timedelta(minutes=2))
    [item] = httpx.post(f"{live.url}/v2/certificates/query", headers=headers).json()["certificates"]
    assert (item["status"], item["validTo"]) == ("Expired", "2026-11-24T09:01:00.000000+00:00")
    with pytest.raises(RuntimeError) as failed:
        xades_login(sdk, issued.pair)
    assert str(failed.value) == failure("Nieważny certyfikat")
    unknown = httpx.put(
        f"{live.url}/v2/testdata/certificates/0123456789ABCDEF",
        json={"validTo": "2026-11-24T09:01:00Z"},
        headers=headers,
    )
    assert unknown.json()["exception"]["exceptionDetailList"][0]["exceptionCode"] == 25008


@pytest.mark.parametrize("signed_by_ca", [True, False], ids=["unregistered", "forged"])
def test_unknown_certificate_of_the_ca_is_invalid(sdk, keyring, signed_by_ca):
    """A certificate naming the mock CA as issuer but not in its registry (really signed by
    the CA, or signed by another key): 460 "Niepoprawny certyfikat"."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, "Jan Testowy"),
            x509.NameAttribute(NameOID.SERIAL_NUMBER, f"TINPL-{NIP}"),
            x509.NameAttribute(NameOID.COUNTRY_NAME, "PL"),
        ]
    )
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(keyring.ca.certificate.subject)
        .public_key(key.public_key())
        .serial_number(0x0123456789ABCDEF)
        .not_valid_before(datetime(2026, 1, 1, tzinfo=UTC))
        .not_valid_after(datetime(2028, 1, 1, tzinfo=UTC))
        .sign(keyring.ca.private_key if signed_by_ca else key, hashes.SHA256())
    )
    pair = XadesKeyPair(
        certificate_pem=cert.public_bytes(serialization.Encoding.PEM).decode(),
        private_key_pem=key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode(),
    )
    with pytest.raises(RuntimeError) as failed:
        xades_login(sdk, pair)
    assert str(failed.value) == failure("Niepoprawny certyfikat")
