"""Fixtures of the dashboard tests: one headless Chromium per run, a client of the mock."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from flask import Flask
from selenium import webdriver

from mock_ksef.crypto.keys import KeyRing
from mock_ksef.threaded_server import ThreadedServer
from tests.dashboard.browser import chromium
from tests.support.client_crypto import FA3, SessionKey
from tests.support.nips import NIP
from tests.support.principal import access_token

TIMEOUT_S = 10.0


@pytest.fixture(scope="session")
def _chromium() -> Iterator[webdriver.Chrome]:
    with chromium() as driver:
        yield driver


@pytest.fixture
def browser(_chromium: webdriver.Chrome) -> Iterator[webdriver.Chrome]:
    """The run's headless Chromium; after the test it leaves the page, so nothing keeps
    polling a stopped server (or a new one that reused its port)."""
    yield _chromium
    _chromium.get("about:blank")


class KsefClient:
    """Speaks the KSeF API by hand to a live mock: open online sessions, send invoices."""

    def __init__(self, app: Flask, live: ThreadedServer, keyring: KeyRing, nip: str) -> None:
        self.http = httpx.Client(
            base_url=live.url,
            timeout=TIMEOUT_S,
            headers={"Authorization": f"Bearer {access_token(app, nip)}"},
        )
        public_key = keyring.symmetric_key.certificate.public_key()
        assert isinstance(public_key, rsa.RSAPublicKey)
        self.public_key = public_key
        self.key = SessionKey.fresh()

    def open_online(self) -> str:
        """Open an FA (3) online session; its reference."""
        body = {"formCode": FA3, "encryption": self.key.encryption(self.public_key)}
        response = self.http.post("/v2/sessions/online", json=body)
        assert response.status_code == 201, response.text
        return str(response.json()["referenceNumber"])

    def send(self, reference: str, xml: bytes) -> str:
        """Send one invoice to an open session; its reference."""
        response = self.http.post(
            f"/v2/sessions/online/{reference}/invoices", json=self.key.send_request(xml)
        )
        assert response.status_code == 202, response.text
        return str(response.json()["referenceNumber"])


@pytest.fixture
def ksef(app: Flask, live: ThreadedServer, keyring: KeyRing) -> Iterator[KsefClient]:
    """A hand-rolled KSeF client of the live mock, logged in to ``Nip:5265877635``."""
    client = KsefClient(app, live, keyring, NIP)
    with client.http:
        yield client
