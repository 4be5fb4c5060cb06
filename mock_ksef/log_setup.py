"""Where log lines go and how they look: stderr, as text or JSON lines.

Kept apart from :mod:`mock_ksef.request_log` (which needs Flask) so that the server's
master process configures logging without importing the app.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any


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
