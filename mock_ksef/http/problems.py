"""The one renderer of ``application/problem+json`` bodies.

Every problem+json answer of the mock is built here: the 401/403/410 of the error
handlers, 400 and 429 when the client asks for problem details, 404/405/415/500, part
upload refusals and the answers of injected faults. The body is the spec's
``*ProblemDetails`` shape: ``title``, ``status``, ``detail``, ``instance`` (the path),
``traceId`` (seeded) and ``timestamp`` (the mock's clock), plus any extra fields.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from flask import Response, jsonify, request

from mock_ksef.http.context import services
from mock_ksef.timefmt import iso

PROBLEM_JSON = "application/problem+json"


def reason(status: int) -> str:
    """The standard phrase of ``status`` (``"Error"`` for a code HTTP does not name)."""
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def problem(status: int, detail: str, title: str | None = None, **extra: Any) -> Response:
    """A problem+json response.

    Args:
        status: the HTTP status.
        detail: the human-readable explanation.
        title: the title (default: the status's standard phrase).
        extra: further members (``errors``, ``reasonCode``, ``code``, ...).
    """
    svc = services()
    body: dict[str, Any] = {
        "title": title if title is not None else reason(status),
        "status": status,
        "detail": detail,
        "instance": request.path,
        "traceId": svc.ids.hex_token(16),
        "timestamp": iso(svc.now()),
        **extra,
    }
    response = jsonify(body)
    response.status_code = status
    response.mimetype = PROBLEM_JSON
    return response
