"""``GET /peppol/query``: providers register at their first login with their seal."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509.oid import NameOID
from ksef_client.services.xades import XadesKeyPair

from tests.collective.support import error
from tests.http.test_auth_xades import challenge, post, status_of
from tests.support.auth import bearer
from tests.support.principal import access_token
from tests.support.xades import _KEY, ORGANIZATION_IDENTIFIER, sign, unsigned_request

QUERY = "/v2/peppol/query"


def provider_seal(peppol_id: str, name: str) -> XadesKeyPair:
    """The seal of the C# PEF suite: O = name, CN = organizationIdentifier = the PeppolId."""
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, peppol_id),
            x509.NameAttribute(ORGANIZATION_IDENTIFIER, peppol_id),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, name),
            x509.NameAttribute(NameOID.COUNTRY_NAME, "PL"),
        ]
    )
    start = datetime(2025, 1, 1, tzinfo=UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(_KEY.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + timedelta(days=3650))
        .sign(_KEY, hashes.SHA256())
    )
    return XadesKeyPair(
        certificate_pem=cert.public_bytes(serialization.Encoding.PEM).decode(),
        private_key_pem=_KEY.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode(),
    )


def provider_login(client, peppol_id: str, name: str) -> dict[str, Any]:
    document = unsigned_request(challenge(client), peppol_id, context_type="PeppolId")
    return status_of(client, post(client, sign(document, provider_seal(peppol_id, name))))


def test_a_provider_appears_after_its_first_login_and_only_once(client, clock):
    assert client.get(QUERY).json == {"peppolProviders": [], "hasMore": False}
    assert provider_login(client, "PPL123456", "Dostawca A")["status"]["code"] == 200
    clock.shift(timedelta(minutes=1))
    assert provider_login(client, "PPL123456", "Dostawca A (nowa nazwa)")["status"]["code"] == 200
    assert client.get(QUERY).json == {
        "peppolProviders": [
            {
                "id": "PPL123456",
                "name": "Dostawca A",
                "dateCreated": "2026-11-24T09:00:00.000000+00:00",
            }
        ],
        "hasMore": False,
    }


def test_providers_page_newest_first_then_by_id(client, clock):
    for n in range(12):
        if n % 2 == 0:
            clock.shift(timedelta(seconds=1))
        provider_login(client, f"PPL{n:06d}", f"Dostawca {n}")
    first = client.get(QUERY, query_string={"pageSize": 10}).json
    second = client.get(QUERY, query_string={"pageSize": 10, "pageOffset": 1}).json
    ids = [p["id"] for p in first["peppolProviders"] + second["peppolProviders"]]
    expected = [f"PPL{n:06d}" for pair in range(5, -1, -1) for n in (2 * pair, 2 * pair + 1)]
    assert ids == expected
    assert (first["hasMore"], second["hasMore"]) == (True, False)


def test_a_bearer_sent_along_is_ignored(app, client):
    headers = bearer(access_token(app, "5265877635"))
    assert client.get(QUERY, headers=headers).status_code == 200


def test_a_seal_of_another_id_registers_nothing(client):
    document = unsigned_request(challenge(client), "PPL000001", context_type="PeppolId")
    response = post(client, sign(document, provider_seal("PPL999999", "Obcy")))
    assert error(response)[0] == 21117  # the seal names no subject of this context
    assert client.get(QUERY).json["peppolProviders"] == []


@pytest.mark.parametrize(
    ("params", "detail"),
    [
        ({"pageSize": 9}, "pageSize: wartość 9 spoza zakresu 10..100."),
        ({"pageSize": 101}, "pageSize: wartość 101 spoza zakresu 10..100."),
        ({"pageOffset": -1}, "pageOffset: '-1' — oczekiwano liczby całkowitej ≥ 0."),
    ],
)
def test_bad_paging_is_21405(client, params, detail):
    assert error(client.get(QUERY, query_string=params)) == (
        21405,
        "Błąd walidacji danych wejściowych.",
        [detail],
    )
