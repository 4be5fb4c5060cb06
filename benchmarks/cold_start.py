"""Cold start: from launching ``mock-ksef serve`` to its first 200 on ``/_mock/health``."""

from __future__ import annotations

import signal
import statistics
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

from tests.support.process import clean_env, console_script, free_port

DEADLINE_S = 60.0


def time_to_first_health(extra_args: list[str]) -> float:
    """Seconds from ``Popen`` to the first 200 from the health route; the child is stopped."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/_mock/health"
    start = time.perf_counter()
    proc = subprocess.Popen(
        [console_script(), "serve", "--port", str(port), *extra_args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=clean_env(),
    )
    try:
        while time.perf_counter() - start < DEADLINE_S:
            if proc.poll() is not None:
                raise RuntimeError(f"mock-ksef serve exited with {proc.returncode}")
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    if response.status == 200:
                        return time.perf_counter() - start
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.005)
        raise RuntimeError(f"no 200 from {url} within {DEADLINE_S}s")
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=20)


def measure(runs: int, state_dir: Path) -> dict[str, dict[str, float | list[float]]]:
    """Median of ``runs`` cold starts, without state (keys generated) and with kept keys."""
    results: dict[str, dict[str, float | list[float]]] = {}
    time_to_first_health(["--state-dir", str(state_dir)])  # creates the keys once
    variants = {
        "memory, keys generated": [],
        "state dir, keys reused": ["--state-dir", str(state_dir)],
    }
    for label, args in variants.items():
        samples = [round(time_to_first_health(args), 4) for _ in range(runs)]
        results[label] = {"median_s": round(statistics.median(samples), 4), "samples_s": samples}
    return results
