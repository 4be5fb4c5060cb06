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

from mock_ksef.http.traffic_edge import logged
from mock_ksef.log_setup import REQUEST_LOGGER, RequestLineHandler
from mock_ksef.log_setup import configure_logging as configure_logging  # re-exported

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
    req = request._get_current_object()  # type: ignore[attr-defined]  # one proxy lookup
    return {
        "method": req.method,
        "path": req.path,
        "status": response.status_code,
        "duration_ms": round(duration, 2),
        # The journaled request's session, scenario and context (the middleware's record).
        "session": tracked.session if tracked is not None else None,
        "scenario": tracked.scenario if tracked is not None else None,
        "context": tracked.context if tracked is not None else None,
    }


def _log_request(sender: Flask, response: Response, **_: Any) -> None:
    req = request._get_current_object()  # type: ignore[attr-defined]  # one proxy lookup
    quiet = req.method in ("GET", "HEAD") and req.path.startswith(CONTROL_PREFIX)
    level = logging.DEBUG if quiet else logging.INFO
    if not log.isEnabledFor(level):
        return
    fields = request_fields(response)
    text = f"{fields['method']} {fields['path']} {fields['status']} {fields['duration_ms']:.2f} ms"
    extras = " ".join(f"{k}={fields[k]}" for k in ("session", "scenario", "context") if fields[k])
    message = f"{text} {extras}".rstrip()
    handler = _direct_handler()
    if handler is None or not handler.write_line(level, message, fields):
        log.log(level, message, extra={"request": fields})


def _direct_handler() -> RequestLineHandler | None:
    """The handler a request line may be written to directly: when it is the only one a
    request record would reach (no other handler, filter or propagation rule on the way)."""
    handlers = logging.root.handlers
    if len(handlers) != 1 or not isinstance(handlers[0], RequestLineHandler):
        return None
    logger: logging.Logger | None = log
    while logger is not None and logger is not logging.root:
        if logger.handlers or logger.filters or not logger.propagate or logger.disabled:
            return None
        logger = logger.parent
    if logging.root.filters:
        return None
    return handlers[0]
