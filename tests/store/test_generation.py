"""The state's counters: one bump seen by every process that maps the file, at once."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import cast

import pytest

from mock_ksef.store import MemoryStore, SqliteStore
from mock_ksef.store.base import Store
from mock_ksef.store.generation import (
    RATE_LIMITS,
    REVOCATIONS,
    STATE,
    LocalGeneration,
    SharedGeneration,
    bump,
    generation_of,
    never_written,
)
from mock_ksef.store.kinds import REVOKED_JTI, TESTDATA_RATE_LIMITS

_BUMP_ELSEWHERE = """
import sys
from pathlib import Path
from mock_ksef.store import SqliteStore
from mock_ksef.store.generation import bump
bump(SqliteStore(Path(sys.argv[1])), int(sys.argv[2]))
"""


def test_a_bump_in_another_process_is_read_here_at_once(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite3"
    generation = generation_of(SqliteStore(path))
    assert isinstance(generation, SharedGeneration)
    assert (generation.read(STATE), generation.read(REVOCATIONS)) == (0, 0)
    for expected in (1, 2):
        subprocess.run([sys.executable, "-c", _BUMP_ELSEWHERE, str(path), str(STATE)], check=True)
        assert (generation.read(STATE), generation.read(REVOCATIONS)) == (expected, 0)
    assert Path(f"{path}.generation").stat().st_size == 64


def test_two_stores_on_one_file_share_the_counters(tmp_path: Path) -> None:
    """Two store objects stand for two workers (each with its own descriptor and map)."""
    path = tmp_path / "state.sqlite3"
    first, second = SqliteStore(path), SqliteStore(path)
    bump(first, REVOCATIONS)
    bump(first, REVOCATIONS)
    found = generation_of(second)
    assert found is not None
    assert found.read(REVOCATIONS) == 2
    assert generation_of(first) is generation_of(first)  # opened once per store


@pytest.mark.parametrize(
    ("kind", "counts"),
    [(REVOKED_JTI, (0, 1, 0)), (TESTDATA_RATE_LIMITS, (0, 0, 1))],
)
def test_a_state_written_before_the_file_starts_its_counters_at_one(
    tmp_path: Path, kind: str, counts: tuple[int, int, int]
) -> None:
    """Revocations or rate limits stored by an older version are not "never written"."""
    path = tmp_path / "state.sqlite3"
    SqliteStore(path).put(kind, "key-1", {"key": "key-1"})
    store = SqliteStore(path)
    found = generation_of(store)
    assert found is not None
    assert (found.read(STATE), found.read(REVOCATIONS), found.read(RATE_LIMITS)) == counts
    assert never_written(store, REVOCATIONS) is (kind != REVOKED_JTI)


def test_a_memory_store_counts_in_process() -> None:
    store = MemoryStore()
    found = generation_of(store)
    assert isinstance(found, LocalGeneration)
    bump(store, STATE)
    assert (found.read(STATE), found.read(REVOCATIONS)) == (1, 0)
    other = generation_of(MemoryStore())
    assert other is not None
    assert other.read(STATE) == 0


class _ElsewhereStore:
    """Stands for a store other processes share in ways this one cannot see (e.g. over a
    network): neither a SQLite file nor a memory store."""


def test_any_other_store_has_no_counters() -> None:
    store = cast(Store, _ElsewhereStore())
    assert generation_of(store) is None
    assert never_written(store, REVOCATIONS) is False  # unknown: the callers read the store
    bump(store, STATE)  # nothing to bump, nothing raised
