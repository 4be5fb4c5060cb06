"""Structured logs: one line per request, as text or JSON, for ``mock-ksef serve``.

Each line names the method, path, status, duration in milliseconds and, for KSeF API
requests, the session reference, the scenario and the caller's context (what the fault
middleware worked out for the request journal). The control API's own reads (``GET /_mock/...``:
health checks, the dashboard polling twice a second) are logged at DEBUG only, so they do
not flood the log at the default level (``--log-level debug`` shows them).
"""

from __future__ import annotations

import logging
import time
from typing import Any

from flask import Flask, Response, g, request, request_finished

from mock_ksef.http.traffic_edge import logged, opened_session
from mock_ksef.log_setup import configure_logging as configure_logging  # re-exported

REQUEST_LOGGER = "mock_ksef.requests"
_START = "mock_ksef_log_start"
CONTROL_PREFIX = "/_mock/"
log = logging.getLogger(REQUEST_LOGGER)


def install_request_log(app: Flask) -> None:
    """Log every request of ``app`` once it is answered."""
    # First before-request function: the clock starts even when a fault answers early.
    app.before_request_funcs.setdefault(None, []).insert(0, _start)
    request_finished.connect(_log_request, app, weak=False)


def _start() -> None:
    setattr(g, _START, time.perf_counter())


def request_fields(response: Response) -> dict[str, Any]:
    """The fields of the log line of the current request."""
    started = g.get(_START)
    tracked = logged()
    duration = (time.perf_counter() - started) * 1000 if started is not None else 0.0
    fields: dict[str, Any] = {
        "method": request.method,
        "path": request.path,
        "status": response.status_code,
        "duration_ms": round(duration, 2),
        "session": None,
        "scenario": None,
        "context": None,
    }
    if tracked is not None:
        fields["session"] = opened_session(tracked, response)
        fields["scenario"] = tracked.scenario
        fields["context"] = tracked.context
    return fields


def _log_request(sender: Flask, response: Response, **_: Any) -> None:
    quiet = request.method in ("GET", "HEAD") and request.path.startswith(CONTROL_PREFIX)
    level = logging.DEBUG if quiet else logging.INFO
    if not log.isEnabledFor(level):
        return
    fields = request_fields(response)
    text = f"{fields['method']} {fields['path']} {fields['status']} {fields['duration_ms']:.2f} ms"
    extras = " ".join(f"{k}={fields[k]}" for k in ("session", "scenario", "context") if fields[k])
    log.log(level, f"{text} {extras}".rstrip(), extra={"request": fields})
