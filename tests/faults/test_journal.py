"""The request journal: what the client sent, in order, without invoice contents."""

from __future__ import annotations

import dataclasses
import threading
from datetime import timedelta

import httpx
from flask import Flask, Response, request

from mock_ksef.scenario.model import Fault
from mock_ksef.store.memory import MemoryStore
from mock_ksef.traffic.journal import Journal
from tests.faults.support import bind, caller
from tests.support.invoices import fa3_invoice
from tests.support.nips import NIP


def _journal(client, query=""):
    response = client.get(f"/_mock/requests{query}")
    assert response.status_code == 200
    return response.json["requests"]


def test_lists_the_invoices_sent_with_their_hashes(app, client):
    """Each invoice send is recorded with the hashes and size the client declared."""
    who = caller(app, client)
    ref = who.open()
    bodies = [who.key.send_request(fa3_invoice(NIP, n)) for n in ("FV/J/1", "FV/J/2")]
    for body in bodies:
        response = client.post(
            f"/v2/sessions/online/{ref}/invoices", json=body, headers=who.headers
        )
        assert response.status_code == 202
    invoices = _journal(client, "?method=POST&path=*/invoices")
    assert [
        {k: e[k] for k in ("invoiceHash", "invoiceSize", "encryptedInvoiceHash")} for e in invoices
    ] == [{k: b[k] for k in ("invoiceHash", "invoiceSize", "encryptedInvoiceHash")} for b in bodies]
    for entry in invoices:
        assert (entry["session"], entry["context"], entry["status"]) == (ref, NIP, 202)
        assert entry["route"] == "/sessions/online/{referenceNumber}/invoices"
        assert "encryptedInvoiceContent" not in entry


def test_entries_in_order_with_all_fields(app, client, clock):
    """Every API request is journaled in order with time, query, status and scenario."""
    who = caller(app, client)
    client.delete("/_mock/requests")
    ref = who.open()
    clock.shift(timedelta(seconds=5))
    client.get(f"/api/v2/sessions/{ref}?x=1", headers=who.headers)
    client.get("/_mock/health")
    entries = _journal(client)
    first, second = entries
    assert second["sequence"] == first["sequence"] + 1
    assert {k: v for k, v in first.items() if k != "sequence"} == {
        "time": "2026-11-24T09:00:00.000000+00:00",
        "method": "POST",
        "path": "/v2/sessions/online",
        "route": "/sessions/online",
        "query": "",
        "status": 201,
        "context": NIP,
        "session": ref,
        "scenario": "natural",
        "fault": None,
    }
    assert second["time"] == "2026-11-24T09:00:05.000000+00:00"
    assert (second["path"], second["query"], second["status"]) == (
        f"/api/v2/sessions/{ref}",
        "x=1",
        200,
    )


def test_filters(app, client):
    """method, path, session, context and since (sequence or time) narrow the list."""
    who = caller(app, client)
    one = who.open()
    two = who.open()
    client.get(f"/v2/sessions/{two}", headers=who.headers)
    assert [e["session"] for e in _journal(client, f"?session={two}")] == [two, two]
    assert [e["method"] for e in _journal(client, f"?session={one}")] == ["POST"]
    assert len(_journal(client, "?context=0000000000")) == 0
    everything = _journal(client)
    last = everything[-1]["sequence"]
    assert _journal(client, f"?since={last - 1}") == everything[-1:]
    assert _journal(client, "?since=2026-11-24T09:00:00%2B00:00") == everything
    bad = client.get("/_mock/requests?since=yesterday")
    assert bad.status_code == 400
    assert _journal(client, "?method=get&path=/v2/sessions/*") == everything[-1:]


def test_delete_clears_and_reset_empties(app, client):
    """DELETE /_mock/requests forgets the entries; so does /_mock/reset."""
    who = caller(app, client)
    who.open()
    count = len(_journal(client))
    assert client.delete("/_mock/requests").json == {"cleared": count}
    assert _journal(client) == []
    client.post("/v2/auth/challenge")
    client.post("/_mock/reset")
    assert _journal(client) == []


def test_faulted_requests_are_journaled_with_the_fault(app, client):
    """A scripted failure is recorded with the status the client saw and the fault kind."""
    bind(app, NIP, Fault("status", route="POST /sessions/online", status=503, times=1))
    who = caller(app, client)
    client.delete("/_mock/requests")
    client.post("/v2/sessions/online", json={}, headers=who.headers)
    (entry,) = _journal(client)
    assert (entry["status"], entry["fault"], entry["scenario"]) == (503, "status", "under-test")


def test_bounded_to_journal_size(app, client):
    """Only the last journal_size entries are kept."""
    from mock_ksef.http.context import services

    svc = services(app)
    svc.settings = dataclasses.replace(svc.settings, journal_size=3)
    client.delete("/_mock/requests")
    for _ in range(5):
        client.post("/v2/auth/challenge")
    entries = _journal(client)
    assert len(entries) == 3
    assert [e["sequence"] for e in entries] == [
        entries[0]["sequence"],
        entries[0]["sequence"] + 1,
        entries[0]["sequence"] + 2,
    ]


WAIT_S = 10.0


def test_entries_are_ordered_by_the_start_of_their_request():
    """A sequence reserved when a request starts is its place, whenever its entry is written."""
    journal = Journal(MemoryStore(), size=10)
    first, second = journal.reserve(), journal.reserve()
    journal.record({"path": "/second"}, second)
    journal.record({"path": "/first"}, first)
    assert [e["path"] for e in journal.entries()] == ["/first", "/second"]
    assert [e["sequence"] for e in journal.entries()] == [first, second]


def test_a_request_that_ends_late_keeps_its_place_before_a_later_one(app: Flask, client, live):
    """Over HTTP: the first request is held after its answer is made (as a dropped one can be
    while its client already retries); the second ends first, yet the journal lists the first
    request first.
    """
    held, release = threading.Event(), threading.Event()

    @app.after_request  # registered last, so it runs before the journal writes the entry
    def _hold(response: Response) -> Response:
        if request.args.get("n") == "1":
            held.set()
            release.wait(WAIT_S)
        return response

    def first() -> None:
        httpx.post(live.url_for("/v2/auth/challenge?n=1"), timeout=WAIT_S)

    thread = threading.Thread(target=first)
    thread.start()
    try:
        assert held.wait(WAIT_S)
        answer = httpx.post(live.url_for("/v2/auth/challenge?n=2"), timeout=WAIT_S)
        assert answer.status_code == 200
        assert [e["query"] for e in _journal(client)] == ["n=2"]  # the first is not yet ended
    finally:
        release.set()
        thread.join(WAIT_S)
    assert [e["query"] for e in _journal(client)] == ["n=1", "n=2"]
