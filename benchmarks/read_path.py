"""In-process cost of ``GET /v2/sessions/{ref}``: CPU µs per request, optionally profiled.

``python -m benchmarks.read_path [--requests N] [--profile] [--store sqlite|memory] [--bare]``

Builds the app as a ``mock-ksef serve`` worker does (SQLite state, request log on, here
into ``/dev/null``) and serves it on a thread so that the peer benchmark's prep
(``../shared/bench/ours/prep_session.py``, the unmodified SDK) logs in and opens a
session. It then loops Flask's test client over the status read and prints the median
CPU time per request of 5 batches; ``--profile`` adds a ``cProfile`` table of the loop.
``--bare`` also runs the same loop over a bare Flask app answering the status body as a
constant (the peer benchmark's baseline), for a ratio from the same run.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import logging
import os
import pstats
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient

from mock_ksef.app import create_app
from mock_ksef.request_log import configure_logging, install_request_log
from mock_ksef.settings import Settings
from mock_ksef.threaded_server import ThreadedServer

PREP = Path(__file__).resolve().parents[2] / "shared" / "bench" / "ours" / "prep_session.py"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.read_path", description=__doc__)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--store", default="sqlite", choices=("sqlite", "memory"))
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--bare", action="store_true", help="also time a bare Flask app")
    args = parser.parse_args(argv)
    configure_logging("text", "info")
    handler = logging.getLogger().handlers[0]
    assert isinstance(handler, logging.StreamHandler)
    handler.setStream(open(os.devnull, "w"))  # noqa: SIM115 (lives as long as the process)
    app = create_app(Settings(state_dir=tempfile.mkdtemp(), seed=1, store=args.store))
    install_request_log(app)
    with ThreadedServer(app) as server:
        out = subprocess.check_output(
            [sys.executable, str(PREP), server.url], stderr=subprocess.DEVNULL
        )
    prep = json.loads(out)
    path, headers = prep["paths"]["get_status"], prep["headers"]
    client = app.test_client()
    body = client.get(path, headers=headers).get_json()
    mock = _cpu_per_request(client, path, headers, args.requests)
    print(f"CPU µs per status read: median {statistics.median(mock):.0f}", end=" ")
    print([round(s) for s in mock])
    if args.bare:
        bare = Flask("bare")
        bare.get("/v2/sessions/<reference>")(lambda reference: body)
        constant = _cpu_per_request(bare.test_client(), path, headers, args.requests)
        ratio = statistics.median(mock) / statistics.median(constant)
        print(f"bare Flask, same loop: median {statistics.median(constant):.0f}", end=" ")
        print([round(s) for s in constant], f"(mock {ratio:.2f} x)")
    if args.profile:
        profile = cProfile.Profile()
        profile.enable()
        for _ in range(args.requests):
            client.get(path, headers=headers)
        profile.disable()
        pstats.Stats(profile).sort_stats("tottime").print_stats(40)


def _cpu_per_request(
    client: FlaskClient, path: str, headers: dict[str, str], requests: int
) -> list[float]:
    """CPU µs per ``GET path`` of 5 batches (after 200 unmeasured requests)."""
    assert client.get(path, headers=headers).status_code == 200
    for _ in range(200):  # warm-up
        client.get(path, headers=headers)
    batch = max(1, requests // 5)
    samples = []
    for _ in range(5):
        started = time.process_time()
        for _ in range(batch):
            client.get(path, headers=headers)
        samples.append((time.process_time() - started) / batch * 1e6)
    return samples


if __name__ == "__main__":
    main()
