"""The HTTP wire around the app: the ``Date`` header and ``Connection: close``.

* ``Date`` follows the mock clock (set by :func:`install`), like every timestamp in a
  body. The servers are taught to send the app's ``Date`` instead of their own wall
  clock: :class:`DevRequestHandler` for werkzeug, :func:`adopt_app_headers_in_gunicorn`.
* A request body the app did not read to its end (a refused part upload, a 415, a body
  over the limit, a body sent to a route that takes none) leaves bytes on the socket.
  gunicorn drains at most 64 KiB of them and otherwise drops the kept-alive connection
  without a word, so the client's next request on it fails. :class:`BodyAccounting`
  counts what the app read and answers ``Connection: close`` when that was not all.

See ``docs/http-edge.md``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from flask import Flask, Response
from werkzeug.http import http_date
from werkzeug.serving import WSGIRequestHandler

from mock_ksef.http.context import services
from mock_ksef.http.gunicorn_response import (
    adopt_app_headers_in_gunicorn as adopt_app_headers_in_gunicorn,  # re-exported
)

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


def install(app: Flask) -> None:
    """Date from the mock clock on every response; body accounting around the app."""
    app.after_request(_mock_clock_date)
    app.wsgi_app = BodyAccounting(app.wsgi_app)  # type: ignore[method-assign]


def _mock_clock_date(response: Response) -> Response:
    response.headers["Date"] = _http_date(services().now())
    return response


#: The last second formatted and its text (``Date`` has whole seconds).
_last_date: tuple[float, str] = (float("nan"), "")


def _http_date(now: datetime) -> str:
    """``http_date(now)``, formatted once per second of the clock."""
    global _last_date
    second = now.timestamp() // 1
    known, text = _last_date
    if second != known:
        text = http_date(now)
        _last_date = (second, text)
    return text


class _CountingInput:
    """``wsgi.input`` that remembers how much was read and whether its end was seen."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream
        self.read_bytes = 0
        self.ended = False

    def _seen(self, data: bytes, asked: int | None) -> bytes:
        self.read_bytes += len(data)
        if not data and asked != 0:
            self.ended = True
        return data

    def read(self, size: int | None = -1) -> bytes:
        return self._seen(self._stream.read(size), size)

    def readline(self, size: int | None = -1) -> bytes:
        return self._seen(self._stream.readline(size), size)

    def readinto(self, buffer: Any) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def __iter__(self) -> _CountingInput:
        return self

    def __next__(self) -> bytes:
        line = self.readline()
        if not line:
            raise StopIteration
        return line

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


class BodyAccounting:
    """WSGI middleware: ``Connection: close`` when the request body was not read whole."""

    def __init__(self, app: WsgiApp) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        declared = _declared_length(environ)
        chunked = "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()
        if not declared and not chunked:
            return self.app(environ, start_response)
        if environ.get("SERVER_SOFTWARE", "").startswith("Werkzeug/"):
            # The dev server closes every connection (and says so) and drains the rest.
            return self.app(environ, start_response)
        counted = _CountingInput(environ["wsgi.input"])
        environ["wsgi.input"] = counted

        def _start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            whole = counted.ended if chunked else counted.read_bytes >= declared
            if not whole and not any(k.lower() == "connection" for k, _ in headers):
                headers = [*headers, ("Connection", "close")]
            return start_response(status, headers, exc_info)

        return self.app(environ, _start)


def _declared_length(environ: dict[str, Any]) -> int:
    try:
        return max(int(environ.get("CONTENT_LENGTH") or 0), 0)
    except ValueError:
        return 0


class DevRequestHandler(WSGIRequestHandler):
    """werkzeug's handler, sending the app's ``Date`` instead of the wall clock's.

    http.server adds ``Date`` in ``send_response``; here it is added only when the
    response has none by the end of the headers (an error werkzeug answers itself).
    """

    _date_sent = False

    def send_response(self, code: int, message: str | None = None) -> None:
        self.log_request(code)
        self.send_response_only(code, message)
        self.send_header("Server", self.version_string())
        self._date_sent = False

    def send_header(self, keyword: str, value: str) -> None:
        if keyword.lower() == "date":
            self._date_sent = True
        super().send_header(keyword, value)

    def end_headers(self) -> None:
        if not self._date_sent:
            super().send_header("Date", self.date_time_string())
        super().end_headers()
