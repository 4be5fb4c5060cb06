"""``POST /invoices/exports``, ``GET /invoices/exports/{ref}`` and the part links.

Parse, compose the narrow domain inputs (repositories, the symmetric key pair, the clock,
the caller's scenario plans), call the use case, dump. Part links are presigned storage
paths ``/storage/00/<lower-case ref>/invoice-part/<partName>``, regenerated on every
status call; they need no token and are not rate-limited.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask import Blueprint, Response, jsonify

from mock_ksef.crypto import presign
from mock_ksef.domain.auth.values import Principal
from mock_ksef.domain.exports.export_refusals import STATUS_TEXTS
from mock_ksef.domain.exports.export_use_cases import (
    export_part,
    export_status,
    package_expiration,
    reported_parts,
    start_export,
)
from mock_ksef.domain.exports.job import ExportJob, Exports
from mock_ksef.domain.retrieval.repo import ReceivedInvoices
from mock_ksef.domain.retrieval.use_cases import require_read
from mock_ksef.http.bodies import load_request
from mock_ksef.http.context import services
from mock_ksef.http.dumps import status_info
from mock_ksef.http.export_schemas import ExportRequestSchema
from mock_ksef.http.guard import require
from mock_ksef.http.invoice_dumps import invoice_metadata
from mock_ksef.http.invoices import retrieval_limits
from mock_ksef.http.links import check_presigned, public_base
from mock_ksef.http.traffic_edge import request_scenario
from mock_ksef.ids import RefType
from mock_ksef.scenario.model import ExportPlan
from mock_ksef.timefmt import iso

bp = Blueprint("exports", __name__)
parts_bp = Blueprint("export_parts", __name__, url_prefix="/storage")
_request = ExportRequestSchema()
#: ``lastIssueDate`` / ``lastInvoicingDate`` / ``lastPermanentStorageDate`` per dateType.
LAST_DATE = {
    "Issue": "lastIssueDate",
    "Invoicing": "lastInvoicingDate",
    "PermanentStorage": "lastPermanentStorageDate",
}


def export_plan(principal: Principal) -> ExportPlan:
    """The ``export`` plan of the caller's scenario (header, login, or selection)."""
    return request_scenario(services(), principal, principal.context.value).export


@bp.post("/invoices/exports")
def create_export() -> tuple[Response, int]:
    """Accept an export; 201 ``{referenceNumber}``."""
    principal = require()
    require_read(principal)  # 403 before the body is judged
    command = load_request(_request)
    svc = services()
    reference = start_export(
        Exports(svc.store),
        ReceivedInvoices(svc.store),
        principal,
        command,
        svc.keys.symmetric_key,
        svc.now(),
        export_plan(principal),
        retrieval_limits(principal),
        lambda when: svc.new_reference(RefType.EXPORT, when),
    )
    return jsonify({"referenceNumber": reference}), 201


def _part_path(reference: str, name: str) -> str:
    return f"/storage/00/{reference.lower()}/invoice-part/{name}"


def _package(job: ExportJob, now: datetime) -> dict[str, Any]:
    package = job.package
    assert package is not None
    secret = services().tokens.secret
    expires = now + timedelta(seconds=job.plan.link_ttl_seconds)
    parts = []
    for part in reported_parts(job):
        path = _part_path(job.reference, part.name)
        parts.append(
            {
                "ordinalNumber": part.ordinal,
                "partName": part.name,
                "method": "GET",
                "url": f"{public_base()}{path}?{presign.query(secret, path, expires)}",
                "partSize": part.size,
                "partHash": part.hash,
                "encryptedPartSize": part.encrypted_size,
                "encryptedPartHash": part.encrypted_hash,
                "expirationDate": iso(expires),
            }
        )
    body: dict[str, Any] = {
        "invoiceCount": package.invoice_count,
        "size": package.size,
        "parts": parts,
        "isTruncated": package.is_truncated,
    }
    if package.last_date is not None:
        body[LAST_DATE[job.filters.date_range.date_type]] = package.last_date
    if package.hwm is not None:
        body["permanentStorageHwmDate"] = iso(package.hwm)
    body["compressionType"] = package.compression
    return body


def status_body(job: ExportJob, now: datetime) -> dict[str, Any]:
    """``InvoiceExportStatusResponse``."""
    description, details = STATUS_TEXTS[job.status]
    if job.status == 420 and job.plan.omit_420_details:
        details = ()
    body: dict[str, Any] = {"status": status_info(job.status, description, details)}
    if job.completed is not None:
        body["completedDate"] = iso(job.completed)
    expiration = package_expiration(job)
    if expiration is not None:
        body["packageExpirationDate"] = iso(expiration)
    if job.status == 200 and job.package is not None:
        body["package"] = _package(job, now)
    return body


@bp.get("/invoices/exports/<reference>")
def get_export_status(reference: str) -> Response:
    """The export's status; the poll that finishes it builds the package."""
    principal = require()
    svc = services()
    now = svc.now()
    job = export_status(
        Exports(svc.store), ReceivedInvoices(svc.store), principal, reference, now, invoice_metadata
    )
    return jsonify(status_body(job, now))


@parts_bp.get("/00/<lower_reference>/invoice-part/<part_name>")
def download_part(lower_reference: str, part_name: str) -> Response:
    """An encrypted part by presigned link, with ``x-ms-meta-hash``."""
    check_presigned("r")
    data, digest = export_part(Exports(services().store), lower_reference, part_name)
    response = Response(data, mimetype="application/octet-stream")
    if digest is not None:
        response.headers["x-ms-meta-hash"] = digest
    return response
