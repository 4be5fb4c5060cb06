"""Error rendering: every failure leaves in the spec's format, never as a traceback.

* 400 and 429: ``ExceptionResponse`` / the legacy 429 body by default, problem+json when
  the request sends ``X-Error-Format: problem-details``;
* 401, 403 and 410: always problem+json;
* 415 (a body whose ``Content-Type`` the route does not read): always problem+json, as
  ASP.NET answers; the spec lists no 415 (``docs/http-edge.md``).
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, got_request_exception, jsonify, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound, UnsupportedMediaType

from mock_ksef.domain.errors import Forbidden, Gone, KsefError, Unauthorized, ValidationFailed
from mock_ksef.http.context import services
from mock_ksef.http.problems import problem
from mock_ksef.timefmt import iso

log = logging.getLogger("mock_ksef")


def wants_problem_details() -> bool:
    """Whether the client asked for problem+json error bodies."""
    return request.headers.get("X-Error-Format", "").strip().lower() == "problem-details"


def _uuid_text(hex32: str) -> str:
    return f"{hex32[:8]}-{hex32[8:12]}-{hex32[12:16]}-{hex32[16:20]}-{hex32[20:]}"


def render_ksef_error(error: KsefError) -> Response:
    """400 in the format the client asked for."""
    if wants_problem_details():
        return problem(
            400,
            error.description,
            errors=[
                {"code": error.code, "description": error.description, "details": error.details}
            ],
        )
    svc = services()
    body = {
        "exception": {
            "exceptionDetailList": [
                {
                    "exceptionCode": error.code,
                    "exceptionDescription": error.description,
                    "details": error.details or None,
                }
            ],
            # Opaque; the spec's example is a UUID (null violates the schema's allOf).
            "referenceNumber": _uuid_text(svc.ids.hex_token(16)),
            "serviceCode": f"00-{svc.ids.hex_token(16)}-{svc.ids.hex_token(8)}-00",
            "serviceCtx": "srvMOCK",
            "serviceName": "mock-ksef",
            "timestamp": iso(svc.now()),
        }
    }
    response = jsonify(body)
    response.status_code = 400
    return response


def render_too_many_requests(retry_after: int, detail: str) -> Response:
    """429 with ``Retry-After``, in the format the client asked for."""
    if wants_problem_details():
        response = problem(429, detail)
    else:
        response = jsonify(
            {"status": {"code": 429, "description": "Too Many Requests", "details": [detail]}}
        )
        response.status_code = 429
    response.headers["Retry-After"] = str(retry_after)
    return response


def register_error_handlers(app: Flask) -> None:
    """Install handlers that turn every exception into a spec-shaped response."""

    @app.errorhandler(KsefError)
    def _ksef(error: KsefError) -> Response:
        return render_ksef_error(error)

    @app.errorhandler(Unauthorized)
    def _unauthorized(error: Unauthorized) -> Response:
        return problem(401, error.detail)

    @app.errorhandler(Forbidden)
    def _forbidden(error: Forbidden) -> Response:
        extra: dict[str, Any] = {"reasonCode": error.reason_code}
        if error.security:
            extra["security"] = {
                k: v if isinstance(v, str) else list(v) for k, v in error.security.items()
            }
        return problem(403, error.detail, **extra)

    @app.errorhandler(Gone)
    def _gone(error: Gone) -> Response:
        return problem(410, error.detail)

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException) -> Response:
        # Unknown routes and methods keep their HTTP status (as the real gateway does);
        # oversized or unreadable bodies are a 400 with 21405, as the spec has no 413.
        if isinstance(error, NotFound | MethodNotAllowed | UnsupportedMediaType):
            return problem(error.code or 404, error.description or error.name, title=error.name)
        return render_ksef_error(
            ValidationFailed(f"{error.code} {error.name}: {error.description}")
        )

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> Response:
        log.exception("unexpected error on %s %s", request.method, request.path)
        # Flask sends this signal only for exceptions without a handler; send it here too
        # so listeners (the pytest plugin's ``check()``) learn of every server-side error.
        got_request_exception.send(app, _async_wrapper=app.ensure_sync, exception=error)
        return problem(500, f"{type(error).__name__}: {error}")
