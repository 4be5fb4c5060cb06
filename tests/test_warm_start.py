"""A server worker answers at once and builds the real app in the background.

Requests that arrive while the app is built wait for it and get the real app's answer;
``/_mock/health`` answers meanwhile from the same store and clock.
"""

from __future__ import annotations

import base64
import json
import os
import threading
import urllib.request
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from mock_ksef import __version__
from mock_ksef.app import create_app
from mock_ksef.clock import parse_clock
from mock_ksef.crypto.keys import load_or_create
from mock_ksef.settings import Settings
from mock_ksef.store import SqliteStore
from mock_ksef.threaded_server import ThreadedServer
from mock_ksef.timefmt import iso
from mock_ksef.warm_start import WarmingApp, WsgiApp
from tests.support.process import ServerProcess, clean_env, console_script, get_json

CLOCK = "frozen:2026-03-02T09:30:00+00:00"
CERTIFICATES = "/v2/security/public-key-certificates"


class Gate:
    """A build that waits until the test opens the gate; records failures it is told of."""

    def __init__(self, build: Any) -> None:
        self.open = threading.Event()
        self.failures = 0
        self._build = build

    def build(self) -> WsgiApp:
        assert self.open.wait(timeout=60), "the test never opened the gate"
        app: WsgiApp = self._build()
        return app

    def failed(self) -> None:
        self.failures += 1


@pytest.fixture
def state(tmp_path: Path) -> Iterator[tuple[Settings, SqliteStore]]:
    settings = Settings().with_overrides(state_dir=str(tmp_path), store="sqlite", clock=CLOCK)
    store = SqliteStore(tmp_path / "state.sqlite3")
    yield settings, store
    store.close()


def _served(warming: WarmingApp) -> ThreadedServer:
    return ThreadedServer(warming).start()


def test_requests_during_the_build_wait_for_the_real_app(
    state: tuple[Settings, SqliteStore], tmp_path: Path
) -> None:
    settings, store = state
    clock = parse_clock(CLOCK)
    gate = Gate(lambda: create_app(settings, clock=clock, store=store))
    warming = WarmingApp(gate.build, store, clock, on_failure=gate.failed)
    server = _served(warming)
    try:
        # Health answers while nothing is built: the store is read, the clock's time told.
        assert not warming.ready
        assert get_json(server.url_for("/_mock/health")) == (
            200,
            {"status": "ok", "version": __version__, "time": iso(clock.now()), "pid": os.getpid()},
        )
        with ThreadPoolExecutor(max_workers=1) as pool:
            early: Future[tuple[int, Any]] = pool.submit(get_json, server.url_for(CERTIFICATES))
            with pytest.raises(TimeoutError):
                early.result(timeout=0.3)  # held: the app is not built yet
            assert not warming.ready
            gate.open.set()
            status, published = early.result(timeout=60)
        assert warming.wait(timeout=60)
        assert warming.ready
    finally:
        server.stop()
    # The waiting request got the real answer: the keys the state folder now holds.
    assert status == 200
    ring = load_or_create(tmp_path / "keys")
    assert {entry["usage"][0]: base64.b64decode(entry["certificate"]) for entry in published} == {
        pair.usage: pair.certificate_der for pair in ring.published
    }
    assert gate.failures == 0


def test_health_goes_to_the_real_app_once_built(state: tuple[Settings, SqliteStore]) -> None:
    settings, store = state
    settings = settings.with_overrides(system_warning="warm")
    clock = parse_clock(CLOCK)
    gate = Gate(lambda: create_app(settings, clock=clock, store=store))
    warming = WarmingApp(gate.build, store, clock)
    server = _served(warming)
    try:
        before = _health(server)
        gate.open.set()
        assert warming.wait(timeout=60)
        assert warming.ready
        after = _health(server)
    finally:
        server.stop()
    report = {"status": "ok", "version": __version__, "time": iso(clock.now()), "pid": os.getpid()}
    # The same report; only the real app adds its headers (here the system warning).
    assert before == (200, None, report)
    assert after == (200, "warm", report)


def _health(server: ThreadedServer) -> tuple[int, str | None, Any]:
    with urllib.request.urlopen(server.url_for("/_mock/health"), timeout=30) as response:
        body = json.loads(response.read())
        return response.status, response.headers.get("X-System-Warning"), body


def test_a_failed_build_answers_503_with_the_reason(state: tuple[Settings, SqliteStore]) -> None:
    _, store = state
    clock = parse_clock(CLOCK)

    def broken() -> WsgiApp:
        raise RuntimeError("the key folder is not writable")

    gate = Gate(broken)
    warming = WarmingApp(gate.build, store, clock, on_failure=gate.failed)
    server = _served(warming)
    try:
        with ThreadPoolExecutor(max_workers=1) as pool:
            waiting = pool.submit(get_json, server.url_for(CERTIFICATES))
            gate.open.set()
            answer = waiting.result(timeout=60)
    finally:
        server.stop()
    assert answer == (
        503,
        {
            "title": "Service Unavailable",
            "status": 503,
            "detail": "the mock could not start (RuntimeError: the key folder is not writable); "
            "see the server's log",
            "instance": CERTIFICATES,
            "timestamp": iso(clock.now()),
        },
    )
    assert gate.failures == 1
    assert not warming.ready


def test_the_first_request_after_start_gets_the_keys_of_the_fresh_state_folder(
    tmp_path: Path,
) -> None:
    """Real gunicorn, 2 workers, fresh state folder: asked right after the banner (while the
    workers still build their apps and make the keys), the published keys are the files."""
    state = tmp_path / "state"
    argv = [console_script(), "serve", "--port", "0", "--server", "gunicorn", "--workers", "2"]
    with ServerProcess([*argv, "--state-dir", str(state)], clean_env()) as server:
        server.wait_for_banner()
        status, published = get_json(server.url + CERTIFICATES, timeout=60)
        health = get_json(server.url + "/_mock/health")
        assert server.stop() == 0, server.output()
    assert status == 200, published
    ring = load_or_create(state / "keys")
    assert sorted(p.name for p in (state / "keys").iterdir()) == [
        "ksef-ca.pem",
        "ksef-token.pem",
        "symmetric-key.pem",
        "upo.pem",
    ]
    assert {entry["usage"][0]: base64.b64decode(entry["certificate"]) for entry in published} == {
        pair.usage: pair.certificate_der for pair in ring.published
    }
    assert health[0] == 200
    assert "Traceback" not in server.stderr
