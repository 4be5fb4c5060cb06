"""Batch part uploads: ``PUT`` on the presigned links of ``partUploadRequests``.

No bearer token; the link's HMAC signature and expiry are the authorisation (403
problem+json otherwise). The body is streamed to disk in chunks, never held in memory.
The spec gives part uploads HTTP codes only, so a refused body (400) is explained in a
problem+json body with a ``code`` such as ``PartTooLarge``.
"""

from __future__ import annotations

from flask import Blueprint, Response, request

from mock_ksef.domain import batch
from mock_ksef.http.context import batch_deps
from mock_ksef.http.links import check_presigned
from mock_ksef.http.problems import problem

bp = Blueprint("part_upload", __name__)
#: Headroom over the largest encrypted part for the request body limit of this route.
_BODY_LIMIT = batch.MAX_PART_BYTES + 1024


def _bad_request(error: batch.PartRejected) -> Response:
    return problem(400, error.detail, code=error.code)


@bp.put("/storage/00/<session_ref>/batch-parts/<int:ordinal>")
def upload_part(session_ref: str, ordinal: int) -> Response | tuple[str, int]:
    """Receive one encrypted part (201); re-uploading replaces it."""
    check_presigned("w")  # expiry is checked when the request starts: a long upload finishes
    request.max_content_length = _BODY_LIMIT
    try:
        batch.receive_part(
            batch_deps(), session_ref.upper(), ordinal, request.stream, request.content_length
        )
    except batch.PartRejected as error:
        return _bad_request(error)
    return "", 201
