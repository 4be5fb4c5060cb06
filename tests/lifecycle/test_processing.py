"""Processing delays on the clock and by polls; the 12-hour timeouts; forcing by scenario."""

from __future__ import annotations

from datetime import timedelta

from mock_ksef.scenario.model import AuthPlan, Delay, Outcome, Scenario, SessionPlan
from mock_ksef.timefmt import iso
from tests.conftest import START
from tests.lifecycle.client import Caller, with_scenario
from tests.support.exceptions import exception_code

NIP = "1111111200"


#: Access tokens that outlive the clock moves of these tests.
LONG_TOKENS = AuthPlan(access_token_seconds=2 * 86400)


def _caller(app, client, plan: SessionPlan | None = None) -> Caller:
    with_scenario(
        app, Scenario(name="under-test", auth=LONG_TOKENS, online=plan or SessionPlan()), NIP
    )
    return Caller(app, client, NIP)


def test_polls_three_show_170_exactly_three_times_then_the_outcome(app, client):
    """With processing polls 3, three reads answer 170 and the fourth the outcome."""
    caller = _caller(app, client, SessionPlan(processing=Delay(polls=3)))
    ref = caller.open()
    assert caller.send(ref, "FV/P/1").status_code == 202
    caller.close(ref)
    codes = [caller.status(ref)["status"]["code"] for _ in range(5)]
    assert codes == [170, 170, 170, 200, 200]


def test_other_routes_do_not_count_as_polls(app, client):
    """Invoice lists and the control API read the session without counting a poll."""
    caller = _caller(app, client, SessionPlan(processing=Delay(polls=1)))
    ref = caller.open()
    caller.close(ref)
    for _ in range(3):
        assert client.get(f"/v2/sessions/{ref}/invoices", headers=caller.headers).status_code == 200
        assert client.get(f"/_mock/sessions/{ref}").json["pollsInProgress"] == 0
    assert caller.status(ref)["status"]["code"] == 170
    assert caller.status(ref)["status"]["code"] == 440


def test_seconds_five_stays_170_until_the_clock_passes(app, client, clock):
    """With processing seconds 5, 170 lasts until closedAt + 5 s, stamped at that time."""
    caller = _caller(app, client, SessionPlan(processing=Delay(seconds=5)))
    ref = caller.open()
    caller.send(ref, "FV/S/1")
    caller.close(ref)
    clock.shift(timedelta(seconds=4.999))
    assert caller.status(ref)["status"]["code"] == 170
    clock.shift(timedelta(seconds=60))
    body = caller.status(ref)
    assert body["status"]["code"] == 200
    assert body["dateUpdated"] == iso(START + timedelta(seconds=5))


def test_seconds_and_polls_both_count(app, client, clock):
    """Seconds and polls together: the outcome needs both."""
    caller = _caller(app, client, SessionPlan(processing=Delay(seconds=5, polls=1)))
    ref = caller.open()
    caller.close(ref)
    clock.shift(timedelta(seconds=10))
    assert caller.status(ref)["status"]["code"] == 170  # the one poll
    assert caller.status(ref)["status"]["code"] == 440


def test_online_empty_session_times_out_after_12_hours(app, client, clock):
    """An online session left open 12 h closes itself and ends 440, stamped at validUntil."""
    caller = _caller(app, client)
    ref = caller.open()
    clock.shift(timedelta(hours=12) - timedelta(microseconds=1))
    assert caller.status(ref)["status"]["code"] == 100
    clock.shift(timedelta(hours=12))
    body = caller.status(ref)
    assert body["status"] == {
        "code": 440,
        "description": "Sesja anulowana",
        "details": ["Nie przesłano faktur"],
    }
    assert body["dateUpdated"] == iso(START + timedelta(hours=12))
    history = client.get(f"/_mock/sessions/{ref}").json["history"]
    assert [(e["code"], e["at"], e["cause"]) for e in history[1:]] == [
        (170, iso(START + timedelta(hours=12)), "session validity expired"),
        (440, iso(START + timedelta(hours=12)), "processing finished"),
    ]


def test_validity_seconds_overrides_12_hours(app, client, clock):
    """``validity_seconds`` sets validUntil and the automatic close."""
    caller = _caller(app, client, SessionPlan(validity_seconds=60))
    ref = caller.open()
    assert caller.status(ref)["validUntil"] == iso(START + timedelta(seconds=60))
    caller.send(ref, "FV/V/1")
    clock.shift(timedelta(seconds=61))
    assert caller.status(ref)["status"]["code"] == 200


def test_forced_outcome_replaces_the_natural_one(app, client):
    """A plan outcome 445 shows 445 with every invoice counted as failed."""
    caller = _caller(app, client, SessionPlan(outcome=Outcome(445)))
    ref = caller.open()
    caller.send(ref, "FV/F/1")
    caller.close(ref)
    body = caller.status(ref)
    assert body["status"] == {
        "code": 445,
        "description": "Błąd weryfikacji, brak poprawnych faktur",
    }
    assert (body["invoiceCount"], body["successfulInvoiceCount"], body["failedInvoiceCount"]) == (
        1,
        None,
        1,
    )
    assert "upo" not in body


def test_forced_415_refuses_sends_with_21180(app, client):
    """A plan outcome 415 shows at once after open; a send then gets 21180."""
    caller = _caller(app, client, SessionPlan(outcome=Outcome(415)))
    ref = caller.open()
    assert caller.status(ref)["status"]["code"] == 415
    response = caller.send(ref, "FV/K/1")
    assert response.status_code == 400
    assert exception_code(response) == 21180


def test_forced_200_without_accepted_invoices_shows_counters_and_no_upo(app, client):
    """A forced 200 over only failed invoices: counters as processed, no UPO."""
    caller = _caller(app, client, SessionPlan(outcome=Outcome(200)))
    ref = caller.open()
    caller.send(ref, "FV/X/1", b"<not-an-invoice/>")
    caller.close(ref)
    body = caller.status(ref)
    assert body["status"]["code"] == 200
    assert (body["invoiceCount"], body["successfulInvoiceCount"], body["failedInvoiceCount"]) == (
        1,
        None,
        1,
    )
    assert "upo" not in body


def test_header_at_open_overrides_the_login_scenario(app, client):
    """``X-Mock-Scenario`` on the open request wins over the login's scenario."""
    with_scenario(
        app, Scenario(name="forced-445", online=SessionPlan(outcome=Outcome(445))), "1111111217"
    )
    caller = Caller(app, client, NIP)
    ref = caller.open({"X-Mock-Scenario": "forced-445"})
    caller.close(ref)
    assert caller.status(ref)["status"]["code"] == 445
    assert client.get(f"/_mock/sessions/{ref}").json["scenario"] == "forced-445"


def test_unknown_scenario_header_is_21405(app, client):
    """An ``X-Mock-Scenario`` naming no loaded scenario is a 400 21405, not a 500."""
    caller = Caller(app, client, NIP)
    public = app.extensions["mock_ksef"].keys.symmetric_key.certificate.public_key()
    response = client.post(
        "/v2/sessions/online",
        json={
            "formCode": {"systemCode": "FA (3)", "schemaVersion": "1-0E", "value": "FA"},
            "encryption": caller.key.encryption(public),
        },
        headers={**caller.headers, "X-Mock-Scenario": "no-such-scenario"},
    )
    assert response.status_code == 400
    assert exception_code(response) == 21405
