"""The Flask adapter of :mod:`mock_ksef.traffic`: faults and the limiter before a KSeF API
request, the journal after it.

Only KSeF API paths (under ``/v2`` or ``/api/v2``) are affected; the control API
(``/_mock``), storage links and part uploads are never faulted, limited or journaled.
This module reads the request (token, headers, declared invoice), asks the pure gate
(:class:`~mock_ksef.traffic.gate.TrafficControl`) and renders what it decides; the order
of the steps is ``docs/architecture.md``, "Request path". Every fault answer carries
``X-Mock-Fault: <kind>`` so logs and tests can tell an injected answer from a real one.
"""

from __future__ import annotations

import functools
import logging
import socket
import struct
import time
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, Response, current_app, g, request

from mock_ksef.domain.auth.values import Principal
from mock_ksef.domain.errors import KsefError
from mock_ksef.domain.session_plan import SCENARIO_HEADER, login_scenario, resolve_scenario
from mock_ksef.http.bodies import peek_json
from mock_ksef.http.context import services
from mock_ksef.http.error_handlers import render_ksef_error, render_too_many_requests
from mock_ksef.http.guard import current_principal
from mock_ksef.http.problems import problem, reason
from mock_ksef.scenario.model import Fault, Scenario
from mock_ksef.services import Services
from mock_ksef.store import kinds
from mock_ksef.timefmt import iso
from mock_ksef.traffic.faults import latency_seconds
from mock_ksef.traffic.gate import Arrival, TrafficControl
from mock_ksef.traffic.routes import Route, bare_path, resolve, session_reference

HEADER = "X-Mock-Fault"
log = logging.getLogger("mock_ksef")
_G = "mock_ksef_tracked"
#: ``app.extensions`` key of the app's one :class:`TrafficControl` (built at install).
_CONTROL = "mock_ksef_traffic"
_LOGGED = "mock_ksef_logged"
_OPEN_ROUTES = ("/sessions/online", "/sessions/batch")
#: The page Azure Application Gateway (in front of KSeF) shows for 5xx answers.
_GATEWAY_PAGE = (
    "<html>\r\n<head><title>{code} {reason}</title></head>\r\n<body>\r\n"
    "<center><h1>{code} {reason}</h1></center>\r\n"
    "<hr><center>Microsoft-Azure-Application-Gateway/v2</center>\r\n"
    "</body>\r\n</html>\r\n"
)
_DETAIL = "Symulowany błąd (mock-ksef fault)."


@dataclass
class Tracked:
    """What the middleware knows about the request under way."""

    bare: str
    route: Route
    caller: str
    context: str | None
    #: The request's place in the journal, taken when it started.
    sequence: int
    time: str
    scenario: str | None = None
    fault: str | None = None
    commit_fail: Fault | None = None
    dropped: bool = False
    #: Whether its journal entry is written already (a reset writes it before the drop).
    journaled: bool = False
    #: What an invoice send declares (hashes and sizes, never the content).
    invoice: dict[str, Any] = field(default_factory=dict)
    #: The gate the request passed (its journal writes the entry).
    control: TrafficControl | None = None
    #: The session the request named (:func:`opened_session`), once it was answered.
    session: str | None = None


class InjectedError(KsefError):
    """The 400 a ``status: 400`` fault answers."""

    code = 21405
    description = "Błąd walidacji danych wejściowych."


def install(app: Flask) -> None:
    """Register the fault, rate-limit and journal hooks on ``app``.

    The first of them starts every request with the shared settings' refresh, which also
    takes a KSeF API request's journal place and reads the session it names ahead where
    the store can do it in the same statement (PostgreSQL). The gate's fault draws take
    the seed that refresh applied (``svc.ids.seed``) instead of reading the
    shared-settings document a second time.
    """
    svc = services(app)
    control = TrafficControl(
        svc.store,
        svc.now,
        svc.settings.seed,
        svc.settings.journal_size,
        current_seed=lambda: svc.ids.seed,
    )
    app.extensions[_CONTROL] = control
    app.before_request(functools.partial(_before, svc, control))
    app.after_request(_after)
    forget = getattr(svc.store, "forget_ahead", None)
    if forget is not None:
        app.teardown_request(lambda _: forget())


def control_of(svc: Services) -> TrafficControl:
    """A gate over an app's store, clock, seed and journal size (outside a request)."""
    return TrafficControl(svc.store, svc.now, svc.settings.seed, svc.settings.journal_size)


def _before(svc: Services, control: TrafficControl) -> Response | None:
    req = request._get_current_object()  # type: ignore[attr-defined]  # one proxy lookup
    bare = bare_path(req.path)
    session = session_reference(bare) if bare is not None else None
    # What other replicas changed; with a PostgreSQL store also this request's journal
    # place and its session, in one statement (store/pg_request.py).
    drawn = svc.shared.refresh(
        place=bare is not None, ahead=(kinds.SESSION, session) if session else None
    )
    if bare is None:
        return None
    principal = principal_of_request(svc)
    method = req.method
    record = Tracked(
        bare=bare,
        route=resolve(method, bare),
        caller=caller_of(principal),
        context=principal.context.value if principal else None,
        sequence=control.journal.reserve() if drawn is None else drawn,
        time=iso(svc.now()),
        control=control,
    )
    setattr(g, _G, record)
    if method == "POST" and record.route.group == "invoiceSend":
        record.invoice = _declared_invoice()
    context = record.context if principal else _login_context()
    # An unknown header raises 400 21405 here: journaled without a scenario.
    scenario = request_scenario(svc, principal, context)
    record.scenario = scenario.name
    arrival = Arrival(method, bare, record.route, record.caller, record.context, scenario)
    fault = control.fault_for(arrival)
    if fault is not None:
        record.fault = fault.kind
        answer = _apply(fault, record)
        if answer is not None:
            return answer
    retry = control.refusal(arrival)
    if retry is not None:
        record.fault = "rate-limit"
        return render_too_many_requests(
            retry,
            f"Przekroczono limit żądań dla grupy {record.route.group}. "
            f"Spróbuj ponownie za {retry} s.",
        )
    return None


def _apply(fault: Fault, record: Tracked) -> Response | None:
    """Act on a fault that fired; a response ends the request before its handler."""
    if fault.kind == "latency":
        time.sleep(latency_seconds(fault))
        return None
    if fault.kind == "commit_then_fail":
        record.commit_fail = fault
        return None
    if fault.kind == "reset":
        sock = connection_socket(request.environ)
        answer = reset_response(sock is not None)
        if sock is not None:
            # Journaled before the client sees the connection go: a client that retries
            # at once and then reads the journal finds the dropped request listed.
            record.dropped = True
            _journal(record, answer)
            drop_connection(sock)
        return answer
    return fault_response(fault)


def _after(response: Response) -> Response:
    record: Tracked | None = g.pop(_G, None)
    if record is None:
        return response
    if record.commit_fail is not None:
        response = fault_response(record.commit_fail)
    elif record.fault == "latency":
        response.headers[HEADER] = "latency"
    if not record.journaled:
        _journal(record, response)
    # The request log reads the record after the response is sent.
    setattr(g, _LOGGED, record)
    return response


def _journal(record: Tracked, response: Response) -> None:
    control = record.control or current_app.extensions[_CONTROL]
    record.session = opened_session(record, response)
    control.journal.record(_entry(record, response), record.sequence)
    record.journaled = True


def logged() -> Tracked | None:
    """The journaled record of the request just answered (for the request log)."""
    found: Tracked | None = g.get(_LOGGED)
    return found


def _entry(record: Tracked, response: Response) -> dict[str, Any]:
    req = request._get_current_object()  # type: ignore[attr-defined]
    entry: dict[str, Any] = {
        "time": record.time,
        "method": req.method,
        "path": req.path,
        "route": record.route.template,
        "query": req.query_string.decode("utf-8", "replace"),
        "status": None if record.dropped else response.status_code,
        "context": record.context,
        "session": record.session,
        "scenario": record.scenario,
        "fault": record.fault,
    }
    entry.update(record.invoice)
    return entry


def opened_session(record: Tracked, response: Response) -> str | None:
    """The session a request names: in its path, or the one a session open created."""
    if request.method == "POST" and record.route.template in _OPEN_ROUTES and response.is_json:
        data = response.get_json(silent=True)
        reference = data.get("referenceNumber") if isinstance(data, dict) else None
        if isinstance(reference, str):
            return reference
    return session_reference(record.bare)


def _declared_invoice() -> dict[str, Any]:
    """``invoiceHash``, ``invoiceSize`` and ``encryptedInvoiceHash`` of the request body.

    The body is cached by this read, so the handler still gets it.
    """
    body = peek_json()
    if not isinstance(body, dict):
        return {}
    return {name: body.get(name) for name in ("invoiceHash", "invoiceSize", "encryptedInvoiceHash")}


# --- who is calling ------------------------------------------------------------------------
def request_scenario(svc: Services, principal: Principal | None, context: str | None) -> Scenario:
    """The scenario the request runs under (:func:`~mock_ksef.domain.session_plan.resolve_scenario`
    fed with the ``X-Mock-Scenario`` header and the token's login).

    Raises:
        ValidationFailed: the header names a scenario that is not loaded (21405).
    """
    header = request.headers.get(SCENARIO_HEADER)
    login = None if header else login_scenario(svc.auth_deps.repos, principal)
    return resolve_scenario(svc.scenarios, header, login, context)


def principal_of_request(svc: Services) -> Principal | None:
    """The principal of a valid bearer token of any kind, else ``None`` (verified once per
    request: :func:`mock_ksef.http.guard.current_principal`)."""
    return current_principal()


def _login_context() -> str | None:
    """The context a ``POST /auth/ksef-token`` body names (before any token exists)."""
    if request.method != "POST" or not request.path.endswith("/auth/ksef-token"):
        return None
    body = peek_json()
    context = body.get("contextIdentifier") if isinstance(body, dict) else None
    value = context.get("value") if isinstance(context, dict) else None
    return value if isinstance(value, str) and value else None


def caller_of(principal: Principal | None) -> str:
    """The counting key: the token's context value, else the client IP."""
    if principal is not None:
        return principal.context.value
    return request.remote_addr or "unknown"


# --- fault answers -------------------------------------------------------------------------
def _spec_body(fault: Fault, retry_after: int | None) -> Response:
    """The spec's error format for ``fault.status`` (problem+json for the others)."""
    if fault.status == 429:
        return render_too_many_requests(retry_after or 1, _DETAIL)
    if fault.status == 400:
        return render_ksef_error(InjectedError(_DETAIL))
    if fault.status == 403:
        return problem(403, _DETAIL, reasonCode="security-service-blocked")
    return problem(fault.status, _DETAIL)


def fault_response(fault: Fault) -> Response:
    """The answer of a ``status`` or ``commit_then_fail`` fault."""
    retry_after = fault.retry_after
    if fault.status == 429 and retry_after is None:
        retry_after = 1  # a 429 always carries an integer Retry-After
    if fault.body == "html":
        page = _GATEWAY_PAGE.format(code=fault.status, reason=reason(fault.status))
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


def connection_socket(environ: dict[str, Any]) -> socket.socket | None:
    """The client's socket, when the server exposes it (werkzeug's ``werkzeug.socket``,
    gunicorn's ``gunicorn.socket``); ``None`` otherwise (the test client, granian)."""
    sock = environ.get("werkzeug.socket") or environ.get("gunicorn.socket")
    return sock if isinstance(sock, socket.socket) else None


def drop_connection(sock: socket.socket) -> None:
    """Make the client see the connection closed without an answer.

    The socket gets ``SO_LINGER`` 0 and is shut down: the client reads end-of-stream at
    once and the server's final close sends a TCP RST. The server's attempt to write the
    response then fails with a dropped-connection error, which the server ignores.
    """
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.shutdown(socket.SHUT_RDWR)
    except OSError as exc:  # already gone: nothing more to do
        log.debug("reset fault: %s", exc)


def reset_response(dropped: bool) -> Response:
    """What the WSGI app returns after :func:`drop_connection`.

    When the connection was dropped nobody reads it; without a socket (test client,
    other servers) the client gets ``502`` with an empty body instead.
    """
    response = Response(b"", status=502)
    response.headers.pop("Content-Type", None)
    response.headers[HEADER] = "reset" if dropped else "reset-unsupported"
    return response
