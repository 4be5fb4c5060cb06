"""CPU per request of reading the shared settings (``python -m benchmarks.shared_refresh``).

Every request starts with ``Services.shared.refresh()``: one ``store.get`` of the
shared-settings document, compared with the copy last applied (``docs/replicas.md``).
This measures its in-process CPU time (``time.process_time``, so the load of other
processes on the machine does not count) on the memory and SQLite stores: unchanged (the
common case), and after another process changed the seed (re-applying it).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from mock_ksef import upkeep
from mock_ksef.app import create_app
from mock_ksef.http.context import services
from mock_ksef.settings import Settings
from mock_ksef.shared_state import KEY
from mock_ksef.store.kinds import SHARED_SETTINGS


def measure(store: str, rounds: int) -> tuple[float, float]:
    """Microseconds of CPU per refresh: unchanged, and after a change by another process."""
    svc = services(create_app(Settings(store=store, clock="frozen")))
    try:
        svc.shared.set_seed(3)
        start = time.process_time()
        for _ in range(rounds):
            svc.shared.refresh()
        unchanged = (time.process_time() - start) / rounds * 1e6
        doc = svc.store.get(SHARED_SETTINGS, KEY) or {}
        start = time.process_time()
        for n in range(rounds // 10):
            svc.store.put(SHARED_SETTINGS, KEY, {**doc, "seed": n})  # as another process
            svc.shared.refresh()
        changed = (time.process_time() - start) / (rounds // 10) * 1e6
        return unchanged, changed
    finally:
        upkeep.stop(svc)
        svc.store.close()


def main(argv: list[str] | None = None) -> None:
    """Print the table."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.shared_refresh")
    parser.add_argument("--rounds", type=int, default=20_000)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        for store in ("memory", f"sqlite:{Path(folder) / 'state.sqlite3'}"):
            unchanged, changed = measure(store, args.rounds)
            name = store.split(":")[0]
            print(f"{name:7} unchanged {unchanged:6.1f} µs   after a change {changed:6.1f} µs")


if __name__ == "__main__":
    main()
