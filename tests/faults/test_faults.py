"""Scripted HTTP faults through the test client: status, bodies, counting, latency, probability."""

from __future__ import annotations

import time

from mock_ksef.scenario.model import Fault
from tests.faults.support import bind, caller, session_list
from tests.support.exceptions import exception_detail
from tests.support.nips import NIP

SESSIONS = "GET /sessions"
GATEWAY_503 = (
    "<html>\r\n<head><title>503 Service Unavailable</title></head>\r\n<body>\r\n"
    "<center><h1>503 Service Unavailable</h1></center>\r\n"
    "<hr><center>Microsoft-Azure-Application-Gateway/v2</center>\r\n"
    "</body>\r\n</html>\r\n"
)


def _codes(client, who, n):
    return [session_list(client, who).status_code for _ in range(n)]


def test_scripted_429_twice_then_ok(app, client):
    """A 429 fault with times 2 answers twice, with Retry-After, then the real answer comes."""
    bind(app, NIP, Fault("status", route=SESSIONS, status=429, retry_after=3, times=2))
    who = caller(app, client)
    first, second, third = (session_list(client, who) for _ in range(3))
    assert [first.status_code, second.status_code, third.status_code] == [429, 429, 200]
    assert first.headers["Retry-After"] == "3"
    assert first.headers["X-Mock-Fault"] == "status"
    assert first.json == {
        "status": {
            "code": 429,
            "description": "Too Many Requests",
            "details": ["Symulowany błąd (mock-ksef fault)."],
        }
    }
    assert "X-Mock-Fault" not in third.headers


def test_a_429_always_carries_an_integer_retry_after(app, client):
    """Without retry_after a 429 fault still sends Retry-After: 1."""
    bind(app, NIP, Fault("status", route=SESSIONS, status=429, times=1))
    who = caller(app, client)
    assert session_list(client, who).headers["Retry-After"] == "1"


def test_html_503_is_a_gateway_page(app, client):
    """body: html answers the Azure Application Gateway page as text/html."""
    bind(app, NIP, Fault("status", route=SESSIONS, status=503, body="html", retry_after=5))
    who = caller(app, client)
    response = session_list(client, who)
    assert response.status_code == 503
    assert response.mimetype == "text/html"
    assert response.get_data(as_text=True) == GATEWAY_503
    assert response.headers["Retry-After"] == "5"


def test_empty_502_has_no_body(app, client):
    """body: empty answers the status with nothing in it."""
    bind(app, NIP, Fault("status", route=SESSIONS, status=502, body="empty"))
    who = caller(app, client)
    response = session_list(client, who)
    assert (response.status_code, response.data) == (502, b"")
    assert "Content-Type" not in response.headers


def test_spec_5xx_is_problem_json(app, client, clock):
    """body: spec for a 5xx is a problem+json document."""
    bind(app, NIP, Fault("status", route=SESSIONS, status=500))
    who = caller(app, client)
    response = session_list(client, who)
    assert response.mimetype == "application/problem+json"
    body = response.json
    assert {k: body[k] for k in ("title", "status", "detail", "instance", "timestamp")} == {
        "title": "Internal Server Error",
        "status": 500,
        "detail": "Symulowany błąd (mock-ksef fault).",
        "instance": "/v2/sessions",
        "timestamp": "2026-11-24T09:00:00.000000+00:00",
    }


def test_after_skips_and_times_caps(app, client):
    """after 1, times 2: the first request passes, the next two fail, the rest pass."""
    bind(app, NIP, Fault("status", route=SESSIONS, after=1, times=2))
    who = caller(app, client)
    assert _codes(client, who, 5) == [200, 503, 503, 200, 200]


def test_other_routes_are_not_hit_and_do_not_count(app, client):
    """A fault on GET /sessions leaves GET /sessions/{ref} alone and does not count it."""
    bind(app, NIP, Fault("status", route=SESSIONS, after=1, times=1))
    who = caller(app, client)
    ref = who.open()
    for _ in range(3):
        assert client.get(f"/v2/sessions/{ref}", headers=who.headers).status_code == 200
    assert _codes(client, who, 3) == [200, 503, 200]


def test_api_prefix_and_control_api(app, client):
    """/api/v2 is faulted like /v2; the control API never is."""
    bind(app, NIP, Fault("status", route="* /sessions", status=503))
    who = caller(app, client)
    assert client.get("/api/v2/sessions?sessionType=Online", headers=who.headers).status_code == 503
    assert client.get("/_mock/health").status_code == 200


def test_first_firing_fault_wins(app, client):
    """Faults are tried in order; once the first is used up, the second applies."""
    bind(
        app,
        NIP,
        Fault("status", route=SESSIONS, status=502, body="empty", times=1),
        Fault("status", route=SESSIONS, status=504, body="empty", times=1),
    )
    who = caller(app, client)
    assert _codes(client, who, 3) == [502, 504, 200]


def test_latency_delays_the_real_answer(app, client):
    """latency_ms 50: the real answer arrives, at least 50 ms after the request."""
    bind(app, NIP, Fault("latency", route=SESSIONS, latency_ms=50, times=1))
    who = caller(app, client)
    began = time.monotonic()
    response = session_list(client, who)
    elapsed = time.monotonic() - began
    assert response.status_code == 200
    assert response.headers["X-Mock-Fault"] == "latency"
    assert elapsed >= 0.05


def test_header_scenario_applies_without_a_token(app, client):
    """X-Mock-Scenario selects the faulting scenario for a request without a token."""
    bind(app, "1111111111", Fault("status", route="POST /auth/challenge", status=503), name="f")
    assert client.post("/v2/auth/challenge").status_code == 200
    assert client.post("/v2/auth/challenge", headers={"X-Mock-Scenario": "f"}).status_code == 503


def test_unknown_header_scenario_is_21405_naming_it(app, client):
    """An unknown X-Mock-Scenario is a 400 21405 naming it, in either error format."""
    response = client.get(
        "/v2/security/public-key-certificates", headers={"X-Mock-Scenario": "nope"}
    )
    detail = exception_detail(response)
    assert detail["exceptionCode"] == 21405
    assert "'nope'" in detail["details"][0]
    problem = client.get(
        "/v2/security/public-key-certificates",
        headers={"X-Mock-Scenario": "nope", "X-Error-Format": "problem-details"},
    )
    assert problem.mimetype == "application/problem+json"
    assert problem.json["errors"][0]["code"] == 21405
    assert "'nope'" in problem.json["errors"][0]["details"][0]


def _draws(client, who, n=16):
    return [session_list(client, who).status_code for _ in range(n)]


def test_probability_is_deterministic_for_a_seed(app, client):
    """probability 0.5: the same seed gives the same sequence after a reset; both kinds occur."""
    fault = Fault("status", route=SESSIONS, status=503, body="empty", probability=0.5)
    bind(app, NIP, fault)
    first = _draws(client, caller(app, client))
    assert set(first) == {200, 503}
    client.post("/_mock/reset")  # also forgets the scenario added since start-up
    bind(app, NIP, fault)
    assert _draws(client, caller(app, client)) == first
    client.post("/_mock/reset")
    bind(app, NIP, fault)
    assert client.post("/_mock/seed", json={"seed": 99}).status_code == 200
    seeded = _draws(client, caller(app, client))
    client.post("/_mock/reset")
    bind(app, NIP, fault)
    client.post("/_mock/seed", json={"seed": 99})
    assert _draws(client, caller(app, client)) == seeded
    assert seeded != first
