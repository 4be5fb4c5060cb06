"""``python -m benchmarks``: cold start, request overhead against bare Flask, SDK flow, batch;
store growth (``--parts growth``, not in the default set: it fills a store on disk).

Run from the repository root. Prints a table and writes ``benchmarks/results/latest.json``.
Everything runs on 127.0.0.1 with a bounded number of requests and a time cap.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import platform
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks import batch, cold_start, flow, store_growth
from benchmarks.load import LoadResult, run_load
from tests.support.process import ServerProcess, clean_env

RESULTS = Path(__file__).resolve().parent / "results" / "latest.json"


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--parts", default="cold,load,flow,batch", help="comma-separated subset")
    parser.add_argument("--batch-mb", type=int, default=1024, help="batch package size (MB)")
    parser.add_argument("--cold-runs", type=int, default=5, help="cold starts per variant")
    parser.add_argument(
        "--cold-baseline",
        type=Path,
        help="also measure this checkout (PYTHONPATH) in parts cold and rss, alternating",
    )
    parser.add_argument("--rss-runs", type=int, default=3, help="RSS runs (--parts rss)")
    parser.add_argument("--concurrency", default="1,8,64", help="load levels")
    parser.add_argument("--requests", type=int, default=3000, help="requests per level, at most")
    parser.add_argument("--time-cap", type=float, default=10.0, help="seconds per level, at most")
    parser.add_argument("--flow-runs", type=int, default=5, help="SDK flows (after a warm-up)")
    parser.add_argument("--server", choices=["werkzeug", "waitress"], default="werkzeug")
    parser.add_argument("--output", type=Path, default=RESULTS)
    store_growth.add_options(parser.add_argument_group("store growth (--parts growth)"))
    return parser.parse_args(argv)


def _start(app: str, server: str) -> ServerProcess:
    child = ServerProcess(
        [sys.executable, "-m", "benchmarks.serve", app, "--server", server], clean_env()
    )
    child.wait_for_banner()
    return child


def _load(args: argparse.Namespace, mock: ServerProcess, bare: ServerProcess) -> dict[str, Any]:
    ref, token = flow.session_for_load(mock.url)
    path = f"/v2/sessions/{ref}"
    headers = {"Authorization": f"Bearer {token}"}
    levels: list[dict[str, Any]] = []
    for concurrency in (int(c) for c in args.concurrency.split(",")):
        pair: dict[str, LoadResult] = {}
        for name, child in (("bare", bare), ("mock", mock)):
            pair[name] = run_load(
                name,
                child.url,
                path,
                concurrency=concurrency,
                max_requests=args.requests,
                time_cap_s=args.time_cap,
                headers=headers,
            )
        levels.append(
            {
                "concurrency": concurrency,
                "bare": dataclasses.asdict(pair["bare"]),
                "mock": dataclasses.asdict(pair["mock"]),
                "rps_ratio": round(pair["mock"].rps / pair["bare"].rps, 3),
                "p50_ratio": round(pair["mock"].p50_ms / pair["bare"].p50_ms, 3),
                "p99_ratio": round(pair["mock"].p99_ms / pair["bare"].p99_ms, 3),
            }
        )
    return {"path": "/v2/sessions/{ref}", "server": args.server, "levels": levels}


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Run the chosen parts; a part that cannot run is reported as skipped with the reason."""
    parts = set(args.parts.split(","))
    report: dict[str, Any] = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
    }
    if "cold" in parts:
        with tempfile.TemporaryDirectory() as state:
            report["cold_start"] = cold_start.measure(
                args.cold_runs, Path(state), args.cold_baseline
            )
    if "rss" in parts:
        report["rss"] = _guard(lambda: cold_start.measure_memory(args.rss_runs, args.cold_baseline))
    if parts & {"load", "flow"}:
        mock, bare = _start("mock", args.server), _start("bare", args.server)
        try:
            if "load" in parts:
                report["load"] = _guard(lambda: _load(args, mock, bare))
            if "flow" in parts:
                report["flow"] = _guard(lambda: flow.measure(mock.url, args.flow_runs))
        finally:
            for child in (mock, bare):
                child.stop()
    if "batch" in parts:
        report["batch"] = _guard(lambda: batch.measure(args.batch_mb))
    if "growth" in parts:
        report["growth"] = _guard(lambda: store_growth.measure(args))
    return report


def _guard(part: Any) -> dict[str, Any]:
    try:
        result: dict[str, Any] = part()
    except Exception as exc:  # report and go on with the other parts
        return {"skipped": f"{type(exc).__name__}: {exc}"}
    return result


def render(report: dict[str, Any]) -> str:
    """The report as plain-text tables."""
    out: list[str] = [f"mock-ksef benchmarks  {report['when']}  Python {report['python']}"]
    if "cold_start" in report:
        out += ["", "(a) cold start: launch -> first 200 on /_mock/health"]
        for label, values in report["cold_start"].items():
            out.append(
                f"    {label:<52} median {values['median_s'] * 1000:6.0f} ms"
                f" (CPU {values['cpu_median_s'] * 1000:4.0f} ms)"
                f"   first API 200 {values['first_api_median_s'] * 1000:6.0f} ms"
                f" (CPU {values['first_api_cpu_median_s'] * 1000:4.0f} ms)"
            )
    if "rss" in report:
        out += ["", "(a') memory of the process tree after an SDK session and wrk -c8"]
        out += cold_start.render_memory(report["rss"])
    if "load" in report:
        out += ["", "(b) GET /v2/sessions/{ref}: mock vs bare Flask, same server"]
        load = report["load"]
        if "skipped" in load:
            out.append(f"    skipped: {load['skipped']}")
        else:
            out.append(
                f"    server: {load['server']}\n"
                "    conc |   bare rps   mock rps  ratio |  bare p50  mock p50 |"
                "  bare p99  mock p99 |  errors"
            )
            for lv in load["levels"]:
                b, m = lv["bare"], lv["mock"]
                out.append(
                    f"    {lv['concurrency']:>4} | {b['rps']:>9.0f} {m['rps']:>10.0f} "
                    f"{lv['rps_ratio']:>6.2f} | {b['p50_ms']:>6.2f}ms {m['p50_ms']:>6.2f}ms |"
                    f" {b['p99_ms']:>6.2f}ms {m['p99_ms']:>6.2f}ms | {b['errors'] + m['errors']:>6}"
                )
    if "flow" in report:
        out += ["", "(c) full online flow by ksef-client (median seconds per step)"]
        if "skipped" in report["flow"]:
            out.append(f"    skipped: {report['flow']['skipped']}")
        else:
            steps = report["flow"]["median_s"]
            out.append("    " + "  ".join(f"{k} {v * 1000:.1f} ms" for k, v in steps.items()))
    if "batch" in report:
        out += ["", "(d) batch session: package through upload and close"]
        out.append(batch.render(report["batch"]))
    if "growth" in report:
        out += ["", "(e) store growth: latency and soak vs extra invoices in a SQLite store"]
        growth = report["growth"]
        out.append(
            f"    skipped: {growth['skipped']}"
            if "skipped" in growth
            else store_growth.render(growth)
        )
    return "\n".join(out)


def main(argv: list[str] | None = None) -> None:
    """Entry point of ``python -m benchmarks``."""
    args = _parse(argv)
    report = run(args)
    print(render(report))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2) + "\n")
    print(f"\nwritten to {args.output}")


if __name__ == "__main__":
    main()
