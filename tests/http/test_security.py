"""``GET /security/public-key-certificates``."""

from __future__ import annotations

import base64
import hashlib

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa


def test_publishes_one_rsa_certificate_per_usage(client, keyring):
    """Both usages are published with ids computed from the certificate and its key."""
    response = client.get("/v2/security/public-key-certificates")
    assert response.status_code == 200
    by_usage = {item["usage"][0]: item for item in response.json}
    assert sorted(by_usage) == ["KsefTokenEncryption", "SymmetricKeyEncryption"]
    for item in by_usage.values():
        der = base64.b64decode(item["certificate"])
        cert = x509.load_der_x509_certificate(der)
        spki = cert.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        assert item["certificateId"] == base64.b64encode(hashlib.sha256(der).digest()).decode()
        assert item["publicKeyId"] == base64.b64encode(hashlib.sha256(spki).digest()).decode()
        public_key = cert.public_key()
        assert isinstance(public_key, rsa.RSAPublicKey)
        assert public_key.key_size >= 2048
    assert by_usage["SymmetricKeyEncryption"]["publicKeyId"] == keyring.symmetric_key.public_key_id


def test_served_under_both_prefixes(client):
    """The same document is served under /v2 and /api/v2."""
    assert (
        client.get("/api/v2/security/public-key-certificates").json
        == client.get("/v2/security/public-key-certificates").json
    )


def test_public_key_ids_are_exactly_44_characters(client, openapi):
    """API 2.8.0: ``publicKeyId`` is exactly 44 characters (Base64 of a SHA-256, one ``=``)."""
    schema = openapi.document["components"]["schemas"]["PublicKeyCertificate"]
    assert (
        schema["properties"]["publicKeyId"]["minLength"],
        schema["properties"]["publicKeyId"]["maxLength"],
    ) == (44, 44)
    ids = [item["publicKeyId"] for item in client.get("/v2/security/public-key-certificates").json]
    assert [(len(i), i.endswith("="), len(base64.b64decode(i, validate=True))) for i in ids] == [
        (44, True, 32)
    ] * 2
