"""commit_then_fail: the work is kept although the client is told it failed."""

from __future__ import annotations

from mock_ksef.scenario.model import Fault
from tests.faults.support import bind, caller
from tests.support.nips import NIP

SEND = "POST /sessions/online/{referenceNumber}/invoices"


def test_invoice_is_stored_though_the_client_got_503_and_a_resend_is_a_duplicate(app, client):
    """The first send answers 503 but is kept; resending the same invoice yields 440."""
    bind(app, NIP, Fault("commit_then_fail", route=SEND, status=503, times=1))
    who = caller(app, client)
    ref = who.open()
    failed = who.send(ref, "FV/CTF/1")
    assert failed.status_code == 503
    assert failed.headers["X-Mock-Fault"] == "commit_then_fail"
    assert failed.json["status"] == 503
    listed = client.get(f"/v2/sessions/{ref}/invoices", headers=who.headers).json["invoices"]
    assert [(i["invoiceNumber"], i["status"]["code"]) for i in listed] == [("FV/CTF/1", 200)]
    retry = who.send(ref, "FV/CTF/1")
    assert retry.status_code == 202
    again = who.invoice(ref, retry.json["referenceNumber"])
    assert again["status"]["code"] == 440
    assert again["status"]["extensions"]["originalSessionReferenceNumber"] == ref
    assert again["status"]["extensions"]["originalKsefNumber"] == listed[0]["ksefNumber"]
