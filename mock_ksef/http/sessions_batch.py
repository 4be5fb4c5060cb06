"""``/sessions/batch``: open (declare the package and get upload links) and close."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, request

from mock_ksef.crypto import presign
from mock_ksef.domain import batch
from mock_ksef.domain.session import Session
from mock_ksef.domain.session_plan import SCENARIO_HEADER
from mock_ksef.http.batch_schemas import OpenBatchSchema
from mock_ksef.http.bodies import load_request
from mock_ksef.http.context import batch_deps, services
from mock_ksef.http.credential_edge import ensure_seeds
from mock_ksef.http.guard import require
from mock_ksef.http.links import public_base

bp = Blueprint("sessions_batch", __name__)
_open_schema = OpenBatchSchema()


def part_upload_url(session: Session, ordinal: int) -> str:
    """Storage path a part is uploaded to (like the real Azure blob path)."""
    return f"/storage/00/{session.reference.lower()}/batch-parts/{ordinal}"


def part_upload_requests(session: Session) -> list[dict[str, Any]]:
    """``partUploadRequests``: one presigned ``PUT`` per declared part."""
    info = session.batch
    assert info is not None
    assert info.upload_deadline is not None
    secret = services().tokens.secret
    base = public_base()
    requests = []
    for part in info.parts:
        path = part_upload_url(session, part.ordinal)
        query = presign.query(secret, path, info.upload_deadline, "w")
        requests.append(
            {
                "ordinalNumber": part.ordinal,
                "method": "PUT",
                "url": f"{base}{path}?{query}",
                "headers": {"x-ms-blob-type": "BlockBlob"},
            }
        )
    return requests


@bp.post("/sessions/batch")
def open_session() -> tuple[Response, int]:
    """Open a batch session (201)."""
    principal = require()
    command = load_request(_open_schema)
    session = batch.open_batch(
        batch_deps(), principal, command, request.headers.get(SCENARIO_HEADER)
    )
    return jsonify(
        {"referenceNumber": session.reference, "partUploadRequests": part_upload_requests(session)}
    ), 201


@bp.post("/sessions/batch/<reference>/close")
def close_session(reference: str) -> tuple[str, int]:
    """Close a batch session (204); the package is processed before the answer."""
    principal = require()
    ensure_seeds()  # the seller check reads the authorisations a scenario may seed
    batch.close_batch(batch_deps(), principal, reference)
    return "", 204
