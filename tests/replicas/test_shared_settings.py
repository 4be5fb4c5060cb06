"""What one replica is told through the control API, the other one does at once.

A scenario loaded on one replica, the clock moved on one, the seed set on one, a reset
on one: the next request to the other replica behaves accordingly. And the same
requests give the same bytes whether two replicas share the work or one does it all.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

from tests.replicas.conftest import Replicas, sdk_on
from tests.support.invoices import fa3_invoice
from tests.support.nips import NIP
from tests.support.sdk import login, open_fa3, poll_final

SCENARIO = """\
name: loaded-on-one-replica
description: the first challenge is refused with 503
faults:
  - kind: status
    route: "POST /auth/challenge"
    status: 503
    times: 1
"""


def call(base: str, method: str, path: str, body: Any = None, **headers: str) -> tuple[int, Any]:
    """One request straight to a replica; the status and the decoded JSON (or text)."""
    data = body.encode() if isinstance(body, str) else None
    if body is not None and data is None:
        data = json.dumps(body).encode()
        headers.setdefault("Content-Type", "application/json")
    request = urllib.request.Request(base + path, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            raw, status = response.read(), response.status
    except urllib.error.HTTPError as err:
        with err:
            raw, status = err.read(), err.code
    try:
        return status, json.loads(raw) if raw else None
    except ValueError:
        return status, raw.decode()


def test_a_scenario_loaded_on_one_replica_is_honoured_by_the_other(replicas: Replicas):
    """Loaded and bound on replica 0; listed by and faulting on replica 1, counted once."""
    first, second = replicas.urls
    status, loaded = call(first, "POST", "/_mock/scenarios", SCENARIO)
    assert (status, loaded["name"]) == (201, "loaded-on-one-replica")
    status, listed = call(second, "GET", "/_mock/scenarios")
    assert "loaded-on-one-replica" in [s["name"] for s in listed["scenarios"]]
    assert (
        call(second, "POST", "/_mock/scenarios/select", {"scenario": "loaded-on-one-replica"})[0]
        == 200
    )
    assert call(second, "POST", "/v2/auth/challenge")[0] == 503
    assert call(first, "POST", "/v2/auth/challenge")[0] == 200  # times: 1, counted in the store
    assert call(second, "POST", "/v2/auth/challenge")[0] == 200


def test_the_clock_moved_on_one_replica_is_the_clock_of_the_other(replicas: Replicas):
    """moveTo on replica 0, shiftSeconds on replica 1: both tell the same time after each."""
    first, second = replicas.urls
    moved = {"now": "2026-12-01T08:00:00.000000+00:00", "kind": "frozen"}
    assert call(first, "POST", "/_mock/clock", {"moveTo": "2026-12-01T08:00:00+00:00"}) == (
        200,
        moved,
    )
    assert call(second, "GET", "/_mock/clock") == (200, moved)
    shifted = {"now": "2026-12-01T08:01:30.000000+00:00", "kind": "frozen"}
    assert call(second, "POST", "/_mock/clock", {"shiftSeconds": 90}) == (200, shifted)
    assert call(first, "GET", "/_mock/clock") == (200, shifted)
    status, challenge = call(first, "POST", "/v2/auth/challenge")
    assert (status, challenge["timestamp"]) == (200, "2026-12-01T08:01:30.000000+00:00")


def test_a_reset_on_one_replica_resets_the_other(replicas: Replicas):
    """Clock, scenarios and seed set on replica 1, reset on replica 0: all back on both."""
    first, second = replicas.urls
    started = call(first, "GET", "/_mock/clock")[1]
    call(second, "POST", "/_mock/clock", {"shiftSeconds": 3600})
    call(second, "POST", "/_mock/scenarios", SCENARIO)
    call(second, "POST", "/_mock/seed", {"seed": 99})
    reference = call(second, "POST", "/v2/auth/challenge")[1]["challenge"]
    assert call(first, "POST", "/_mock/reset") == (200, {"status": "reset"})
    assert call(second, "GET", "/_mock/clock") == (200, started)
    names = [s["name"] for s in call(second, "GET", "/_mock/scenarios")[1]["scenarios"]]
    assert "loaded-on-one-replica" not in names
    again = call(second, "POST", "/v2/auth/challenge")[1]["challenge"]
    assert again.split("-")[2] == reference.split("-")[2]  # the sequence starts again
    assert again.split("-")[3] != reference.split("-")[3]  # from seed 0, not 99


def test_a_seed_set_on_one_replica_drives_the_ids_of_the_other(replicas: Replicas):
    """After seed 7 on either replica, the same next reference from each side."""
    first, second = replicas.urls
    call(first, "POST", "/_mock/seed", {"seed": 7})
    on_second = call(second, "POST", "/v2/auth/challenge")[1]["challenge"]
    call(second, "POST", "/_mock/reset")
    call(second, "POST", "/_mock/seed", {"seed": 7})
    on_first = call(first, "POST", "/v2/auth/challenge")[1]["challenge"]
    assert on_first == on_second


def _online_flow(replicas: Replicas) -> list[tuple[str, str, int, bytes]]:
    """Login, open, two sends, close, poll, list: every exchange, links made port-free."""
    with sdk_on(replicas.balancer) as sdk:
        token = login(sdk, NIP)
        workflow, session = open_fa3(sdk, token)
        ref = session.reference_number
        for n in (1, 2):
            workflow.send_invoice(
                session_reference_number=ref,
                invoice_xml=fa3_invoice(NIP, f"FV/DET/{n}"),
                encryption_data=session.encryption_data,
                access_token=token,
            )
        workflow.close_session(ref, token)
        assert poll_final(sdk, ref, token).status.code == 200
        sdk.sessions.get_session_invoices(ref, page_size=10, access_token=token)
    port = str(replicas.balancer.port).encode()
    return [
        (e.method, e.path, e.status, e.body.replace(port, b"PORT"))
        for e in replicas.balancer.exchanges
    ]


def test_the_same_requests_give_the_same_bytes_on_two_replicas_as_on_one(
    start_replicas, resolvable
):
    """An online flow alternating between two replicas answers byte for byte as one alone."""
    shared = _online_flow(start_replicas(2, name="two"))
    alone = _online_flow(start_replicas(1, name="one"))
    assert len(shared) == len(alone) > 10
    for ours, theirs in zip(shared, alone, strict=True):
        assert ours == theirs
