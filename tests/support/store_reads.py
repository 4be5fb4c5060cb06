"""Counting a store's document reads (the read-path skips must read nothing)."""

from __future__ import annotations

import pytest

from mock_ksef.store.base import Doc, Store


def count_gets(store: Store, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record the kind of every ``store.get`` from now on (the list grows as they happen)."""
    reads: list[str] = []
    real_get = store.get

    def counting(kind: str, key: str) -> Doc | None:
        reads.append(kind)
        return real_get(kind, key)

    monkeypatch.setattr(store, "get", counting)
    return reads
