"""pytest plugin: a mock KSeF server per test session, reset for every test.

Registered through the ``pytest11`` entry point ``mock_ksef``, so installing mock-ksef
is enough. Fixtures:

* ``ksef_mock_settings`` (session): the :class:`~mock_ksef.settings.Settings` of the
  server; override it in a ``conftest.py`` to change them;
* ``ksef_mock_server`` (session): a :class:`~mock_ksef.server.ThreadedServer` on
  127.0.0.1 and an ephemeral port, on a frozen clock, started once per session (once per
  worker under pytest-xdist) and stopped at the end;
* ``ksef_mock`` (function): the server reset to a blank state, as a
  :class:`~mock_ksef.testing.KsefMock` handle; applies ``ksef_scenario`` markers and,
  at teardown, re-raises errors of the server thread (:meth:`KsefMock.check`);
* ``ksef_app`` / ``ksef_client`` (function): the same reset app in-process (Flask test
  client, no socket).

Marker: ``@pytest.mark.ksef_scenario("name", context="5265877635")`` binds a scenario
(for one context, or as the default without ``context``); a test carrying it gets
``ksef_mock`` even without asking for it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    # Imported lazily below: loading the plugin (every pytest run in an environment
    # with mock-ksef) does not import Flask, lxml or the app.
    from flask import Flask
    from flask.testing import FlaskClient

    from mock_ksef.settings import Settings
    from mock_ksef.testing import KsefMock
    from mock_ksef.threaded_server import ThreadedServer

MARKER = "ksef_scenario"
#: Where the frozen clock of the plugin's server starts by default.
DEFAULT_CLOCK = "frozen:2026-01-05T09:00:00+00:00"
_HANDLE = pytest.StashKey["KsefMock"]()


def pytest_configure(config: pytest.Config) -> None:
    """Register the ``ksef_scenario`` marker."""
    config.addinivalue_line(
        "markers",
        f"{MARKER}(name, context=None): use the mock-ksef scenario `name` for logins to "
        "`context` (a NIP or other context value; without it: for every login).",
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Give every test carrying the marker the ``ksef_mock`` fixture (as time-machine does)."""
    for item in items:
        if item.get_closest_marker(MARKER) is None:
            continue
        names = getattr(item, "fixturenames", None)
        if isinstance(names, list) and "ksef_mock" not in names:
            names.insert(0, "ksef_mock")


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Stop a server still running (its fixture normally stops it first)."""
    handle = session.config.stash.get(_HANDLE, None)
    if handle is not None:
        handle.server.stop()


@pytest.fixture(scope="session")
def ksef_mock_settings() -> Settings:
    """Settings of the plugin's server: memory store, frozen clock, seed 0, bundled scenarios.

    ``MOCK_KSEF_*`` variables are not read, so a test run does not depend on the shell.
    """
    from mock_ksef.settings import Settings

    return Settings(store="memory", clock=DEFAULT_CLOCK, seed=0)


@pytest.fixture(scope="session")
def ksef_mock_server(
    ksef_mock_settings: Settings, pytestconfig: pytest.Config
) -> Iterator[ThreadedServer]:
    """The mock served on 127.0.0.1 and an ephemeral port for the whole session."""
    from mock_ksef.app import create_app
    from mock_ksef.clock import FrozenClock, parse_clock
    from mock_ksef.testing import ErrorRecorder, KsefMock
    from mock_ksef.threaded_server import ThreadedServer

    clock = parse_clock(ksef_mock_settings.clock)
    if not isinstance(clock, FrozenClock):
        raise pytest.UsageError(
            f"ksef_mock_settings.clock must be frozen[:ISO], got {ksef_mock_settings.clock!r}"
        )
    app = create_app(ksef_mock_settings, clock=clock)
    recorder = ErrorRecorder(app)
    server = ThreadedServer(app, host="127.0.0.1", port=0)
    pytestconfig.stash[_HANDLE] = KsefMock(server, recorder)
    server.start()
    try:
        yield server
    finally:
        server.stop()
        recorder.close()
        del pytestconfig.stash[_HANDLE]


@pytest.fixture
def ksef_mock(
    ksef_mock_server: ThreadedServer, pytestconfig: pytest.Config, request: pytest.FixtureRequest
) -> Iterator[KsefMock]:
    """The session's mock, reset, with this test's ``ksef_scenario`` markers applied.

    At teardown, an exception raised in the server thread during the test fails it
    (:class:`~mock_ksef.testing.ServerError`).
    """
    handle = pytestconfig.stash[_HANDLE]
    handle.reset()
    for marker in reversed(list(request.node.iter_markers(MARKER))):
        handle.use_scenario(*marker.args, **marker.kwargs)
    yield handle
    handle.check()


@pytest.fixture
def ksef_app(ksef_mock: KsefMock) -> Flask:
    """The (reset) app of the session's mock, for in-process use."""
    return ksef_mock.app


@pytest.fixture
def ksef_client(ksef_app: Flask) -> FlaskClient:
    """A Flask test client of :func:`ksef_app` (no socket)."""
    return ksef_app.test_client()
