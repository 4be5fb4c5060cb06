"""Lazily loaded views: URL rules mounted from a table, view modules imported on first use.

Flask's "Lazily Loading Views" pattern, per blueprint. The app registers every rule of a
lazy blueprint from :mod:`mock_ksef.http.route_table` (rule, endpoint, methods: the same
URL map as an eager registration, ``tests/http/test_lazy_views.py``); the view module,
with its marshmallow schemas and domain modules, is imported by the first request that
reaches one of its rules. Blueprints with hooks (``record``, ``before_request``,
``after_request``, error handlers) cannot be lazy: their hooks would never reach the app,
so loading one refuses to run (:func:`_load`). ``docs/performance.md``, "RSS".
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import cache
from importlib import import_module
from typing import Any

from flask import Blueprint, Flask

#: One table row: the rule below the mount prefix, the endpoint below the blueprint's
#: name (``func`` or ``child.func``), the methods (without the automatic HEAD, OPTIONS).
RouteRow = tuple[str, str, tuple[str, ...]]
#: One lazy load at a time: a view module imported by two request threads at once could
#: be seen partially initialised through an import cycle.
_LOADING = threading.Lock()
_AUTOMATIC = frozenset({"HEAD", "OPTIONS"})


def blueprint_at(spec: str) -> Blueprint:
    """The blueprint ``"package.module:attribute"`` names (imports the module)."""
    module, _, attribute = spec.partition(":")
    blueprint = getattr(import_module(module), attribute)
    if not isinstance(blueprint, Blueprint):
        raise TypeError(f"{spec} is not a Flask blueprint")
    return blueprint


def _scratch(blueprint: Blueprint) -> Flask:
    """A throwaway app holding only ``blueprint`` (mounted at its own prefix)."""
    app = Flask(f"{blueprint.import_name}-rules")
    app.register_blueprint(blueprint)
    return app


def url_rules(blueprint: Blueprint) -> tuple[RouteRow, ...]:
    """The rows of ``blueprint``'s rules, as :data:`mock_ksef.http.route_table` holds them."""
    rows = []
    for rule in _scratch(blueprint).url_map.iter_rules():
        owner, _, endpoint = rule.endpoint.partition(".")
        if owner != blueprint.name:
            continue  # the scratch app's own static route
        methods = tuple(sorted(set(rule.methods or ()) - _AUTOMATIC))
        rows.append((rule.rule, endpoint, methods))
    return tuple(sorted(rows))


def _hooked(app: Flask) -> list[str]:
    """What of ``app``'s per-blueprint hooks a lazy mount would lose."""
    registries: dict[str, dict[Any, Any]] = {
        "before_request": app.before_request_funcs,
        "after_request": app.after_request_funcs,
        "teardown_request": app.teardown_request_funcs,
        "errorhandler": app.error_handler_spec,
        "url_value_preprocessor": app.url_value_preprocessors,
        "url_defaults": app.url_default_functions,
    }
    return [kind for kind, registry in registries.items() if any(k is not None for k in registry)]


@cache
def _load(spec: str) -> dict[str, Callable[..., Any]]:
    """The view functions of the blueprint ``spec`` by endpoint (imported once)."""
    with _LOADING:
        blueprint = blueprint_at(spec)
        app = _scratch(blueprint)
        hooks = _hooked(app)
        if hooks:
            raise RuntimeError(f"{spec} has {', '.join(hooks)} hooks: mount it eagerly")
        prefix = f"{blueprint.name}."
        return {
            name.removeprefix(prefix): view
            for name, view in app.view_functions.items()
            if name.startswith(prefix)
        }


class LazyView:
    """A view that imports its blueprint's module when first called."""

    def __init__(self, spec: str, endpoint: str) -> None:
        self.spec = spec
        self.endpoint = endpoint
        self.__name__ = endpoint.rpartition(".")[2]

    def __call__(self, **values: Any) -> Any:
        return _load(self.spec)[self.endpoint](**values)


def mount_lazily(
    app: Flask, spec: str, rows: tuple[RouteRow, ...], *, prefix: str = "", name: str
) -> None:
    """Register ``rows`` of the blueprint ``spec`` on ``app`` as ``name``, below ``prefix``."""
    for rule, endpoint, methods in rows:
        full = "/".join((prefix.rstrip("/"), rule.lstrip("/"))) if prefix else rule
        app.add_url_rule(
            full, f"{name}.{endpoint}", LazyView(spec, endpoint), methods=list(methods)
        )
