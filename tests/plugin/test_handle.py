"""The ``ksef_mock`` handle used directly (the plugin is loaded by its entry point)."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from flask.testing import FlaskClient
from ksef_client import KsefClient, KsefClientOptions

from mock_ksef.scenario.loader import ScenarioError
from mock_ksef.testing import KsefMock, UnknownScenarioError
from tests.lifecycle.sdk import login, open_fa3
from tests.support.invoices import fa3_invoice
from tests.support.nips import NIP

pytestmark = pytest.mark.usefixtures("ksef_mock_validated")
START = datetime(2026, 1, 5, 9, tzinfo=UTC)
SCENARIO = """\
name: plugin-forced-445
description: every session of this test ends in 445
online:
  outcome:
    code: 445
"""


@pytest.fixture
def sdk(ksef_mock: KsefMock) -> Iterator[KsefClient]:
    with KsefClient(KsefClientOptions(base_url=ksef_mock.url)) as client:
        yield client


def test_sent_invoices_are_the_journal_entries_of_invoice_sends(ksef_mock, sdk):
    """One send: its declared hash and size, the session, status 202; other sessions: none."""
    token = login(sdk, NIP)
    workflow, handle = open_fa3(sdk, token)
    xml = fa3_invoice(NIP, "FV/PLUGIN/1", "2026-01-02")
    workflow.send_invoice(
        session_reference_number=handle.reference_number,
        invoice_xml=xml,
        encryption_data=handle.encryption_data,
        access_token=token,
    )
    sent = ksef_mock.sent_invoices(handle.reference_number)
    assert [(e["session"], e["invoiceHash"], e["invoiceSize"], e["status"]) for e in sent] == [
        (
            handle.reference_number,
            base64.b64encode(hashlib.sha256(xml).digest()).decode(),
            len(xml),
            202,
        )
    ]
    assert ksef_mock.sent_invoices() == sent
    assert ksef_mock.sent_invoices("20260105-SO-0000000000-0000000000-00") == []
    assert [e["route"] for e in ksef_mock.requests][-2:] == [
        "/sessions/online",
        "/sessions/online/{referenceNumber}/invoices",
    ]


def test_force_state_and_session_timeline(ksef_mock, sdk):
    """A forced 445 shows in the timeline with its cause; a code the kind lacks is refused."""
    token = login(sdk, NIP)
    _, handle = open_fa3(sdk, token)
    ref = handle.reference_number
    assert ksef_mock.session_timeline(ref)["status"]["code"] == 100
    with pytest.raises(ValueError, match=r"code: expected one of \[200, 415, 440, 445\], got 435"):
        ksef_mock.force_state(ref, 435)
    ksef_mock.force_state(ref, 445)
    timeline = ksef_mock.session_timeline(ref)
    assert timeline["status"]["code"] == 445
    assert [event["code"] for event in timeline["history"]] == [100, 445]
    assert sdk.sessions.get_session_status(ref, access_token=token).status.code == 445


def test_scenarios_load_bind_and_vanish_with_the_reset(ksef_mock, sdk):
    """load_scenario adds, use_scenario binds (unknown: a clear error), reset forgets both."""
    assert ksef_mock.load_scenario(SCENARIO).name == "plugin-forced-445"
    ksef_mock.use_scenario("plugin-forced-445", context=NIP)
    token = login(sdk, NIP)
    _, handle = open_fa3(sdk, token)
    assert ksef_mock.session_timeline(handle.reference_number)["scenario"] == "plugin-forced-445"
    with pytest.raises(UnknownScenarioError, match=r"'no-such' is not loaded; loaded: .*natural"):
        ksef_mock.use_scenario("no-such")
    with pytest.raises(ScenarioError, match="needs a name"):
        ksef_mock.load_scenario("description: nameless\n")

    ksef_mock.reset()
    scenarios = httpx.get(ksef_mock.url_for("/_mock/scenarios")).json()
    assert "plugin-forced-445" not in [s["name"] for s in scenarios["scenarios"]]
    assert scenarios["bindings"] == {}
    assert ksef_mock.requests == []


@pytest.mark.ksef_scenario("online-440-no-invoices")
def test_marker_alone_brings_the_fixture(request):
    """A test with the marker but without the argument still gets a reset, bound mock."""
    assert "ksef_mock" in request.fixturenames
    mock: KsefMock = request.getfixturevalue("ksef_mock")
    scenarios = httpx.get(mock.url_for("/_mock/scenarios")).json()
    assert scenarios["runtimeDefault"] == "online-440-no-invoices"


def test_clock_starts_frozen_and_moves(ksef_mock):
    """move_to and shift move the server's clock; the next test starts at START again."""
    assert ksef_mock.clock.now() == START
    ksef_mock.clock.shift(timedelta(minutes=5))
    assert (
        httpx.get(ksef_mock.url_for("/_mock/clock")).json()["now"].startswith("2026-01-05T09:05:00")
    )
    ksef_mock.clock.move_to(datetime(2026, 3, 1, tzinfo=UTC))
    assert ksef_mock.clock.now() == datetime(2026, 3, 1, tzinfo=UTC)


def test_ksef_client_is_in_process_on_the_same_app(ksef_client: FlaskClient, ksef_mock):
    """The in-process client reaches the same (reset) app, without a socket."""
    assert ksef_client.application is ksef_mock.app
    health = ksef_client.get("/_mock/health")
    assert health.status_code == 200
    assert health.json is not None
    assert health.json["time"].startswith("2026-01-05T09:00:00")
