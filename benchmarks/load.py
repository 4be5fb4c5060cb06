"""A small closed-loop HTTP load generator: N threads, keep-alive, bounded and time-capped."""

from __future__ import annotations

import http.client
import math
import statistics
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class LoadResult:
    """Throughput and latency of one load level against one server."""

    target: str
    concurrency: int
    requests: int
    errors: int
    seconds: float
    rps: float
    p50_ms: float
    p99_ms: float


def percentile(sorted_values: list[float], fraction: float) -> float:
    """The nearest-rank percentile of already sorted values (0.0 when empty)."""
    if not sorted_values:
        return 0.0
    rank = max(1, math.ceil(fraction * len(sorted_values)))
    return sorted_values[rank - 1]


class _Budget:
    """Hands out at most ``total`` request tickets until ``deadline``."""

    def __init__(self, total: int, deadline: float) -> None:
        self._left = total
        self._deadline = deadline
        self._lock = threading.Lock()

    def take(self) -> bool:
        with self._lock:
            if self._left <= 0 or time.perf_counter() >= self._deadline:
                return False
            self._left -= 1
            return True


def _worker(
    host: str,
    port: int,
    path: str,
    headers: Mapping[str, str],
    budget: _Budget,
    latencies: list[float],
    errors: list[str],
) -> None:
    conn = http.client.HTTPConnection(host, port, timeout=30)
    try:
        while budget.take():
            start = time.perf_counter()
            try:
                conn.request("GET", path, headers=dict(headers))
                response = conn.getresponse()
                response.read()
                status = response.status
            except (OSError, http.client.HTTPException) as exc:
                errors.append(type(exc).__name__)
                conn.close()
                conn = http.client.HTTPConnection(host, port, timeout=30)
                continue
            elapsed = time.perf_counter() - start
            if status == 200:
                latencies.append(elapsed)
            else:
                errors.append(f"HTTP {status}")
    finally:
        conn.close()


def run_load(
    target: str,
    url: str,
    path: str,
    *,
    concurrency: int,
    max_requests: int,
    time_cap_s: float,
    headers: Mapping[str, str] | None = None,
    warmup: int = 50,
) -> LoadResult:
    """GET ``url + path`` from ``concurrency`` threads until the budget or the time is up.

    Args:
        target: a label for the report (``mock`` or ``bare``).
        url: ``http://host:port`` of the server (loopback).
        path: the request path.
        concurrency: client threads, each with one keep-alive connection.
        max_requests: the most requests sent in the measured phase.
        time_cap_s: the longest the measured phase runs.
        headers: extra request headers (e.g. ``Authorization``).
        warmup: requests sent first and not measured.
    """
    host, _, port_text = url.removeprefix("http://").partition(":")
    port = int(port_text)
    hdrs = dict(headers or {})
    discard: list[float] = []
    warm_errors: list[str] = []
    _worker(host, port, path, hdrs, _Budget(warmup, time.perf_counter() + 10), discard, warm_errors)
    if warm_errors:
        raise RuntimeError(f"{target} {path} fails before the measurement: {warm_errors[:3]}")

    latencies: list[float] = []
    errors: list[str] = []
    start = time.perf_counter()
    budget = _Budget(max_requests, start + time_cap_s)
    threads = [
        threading.Thread(
            target=_worker, args=(host, port, path, hdrs, budget, latencies, errors), daemon=True
        )
        for _ in range(concurrency)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=time_cap_s + 60)
    seconds = time.perf_counter() - start
    ordered = sorted(latencies)
    return LoadResult(
        target=target,
        concurrency=concurrency,
        requests=len(ordered),
        errors=len(errors),
        seconds=round(seconds, 3),
        rps=round(len(ordered) / seconds, 1) if seconds else 0.0,
        p50_ms=round(statistics.median(ordered) * 1000, 3) if ordered else 0.0,
        p99_ms=round(percentile(ordered, 0.99) * 1000, 3),
    )
