"""Cold start and memory of ``mock-ksef serve`` (defaults: gunicorn, 2 workers on 2 CPUs).

* **cold start**: from launching ``mock-ksef serve`` to its first 200 on ``/_mock/health``
  (what the peer benchmark waits for), and to its first 200 on
  ``GET /v2/security/public-key-certificates`` (the whole app built and the keys made).
  Variants: a fresh state folder every time (keys generated: the peer benchmark's case),
  a state folder whose keys exist, and the memory store.
* **RSS after load** (``--parts rss``): the peer benchmark's way: a fresh state folder, an
  SDK login and online session (``../shared/bench/ours/prep_session.py``), ``wrk -c8`` on
  ``GET /v2/sessions/{ref}``, then RSS and PSS summed over the server's process tree
  (master and workers).

``--cold-baseline DIR`` measures a second checkout (e.g. ``git archive main`` unpacked in
DIR) with the same venv (``PYTHONPATH=DIR``), launch after launch alternating with this
one, so both see the same machine load.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from tests.support.process import clean_env, console_script, free_port

DEADLINE_S = 60.0
FIRST_API = "/v2/security/public-key-certificates"
PREP = Path(__file__).resolve().parents[1].parent / "shared" / "bench" / "ours" / "prep_session.py"
WRK_SECONDS = 4


def _env(baseline: Path | None) -> dict[str, str]:
    return clean_env({"PYTHONPATH": str(baseline)} if baseline else {})


def _first_200(url: str, proc: subprocess.Popen[bytes], start: float) -> float:
    while time.perf_counter() - start < DEADLINE_S:
        if proc.poll() is not None:
            raise RuntimeError(f"mock-ksef serve exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=DEADLINE_S) as response:
                if response.status == 200:
                    return time.perf_counter() - start
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.005)
    raise RuntimeError(f"no 200 from {url} within {DEADLINE_S}s")


def _launch(args: list[str], baseline: Path | None) -> tuple[int, subprocess.Popen[bytes]]:
    port = free_port()
    proc = subprocess.Popen(
        [console_script(), "serve", "--host", "127.0.0.1", "--port", str(port), *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=_env(baseline),
    )
    return port, proc


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=20)


def time_to_first_health(extra_args: list[str], baseline: Path | None = None) -> float:
    """Seconds from ``Popen`` to the first 200 from the health route; the child is stopped."""
    return cold_start(extra_args, baseline)[0]


def cold_start(extra_args: list[str], baseline: Path | None = None) -> tuple[float, ...]:
    """Seconds to the first 200 on ``/_mock/health`` and then on :data:`FIRST_API`, and the
    CPU seconds the server's process tree had used at each of those moments."""
    start = time.perf_counter()
    port, proc = _launch(extra_args, baseline)
    try:
        base = f"http://127.0.0.1:{port}"
        health = _first_200(base + "/_mock/health", proc, start)
        health_cpu = _cpu_s(_tree(proc.pid))
        api = _first_200(base + FIRST_API, proc, start)
        return health, api, health_cpu, _cpu_s(_tree(proc.pid))
    finally:
        _stop(proc)


def _cpu_s(pids: list[int]) -> float:
    """User + system CPU seconds of ``pids`` (a load-independent companion of the wall time)."""
    ticks = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def measure(runs: int, state_dir: Path, baseline: Path | None = None) -> dict[str, dict[str, Any]]:
    """Medians of ``runs`` cold starts per variant (and per checkout, alternating)."""
    checkouts: dict[str, Path | None] = {"this checkout": None}
    if baseline:
        checkouts[f"baseline {baseline}"] = baseline
    for tree in checkouts.values():  # creates the kept keys once (and warms the page cache)
        cold_start(["--state-dir", str(state_dir)], tree)
    variants = {
        "fresh state dir, keys generated": None,
        "state dir, keys reused": ["--state-dir", str(state_dir)],
        "memory, keys generated": ["--store", "memory"],
    }
    results: dict[str, dict[str, Any]] = {}
    for label, fixed in variants.items():
        samples: dict[str, list[tuple[float, ...]]] = {name: [] for name in checkouts}
        for _ in range(runs):
            for name, tree in checkouts.items():
                fresh = tempfile.mkdtemp(prefix="mock-ksef-cold-")
                try:
                    args = fixed if fixed is not None else ["--state-dir", fresh]
                    samples[name].append(cold_start(args, tree))
                finally:
                    shutil.rmtree(fresh, ignore_errors=True)
        for name, pairs in samples.items():
            results[f"{label} ({name})" if baseline else label] = {
                "median_s": round(statistics.median(p[0] for p in pairs), 4),
                "first_api_median_s": round(statistics.median(p[1] for p in pairs), 4),
                "cpu_median_s": round(statistics.median(p[2] for p in pairs), 3),
                "first_api_cpu_median_s": round(statistics.median(p[3] for p in pairs), 3),
                "samples_s": [[round(x, 4) for x in p] for p in pairs],
            }
    return results


def _tree(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            children.setdefault(int(stat.rsplit(")", 1)[1].split()[1]), []).append(int(entry))
    pids = [root]
    for pid in pids:
        pids.extend(children.get(pid, []))
    return pids


def _memory_mb(pids: list[int]) -> tuple[float, float]:
    rss = pss = 0
    for pid in pids:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Rss:"):
                rss += int(line.split()[1])
            elif line.startswith("Pss:"):
                pss += int(line.split()[1])
    return rss / 1024, pss / 1024


def memory_after_load(baseline: Path | None = None) -> dict[str, Any]:
    """RSS and PSS of the process tree after an SDK session and ``wrk -c8`` on its status."""
    state = tempfile.mkdtemp(prefix="mock-ksef-rss-")
    start = time.perf_counter()
    port, proc = _launch(["--state-dir", state], baseline)
    try:
        base = f"http://127.0.0.1:{port}"
        _first_200(base + "/_mock/health", proc, start)
        prep = subprocess.run(
            [sys.executable, str(PREP), base],
            capture_output=True,
            text=True,
            check=True,
            env=clean_env(),
            timeout=120,
        )
        facts = json.loads(prep.stdout)
        authorization = f"Authorization: {facts['headers']['Authorization']}"
        status_url = base + facts["paths"]["get_status"]
        wrk = subprocess.run(
            ["wrk", "-t1", "-c8", f"-d{WRK_SECONDS}s", "-H", authorization, status_url],
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        )
        rps = next(
            (line.split()[-1] for line in wrk.stdout.splitlines() if "Requests/sec" in line), "?"
        )
        time.sleep(0.3)
        pids = _tree(proc.pid)
        rss, pss = _memory_mb(pids)
        return {"rss_mb": round(rss, 1), "pss_mb": round(pss, 1), "pids": len(pids), "rps": rps}
    finally:
        _stop(proc)
        shutil.rmtree(state, ignore_errors=True)


def render_memory(report: dict[str, Any]) -> list[str]:
    """Lines of the RSS part."""
    if "skipped" in report:
        return [f"    skipped: {report['skipped']}"]
    return [
        f"    {label:<52} RSS {v['rss_median_mb']:6.1f} MB   PSS {v['pss_median_mb']:6.1f} MB"
        for label, v in report.items()
    ]


def measure_memory(runs: int, baseline: Path | None = None) -> dict[str, dict[str, Any]]:
    """Medians of ``runs`` :func:`memory_after_load` per checkout, alternating."""
    checkouts: dict[str, Path | None] = {"this checkout": None}
    if baseline:
        checkouts[f"baseline {baseline}"] = baseline
    samples: dict[str, list[dict[str, Any]]] = {name: [] for name in checkouts}
    for _ in range(runs):
        for name, tree in checkouts.items():
            samples[name].append(memory_after_load(tree))
    return {
        name: {
            "rss_median_mb": round(statistics.median(s["rss_mb"] for s in runs_), 1),
            "pss_median_mb": round(statistics.median(s["pss_mb"] for s in runs_), 1),
            "samples": runs_,
        }
        for name, runs_ in samples.items()
    }
