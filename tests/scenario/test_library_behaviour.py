"""The bundled auth, invoice, fault and limit scenarios do what their descriptions say.

(The 18 session-status rows are driven in ``tests/lifecycle``.) Each test selects the
file's scenario the way an SDK would: by logging in to the file's context NIP.
"""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from mock_ksef.http.context import services
from tests.support.auth import bearer, body, full_login, start_ksef_token_auth
from tests.support.client_crypto import FA3, SessionKey
from tests.support.exceptions import exception_code
from tests.support.invoices import fa3_invoice

API = "/v2"


def _nip(app, name: str) -> str:
    return services(app).scenarios.get(name).select.contexts[0]


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("auth-415-no-permissions", 415),
        ("auth-450-bad-token", 450),
        ("auth-460-certificate", 460),
        ("auth-470-deceased", 470),
        ("auth-480-blocked", 480),
    ],
)
def test_auth_failure_files(app, client, name, code):
    """Logging in to the file's NIP ends in its auth status; redeem is then refused."""
    reference, op_token = start_ksef_token_auth(client, _nip(app, name))
    status = body(client.get(f"{API}/auth/{reference}", headers=bearer(op_token)))
    assert status["status"]["code"] == code
    redeem = client.post(f"{API}/auth/token/redeem", headers=bearer(op_token))
    assert exception_code(redeem) == 21301


def test_auth_pending_three_polls(app, client):
    """Three polls answer 100, the fourth 200."""
    reference, op_token = start_ksef_token_auth(client, _nip(app, "auth-pending-3-polls"))
    codes = [
        body(client.get(f"{API}/auth/{reference}", headers=bearer(op_token)))["status"]["code"]
        for _ in range(4)
    ]
    assert codes == [100, 100, 100, 200]


def test_auth_short_tokens(app, client):
    """The access token lives as long as the file says, on the mock's clock."""
    scenario = services(app).scenarios.get("auth-short-tokens")
    login = full_login(client, scenario.select.contexts[0])
    ttl = scenario.auth.access_token_seconds
    assert ttl is not None
    listing = f"{API}/sessions?sessionType=Online"
    assert client.get(listing, headers=bearer(login.access_token)).status_code == 200
    services(app).clock.shift(timedelta(seconds=ttl))  # type: ignore[attr-defined]
    assert client.get(listing, headers=bearer(login.access_token)).status_code == 401


class Online:
    """A logged-in client of one bundled scenario sending FA(3) invoices."""

    def __init__(self, app, client, name: str) -> None:
        self.client = client
        self.nip = _nip(app, name)
        self.auth = bearer(full_login(client, self.nip).access_token)
        self.key = SessionKey.fresh()
        public = services(app).keys.symmetric_key.certificate.public_key()
        assert isinstance(public, rsa.RSAPublicKey)
        opened = client.post(
            f"{API}/sessions/online",
            json={"formCode": FA3, "encryption": self.key.encryption(public)},
            headers=self.auth,
        )
        assert opened.status_code == 201
        self.ref = body(opened)["referenceNumber"]

    def send(self, number: str) -> Any:
        return self.client.post(
            f"{API}/sessions/online/{self.ref}/invoices",
            json=self.key.send_request(fa3_invoice(self.nip, number)),
            headers=self.auth,
        )

    def codes(self) -> list[int]:
        listing = self.client.get(f"{API}/sessions/{self.ref}/invoices", headers=self.auth)
        return [i["status"]["code"] for i in body(listing)["invoices"]]


@pytest.mark.parametrize(
    ("name", "numbers", "codes"),
    [
        ("invoice-410-number-pattern", ["FV/1/A", "FV/410/1"], [200, 410]),
        ("invoice-430-second-invalid", ["FV/1/B", "FV/2/B"], [200, 430]),
        ("invoice-435-first-undecryptable", ["FV/1/C", "FV/2/C"], [435, 200]),
        ("invoice-440-third-is-duplicate", ["FV/1/D", "FV/2/D", "FV/3/D"], [200, 200, 440]),
        ("invoice-450-number-pattern", ["FV/450/1", "FV/1/E"], [450, 200]),
        ("invoice-500-unknown-error", ["FV/1/F", "FV/2/F"], [500, 200]),
        ("invoice-550-cancelled-by-system", ["FV/550/1"], [550]),
    ],
)
def test_invoice_files(app, client, name, numbers, codes):
    """Each invoice-level file forces its code on the invoices it names, no others."""
    session = Online(app, client, name)
    for number in numbers:
        assert session.send(number).status_code == 202
    assert session.codes() == codes


def test_html_gateway_fault_then_recovery(app, client):
    """The first send gets an HTML 503 page; the retry is accepted."""
    session = Online(app, client, "fault-503-html-gateway")
    first = session.send("FV/1/G")
    assert first.status_code == 503
    assert first.mimetype == "text/html"
    assert session.send("FV/1/G").status_code == 202
    assert session.codes() == [200]


def test_commit_then_fail_meets_a_duplicate_on_retry(app, client):
    """The first send fails for the client but is kept; the retry is a duplicate (440)."""
    session = Online(app, client, "fault-commit-then-fail-send")
    assert session.send("FV/1/H").status_code == 500
    assert session.send("FV/1/H").status_code == 202
    assert session.codes() == [200, 440]


def test_status_429_twice_then_ok(app, client):
    """Two 429s with Retry-After: 2, then the real status."""
    session = Online(app, client, "status-429-twice-then-ok")
    answers = [client.get(f"{API}/sessions/{session.ref}", headers=session.auth) for _ in range(3)]
    assert [a.status_code for a in answers] == [429, 429, 200]
    assert [a.headers.get("Retry-After") for a in answers[:2]] == ["2", "2"]


def test_rate_limits_on(app, client):
    """With the limiter on, the eleventh status read within a second is refused."""
    session = Online(app, client, "rate-limits-on")
    answers = [client.get(f"{API}/sessions/{session.ref}", headers=session.auth) for _ in range(11)]
    assert [a.status_code for a in answers] == [200] * 10 + [429]
    assert int(answers[-1].headers["Retry-After"]) >= 1


def test_connection_reset_then_retry(app, live):
    """Closing is answered by a dropped connection once; the retry closes the session."""
    with live.app.test_client() as client:
        session = Online(app, client, "fault-connection-reset")
    url = f"{live.url}{API}/sessions/online/{session.ref}/close"
    with pytest.raises(httpx.TransportError):
        httpx.post(url, headers=session.auth)
    assert httpx.post(url, headers=session.auth).status_code == 204


def test_latency(app, client):
    """Status reads are answered late by the file's latency (a correctness check)."""
    session = Online(app, client, "fault-latency")
    latency = services(app).scenarios.get("fault-latency").faults[0].latency_ms / 1000
    started = time.monotonic()
    response = client.get(f"{API}/sessions/{session.ref}", headers=session.auth)
    assert response.status_code == 200
    assert time.monotonic() - started >= latency
