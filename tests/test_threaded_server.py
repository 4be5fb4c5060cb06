"""ThreadedServer: a real socket on an ephemeral port, started and stopped from a test."""

from __future__ import annotations

import threading
import urllib.request

import pytest
from flask import Flask

from mock_ksef.threaded_server import ThreadedServer


@pytest.fixture(name="tiny")
def _tiny() -> Flask:
    """An app with one route, so these tests do not depend on the mock's routes."""
    app = Flask("tiny")
    app.add_url_rule("/ping", "ping", lambda: "pong")
    return app


def test_serves_over_real_http(tiny: Flask) -> None:
    """Port 0 becomes a real port; url and url_for point at it."""
    with ThreadedServer(tiny) as server:
        assert server.port > 0
        assert server.url == f"http://127.0.0.1:{server.port}"
        assert server.url_for("ping") == server.url_for("/ping") == server.url + "/ping"
        with urllib.request.urlopen(server.url_for("/ping"), timeout=10) as response:
            assert response.read() == b"pong"


def test_stop_is_idempotent_and_frees_the_port(tiny: Flask) -> None:
    """After stop() (twice) nothing listens on the port any more."""
    server = ThreadedServer(tiny).start()
    server.stop()
    server.stop()
    with pytest.raises(OSError, match=r"."):
        urllib.request.urlopen(server.url_for("/ping"), timeout=5)


def test_stop_without_start_returns(tiny: Flask) -> None:
    """Stopping a server that never started closes it instead of hanging."""
    server = ThreadedServer(tiny)
    stopper = threading.Thread(target=server.stop, daemon=True)
    stopper.start()
    stopper.join(timeout=10)
    assert not stopper.is_alive()
