"""Log in to the mock the way clients do, for tests of everything behind authentication.

* :func:`login_with_ksef_token` drives the Flask test client through challenge,
  ``/auth/ksef-token``, status polling and redeem (real RSA-OAEP);
* :func:`login_live` drives the unmodified ``ksef-client`` SDK against a live server.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from mock_ksef.crypto.envelope import rsa_oaep_encrypt

API = "/v2"
#: A KSeF token in the shape ``POST /tokens`` returns: reference | context | secret.
SAMPLE_TOKEN_REFERENCE = "20251010-EC-1DCE3E3000-12ECB5B36E-45"


def sample_token(nip: str) -> str:
    """A KSeF token for context ``nip`` in the real ``REF|context|secret`` shape."""
    return f"{SAMPLE_TOKEN_REFERENCE}|nip-{nip}|919f70aa9b1c4d2e8f00"


@dataclass(frozen=True)
class Login:
    """Everything a full KSeF-token login produced."""

    reference: str
    authentication_token: str
    access_token: str
    refresh_token: str


def ksef_token_public_key(client: FlaskClient) -> tuple[str, rsa.RSAPublicKey]:
    """The published ``KsefTokenEncryption`` key: its ``publicKeyId`` and RSA public key."""
    entries = body(client.get(f"{API}/security/public-key-certificates"))
    entry = next(e for e in entries if "KsefTokenEncryption" in e["usage"])
    cert = x509.load_der_x509_certificate(base64.b64decode(entry["certificate"]))
    key = cert.public_key()
    assert isinstance(key, rsa.RSAPublicKey)
    return entry["publicKeyId"], key


def encrypt_token(key: rsa.RSAPublicKey, token: str, timestamp_ms: int) -> str:
    """``encryptedToken``: Base64 RSA-OAEP-SHA-256 of ``token|timestampMs``."""
    return base64.b64encode(rsa_oaep_encrypt(key, f"{token}|{timestamp_ms}".encode())).decode()


def body(response: TestResponse) -> Any:
    """The JSON body of a test-client response (``Any`` for convenient indexing)."""
    return response.get_json()


def bearer(token: str) -> dict[str, str]:
    """An ``Authorization`` header."""
    return {"Authorization": f"Bearer {token}"}


def start_ksef_token_auth(
    client: FlaskClient,
    nip: str,
    *,
    token: str | None = None,
    context: dict[str, str] | None = None,
) -> tuple[str, str]:
    """Challenge and ``POST /auth/ksef-token``; returns (AU reference, operation token)."""
    challenge = body(client.post(f"{API}/auth/challenge"))
    key_id, key = ksef_token_public_key(client)
    request = {
        "challenge": challenge["challenge"],
        "contextIdentifier": context or {"type": "Nip", "value": nip},
        "encryptedToken": encrypt_token(key, token or sample_token(nip), challenge["timestampMs"]),
        "publicKeyId": key_id,
    }
    response = client.post(f"{API}/auth/ksef-token", json=request)
    assert response.status_code == 202, response.get_data(as_text=True)
    init = body(response)
    return init["referenceNumber"], init["authenticationToken"]["token"]


def full_login(client: FlaskClient, nip: str, *, token: str | None = None) -> Login:
    """A complete KSeF-token login through the Flask test client."""
    reference, op_token = start_ksef_token_auth(client, nip, token=token)
    for _ in range(20):
        status = client.get(f"{API}/auth/{reference}", headers=bearer(op_token))
        assert status.status_code == 200, status.get_data(as_text=True)
        if body(status)["status"]["code"] != 100:
            break
    assert body(status)["status"]["code"] == 200, status.json
    redeemed = client.post(f"{API}/auth/token/redeem", headers=bearer(op_token))
    assert redeemed.status_code == 200, redeemed.get_data(as_text=True)
    tokens = body(redeemed)
    return Login(
        reference, op_token, tokens["accessToken"]["token"], tokens["refreshToken"]["token"]
    )


def login_with_ksef_token(client: FlaskClient, nip: str) -> str:
    """Log in to context ``Nip:nip`` with a KSeF token; returns an access token."""
    return full_login(client, nip).access_token


def login_live(base_url: str, nip: str) -> str:
    """Log in over HTTP with the unmodified ``ksef-client`` SDK; returns an access token."""
    from ksef_client import KsefClient, KsefClientOptions

    from tests.support.sdk import login

    with KsefClient(KsefClientOptions(base_url=base_url)) as sdk:
        return login(sdk, nip)
