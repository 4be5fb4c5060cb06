"""Drive the unmodified ``ksef-client`` SDK against a live mock, and read raw payloads."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import httpx
from ksef_client import KsefClient
from ksef_client.models import FormCode
from ksef_client.services.workflows import AuthCoordinator, OnlineSessionWorkflow

from mock_ksef.server import ThreadedServer
from mock_ksef.timefmt import iso
from tests.support.auth import sample_token

FA3 = FormCode(system_code="FA (3)", schema_version="1-0E", value="FA")


def login(sdk: KsefClient, nip: str) -> str:
    """A KSeF-token login to ``Nip:nip`` the way the SDK does it; the access token."""
    pem = sdk.security.get_public_key_certificate_pem("KsefTokenEncryption")
    result = AuthCoordinator(sdk.auth).authenticate_with_ksef_token(
        token=sample_token(nip),
        public_certificate=pem,
        context_identifier_type="Nip",
        context_identifier_value=nip,
        poll_interval_seconds=0.01,
    )
    return str(result.access_token)


def open_fa3(sdk: KsefClient, token: str) -> tuple[OnlineSessionWorkflow, Any]:
    """Open an FA (3) online session; the workflow and its handle."""
    pem = sdk.security.get_public_key_certificate_pem("SymmetricKeyEncryption")
    workflow = OnlineSessionWorkflow(sdk.sessions)
    handle = workflow.open_session(form_code=FA3, public_certificate=pem, access_token=token)
    return workflow, handle


def raw_status(live: ThreadedServer, ref: str, token: str) -> Any:
    """The JSON of ``GET /v2/sessions/{ref}`` as sent on the wire."""
    response = httpx.get(
        f"{live.url}/v2/sessions/{ref}", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200, response.text
    return response.json()


def final_status(
    live: ThreadedServer, ref: str, token: str, polls: int, processing_code: int
) -> Any:
    """Read through ``polls`` answers of ``processing_code``; the next status read."""
    for _ in range(polls):
        assert raw_status(live, ref, token)["status"]["code"] == processing_code
    return raw_status(live, ref, token)


def timeline(live: ThreadedServer, ref: str) -> Any:
    """The control API's view of a session."""
    response = httpx.get(f"{live.url}/_mock/sessions/{ref}")
    assert response.status_code == 200, response.text
    return response.json()


def status_payload(
    code: int,
    description: str,
    *,
    created: datetime,
    valid_until: datetime,
    updated: datetime | None = None,
    details: list[str] | None = None,
    counts: tuple[int | None, int | None, int | None] = (None, None, None),
) -> dict[str, Any]:
    """An expected ``SessionStatusResponse`` without ``upo``."""
    status: dict[str, Any] = {"code": code, "description": description}
    if details:
        status["details"] = details
    return {
        "status": status,
        "dateCreated": iso(created),
        "dateUpdated": iso(updated or created),
        "validUntil": iso(valid_until),
        "invoiceCount": counts[0],
        "successfulInvoiceCount": counts[1],
        "failedInvoiceCount": counts[2],
    }
