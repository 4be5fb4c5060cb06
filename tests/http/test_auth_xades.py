"""XAdES login over HTTP with real signatures (the SDK's signer, self-signed certificates)."""

from __future__ import annotations

import base64
import hashlib
import re
from datetime import UTC, datetime
from typing import Any

import pytest

from mock_ksef.http.context import services
from tests.http.test_auth import assert_error
from tests.support.auth import API, bearer, body
from tests.support.nips import NIP
from tests.support.xades import key_pair, sign, unsigned_request

XML = {"Content-Type": "application/xml"}
PERSON = key_pair(serial_number=f"TINPL-{NIP}")
SEAL = key_pair(organization_identifier=f"VATPL-{NIP}")
ANONYMOUS = key_pair()


def challenge(client) -> str:
    return str(body(client.post(f"{API}/auth/challenge"))["challenge"])


def post(client, document: str | bytes, query: str = ""):
    data = document.encode() if isinstance(document, str) else document
    return client.post(f"{API}/auth/xades-signature{query}", data=data, headers=XML)


def status_of(client, response) -> dict[str, Any]:
    assert response.status_code == 202, response.get_data(as_text=True)
    init = body(response)
    got = client.get(
        f"{API}/auth/{init['referenceNumber']}",
        headers=bearer(init["authenticationToken"]["token"]),
    )
    return dict(body(got))


@pytest.mark.parametrize("version", ["2.0", "2.1"])
def test_person_signature_login(client, version):
    signed = sign(unsigned_request(challenge(client), NIP, version=version), PERSON)
    response = post(client, signed)
    status = status_of(client, response)
    assert status["status"]["code"] == 200
    assert status["authenticationMethod"] == "QualifiedSignature"
    assert status["authenticationMethodInfo"] == {
        "category": "XadesSignature",
        "code": "xades.qualified-signature",
        "displayName": "Podpis kwalifikowany",
    }
    op = services(client.application).repos.get_auth(body(response)["referenceNumber"])
    assert op is not None
    assert op.subject == {"type": "Nip", "value": NIP}
    expected = base64.b64encode(hashlib.sha256(signed.encode()).digest()).decode()
    assert op.auth_document_hash == expected


def test_seal_login_and_redeem(client):
    response = post(client, sign(unsigned_request(challenge(client), NIP), SEAL))
    status = status_of(client, response)
    assert status["authenticationMethod"] == "QualifiedSeal"
    assert status["authenticationMethodInfo"]["code"] == "xades.qualified-seal"
    token = body(response)["authenticationToken"]["token"]
    assert client.post(f"{API}/auth/token/redeem", headers=bearer(token)).status_code == 200


def test_fingerprint_subject(client):
    document = unsigned_request(challenge(client), NIP, subject_type="certificateFingerprint")
    response = post(client, sign(document, ANONYMOUS))
    assert status_of(client, response)["status"]["code"] == 200
    op = services(client.application).repos.get_auth(body(response)["referenceNumber"])
    assert op is not None
    assert op.subject["type"] == "Fingerprint"
    assert re.fullmatch(r"[0-9A-F]{64}", op.subject["value"])


def test_certificate_subject_without_identifier_is_21117(client):
    response = post(client, sign(unsigned_request(challenge(client), NIP), ANONYMOUS))
    assert_error(
        response, 21117, "Nieprawidłowy identyfikator podmiotu dla wskazanego typu kontekstu."
    )


def test_tampered_document_is_9105(client):
    signed = sign(unsigned_request(challenge(client), NIP), PERSON)
    tampered = signed.replace(f"<Nip>{NIP}</Nip>", "<Nip>1111111111</Nip>")
    assert tampered != signed
    entry = assert_error(post(client, tampered), 9105, "Nieprawidłowy podpis.")
    assert entry["details"]


def test_tampered_signature_value_is_9105(client):
    signed = sign(unsigned_request(challenge(client), NIP), PERSON)
    value = re.search(r"<ds:SignatureValue>([^<]+)</ds:SignatureValue>", signed)
    assert value is not None
    raw = bytearray(base64.b64decode(value.group(1)))
    raw[0] ^= 0xFF
    tampered = signed.replace(value.group(1), base64.b64encode(bytes(raw)).decode())
    assert_error(post(client, tampered), 9105, "Nieprawidłowy podpis.")


def test_no_signature_is_9102(client):
    assert_error(post(client, unsigned_request(challenge(client), NIP)), 9102, "Brak podpisu.")


def test_two_signatures_is_9103(client):
    signed = sign(unsigned_request(challenge(client), NIP), PERSON)
    start = signed.index("<ds:Signature")
    end = signed.index("</ds:Signature>") + len("</ds:Signature>")
    block = signed[start:end].replace('Id="Signature"', 'Id="Signature2"')
    doubled = signed[:end] + block + signed[end:]
    assert_error(post(client, doubled), 9103, "Przekroczona liczba dozwolonych podpisów.")


def test_certificate_missing_is_21115(client):
    signed = sign(unsigned_request(challenge(client), NIP), PERSON)
    stripped = re.sub(r"<ds:X509Certificate>[^<]+</ds:X509Certificate>", "", signed)
    assert_error(post(client, stripped), 21115, "Nieprawidłowy certyfikat.")


@pytest.mark.parametrize("document", [b"", b"<AuthTokenRequest", b"not xml at all"])
def test_unreadable_is_21001(client, document):
    assert_error(post(client, document), 21001, "Nieczytelna treść.")


def test_entities_are_not_expanded(client):
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        b'<AuthTokenRequest xmlns="http://ksef.mf.gov.pl/auth/token/2.1">&b;</AuthTokenRequest>'
    )
    entry = assert_error(post(client, bomb), 21001, "Nieczytelna treść.")
    assert entry["details"] == ["Deklaracja DOCTYPE nie jest dozwolona."]


def test_non_utf8_is_21217(client):
    document = '<?xml version="1.0" encoding="ISO-8859-2"?><AuthTokenRequest/>'.encode("latin-1")
    assert_error(post(client, document), 21217, "Nieprawidłowe kodowanie znaków.")
    assert_error(post(client, b"<a>\xff\xfe</a>"), 21217, "Nieprawidłowe kodowanie znaków.")


@pytest.mark.parametrize(
    "document",
    [
        '<AuthTokenRequest xmlns="http://ksef.mf.gov.pl/auth/token/9.9"/>',
        '<Other xmlns="http://ksef.mf.gov.pl/auth/token/2.1"/>',
    ],
)
def test_wrong_root_is_21401(client, document):
    assert_error(post(client, document), 21401, "Dokument nie jest zgodny ze schemą (xsd).")


def test_xsd_violation_is_21401_with_details(client):
    document = unsigned_request(challenge(client), "12345")  # not a NIP
    entry = assert_error(
        post(client, sign(document, PERSON)), 21401, "Dokument nie jest zgodny ze schemą (xsd)."
    )
    assert any("Nip" in d for d in entry["details"])


def test_unknown_challenge_is_21111(client):
    document = unsigned_request("20261124-CR-0000000999-ABCDEF0123-00", NIP)
    assert_error(
        post(client, sign(document, PERSON)), 21111, "Nieprawidłowe wyzwanie autoryzacyjne."
    )


def test_challenge_is_single_use(client):
    signed = sign(unsigned_request(challenge(client), NIP), PERSON)
    assert post(client, signed).status_code == 202
    assert_error(post(client, signed), 21111, "Nieprawidłowe wyzwanie autoryzacyjne.")


def test_expired_certificate_gives_status_460(client):
    old = key_pair(
        serial_number=f"TINPL-{NIP}", not_before=datetime(2020, 1, 1, tzinfo=UTC), days=30
    )
    status = status_of(client, post(client, sign(unsigned_request(challenge(client), NIP), old)))
    assert status["status"] == {
        "code": 460,
        "description": "Uwierzytelnianie zakończone niepowodzeniem z powodu błędu certyfikatu",
        "details": ["Nieważny certyfikat."],
    }


def test_forced_chain_check_fails_for_self_signed(client):
    signed = sign(unsigned_request(challenge(client), NIP), PERSON)
    status = status_of(client, post(client, signed, "?verifyCertificateChain=true"))
    assert status["status"]["code"] == 460
    assert status["status"]["details"] == ["Niezaufany łańcuch certyfikatów."]


def test_verify_chain_false_is_accepted_and_bad_value_is_21405(client):
    signed = sign(unsigned_request(challenge(client), NIP), PERSON)
    assert_error(
        post(client, signed, "?verifyCertificateChain=maybe"),
        21405,
        "Błąd walidacji danych wejściowych.",
    )
    assert (
        status_of(client, post(client, signed, "?verifyCertificateChain=false"))["status"]["code"]
        == 200
    )


class TestWithoutSchemas:
    """Without ``auth_schema_dir`` the structure is still checked."""

    @pytest.fixture
    def settings(self, settings):
        return settings.with_overrides(auth_schema_dir="")

    def test_login_still_works(self, client):
        signed = sign(unsigned_request(challenge(client), NIP), PERSON)
        assert status_of(client, post(client, signed))["status"]["code"] == 200

    def test_missing_elements_are_21401(self, client):
        document = '<AuthTokenRequest xmlns="http://ksef.mf.gov.pl/auth/token/2.1"/>'
        entry = assert_error(
            post(client, document), 21401, "Dokument nie jest zgodny ze schemą (xsd)."
        )
        assert "Brak elementu Challenge." in entry["details"]
