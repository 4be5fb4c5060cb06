"""Domain values -> the spec's JSON shapes."""

from __future__ import annotations

from typing import Any

from mock_ksef.crypto import presign
from mock_ksef.domain.invoice import Invoice
from mock_ksef.domain.session import Session, SessionKind
from mock_ksef.domain.status import link_expiry
from mock_ksef.http.context import services
from mock_ksef.http.links import public_base
from mock_ksef.timefmt import iso


def status_info(
    code: int,
    description: str,
    details: tuple[str, ...] = (),
    extensions: dict[str, str] | None = None,
) -> dict[str, Any]:
    """``StatusInfo`` / ``InvoiceStatusInfo``."""
    body: dict[str, Any] = {"code": code, "description": description}
    if details:
        body["details"] = list(details)
    if extensions:
        body["extensions"] = extensions
    return body


def storage_link(path: str) -> tuple[str, str]:
    """An absolute presigned link to ``path`` and its expiry (ISO)."""
    svc = services()
    expires = link_expiry(svc.session_deps)
    return (
        f"{public_base()}{path}?{presign.query(svc.tokens.secret, path, expires)}",
        iso(expires),
    )


def session_upo_path(session: Session, upo_reference: str) -> str:
    """Storage path of a session UPO page."""
    return f"/storage/01/{session.reference.lower()}/session-upo/{upo_reference}.xml"


def invoice_upo_path(invoice: Invoice) -> str:
    """Storage path of an invoice UPO."""
    return (
        f"/storage/01/{invoice.session_reference.lower()}/invoice-upo/upo_{invoice.ksef_number}.xml"
    )


def _null_if_zero(value: int) -> int | None:
    return value or None


#: Codes whose status shows the counters as processed so far (or final, for 200).
_COUNTED = {SessionKind.ONLINE: frozenset({100, 170, 200}), SessionKind.BATCH: frozenset({200})}


def session_counters(session: Session) -> tuple[int, int, int]:
    """``(invoiceCount, successful, failed)`` as the status shows them (BRIEF 2.3).

    Online 100/170 and 200 (both kinds): as processed. 445, and an online 440 forced by a
    scenario after invoices were sent (each shows 405): every invoice counted failed.
    Every other state (440, 415, batch 100/150 and the batch package errors): zero.
    """
    forced_440 = session.kind is SessionKind.ONLINE and session.status_code == 440
    if session.status_code == 445 or forced_440:
        return session.invoice_count, 0, session.invoice_count
    if session.status_code in _COUNTED[session.kind]:
        return session.invoice_count, session.successful_count, session.failed_count
    return 0, 0, 0


def session_status(session: Session) -> dict[str, Any]:
    """``SessionStatusResponse``: counters are null until non-zero; ``upo`` only in 200."""
    upo = None
    if session.upo_pages and session.status_code == 200:
        pages = []
        for page in session.upo_pages:
            url, expires = storage_link(session_upo_path(session, page.reference))
            pages.append(
                {
                    "referenceNumber": page.reference,
                    "downloadUrl": url,
                    "downloadUrlExpirationDate": expires,
                }
            )
        upo = {"pages": pages}
    total, successful, failed = session_counters(session)
    body: dict[str, Any] = {
        "status": status_info(
            session.status_code, session.status_description, session.status_details
        ),
        "dateCreated": iso(session.created),
        "dateUpdated": iso(session.updated),
        "validUntil": iso(session.valid_until),
        "invoiceCount": _null_if_zero(total),
        "successfulInvoiceCount": _null_if_zero(successful),
        "failedInvoiceCount": _null_if_zero(failed),
    }
    # ``upo`` is ``allOf`` + ``nullable`` in the spec, which OpenAPI 3.0 validators read as
    # not nullable; leaving it out is read as null by every client.
    if upo is not None:
        body["upo"] = upo
    return body


def session_item(session: Session) -> dict[str, Any]:
    """``SessionsQueryResponseItem``: counters are integers (as the status shows them)."""
    total, successful, failed = session_counters(session)
    return {
        "referenceNumber": session.reference,
        "status": status_info(
            session.status_code, session.status_description, session.status_details
        ),
        "dateCreated": iso(session.created),
        "dateUpdated": iso(session.updated),
        "validUntil": iso(session.valid_until),
        "totalInvoiceCount": total,
        "successfulInvoiceCount": successful,
        "failedInvoiceCount": failed,
    }


def invoice_status(invoice: Invoice) -> dict[str, Any]:
    """``SessionInvoiceStatusResponse``."""
    body: dict[str, Any] = {
        "ordinalNumber": invoice.ordinal,
        "invoiceNumber": invoice.invoice_number,
        "ksefNumber": invoice.ksef_number,
        "referenceNumber": invoice.reference,
        "invoiceHash": invoice.invoice_hash,
        "invoiceFileName": invoice.file_name,
        "acquisitionDate": iso(invoice.acquisition_date) if invoice.acquisition_date else None,
        "invoicingDate": iso(invoice.invoicing_date),
        "permanentStorageDate": (
            iso(invoice.permanent_storage_date) if invoice.permanent_storage_date else None
        ),
        "upoDownloadUrl": None,
        "upoDownloadUrlExpirationDate": None,
        "invoicingMode": invoice.invoicing_mode,
        "status": status_info(
            invoice.status_code,
            invoice.status_description,
            invoice.status_details,
            invoice.status_extensions or None,
        ),
    }
    if invoice.succeeded:
        body["upoDownloadUrl"], body["upoDownloadUrlExpirationDate"] = storage_link(
            invoice_upo_path(invoice)
        )
    return {k: v for k, v in body.items() if v is not None}
