"""Flask hooks: faults and the rate limiter before a KSeF API request, journal after it.

Only KSeF API paths (under ``/v2`` or ``/api/v2``) are affected; the control API
(``/_mock``), storage links and part uploads are never faulted, limited or journaled.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, Response, g, request

from mock_ksef.faults.injector import current_seed, latency_seconds, pick_fault
from mock_ksef.faults.journal import journal_of
from mock_ksef.faults.limiter import RateLimiter
from mock_ksef.faults.responses import (
    HEADER,
    drop_connection,
    fault_response,
    reset_response,
)
from mock_ksef.faults.routes import Route, bare_path, resolve, session_reference
from mock_ksef.faults.selection import applicable_scenario, caller_of, principal_of_request
from mock_ksef.http.bodies import peek_json
from mock_ksef.http.context import services
from mock_ksef.http.errors import render_too_many_requests
from mock_ksef.http.limits import effective_rate_limits
from mock_ksef.scenario.model import Fault
from mock_ksef.timefmt import iso

_G = "mock_ksef_tracked"
_OPEN_ROUTES = ("/sessions/online", "/sessions/batch")


@dataclass
class Tracked:
    """What the hooks know about the request under way."""

    bare: str
    route: Route
    caller: str
    context: str | None
    time: str
    scenario: str | None = None
    fault: str | None = None
    commit_fail: Fault | None = None
    dropped: bool = False
    #: What an invoice send declares (hashes and sizes, never the content).
    invoice: dict[str, Any] = field(default_factory=dict)


def install(app: Flask) -> None:
    """Register the fault, rate-limit and journal hooks on ``app``."""
    app.before_request(_before)
    app.after_request(_after)


def _before() -> Response | None:
    bare = bare_path(request.path)
    if bare is None:
        return None
    svc = services()
    principal = principal_of_request(svc)
    tracked = Tracked(
        bare=bare,
        route=resolve(request.method, bare),
        caller=caller_of(principal),
        context=principal.context.value if principal else None,
        time=iso(svc.now()),
    )
    setattr(g, _G, tracked)
    if request.method == "POST" and tracked.route.group == "invoiceSend":
        tracked.invoice = _declared_invoice()
    scenario = applicable_scenario(svc, principal)  # an unknown header: 400 21405
    tracked.scenario = scenario.name
    seed = current_seed(svc.store, svc.settings.seed)
    hit = pick_fault(svc.store, seed, scenario, tracked.caller, request.method, bare, tracked.route)
    if hit is not None:
        tracked.fault = hit.fault.kind
        answer = _apply(hit.fault, tracked)
        if answer is not None:
            return answer
    limits = effective_rate_limits(svc.store, scenario, tracked.context, tracked.route.group)
    if limits is not None and tracked.route.limited:
        retry = RateLimiter(svc.store).admit(tracked.route.group, tracked.caller, limits, svc.now())
        if retry is not None:
            tracked.fault = "rate-limit"
            return render_too_many_requests(
                retry,
                f"Przekroczono limit żądań dla grupy {tracked.route.group}. "
                f"Spróbuj ponownie za {retry} s.",
            )
    return None


def _apply(fault: Fault, tracked: Tracked) -> Response | None:
    """Act on a fault that fired; a response ends the request before its handler."""
    if fault.kind == "latency":
        time.sleep(latency_seconds(fault))
        return None
    if fault.kind == "commit_then_fail":
        tracked.commit_fail = fault
        return None
    if fault.kind == "reset":
        tracked.dropped = drop_connection(request.environ)
        return reset_response(tracked.dropped)
    return fault_response(fault)


def _after(response: Response) -> Response:
    tracked: Tracked | None = g.pop(_G, None)
    if tracked is None:
        return response
    if tracked.commit_fail is not None:
        response = fault_response(tracked.commit_fail)
    elif tracked.fault == "latency":
        response.headers[HEADER] = "latency"
    journal_of(services()).record(_entry(tracked, response))
    return response


def _entry(tracked: Tracked, response: Response) -> dict[str, Any]:
    session = session_reference(tracked.bare)
    entry: dict[str, Any] = {
        "time": tracked.time,
        "method": request.method,
        "path": request.path,
        "route": tracked.route.template,
        "query": request.query_string.decode("utf-8", "replace"),
        "status": None if tracked.dropped else response.status_code,
        "context": tracked.context,
        "session": session,
        "scenario": tracked.scenario,
        "fault": tracked.fault,
    }
    if request.method == "POST" and tracked.route.template in _OPEN_ROUTES:
        data = response.get_json(silent=True) if response.is_json else None
        if isinstance(data, dict) and isinstance(data.get("referenceNumber"), str):
            entry["session"] = data["referenceNumber"]
    entry.update(tracked.invoice)
    return entry


def _declared_invoice() -> dict[str, Any]:
    """``invoiceHash``, ``invoiceSize`` and ``encryptedInvoiceHash`` of the request body.

    The body is cached by this read, so the handler still gets it.
    """
    body = peek_json()
    if not isinstance(body, dict):
        return {}
    return {name: body.get(name) for name in ("invoiceHash", "invoiceSize", "encryptedInvoiceHash")}
