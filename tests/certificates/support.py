"""Helpers for the KSeF-certificate tests: SDK logins, CSRs and enrolments."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from ksef_client import KsefClient, KsefClientOptions
from ksef_client.models import (
    EnrollCertificateRequest,
    KsefCertificateType,
    RetrieveCertificatesRequest,
)
from ksef_client.services.csr import generate_csr_ec, generate_csr_rsa
from ksef_client.services.workflows import AuthCoordinator
from ksef_client.services.xades import XadesKeyPair

NIP = "5265877635"


@contextmanager
def sdk_client(url: str) -> Iterator[KsefClient]:
    """The unmodified ``ksef-client`` pointed at the mock (QR links too)."""
    with KsefClient(KsefClientOptions(base_url=url, base_qr_url=url)) as client:
        yield client


def xades_login(
    client: KsefClient,
    pair: XadesKeyPair,
    nip: str = NIP,
    subject_type: str = "certificateSubject",
) -> str:
    """A XAdES login with the SDK: the access token."""
    result = AuthCoordinator(client.auth).authenticate_with_xades_key_pair(
        key_pair=pair,
        context_identifier_type="Nip",
        context_identifier_value=nip,
        subject_identifier_type=subject_type,
        poll_interval_seconds=0.01,
        max_attempts=3,
    )
    return str(result.access_token)


@dataclass(frozen=True)
class Issued:
    """An enrolled certificate: its serial, PEM and the key pair to sign with."""

    serial: str
    certificate: x509.Certificate
    pair: XadesKeyPair


def enroll(
    client: KsefClient,
    access: str,
    certificate_type: str = "Authentication",
    name: str = "Moj certyfikat",
    *,
    ec_key: bool = False,
) -> Issued:
    """Enrol through the SDK (its CSR helper, the data endpoint), poll once, retrieve."""
    data = client.certificates.get_enrollment_data(access).to_dict()
    csr = generate_csr_ec(data) if ec_key else generate_csr_rsa(data)
    filed = client.certificates.send_enrollment(
        EnrollCertificateRequest(
            certificate_name=name,
            certificate_type=KsefCertificateType(certificate_type),
            csr=csr.csr_base64,
        ),
        access_token=access,
    )
    status = client.certificates.get_enrollment_status(
        str(filed.reference_number), access_token=access
    )
    assert status.status.code == 200, status
    serial = str(status.certificate_serial_number)
    [item] = client.certificates.retrieve_certificate(
        RetrieveCertificatesRequest(certificate_serial_numbers=[serial]), access_token=access
    ).certificates
    certificate = x509.load_der_x509_certificate(base64.b64decode(item.certificate))
    key = serialization.load_der_private_key(base64.b64decode(csr.private_key_base64), None)
    pair = XadesKeyPair(
        certificate_pem=certificate.public_bytes(serialization.Encoding.PEM).decode(),
        private_key_pem=key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode(),
    )
    return Issued(serial, certificate, pair)
