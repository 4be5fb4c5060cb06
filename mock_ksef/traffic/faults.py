"""Which scripted fault, if any, hits a request.

Counters live in the store under (scenario, caller, fault index), where the caller is the
context of the request's token or the client IP. Parallel test workers that log in to
different contexts therefore never share a counter, several processes sharing a store
agree, and ``/_mock/reset`` starts every count again.

``probability`` draws from a ``random.Random`` derived from (seed, scenario, fault index,
count of matching requests), so the outcome for the n-th matching request is the same on
every run and does not depend on any other randomness of the mock.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from mock_ksef.scenario.model import Fault, Scenario
from mock_ksef.shared_state import current_seed as current_seed  # the gate's seed
from mock_ksef.store.base import Store
from mock_ksef.store.kinds import FAULT_COUNTER as KIND
from mock_ksef.traffic.routes import Route, route_matches

#: Upper bound of a ``latency`` fault's sleep, in milliseconds.
MAX_LATENCY_MS = 30_000


@dataclass(frozen=True)
class Hit:
    """A fault that applies to the current request."""

    index: int
    fault: Fault


def draw(seed: int, scenario: str, index: int, count: int) -> float:
    """The deterministic number in [0, 1) for the ``count``-th match of fault ``index``."""
    return random.Random(f"{seed}|{scenario}|{index}|{count}").random()


def pick_fault(
    store: Store, seed: int, scenario: Scenario, caller: str, method: str, bare: str, route: Route
) -> Hit | None:
    """Count the request against the scenario's matching faults; the first that fires.

    Faults are tried in order. Each matching fault counts the request (``after`` skips
    the first matches, ``times`` caps the hits, ``probability`` draws); the first one
    that fires wins and the faults after it neither count nor fire.
    """
    for index, fault in enumerate(scenario.faults):
        if not route_matches(fault.route, method, bare, route):
            continue
        key = f"{scenario.name}|{caller}|{index}"
        with store.transaction():
            doc = store.get(KIND, key) or {"seen": 0, "hits": 0}
            count = int(doc["seen"])
            fires = count >= fault.after and (fault.times is None or doc["hits"] < fault.times)
            if fires and fault.probability < 1.0:
                fires = draw(seed, scenario.name, index, count) < fault.probability
            store.put(KIND, key, {"seen": count + 1, "hits": int(doc["hits"]) + int(fires)})
        if fires:
            return Hit(index, fault)
    return None


def latency_seconds(fault: Fault) -> float:
    """A latency fault's sleep, bounded by :data:`MAX_LATENCY_MS`."""
    return min(max(fault.latency_ms, 0), MAX_LATENCY_MS) / 1000.0
