"""Structured logs: one line per request, as text or JSON, for ``mock-ksef serve``.

Each line names the method, path, status, duration in milliseconds and, for KSeF API
requests, the session reference, the scenario and the caller's context (what the fault
middleware worked out for the request journal). The control API's own reads (``GET /_mock/...``:
health checks, the dashboard polling twice a second) are logged at DEBUG only, so they do
not flood the log at the default level (``--log-level debug`` shows them).
"""

from __future__ import annotations

import json
import logging
import time
from datetime import UTC, datetime
from typing import Any

from flask import Flask, Response, g, request, request_finished

from mock_ksef.http.traffic_edge import logged, opened_session

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


class JsonFormatter(logging.Formatter):
    """One JSON object per log line; a request line carries its fields at the top level."""

    def format(self, record: logging.LogRecord) -> str:
        """Render ``record`` as JSON with time, level, logger and message (and request fields)."""
        entry: dict[str, Any] = {
            "time": iso_time(record),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage().strip(),
        }
        fields = getattr(record, "request", None)
        if isinstance(fields, dict):
            entry.update(fields)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def iso_time(record: logging.LogRecord) -> str:
    """The record's time in ISO 8601, UTC, milliseconds: ``2026-11-24T09:00:41.660+00:00``."""
    return datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")


def configure_logging(log_format: str, log_level: str = "info") -> None:
    """Log to stderr at ``log_level``, as text or JSON lines (werkzeug's access log muted)."""
    handler = logging.StreamHandler()
    if log_format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    # No format here names the caller's file, line or function: skip looking them up per
    # record (the logging HOWTO's "Optimization" table), a fifth of a request line's cost.
    logging._srcfile = None
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(log_level.upper())
    # Our request lines replace werkzeug's access log ("127.0.0.1 - - [...] GET ...").
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
