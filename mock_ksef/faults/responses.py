"""What a client receives when a fault hits: a spec-shaped error, a gateway page, nothing.

Every fault response carries ``X-Mock-Fault: <kind>`` so logs and tests can tell an
injected answer from a real one.
"""

from __future__ import annotations

import logging
import socket
import struct
from http import HTTPStatus
from typing import Any

from flask import Response, jsonify, request

from mock_ksef.domain.errors import KsefError
from mock_ksef.http.context import services
from mock_ksef.http.errors import PROBLEM_JSON, render_ksef_error, render_too_many_requests
from mock_ksef.scenario.model import Fault
from mock_ksef.timefmt import iso

HEADER = "X-Mock-Fault"
log = logging.getLogger("mock_ksef")

#: The page Azure Application Gateway (in front of KSeF) shows for 5xx answers.
_GATEWAY_PAGE = (
    "<html>\r\n<head><title>{code} {reason}</title></head>\r\n<body>\r\n"
    "<center><h1>{code} {reason}</h1></center>\r\n"
    "<hr><center>Microsoft-Azure-Application-Gateway/v2</center>\r\n"
    "</body>\r\n</html>\r\n"
)
_DETAIL = "Symulowany błąd (mock-ksef fault)."


class InjectedError(KsefError):
    """The 400 a ``status: 400`` fault answers."""

    code = 21405
    description = "Błąd walidacji danych wejściowych."


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def _problem(status: int, **extra: Any) -> Response:
    svc = services()
    response = jsonify(
        {
            "title": _reason(status),
            "status": status,
            "detail": _DETAIL,
            "instance": request.path,
            "traceId": svc.ids.hex_token(16),
            "timestamp": iso(svc.now()),
            **extra,
        }
    )
    response.status_code = status
    response.mimetype = PROBLEM_JSON
    return response


def _spec_body(fault: Fault, retry_after: int | None) -> Response:
    """The spec's error format for ``fault.status`` (problem+json-ish JSON for 5xx)."""
    if fault.status == 429:
        return render_too_many_requests(retry_after or 1, _DETAIL)
    if fault.status == 400:
        return render_ksef_error(InjectedError(_DETAIL))
    if fault.status == 403:
        return _problem(403, reasonCode="security-service-blocked")
    return _problem(fault.status)


def fault_response(fault: Fault) -> Response:
    """The answer of a ``status`` or ``commit_then_fail`` fault."""
    retry_after = fault.retry_after
    if fault.status == 429 and retry_after is None:
        retry_after = 1  # a 429 always carries an integer Retry-After
    if fault.body == "html":
        page = _GATEWAY_PAGE.format(code=fault.status, reason=_reason(fault.status))
        response = Response(page, status=fault.status, mimetype="text/html")
    elif fault.body == "empty":
        response = Response(b"", status=fault.status)
        response.headers.pop("Content-Type", None)
    else:
        response = _spec_body(fault, retry_after)
    if retry_after is not None:
        response.headers["Retry-After"] = str(retry_after)
    response.headers[HEADER] = fault.kind
    return response


def drop_connection(environ: dict[str, Any]) -> bool:
    """Make the client see the connection closed without an answer.

    With werkzeug's server (``werkzeug.socket``; gunicorn's ``gunicorn.socket`` is tried
    too) the socket gets ``SO_LINGER`` 0 and is shut down: the client reads end-of-stream
    at once and the server's final close sends a TCP RST. The server's attempt to write
    the response then fails with a dropped-connection error, which the server ignores.

    Returns:
        ``False`` when the server exposes no socket (the caller answers instead).
    """
    sock = environ.get("werkzeug.socket") or environ.get("gunicorn.socket")
    if not isinstance(sock, socket.socket):
        return False
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.shutdown(socket.SHUT_RDWR)
    except OSError as exc:  # already gone: nothing more to do
        log.debug("reset fault: %s", exc)
    return True


def reset_response(dropped: bool) -> Response:
    """What the WSGI app returns after :func:`drop_connection`.

    When the connection was dropped nobody reads it; without a socket (test client,
    other servers) the client gets ``502`` with an empty body instead.
    """
    response = Response(b"", status=502)
    response.headers.pop("Content-Type", None)
    response.headers[HEADER] = "reset" if dropped else "reset-unsupported"
    return response
