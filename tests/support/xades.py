"""Self-signed signing certificates and signed ``AuthTokenRequest`` documents for tests.

Signing uses the ``ksef-client`` SDK's own XAdES code (``sign_xades_enveloped``).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from ksef_client.services.auth import build_auth_token_request_xml
from ksef_client.services.xades import XadesKeyPair, sign_xades_enveloped

ORGANIZATION_IDENTIFIER = x509.ObjectIdentifier("2.5.4.97")
_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def key_pair(
    *,
    serial_number: str | None = None,
    organization_identifier: str | None = None,
    not_before: datetime | None = None,
    days: int = 3650,
    key: rsa.RSAPrivateKey = _KEY,
) -> XadesKeyPair:
    """A self-signed certificate (RSA-2048, the module's key unless ``key``) with the given
    subject identifiers."""
    attributes = [x509.NameAttribute(NameOID.COMMON_NAME, "Jan Testowy")]
    if serial_number:
        attributes.append(x509.NameAttribute(NameOID.SERIAL_NUMBER, serial_number))
    if organization_identifier:
        attributes.append(x509.NameAttribute(ORGANIZATION_IDENTIFIER, organization_identifier))
    attributes.append(x509.NameAttribute(NameOID.COUNTRY_NAME, "PL"))
    name = x509.Name(attributes)
    start = not_before or datetime(2025, 1, 1, tzinfo=UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + timedelta(days=days))
        .sign(key, hashes.SHA256())
    )
    return XadesKeyPair(
        certificate_pem=cert.public_bytes(serialization.Encoding.PEM).decode(),
        private_key_pem=key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode(),
    )


def unsigned_request(
    challenge: str,
    nip: str,
    *,
    context_type: str = "Nip",
    subject_type: str = "certificateSubject",
    version: str = "2.1",
) -> str:
    """An ``AuthTokenRequest`` as the SDK builds it."""
    return build_auth_token_request_xml(
        challenge=challenge,
        context_identifier_type=context_type,
        context_identifier_value=nip,
        subject_identifier_type=subject_type,
        schema_version=version,
    )


def sign(xml: str, pair: XadesKeyPair) -> str:
    """Sign ``xml`` (enveloped XAdES-BES) with the SDK."""
    return str(sign_xades_enveloped(xml, pair.certificate_pem, pair.private_key_pem))
