"""QR code II: the SDK builds and signs the link with an Offline certificate; the mock's
``GET /certificate/...`` route plays the QR portal and checks it."""

from __future__ import annotations

import base64
import hashlib

import httpx
import pytest
from ksef_client import KsefClientOptions
from ksef_client.services.verification_link import VerificationLinkService

from tests.certificates.support import NIP, enroll, sdk_client, xades_login
from tests.support.xades import key_pair

INVOICE = b"<Faktura>offline</Faktura>"
PASSED = [
    ("exists", True),
    ("offline", True),
    ("active", True),
    ("signature", True),
    ("rights", True),
    ("seller", True),
]


@pytest.fixture
def sdk(live):
    with sdk_client(live.url) as client:
        yield client


def link(live, issued, *, seller=NIP, signature_format="p1363"):
    options = KsefClientOptions(base_url=live.url, base_qr_url=live.url)
    return VerificationLinkService(options).build_certificate_verification_url(
        seller_nip=seller,
        context_identifier_type="Nip",
        context_identifier_value=NIP,
        certificate_serial=issued.serial,
        invoice_hash=base64.b64encode(hashlib.sha256(INVOICE).digest()).decode(),
        signing_certificate_pem=issued.pair.certificate_pem,
        private_key_pem=issued.pair.private_key_pem,
        signature_format=signature_format,
    )


def checks(url):
    response = httpx.get(url, headers={"Accept": "application/json"})
    return response.status_code, [(c["name"], c["ok"]) for c in response.json()["checks"]]


def test_offline_certificate_signs_a_valid_qr_code(sdk, live):
    """Every check passes; the HTML page has the lines the Python E2E suites look for."""
    access = xades_login(sdk, key_pair(serial_number=f"TINPL-{NIP}"))
    issued = enroll(sdk, access, "Offline")
    url = link(live, issued)
    assert url.startswith(f"{live.url}/certificate/Nip/{NIP}/{NIP}/{issued.serial}/")
    assert checks(url) == (200, PASSED)
    page = httpx.get(url).text
    for line in (
        "Certyfikat istnieje",
        "Certyfikat jest aktywny",
        "Podpis wystawcy jest prawidłowy",
        "Wystawca posiada uprawnienia do wystawienia faktury",
    ):
        assert line in page


def test_revoked_or_authentication_certificate_or_tampered_link_fail(sdk, live):
    """A tampered segment breaks the signature; an Authentication certificate is not for QR
    codes; a revoked Offline certificate is not active; another seller is refused."""
    access = xades_login(sdk, key_pair(serial_number=f"TINPL-{NIP}"))
    offline = enroll(sdk, access, "Offline", name="Offline one")
    url = link(live, offline)
    head, _, signature = url.rpartition("/")
    tampered = head.replace(f"/{NIP}/{NIP}/", f"/{NIP}/{NIP[:-1]}0/") + "/" + signature
    assert checks(tampered)[1] == [
        ("exists", True),
        ("offline", True),
        ("active", True),
        ("signature", False),
        ("rights", True),
        ("seller", False),
    ]
    authentication = enroll(sdk, access, "Authentication", name="Auth one")
    assert checks(link(live, authentication))[1][1] == ("offline", False)
    headers = {"Authorization": f"Bearer {access}"}
    httpx.post(f"{live.url}/v2/certificates/{offline.serial}/revoke", headers=headers)
    assert checks(url)[1][2] == ("active", False)


@pytest.mark.parametrize("signature_format", ["p1363", "der"])
def test_ec_certificate_signs_in_both_ecdsa_formats(sdk, live, signature_format):
    """An EC P-256 Offline certificate (the SDK's EC CSR) signs r||s or DER: both verify."""
    access = xades_login(sdk, key_pair(serial_number=f"TINPL-{NIP}"))
    issued = enroll(sdk, access, "Offline", ec_key=True)
    assert checks(link(live, issued, signature_format=signature_format)) == (200, PASSED)


def test_unknown_serial_and_malformed_link(sdk, live):
    """An unknown serial stops at the first check; a malformed serial is 400."""
    access = xades_login(sdk, key_pair(serial_number=f"TINPL-{NIP}"))
    issued = enroll(sdk, access, "Offline")
    url = link(live, issued).replace(issued.serial, "0123456789ABCDEF")
    assert checks(url) == (200, [("exists", False)])
    status, found = checks(url.replace("0123456789ABCDEF", "bad"))
    assert status == 400
    assert found == [("link", False)]
