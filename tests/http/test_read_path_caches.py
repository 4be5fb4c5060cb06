"""The read path's per-worker caches (the login's scenario, "nothing was ever revoked") are
dropped by every worker when another one resets, sweeps or revokes.

Two apps on one SQLite file (or one PostgreSQL schema: two replicas) stand for two worker
processes where the clock must be frozen; the last test runs two real gunicorn workers
and revokes from this (third) process.
"""

from __future__ import annotations

import http.client
import json
from datetime import timedelta
from pathlib import Path

import jwt
import pytest
from flask import Flask

from mock_ksef.app import create_app
from mock_ksef.clock import FrozenClock
from mock_ksef.crypto.keys import KeyRing
from mock_ksef.domain.repos import Repos
from mock_ksef.domain.retention import RetentionPolicy, sweep
from mock_ksef.domain.session_plan import login_scenario
from mock_ksef.http.context import services
from mock_ksef.settings import Settings
from mock_ksef.store import SqliteStore
from mock_ksef.store.generation import REVOCATIONS, never_written
from mock_ksef.store.kinds import REVOKED_JTI
from tests.support.auth import bearer, login_live, login_with_ksef_token
from tests.support.nips import NIP
from tests.support.process import ServerProcess, clean_env, console_script
from tests.support.spec import spec_dir
from tests.support.store_reads import count_gets

LIST = "/v2/sessions?sessionType=Online"
BOUND = "online-200-success"
#: New connections tried until both workers have answered (each connection sticks to one).
MAX_CONNECTIONS = 200
#: The problem a revoked token's request gets (without its trace id and time).
REVOKED = {
    "title": "Unauthorized",
    "status": 401,
    "detail": "Token został unieważniony.",
    "instance": "/v2/sessions",
}


@pytest.fixture(params=["sqlite", "postgresql"])
def shared_store(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The ``--store`` two workers (or replicas) share: a SQLite file, a PostgreSQL schema
    (whose counters ride along with the shared-settings read of every request)."""
    if request.param == "sqlite":
        return f"sqlite:{tmp_path / 'state.sqlite3'}"
    return str(request.getfixturevalue("pg_url"))


def _workers(shared_store: str, clock: FrozenClock, keyring: KeyRing) -> tuple[Flask, Flask]:
    settings = Settings(
        seed=1,
        store=shared_store,
        schema_dir=str(spec_dir() / "invoice-schemas"),
        auth_schema_dir=str(spec_dir() / "auth"),
    )
    return (
        create_app(settings, clock=clock, keys=keyring),
        create_app(settings, clock=clock, keys=keyring),
    )


def _journaled_scenario(app: Flask, token: str) -> str:
    """The scenario ``app`` ran a token's request under, as its journal recorded it."""
    client = app.test_client()
    assert client.get(LIST, headers=bearer(token)).status_code == 200
    entries = client.get("/_mock/requests?path=/v2/sessions").get_json()["requests"]
    return str(entries[-1]["scenario"])


def _auth_reference(token: str) -> str:
    return str(jwt.decode(token, options={"verify_signature": False})["arn"])


def test_a_reset_in_one_worker_drops_the_login_scenario_the_other_remembers(
    shared_store: str, clock: FrozenClock, keyring: KeyRing
) -> None:
    """After the reset the same authentication reference names another login: the second
    worker, which cached the first login's scenario under that reference, must not use it."""
    first, second = _workers(shared_store, clock, keyring)
    client = first.test_client()
    selected = client.post("/_mock/scenarios/select", json={"scenario": BOUND, "context": NIP})
    assert selected.status_code == 200
    before = login_with_ksef_token(client, NIP)
    assert _journaled_scenario(second, before) == BOUND  # cached there now
    assert client.post("/_mock/reset").status_code == 200
    after = login_with_ksef_token(client, NIP)  # the binding is gone: the natural scenario
    assert _auth_reference(after) == _auth_reference(before)
    assert _journaled_scenario(second, after) == "natural"
    assert _journaled_scenario(first, after) == "natural"


def test_a_sweep_in_one_worker_drops_the_scenario_of_the_operations_it_deleted(
    shared_store: str, clock: FrozenClock, keyring: KeyRing
) -> None:
    first, second = _workers(shared_store, clock, keyring)
    token = login_with_ksef_token(first.test_client(), NIP)
    svc = services(second)
    principal = svc.tokens.verify(token, ("access",), svc.now())
    assert login_scenario(svc.repos, principal) == "natural"  # cached by the second worker
    later = clock.now() + timedelta(days=30)
    swept = sweep(services(first).store, RetentionPolicy.of(services(first).settings), later, 50)
    assert swept.auth_operations == 1
    assert second.test_client().get("/_mock/health").status_code == 200  # its next request
    assert login_scenario(svc.repos, principal) is None


def test_no_revocation_read_while_no_token_was_ever_revoked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = SqliteStore(tmp_path / "state.sqlite3")
    reads = count_gets(store, monkeypatch)
    repos = Repos(store)
    assert repos.is_revoked("jti-1") is False
    assert reads == []
    repos.revoke_jti("jti-2")
    assert repos.is_revoked("jti-1") is False
    assert repos.is_revoked("jti-2") is True
    assert reads == [REVOKED_JTI, REVOKED_JTI]  # read again once anything is revoked


def test_rate_limits_set_through_one_worker_are_enforced_by_the_other(
    shared_store: str, clock: FrozenClock, keyring: KeyRing
) -> None:
    """Until a context has ``/testdata`` limits no worker reads them; then every one does."""
    first, second = _workers(shared_store, clock, keyring)
    token = login_with_ksef_token(first.test_client(), NIP)
    other = second.test_client()
    assert [other.get(LIST, headers=bearer(token)).status_code for _ in range(6)] == [200] * 6
    set_limits = first.test_client().post(
        "/v2/testdata/rate-limits/production", headers=bearer(token)
    )
    assert set_limits.status_code == 200
    codes = [other.get(LIST, headers=bearer(token)).status_code for _ in range(6)]
    assert codes == [200] * 5 + [429]  # sessionList: 5 per second (the spec's value)


def test_a_revocation_in_one_worker_is_enforced_by_the_other_at_once(
    shared_store: str, clock: FrozenClock, keyring: KeyRing
) -> None:
    first, second = _workers(shared_store, clock, keyring)
    token = login_with_ksef_token(first.test_client(), NIP)
    other = second.test_client()
    assert other.get(LIST, headers=bearer(token)).status_code == 200
    assert never_written(services(second).store, REVOCATIONS) is True  # no read per request
    jti = str(jwt.decode(token, options={"verify_signature": False})["jti"])
    services(first).repos.revoke_jti(jti)
    answer = other.get(LIST, headers=bearer(token))
    assert (answer.status_code, _untimed(answer.get_json())) == (401, REVOKED)


def _untimed(problem: dict[str, object]) -> dict[str, object]:
    return {k: v for k, v in problem.items() if k not in ("traceId", "timestamp")}


def _status_per_worker(port: int, token: str) -> dict[int, tuple[int, str]]:
    """Per worker pid: the status and body of ``GET LIST`` with ``token``."""
    seen: dict[int, tuple[int, str]] = {}
    for _ in range(MAX_CONNECTIONS):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        try:
            conn.request("GET", "/_mock/health")
            pid = json.loads(conn.getresponse().read())["pid"]
            conn.request("GET", LIST, headers=bearer(token))
            response = conn.getresponse()
            seen[pid] = (response.status, response.read().decode())
        finally:
            conn.close()
        if len(seen) == 2:
            return seen
    raise AssertionError(f"only worker(s) {sorted(seen)} answered {MAX_CONNECTIONS} connections")


def test_a_revocation_by_another_process_is_seen_by_every_gunicorn_worker(
    tmp_path: Path,
) -> None:
    state = tmp_path / "state"
    argv = [console_script(), "serve", "--port", "0", "--server", "gunicorn", "--workers", "2"]
    argv += ["--state-dir", str(state)]
    with ServerProcess(argv, clean_env()) as server:
        server.wait_for_banner()
        token = login_live(server.url, NIP)
        before = _status_per_worker(server.port, token)
        assert [status for status, _ in before.values()] == [200, 200]
        jti = str(jwt.decode(token, options={"verify_signature": False})["jti"])
        Repos(SqliteStore(state / "state.sqlite3")).revoke_jti(jti)
        after = _status_per_worker(server.port, token)
        assert sorted(after) == sorted(before)  # the same two workers
        for status, body in after.values():
            assert status == 401
            assert _untimed(json.loads(body)) == REVOKED
        assert server.stop() == 0, server.output()
