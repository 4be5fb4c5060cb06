"""A user's test module for the plugin, run by ``test_plugin.py`` under pytester.

Not collected by the project's own run (the name does not start with ``test_``). Each
test appends "<worker> <pid> <server url>" to ``servers.txt`` next to it, so the outer
test can tell how many servers served the run.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from ksef_client import KsefClient, KsefClientOptions
from ksef_client.models import FormCode
from ksef_client.services.workflows import AuthCoordinator, OnlineSessionWorkflow

from mock_ksef.testing import KsefMock, ServerError

NIP = "5265877635"
FA3 = FormCode(system_code="FA (3)", schema_version="1-0E", value="FA")
SERVERS = Path(__file__).with_name("servers.txt")
_seen: list[object] = []


@pytest.fixture(autouse=True)
def _one_server_per_process(ksef_mock: KsefMock) -> None:
    """Every test of this process gets the same server object; write down which."""
    _seen.append(ksef_mock.server)
    assert all(server is _seen[0] for server in _seen)
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    with SERVERS.open("a") as out:
        out.write(f"{worker} {os.getpid()} {ksef_mock.url}\n")


def _login(client: KsefClient) -> tuple[str, str]:
    pem = client.security.get_public_key_certificate_pem("KsefTokenEncryption")
    result = AuthCoordinator(client.auth).authenticate_with_ksef_token(
        token=f"20251010-EC-1DCE3E3000-12ECB5B36E-45|nip-{NIP}|919f70aa",
        public_certificate=pem,
        context_identifier_type="Nip",
        context_identifier_value=NIP,
        poll_interval_seconds=0,
    )
    return result.access_token, result.refresh_token


def _open_session(client: KsefClient, access_token: str) -> str:
    pem = client.security.get_public_key_certificate_pem("SymmetricKeyEncryption")
    handle = OnlineSessionWorkflow(client.sessions).open_session(
        form_code=FA3, public_certificate=pem, access_token=access_token
    )
    return str(handle.reference_number)


def test_serves_over_http(ksef_mock: KsefMock) -> None:
    """The base URL answers real HTTP: health and the public keys under /v2."""
    assert httpx.get(f"{ksef_mock.url}/_mock/health").json()["status"] == "ok"
    keys = httpx.get(f"{ksef_mock.url}/v2/security/public-key-certificates")
    assert keys.status_code == 200
    assert len(keys.json()) == 2


def test_state_first_opens_a_session(ksef_mock: KsefMock) -> None:
    """Leaves a session, journal entries and a moved clock behind."""
    with KsefClient(KsefClientOptions(base_url=ksef_mock.url)) as client:
        access, _ = _login(client)
        ref = _open_session(client, access)
    assert ksef_mock.session_timeline(ref)["status"]["code"] == 100
    ksef_mock.clock.shift(timedelta(hours=3))
    partial = Path(__file__).with_name("session_ref.tmp")
    partial.write_text(ref)
    partial.replace(partial.with_suffix(".txt"))  # atomic: a worker never reads half


def test_state_second_sees_none_of_it(ksef_mock: KsefMock) -> None:
    """After the reset: empty journal, clock at its start, the session unknown."""
    assert ksef_mock.requests == []
    assert ksef_mock.clock.now() == datetime(2026, 1, 5, 9, tzinfo=UTC)
    ref_file = Path(__file__).with_name("session_ref.txt")
    if ref_file.exists():  # the first test ran in this process before (always without -n)
        answer = httpx.get(f"{ksef_mock.url}/_mock/sessions/{ref_file.read_text()}")
        assert answer.status_code == 400
        assert answer.json()["exception"]["exceptionDetailList"][0]["exceptionCode"] == 21173


@pytest.mark.ksef_scenario("online-445-no-valid-invoices", context=NIP)
def test_marker_selects_the_scenario(ksef_mock: KsefMock) -> None:
    """A session opened by a login to the marked NIP runs the marked scenario."""
    with KsefClient(KsefClientOptions(base_url=ksef_mock.url)) as client:
        access, _ = _login(client)
        ref = _open_session(client, access)
    assert ksef_mock.session_timeline(ref)["scenario"] == "online-445-no-valid-invoices"


def test_clock_move_reaches_440(ksef_mock: KsefMock) -> None:
    """An online session left idle for 12 h ends in 440 "Nie przesłano faktur"."""
    with KsefClient(KsefClientOptions(base_url=ksef_mock.url)) as client:
        access, refresh = _login(client)
        ref = _open_session(client, access)
        ksef_mock.clock.shift(timedelta(hours=12))
        access = client.auth.refresh_access_token(refresh).access_token.token
        status = client.sessions.get_session_status(ref, access_token=access)
    assert status.status.code == 440
    assert status.status.details == ["Nie przesłano faktur"]


def test_server_error_is_reraised_by_check(
    ksef_mock: KsefMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``check()`` raises what broke in the server thread (and forgets it)."""

    def broken(*_: object) -> None:
        raise RuntimeError("store unreachable")

    monkeypatch.setattr(ksef_mock.services.store, "get", broken)
    assert httpx.get(f"{ksef_mock.url}/_mock/health").status_code == 500
    with pytest.raises(ServerError, match="store unreachable") as caught:
        ksef_mock.check()
    assert isinstance(caught.value.__cause__, RuntimeError)
    ksef_mock.check()


def test_server_error_fails_the_test(ksef_mock: KsefMock, monkeypatch: pytest.MonkeyPatch) -> None:
    """Not checked by the test itself: the fixture's teardown reports it (an error)."""

    def broken(*_: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(ksef_mock.services.store, "get", broken)
    assert httpx.get(f"{ksef_mock.url}/_mock/health").status_code == 500
