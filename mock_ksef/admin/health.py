"""What ``GET /_mock/health`` answers, without Flask (a worker answers it while it warms up)."""

from __future__ import annotations

import os
from typing import Any

from mock_ksef import __version__
from mock_ksef.clock import Clock
from mock_ksef.store import Store
from mock_ksef.store.kinds import HEALTH_PROBE
from mock_ksef.timefmt import iso


def health_report(store: Store, clock: Clock) -> dict[str, Any]:
    """Liveness: read the store (it must be reachable) and say who answers, and when."""
    store.get(HEALTH_PROBE, "probe")
    return {"status": "ok", "version": __version__, "time": iso(clock.now()), "pid": os.getpid()}
