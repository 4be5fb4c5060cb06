"""A round-robin HTTP load balancer in front of mock replicas, for the replica tests.

Each request goes to the next replica in turn, so a client switches replica on every
request. The ``Host`` header is passed on unchanged (the replicas' links name the
balancer). A replica that refuses the connection (killed) is skipped for that request
and marked down, as a load balancer's health check would; nothing was sent to it, so
the request is safe to send to the next one. A replica that dies *during* a request
answers nothing: the client gets 502, like behind a real balancer.

Every exchange is recorded (:class:`Exchange`), so a test can say which replica served
which request and compare the bytes of two runs.
"""

from __future__ import annotations

import http.client
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HOP_BY_HOP = frozenset(
    {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade"}
)


@dataclass(frozen=True)
class Exchange:
    """One request as the balancer passed it on."""

    method: str
    path: str
    #: Index of the replica that answered (``None``: none could, 502).
    replica: int | None
    status: int
    body: bytes


class Balancer:
    """Round robin over ``backends`` (``host:port``), with the exchanges it passed on."""

    def __init__(self, backends: list[str]) -> None:
        self.backends = backends
        self.down: set[int] = set()
        self.exchanges: list[Exchange] = []
        self._turn = 0
        self._lock = threading.Lock()
        balancer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                return

            def _relay(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                balancer.relay(self, body)

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _relay

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = int(self.server.server_address[1])
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT``."""
        return f"http://127.0.0.1:{self.port}"

    def _order(self) -> list[int]:
        with self._lock:
            first = self._turn
            self._turn = (self._turn + 1) % len(self.backends)
            up = [i for i in range(len(self.backends)) if i not in self.down]
        return sorted(up, key=lambda i: (i - first) % len(self.backends))

    def relay(self, handler: BaseHTTPRequestHandler, body: bytes) -> None:
        """Pass one request to the next replica that accepts the connection."""
        headers = {k: v for k, v in handler.headers.items() if k.lower() not in HOP_BY_HOP}
        for index in self._order():
            host, _, port = self.backends[index].partition(":")
            conn = http.client.HTTPConnection(host, int(port), timeout=120)
            try:
                conn.connect()
            except ConnectionRefusedError:
                with self._lock:
                    self.down.add(index)
                continue
            try:
                conn.request(handler.command, handler.path, body=body, headers=headers)
                response = conn.getresponse()
                data = response.read()
            except (OSError, http.client.HTTPException):
                break  # the replica died mid-request: nothing to answer
            finally:
                conn.close()
            self._answer(handler, index, response.status, response.getheaders(), data)
            return
        self._answer(handler, None, 502, [("Content-Type", "text/plain")], b"no replica answered")

    def _answer(
        self,
        handler: BaseHTTPRequestHandler,
        index: int | None,
        status: int,
        headers: list[tuple[str, str]],
        data: bytes,
    ) -> None:
        with self._lock:
            self.exchanges.append(Exchange(handler.command, handler.path, index, status, data))
        handler.send_response_only(status)
        for name, value in headers:
            if name.lower() not in HOP_BY_HOP and name.lower() != "content-length":
                handler.send_header(name, value)
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)

    def served_by(self, fragment: str, method: str | None = None) -> list[int | None]:
        """The replicas that answered the requests whose path contains ``fragment``."""
        return [
            e.replica
            for e in self.exchanges
            if fragment in e.path and (method is None or e.method == method)
        ]

    @contextmanager
    def running(self) -> Iterator[Balancer]:
        """Serve until the block ends."""
        self._thread.start()
        try:
            yield self
        finally:
            self.server.shutdown()
            self.server.server_close()
