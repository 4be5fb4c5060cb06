"""21184 "Sesja tymczasowo niedostępna." (API 2.8.0) on online send, from a scenario.

The bundled ``online-21184-session-unavailable`` accepts one invoice per session; the
unmodified SDK then gets 400 21184, the session stays usable for close, and a new session
accepts an invoice again, which is what the error tells a client to do.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from ksef_client.exceptions import KsefApiError

from mock_ksef.scenario.model import Scenario, SessionPlan
from mock_ksef.timefmt import iso
from tests.conftest import START
from tests.lifecycle.client import Caller, with_scenario
from tests.lifecycle.library import install
from tests.lifecycle.sdk import invoice_rows, login, open_fa3, raw_status, status_payload
from tests.support.exceptions import exception_details
from tests.support.invoices import fa3_invoice
from tests.support.nips import NIP

NAME = "online-21184-session-unavailable"


def unavailable(ref):
    """The exception detail of 21184, the spec's texts."""
    return {
        "exceptionCode": 21184,
        "exceptionDescription": "Sesja tymczasowo niedostępna.",
        "details": [
            f"Trwają prace serwisowe i sesja {ref} jest tymczasowo niedostępna. Spróbuj "
            "ponownie później lub otwórz nową sesję, aby wysłać kolejne faktury."
        ],
    }


def _send(workflow, handle, token, nip, number):
    return workflow.send_invoice(
        session_reference_number=handle.reference_number,
        invoice_xml=fa3_invoice(nip, number),
        encryption_data=handle.encryption_data,
        access_token=token,
    )


def _invoice_refs(live, ref, token):
    return [row["referenceNumber"] for row in invoice_rows(live, ref, token)]


def test_the_second_send_is_21184_and_a_new_session_goes_on(app, live, sdk):
    """Send 1: 202; send 2: 400 21184, nothing registered; close works; a new session accepts."""
    scenario, nip = install(app, NAME)
    assert scenario.online.send_unavailable_after == 1
    token = login(sdk, nip)
    workflow, handle = open_fa3(sdk, token)
    ref = handle.reference_number
    first = _send(workflow, handle, token, nip, "FV/UN/1")
    with pytest.raises(KsefApiError) as caught:
        _send(workflow, handle, token, nip, "FV/UN/2")
    error = caught.value
    assert error.status_code == 400
    sent = error.response_body
    assert isinstance(sent, dict)
    assert sent["exception"]["exceptionDetailList"] == [unavailable(ref)]
    assert (sent["exception"]["timestamp"], sent["exception"]["serviceName"]) == (
        iso(START),
        "mock-ksef",
    )
    assert raw_status(live, ref, token) == status_payload(
        100,
        "Sesja interaktywna otwarta",
        created=START,
        valid_until=START + timedelta(hours=12),
        counts=(1, 1, None),
    )
    assert _invoice_refs(live, ref, token) == [first.reference_number]
    workflow.close_session(ref, token)
    assert raw_status(live, ref, token)["status"] == {
        "code": 200,
        "description": "Sesja interaktywna przetworzona pomyślnie",
    }
    workflow2, handle2 = open_fa3(sdk, token)
    accepted = _send(workflow2, handle2, token, nip, "FV/UN/2")
    assert _invoice_refs(live, handle2.reference_number, token) == [accepted.reference_number]


def test_21184_comes_after_21180_and_before_the_content_checks(app, client):
    """after_invoices 0: a bad size is still 21184; a closed session is 21180, not 21184."""
    with_scenario(app, Scenario(name="down", online=SessionPlan(send_unavailable_after=0)), NIP)
    caller = Caller(app, client, NIP)
    ref = caller.open()
    request = caller.key.send_request(fa3_invoice(NIP, "FV/1"))
    request["encryptedInvoiceSize"] += 1
    response = client.post(
        f"/v2/sessions/online/{ref}/invoices", json=request, headers=caller.headers
    )
    assert (response.status_code, response.json["exception"]["exceptionDetailList"]) == (
        400,
        [unavailable(ref)],
    )
    assert caller.status(ref)["invoiceCount"] is None
    caller.close(ref)
    closed = caller.send(ref, "FV/2")
    assert [d["exceptionCode"] for d in exception_details(closed)] == [21180]
