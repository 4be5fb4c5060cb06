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
    """Move the clock: ``{"moveTo": ISO}`` or ``{"shiftSeconds": N}``."""
    svc = services()
    body = peek_json() or {}
    clock = svc.clock
    if not hasattr(clock, "move_to") or not hasattr(clock, "shift"):
        raise ValidationFailed("the system clock cannot be moved; start with --clock frozen")
    try:
        if "moveTo" in body:
            clock.move_to(datetime.fromisoformat(str(body["moveTo"])))
        elif "shiftSeconds" in body:
            clock.shift(timedelta(seconds=float(body["shiftSeconds"])))
        else:
            raise ValidationFailed("send moveTo (ISO 8601 with offset) or shiftSeconds")
    except (TypeError, ValueError) as exc:
        raise ValidationFailed(str(exc)) from exc
    return jsonify({"now": iso(svc.now()), "kind": getattr(clock, "kind", "custom")})
