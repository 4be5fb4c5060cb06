"""The gate a KSeF API request passes: scripted faults, then the rate limiter.

:class:`TrafficControl` takes only what it needs (a store, the clock's reading, the
configured seed and journal size), so it knows nothing of the web framework or of the
app's service bundle. The edge (:mod:`mock_ksef.http.traffic_edge`) describes each request as
an :class:`Arrival` and acts on the answers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from mock_ksef.scenario.model import Fault, Scenario
from mock_ksef.store.base import Store
from mock_ksef.traffic.faults import current_seed, pick_fault
from mock_ksef.traffic.journal import Journal
from mock_ksef.traffic.limiter import RateLimiter, effective_rate_limits
from mock_ksef.traffic.routes import Route


@dataclass(frozen=True)
class Arrival:
    """A KSeF API request as the gate sees it."""

    method: str
    #: The path without ``/v2`` or ``/api/v2``.
    bare: str
    route: Route
    #: The counting key: the token's context value, else the client IP.
    caller: str
    #: The token's context value, if the request carries a valid token.
    context: str | None
    scenario: Scenario


class TrafficControl:
    """Faults, the limiter and the journal of one app.

    Args:
        store: where counters, windows and journal entries live (shared by workers).
        now: the injected clock's reading.
        seed: the configured seed (``POST /_mock/seed`` overrides it in the store).
        journal_size: how many journal entries are kept.
        current_seed: the seed in force, when the caller already knows it (the app's
            shared settings, refreshed at the start of each request); without it a fault
            draw reads the shared-settings document from the store.
    """

    def __init__(
        self,
        store: Store,
        now: Callable[[], datetime],
        seed: int,
        journal_size: int,
        current_seed: Callable[[], int] | None = None,
    ) -> None:
        self._store = store
        self._now = now
        self._seed = seed
        self._current_seed = current_seed
        self.journal = Journal(store, journal_size)

    def fault_for(self, arrival: Arrival) -> Fault | None:
        """Count the request against its scenario's faults; the one that fires, if any."""
        if not arrival.scenario.faults:  # most scenarios: no store read at all
            return None
        if self._current_seed is not None:
            seed = self._current_seed()
        else:
            seed = current_seed(self._store, self._seed)
        hit = pick_fault(
            self._store,
            seed,
            arrival.scenario,
            arrival.caller,
            arrival.method,
            arrival.bare,
            arrival.route,
        )
        return hit.fault if hit is not None else None

    def refusal(self, arrival: Arrival) -> int | None:
        """Count the request in the limiter's windows, or refuse it.

        Returns:
            ``None`` when it may proceed, else the ``Retry-After`` seconds of a 429.
        """
        if not arrival.route.limited:
            return None
        limits = effective_rate_limits(
            self._store, arrival.scenario, arrival.context, arrival.route.group
        )
        if limits is None:
            return None
        return RateLimiter(self._store).admit(
            arrival.route.group, arrival.caller, limits, self._now()
        )
