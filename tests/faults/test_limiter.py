"""The counting rate limiter: per-group sliding windows on the mock's clock."""

from __future__ import annotations

from datetime import timedelta

from mock_ksef.scenario.model import RateLimit, RateLimitPlan
from mock_ksef.store import MemoryStore
from mock_ksef.traffic.limiter import RateLimiter
from tests.conftest import START
from tests.faults.support import bind, caller, session_list
from tests.support.nips import NIP


def _enabled(**groups: RateLimit) -> RateLimitPlan:
    return RateLimitPlan(enabled=True, groups=groups)


def _codes(client, who, n):
    return [session_list(client, who).status_code for _ in range(n)]


def test_off_by_default(app, client):
    """Without a scenario enabling it, twenty session lists in one instant all pass."""
    who = caller(app, client)
    assert _codes(client, who, 20) == [200] * 20


def test_per_second_limit_answers_429_then_recovers_after_the_window(app, client, clock):
    """sessionList allows 5/s: the 6th is a 429 with Retry-After 1; a second later it passes."""
    bind(app, NIP, rate_limits=_enabled())
    who = caller(app, client)
    assert _codes(client, who, 5) == [200] * 5
    refused = session_list(client, who)
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "1"
    assert refused.json["status"]["code"] == 429
    assert refused.json["status"]["description"] == "Too Many Requests"
    assert refused.json["status"]["details"] == [
        "Przekroczono limit żądań dla grupy sessionList. Spróbuj ponownie za 1 s."
    ]
    clock.shift(timedelta(milliseconds=999))
    assert session_list(client, who).status_code == 429
    clock.shift(timedelta(milliseconds=1))
    assert session_list(client, who).status_code == 200


def test_retry_after_is_rounded_up_to_whole_seconds(app, client, clock):
    """0.25 s after the only allowed request, the wait of 0.75 s is announced as 1."""
    bind(app, NIP, rate_limits=_enabled(sessionList=RateLimit(per_second=1)))
    who = caller(app, client)
    assert session_list(client, who).status_code == 200
    clock.shift(timedelta(milliseconds=250))
    assert session_list(client, who).headers["Retry-After"] == "1"


def test_problem_details_429_when_asked(app, client):
    """With X-Error-Format: problem-details the 429 is TooManyRequestsProblemDetails."""
    bind(app, NIP, rate_limits=_enabled(sessionList=RateLimit(per_second=1)))
    who = caller(app, client)
    session_list(client, who)
    refused = session_list(client, who, **{"X-Error-Format": "problem-details"})
    assert refused.status_code == 429
    assert refused.mimetype == "application/problem+json"
    assert refused.headers["Retry-After"] == "1"
    body = refused.json
    assert (body["title"], body["status"], body["instance"]) == (
        "Too Many Requests",
        429,
        "/v2/sessions",
    )
    assert body["detail"].startswith("Przekroczono limit żądań dla grupy sessionList")


def test_per_minute_window_counts_sixty_seconds(app, client, clock):
    """3/min: the 4th request at +30 s waits 30 s for the first to leave; at +60 s it passes."""
    bind(app, NIP, rate_limits=_enabled(sessionList=RateLimit(per_second=100, per_minute=3)))
    who = caller(app, client)
    for offset in (0, 10, 20):
        clock.move_to(START + timedelta(seconds=offset))
        assert session_list(client, who).status_code == 200
    clock.move_to(START + timedelta(seconds=30))
    assert session_list(client, who).headers["Retry-After"] == "30"
    clock.move_to(START + timedelta(seconds=59))
    assert session_list(client, who).headers["Retry-After"] == "1"
    clock.move_to(START + timedelta(seconds=60))
    assert session_list(client, who).status_code == 200


def test_per_hour_window_counts_an_hour(app, client, clock):
    """2/h: the 3rd request at +1001 s waits until the first is an hour old."""
    bind(
        app,
        NIP,
        rate_limits=_enabled(sessionList=RateLimit(per_second=100, per_minute=100, per_hour=2)),
    )
    who = caller(app, client)
    assert session_list(client, who).status_code == 200
    clock.shift(timedelta(seconds=1000))
    assert session_list(client, who).status_code == 200
    clock.shift(timedelta(seconds=1))
    refused = session_list(client, who)
    assert refused.headers["Retry-After"] == str(3600 - 1001)
    clock.move_to(START + timedelta(seconds=3600))
    assert session_list(client, who).status_code == 200
    assert session_list(client, who).headers["Retry-After"] == "1000"


def test_groups_count_separately(app, client):
    """Exhausting sessionList leaves sessionMisc (GET /sessions/{ref}) untouched."""
    bind(app, NIP, rate_limits=_enabled(sessionList=RateLimit(per_second=1)))
    who = caller(app, client)
    ref = who.open()
    assert _codes(client, who, 2) == [200, 429]
    assert who.client.get(f"/v2/sessions/{ref}", headers=who.headers).status_code == 200


def test_reset_forgets_the_windows(app, client):
    """After /_mock/reset and a new login, the window starts empty."""
    plan = _enabled(sessionList=RateLimit(per_second=1))
    bind(app, NIP, rate_limits=plan)
    who = caller(app, client)
    assert _codes(client, who, 2) == [200, 429]
    assert client.post("/_mock/reset").status_code == 200
    bind(app, NIP, rate_limits=plan)  # the reset forgot the scenario added since start-up
    again = caller(app, client)
    assert _codes(client, again, 2) == [200, 429]


def test_a_limit_of_zero_refuses_for_the_window_length_and_minus_one_is_no_window(clock):
    """0 closes a window (Retry-After = its length, longest closed wins); -1 skips it."""
    limiter = RateLimiter(MemoryStore())
    now = clock.now()
    assert limiter.admit("g", "c", RateLimit(0, -1, -1), now) == 1
    assert limiter.admit("g", "c", RateLimit(5, 0, 0), now) == 3600
    assert [limiter.admit("g", "c", RateLimit(-1, -1, -1), now) for _ in range(50)] == [None] * 50
    assert [limiter.admit("h", "c", RateLimit(2, -1, None), now) for _ in range(3)] == [
        None,
        None,
        1,
    ]
