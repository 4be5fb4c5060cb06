"""A request's first statement on PostgreSQL: the shared settings, the counters, the journal
place and the session read ahead in one round trip (``store/pg_request.py``)."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Callable
from pathlib import Path

from ksef_client import KsefClient, KsefClientOptions

from mock_ksef import upkeep
from mock_ksef.app import create_app
from mock_ksef.http.context import services
from mock_ksef.settings import Settings
from mock_ksef.store.kinds import SESSION, SHARED_SETTINGS
from mock_ksef.store.postgres import PostgresStore
from mock_ksef.threaded_server import ThreadedServer
from tests.support.nips import NIP
from tests.support.pg_server import round_trips
from tests.support.sdk import login, open_fa3

AHEAD = (SESSION, "S")


def test_the_first_statement_reads_the_settings_the_counters_and_a_place(pg_url: str) -> None:
    store = PostgresStore(pg_url)
    try:
        store.put(SHARED_SETTINGS, "current", {"epoch": "e1"})
        opened = store.open_request(SHARED_SETTINGS, "current", place=True, ahead=AHEAD)
        assert opened == ({"epoch": "e1"}, [0] * 8, 1)
        assert store.open_request(SHARED_SETTINGS, "current", place=True)[2] == 2
        assert store.open_request(SHARED_SETTINGS, "nothing", place=False) == (None, [0] * 8, None)
        assert store.request_journal.reserve(10) == 3  # the same places as the journal's
    finally:
        store.close()


def test_the_document_read_ahead_serves_one_get_as_the_request_start_saw_it(
    pg_url: str,
) -> None:
    one, two = PostgresStore(pg_url), PostgresStore(pg_url)  # two replicas
    try:
        one.put(*AHEAD, {"n": 1})
        one.open_request(SHARED_SETTINGS, "current", place=False, ahead=AHEAD)
        two.put(*AHEAD, {"n": 2})  # written after the request started
        assert one.get(*AHEAD) == {"n": 1}  # what the request's start read, once
        assert one.get(*AHEAD) == {"n": 2}
        one.open_request(SHARED_SETTINGS, "current", place=False, ahead=(SESSION, "T"))
        two.put(SESSION, "T", {"n": 1})
        assert one.get(SESSION, "T") is None  # absent when the request started
        assert one.get(SESSION, "T") == {"n": 1}
    finally:
        one.close()
        two.close()


def _block(store: PostgresStore) -> Callable[[], object]:
    def read_in_a_block() -> object:
        with store.transaction():
            return store.get(*AHEAD)

    return read_in_a_block


def test_a_write_a_block_or_the_end_of_the_request_drops_what_was_read_ahead(
    pg_url: str,
) -> None:
    one, two = PostgresStore(pg_url), PostgresStore(pg_url)
    try:
        drops: dict[str, Callable[[], object]] = {
            "a write": lambda: one.put("other", "1", {}),
            "a block": _block(one),
            "the request's end": one.forget_ahead,
            "the next request": lambda: one.open_request(SHARED_SETTINGS, "x", place=False),
        }
        for n, (name, drop) in enumerate(drops.items()):
            one.open_request(SHARED_SETTINGS, "current", place=False, ahead=AHEAD)
            two.put(*AHEAD, {"n": n})
            drop()
            assert one.get(*AHEAD) == {"n": n}, name
    finally:
        one.close()
        two.close()


def _get(url: str, token: str) -> tuple[int, dict[str, object]]:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request) as response:
        return response.status, json.loads(response.read())


def test_a_status_read_makes_two_round_trips_and_is_journaled(pg_url: str, tmp_path: Path) -> None:
    """Its first statement (settings, counters, place, session), the journal entry."""
    store = PostgresStore(pg_url, pool_size=1)
    settings = Settings(seed=1, clock="frozen", state_dir=str(tmp_path / "state"))
    app = create_app(settings, store=store)
    upkeep.stop(services(app))  # its rounds would use the one connection too
    try:
        with ThreadedServer(app) as server, KsefClient(KsefClientOptions(server.url)) as sdk:
            token = login(sdk, NIP)
            _, session = open_fa3(sdk, token)
            url = server.url_for(f"/v2/sessions/{session.reference_number}")
            for _ in range(6):  # past psycopg's prepare threshold
                _get(url, token)
            answers: list[tuple[int, dict[str, object]]] = []
            assert round_trips(store, tmp_path, lambda: answers.append(_get(url, token))) == 2
            assert answers == [
                (
                    200,
                    {
                        "status": {"code": 100, "description": "Sesja interaktywna otwarta"},
                        "dateCreated": "2026-01-01T12:00:00.000000+00:00",
                        "dateUpdated": "2026-01-01T12:00:00.000000+00:00",
                        "validUntil": "2026-01-02T00:00:00.000000+00:00",
                        "invoiceCount": None,
                        "successfulInvoiceCount": None,
                        "failedInvoiceCount": None,
                    },
                )
            ]
            with urllib.request.urlopen(server.url_for("/_mock/requests")) as response:
                journal = json.loads(response.read())["requests"]
        # dense and in start order: the control API's reads took no place
        assert [entry["sequence"] for entry in journal] == list(range(1, len(journal) + 1))
        assert [entry["path"] for entry in journal[-7:]] == [url.split(server.url)[1]] * 7
    finally:
        upkeep.stop(services(app))
        store.close()


def test_the_journal_keeps_the_newest_entries_and_sweeps_a_late_one(pg_url: str) -> None:
    """Each entry deletes the one ``size`` places before it by its key; an entry recorded
    after its place was deleted stays until the next sweep place (``SWEEP_EVERY``)."""
    from mock_ksef.store import pg_journal

    store = PostgresStore(pg_url)
    journal = store.request_journal
    size, places = 3, [journal.reserve(3) for _ in range(pg_journal.SWEEP_EVERY)]
    try:
        late = places[0]
        for place in places[1:6]:
            journal.record({"path": f"/{place}"}, place, size)
        journal.record({"path": "/late"}, late, size)  # its place fell out already
        assert [e["sequence"] for e in journal.entries(10)] == [late, *places[3:6]]
        for place in places[6:]:  # up to the sweep place (a multiple of SWEEP_EVERY)
            journal.record({"path": f"/{place}"}, place, size)
        assert places[-1] % pg_journal.SWEEP_EVERY == 0
        assert [e["sequence"] for e in journal.entries(10)] == places[-3:]
    finally:
        store.close()
