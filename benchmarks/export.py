"""Export of N Faker invoices to encrypted parts: seconds and peak memory.

``python -m benchmarks.export [--invoices 10000] [--store sqlite|memory] [--part-size N]``

Stores an inbox of N generated FA (3) invoices (``store_inbox``, not timed), then times
``start_export`` + the first ``export_status`` poll, which builds the package: the
selection walk, the Zip streamed into AES-256-CBC parts kept as store blobs, and
``_metadata.json``. Peak memory: ``tracemalloc`` over the timed part (Python
allocations) and the process's peak RSS. Targets: <= 10 s, <= 256 MB.

With SQLite the export runs **in isolation**: this process prepares the state file and
exits the picture; a fresh process (``--from-state FILE``) only opens the file and
exports, so its peak RSS (``resource.getrusage``) is the export's alone.
"""

from __future__ import annotations

import argparse
import base64
import os
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric import rsa

from mock_ksef.crypto.envelope import rsa_oaep_encrypt
from mock_ksef.crypto.keys import SYMMETRIC_KEY_USAGE, generate_pair
from mock_ksef.domain.auth.values import ContextId, Principal
from mock_ksef.domain.exports.export_use_cases import ExportRequest, export_status, start_export
from mock_ksef.domain.exports.job import Exports
from mock_ksef.domain.repos import Repos
from mock_ksef.domain.retrieval.filters import DateRange, InvoiceFilters
from mock_ksef.domain.retrieval.repo import ReceivedInvoices
from mock_ksef.domain.retrieval.selection import RetrievalLimits
from mock_ksef.http.invoice_dumps import invoice_metadata
from mock_ksef.inbox import Buyer, InboxSpec, generate_inbox, store_inbox
from mock_ksef.scenario.model import ExportPlan
from mock_ksef.store import MemoryStore, SqliteStore, Store

BUYER = "5265877635"
START = datetime(2026, 9, 1, tzinfo=UTC)


def fill(store: Store, count: int) -> None:
    """Store the inbox the export reads."""
    spec = InboxSpec(Buyer("Nip", BUYER), count, START, START + timedelta(days=60), seed=1)
    started = time.perf_counter()
    store_inbox(generate_inbox(spec), Repos(store))
    print(f"stored   {count:>7} invoices: {time.perf_counter() - started:6.2f} s (not timed)")


def run(store: Store, count: int, part_size: int) -> None:
    """Export what ``fill`` stored, print the figures."""
    pair = generate_pair(SYMMETRIC_KEY_USAGE)
    public = pair.certificate.public_key()
    assert isinstance(public, rsa.RSAPublicKey)
    key, iv = os.urandom(32), os.urandom(16)
    filters = InvoiceFilters("Subject2", DateRange("PermanentStorage", START, None))
    request = ExportRequest(
        filters,
        base64.b64encode(rsa_oaep_encrypt(public, key)).decode(),
        base64.b64encode(iv).decode(),
    )
    principal = Principal(ContextId("Nip", BUYER), "AU", "access", ("InvoiceRead",))
    now = START + timedelta(days=61)
    exports, received = Exports(store), ReceivedInvoices(store)
    plan = ExportPlan(part_size=part_size)
    tracemalloc.start()
    started = time.perf_counter()
    reference = start_export(
        exports,
        received,
        principal,
        request,
        pair,
        now,
        plan,
        RetrievalLimits(),
        lambda _: "20261101-EH-0000000001-0000000001-00",
    )
    job = export_status(exports, received, principal, reference, now, invoice_metadata)
    seconds = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    package = job.package
    assert package is not None
    assert package.invoice_count == min(count, 10_000)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    cpu = resource.getrusage(resource.RUSAGE_SELF)
    print(
        f"export   {package.invoice_count:>7} invoices: {seconds:6.2f} s wall, "
        f"{cpu.ru_utime + cpu.ru_stime:.2f} s CPU (process)  "
        f"{len(package.parts)} parts, {package.size / 1e6:.1f} MB archive  "
        f"peak traced {peak / 2**20:.0f} MiB, peak RSS {rss:.0f} MiB (process)"
    )


def main(argv: list[str] | None = None) -> None:
    """Parse the arguments and run."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.export", description=__doc__)
    parser.add_argument("--invoices", type=int, default=10_000)
    parser.add_argument("--store", choices=("sqlite", "memory"), default="sqlite")
    parser.add_argument("--part-size", type=int, default=52_428_800)
    parser.add_argument("--from-state", help="export from this prepared SQLite file only")
    args = parser.parse_args(argv)
    if args.from_state:
        store = SqliteStore(Path(args.from_state))
        run(store, args.invoices, args.part_size)
        store.close()
        return
    if args.store == "memory":
        memory = MemoryStore()
        fill(memory, args.invoices)
        run(memory, args.invoices, args.part_size)
        return
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "export.db"
        prepared = SqliteStore(path)
        fill(prepared, args.invoices)
        prepared.close()
        command = [sys.executable, "-m", "benchmarks.export", "--from-state", str(path)]
        command += ["--invoices", str(args.invoices), "--part-size", str(args.part_size)]
        subprocess.run(command, check=True)


if __name__ == "__main__":
    main()
