"""Per-invoice rules, forcing a session's state through the control API, isolation."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from ksef_client import KsefClient, KsefClientOptions

from mock_ksef.ids import KSEF_NUMBER_RE, REFERENCE_RE
from mock_ksef.scenario.model import (
    InvoiceMatch,
    InvoiceRule,
    Outcome,
    Scenario,
    SessionPlan,
)
from tests.lifecycle.client import Caller, with_scenario
from tests.lifecycle.sdk import login, open_fa3, raw_status
from tests.support.exceptions import exception_code
from tests.support.invoices import fa3_invoice

NIP = "1111111223"
OTHER_NIP = "1111111246"


def _rules(app, *rules: InvoiceRule) -> None:
    with_scenario(app, Scenario(name="rules", invoices=rules), NIP)


def test_first_matching_rule_forces_the_invoice_outcome(app, client):
    """Rules match by position, invoice-number pattern and seller; the first one wins."""
    _rules(
        app,
        InvoiceRule(InvoiceMatch(position=2), Outcome(450, ("Reguła biznesowa",))),
        InvoiceRule(InvoiceMatch(invoice_number="FV/BAD/*"), Outcome(500, status_code=503)),
        InvoiceRule(InvoiceMatch(seller_nip=NIP, invoice_number="FV/OK/*"), Outcome(200)),
        InvoiceRule(InvoiceMatch(seller_nip=NIP), Outcome(550)),
    )
    caller = Caller(app, client, NIP)
    ref = caller.open()
    sent = [
        caller.send(ref, n).json["referenceNumber"]
        for n in ("FV/OK/1", "FV/OK/2", "FV/BAD/3", "FV/X/4")
    ]
    statuses = [caller.invoice(ref, r)["status"] for r in sent]
    assert statuses == [
        {"code": 200, "description": "Sukces"},
        {"code": 450, "description": "Błąd weryfikacji semantyki dokumentu faktury",
         "details": ["Reguła biznesowa"]},
        {"code": 500, "description": "Nieznany błąd (503)"},
        {
            "code": 550,
            "description": "Operacja została anulowana przez system",
            "details": ["Przetwarzanie zostało przerwane z przyczyn wewnętrznych systemu. "
                        "Spróbuj ponownie"],
        },
    ]  # fmt: skip


def test_forced_duplicate_names_a_plausible_original(app, client):
    """A forced 440 carries a valid original KSeF number and session in text and extensions."""
    _rules(app, InvoiceRule(InvoiceMatch(position=1), Outcome(440)))
    caller = Caller(app, client, NIP)
    ref = caller.open()
    invoice = caller.invoice(ref, caller.send(ref, "FV/D/1").json["referenceNumber"])
    status = invoice["status"]
    original = status["extensions"]["originalKsefNumber"]
    session = status["extensions"]["originalSessionReferenceNumber"]
    assert KSEF_NUMBER_RE.match(original)
    assert original.startswith(NIP)
    assert REFERENCE_RE.match(session)
    assert session[9:11] == "SO"
    assert status["details"] == [
        f"Duplikat faktury. Faktura o numerze KSeF: {original} została już prawidłowo "
        f"przesłana do systemu w sesji: {session}"
    ]
    assert "ksefNumber" not in invoice


def test_a_real_failure_is_not_hidden_by_a_rule(app, client):
    """A rule never replaces a failure the mock found for real."""
    _rules(app, InvoiceRule(InvoiceMatch(position=1), Outcome(450)))
    caller = Caller(app, client, NIP)
    ref = caller.open()
    sent = caller.send(ref, "FV/R/1", b"<not-an-invoice/>").json["referenceNumber"]
    assert caller.invoice(ref, sent)["status"]["code"] == 430


def test_force_state_through_the_control_api(app, client):
    """POST /_mock/sessions/{ref}/state sets the code now; the timeline records why."""
    caller = Caller(app, client, NIP)
    ref = caller.open()
    caller.send(ref, "FV/C/1")
    forced = client.post(
        f"/_mock/sessions/{ref}/state", json={"code": 445, "details": ["Wymuszone"]}
    )
    assert forced.status_code == 200, forced.json
    assert caller.status(ref)["status"] == {
        "code": 445,
        "description": "Błąd weryfikacji, brak poprawnych faktur",
        "details": ["Wymuszone"],
    }
    timeline = client.get(f"/_mock/sessions/{ref}").json
    assert [(e["code"], e["cause"]) for e in timeline["history"]] == [
        (100, "opened under scenario natural"),
        (445, "forced via control API"),
    ]
    assert timeline["scenario"] == "natural"
    assert timeline["plan"]["processing"] == {"seconds": 0.0, "polls": 0}
    assert caller.send(ref, "FV/C/2").status_code == 400


def test_force_state_validates_the_code(app, client):
    """A code the session's kind cannot end in, or a bad body, is a 400 JSON error."""
    caller = Caller(app, client, NIP)
    ref = caller.open()
    bodies: list[object] = [{"code": 405}, {"code": "445"}, {"code": 500, "statusCode": "x"}, []]
    for body in bodies:
        response = client.post(f"/_mock/sessions/{ref}/state", json=body)
        assert response.status_code == 400, body
        assert exception_code(response) == 21405
    missing = client.post(
        "/_mock/sessions/20261124-SO-0000000000-0000000000-00/state", json={"code": 440}
    )
    assert missing.status_code == 400


def test_two_scenarios_run_concurrently_without_interfering(app, live):
    """Two SDK clients in two threads, two NIPs, two scenarios: each gets its own outcome."""
    with_scenario(
        app, Scenario(name="ends-445", online=SessionPlan(outcome=Outcome(445))), "1111111246"
    )
    with_scenario(app, Scenario(name="ends-200"), "1111111252")
    results: dict[str, int] = {}
    errors: list[BaseException] = []

    def run(nip: str) -> None:
        try:
            with KsefClient(KsefClientOptions(base_url=live.url)) as sdk:
                token = login(sdk, nip)
                workflow, handle = open_fa3(sdk, token)
                ref = handle.reference_number
                for n in range(3):
                    workflow.send_invoice(
                        session_reference_number=ref,
                        invoice_xml=fa3_invoice(nip, f"FV/T/{n}"),
                        encryption_data=handle.encryption_data,
                        access_token=token,
                    )
                workflow.close_session(ref, token)
                results[nip] = raw_status(live, ref, token)["status"]["code"]
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(nip,)) for nip in ("1111111246", "1111111252")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert results == {"1111111246": 445, "1111111252": 200}


def test_a_natural_rule_cannot_accept_an_invoice_in_a_session_forced_to_fail(app, client):
    """A rule with code 200 means "natural"; in a session forced to 445 that is still a failure."""
    natural = InvoiceRule(InvoiceMatch(position=1), Outcome(200))
    with_scenario(
        app,
        Scenario(name="f445", online=SessionPlan(outcome=Outcome(445)), invoices=(natural,)),
        NIP,
    )
    caller = Caller(app, client, NIP)
    ref = caller.open()
    sent = caller.send(ref, "FV/N/1")
    assert caller.invoice(ref, sent.json["referenceNumber"])["status"] == {
        "code": 450,
        "description": "Błąd weryfikacji semantyki dokumentu faktury",
        "details": ["Faktura odrzucona: scenariusz wymusza status sesji 445."],
    }


def _ended(caller: Caller, ref: str, invoice_refs: list[str]) -> dict[str, Any]:
    """What a client reads of an ended session: status, counters, each invoice's outcome."""
    status = caller.status(ref)
    invoices = [caller.invoice(ref, invoice_ref) for invoice_ref in invoice_refs]
    return {
        "status": status["status"],
        "counters": [
            status.get(k) for k in ("invoiceCount", "successfulInvoiceCount", "failedInvoiceCount")
        ],
        "upo": status.get("upo"),
        "invoices": [(i["status"], i.get("ksefNumber")) for i in invoices],
    }


@pytest.mark.parametrize("code", [440, 445])
def test_a_forced_440_or_445_leaves_invoices_as_the_scenario_path_does(app, client, code):
    """Forced through the control API after two accepted sends, a session shows the same
    invoices (405 for 440, 450 for 445, no KSeF number) and counters as one whose scenario
    forces the code; the invoices are no longer originals of duplicates.
    """
    with_scenario(
        app, Scenario(name=f"ends-{code}", online=SessionPlan(outcome=Outcome(code))), NIP
    )
    scripted = Caller(app, client, NIP)
    ref = scripted.open()
    sent = [scripted.send(ref, n).json["referenceNumber"] for n in ("FV/F/1", "FV/F/2")]
    scripted.close(ref)
    by_scenario = _ended(scripted, ref, sent)

    forced = Caller(app, client, OTHER_NIP)
    other = forced.open()
    other_sent = [forced.send(other, n).json["referenceNumber"] for n in ("FV/F/1", "FV/F/2")]
    accepted = forced.invoice(other, other_sent[0])
    assert accepted["status"]["code"] == 200
    answer = client.post(f"/_mock/sessions/{other}/state", json={"code": code})
    assert answer.status_code == 200, answer.json
    assert _ended(forced, other, other_sent) == by_scenario
    assert by_scenario["invoices"][0][0]["code"] == {440: 405, 445: 450}[code]
    assert by_scenario["invoices"][0][1] is None
    again = forced.open()
    resent = forced.send(again, "FV/F/1").json["referenceNumber"]
    assert forced.invoice(again, resent)["status"]["code"] == 200  # not a duplicate any more
