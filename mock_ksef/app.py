"""The application factory: the composition root.

It builds the services, attaches them to the Flask app, and mounts every blueprint and
the request middleware (``docs/architecture.md``, "Request path"). Nothing imports this
module but the entry points (CLI, servers, pytest plugin), so it may import them all.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask, Response, request

from mock_ksef import upkeep
from mock_ksef.clock import Clock
from mock_ksef.crypto.keys import KeyRing
from mock_ksef.http import permission_gate, traffic_edge, wire
from mock_ksef.http.context import install, services
from mock_ksef.http.error_handlers import register_error_handlers
from mock_ksef.http.json_provider import install_json
from mock_ksef.http.lazy_views import blueprint_at, mount_lazily, url_rules
from mock_ksef.http.route_table import ROUTES
from mock_ksef.scenario.bundle_digest import bundled_scenarios_dir, vouched_scenarios
from mock_ksef.scenario.model import Scenario
from mock_ksef.services import Services, build_services
from mock_ksef.settings import Settings
from mock_ksef.store import Store
from mock_ksef.xml.schemas import warn_missing_schemas

API_PREFIXES = ("/v2", "/api/v2")


@dataclass(frozen=True)
class Mount:
    """One blueprint of the app.

    ``blueprint`` is ``"module:attribute"``; ``api`` mounts it under both
    :data:`API_PREFIXES` (else at the root); a ``lazy`` one is registered from
    :data:`mock_ksef.http.route_table.ROUTES` and imported by its first request
    (``http/lazy_views.py``). Blueprints with hooks are mounted eagerly.
    """

    blueprint: str
    api: bool
    lazy: bool = True


#: Every blueprint, in mounting order. After adding one or changing a route, regenerate
#: the rule table: ``python -c "import mock_ksef.app as a; a.write_route_table()"``.
BLUEPRINTS: tuple[Mount, ...] = (
    Mount("mock_ksef.http.auth_routes:bp", api=True, lazy=False),  # record_once: auth XSDs
    Mount("mock_ksef.http.security:bp", api=True),
    Mount("mock_ksef.http.sessions_online:bp", api=True),
    Mount("mock_ksef.http.sessions_batch:bp", api=True),
    Mount("mock_ksef.http.sessions_status:bp", api=True),
    Mount("mock_ksef.http.testdata_routes:bp", api=True),
    Mount("mock_ksef.http.limits:bp", api=True),
    Mount("mock_ksef.http.invoices:bp", api=True),
    Mount("mock_ksef.http.export_routes:bp", api=True),
    Mount("mock_ksef.http.certificate_routes:bp", api=True),
    Mount("mock_ksef.http.token_routes:bp", api=True),
    Mount("mock_ksef.http.permission_routes:bp", api=True),
    Mount("mock_ksef.http.collective_routes:bp", api=True),
    Mount("mock_ksef.http.peppol_routes:bp", api=True),
    Mount("mock_ksef.admin.blueprint:bp", api=False),
    Mount("mock_ksef.admin.sessions:bp", api=False),
    Mount("mock_ksef.admin.scenarios:bp", api=False),
    Mount("mock_ksef.admin.journal_routes:bp", api=False),
    Mount("mock_ksef.admin.inbox_routes:bp", api=False),
    Mount("mock_ksef.dashboard:bp", api=False, lazy=False),  # after_request: page headers
    Mount("mock_ksef.http.storage:bp", api=False),
    Mount("mock_ksef.http.part_upload:bp", api=False),
    Mount("mock_ksef.http.qr_verification:bp", api=False),
    Mount("mock_ksef.http.export_routes:parts_bp", api=False),
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
    traffic_edge.install(app)  # first: the shared settings' refresh (one store read)
    permission_gate.install(app)  # x-required-permissions, after the traffic gate
    mount_blueprints(app)
    app.after_request(_system_warning)
    wire.install(app)
    warn_missing_schemas(svc.schemas, svc.settings.allowed_form_codes)
    upkeep.start(svc)  # lease and batch recovery (docs/replicas.md)
    return app


def mount_blueprints(app: Flask, *, lazy: bool = True) -> None:
    """Mount :data:`BLUEPRINTS` on ``app`` (``lazy=False``: import and register them all)."""
    for mount in BLUEPRINTS:
        mounts = (
            [(prefix, f"{prefix.strip('/').replace('/', '_')}_") for prefix in API_PREFIXES]
            if mount.api
            else [("", "")]
        )
        if mount.lazy and lazy:
            bp_name, rows = ROUTES[mount.blueprint]
            for prefix, name in mounts:
                mount_lazily(app, mount.blueprint, rows, prefix=prefix, name=name + bp_name)
            continue
        blueprint = blueprint_at(mount.blueprint)
        for prefix, name in mounts:
            app.register_blueprint(blueprint, url_prefix=prefix or None, name=name + blueprint.name)


def route_table_source() -> str:
    """The source of ``http/route_table.py``: the rules of every lazy blueprint."""
    lines = [
        '"""The URL rules of the lazily loaded blueprints (generated: do not edit).',
        "",
        'Regenerate with ``python -c "import mock_ksef.app as a; a.write_route_table()"``,',
        "then ``ruff format mock_ksef/http/route_table.py``; ``tests/http/test_lazy_views.py``",
        'fails while it is stale."""',
        "",
        "from __future__ import annotations",
        "",
        "#: ``module:attribute`` -> (the blueprint's name, its rows: rule, endpoint, methods).",
        "ROUTES: dict[str, tuple[str, tuple[tuple[str, str, tuple[str, ...]], ...]]] = {",
    ]
    for mount in BLUEPRINTS:
        if mount.lazy:
            blueprint = blueprint_at(mount.blueprint)
            lines.append(f"    {mount.blueprint!r}: (")
            lines.append(f"        {blueprint.name!r},")
            lines.append("        (")
            lines += [f"            {row!r}," for row in url_rules(blueprint)]
            lines.append("        ),")
            lines.append("    ),")
    lines.append("}")
    return "\n".join(lines) + "\n"


def write_route_table() -> None:
    """Regenerate ``http/route_table.py`` from the blueprints."""
    path = Path(__file__).with_name("http") / "route_table.py"
    path.write_text(route_table_source(), encoding="utf-8")


def _system_warning(response: Response) -> Response:
    """Echo ``X-Test-System-Warning`` (as TE does) or the configured warning."""
    warning = request.headers.get("X-Test-System-Warning") or services().settings.system_warning
    if warning:
        response.headers["X-System-Warning"] = warning.encode("ascii", "replace").decode()
    return response
