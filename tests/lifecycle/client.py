"""Test-client helpers: log in under a scenario, open, send, close, read the status."""

from __future__ import annotations

from typing import Any

from cryptography.hazmat.primitives.asymmetric import rsa
from flask import Flask
from flask.testing import FlaskClient

from mock_ksef.http.context import services
from mock_ksef.scenario.model import Scenario, Selector
from tests.support.auth import body, login_with_ksef_token
from tests.support.client_crypto import FA3, SessionKey
from tests.support.invoices import fa3_invoice


def with_scenario(app: Flask, scenario: Scenario, nip: str) -> Scenario:
    """Register ``scenario`` so logins to ``nip`` select it."""
    import dataclasses

    chosen = dataclasses.replace(scenario, select=Selector(contexts=(nip,)))
    services(app).scenarios.add(chosen)
    return chosen


class Caller:
    """One logged-in client of one context."""

    def __init__(self, app: Flask, client: FlaskClient, nip: str) -> None:
        self.app = app
        self.client = client
        self.nip = nip
        self.headers = {"Authorization": f"Bearer {login_with_ksef_token(client, nip)}"}
        self.key = SessionKey.fresh()

    def open(self, headers: dict[str, str] | None = None) -> str:
        """Open an FA (3) online session; its reference."""
        public = services(self.app).keys.symmetric_key.certificate.public_key()
        assert isinstance(public, rsa.RSAPublicKey)
        response = self.client.post(
            "/v2/sessions/online",
            json={"formCode": FA3, "encryption": self.key.encryption(public)},
            headers={**self.headers, **(headers or {})},
        )
        assert response.status_code == 201, response.json
        return str(body(response)["referenceNumber"])

    def send(self, ref: str, number: str, xml: bytes | None = None) -> Any:
        """Send one invoice; the response."""
        body = self.key.send_request(xml or fa3_invoice(self.nip, number))
        return self.client.post(
            f"/v2/sessions/online/{ref}/invoices", json=body, headers=self.headers
        )

    def close(self, ref: str) -> None:
        """Close an online session."""
        response = self.client.post(f"/v2/sessions/online/{ref}/close", headers=self.headers)
        assert response.status_code == 204, response.json

    def status(self, ref: str) -> Any:
        """``GET /sessions/{ref}``."""
        response = self.client.get(f"/v2/sessions/{ref}", headers=self.headers)
        assert response.status_code == 200, response.json
        return response.json

    def invoice(self, ref: str, invoice_ref: str) -> Any:
        """``GET /sessions/{ref}/invoices/{invRef}``."""
        response = self.client.get(
            f"/v2/sessions/{ref}/invoices/{invoice_ref}", headers=self.headers
        )
        assert response.status_code == 200, response.json
        return response.json
