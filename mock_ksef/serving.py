"""Production serving for ``mock-ksef serve --server gunicorn|granian [--workers N]``.

The CLI's process (the master) checks the settings and the scenario files, creates the
SQLite file and gives the banner its facts; it never imports the app. Each worker process
builds the app from the same settings (passed in the environment variable
:data:`SETTINGS_ENV` as JSON), after the fork, so no SQLite connection crosses a process
boundary, and it does so in the background while it already answers
(:mod:`mock_ksef.warm_start`). Everything a request changes lives in the SQLite store,
which every worker opens; see ``docs/serving.md`` for what stays per process.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import socket
import sys
import threading
import time
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

from mock_ksef import lxml_gate
from mock_ksef.http.gunicorn_response import adopt_app_headers_in_gunicorn
from mock_ksef.settings import SERVERS, Settings
from mock_ksef.store import is_shared
from mock_ksef.warm_start import WarmingApp, WsgiApp, warming_app

if TYPE_CHECKING:
    from flask import Flask

    from mock_ksef.xml.schemas import SchemaRegistry

__all__ = ["DEFAULT_SERVER", "SERVERS", "check_workers", "run_granian", "run_gunicorn"]
#: Chosen by measurement (``docs/serving.md``).
DEFAULT_SERVER = "gunicorn"
SETTINGS_ENV = "MOCK_KSEF_SERVING_SETTINGS"
#: Request threads per gunicorn ``gthread`` worker (``--threads 0``). Two, not eight: with
#: more threads than cores each request waits for the GIL behind the others, and the
#: c=8 p99 of a status read was 12-15 ms with 8 and 6-9 ms with 2 at the same throughput
#: (quiet runs, docs/performance.md "Threads and the switch interval").
GUNICORN_THREADS = 2
#: Blocking threads per granian worker (``--threads 0``): its I/O runs in Rust.
GRANIAN_THREADS = 8
#: The GIL switch interval of a gunicorn worker, seconds (Python's default: 0.005). A
#: request thread back from a system call waits up to this long for the GIL.
SWITCH_INTERVAL_S = 0.001
#: Seconds granian's workers get to answer ``/_mock/health`` before the CLI says so.
READY_TIMEOUT_S = 120.0
log = logging.getLogger("mock_ksef")


def check_workers(settings: Settings, workers: int) -> None:
    """Refuse combinations in which workers would disagree.

    Raises:
        ValueError: several workers with an in-memory store.
    """
    if workers < 1:
        raise ValueError(f"--workers: {workers} is not a number of processes (at least 1)")
    if workers == 1:
        return
    if not is_shared(settings.store):
        raise ValueError(
            f"--workers: {workers} workers need a shared store (each process would keep its own "
            "memory store); use --store sqlite, --state-dir or --store postgresql://…, "
            "or --workers 1"
        )


def settings_to_env(settings: Settings) -> str:
    """``settings`` as JSON for the workers (tuples become lists)."""
    return json.dumps(dataclasses.asdict(settings))


def settings_from_env(environ: dict[str, str] | None = None) -> Settings:
    """The settings the CLI handed to this worker."""
    raw = json.loads((environ if environ is not None else os.environ)[SETTINGS_ENV])
    return Settings().with_overrides(**raw)


def worker_app(background: bool = True) -> WarmingApp:
    """The app of one worker process: built from the CLI's settings, with request logs.

    It answers at once and builds the Flask app on a thread (:mod:`mock_ksef.warm_start`);
    gunicorn calls it from :class:`_GunicornApp`. granian uses :func:`granian_worker_app`.
    """
    settings = settings_from_env()
    _limit_malloc_arenas()
    if not logging.getLogger().handlers:  # a spawned worker: nothing configured yet
        from mock_ksef.log_setup import configure_logging

        configure_logging(settings.log_format, settings.log_level)

    def finish(app: Flask) -> WsgiApp:
        from mock_ksef.http.context import services
        from mock_ksef.request_log import install_request_log

        install_request_log(app)
        svc = services(app)
        # An XSD compiled while request threads parse and validate invoices failed now
        # and then under load (libxml2 races in schema construction, docs/serving.md
        # "Cold start"): the XSDs are compiled at the first XML use, behind the gate that
        # every use of lxml passes first, or here, before the first request, when the
        # build has used lxml already. A worker that serves JSON only never loads libxml2.
        warm_xml = partial(_compile_schemas, svc.schemas, svc.settings.auth_schema_dir)
        if not lxml_gate.before_first_use(warm_xml):
            warm_xml()
        _return_freed_memory()
        _freeze_startup_objects()
        return app

    return warming_app(settings, finish, background)


def _compile_schemas(schemas: SchemaRegistry, auth_schema_dir: str) -> None:
    """Compile the invoice XSDs and the auth XSDs a worker validates with."""
    from mock_ksef.xml.auth_xsd import auth_schemas

    schemas.compile_all()
    auth_schemas(auth_schema_dir).compile_all()


#: glibc ``mallopt`` parameter: the most malloc arenas a process creates.
_M_ARENA_MAX = -8
#: Arenas per worker: glibc's default (8 per core) gives each request thread its own,
#: each keeping its freed pages (``docs/performance.md``, "RSS"; one arena measured the
#: same as two, within 0.5 MB).
MALLOC_ARENAS = 2


def _libc() -> Any:
    """glibc, or ``None`` (another C library: the tuning below is skipped)."""
    import ctypes
    import ctypes.util

    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.mallopt  # noqa: B018  (glibc has both)
        libc.malloc_trim  # noqa: B018
    except (OSError, AttributeError):
        return None
    return libc


def _limit_malloc_arenas() -> bool:
    """Cap this worker's malloc arenas before its threads start (RSS after load).

    Returns whether glibc took the setting.
    """
    libc = _libc()
    return libc is not None and libc.mallopt(_M_ARENA_MAX, MALLOC_ARENAS) == 1


def _return_freed_memory() -> None:
    """Give the pages the build freed (import-time garbage) back to the system."""
    import gc

    gc.collect()
    libc = _libc()
    if libc is not None:
        libc.malloc_trim(0)


def _freeze_startup_objects() -> None:
    """Move what the build left alive out of the garbage collector's reach.

    A worker holds ~60,000 tracked objects after its build (modules, the app, scenarios,
    schemas) that live as long as it does; a full collection walked them all, ~37 ms with
    every request thread of the worker stopped (a p99 outlier every few thousand
    requests). Frozen, a full collection walks only what requests created (~0.02 ms).
    """
    import gc

    gc.freeze()


def granian_worker_app() -> WarmingApp:
    """granian's factory: the app built before granian serves (:func:`warming_app`)."""
    return worker_app(background=False)


def free_port(host: str) -> int:
    """A port that was free on ``host`` a moment ago (for servers that cannot bind port 0)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def run_gunicorn(
    settings: Settings, workers: int, on_ready: Callable[[int], None], on_stop: Callable[[], None]
) -> None:
    """Serve with gunicorn (``gthread`` workers) until SIGTERM/SIGINT, then return.

    Args:
        settings: the resolved settings (host, port; port 0 picks a free one).
        workers: worker processes.
        on_ready: called in the master with the bound port once it listens.
        on_stop: called in the master as it exits.
    """
    from gunicorn.app.base import BaseApplication
    from gunicorn.arbiter import Arbiter

    class _GunicornApp(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            options: dict[str, Any] = {
                "bind": [f"{_bracket(settings.host)}:{settings.port}"],
                "workers": workers,
                "worker_class": "gthread",
                "threads": settings.threads or GUNICORN_THREADS,
                "timeout": 120,  # a large batch close takes a while
                "graceful_timeout": 10,
                "keepalive": 5,
                "accesslog": None,
                "loglevel": "warning",
                # gunicorn's control socket (25.1+): an asyncio server thread in the master
                # (asyncio's 29 modules, inherited by every worker) on one path per user,
                # ~/.gunicorn/gunicorn.ctl, that every server of the machine would share.
                "control_socket_disable": True,
                "when_ready": lambda server: on_ready(_bound_port(server)),
                "on_exit": lambda server: on_stop(),
            }
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self) -> WarmingApp:
            sys.setswitchinterval(SWITCH_INTERVAL_S)  # in the worker, after the fork
            return worker_app()

    os.environ[SETTINGS_ENV] = settings_to_env(settings)
    adopt_app_headers_in_gunicorn()  # the app's Date and Connection: close
    try:
        Arbiter(_GunicornApp()).run()
    except SystemExit as exc:  # the arbiter exits after a graceful stop
        if exc.code not in (0, None):
            raise


def _bracket(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def _bound_port(server: Any) -> int:
    return int(server.LISTENERS[0].sock.getsockname()[1])


def run_granian(
    settings: Settings, workers: int, on_ready: Callable[[int], None], on_stop: Callable[[], None]
) -> None:
    """Serve with granian (WSGI interface) until SIGTERM/SIGINT, then return.

    granian binds in its worker processes, so port 0 is replaced by a free port first.
    """
    from granian import Granian
    from granian.constants import Interfaces

    port = settings.port or free_port(settings.host)
    os.environ[SETTINGS_ENV] = settings_to_env(settings)
    server = Granian(
        "mock_ksef.serving:granian_worker_app",
        address=settings.host,
        port=port,
        interface=Interfaces.WSGI,
        workers=workers,
        blocking_threads=settings.threads or GRANIAN_THREADS,
        factory=True,
        workers_kill_timeout=5,
        log_level=_granian_level(),
    )
    # The probe's imports happen here, before the thread starts: granian forks its workers
    # while that thread runs, and a module lock held by it at the fork stays held in the
    # child, whose warm start then waits for it forever (seen: every worker stuck in
    # ``_import_shared_modules``).
    import urllib.request  # noqa: F401

    threading.Thread(
        target=_announce_when_listening, args=(settings.host, port, on_ready), daemon=True
    ).start()
    try:
        server.serve()
    finally:
        on_stop()


def _announce_when_listening(host: str, port: int, on_ready: Callable[[int], None]) -> None:
    """Call ``on_ready`` once ``/_mock/health`` answers (granian has no ready hook).

    A TCP connect is not enough: granian accepts before a worker has built its app.
    Imports nothing itself (:func:`run_granian` did, before the fork).
    """
    import urllib.request  # imported already: a dictionary lookup, no module lock

    target = "127.0.0.1" if host in ("0.0.0.0", "") else ("::1" if host == "::" else host)
    url = f"http://{_bracket(target)}:{port}/_mock/health"
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):
                on_ready(port)
                return
        except (OSError, ValueError):
            time.sleep(0.1)
    log.error("granian did not answer %s within %.0f s", url, READY_TIMEOUT_S)


def _granian_level() -> Any:
    from granian.log import LogLevels

    return LogLevels.warning
