"""Control API for the request journal.

* ``GET /_mock/requests?method=&path=&session=&context=&since=``: the recorded KSeF API
  requests, oldest first (``path`` may be an ``fnmatch`` pattern; ``since`` is a sequence
  number or an ISO 8601 time);
* ``DELETE /_mock/requests``: forget them.
"""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, Response, jsonify, request

from mock_ksef.domain.errors import ValidationFailed
from mock_ksef.http.context import services
from mock_ksef.http.traffic_edge import control_of
from mock_ksef.traffic.journal import Journal, JournalFilter

bp = Blueprint("mock_admin_journal", __name__, url_prefix="/_mock")


def _filter() -> JournalFilter:
    args = request.args
    since = args.get("since") or None
    since_sequence: int | None = None
    since_time: datetime | None = None
    if since is not None:
        if since.isdigit():
            since_sequence = int(since)
        else:
            try:
                since_time = datetime.fromisoformat(since)
            except ValueError:
                raise ValidationFailed(
                    f"since: a sequence number or an ISO 8601 time, got '{since}'"
                ) from None
            if since_time.tzinfo is None:
                raise ValidationFailed("since: the time needs an offset, e.g. +00:00")
    return JournalFilter(
        method=args.get("method") or None,
        path=args.get("path") or None,
        session=args.get("session") or None,
        context=args.get("context") or None,
        since_sequence=since_sequence,
        since_time=since_time,
    )


def _journal() -> Journal:
    return control_of(services()).journal


@bp.get("/requests")
def list_requests() -> Response:
    """Journal entries passing the query's filters."""
    wanted = _filter()
    return jsonify({"requests": _journal().entries(wanted)})


@bp.delete("/requests")
def clear_requests() -> Response:
    """Empty the journal."""
    return jsonify({"cleared": _journal().clear()})
