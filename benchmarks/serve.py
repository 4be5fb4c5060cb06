"""Serve the mock or a bare Flask app for the benchmark: ``python -m benchmarks.serve``.

Both apps run under the same WSGI server with the same settings and with per-request
logging off, so the difference measured is the mock's own work per request.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import signal
import sys
import threading
from collections.abc import Callable
from types import FrameType
from typing import Any

from flask import Flask, Response, jsonify

#: What the bare app answers: about the size of a session status.
CONSTANT = {
    "status": {"code": 200, "description": "Sesja interaktywna przetworzona pomyślnie"},
    "dateCreated": "2026-11-24T09:00:00+00:00",
    "dateUpdated": "2026-11-24T09:00:01+00:00",
    "invoiceCount": 1,
    "successfulInvoiceCount": 1,
    "failedInvoiceCount": 0,
}


def bare_app() -> Flask:
    """A Flask app that answers every ``GET /v2/sessions/<ref>`` with constant JSON."""
    app = Flask("bare")
    app.json.ensure_ascii = False  # type: ignore[attr-defined]  # as the mock does
    app.json.sort_keys = False  # type: ignore[attr-defined]

    @app.get("/v2/sessions/<ref>")
    def session(ref: str) -> Response:
        return jsonify(CONSTANT)

    @app.get("/_mock/health")
    def health() -> Response:
        return jsonify({"status": "ok"})

    return app


def mock_app() -> Flask:
    """The mock with an in-memory store, as ``mock-ksef serve`` builds it by default."""
    from mock_ksef.app import create_app
    from mock_ksef.settings import Settings

    return create_app(Settings(store="memory"))


def _serve_werkzeug(app: Flask, host: str, port: int) -> tuple[int, Callable[[], None], Any]:
    from werkzeug.serving import make_server

    server = make_server(host, port, app, threaded=True)
    return server.port, server.serve_forever, server.shutdown


def _serve_waitress(app: Flask, host: str, port: int) -> tuple[int, Callable[[], None], Any]:
    from waitress import create_server

    server = create_server(app, host=host, port=port, threads=64, connection_limit=256)
    return int(server.effective_port), server.run, server.close


def main(argv: list[str] | None = None) -> None:
    """Serve until SIGTERM; print ``listening on http://HOST:PORT`` once ready."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.serve")
    parser.add_argument("app", choices=["mock", "bare"])
    parser.add_argument("--server", choices=["werkzeug", "waitress"], default="werkzeug")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    app = mock_app() if args.app == "mock" else bare_app()
    start = _serve_werkzeug if args.server == "werkzeug" else _serve_waitress
    port, serve_forever, stop = start(app, args.host, args.port)

    def on_signal(signum: int, frame: FrameType | None) -> None:
        threading.Thread(target=stop, daemon=True).start()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    print(f"{args.app} ({args.server}) listening on http://{args.host}:{port}", flush=True)
    with contextlib.suppress(OSError, ValueError):  # waitress raises when closed
        serve_forever()
    sys.exit(0)


if __name__ == "__main__":
    main()
