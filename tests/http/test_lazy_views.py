"""Lazy views: the same URL map as eager blueprints, view modules imported on first use."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from flask import Flask

from mock_ksef.app import BLUEPRINTS, mount_blueprints
from mock_ksef.http.context import install, services
from mock_ksef.http.lazy_views import LazyView, blueprint_at, url_rules
from mock_ksef.http.route_table import ROUTES

REGENERATE = (
    'regenerate: python -c "import mock_ksef.app as a; a.write_route_table()" '
    "&& ruff format mock_ksef/http/route_table.py"
)


def _url_map(app: Flask) -> set[tuple[str, str, tuple[str, ...]]]:
    return {
        (rule.rule, rule.endpoint, tuple(sorted(rule.methods or ())))
        for rule in app.url_map.iter_rules()
    }


def test_the_route_table_holds_the_rules_of_every_lazy_blueprint():
    harvested = {
        m.blueprint: (blueprint_at(m.blueprint).name, url_rules(blueprint_at(m.blueprint)))
        for m in BLUEPRINTS
        if m.lazy
    }
    assert harvested == ROUTES, REGENERATE


def test_lazy_and_eager_mounting_make_the_same_url_map(app):
    lazy, eager = app, Flask("eager")
    install(eager, services(app))  # the auth blueprint's start-up hook reads the settings
    mount_blueprints(eager, lazy=False)
    assert _url_map(lazy) == _url_map(eager)
    assert len(_url_map(lazy)) > 150  # every route, under both API prefixes


def test_a_blueprint_with_hooks_refuses_to_load_lazily():
    view = LazyView("mock_ksef.dashboard:bp", "page")
    with pytest.raises(RuntimeError, match=r"mock_ksef.dashboard:bp has after_request hooks"):
        view()


PROBE = """
import json, sys
import requests
from mock_ksef.app import create_app
from mock_ksef.threaded_server import ThreadedServer

VIEWS = ["mock_ksef.http.security", "mock_ksef.http.invoices", "mock_ksef.http.permission_routes"]
seen = {"built": {m: m in sys.modules for m in VIEWS}}
with ThreadedServer(create_app(seed=1, state_dir=sys.argv[1])) as server:
    answer = requests.get(server.url_for("/v2/security/public-key-certificates"), timeout=30)
    seen["status"] = answer.status_code
    seen["usages"] = sorted(u for c in answer.json() for u in c["usage"])
    seen["after"] = {m: m in sys.modules for m in VIEWS}
print(json.dumps(seen))
"""


def test_a_view_module_is_imported_by_the_first_request_that_needs_it(tmp_path: Path):
    out = subprocess.run(
        [sys.executable, "-c", PROBE, str(tmp_path)], capture_output=True, text=True, check=True
    )
    seen = json.loads(out.stdout.strip().splitlines()[-1])
    assert seen == {
        "built": {
            "mock_ksef.http.security": False,
            "mock_ksef.http.invoices": False,
            "mock_ksef.http.permission_routes": False,
        },
        "status": 200,
        "usages": ["KsefTokenEncryption", "SymmetricKeyEncryption"],
        "after": {
            "mock_ksef.http.security": True,
            "mock_ksef.http.invoices": False,
            "mock_ksef.http.permission_routes": False,
        },
    }
