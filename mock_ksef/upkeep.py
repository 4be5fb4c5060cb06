"""The background work of one process: its lease, and closes that a dead process left.

One daemon thread per app whose store can be shared (any but the memory store), or
whose store holds something to recover. Every ``worker_lease_s / 5`` seconds it renews
this process's lease (:class:`~mock_ksef.batch_files.LeasedWorker`) and finishes every
batch close whose owner died (:func:`~mock_ksef.domain.batch_recovery.resume_abandoned`):
a replica killed with ``kill -9`` while processing a close leaves it to the others
(``docs/replicas.md``), and deletes the parts that finished sessions left behind (a
process killed between the commit of an outcome and the deletion of its parts).
The thread holds its services weakly and ends when they are gone.
"""

from __future__ import annotations

import logging
import threading
import time
import weakref

from mock_ksef.domain import batch_recovery
from mock_ksef.services import Services
from mock_ksef.store import MemoryStore

log = logging.getLogger("mock_ksef")


def _round(svc: Services) -> None:
    svc.shared.refresh()  # the seed and clock a resumed close runs with
    svc.worker.heartbeat()
    batch_recovery.recover(svc.batch_deps)


def _run(ref: weakref.ReferenceType[Services], interval: float) -> None:
    failing = False
    while (svc := ref()) is not None:
        try:
            _round(svc)
            failing = False
        except Exception:
            if not failing:  # once per run of failures, not every round
                log.exception("the upkeep round failed (lease renewal, batch recovery)")
            failing = True
        del svc  # hold the services only while working
        time.sleep(interval)


def start(svc: Services) -> threading.Thread | None:
    """Start the upkeep thread when the store can be shared or holds leftovers."""
    shared = not isinstance(svc.store, MemoryStore)
    if not shared and not batch_recovery.pending_recovery(svc.batch_deps):
        return None
    thread = threading.Thread(
        target=_run,
        args=(weakref.ref(svc), max(svc.settings.worker_lease_s / 5, 0.2)),
        name="mock-ksef-upkeep",
        daemon=True,
    )
    thread.start()
    return thread
