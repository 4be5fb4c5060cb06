"""Control API: seed, scenario list/load/select, and what /_mock/reset forgets."""

from __future__ import annotations

from mock_ksef.scenario.model import Fault
from tests.faults.support import bind, caller, session_list
from tests.support.exceptions import exception_detail
from tests.support.nips import NIP, OTHER_NIP

FAULTY = """\
name: api-faulty
description: Lists fail twice.
faults:
  - kind: status
    route: GET /sessions
    status: 503
    body: empty
    times: 2
"""


def test_list_shows_name_description_selector_and_source(app, client):
    """Every loaded scenario is listed with its selector and where it came from."""
    bind(app, NIP, name="listed")
    body = client.get("/_mock/scenarios").json
    listed = next(s for s in body["scenarios"] if s["name"] == "listed")
    assert listed == {
        "name": "listed",
        "description": "",
        "selector": {"contexts": [NIP], "tokens": [], "default": False},
        "source": "<builtin>",
    }
    assert "natural" in [s["name"] for s in body["scenarios"]]
    assert (body["runtimeDefault"], body["bindings"]) == (None, {})


def test_post_yaml_adds_a_scenario_that_select_binds_to_a_context(app, client):
    """A posted YAML scenario bound to a NIP applies to that NIP's next login only."""
    created = client.post("/_mock/scenarios", data=FAULTY, content_type="application/yaml")
    assert created.status_code == 201
    assert created.json["name"] == "api-faulty"
    assert created.json["source"] == "<api>"
    selected = client.post(
        "/_mock/scenarios/select", json={"scenario": "api-faulty", "context": NIP}
    )
    assert selected.json == {"scenario": "api-faulty", "context": NIP}
    assert client.get("/_mock/scenarios").json["bindings"] == {NIP: "api-faulty"}
    who, other = caller(app, client, NIP), caller(app, client, OTHER_NIP)
    assert [session_list(client, who).status_code for _ in range(3)] == [503, 503, 200]
    assert session_list(client, other).status_code == 200


def test_select_without_context_sets_the_runtime_default(app, client):
    """Without a context the scenario becomes the runtime default for every login."""
    client.post("/_mock/scenarios", data=FAULTY)
    assert client.post("/_mock/scenarios/select", json={"scenario": "api-faulty"}).json == {
        "scenario": "api-faulty",
        "context": None,
    }
    assert client.get("/_mock/scenarios").json["runtimeDefault"] == "api-faulty"
    assert session_list(client, caller(app, client, OTHER_NIP)).status_code == 503


def test_broken_yaml_is_400_with_the_located_message(client):
    """A broken scenario text is refused with the loader's message (line, column, path)."""
    detail = exception_detail(client.post("/_mock/scenarios", data="faults: [{kind: bogus}]\n"))
    assert detail["exceptionCode"] == 21405
    assert detail["details"] == [
        "<api>:1:17: faults[0].kind: 'bogus' is not one of "
        "['latency', 'status', 'reset', 'commit_then_fail']"
    ]
    nameless = exception_detail(client.post("/_mock/scenarios", data="description: x\n"))
    assert nameless["details"] == ["name: a scenario sent to the control API needs a name"]


def test_select_unknown_scenario_is_400(client):
    """Binding a scenario that is not loaded is refused."""
    detail = exception_detail(
        client.post("/_mock/scenarios/select", json={"scenario": "nope", "context": NIP})
    )
    assert detail["details"][0].startswith("scenario 'nope' is not loaded; loaded: ")
    assert exception_detail(client.post("/_mock/scenarios/select", json={}))["details"] == [
        "scenario: a scenario name is required"
    ]


def test_seed_reseeds_and_validates(app, client):
    """The random part of a reference is a function of the seed and its sequence number.

    After a reset the sequences start again: the same seed gives the same reference,
    another seed another one. A non-integer is refused.
    """
    assert client.post("/_mock/seed", json={"seed": 5}).json == {"seed": 5}
    first = client.post("/v2/auth/challenge").json["challenge"]
    client.post("/_mock/reset")
    client.post("/_mock/seed", json={"seed": 5})
    assert client.post("/v2/auth/challenge").json["challenge"] == first
    client.post("/_mock/reset")
    client.post("/_mock/seed", json={"seed": 6})
    other = client.post("/v2/auth/challenge").json["challenge"]
    assert other.split("-")[2] == first.split("-")[2]  # the same sequence number
    assert other.split("-")[3] != first.split("-")[3]
    assert exception_detail(client.post("/_mock/seed", json={"seed": "x"}))["details"] == [
        "seed: an integer is required"
    ]


def test_reset_clears_bindings_fault_counters_and_journal(app, client):
    """After /_mock/reset bindings and scenarios loaded since start-up are gone, and every
    fault counter starts again."""
    once = Fault("status", route="GET /sessions", status=503, times=1)
    bind(app, NIP, once, name="once")
    client.post("/_mock/scenarios", data=FAULTY)
    client.post("/_mock/scenarios/select", json={"scenario": "api-faulty", "context": OTHER_NIP})
    who = caller(app, client)
    assert [session_list(client, who).status_code for _ in range(2)] == [503, 200]
    assert client.post("/_mock/reset").status_code == 200
    body = client.get("/_mock/scenarios").json
    assert (body["bindings"], body["runtimeDefault"]) == ({}, None)
    names = [s["name"] for s in body["scenarios"]]
    assert not {"api-faulty", "once"} & set(names)  # back to the start-up set
    assert client.get("/_mock/requests").json["requests"] == []
    bind(app, NIP, once, name="once")
    again = caller(app, client)
    assert [session_list(client, again).status_code for _ in range(2)] == [503, 200]
    assert session_list(client, caller(app, client, OTHER_NIP)).status_code == 200
