"""Where log lines go and how they look: stderr, as text or JSON lines.

Kept apart from :mod:`mock_ksef.request_log` (which needs Flask) so that the server's
master process configures logging without importing the app. The handler it installs
can also write a request line straight to its stream (:class:`RequestLineHandler`).
"""

from __future__ import annotations

import contextlib
import json
import logging
import time
from datetime import UTC, datetime
from typing import Any, cast

#: The logger of the one-line-per-request log.
REQUEST_LOGGER = "mock_ksef.requests"


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
