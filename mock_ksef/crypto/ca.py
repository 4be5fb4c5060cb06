"""The mock's issuing CA for KSeF certificates: its own certificate, issuing, chain checks.

KSeF certificates (``POST /certificates/enrollments``) are real X.509 certificates signed
by this CA. Its key pair is one of the mock's keys (:mod:`mock_ksef.crypto.keys`, file
``ksef-ca.pem``), made once per state folder and exported by ``mock-ksef keys export``,
so a client can chain the certificates it receives to it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

CA_COMMON_NAME = "mock-ksef KSeF Certificate Authority"
AUTHENTICATION = "Authentication"
OFFLINE = "Offline"


def ca_name() -> x509.Name:
    """The CA's subject (and the issuer of every KSeF certificate)."""
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, CA_COMMON_NAME),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Ministerstwo Finansów (mock-ksef)"),
            x509.NameAttribute(NameOID.COUNTRY_NAME, "PL"),
        ]
    )


def build_ca_certificate(
    key: rsa.RSAPrivateKey, serial: int, valid_from: datetime, valid_to: datetime
) -> x509.Certificate:
    """A self-signed CA certificate (basicConstraints CA, keyCertSign and cRLSign)."""
    name = ca_name()
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(serial)
        .not_valid_before(valid_from)
        .not_valid_after(valid_to)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_usage(key_cert_sign=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )


@dataclass(frozen=True)
class IssueOrder:
    """What goes into one KSeF certificate besides the CSR's subject and key."""

    serial: int
    certificate_type: str  # Authentication | Offline
    valid_from: datetime
    valid_to: datetime


def issue(
    ca_key: rsa.RSAPrivateKey,
    ca_certificate: x509.Certificate,
    csr: x509.CertificateSigningRequest,
    order: IssueOrder,
) -> x509.Certificate:
    """Sign a certificate for ``csr``'s subject and public key.

    keyUsage (critical) is digitalSignature for an Authentication certificate and
    nonRepudiation for an Offline one (``certyfikaty-KSeF.md``); the subject is the CSR's,
    verbatim, so a later login maps to the same identity.
    """
    offline = order.certificate_type == OFFLINE
    public_key = csr.public_key()
    return (
        x509.CertificateBuilder()
        .subject_name(csr.subject)
        .issuer_name(ca_certificate.subject)
        .public_key(public_key)
        .serial_number(order.serial)
        .not_valid_before(order.valid_from)
        .not_valid_after(order.valid_to)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            _usage(digital_signature=not offline, content_commitment=offline), critical=True
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )


def claims_ca(certificate: x509.Certificate, ca_certificate: x509.Certificate) -> bool:
    """Whether ``certificate`` names the mock CA as its issuer."""
    return certificate.issuer == ca_certificate.subject


def signed_by_ca(certificate: x509.Certificate, ca_certificate: x509.Certificate) -> bool:
    """Whether the CA's key really signed ``certificate``."""
    try:
        certificate.verify_directly_issued_by(ca_certificate)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def _usage(
    *,
    digital_signature: bool = False,
    content_commitment: bool = False,
    key_cert_sign: bool = False,
) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=digital_signature,
        content_commitment=content_commitment,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=key_cert_sign,
        crl_sign=key_cert_sign,
        encipher_only=False,
        decipher_only=False,
    )
