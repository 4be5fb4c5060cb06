"""PostgreSQL's invalidation counters: read with the shared-settings document, no round
trip of their own, and a bump on one replica seen by the other's next request."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import psycopg
import pytest

from mock_ksef.store.generation import (
    RATE_LIMITS,
    REVOCATIONS,
    STATE,
    ObservedGeneration,
    generation_of,
    never_written,
    read_counted,
)
from mock_ksef.store.kinds import REVOKED_JTI, SHARED_SETTINGS
from mock_ksef.store.pg_schema import SCHEMA_VERSION
from mock_ksef.store.postgres import PostgresStore
from tests.support.pg_server import older_schema

KEY = "current"


@pytest.fixture
def two(pg_url: str) -> Iterator[tuple[PostgresStore, PostgresStore]]:
    one, other = PostgresStore(pg_url), PostgresStore(pg_url)
    yield one, other
    one.close()
    other.close()


def test_a_bump_on_one_replica_is_read_by_the_other_with_the_settings(
    two: tuple[PostgresStore, PostgresStore],
) -> None:
    one, other = two
    seen = generation_of(other)
    assert isinstance(seen, ObservedGeneration)
    assert [seen.read(slot) for slot in (STATE, REVOCATIONS, RATE_LIMITS)] == [0, 0, 0]
    assert never_written(other, REVOCATIONS) is True
    generation_of(one).bump(REVOCATIONS)  # type: ignore[union-attr]
    assert generation_of(one).read(REVOCATIONS) == 1  # type: ignore[union-attr]
    assert seen.read(REVOCATIONS) == 0  # not until its next settings read (a request)
    one.put(SHARED_SETTINGS, KEY, {"epoch": "e1"})
    assert read_counted(other, SHARED_SETTINGS, KEY) == {"epoch": "e1"}
    assert [seen.read(slot) for slot in (STATE, REVOCATIONS, RATE_LIMITS)] == [0, 1, 0]
    assert never_written(other, REVOCATIONS) is False


def test_the_counters_and_the_document_are_one_statement(
    two: tuple[PostgresStore, PostgresStore], monkeypatch: pytest.MonkeyPatch
) -> None:
    one, _ = two
    statements: list[str] = []
    real = psycopg.Connection.execute

    def counting(self: Any, query: str, *args: Any, **kw: Any) -> Any:
        if not str(query).startswith("SET "):  # a new pooled connection's set-up
            statements.append(str(query))
        return real(self, query, *args, **kw)

    monkeypatch.setattr(psycopg.Connection, "execute", counting)
    assert read_counted(one, SHARED_SETTINGS, KEY) is None
    assert len(statements) == 1, statements


def test_a_reset_keeps_the_counters_growing(two: tuple[PostgresStore, PostgresStore]) -> None:
    """A truncated counter would start again at values an old cache entry was taken under."""
    one, other = two
    one.bump_generation(STATE)
    one.reset()
    assert one.bump_generation(STATE) == 2
    read_counted(other, SHARED_SETTINGS, KEY)
    assert generation_of(other).read(STATE) == 2  # type: ignore[union-attr]


def test_values_seen_out_of_order_never_go_back(two: tuple[PostgresStore, PostgresStore]) -> None:
    seen = ObservedGeneration(two[0])
    seen.observe([3, 1, 0])
    seen.observe([2, 1, 4])  # a thread reporting an older read late
    assert [seen.read(slot) for slot in (STATE, REVOCATIONS, RATE_LIMITS)] == [3, 1, 4]


def test_a_state_of_schema_1_with_revocations_starts_that_counter_at_1(pg_url: str) -> None:
    older_schema(
        pg_url,
        1,
        "DROP TABLE generations",
        "DROP SEQUENCE journal_places",
        f"INSERT INTO docs VALUES ('{REVOKED_JTI}', 'j', 1, '{{}}')",
    )
    store = PostgresStore(pg_url)
    try:
        values = store.get_counted(SHARED_SETTINGS, KEY)[1]
        assert values[:3] == [0, 1, 0]
        with psycopg.connect(pg_url) as conn:
            assert conn.execute("SELECT version FROM schema_version").fetchall() == [
                (SCHEMA_VERSION,)
            ]
    finally:
        store.close()
