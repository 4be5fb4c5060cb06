"""Store backends and their factory."""

from __future__ import annotations

from pathlib import Path

from mock_ksef.store.base import Store
from mock_ksef.store.memory import MemoryStore
from mock_ksef.store.sqlite import SqliteStore


def open_store(spec: str, state_dir: Path | None) -> Store:
    """Open ``memory``, ``sqlite`` (in ``state_dir``) or ``sqlite:PATH``."""
    kind, _, arg = spec.partition(":")
    if kind == "memory":
        return MemoryStore()
    if kind == "sqlite":
        if arg:
            return SqliteStore(Path(arg))
        if state_dir is None:
            raise ValueError("store 'sqlite' needs a state_dir or an explicit sqlite:PATH")
        return SqliteStore(state_dir / "state.sqlite3")
    raise ValueError(f"unknown store {spec!r}: use memory, sqlite or sqlite:PATH")


__all__ = ["MemoryStore", "SqliteStore", "Store", "open_store"]
