"""The counting rate limiter: sliding windows of 1 s, 60 s and 3600 s on the mock's clock.

Each (group, caller) keeps the times of the requests it let through, in the store, so
several worker processes sharing a SQLite store agree and ``/_mock/reset`` forgets them.
A request is refused when a window already holds its limit; refused requests are not
counted. The answer is the whole number of seconds until the oldest request counted in
the exceeded window leaves it (at least 1).

A window's limit means (``docs/faults.md``, "Limits of 0 and -1"):

- ``None`` or a negative number (``-1``, what ``GET /rate-limits`` shows for "no limit"):
  the window is not limited;
- ``0``: the window admits nothing; every request is refused with ``Retry-After`` = the
  window's length, since no request counted will ever free a slot;
- ``n > 0``: at most ``n`` requests in the window.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from mock_ksef.domain import testdata
from mock_ksef.scenario.model import RateLimit, Scenario
from mock_ksef.store.base import Store
from mock_ksef.store.kinds import RATE_WINDOW
from mock_ksef.traffic.routes import limits_for

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = 1_000_000
#: ``(window seconds, RateLimit field)``, shortest first.
WINDOWS: tuple[tuple[int, str], ...] = ((1, "per_second"), (60, "per_minute"), (3600, "per_hour"))


def effective_rate_limits(
    store: Store, scenario: Scenario, context_value: str | None, group: str
) -> RateLimit | None:
    """The limits the limiter applies to a request of ``group``; ``None``: not limited.

    A context's ``/testdata/rate-limits`` values win (the limiter is on for it); otherwise
    the scenario's plan: off by default, on with the spec's values plus its overrides.
    """
    override = testdata.rate_limit_override(store, context_value)
    if override is not None:
        return override.get(group) or limits_for(group, {})
    if not scenario.rate_limits.enabled:
        return None
    return limits_for(group, scenario.rate_limits.groups)


class RateLimiter:
    """Counts requests per (group, caller) and refuses those over a limit."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def admit(self, group: str, caller: str, limits: RateLimit, now: datetime) -> int | None:
        """Count a request now, or refuse it.

        Args:
            group: the route's rate-limit group.
            caller: the context value (with a token) or the client IP.
            limits: the group's limits in force.
            now: the mock's time.

        Returns:
            ``None`` when the request is let through (and counted), else the
            ``Retry-After`` seconds (an integer ≥ 1).
        """
        active = [(seconds, getattr(limits, name)) for seconds, name in WINDOWS]
        active = [(seconds, limit) for seconds, limit in active if limit is not None and limit >= 0]
        if not active:
            return None
        closed = [seconds for seconds, limit in active if limit == 0]
        if closed:
            return max(closed)
        longest = max(seconds for seconds, _ in active)
        key = f"{group}|{caller}"
        at = (now - _EPOCH) // timedelta(microseconds=1)  # exact integer arithmetic
        with self._store.transaction():
            doc = self._store.get(RATE_WINDOW, key) or {"times": []}
            times = sorted(int(t) for t in doc["times"] if int(t) > at - longest * _US)
            retry = 0
            for seconds, limit in active:
                inside = [t for t in times if t > at - seconds * _US]
                if len(inside) >= limit:
                    # The oldest of the last ``limit`` requests frees the slot.
                    oldest = inside[len(inside) - limit]
                    wait_us = oldest + seconds * _US - at
                    retry = max(retry, 1, -(-wait_us // _US))
            if retry:
                self._store.put(RATE_WINDOW, key, {"times": times})
                return retry
            times.append(at)
            self._store.put(RATE_WINDOW, key, {"times": times})
        return None
