"""Faults over a real socket: connection resets, and two scenarios used concurrently."""

from __future__ import annotations

import http.client
import threading
import urllib.error
import urllib.request

import httpx
import pytest

from mock_ksef.scenario.model import Fault, RateLimit, RateLimitPlan
from tests.faults.support import bind, caller
from tests.support.nips import NIP, OTHER_NIP

CHALLENGE = "POST /auth/challenge"
TIMEOUT_S = 10.0


def test_reset_is_a_connection_error_for_httpx_and_the_server_keeps_serving(app, client, live):
    """httpx sees the connection closed without a response; the next request is answered."""
    bind(app, NIP, Fault("reset", route=CHALLENGE, times=1), name="resets")
    headers = {"X-Mock-Scenario": "resets"}
    with httpx.Client(base_url=live.url, timeout=TIMEOUT_S) as http:
        with pytest.raises(httpx.TransportError):
            http.post("/v2/auth/challenge", headers=headers)
        assert http.post("/v2/auth/challenge", headers=headers).status_code == 200
    journal = client.get("/_mock/requests?path=/v2/auth/challenge").json["requests"]
    assert [(e["status"], e["fault"]) for e in journal] == [(None, "reset"), (200, None)]


def test_reset_is_a_connection_error_for_urllib(app, live):
    """urllib (http.client) sees a dropped connection, not an HTTP answer."""
    bind(app, NIP, Fault("reset", route=CHALLENGE, times=1), name="resets")
    request = urllib.request.Request(
        live.url_for("/v2/auth/challenge"),
        method="POST",
        data=b"",
        headers={"X-Mock-Scenario": "resets"},
    )
    with pytest.raises((ConnectionError, http.client.HTTPException, urllib.error.URLError)):
        urllib.request.urlopen(request, timeout=TIMEOUT_S)
    with urllib.request.urlopen(request, timeout=TIMEOUT_S) as answer:
        assert answer.status == 200


def test_reset_without_a_socket_answers_502(app, client):
    """The test client exposes no socket: the reset fault answers 502 with no body."""
    bind(app, NIP, Fault("reset", route=CHALLENGE), name="resets")
    response = client.post("/v2/auth/challenge", headers={"X-Mock-Scenario": "resets"})
    assert (response.status_code, response.data) == (502, b"")
    assert response.headers["X-Mock-Fault"] == "reset-unsupported"


STEPS = 6


def _run(base_url: str, token: str, barrier: threading.Barrier, codes: list[int]) -> None:
    with httpx.Client(base_url=base_url, timeout=TIMEOUT_S) as http:
        for _ in range(STEPS):
            barrier.wait(timeout=TIMEOUT_S)
            response = http.get(
                "/v2/sessions?sessionType=Online", headers={"Authorization": f"Bearer {token}"}
            )
            codes.append(response.status_code)


def test_two_scenarios_on_two_nips_count_independently_under_concurrency(app, client, live):
    """Interleaved requests from two threads each follow only their own scenario's counters."""
    route = "GET /sessions"
    bind(app, NIP, Fault("status", route=route, after=2, times=2), name="a")
    bind(
        app,
        OTHER_NIP,
        Fault("status", route=route, status=502, body="empty", after=1, times=1),
        name="b",
        rate_limits=RateLimitPlan(enabled=True, groups={"sessionList": RateLimit(per_second=4)}),
    )
    tokens = [caller(app, client, nip).headers["Authorization"][7:] for nip in (NIP, OTHER_NIP)]
    barrier = threading.Barrier(2)
    results: list[list[int]] = [[], []]
    threads = [
        threading.Thread(target=_run, args=(live.url, token, barrier, codes))
        for token, codes in zip(tokens, results, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=TIMEOUT_S * STEPS)
    assert results[0] == [200, 200, 503, 503, 200, 200]
    # b: its 502 never reached the limiter; the 4/s window is full at its 6th request.
    assert results[1] == [200, 502, 200, 200, 200, 429]
