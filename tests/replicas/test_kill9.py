"""``kill -9`` of one replica mid-flow: the other carries on; nothing lost, nothing twice.

The batch pauses are the deterministic checkpoints of ``tests/batch/test_kill9.py``
(``MOCK_KSEF_TEST_PAUSE``): replica 0 stops for good while processing a close, the test
kills it, and replica 1 (on the same host: it sees at once that the owner's pid is gone;
on another host it would wait for the owner's lease to expire) takes the close over and
finishes it from the parts kept in the shared store.
"""

from __future__ import annotations

import contextlib
import http.client
import threading
import time
import urllib.error
from pathlib import Path

import pytest

from mock_ksef.batch_files import PAUSE_ENV, PAUSE_FILE_ENV
from mock_ksef.store import Store, open_store
from mock_ksef.store.kinds import BATCH_CLOSING, BATCH_PART, WORKER_LEASE
from tests.batch.live import FINAL_WAIT_S, LiveClient, wait_for_file
from tests.batch.support import Package, zip_bytes
from tests.replicas.conftest import Replicas, store_url
from tests.support.auth import login_live
from tests.support.invoices import fa3_invoice
from tests.support.nips import NIP
from tests.support.sdk import login, open_fa3, poll_final

INVOICES = 30


def _package(tag: str) -> Package:
    files = {f"f/{n:03d}.xml": fa3_invoice(NIP, f"FV/R9/{tag}/{n}") for n in range(1, INVOICES + 1)}
    return Package.of(zip_bytes(files), parts=3)


def _store(store_kind: str, tmp_path: Path) -> Store:
    """The replicas' shared store, opened by the test itself to look inside."""
    return open_store(store_url(store_kind, tmp_path / "shared"), None)


def _close_on(base: str, token: str, reference: str) -> threading.Thread:
    """Send the close straight to one replica; no answer comes when it is killed."""

    def close() -> None:
        with contextlib.suppress(urllib.error.URLError, http.client.HTTPException, OSError):
            LiveClient(base, token).call(
                "POST", f"/v2/sessions/batch/{reference}/close", timeout=FINAL_WAIT_S
            )

    thread = threading.Thread(target=close, daemon=True)
    thread.start()
    return thread


def test_online_flow_survives_a_replica_killed_between_two_sends(replicas: Replicas, sdk):
    """One invoice sent, replica 0 killed, the rest through replica 1: both invoices there."""
    token = login(sdk, NIP)
    workflow, session = open_fa3(sdk, token)
    ref = session.reference_number
    sent = []
    for n in (1, 2):
        if n == 2:
            replicas.kill9(0)
        sent.append(
            workflow.send_invoice(
                session_reference_number=ref,
                invoice_xml=fa3_invoice(NIP, f"FV/K/{n}"),
                encryption_data=session.encryption_data,
                access_token=token,
            ).reference_number
        )
    workflow.close_session(ref, token)
    state = poll_final(sdk, ref, token)
    assert (state.status.code, state.successful_invoice_count, state.invoice_count) == (200, 2, 2)
    listed = sdk.sessions.get_session_invoices(ref, page_size=10, access_token=token)
    assert sorted(i.reference_number for i in listed.invoices) == sorted(sent)
    assert len({i.ksef_number for i in listed.invoices}) == 2
    assert replicas.balancer.down == {0}
    sends = replicas.balancer.served_by(f"/sessions/online/{ref}/invoices", "POST")
    assert sends[-1] == 1


@pytest.mark.parametrize("pause", ["check:10", "commit:10", "committed:0"])
def test_kill9_of_the_replica_processing_a_batch_close(
    start_replicas, resolvable, store_kind: str, tmp_path: Path, pause: str
):
    """Parts uploaded through both, the close on replica 0, killed there; replica 1 ends it."""
    paused = tmp_path / "paused"
    replicas: Replicas = start_replicas(
        2, env=[{PAUSE_ENV: pause, PAUSE_FILE_ENV: str(paused)}, {}]
    )
    token = login_live(replicas.balancer.url, NIP)
    client = LiveClient(replicas.balancer.url, token)
    package = _package(pause.replace(":", "-"))
    reference = client.upload(package)
    assert set(replicas.balancer.served_by("/storage/", "PUT")) == {0, 1}  # parts on both
    _close_on(replicas.urls[0], token, reference)
    assert wait_for_file(paused, replicas.servers[0]) == f"{pause} {reference}\n"
    replicas.kill9(0)

    final = LiveClient(replicas.urls[1], token).wait_final(reference)
    assert final["status"] == {"code": 200, "description": "Sesja wsadowa przetworzona pomyślnie"}
    assert (final["invoiceCount"], final["successfulInvoiceCount"]) == (INVOICES, INVOICES)
    rows = client.invoices(reference)
    assert [r["ordinalNumber"] for r in rows] == list(range(1, INVOICES + 1))
    numbers = [r["ksefNumber"] for r in rows]
    assert len(set(numbers)) == INVOICES
    store = _store(store_kind, tmp_path)
    try:
        deadline = time.monotonic() + FINAL_WAIT_S
        while store.find(BATCH_PART, reference=reference):  # deleted after the commit
            assert time.monotonic() < deadline, "the parts were never deleted"
            time.sleep(0.05)
        assert store.get(BATCH_CLOSING, reference) is None
    finally:
        store.close()

    again = client.upload(package)  # the same invoices once more: all duplicates
    status, body = client.call("POST", f"/v2/sessions/batch/{again}/close")
    assert (status, body) == (204, None)
    assert client.wait_final(again)["status"]["code"] == 445
    resent = client.invoices(again)
    assert [r["status"]["code"] for r in resent] == [440] * INVOICES
    assert [r["status"]["extensions"]["originalKsefNumber"] for r in resent] == numbers


def test_a_live_replica_keeps_its_close(
    start_replicas, resolvable, store_kind: str, tmp_path: Path
):
    """While replica 0 processes a close (paused, alive), replica 1 renews its lease and
    looks for abandoned closes several times, and leaves this one alone."""
    paused = tmp_path / "paused"
    replicas: Replicas = start_replicas(
        2,
        env=[
            {PAUSE_ENV: "check:5", PAUSE_FILE_ENV: str(paused), "MOCK_KSEF_WORKER_LEASE_S": "1"},
            {"MOCK_KSEF_WORKER_LEASE_S": "1"},
        ],
    )
    token = login_live(replicas.balancer.url, NIP)
    client = LiveClient(replicas.balancer.url, token)
    reference = client.upload(_package("live"))
    _close_on(replicas.urls[0], token, reference)
    wait_for_file(paused, replicas.servers[0])
    store = _store(store_kind, tmp_path)
    try:
        marker = store.get(BATCH_CLOSING, reference)
        assert marker is not None
        owner = marker["owner"]
        leases = {doc["owner"]: doc["expires"] for doc in store.find(WORKER_LEASE)}
        [other] = [o for o in leases if o != owner]
        renewals = 0
        deadline = time.monotonic() + FINAL_WAIT_S
        while renewals < 5:  # each renewal follows a round of looking for abandoned closes
            assert time.monotonic() < deadline, "replica 1 never renewed its lease"
            time.sleep(0.05)
            lease = store.get(WORKER_LEASE, other)
            assert lease is not None
            expires = lease["expires"]
            renewals += expires != leases[other]
            leases[other] = expires
        assert store.get(BATCH_CLOSING, reference) == {"reference": reference, "owner": owner}
        state = LiveClient(replicas.urls[1], token).status(reference)
        assert state["status"] == {"code": 150, "description": "Trwa przetwarzanie"}
    finally:
        store.close()
