"""``python -m benchmarks.inbox``: invoices/s of generate_inbox and of store_inbox.

Generates 10 000 and 100 000 FA (3) invoices with the default mix (seed 0, 200 sellers),
then stores 10 000 in a memory and an SQLite store (and, with ``--postgresql URL``, in a
new schema of that server). Prints one line per measurement, CPU seconds of this process
(``time.process_time``, the figure to compare on a loaded machine; for PostgreSQL the
client's share only, the server's is not counted) and wall seconds.
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
START = datetime(2026, 1, 1, tzinfo=UTC)
#: The period's end, and the mock's clock while storing (as ``POST /_mock/inbox`` stores
#: the 30 days before the clock by default).
END = datetime(2026, 4, 1, tzinfo=UTC)


def _spec(count: int, form: str) -> InboxSpec:
    return InboxSpec(
        BUYER,
        count,
        START,
        END,
        form=form,
    )


class Timer:
    """Wall and CPU (``time.process_time``: this process, every thread) seconds of a block."""

    def __enter__(self) -> Timer:
        self.wall, self.cpu = -time.perf_counter(), -time.process_time()
        return self

    def __exit__(self, *_: object) -> None:
        self.wall += time.perf_counter()
        self.cpu += time.process_time()

    def __str__(self) -> str:
        return f"{self.cpu:6.2f} s CPU {self.wall:6.2f} s wall"


def generate(count: int, form: str = "FA (3)") -> tuple[Timer, int]:
    """Time to generate ``count`` invoices (pools included) and their total bytes."""
    with Timer() as timer:
        size = sum(invoice.size for invoice in generate_inbox(_spec(count, form)))
    return timer, size


def store(count: int, backend: Store) -> Timer:
    """Time to store ``count`` pre-generated invoices into ``backend``."""
    invoices = list(generate_inbox(_spec(count, "FA (3)")))
    with Timer() as timer:
        store_inbox(invoices, Repos(backend), now=END)
    return timer


def pipeline(count: int, backend: Store) -> Timer:
    """Time to generate and store ``count`` invoices as ``POST /_mock/inbox`` does (the
    generator streamed into ``store_inbox``)."""
    with Timer() as timer:
        store_inbox(generate_inbox(_spec(count, "FA (3)")), Repos(backend), now=END)
    return timer


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


def _pg_store(url: str) -> Store:
    """A store in a new schema of the server at ``url`` (as the tests make one)."""
    from mock_ksef.store.postgres import PostgresStore
    from tests.support.pg_server import PgServer

    return PostgresStore(PgServer(url).schema_url("inbox_bench"))


def main(argv: list[str] | None = None) -> None:
    """Run the measurements and print them."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.inbox", description=__doc__)
    parser.add_argument("--counts", default="10000,100000", help="invoices to generate")
    parser.add_argument("--store-count", type=int, default=10_000, help="invoices to store")
    parser.add_argument(
        "--compare", type=int, default=0, help="also store this many one by one and in bulk"
    )
    parser.add_argument(
        "--pipeline",
        type=int,
        default=0,
        help="also generate and store this many into SQLite in one stream (POST /_mock/inbox)",
    )
    parser.add_argument(
        "--postgresql",
        metavar="URL",
        help="also store into a new schema of this PostgreSQL server (a user who may create one)",
    )
    args = parser.parse_args(argv)
    for count in (int(c) for c in args.counts.split(",")):
        for form in ("FA (3)", "FA (2)"):
            timer, size = generate(count, form)
            print(
                f"generate {count:>7} {form}: {timer}  {count / timer.cpu:8.0f} invoices/CPU s"
                f"  {size / count:6.0f} B/invoice"
            )
    count = args.store_count
    timer = store(count, MemoryStore())
    print(f"store    {count:>7} memory: {timer}  {count / timer.cpu:8.0f} invoices/CPU s")
    with tempfile.TemporaryDirectory() as folder:
        backend = SqliteStore(Path(folder) / "inbox.db")
        timer = store(count, backend)
        backend.close()
    print(f"store    {count:>7} sqlite: {timer}  {count / timer.cpu:8.0f} invoices/CPU s")
    if args.postgresql:
        pg = _pg_store(args.postgresql)
        timer = store(count, pg)
        pg.close()
        print(f"store    {count:>7} postgresql: {timer} (client)")
    if args.pipeline:
        with tempfile.TemporaryDirectory() as folder:
            backend = SqliteStore(Path(folder) / "inbox.db")
            timer = pipeline(args.pipeline, backend)
            backend.close()
        print(f"generate+store {args.pipeline:>7} sqlite: {timer}")
    if args.compare:
        single, bulk = compare(args.compare)
        print(
            f"compare  {args.compare:>7} sqlite: one by one {single:6.2f} s, bulk {bulk:6.2f} s"
            f" ({single / bulk:.1f} x)"
        )


if __name__ == "__main__":
    main()
