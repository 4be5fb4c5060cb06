"""The application factory: the composition root.

It builds the services, attaches them to the Flask app, and mounts every blueprint and
the request middleware (``docs/architecture.md``, "Request path"). Nothing imports this
module but the entry points (CLI, servers, pytest plugin), so it may import them all.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, Flask, Response, request

from mock_ksef import upkeep
from mock_ksef.admin.blueprint import bp as admin_bp
from mock_ksef.admin.inbox_routes import bp as admin_inbox_bp
from mock_ksef.admin.journal_routes import bp as admin_journal_bp
from mock_ksef.admin.scenarios import bp as admin_scenarios_bp
from mock_ksef.admin.sessions import bp as admin_sessions_bp
from mock_ksef.clock import Clock
from mock_ksef.crypto.keys import KeyRing
from mock_ksef.dashboard import bp as dashboard_bp
from mock_ksef.http import permission_gate, traffic_edge, wire
from mock_ksef.http.auth_routes import bp as auth_bp
from mock_ksef.http.certificate_routes import bp as certificates_bp
from mock_ksef.http.collective_routes import bp as collective_identifiers_bp
from mock_ksef.http.context import install, services
from mock_ksef.http.error_handlers import register_error_handlers
from mock_ksef.http.export_routes import bp as exports_bp
from mock_ksef.http.export_routes import parts_bp as export_parts_bp
from mock_ksef.http.invoices import bp as invoices_bp
from mock_ksef.http.json_provider import install_json
from mock_ksef.http.limits import bp as limits_bp
from mock_ksef.http.part_upload import bp as part_upload_bp
from mock_ksef.http.peppol_routes import bp as peppol_bp
from mock_ksef.http.permission_routes import bp as permissions_bp
from mock_ksef.http.qr_verification import bp as qr_verification_bp
from mock_ksef.http.security import bp as security_bp
from mock_ksef.http.sessions_batch import bp as sessions_batch_bp
from mock_ksef.http.sessions_online import bp as sessions_online_bp
from mock_ksef.http.sessions_status import bp as sessions_status_bp
from mock_ksef.http.storage import bp as storage_bp
from mock_ksef.http.testdata_routes import bp as testdata_bp
from mock_ksef.http.token_routes import bp as tokens_bp
from mock_ksef.scenario.bundle_digest import bundled_scenarios_dir, vouched_scenarios
from mock_ksef.scenario.model import Scenario
from mock_ksef.services import Services, build_services
from mock_ksef.settings import Settings
from mock_ksef.store import Store
from mock_ksef.xml.schemas import warn_missing_schemas

API_PREFIXES = ("/v2", "/api/v2")
#: Mounted under both ``/v2`` and ``/api/v2``.
API_BLUEPRINTS: tuple[Blueprint, ...] = (
    auth_bp,
    security_bp,
    sessions_online_bp,
    sessions_batch_bp,
    sessions_status_bp,
    testdata_bp,
    limits_bp,
    invoices_bp,
    exports_bp,
    certificates_bp,
    tokens_bp,
    permissions_bp,
    collective_identifiers_bp,
    peppol_bp,
)
#: Mounted at the root (control API, dashboard, storage links, part uploads).
PUBLIC_BLUEPRINTS: tuple[Blueprint, ...] = (
    admin_bp,
    admin_sessions_bp,
    admin_scenarios_bp,
    admin_journal_bp,
    admin_inbox_bp,
    dashboard_bp,
    storage_bp,
    part_upload_bp,
    qr_verification_bp,
    export_parts_bp,
)
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
    scenarios = startup_scenarios(settings.scenarios_dir)
    svc = build_services(settings, clock=clock, store=store, keys=keys)
    for scenario in scenarios:
        svc.scenarios.add(scenario)
    return create_app_from_services(svc)


def startup_scenarios(scenarios_dir: str) -> list[Scenario]:
    """The scenarios an app starts with: ``scenarios_dir``'s, or the bundled library.

    The bundled library comes from its pre-parsed copy when the recorded digest vouches
    for the installed files (no PyYAML, no jsonschema: ``scenario/bundle_digest.py``);
    anything else is parsed and validated.

    Raises:
        ScenarioError: the files have errors.
    """
    if not scenarios_dir:
        vouched = vouched_scenarios(bundled_scenarios_dir())
        if vouched is not None:
            return vouched
    from mock_ksef.scenario.loader import configured_scenarios

    return configured_scenarios(scenarios_dir)


def create_app_from_services(svc: Services) -> Flask:
    """Build the Flask app around ready services."""
    app = Flask("mock_ksef")
    app.config["MAX_CONTENT_LENGTH"] = svc.settings.max_request_bytes
    install_json(app)  # orjson; ensure_ascii and sort_keys off, as before
    install(app, svc)
    svc.scenarios.mark_baseline()  # what a reset returns to
    register_error_handlers(app)
    app.before_request(svc.shared.refresh)  # what other replicas changed (one store get)
    traffic_edge.install(app)
    permission_gate.install(app)  # x-required-permissions, after the traffic gate
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
    upkeep.start(svc)  # lease and batch recovery (docs/replicas.md)
    return app


def _system_warning(response: Response) -> Response:
    """Echo ``X-Test-System-Warning`` (as TE does) or the configured warning."""
    warning = request.headers.get("X-Test-System-Warning") or services().settings.system_warning
    if warning:
        response.headers["X-System-Warning"] = warning.encode("ascii", "replace").decode()
    return response
