"""One reset: ``POST /_mock/reset`` and ``KsefMock.reset()`` return the same start-up state."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from mock_ksef.testing import ErrorRecorder, KsefMock
from mock_ksef.threaded_server import ThreadedServer
from tests.faults.support import caller

EXTRA = "name: loaded-later\ndescription: loaded through the control API\n"


def _state(client: FlaskClient) -> dict[str, Any]:
    """What a client can observe of the mock's state; the last read draws from the seed."""
    state = {
        "clock": client.get("/_mock/clock").json,
        "scenarios": client.get("/_mock/scenarios").json,
        "sessions": client.get("/_mock/sessions").json,
        "requests": client.get("/_mock/requests").json,
    }
    state["challenge"] = client.post("/v2/auth/challenge").json  # random value, clock time
    return state


def _dirty(app: Flask, client: FlaskClient) -> None:
    """Change everything a reset must undo."""
    assert client.post("/_mock/scenarios", data=EXTRA).status_code == 201
    assert (
        client.post("/_mock/scenarios/select", json={"scenario": "loaded-later"}).status_code == 200
    )
    caller(app, client).open()  # an auth operation, a session, journal entries
    assert client.post("/_mock/seed", json={"seed": 99}).status_code == 200
    assert client.post("/_mock/clock", json={"shiftSeconds": 3600}).status_code == 200


@pytest.mark.parametrize("path", ["control API", "KsefMock"])
def test_both_resets_return_the_start_up_state(
    app: Flask, client: FlaskClient, live: ThreadedServer, path: str
) -> None:
    """Store, journal, bindings, loaded scenarios, seed and clock: all as right after start."""
    handle = KsefMock(live, ErrorRecorder(app))
    handle.reset()
    start = _state(client)
    _dirty(app, client)
    assert _state(client) != start
    if path == "control API":
        assert client.post("/_mock/reset").json == {"status": "reset"}
    else:
        handle.reset()
    assert _state(client) == start
    assert "loaded-later" not in {s["name"] for s in start["scenarios"]["scenarios"]}


def test_a_reset_restores_a_start_up_scenario_replaced_since(
    app: Flask, client: FlaskClient
) -> None:
    """A bundled scenario replaced through the control API is the bundled one again."""
    before = _state(client)["scenarios"]["scenarios"]
    name = before[0]["name"]
    replaced = client.post("/_mock/scenarios", data=f"name: {name}\ndescription: replaced\n")
    assert replaced.status_code == 201
    client.post("/_mock/reset")
    assert _state(client)["scenarios"]["scenarios"] == before
