"""The background work of one process: its lease, and closes that a dead process left.

One daemon thread per app whose store can be shared (any but the memory store), or
whose store holds something to recover. Every ``worker_lease_s / 5`` seconds it renews
this process's lease (:class:`~mock_ksef.batch_files.LeasedWorker`) and finishes every
batch close whose owner died (:func:`~mock_ksef.domain.batch_recovery.resume_abandoned`):
a replica killed with ``kill -9`` while processing a close leaves it to the others
(``docs/replicas.md``), and deletes the parts that finished sessions left behind (a
process killed between the commit of an outcome and the deletion of its parts).
The thread holds its services weakly and ends when they are gone, or at :func:`stop`
(the CLI calls it before it closes the store).
"""

from __future__ import annotations

import logging
import threading
import weakref

from mock_ksef.domain import batch_recovery
from mock_ksef.services import Services
from mock_ksef.store import MemoryStore

log = logging.getLogger("mock_ksef")
#: The running upkeep threads, by their services' stop event.
_threads: weakref.WeakKeyDictionary[threading.Event, threading.Thread] = weakref.WeakKeyDictionary()


def _round(svc: Services) -> None:
    svc.shared.refresh()  # the seed and clock a resumed close runs with
    svc.worker.heartbeat()
    batch_recovery.recover(svc.batch_deps)


def _run(ref: weakref.ReferenceType[Services], interval: float, stop: threading.Event) -> None:
    failing = False
    while not stop.is_set() and (svc := ref()) is not None:
        try:
            _round(svc)
            failing = False
        except Exception:
            if not failing:  # once per run of failures, not every round
                log.exception("the upkeep round failed (lease renewal, batch recovery)")
            failing = True
        del svc  # hold the services only while working
        stop.wait(interval)


def start(svc: Services) -> threading.Thread | None:
    """Start the upkeep thread when the store can be shared or holds leftovers."""
    shared = not isinstance(svc.store, MemoryStore)
    if not shared and not batch_recovery.pending_recovery(svc.batch_deps):
        return None
    interval = max(svc.settings.worker_lease_s / 5, 0.2)
    thread = threading.Thread(
        target=_run,
        args=(weakref.ref(svc), interval, svc.upkeep_stop),
        name="mock-ksef-upkeep",
        daemon=True,
    )
    thread.start()
    _threads[svc.upkeep_stop] = thread
    return thread


def stop(svc: Services, timeout: float = 30.0) -> None:
    """End the upkeep thread (before the store is closed): after its round, if in one."""
    svc.upkeep_stop.set()
    thread = _threads.pop(svc.upkeep_stop, None)
    if thread is not None and thread is not threading.current_thread():
        thread.join(timeout)
