"""Two apps in one process on one SQLite file: the shared settings, step by step.

The same mechanism as between replicas (``test_shared_settings.py``), without servers:
each app has its own ``SqliteStore`` on the same file, as two processes would.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask

from mock_ksef import upkeep
from mock_ksef.app import create_app
from mock_ksef.clock import FrozenClock, OffsetClock
from mock_ksef.http.context import services
from mock_ksef.reset import reset_mock
from mock_ksef.services import Services
from mock_ksef.settings import Settings
from mock_ksef.store import SqliteStore
from tests.support.store_reads import count_gets

START = datetime(2026, 11, 24, 9, tzinfo=UTC)
SCENARIO = "name: shared-one\ndescription: loaded on one app\n"


@pytest.fixture
def pair(tmp_path: Path) -> Iterator[tuple[Services, Services]]:
    """Two apps on one SQLite file, frozen at :data:`START`."""
    apps: list[Flask] = []
    for _ in range(2):
        store = SqliteStore(tmp_path / "shared.sqlite3")
        apps.append(create_app(Settings(seed=1), clock=FrozenClock(START), store=store))
        # No upkeep round (a refresh every 2 s) between a change and the assertions below.
        upkeep.stop(services(apps[-1]))
    yield services(apps[0]), services(apps[1])
    for app in apps:
        upkeep.stop(services(app))
        services(app).store.close()


def test_a_shift_on_each_side_adds_up(pair):
    """Each writer catches up first: two shifts of 60 s make 120 s on both."""
    one, two = pair
    one.shared.move_clock(shift=timedelta(seconds=60))
    two.shared.move_clock(shift=timedelta(seconds=60))
    one.shared.refresh()
    assert one.now() == two.now() == START + timedelta(seconds=120)


def test_seed_and_scenarios_reach_the_other_app_on_its_next_refresh(pair):
    """Nothing changes before the refresh (no store read), everything after it."""
    one, two = pair
    one.shared.set_seed(42)
    one.shared.add_scenario(SCENARIO, "<api>")
    assert (two.ids.seed, "shared-one" in two.scenarios.names()) == (1, False)
    two.shared.refresh()
    assert (two.ids.seed, two.scenarios.get("shared-one").description) == (42, "loaded on one app")


def test_a_reset_on_one_app_is_a_reset_of_the_other(pair):
    """Seed, frozen clock and runtime scenarios are back at their start on the other app."""
    one, two = pair
    two.shared.set_seed(9)
    two.shared.move_clock(to=START + timedelta(days=1))
    two.shared.add_scenario(SCENARIO, "<api>")
    reset_mock(one)
    two.shared.refresh()
    assert (two.ids.seed, two.now(), "shared-one" in two.scenarios.names()) == (1, START, False)


def test_a_reset_leaves_an_offset_clock_running(tmp_path: Path):
    """An offset clock moved through the shared settings keeps its offset after a reset."""
    apps = [
        create_app(Settings(), clock=OffsetClock(), store=SqliteStore(tmp_path / "shared.sqlite3"))
        for _ in range(2)
    ]
    one, two = (services(app) for app in apps)
    try:
        one.shared.move_clock(shift=timedelta(hours=5))
        two.shared.refresh()
        assert two.clock.offset == timedelta(hours=5)  # type: ignore[attr-defined]
        reset_mock(one)
        two.shared.refresh()
        assert two.clock.offset == one.clock.offset == timedelta(hours=5)  # type: ignore[attr-defined]
    finally:
        for svc in (one, two):
            upkeep.stop(svc)
            svc.store.close()


def test_an_unmoved_counter_spares_the_store_read_and_a_write_moves_it(pair, monkeypatch):
    """While the SETTINGS counter stays put, a refresh reads nothing; a write bumps it."""
    one, two = pair
    two.shared.refresh()
    reads = count_gets(two.store, monkeypatch)
    two.shared.refresh()
    assert reads == []
    one.shared.set_seed(42)
    two.shared.refresh()
    assert (reads, two.ids.seed) == (["shared-settings"], 42)


def test_a_write_whose_bump_was_lost_is_seen_after_the_recheck_interval(pair, monkeypatch):
    """A writer killed between its commit and the bump: the others read again within
    ``RECHECK_S`` anyway."""
    from mock_ksef import shared_state

    one, two = pair
    two.shared.refresh()
    before = one.store.get("shared-settings", shared_state.KEY) or {}
    one.store.put("shared-settings", shared_state.KEY, {**before, "seed": 77})  # no bump
    two.shared.refresh()
    assert two.ids.seed == 1  # trusted: the counter did not move
    now = [time.monotonic() + shared_state.RECHECK_S]
    monkeypatch.setattr(time, "monotonic", lambda: now[0])
    two.shared.refresh()  # the trusted window is over: read again
    assert two.ids.seed == 77
    one.store.put("shared-settings", shared_state.KEY, {**before, "seed": 78})  # no bump
    two.shared.refresh()
    assert two.ids.seed == 77
    now[0] += shared_state.RECHECK_S
    two.shared.refresh()
    assert two.ids.seed == 78
