"""kill -9 of a real ``mock-ksef serve`` during batch close processing and online sends.

After a restart on the same SQLite state folder every session reaches its true final
status, every invoice the mock acknowledged is there, and no acceptance record exists
without its invoice row: resending the same invoices is refused as duplicates of exactly
the rows that exist, and accepted otherwise. The batch pauses are deterministic
(``MOCK_KSEF_TEST_PAUSE``: processing stops for good at a chosen invoice of a chosen
stage and says so in a file); the random test kills at seeded random moments.
"""

from __future__ import annotations

import contextlib
import http.client
import random
import threading
import time
import urllib.error
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from mock_ksef.batch_files import PAUSE_ENV, PAUSE_FILE_ENV
from mock_ksef.store import SqliteStore
from mock_ksef.store.kinds import BATCH_PART
from tests.batch.live import FINAL_WAIT_S, LiveClient, serve, wait_for_file
from tests.batch.support import Package, zip_bytes
from tests.support.client_crypto import FA3, SessionKey
from tests.support.invoices import fa3_invoice
from tests.support.nips import NIP

INVOICES = 120


def _package(tag: str) -> Package:
    files = {
        f"faktury/{n:04d}.xml": fa3_invoice(NIP, f"FV/K9/{tag}/{n}") for n in range(1, INVOICES + 1)
    }
    return Package.of(zip_bytes(files), parts=3)


def _close_in_background(client: LiveClient, reference: str) -> threading.Thread:
    """Send the close; its answer never comes when the server is killed meanwhile."""

    def close() -> None:
        with contextlib.suppress(urllib.error.URLError, http.client.HTTPException, OSError):
            client.call("POST", f"/v2/sessions/batch/{reference}/close", timeout=FINAL_WAIT_S)

    thread = threading.Thread(target=close, daemon=True)
    thread.start()
    return thread


def _kept_parts(state: Path, reference: str) -> list[int]:
    """The ordinals of the parts the state folder's store keeps for ``reference``."""
    store = SqliteStore(state / "state.sqlite3")
    try:
        docs = store.find(BATCH_PART, reference=reference)
        assert all(store.get_blob(f"{doc['blob']}/0") for doc in docs)
        return [int(doc["ordinal"]) for doc in docs]
    finally:
        store.close()


def _wait_gone(state: Path, reference: str) -> None:
    deadline = time.monotonic() + FINAL_WAIT_S
    while _kept_parts(state, reference):
        assert time.monotonic() < deadline, f"the parts of {reference} were never deleted"
        time.sleep(0.02)


def _check_outcome(client: LiveClient, state: Path, reference: str, package: Package) -> None:
    """The session ended 200 with every invoice; a resend finds exactly those rows."""
    final = client.wait_final(reference)
    assert final["status"] == {
        "code": 200,
        "description": "Sesja wsadowa przetworzona pomyślnie",
    }
    assert (final["invoiceCount"], final["successfulInvoiceCount"]) == (INVOICES, INVOICES)
    rows = client.invoices(reference)
    assert [r["ordinalNumber"] for r in rows] == list(range(1, INVOICES + 1))
    assert {r["status"]["code"] for r in rows} == {200}
    numbers = [r["ksefNumber"] for r in rows]
    assert len(set(numbers)) == INVOICES
    _wait_gone(state, reference)

    again = client.upload(package)
    status, body = client.call("POST", f"/v2/sessions/batch/{again}/close")
    assert (status, body) == (204, None)
    assert client.wait_final(again)["status"]["code"] == 445
    resent = client.invoices(again)
    assert [r["status"]["code"] for r in resent] == [440] * INVOICES
    originals = [r["status"]["extensions"]["originalKsefNumber"] for r in resent]
    assert originals == numbers
    assert {r["status"]["extensions"]["originalSessionReferenceNumber"] for r in resent} == {
        reference
    }


@pytest.mark.parametrize("pause", ["check:60", "commit:60", "committed:0"])
def test_kill9_during_batch_close_then_restart_finishes_it(tmp_path: Path, pause: str) -> None:
    """Killed while checking invoices, mid-commit, or after the commit before clean-up."""
    state, paused = tmp_path / "state", tmp_path / "paused"
    package = _package(pause.replace(":", "-"))
    with serve(state, {PAUSE_ENV: pause, PAUSE_FILE_ENV: str(paused)}) as server:
        client = LiveClient.login(server.url, NIP)
        reference = client.upload(package)
        _close_in_background(client, reference)
        assert wait_for_file(paused, server) == f"{pause} {reference}\n"
        # Mid-commit the store's write lock is held (and every request that writes waits
        # for it), so the status is read only at the other two points.
        during = client.status(reference) if not pause.startswith("commit:") else None
        server.proc.kill()
        server.kill()
    if pause == "check:60":
        assert during is not None
        assert during["status"] == {"code": 150, "description": "Trwa przetwarzanie"}
    elif pause == "committed:0":
        assert during is not None
        assert during["status"]["code"] == 200
    if pause == "committed:0":
        # Committed: the parts may go now (the upkeep round of the killed process deletes
        # a finished session's parts every couple of seconds), or be left for the restart.
        assert _kept_parts(state, reference) in ([1, 2, 3], [])
    else:
        assert _kept_parts(state, reference) == [1, 2, 3]  # kept until committed
    with serve(state) as server:
        client = LiveClient(server.url, client.token)
        _check_outcome(client, state, reference, package)
        status, body = client.call("POST", f"/v2/sessions/batch/{reference}/close")
        assert status == 400
        assert body["exception"]["exceptionDetailList"][0]["exceptionCode"] == 21180


def test_kill9_at_random_moments_of_batch_close(tmp_path: Path) -> None:
    """Kills at seeded random moments after the close was sent: every session ends 200."""
    state = tmp_path / "state"
    rng = random.Random(10)
    for round_ in range(3):
        package = _package(f"r{round_}")
        with serve(state) as server:
            client = LiveClient.login(server.url, NIP)
            reference = client.upload(package)
            _close_in_background(client, reference)
            time.sleep(rng.uniform(0.0, 0.6))  # when to kill, not an assertion
            server.proc.kill()
            server.kill()
        with serve(state) as server:
            client = LiveClient(server.url, client.token)
            if client.status(reference)["status"]["code"] == 100:  # killed before the close
                status, _ = client.call("POST", f"/v2/sessions/batch/{reference}/close")
                assert status == 204
            _check_outcome(client, state, reference, package)


def _open_online(client: LiveClient, key: SessionKey) -> str:
    body = {"formCode": FA3, "encryption": key.encryption(client.symmetric_key())}
    status, opened = client.call("POST", "/v2/sessions/online", body)
    assert status == 201, opened
    return str(opened["referenceNumber"])


def _send(client: LiveClient, reference: str, key: SessionKey, xml: bytes) -> str:
    status, body = client.call(
        "POST", f"/v2/sessions/online/{reference}/invoices", key.send_request(xml)
    )
    assert status == 202, body
    return str(body["referenceNumber"])


def test_kill9_during_online_sends_keeps_every_acknowledged_invoice(tmp_path: Path) -> None:
    """Every 202-acknowledged invoice is there after the restart; nothing else is."""
    state = tmp_path / "state"
    xmls = {f"FV/ON/{n}": fa3_invoice(NIP, f"FV/ON/{n}") for n in range(1, 161)}
    acknowledged: dict[str, str] = {}
    enough = threading.Event()
    key = SessionKey.fresh()
    with serve(state) as server:
        client = LiveClient.login(server.url, NIP)
        reference = _open_online(client, key)

        def send(number: str) -> None:
            try:
                acknowledged[number] = _send(client, reference, key, xmls[number])
            except (urllib.error.URLError, http.client.HTTPException, OSError):
                return
            if len(acknowledged) >= 40:
                enough.set()

        with ThreadPoolExecutor(4) as pool:
            futures = [pool.submit(send, number) for number in xmls]
            assert enough.wait(FINAL_WAIT_S)
            server.proc.kill()
            server.kill()
            for future in futures:
                future.result()
    assert 40 <= len(acknowledged) < len(xmls)
    with serve(state) as server:
        client = LiveClient(server.url, client.token)
        rows: dict[str, Any] = {r["invoiceNumber"]: r for r in client.invoices(reference)}
        assert {n: rows[n]["referenceNumber"] for n in acknowledged} == acknowledged
        assert {r["status"]["code"] for r in rows.values()} == {200}
        status, _ = client.call("POST", f"/v2/sessions/online/{reference}/close")
        assert status == 204
        final = client.wait_final(reference)
        assert (final["status"]["code"], final["invoiceCount"]) == (200, len(rows))

        again_key = SessionKey.fresh()
        again = _open_online(client, again_key)
        outcomes = {}
        for number, xml in xmls.items():
            sent = _send(client, again, again_key, xml)
            _, row = client.call("GET", f"/v2/sessions/{again}/invoices/{sent}")
            outcomes[number] = (row["status"]["code"], row["status"].get("extensions"))
        expected = {
            number: (
                (
                    440,
                    {
                        "originalSessionReferenceNumber": reference,
                        "originalKsefNumber": rows[number]["ksefNumber"],
                    },
                )
                if number in rows
                else (200, None)
            )
            for number in xmls
        }
        assert outcomes == expected
