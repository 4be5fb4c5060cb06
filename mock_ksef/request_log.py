"""Structured logs: one line per request, as text or JSON, for ``mock-ksef serve``.

Each line names the method, path, status, duration in milliseconds and, for KSeF API
requests, the session reference, the scenario and the caller's context (what the fault
middleware worked out for the request journal). The control API's own reads (``GET /_mock/...``:
health checks, the dashboard polling twice a second) are logged at DEBUG only, so they do
not flood the log at the default level (``--log-level debug`` shows them).
"""

from __future__ import annotations

import contextlib
import json
import logging
import time
from datetime import UTC, datetime
from typing import Any, cast

from flask import Flask, Response, g, request, request_finished

from mock_ksef.http.traffic_edge import logged

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


class JsonFormatter(logging.Formatter):
    """One JSON object per log line; a request line carries its fields at the top level."""

    def format(self, record: logging.LogRecord) -> str:
        """Render ``record`` as JSON with time, level, logger and message (and request fields)."""
        fields = getattr(record, "request", None)
        exception = self.formatException(record.exc_info) if record.exc_info else None
        return json_line(
            record.created,
            record.levelname,
            record.name,
            record.getMessage(),
            fields if isinstance(fields, dict) else None,
            exception,
        )


def json_line(
    created: float,
    levelname: str,
    name: str,
    message: str,
    fields: dict[str, Any] | None = None,
    exception: str | None = None,
) -> str:
    """The JSON log line of a record made at ``created`` (what :class:`JsonFormatter` writes)."""
    entry: dict[str, Any] = {
        "time": _iso(created),
        "level": levelname.lower(),
        "logger": name,
        "message": message.strip(),
    }
    if fields is not None:
        entry.update(fields)
    if exception is not None:
        entry["exception"] = exception
    return json.dumps(entry, ensure_ascii=False)


def iso_time(record: logging.LogRecord) -> str:
    """The record's time in ISO 8601, UTC, milliseconds: ``2026-11-24T09:00:41.660+00:00``."""
    return _iso(record.created)


def _iso(created: float) -> str:
    return datetime.fromtimestamp(created, UTC).isoformat(timespec="milliseconds")


class RequestLineHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """The handler :func:`configure_logging` installs; it can also write a request line
    straight to its stream, without a ``LogRecord`` (:meth:`write_line`)."""

    def write_line(self, level: int, message: str, fields: dict[str, Any]) -> bool:
        """Write the line ``log.log(level, message, extra={"request": fields})`` would.

        The same text as through ``logging``: the formatter's time, level name, logger
        name and message (or the JSON object). ``False``: not written (a filter, a level
        or a format this shortcut does not know, a write error); the caller logs it.
        """
        if self.filters or level < self.level:
            return False
        formatter = self.formatter
        created = time.time()
        name = logging.getLevelName(level)
        if isinstance(formatter, JsonFormatter):
            line = json_line(created, name, REQUEST_LOGGER, message, fields)
        elif isinstance(formatter, TextFormatter):
            stamp = formatter.formatTime(cast(logging.LogRecord, _Stamp(created)))
            line = f"{stamp} {name} {REQUEST_LOGGER} {message}"
        else:
            return False
        try:
            with self.lock or _NO_LOCK:
                self.stream.write(line + self.terminator)
                self.flush()
        except Exception:  # logging's own path tries again and reports it
            return False
        return True


class TextFormatter(logging.Formatter):
    """``<local time>,<ms> LEVEL logger message`` (what ``--log-format text`` writes)."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s %(message)s")


_NO_LOCK = contextlib.nullcontext()


class _Stamp:
    """What :meth:`logging.Formatter.formatTime` reads of a record."""

    __slots__ = ("created", "msecs")

    def __init__(self, created: float) -> None:
        self.created = created
        # As logging.LogRecord computes it (Python 3.11).
        self.msecs = int((created - int(created)) * 1000) + 0.0


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


def configure_logging(log_format: str, log_level: str = "info") -> None:
    """Log to stderr at ``log_level``, as text or JSON lines (werkzeug's access log muted)."""
    handler = RequestLineHandler()
    if log_format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(TextFormatter())
    # No format here names the caller's file, line or function: skip looking them up per
    # record (the logging HOWTO's "Optimization" table), a fifth of a request line's cost.
    logging._srcfile = None
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(log_level.upper())
    # Our request lines replace werkzeug's access log ("127.0.0.1 - - [...] GET ...").
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
