"""The WSGI app of a server worker: it answers at once and builds the real app meanwhile.

Importing the whole app (Flask, marshmallow, the domain, every blueprint), loading the
scenario files and generating the mock's RSA keys take a worker about half a second of
CPU. None of it is needed to say that the server is up, so a worker of
``mock-ksef serve --server gunicorn|granian`` opens its store, starts that work on a
thread and serves at once:

* ``GET /_mock/health`` is answered from the store and the clock the real app will use
  (the same report, :func:`mock_ksef.admin.health.health_report`), so a 200 still means
  the store is reachable;
* every other request **waits** until the real app is built, then goes to it: it is
  never refused, never answered by a stand-in;
* once the real app is ready, everything (health included) goes straight to it.

If building the app fails, the waiting requests get a ``503`` problem+json that says why,
and the worker exits with gunicorn's "failed to boot" code, which stops the server.
The master has already validated the scenario files and the settings before any worker
started, so this is the path of an unexpected error only. See ``docs/serving.md``,
"Cold start".
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Callable, Iterable
from email.utils import formatdate
from typing import Any

from mock_ksef.admin.health import health_report
from mock_ksef.clock import Clock, parse_clock
from mock_ksef.settings import Settings
from mock_ksef.store import Store, open_store
from mock_ksef.timefmt import iso

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]
#: gunicorn's worker exit code for "failed to boot": the arbiter then stops the server.
BOOT_ERROR_EXIT = 3
HEALTH_PATH = "/_mock/health"
log = logging.getLogger("mock_ksef")


class WarmingApp:
    """Serve ``/_mock/health`` from ``store`` and ``clock`` until ``build()`` has returned.

    Args:
        build: makes the real WSGI app (called once, on a background thread).
        store: the store the real app uses (opened already).
        clock: the clock the real app uses.
        on_failure: called after ``build`` raised (default: end the process).
    """

    def __init__(
        self,
        build: Callable[[], WsgiApp],
        store: Store,
        clock: Clock,
        on_failure: Callable[[], None] | None = None,
        background: bool = True,
    ) -> None:
        self._store = store
        self._clock = clock
        self._app: WsgiApp | None = None
        self._failure: str | None = None
        self._done = threading.Event()
        self._on_failure = on_failure or _exit_boot_error
        if not background:  # built here, before the server may serve (granian, below)
            self._build(build)
            return
        self._thread = threading.Thread(
            target=self._build, args=(build,), name="mock-ksef-warm-start", daemon=True
        )
        self._thread.start()

    @property
    def ready(self) -> bool:
        """Whether the real app is built."""
        return self._app is not None

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until the build ended (well or not); ``False`` on timeout."""
        return self._done.wait(timeout)

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        app = self._app
        if app is not None:
            return app(environ, start_response)
        if environ.get("PATH_INFO") == HEALTH_PATH and environ.get("REQUEST_METHOD") == "GET":
            return self._health(start_response)
        self._done.wait()
        app = self._app
        if app is None:
            return self._unavailable(environ, start_response)
        return app(environ, start_response)

    def _build(self, build: Callable[[], WsgiApp]) -> None:
        try:
            self._app = build()
        except BaseException as exc:  # report it to every waiting request, then stop
            log.exception("the mock's app could not be built")
            self._failure = f"{type(exc).__name__}: {exc}"
            self._done.set()
            self._on_failure()
            return
        self._done.set()

    def _health(self, start_response: StartResponse) -> Iterable[bytes]:
        body = json.dumps(health_report(self._store, self._clock), separators=(",", ":")).encode()
        start_response("200 OK", self._headers("application/json", body))
        return [body]

    def _unavailable(self, environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
        problem = {
            "title": "Service Unavailable",
            "status": 503,
            "detail": f"the mock could not start ({self._failure}); see the server's log",
            "instance": environ.get("PATH_INFO", ""),
            "timestamp": iso(self._clock.now()),
        }
        body = json.dumps(problem, separators=(",", ":")).encode()
        start_response("503 Service Unavailable", self._headers("application/problem+json", body))
        return [body]

    def _headers(self, content_type: str, body: bytes) -> list[tuple[str, str]]:
        date = formatdate(self._clock.now().timestamp(), usegmt=True)
        return [
            ("Content-Type", content_type),
            ("Content-Length", str(len(body))),
            ("Date", date),
        ]


def _exit_boot_error() -> None:
    os._exit(BOOT_ERROR_EXIT)


def _import_shared_modules() -> None:
    """Import, before the build thread starts, what the server's own threads import lazily.

    gunicorn's thread pool and HTTP code import some of these on first use while the build
    thread imports the app, and two threads importing one module at once can see it
    half-initialised (seen on granian: "partially initialized module 'http'"). About 4 ms.
    Here, in the worker, not at this module's import: the master never needs them (every
    page it holds is counted again in each worker's RSS, docs/performance.md "RSS").
    """
    import concurrent.futures.thread  # noqa: F401
    import http.client  # noqa: F401
    import urllib.request  # noqa: F401


def warming_app(
    settings: Settings, finish: Callable[[Any], WsgiApp], background: bool = True
) -> WarmingApp:
    """Open the store and clock of ``settings``; build the real app with them in the background.

    Args:
        settings: the worker's settings.
        finish: turns the built Flask app into the served one (e.g. adds the request log).
        background: build on a thread (gunicorn). ``False`` builds before returning: granian's
            worker keeps importing on its own threads while it starts, and two threads
            importing the same modules at once can see them half-initialised
            (``AttributeError: partially initialized module 'http'`` was seen).
    """
    _import_shared_modules()
    clock = parse_clock(settings.clock)
    store = open_store(settings.store, settings.state_path)

    def build() -> WsgiApp:
        from mock_ksef.app import create_app

        return finish(create_app(settings, clock=clock, store=store))

    return WarmingApp(build, store, clock, background=background)
