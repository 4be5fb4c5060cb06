"""``python -m benchmarks.inbox``: invoices/s of generate_inbox and of store_inbox.

Generates 10 000 and 100 000 FA (3) invoices with the default mix (seed 0, 200 sellers),
then stores 10 000 in a memory and an SQLite store. Prints one line per measurement.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from mock_ksef.domain.repos import Repos
from mock_ksef.inbox import Buyer, InboxSpec, generate_inbox, store_inbox
from mock_ksef.store import MemoryStore, SqliteStore, Store

BUYER = Buyer("Nip", "5265877635")


def _spec(count: int, form: str) -> InboxSpec:
    return InboxSpec(
        BUYER,
        count,
        datetime(2026, 1, 1, tzinfo=UTC),
        datetime(2026, 4, 1, tzinfo=UTC),
        form=form,
    )


def generate(count: int, form: str = "FA (3)") -> tuple[float, int]:
    """Seconds to generate ``count`` invoices (pools included) and their total bytes."""
    started = time.perf_counter()
    size = sum(invoice.size for invoice in generate_inbox(_spec(count, form)))
    return time.perf_counter() - started, size


def store(count: int, backend: Store) -> float:
    """Seconds to store ``count`` pre-generated invoices into ``backend``."""
    invoices = list(generate_inbox(_spec(count, "FA (3)")))
    started = time.perf_counter()
    store_inbox(invoices, Repos(backend))
    return time.perf_counter() - started


def compare(count: int) -> tuple[float, float]:
    """Seconds to store ``count`` invoices one by one (the former path: metadata parsed
    from the bytes, a put per document) and in bulk, each into a fresh SQLite file."""
    from tests.inbox.test_bulk_storing import store_one_by_one

    invoices = list(generate_inbox(_spec(count, "FA (3)")))
    seconds = []
    with tempfile.TemporaryDirectory() as folder:
        for name, write in (("single", store_one_by_one), ("bulk", store_inbox)):
            backend = SqliteStore(Path(folder) / f"{name}.db")
            started = time.perf_counter()
            write(invoices, Repos(backend))
            seconds.append(time.perf_counter() - started)
            backend.close()
    return seconds[0], seconds[1]


def main(argv: list[str] | None = None) -> None:
    """Run the measurements and print them."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.inbox", description=__doc__)
    parser.add_argument("--counts", default="10000,100000", help="invoices to generate")
    parser.add_argument("--store-count", type=int, default=10_000, help="invoices to store")
    parser.add_argument(
        "--compare", type=int, default=0, help="also store this many one by one and in bulk"
    )
    args = parser.parse_args(argv)
    for count in (int(c) for c in args.counts.split(",")):
        for form in ("FA (3)", "FA (2)"):
            seconds, size = generate(count, form)
            print(
                f"generate {count:>7} {form}: {seconds:6.2f} s  {count / seconds:8.0f} invoices/s"
                f"  {size / count:6.0f} B/invoice"
            )
    count = args.store_count
    seconds = store(count, MemoryStore())
    print(f"store    {count:>7} memory: {seconds:6.2f} s  {count / seconds:8.0f} invoices/s")
    with tempfile.TemporaryDirectory() as folder:
        backend = SqliteStore(Path(folder) / "inbox.db")
        seconds = store(count, backend)
        backend.close()
    print(f"store    {count:>7} sqlite: {seconds:6.2f} s  {count / seconds:8.0f} invoices/s")
    if args.compare:
        single, bulk = compare(args.compare)
        print(
            f"compare  {args.compare:>7} sqlite: one by one {single:6.2f} s, bulk {bulk:6.2f} s"
            f" ({single / bulk:.1f} x)"
        )


if __name__ == "__main__":
    main()
