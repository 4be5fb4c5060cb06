"""Enrolment over real HTTP: the CSR data, every synchronous check code from a real CSR,
the limits, and the scenario-driven status lifecycle."""

from __future__ import annotations

import base64

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID
from ksef_client.services.workflows import AuthCoordinator

from tests.certificates.support import NIP, sdk_client, xades_login
from tests.support.auth import sample_token
from tests.support.xades import key_pair

_RSA = rsa.generate_private_key(public_exponent=65537, key_size=2048)
SUBJECT = x509.Name(
    [
        x509.NameAttribute(NameOID.COMMON_NAME, "Jan Testowy"),
        x509.NameAttribute(NameOID.SERIAL_NUMBER, f"TINPL-{NIP}"),
        x509.NameAttribute(NameOID.COUNTRY_NAME, "PL"),
    ]
)


def csr_b64(
    key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey = _RSA,
    subject: x509.Name = SUBJECT,
    algorithm: hashes.SHA224 | hashes.SHA256 | None = None,
) -> str:
    builder = x509.CertificateSigningRequestBuilder().subject_name(subject)
    csr = builder.sign(key, algorithm or hashes.SHA256())
    return base64.b64encode(csr.public_bytes(serialization.Encoding.DER)).decode()


@pytest.fixture
def access(live):
    with sdk_client(live.url) as client:
        return xades_login(client, key_pair(serial_number=f"TINPL-{NIP}"))


@pytest.fixture
def token_access(live):
    with sdk_client(live.url) as client:
        pem = client.security.get_public_key_certificate_pem("KsefTokenEncryption")
        return (
            AuthCoordinator(client.auth)
            .authenticate_with_ksef_token(
                token=sample_token(NIP),
                public_certificate=pem,
                context_identifier_type="Nip",
                context_identifier_value=NIP,
                poll_interval_seconds=0.01,
            )
            .access_token
        )


def call(live, access, method, path, **kwargs):
    headers = {"Authorization": f"Bearer {access}", **kwargs.pop("headers", {})}
    return httpx.request(method, f"{live.url}/v2{path}", headers=headers, **kwargs)


def enrol(live, access, csr, **fields):
    body = {"certificateName": "Certyfikat testowy", "certificateType": "Authentication"}
    return call(
        live, access, "POST", "/certificates/enrollments", json={**body, "csr": csr, **fields}
    )


def error(response):
    assert response.status_code == 400, response.text
    [entry] = response.json()["exception"]["exceptionDetailList"]
    return entry["exceptionCode"], entry["exceptionDescription"]


def test_enrollment_data_is_the_login_certificate_subject(live, access):
    """The DN of the self-signed login certificate, by the spec's field names."""
    response = call(live, access, "GET", "/certificates/enrollments/data")
    assert response.json() == {
        "commonName": "Jan Testowy",
        "serialNumber": f"TINPL-{NIP}",
        "countryName": "PL",
    }


def test_token_login_gets_25001_25002_and_403(live, token_access):
    """A KSeF-token login has no CSR data, may not enrol, and may not list certificates."""
    data = call(live, token_access, "GET", "/certificates/enrollments/data")
    assert error(data)[0] == 25001
    assert error(enrol(live, token_access, "not even base64", certificateName="x"))[0] == 25002
    listed = call(live, token_access, "POST", "/certificates/query")
    assert listed.status_code == 403
    assert listed.json()["reasonCode"] == "auth-method-not-allowed"
    assert listed.json()["security"] == {"authenticationMethodCategory": "Token"}


def _corrupted_signature() -> str:
    der = bytearray(base64.b64decode(csr_b64()))
    der[-1] ^= 0x01  # the last byte belongs to the signature BIT STRING
    return base64.b64encode(bytes(der)).decode()


def _certificate_not_csr() -> str:
    pem = key_pair(serial_number=f"TINPL-{NIP}").certificate_pem
    der = x509.load_pem_x509_certificate(pem.encode()).public_bytes(serialization.Encoding.DER)
    return base64.b64encode(der).decode()


@pytest.mark.parametrize(
    ("csr", "code"),
    [
        pytest.param("@@not base64@@", 25004, id="not-base64"),
        pytest.param(_certificate_not_csr(), 25004, id="certificate-not-csr"),
        pytest.param(_corrupted_signature(), 25004, id="bad-self-signature"),
        pytest.param(
            csr_b64(rsa.generate_private_key(public_exponent=65537, key_size=1024)),
            25010,
            id="rsa-1024",
        ),
        pytest.param(csr_b64(ec.generate_private_key(ec.SECP384R1())), 25010, id="ec-p384"),
        pytest.param(csr_b64(algorithm=hashes.SHA224()), 25011, id="sha224"),
        pytest.param(
            csr_b64(subject=x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Ktoś Inny")])),
            25003,
            id="other-subject",
        ),
    ],
)
def test_each_csr_check_has_its_code(live, access, csr, code):
    """Format 25004, key 25010, algorithm 25011, subject 25003: each from a real CSR."""
    assert error(enrol(live, access, csr))[0] == code


def test_check_order_key_before_algorithm_before_subject(live, access):
    """A CSR breaking the key, algorithm and subject rules at once reports the key (25010)."""
    small = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    other = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Ktoś Inny")])
    assert error(enrol(live, access, csr_b64(small, other, hashes.SHA224())))[0] == 25010
    assert error(enrol(live, access, csr_b64(_RSA, other, hashes.SHA224())))[0] == 25011


def test_schema_is_21405(live, access):
    """A name outside the pattern is 21405 (check 2, before the CSR is read)."""
    code, _ = error(enrol(live, access, "@@", certificateName="bad/name"))
    assert code == 21405


def test_ec_p256_csr_is_accepted_and_subject_order_is_free(live, access):
    """EC P-256 is allowed; the DN may come in another order."""
    reordered = x509.Name(list(reversed(list(SUBJECT))))
    filed = enrol(live, access, csr_b64(ec.generate_private_key(ec.SECP256R1()), reordered))
    assert filed.status_code == 202
    assert filed.json()["referenceNumber"][9:11] == "EH"


def test_limits_25006_then_25007_and_revoking_frees_a_slot(live, access):
    """With 1 certificate allowed the second enrolment is 25007; revoking frees the slot.
    With 2 enrolments allowed, the third is 25006."""
    limits = {"enrollment": {"maxEnrollments": 2}, "certificate": {"maxCertificates": 1}}
    call(live, access, "POST", "/testdata/limits/subject/certificate", json=limits)
    first = enrol(live, access, csr_b64()).json()["referenceNumber"]
    status = call(live, access, "GET", f"/certificates/enrollments/{first}").json()
    serial = status["certificateSerialNumber"]
    assert call(live, access, "GET", "/certificates/limits").json() == {
        "canRequest": False,
        "enrollment": {"remaining": 1, "limit": 2},
        "certificate": {"remaining": 0, "limit": 1},
    }
    assert error(enrol(live, access, csr_b64())) == (
        25007,
        "Osiągnięto limit dopuszczalnej liczby posiadanych certyfikatów.",
    )
    revoked = call(live, access, "POST", f"/certificates/{serial}/revoke", json={})
    assert revoked.status_code == 204
    again = call(live, access, "POST", f"/certificates/{serial}/revoke")
    assert error(again)[0] == 25009
    assert enrol(live, access, csr_b64()).status_code == 202
    assert error(enrol(live, access, csr_b64()))[0] == 25006


def test_unknown_enrollment_and_serial(live, access):
    """25005 for an unknown EH reference; 25008 to revoke an unknown serial."""
    unknown = call(
        live, access, "GET", "/certificates/enrollments/20261124-EH-0000000099-0000000000-00"
    )
    assert error(unknown)[0] == 25005
    assert error(call(live, access, "POST", "/certificates/0123456789ABCDEF/revoke"))[0] == 25008


HELD = """
name: enrollment-held
enrollment:
  delay: {polls: 2}
"""
REFUSED = """
name: enrollment-refused
enrollment:
  outcome: {code: 550}
"""


def _load(live, text):
    response = httpx.post(
        f"{live.url}/_mock/scenarios", content=text, headers={"Content-Type": "application/yaml"}
    )
    assert response.status_code in (200, 201), response.text


def _status(live, access, reference, scenario):
    path = f"/certificates/enrollments/{reference}"
    return call(live, access, "GET", path, headers={"X-Mock-Scenario": scenario}).json()


def test_scenario_holds_the_enrolment_for_two_polls(live, access):
    """``enrollment.delay.polls: 2``: two reads at 100, the third issues the certificate."""
    _load(live, HELD)
    headers = {"X-Mock-Scenario": "enrollment-held"}
    body = {"certificateName": "Certyfikat testowy", "certificateType": "Offline"}
    filed = call(
        live,
        access,
        "POST",
        "/certificates/enrollments",
        json={**body, "csr": csr_b64()},
        headers=headers,
    ).json()
    ref = filed["referenceNumber"]
    pending = {"code": 100, "description": "Wniosek przyjęty do realizacji"}
    assert call(live, access, "POST", "/certificates/query").json()["certificates"] == []
    for _ in range(2):
        assert _status(live, access, ref, "enrollment-held")["status"] == pending
    done = _status(live, access, ref, "enrollment-held")
    assert done["status"] == {
        "code": 200,
        "description": "Wniosek obsłużony (certyfikat wygenerowany)",
    }
    assert done["requestDate"] == filed["timestamp"]
    [item] = call(live, access, "POST", "/certificates/query").json()["certificates"]
    assert item["certificateSerialNumber"] == done["certificateSerialNumber"]


def test_scenario_forces_550(live, access):
    """``enrollment.outcome.code: 550``: no certificate, the spec's details."""
    _load(live, REFUSED)
    body = {"certificateName": "Certyfikat testowy", "certificateType": "Offline"}
    ref = call(
        live,
        access,
        "POST",
        "/certificates/enrollments",
        json={**body, "csr": csr_b64()},
        headers={"X-Mock-Scenario": "enrollment-refused"},
    ).json()["referenceNumber"]
    assert _status(live, access, ref, "enrollment-refused") == {
        "requestDate": "2026-11-24T09:00:00.000000+00:00",
        "status": {
            "code": 550,
            "description": "Operacja została anulowana przez system",
            "details": [
                "Przetwarzanie zostało przerwane z przyczyn wewnętrznych systemu. Spróbuj ponownie"
            ],
        },
    }
    assert call(live, access, "POST", "/certificates/query").json()["certificates"] == []


def test_same_key_for_another_identity_is_refused_400(live):
    """A public key already certified for another identity: status 400 with its detail."""
    other_nip = "1111111111"
    with sdk_client(live.url) as client:
        first = xades_login(client, key_pair(serial_number=f"TINPL-{NIP}"))
        second = xades_login(client, key_pair(serial_number=f"TINPL-{other_nip}"), other_nip)
    one = enrol(live, first, csr_b64()).json()["referenceNumber"]
    assert (
        call(live, first, "GET", f"/certificates/enrollments/{one}").json()["status"]["code"] == 200
    )
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, "Jan Testowy"),
            x509.NameAttribute(NameOID.SERIAL_NUMBER, f"TINPL-{other_nip}"),
            x509.NameAttribute(NameOID.COUNTRY_NAME, "PL"),
        ]
    )
    two = enrol(live, second, csr_b64(subject=subject)).json()["referenceNumber"]
    assert call(live, second, "GET", f"/certificates/enrollments/{two}").json()["status"] == {
        "code": 400,
        "description": "Wniosek odrzucony",
        "details": ["Klucz publiczny został już certyfikowany przez inny podmiot."],
    }
