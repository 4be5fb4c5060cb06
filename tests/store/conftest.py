"""Every backend behind one factory: the contract and query suites run on each of them."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from mock_ksef.store import MemoryStore, SqliteStore, Store

#: Opens a new, empty store of the backend under test (a separate state each call).
MakeStore = Callable[[], Store]


def _factory(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[MakeStore]:
    opened: list[Store] = []

    def make() -> Store:
        store: Store
        if backend == "memory":
            store = MemoryStore()
        elif backend == "sqlite":
            store = SqliteStore(tmp_path / f"s{len(opened)}.db")
        else:
            from mock_ksef.store.postgres import PostgresStore

            store = PostgresStore(request.getfixturevalue("pg_server").schema_url())
        opened.append(store)
        return store

    yield make
    for store in opened:
        store.close()


@pytest.fixture(name="make_store", params=["memory", "sqlite", "postgresql"])
def _make_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[MakeStore]:
    """Fresh stores of one backend: memory, SQLite files, PostgreSQL schemas."""
    yield from _factory(request.param, request, tmp_path)


@pytest.fixture(name="store")
def _store(make_store: MakeStore) -> Store:
    """A fresh store of each backend."""
    return make_store()


@pytest.fixture(name="open_state", params=["sqlite", "postgresql"])
def _open_state(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[MakeStore]:
    """Opens another store on one and the same durable state (a SQLite file, a PostgreSQL
    schema) at each call: a restart, or a second process or replica."""
    opened: list[Store] = []
    url = request.getfixturevalue("pg_server").schema_url() if request.param != "sqlite" else ""

    def open_again() -> Store:
        store: Store
        if request.param == "sqlite":
            store = SqliteStore(tmp_path / "state" / "s.db")
        else:
            from mock_ksef.store.postgres import PostgresStore

            store = PostgresStore(url)
        opened.append(store)
        return store

    yield open_again
    for store in opened:
        store.close()
