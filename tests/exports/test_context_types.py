"""21181 over HTTP: an export whose subject type the logged-in context type cannot have.

The InternalId context (a JST sub-unit) is logged in for real: challenge, a KSeF token
for ``InternalId:{NIP}-00001`` (``ref|internalId-…|secret``, an owner token of that
context in the permissive mode), status polling and redeem; it may export only what it
sees as ``Subject3``.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask.testing import FlaskClient

from mock_ksef.domain.repos import Repos
from mock_ksef.http.context import services
from mock_ksef.inbox import Buyer, InboxSpec, generate_inbox, store_inbox
from tests.exports.support import BUYER, EXPORTS, export_body, status
from tests.support.auth import (
    API,
    SAMPLE_TOKEN_REFERENCE,
    bearer,
    body,
    start_ksef_token_auth,
)
from tests.support.client_crypto import SessionKey

UNIT = f"{BUYER}-00001"


def _login_internal_id(client: FlaskClient) -> dict[str, str]:
    """A real KSeF-token login to context ``InternalId:{UNIT}``; the bearer header."""
    context = {"type": "InternalId", "value": UNIT}
    token = f"{SAMPLE_TOKEN_REFERENCE}|internalId-{UNIT}|919f70aa9b1c4d2e8f00"
    reference, op_token = start_ksef_token_auth(client, BUYER, token=token, context=context)
    for _ in range(20):
        polled = body(client.get(f"{API}/auth/{reference}", headers=bearer(op_token)))
        if polled["status"]["code"] != 100:
            break
    assert polled["status"]["code"] == 200, polled
    redeemed = client.post(f"{API}/auth/token/redeem", headers=bearer(op_token))
    assert redeemed.status_code == 200, redeemed.get_data(as_text=True)
    return bearer(body(redeemed)["accessToken"]["token"])


def test_an_internal_id_context_cannot_export_as_buyer_but_can_as_subject3(app, client):
    """Subject2 (and Subject1) from an InternalId context: 400 21181 with the spec's
    text naming both; Subject3: accepted, and the package holds the unit's invoices."""
    spec = InboxSpec(
        Buyer("InternalId", UNIT),
        4,
        datetime(2026, 11, 2, tzinfo=UTC),
        datetime(2026, 11, 20, tzinfo=UTC),
        seed=11,
    )
    store_inbox(generate_inbox(spec), Repos(services(app).store))
    headers = _login_internal_id(client)
    key = SessionKey.fresh()
    for subject_type in ("Subject2", "Subject1"):
        request = export_body(key, app)
        request["filters"]["subjectType"] = subject_type
        response = client.post(EXPORTS, json=request, headers=headers)
        assert response.status_code == 400, response.get_data(as_text=True)
        [entry] = response.json["exception"]["exceptionDetailList"]
        assert entry == {
            "exceptionCode": 21181,
            "exceptionDescription": "Nieprawidłowe żądanie eksportu faktur.",
            "details": [
                f"Nie można wyeksportować paczki faktur dla wybranego podmiotu ({subject_type})"
                " i zalogowanego identyfikatora kontekstu (InternalId)."
            ],
        }
    request = export_body(key, app)
    request["filters"]["subjectType"] = "Subject3"
    started = client.post(EXPORTS, json=request, headers=headers)
    assert started.status_code == 201, started.get_data(as_text=True)
    polled = status(client, headers, started.json["referenceNumber"])
    assert (polled["status"]["code"], polled["package"]["invoiceCount"]) == (200, 4)
