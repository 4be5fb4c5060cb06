"""The PostgreSQL store against SQLite, and status reads over N replicas on one database.

``send``: the in-process latency of ``POST /v2/sessions/online/{ref}/invoices`` (Flask
test client, the real app, wall time: the database round trips count) on a SQLite state
and on a PostgreSQL schema, in alternating rounds of one run, so the machine's load hits
both alike: p50 and p99 per backend and their ratio.

``replicas``: ``mock-ksef serve --store postgresql://… --workers 1`` on N ports sharing one
database and state folder; one SDK login and session on the first, then ``wrk`` on
``GET /v2/sessions/{ref}`` against every replica at once, summed. N=1 and N=N alternate.

Without ``--url`` (or ``MOCK_KSEF_TEST_PG``) a throwaway cluster is started as the tests
start one (``tests/support/pg_server.py``)::

    .venv/bin/python -m benchmarks.pg_store send --invoices 300 --rounds 3
    .venv/bin/python -m benchmarks.pg_store replicas --replicas 2 --seconds 5 --rounds 2
    .venv/bin/python -m benchmarks.pg_store cost --seconds 5 --rounds 3 [--baseline DIR]
    .venv/bin/python -m benchmarks.pg_store locks --threads 8 --increments 100
    .venv/bin/python -m benchmarks.pg_store journal --invoices 2000

``cost``: what one status read costs, from ``/proc`` (so the machine's load moves it far
less than it moves rps): CPU of one ``--workers 1`` replica, of every PostgreSQL process
and of ``wrk``, per read, and the server's transactions per read. The replica ratio is
about ``2·m / (m + p + w)`` of these on two cores. ``--baseline DIR``: rounds alternate
with a replica running the code of another tree (``git archive main | tar -x -C DIR``).

``journal``: the request journal's cost per request (its place, then its entry) in the
SQLite state's files, in the PostgreSQL table, and as store documents in PostgreSQL (what
a store without a journal of its own gets); ``--invoices`` is the number of requests.

``locks``: read-modify-write increments from threads spread over two store objects (two
replicas), through the store's advisory-lock block, and as SERIALIZABLE transactions
re-run on serialisation failures (what a retrying design would do), on one hot document
and on a document per thread: increments per second and retries.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import re
import shutil
import statistics
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

from mock_ksef import upkeep
from mock_ksef.app import create_app
from mock_ksef.http.context import services
from mock_ksef.settings import Settings
from mock_ksef.store.postgres import PostgresStore
from tests.support.client_crypto import FA3, SessionKey
from tests.support.invoices import fa3_invoice
from tests.support.nips import NIP
from tests.support.pg_server import ENV_URL, PgServer, start_cluster
from tests.support.principal import access_token
from tests.support.process import ServerProcess, clean_env, console_script

RPS_RE = re.compile(r"Requests/sec:\s+([\d.]+)")


@contextmanager
def server(url: str | None) -> Iterator[PgServer]:
    """The given server, ``MOCK_KSEF_TEST_PG``, or a throwaway cluster."""
    given = url or os.environ.get(ENV_URL)
    if given:
        yield PgServer(given)
        return
    folder = Path(tempfile.mkdtemp(prefix="mock-ksef-pg-bench-"))
    try:
        admin, stop = start_cluster(folder)
        try:
            yield PgServer(admin)
        finally:
            subprocess.run(stop, capture_output=True, check=False)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def send_times(store: str, state: str, invoices: int) -> tuple[list[float], list[float]]:
    """Wall and CPU (this thread) seconds per send of ``invoices`` invoices into a session."""
    app = create_app(Settings(store=store, state_dir=state, clock="system", seed=1))
    client: Any = app.test_client()
    auth = {"Authorization": f"Bearer {access_token(app, NIP)}"}
    keyring: Any = services(app).keys
    key = SessionKey.fresh()
    body = {
        "formCode": FA3,
        "encryption": key.encryption(keyring.symmetric_key.certificate.public_key()),
    }
    ref = client.post("/v2/sessions/online", json=body, headers=auth).json["referenceNumber"]
    times: list[float] = []
    cpu: list[float] = []
    for n in range(invoices):
        request = key.send_request(fa3_invoice(NIP, f"FV/BENCH/{n}"))
        start, start_cpu = time.perf_counter(), time.thread_time()
        response = client.post(f"/v2/sessions/online/{ref}/invoices", json=request, headers=auth)
        times.append(time.perf_counter() - start)
        cpu.append(time.thread_time() - start_cpu)
        assert response.status_code == 202, response.json
    upkeep.stop(services(app))  # its round reads the store: end it before closing
    services(app).store.close()
    return times, cpu


def _p(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1] * 1e6


def bench_send(pg: PgServer, invoices: int, rounds: int) -> dict[str, dict[str, float]]:
    """Alternating rounds of SQLite and PostgreSQL; p50/p99 µs of all sends per backend."""
    samples: dict[str, list[float]] = {"sqlite": [], "postgresql": []}
    cpu: dict[str, list[float]] = {"sqlite": [], "postgresql": []}
    for _ in range(rounds):
        for backend in samples:
            with tempfile.TemporaryDirectory() as state:
                store = "sqlite" if backend == "sqlite" else pg.schema_url("bench")
                wall, used = send_times(store, state, invoices)
                samples[backend] += wall
                cpu[backend] += used
    return {
        name: {
            "p50_us": _p(values, 50),
            "p99_us": _p(values, 99),
            "cpu_us": statistics.mean(cpu[name]) * 1e6,
            "n": len(values),
        }
        for name, values in samples.items()
    }


def _replica(url: str, state: Path, env: dict[str, str] | None = None) -> ServerProcess:
    argv = [console_script(), "serve", "--port", "0", "--workers", "1"]
    process = ServerProcess([*argv, "--store", url, "--state-dir", str(state)], env or clean_env())
    process.wait_for_banner()
    return process


def _wrk(url: str, token: str, seconds: int, connections: int) -> subprocess.Popen[str]:
    argv = [
        "wrk",
        "-t1",
        f"-c{connections}",
        f"-d{seconds}s",
        "-H",
        f"Authorization: Bearer {token}",
    ]
    return subprocess.Popen([*argv, url], stdout=subprocess.PIPE, text=True)


def _rps(output: str) -> float:
    found = RPS_RE.search(output)
    if found is None:
        raise RuntimeError(f"wrk printed no Requests/sec: {output}")
    return float(found[1])


def _ticks(pids: list[int]) -> int:
    """CPU clock ticks (user + system) of ``pids`` and all their descendants, alive now."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    total, todo = 0, list(pids)
    while todo:
        pid = todo.pop()
        todo += children.get(pid, [])
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total


def _postmaster(pg: PgServer) -> int:
    """The pid of the server's postmaster (the root of its processes)."""
    import psycopg

    with psycopg.connect(pg.url, autocommit=True) as conn:
        row = conn.execute("SHOW data_directory").fetchone()
    assert row is not None
    return int((Path(str(row[0])) / "postmaster.pid").read_text().split()[0])


def _xacts(pg: PgServer) -> int:
    import psycopg

    with psycopg.connect(pg.url, autocommit=True) as conn:
        conn.execute("SELECT pg_stat_clear_snapshot()")
        row = conn.execute(
            "SELECT sum(xact_commit + xact_rollback) FROM pg_stat_database"
        ).fetchone()
    assert row is not None
    return int(row[0])


def _cost_round(pg: PgServer, seconds: int, source: str | None) -> dict[str, float]:
    """One replica (its code from ``source`` if given: a source tree such as
    ``git archive main``) in a fresh schema; totals over one wrk run."""
    import resource

    from ksef_client import KsefClient, KsefClientOptions

    from tests.support.sdk import login, open_fa3

    tick_us = 1e6 / os.sysconf("SC_CLK_TCK")
    postmaster = _postmaster(pg)
    env = clean_env({"PYTHONPATH": source} if source else None)
    with (
        tempfile.TemporaryDirectory() as state,
        _replica(pg.schema_url("cost"), Path(state), env) as one,
    ):
        with KsefClient(KsefClientOptions(base_url=one.url)) as sdk:
            token = login(sdk, NIP)
            _, session = open_fa3(sdk, token)
        path = f"/v2/sessions/{session.reference_number}"
        _wrk(one.url + path, token, 1, 8).communicate()  # warm: pool, prepared statements
        before = (_ticks([one.proc.pid]), _ticks([postmaster]), _xacts(pg))
        wrk_before = resource.getrusage(resource.RUSAGE_CHILDREN)
        output = _wrk(one.url + path, token, seconds, 8).communicate()[0]
        wrk_after = resource.getrusage(resource.RUSAGE_CHILDREN)
        after = (_ticks([one.proc.pid]), _ticks([postmaster]), _xacts(pg))
    found = re.search(r"(\d+) requests in", output)
    assert found is not None, output
    wrk_s = (wrk_after.ru_utime + wrk_after.ru_stime) - (wrk_before.ru_utime + wrk_before.ru_stime)
    return {
        "replica": (after[0] - before[0]) * tick_us,
        "postgres": (after[1] - before[1]) * tick_us,
        "wrk": wrk_s * 1e6,
        "xacts": after[2] - before[2] - 1.0,  # the first _xacts read's own
        "requests": float(found[1]),
    }


def bench_cost(
    pg: PgServer, seconds: int, rounds: int, baseline: str | None = None
) -> dict[str, dict[str, float]]:
    """CPU per status read of one ``--workers 1`` replica, of PostgreSQL's processes and of
    wrk (from ``/proc``, so the machine's load changes them less than it changes rps),
    and the server's transactions per read (each autocommit statement is one). With
    ``baseline`` (a source tree), rounds alternate this tree's code and the baseline's."""
    variants = {"this tree": None} | ({"baseline": baseline} if baseline else {})
    totals = {
        name: dict.fromkeys(("replica", "postgres", "wrk", "xacts", "requests"), 0.0)
        for name in variants
    }
    for _ in range(rounds):
        for name, source in variants.items():
            for figure, value in _cost_round(pg, seconds, source).items():
                totals[name][figure] += value
    results = {}
    for name, sums in totals.items():
        count = sums.pop("requests")
        results[name] = {figure: value / count for figure, value in sums.items()}
        results[name]["requests"] = count
    return results


def bench_replicas(pg: PgServer, replicas: int, seconds: int, rounds: int) -> dict[str, Any]:
    """Aggregate status-read rps of 1 and of ``replicas`` servers, alternating."""
    from ksef_client import KsefClient, KsefClientOptions

    from tests.support.sdk import login, open_fa3

    url = pg.schema_url("replicas")
    with tempfile.TemporaryDirectory() as state, ExitStack() as stack:
        servers = [stack.enter_context(_replica(url, Path(state))) for _ in range(replicas)]
        with KsefClient(KsefClientOptions(base_url=servers[0].url)) as sdk:
            token = login(sdk, NIP)
            _, session = open_fa3(sdk, token)
        path = f"/v2/sessions/{session.reference_number}"
        figures: dict[int, list[float]] = {1: [], replicas: []}
        for _ in range(rounds):
            for count in figures:
                runs = [_wrk(s.url + path, token, seconds, 8) for s in servers[:count]]
                outputs = [run.communicate()[0] for run in runs]
                figures[count].append(sum(_rps(output) for output in outputs))
    one, many = statistics.median(figures[1]), statistics.median(figures[replicas])
    return {"rps": figures, "ratio": many / one}


Step = Callable[[PostgresStore, str], int]


def _rmw_advisory(store: PostgresStore, key: str) -> int:
    """One increment through the store's own block (the advisory lock); 0 retries."""
    with store.transaction():
        doc = store.get("counter", key) or {"value": 0}
        store.put("counter", key, {"value": doc["value"] + 1})
    return 0


def _rmw_serializable(url: str) -> Step:
    """One increment as a SERIALIZABLE transaction, re-run on a serialisation failure."""
    import psycopg
    from psycopg import errors

    local = threading.local()

    def increment(store: PostgresStore, key: str) -> int:
        del store
        conn = getattr(local, "conn", None)
        if conn is None:
            conn = local.conn = psycopg.connect(url, autocommit=True)
        for retries in itertools.count():
            try:
                with conn.transaction():
                    conn.execute("SET TRANSACTION ISOLATION LEVEL SERIALIZABLE")
                    row = conn.execute(
                        "SELECT body FROM docs WHERE kind='counter' AND key=%s", (key,)
                    ).fetchone()
                    value = json.loads(row[0])["value"] if row else 0
                    conn.execute(
                        "INSERT INTO docs VALUES ('counter', %s, nextval('doc_positions'), %s)"
                        " ON CONFLICT (kind, key) DO UPDATE SET body = EXCLUDED.body",
                        (key, json.dumps({"value": value + 1})),
                    )
                return retries
            except (errors.SerializationFailure, errors.UniqueViolation):
                continue
        raise AssertionError("unreachable")

    return increment


def _race(step: Step, stores: list[PostgresStore], threads: int, increments: int, hot: bool):
    """Seconds for ``threads`` threads to make ``increments`` steps each; the retries."""
    retries: list[int] = []
    start = threading.Barrier(threads + 1)

    def worker(n: int) -> None:
        key = "hot" if hot else f"c{n}"
        start.wait()
        retries.extend(step(stores[n % len(stores)], key) for _ in range(increments))

    pool = [threading.Thread(target=worker, args=(n,)) for n in range(threads)]
    for thread in pool:
        thread.start()
    start.wait()
    began = time.perf_counter()
    for thread in pool:
        thread.join()
    return time.perf_counter() - began, sum(retries)


def bench_locks(pg: PgServer, threads: int, increments: int) -> dict[str, dict[str, float]]:
    """Increments/s and retries of both strategies, one hot counter and one per thread."""
    results: dict[str, dict[str, float]] = {}
    for strategy in ("advisory", "serializable"):
        for hot in (True, False):
            url = pg.schema_url("locks")
            stores = [PostgresStore(url), PostgresStore(url)]  # two replicas
            step = _rmw_advisory if strategy == "advisory" else _rmw_serializable(url)
            elapsed, retries = _race(step, stores, threads, increments, hot)
            total = sum(d["value"] for d in stores[0].find("counter"))
            assert total == threads * increments, (strategy, hot, total)
            shape = "one hot document" if hot else "a document per thread"
            results[f"{strategy}, {shape}"] = {
                "per_s": threads * increments / elapsed,
                "retries": float(retries),
            }
            for store in stores:
                store.close()
    return results


def bench_journal(pg: PgServer, requests: int) -> dict[str, float]:
    """µs per request of the journal (take a place, then record the entry), three ways."""
    from mock_ksef.store.sqlite import SqliteStore
    from mock_ksef.traffic.journal import Journal

    entry = {"method": "GET", "path": "/v2/sessions/X", "status": 200, "ms": 1.5}
    results: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as folder:
        sqlite = SqliteStore(Path(folder) / "s.db")
        postgres = PostgresStore(pg.schema_url("journal"))
        table, files = Journal(postgres, 10_000), Journal(sqlite, 10_000)
        for name, journal in (("SQLite files", files), ("PostgreSQL table", table)):
            start = time.perf_counter()
            for _ in range(requests):
                journal.record(entry, journal.reserve())
            results[name] = (time.perf_counter() - start) / requests * 1e6
        # What Journal does with a store that has no journal of its own: a sequence, then
        # a block (advisory lock) that puts the entry and deletes the oldest.
        start = time.perf_counter()
        for _ in range(requests):
            sequence = postgres.next_sequence("journal-docs")
            with postgres.transaction():
                postgres.put("journal", f"{sequence:012d}", {"sequence": sequence, **entry})
                postgres.delete("journal", f"{sequence - 10_000:012d}")
        results["PostgreSQL documents (store path)"] = (
            (time.perf_counter() - start) / requests * 1e6
        )
        sqlite.close()
        postgres.close()
    return results


def main(argv: list[str] | None = None) -> None:
    """``python -m benchmarks.pg_store {send,replicas} [...]``."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.pg_store")
    parser.add_argument("part", choices=["send", "replicas", "cost", "locks", "journal"])
    parser.add_argument("--url", help="a PostgreSQL URL allowed to create schemas")
    parser.add_argument("--invoices", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--replicas", type=int, default=2)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--increments", type=int, default=100)
    parser.add_argument("--baseline", help="cost: a source tree to alternate with (git archive)")
    args = parser.parse_args(argv)
    with server(args.url) as pg:
        if args.part == "send":
            result = bench_send(pg, args.invoices, args.rounds)
            for name, row in result.items():
                p50, p99, n = row["p50_us"], row["p99_us"], row["n"]
                print(
                    f"{name:11} send p50 {p50:8.0f} µs  p99 {p99:8.0f} µs"
                    f"  CPU {row['cpu_us']:6.0f} µs  (n={n:.0f})"
                )
            ratio = result["postgresql"]["p99_us"] / result["sqlite"]["p99_us"]
            print(f"p99 PostgreSQL / SQLite: {ratio:.2f}")
        elif args.part == "journal":
            for name, micros in bench_journal(pg, args.invoices).items():
                print(f"{name:34} {micros:7.0f} µs per request")
        elif args.part == "cost":
            for variant, cost in bench_cost(pg, args.seconds, args.rounds, args.baseline).items():
                print(
                    f"{variant}: {cost['requests']:.0f} status reads,"
                    f" {cost['xacts']:.2f} server transactions per read; CPU per read:"
                    f" replica {cost['replica']:.0f} µs, PostgreSQL {cost['postgres']:.0f} µs,"
                    f" wrk {cost['wrk']:.0f} µs"
                )
        elif args.part == "locks":
            for name, row in bench_locks(pg, args.threads, args.increments).items():
                print(f"{name:40} {row['per_s']:8.0f} increments/s  {row['retries']:.0f} retries")
        else:
            figures = bench_replicas(pg, args.replicas, args.seconds, args.rounds)
            for count, values in figures["rps"].items():
                print(f"{count} replica(s): {', '.join(f'{v:.0f}' for v in values)} rps")
            print(f"ratio {args.replicas} / 1 replica(s): {figures['ratio']:.2f}")


if __name__ == "__main__":
    main()
