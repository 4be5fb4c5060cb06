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
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

from mock_ksef.app import create_app
from mock_ksef.http.context import services
from mock_ksef.settings import Settings
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


def send_times(store: str, state: str, invoices: int) -> list[float]:
    """Wall seconds per send of ``invoices`` invoices into one session (round trips count)."""
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
    for n in range(invoices):
        request = key.send_request(fa3_invoice(NIP, f"FV/BENCH/{n}"))
        start = time.perf_counter()
        response = client.post(f"/v2/sessions/online/{ref}/invoices", json=request, headers=auth)
        times.append(time.perf_counter() - start)
        assert response.status_code == 202, response.json
    services(app).store.close()
    return times


def _p(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1] * 1e6


def bench_send(pg: PgServer, invoices: int, rounds: int) -> dict[str, dict[str, float]]:
    """Alternating rounds of SQLite and PostgreSQL; p50/p99 µs of all sends per backend."""
    samples: dict[str, list[float]] = {"sqlite": [], "postgresql": []}
    for _ in range(rounds):
        for backend in samples:
            with tempfile.TemporaryDirectory() as state:
                store = "sqlite" if backend == "sqlite" else pg.schema_url("bench")
                samples[backend] += send_times(store, state, invoices)
    return {
        name: {"p50_us": _p(values, 50), "p99_us": _p(values, 99), "n": len(values)}
        for name, values in samples.items()
    }


def _replica(url: str, state: Path) -> ServerProcess:
    argv = [console_script(), "serve", "--port", "0", "--workers", "1"]
    process = ServerProcess([*argv, "--store", url, "--state-dir", str(state)], clean_env())
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


def main(argv: list[str] | None = None) -> None:
    """``python -m benchmarks.pg_store {send,replicas} [...]``."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.pg_store")
    parser.add_argument("part", choices=["send", "replicas"])
    parser.add_argument("--url", help="a PostgreSQL URL allowed to create schemas")
    parser.add_argument("--invoices", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--replicas", type=int, default=2)
    parser.add_argument("--seconds", type=int, default=5)
    args = parser.parse_args(argv)
    with server(args.url) as pg:
        if args.part == "send":
            result = bench_send(pg, args.invoices, args.rounds)
            for name, row in result.items():
                p50, p99, n = row["p50_us"], row["p99_us"], row["n"]
                print(f"{name:11} send p50 {p50:8.0f} µs  p99 {p99:8.0f} µs  (n={n:.0f})")
            ratio = result["postgresql"]["p99_us"] / result["sqlite"]["p99_us"]
            print(f"p99 PostgreSQL / SQLite: {ratio:.2f}")
        else:
            figures = bench_replicas(pg, args.replicas, args.seconds, args.rounds)
            for count, values in figures["rps"].items():
                print(f"{count} replica(s): {', '.join(f'{v:.0f}' for v in values)} rps")
            print(f"ratio {args.replicas} / 1 replica(s): {figures['ratio']:.2f}")


if __name__ == "__main__":
    main()
