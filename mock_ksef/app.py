"""The application factory."""

from __future__ import annotations

import logging
import threading
from typing import Any

from flask import Flask, Response, request

from mock_ksef.clock import Clock
from mock_ksef.crypto.keys import KeyRing
from mock_ksef.domain import batch_recovery
from mock_ksef.faults import hooks as fault_hooks
from mock_ksef.http import API_BLUEPRINTS, PUBLIC_BLUEPRINTS, wire
from mock_ksef.http.context import install, services
from mock_ksef.http.errors import register_error_handlers
from mock_ksef.scenario.loader import configured_scenarios
from mock_ksef.services import Services, build_services
from mock_ksef.settings import Settings
from mock_ksef.store import Store
from mock_ksef.xml.schemas import warn_missing_schemas

API_PREFIXES = ("/v2", "/api/v2")
log = logging.getLogger("mock_ksef")


def create_app(
    settings: Settings | None = None,
    *,
    clock: Clock | None = None,
    store: Store | None = None,
    keys: KeyRing | None = None,
    **overrides: Any,
) -> Flask:
    """Build a mock KSeF server.

    Args:
        settings: base settings (default: defaults plus ``MOCK_KSEF_*`` variables).
        clock: an injected clock (default: from ``settings.clock``).
        store: an injected store (default: from ``settings.store``).
        keys: injected key pairs (default: loaded or generated).
        overrides: setting overrides applied on top of ``settings``.
    """
    settings = (settings or Settings.from_env()).with_overrides(**overrides)
    # Before anything is opened: a broken scenario file stops the start (ScenarioError).
    scenarios = configured_scenarios(settings.scenarios_dir)
    svc = build_services(settings, clock=clock, store=store, keys=keys)
    for scenario in scenarios:
        svc.scenarios.add(scenario)
    return create_app_from_services(svc)


def create_app_from_services(svc: Services) -> Flask:
    """Build the Flask app around ready services."""
    app = Flask("mock_ksef")
    app.config["MAX_CONTENT_LENGTH"] = svc.settings.max_request_bytes
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.json.sort_keys = False  # type: ignore[attr-defined]
    install(app, svc)
    register_error_handlers(app)
    fault_hooks.install(app)
    for blueprint in API_BLUEPRINTS:
        for prefix in API_PREFIXES:
            app.register_blueprint(
                blueprint,
                url_prefix=prefix,
                name=f"{prefix.strip('/').replace('/', '_')}_{blueprint.name}",
            )
    for blueprint in PUBLIC_BLUEPRINTS:
        app.register_blueprint(blueprint)
    app.after_request(_system_warning)
    wire.install(app)
    warn_missing_schemas(svc.schemas, svc.settings.allowed_form_codes)
    if batch_recovery.pending_recovery(svc):
        threading.Thread(
            target=_recover_batches, args=(svc,), name="mock-ksef-batch-recovery", daemon=True
        ).start()
    return app


def _recover_batches(svc: Services) -> None:
    """Clean batch leftovers and finish closes a killed process left (in the background)."""
    try:
        batch_recovery.recover(svc)
    except Exception:
        log.exception("batch recovery failed")


def _system_warning(response: Response) -> Response:
    """Echo ``X-Test-System-Warning`` (as TE does) or the configured warning."""
    warning = request.headers.get("X-Test-System-Warning") or services().settings.system_warning
    if warning:
        response.headers["X-System-Warning"] = warning.encode("ascii", "replace").decode()
    return response
