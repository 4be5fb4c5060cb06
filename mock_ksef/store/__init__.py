"""Store backends and their factory."""

from __future__ import annotations

from pathlib import Path

from mock_ksef.store.base import Store
from mock_ksef.store.memory import MemoryStore
from mock_ksef.store.sqlite import SqliteStore

#: How a PostgreSQL store URL begins (libpq accepts both).
POSTGRES_SCHEMES = ("postgresql://", "postgres://")


def is_shared(spec: str) -> bool:
    """Whether the store ``spec`` names is shared by every process that opens it."""
    return spec.startswith(("sqlite", *POSTGRES_SCHEMES))


def open_store(spec: str, state_dir: Path | None) -> Store:
    """Open ``memory``, ``sqlite`` (in ``state_dir``), ``sqlite:PATH`` or ``postgresql://…``.

    Raises:
        ValueError: an unknown spec, or ``sqlite`` without a state folder.
        ConnectionError: the PostgreSQL server cannot be reached (the message names the
            URL, password hidden).
    """
    if spec.startswith(POSTGRES_SCHEMES):
        try:  # psycopg is imported only by those who ask for it (the optional extra)
            from mock_ksef.store.postgres import PostgresStore
        except ImportError as exc:
            raise ValueError(
                f"store {spec.partition('://')[0]}://…: the PostgreSQL driver is missing"
                f" ({exc.name}); install it with: pip install 'mock-ksef[postgresql]'"
            ) from None
        return PostgresStore(spec)
    kind, _, arg = spec.partition(":")
    if kind == "memory":
        return MemoryStore()
    if kind == "sqlite":
        if arg:
            return SqliteStore(Path(arg))
        if state_dir is None:
            raise ValueError("store 'sqlite' needs a state_dir or an explicit sqlite:PATH")
        return SqliteStore(state_dir / "state.sqlite3")
    raise ValueError(f"unknown store {spec!r}: use memory, sqlite, sqlite:PATH or postgresql://…")


__all__ = ["MemoryStore", "SqliteStore", "Store", "is_shared", "open_store"]
