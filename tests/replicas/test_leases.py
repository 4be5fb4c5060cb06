"""Whether the owner of a batch close lives: its pid on this host, its lease elsewhere."""

from __future__ import annotations

from mock_ksef.batch_files import LeasedWorker
from mock_ksef.store import MemoryStore
from mock_ksef.store.kinds import WORKER_LEASE


class Wall:
    """A settable stand-in for ``time.time``."""

    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


def test_a_process_on_another_host_lives_while_its_lease_does():
    """Renewed at t, alive until t + lease_s (exclusive), dead after; a renewal revives it."""
    store, wall = MemoryStore(), Wall()
    here = LeasedWorker(store, 10, host="host-a", wall=wall)
    there = LeasedWorker(store, 10, host="host-b", wall=wall)
    assert there.owner.startswith("host-b/")
    assert not here.alive(there.owner)  # never renewed: no lease at all
    there.heartbeat()
    assert store.get(WORKER_LEASE, there.owner) == {"owner": there.owner, "expires": 1_010.0}
    wall.now = 1_009.9
    assert here.alive(there.owner)
    wall.now = 1_010.0
    assert not here.alive(there.owner)
    there.heartbeat()
    assert here.alive(there.owner)


def test_on_the_same_host_the_process_table_decides_at_once():
    """A dead pid on this host is dead whatever its lease says; this process is alive."""
    store, wall = MemoryStore(), Wall()
    here = LeasedWorker(store, 10, host="host-a", wall=wall)
    dead = "host-a/999999999@1"  # no such pid
    store.put(WORKER_LEASE, dead, {"owner": dead, "expires": 10_000.0})
    assert not here.alive(dead)
    assert here.alive(here.owner)
    assert LeasedWorker(store, 10, host="host-a", wall=wall).alive(here.owner)
    assert not here.alive("999999999@1")  # an owner id of an older version: this host
