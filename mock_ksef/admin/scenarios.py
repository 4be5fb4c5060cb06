"""Control API for randomness and scenarios.

* ``POST /_mock/seed`` ``{"seed": N}``: reseed the random generator and Faker (and the
  draws of probabilistic faults);
* ``GET /_mock/scenarios``: every loaded scenario (name, description, selector, source)
  and the runtime bindings;
* ``POST /_mock/scenarios``: YAML text of one scenario; adds or replaces it by name;
* ``POST /_mock/scenarios/select`` ``{"scenario": name, "context": "5265877635"}``: logins
  to that context use the scenario (without ``context``: it becomes the runtime default).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, request

from mock_ksef.domain.errors import ValidationFailed
from mock_ksef.http.bodies import peek_json
from mock_ksef.http.context import services
from mock_ksef.scenario.model import Scenario
from mock_ksef.scenario.registry import DEFAULT_KEY, UnknownScenario
from mock_ksef.store.kinds import SCENARIO_BINDING

bp = Blueprint("mock_admin_scenarios", __name__, url_prefix="/_mock")
API_SOURCE = "<api>"


def _json_object() -> dict[str, Any]:
    body = peek_json()
    if not isinstance(body, dict):
        raise ValidationFailed("send a JSON object")
    return body


def describe(scenario: Scenario) -> dict[str, Any]:
    """The control API's summary of a scenario."""
    return {
        "name": scenario.name,
        "description": scenario.description,
        "selector": {
            "contexts": list(scenario.select.contexts),
            "tokens": list(scenario.select.tokens),
            "default": scenario.select.default,
        },
        "source": scenario.source,
    }


@bp.post("/seed")
def seed() -> Response:
    """Reseed the random generator, Faker and fault draws: ``{"seed": N}``."""
    value = _json_object().get("seed")
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValidationFailed("seed: an integer is required")
    services().shared.set_seed(value)  # every replica sharing the store
    return jsonify({"seed": value})


@bp.get("/scenarios")
def list_scenarios() -> Response:
    """Loaded scenarios, the runtime default and the per-context bindings."""
    svc = services()
    bindings = {str(doc["key"]): str(doc["scenario"]) for doc in svc.store.find(SCENARIO_BINDING)}
    default = bindings.pop(DEFAULT_KEY, None)
    return jsonify(
        {
            "scenarios": [describe(scenario) for scenario in svc.scenarios.all()],
            "runtimeDefault": default,
            "bindings": bindings,
        }
    )


@bp.post("/scenarios")
def load_scenario() -> Response:
    """Add or replace a scenario from the YAML text of the body (201)."""
    # PyYAML and jsonschema load on first use (docs/serving.md, "Cold start").
    from mock_ksef.scenario.loader import ScenarioError

    text = request.get_data(as_text=True)
    try:
        # Kept in the store: every replica sharing it uses the scenario.
        scenario = services().shared.add_scenario(text, API_SOURCE)
    except ScenarioError as exc:
        raise ValidationFailed(*str(exc).splitlines()) from None
    if scenario.name == API_SOURCE:
        raise ValidationFailed("name: a scenario sent to the control API needs a name")
    response = jsonify(describe(scenario))
    response.status_code = 201
    return response


@bp.post("/scenarios/select")
def select_scenario() -> Response:
    """Bind a scenario to a context, or make it the runtime default."""
    body = _json_object()
    name = body.get("scenario")
    context = body.get("context")
    if not isinstance(name, str) or not name:
        raise ValidationFailed("scenario: a scenario name is required")
    if context is not None and (not isinstance(context, str) or not context):
        raise ValidationFailed("context: a context identifier value (string) or nothing")
    svc = services()
    try:
        svc.scenarios.bind(context, name)
    except UnknownScenario:
        raise ValidationFailed(
            f"scenario '{name}' is not loaded; loaded: {', '.join(svc.scenarios.names())}"
        ) from None
    return jsonify({"scenario": name, "context": context})
