"""Throughput of ``mock-ksef serve`` under each WSGI server: ``python -m benchmarks.servers``.

Each configuration is a real ``mock-ksef serve`` child with a fresh SQLite state folder
(what several workers need); a session is opened by the SDK and ``GET /v2/sessions/{ref}``
is measured at each concurrency with the load generator of part (b). The figures go to
``docs/serving.md``.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

from benchmarks import flow
from benchmarks.load import run_load
from tests.support.process import ServerProcess, clean_env, console_script

CONFIGS = (("dev", 1), ("gunicorn", 1), ("gunicorn", 2), ("granian", 1), ("granian", 2))


def measure(concurrency: list[int], requests: int, time_cap: float) -> list[dict[str, object]]:
    """One row per (server, workers, concurrency)."""
    rows: list[dict[str, object]] = []
    for server, workers in CONFIGS:
        with tempfile.TemporaryDirectory() as state:
            argv = [console_script(), "serve", "--port", "0", "--server", server]
            argv += ["--workers", str(workers), "--state-dir", str(Path(state) / "s")]
            with ServerProcess(argv, clean_env()) as child:
                child.wait_for_banner()
                ref, token = flow.session_for_load(child.url)
                for level in concurrency:
                    result = run_load(
                        f"{server}x{workers}",
                        child.url,
                        f"/v2/sessions/{ref}",
                        concurrency=level,
                        max_requests=requests,
                        time_cap_s=time_cap,
                        headers={"Authorization": f"Bearer {token}"},
                    )
                    rows.append(
                        {
                            "server": server,
                            "workers": workers,
                            "concurrency": level,
                            "rps": result.rps,
                            "p50_ms": result.p50_ms,
                            "p99_ms": result.p99_ms,
                            "errors": result.errors,
                        }
                    )
                child.stop()
    return rows


def main() -> None:
    """Measure and print a table (and JSON with ``--json``)."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.servers")
    parser.add_argument("--concurrency", default="1,8,64")
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--time-cap", type=float, default=8.0)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    rows = measure([int(c) for c in args.concurrency.split(",")], args.requests, args.time_cap)
    if args.json:
        print(json.dumps(rows, indent=2))
        return
    print(f"{'server':10} {'workers':>7} {'conc':>5} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8}")
    for row in rows:
        print(
            f"{row['server']:10} {row['workers']:>7} {row['concurrency']:>5} {row['rps']:>9} "
            f"{row['p50_ms']:>8} {row['p99_ms']:>8}"
            + (f"  errors {row['errors']}" if row["errors"] else "")
        )


if __name__ == "__main__":
    main()
