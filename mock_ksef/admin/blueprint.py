"""The control API under ``/_mock`` (a prefix no KSeF path can take)."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import Blueprint, Response, jsonify

from mock_ksef.admin.health import health_report
from mock_ksef.domain.errors import ValidationFailed
from mock_ksef.http.bodies import peek_json
from mock_ksef.http.context import services
from mock_ksef.reset import reset_mock
from mock_ksef.timefmt import iso

bp = Blueprint("mock_admin", __name__, url_prefix="/_mock")


@bp.get("/health")
def health() -> Response:
    """Liveness: the server answers and its store is reachable."""
    svc = services()
    return jsonify(health_report(svc.store, svc.clock))


@bp.post("/reset")
def reset() -> Response:
    """Back to the start-up state (:func:`mock_ksef.reset.reset_mock`)."""
    reset_mock(services())
    return jsonify({"status": "reset"})


@bp.get("/clock")
def get_clock() -> Response:
    """The mock's current time and clock kind."""
    svc = services()
    return jsonify({"now": iso(svc.now()), "kind": getattr(svc.clock, "kind", "custom")})


@bp.post("/clock")
def set_clock() -> Response:
    """Move the clock of every replica: ``{"moveTo": ISO}`` or ``{"shiftSeconds": N}``."""
    svc = services()
    body = peek_json() or {}
    try:
        if "moveTo" in body:
            when = datetime.fromisoformat(str(body["moveTo"]))
            if when.tzinfo is None:
                raise ValueError(f"moveTo {body['moveTo']!r} has no UTC offset (add +00:00)")
            svc.shared.move_clock(to=when)
        elif "shiftSeconds" in body:
            svc.shared.move_clock(shift=timedelta(seconds=float(body["shiftSeconds"])))
        else:
            raise ValidationFailed("send moveTo (ISO 8601 with offset) or shiftSeconds")
    except (TypeError, ValueError, OverflowError) as exc:
        raise ValidationFailed(str(exc)) from exc
    return jsonify({"now": iso(svc.now()), "kind": getattr(svc.clock, "kind", "custom")})
