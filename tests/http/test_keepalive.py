"""Refused bodies on kept-alive connections, on gunicorn and the dev server (real sockets).

A part upload refused before its body is read (403 bad signature) leaves the body on
the socket; the next request on that connection must still be answered, so the refusal
says ``Connection: close`` (docs/http-edge.md).
"""

from __future__ import annotations

import http.client
import json

import pytest

from mock_ksef.threaded_server import ThreadedServer
from tests.support.process import ServerProcess, clean_env, console_script

PART = "/storage/00/20261124-sb-0000000001-0000000001-00/batch-parts/1?se=1&sp=w&sig=forged"
#: More than gunicorn drains (64 KiB), less than a loopback socket buffers before it is
#: read (16 KiB send + 128 KiB receive): the client's send always completes, so a server
#: that closes without reading is not raced by a half-sent body (EPIPE under load).
BODY = b"\0" * 100_000
TRIES = 10
FROZEN = "2026-11-24T09:00:00+00:00"


def _refused_then_next(port: int) -> tuple[int, str | None, int | None]:
    """On one connection: a forged part PUT, then GET /_mock/health if the server allows.

    Returns the PUT's status and Connection header, and the follow-up's status (None
    when the server announced the close, as a client then opens a new connection).
    """
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("PUT", PART, body=BODY, headers={"Content-Type": "application/octet-stream"})
        refused = conn.getresponse()
        problem = json.loads(refused.read())
        assert problem["status"] == 403, problem
        connection = refused.getheader("Connection")
        if connection == "close":
            return refused.status, connection, None
        conn.request("GET", "/_mock/health")
        follow_up = conn.getresponse()
        follow_up.read()
        return refused.status, connection, follow_up.status
    finally:
        conn.close()


def _keeps_alive(port: int) -> list[tuple[int, str | None, list[str] | None]]:
    """Two plain GETs on one connection: status, Connection header and Date headers."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    seen = []
    try:
        for _ in range(2):
            conn.request("GET", "/_mock/health")
            response = conn.getresponse()
            response.read()
            seen.append(
                (
                    response.status,
                    response.getheader("Connection"),
                    response.headers.get_all("Date"),
                )
            )
    finally:
        conn.close()
    return seen


@pytest.fixture(scope="module")
def gunicorn_port():
    argv = [console_script(), "serve", "--port", "0", "--server", "gunicorn"]
    argv += ["--store", "memory", "--clock", f"frozen:{FROZEN}"]
    with ServerProcess(argv, clean_env()) as server:
        yield server.wait_for_banner()
        assert server.stop() == 0, server.output()


def test_gunicorn_refused_part_upload_closes_the_connection(gunicorn_port):
    """Every refused PUT says Connection: close, so no follow-up request is lost."""
    outcomes = [_refused_then_next(gunicorn_port) for _ in range(TRIES)]
    assert outcomes == [(403, "close", None)] * TRIES


def test_gunicorn_keeps_alive_and_dates_from_the_mock_clock(gunicorn_port):
    """Ordinary requests keep the connection; Date is the frozen clock's, sent once."""
    date = ["Tue, 24 Nov 2026 09:00:00 GMT"]
    assert _keeps_alive(gunicorn_port) == [(200, "keep-alive", date)] * 2


def test_dev_server_refused_part_upload_closes_the_connection(app):
    """The werkzeug server (ThreadedServer, --server dev) closes after a refused PUT too."""
    with ThreadedServer(app) as server:
        outcomes = [_refused_then_next(server.port) for _ in range(3)]
        statuses = [status for status, _, _ in _keeps_alive(server.port)[:1]]
    assert outcomes == [(403, "close", None)] * 3
    assert statuses == [200]
