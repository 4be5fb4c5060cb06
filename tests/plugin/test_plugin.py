"""The pytest plugin as a user meets it: ``inner_suite.py`` run by pytester in a subprocess.

The same suite runs twice, once plainly and once under ``pytest -n 2`` (pytest-xdist):
both times every test but the deliberate server error passes, and each process serves
its tests from one server of its own.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest

INNER = Path(__file__).with_name("inner_suite.py")
ARGS = ("-p", "no:cacheprovider", "--strict-markers", "-W", "error", "-q")


def _servers(pytester: pytest.Pytester) -> dict[str, set[tuple[str, str]]]:
    """Worker -> {(pid, url)} as written by the inner tests."""
    seen: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for line in (pytester.path / "servers.txt").read_text().splitlines():
        worker, pid, url = line.split()
        seen[worker].add((pid, url))
    return seen


@pytest.fixture(autouse=True)
def _outer_xdist_hidden(monkeypatch: pytest.MonkeyPatch) -> None:
    """When this suite itself runs under xdist, its worker variables must not leak inward."""
    for name in ("PYTEST_XDIST_WORKER", "PYTEST_XDIST_WORKER_COUNT", "PYTEST_XDIST_TESTRUNUID"):
        monkeypatch.delenv(name, raising=False)


def _run(pytester: pytest.Pytester, *extra: str) -> pytest.RunResult:
    pytester.makepyfile(test_inner=INNER.read_text())
    result = pytester.runpytest_subprocess(*ARGS, *extra, timeout=300)
    result.assert_outcomes(passed=7, errors=1)
    result.stdout.fnmatch_lines(
        [
            "*ERROR at teardown of test_server_error_fails_the_test*",
            "*ServerError: 1 exception(s) in the mock's server thread:*",
            "*GET /_mock/health:*",
            "*RuntimeError: disk on fire*",
        ]
    )
    return result


def test_plugin_suite_runs_on_one_server(pytester: pytest.Pytester) -> None:
    """Real HTTP, reset between tests, marker, 440 by a clock move, server errors surface."""
    _run(pytester)
    servers = _servers(pytester)
    assert list(servers) == ["main"]
    assert len(servers["main"]) == 1


def test_plugin_suite_under_xdist_has_one_server_per_worker(pytester: pytest.Pytester) -> None:
    """``-n 2``: the same outcomes; two workers, each with its own single server."""
    _run(pytester, "-n", "2")
    servers = _servers(pytester)
    assert sorted(servers) == ["gw0", "gw1"]
    assert all(len(found) == 1 for found in servers.values())
    (first,), (second,) = servers.values()
    assert first != second


def test_settings_override_and_unknown_marker_scenario(pytester: pytest.Pytester) -> None:
    """A conftest overrides ``ksef_mock_settings``; a marker naming no scenario errors."""
    pytester.makeconftest(
        """
        import pytest
        from mock_ksef.settings import Settings

        @pytest.fixture(scope="session")
        def ksef_mock_settings():
            return Settings(clock="frozen:2030-02-01T10:00:00+00:00", seed=7, session_ttl_s=600)
        """
    )
    pytester.makepyfile(
        """
        from datetime import UTC, datetime
        import pytest

        def test_overridden(ksef_mock):
            assert ksef_mock.clock.now() == datetime(2030, 2, 1, 10, tzinfo=UTC)
            assert ksef_mock.services.settings.session_ttl_s == 600

        @pytest.mark.ksef_scenario("no-such-scenario")
        def test_unknown(ksef_mock):
            pass
        """
    )
    result = pytester.runpytest_subprocess(*ARGS, timeout=300)
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(
        ["*UnknownScenarioError: scenario 'no-such-scenario' is not loaded; loaded: *"]
    )
