"""In-process cost of ``GET /v2/sessions/{ref}``: CPU µs per request, optionally profiled.

``python -m benchmarks.read_path [--requests N] [--profile] [--store sqlite|memory]``

Builds the app as a ``mock-ksef serve`` worker does (SQLite state, request log on, here
into ``/dev/null``) and serves it on a thread so that the peer benchmark's prep
(``../shared/bench/ours/prep_session.py``, the unmodified SDK) logs in and opens a
session. It then loops Flask's test client over the status read and prints the median
CPU time per request of 5 batches; ``--profile`` adds a ``cProfile`` table of the loop.
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
    assert client.get(path, headers=headers).status_code == 200
    for _ in range(200):  # warm-up
        client.get(path, headers=headers)
    batch = max(1, args.requests // 5)
    samples = []
    for _ in range(5):
        started = time.process_time()
        for _ in range(batch):
            client.get(path, headers=headers)
        samples.append((time.process_time() - started) / batch * 1e6)
    print(f"CPU µs per status read: median {statistics.median(samples):.0f}", end=" ")
    print([round(s) for s in samples])
    if args.profile:
        profile = cProfile.Profile()
        profile.enable()
        for _ in range(args.requests):
            client.get(path, headers=headers)
        profile.disable()
        pstats.Stats(profile).sort_stats("tottime").print_stats(40)


if __name__ == "__main__":
    main()
