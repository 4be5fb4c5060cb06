"""Drive the unmodified ``ksef-client`` SDK against a live mock, and read raw payloads."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import httpx

from mock_ksef.threaded_server import ThreadedServer
from mock_ksef.timefmt import iso
from tests.support.sdk import FA3, login, open_fa3

__all__ = ["FA3", "final_status", "invoice_rows", "login", "open_fa3", "raw_status", "timeline"]


def raw_status(live: ThreadedServer, ref: str, token: str) -> Any:
    """The JSON of ``GET /v2/sessions/{ref}`` as sent on the wire."""
    response = httpx.get(
        f"{live.url}/v2/sessions/{ref}", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200, response.text
    return response.json()


def invoice_rows(live: ThreadedServer, ref: str, token: str) -> Any:
    """The ``invoices`` of ``GET /v2/sessions/{ref}/invoices`` as sent on the wire."""
    response = httpx.get(
        f"{live.url}/v2/sessions/{ref}/invoices", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200, response.text
    return response.json()["invoices"]


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
