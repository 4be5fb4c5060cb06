"""A WSGI server on a background thread (tests, the pytest plugin, benchmarks)."""

from __future__ import annotations

import threading
from typing import Any

from flask import Flask
from werkzeug.serving import BaseWSGIServer, make_server

from mock_ksef.http.wire import DevRequestHandler

#: Seconds ``stop`` waits for the serving thread.
STOP_TIMEOUT_S = 10.0


class ThreadedServer:
    """Serve ``app`` on ``host``:``port`` (0 = ephemeral) from a daemon thread.

    The socket is bound in the constructor, so :attr:`port` and :attr:`url` are known
    (and connections are queued) before :meth:`start`.
    """

    def __init__(self, app: Flask | Any, host: str = "127.0.0.1", port: int = 0) -> None:
        self.app = app
        self._server: BaseWSGIServer = make_server(
            host, port, app, threaded=True, request_handler=DevRequestHandler
        )
        self.host = host
        self.port = self._server.port
        self._thread = threading.Thread(
            target=self._server.serve_forever, daemon=True, name=f"mock-ksef:{self.port}"
        )
        self._closed = False

    @property
    def url(self) -> str:
        """``http://host:port`` of the server."""
        return f"http://{self.host}:{self.port}"

    def url_for(self, path: str) -> str:
        """The absolute URL of ``path`` (with or without a leading slash)."""
        return f"{self.url}/{path.lstrip('/')}"

    def start(self) -> ThreadedServer:
        """Start serving; returns ``self``."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, close the socket and wait for the thread; safe to call twice.

        A server that was never started is only closed: ``shutdown()`` would wait
        forever for a serving loop that never ran.
        """
        if self._closed:
            return
        self._closed = True
        if self._thread.is_alive():
            self._server.shutdown()
            self._thread.join(timeout=STOP_TIMEOUT_S)
        self._server.server_close()

    def __enter__(self) -> ThreadedServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
