"""The read path's memos (permission gate per path, decoded sessions, the principal per
request, the gate's seed) give the answers the uncached work gives, and never go stale
when another worker writes.

Two apps on one SQLite file stand for two worker processes.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import Flask

from mock_ksef.clock import FrozenClock
from mock_ksef.codec import to_doc
from mock_ksef.crypto.keys import KeyRing
from mock_ksef.domain.session_store import DecodedSessions
from mock_ksef.http.context import services
from mock_ksef.http.permission_gate import REQUIRED, required_permissions
from mock_ksef.scenario.model import Fault
from mock_ksef.store.kinds import SESSION
from tests.faults.support import bind
from tests.http.test_read_path_caches import _workers  # two apps on one SQLite file
from tests.lifecycle.client import Caller
from tests.support.auth import body
from tests.support.nips import NIP, OTHER_NIP


@pytest.mark.parametrize(("method", "template"), sorted(REQUIRED))
def test_the_memoised_gate_answers_what_the_walk_answers(method: str, template: str) -> None:
    bare = re.sub(r"\{[^}/]*\}", "20261201-SO-0000000003-941BD67885-A1", template)
    walk = required_permissions.__wrapped__  # the function under the memo
    for _ in range(2):  # the first look fills the memo, the second reads it
        assert required_permissions(method, bare) == walk(method, bare)
        assert required_permissions(method, bare) == REQUIRED[(method, template)]


def test_the_gate_memo_is_bounded_and_knows_unlisted_paths() -> None:
    assert required_permissions("GET", "/sessions/invoices/failed/x/y") == ()
    assert required_permissions("GET", "/sessions/R1/invoices/failed") == (
        "InvoiceWrite",
        "Introspection",
        "PefInvoiceWrite",
        "EnforcementOperations",
    )
    assert required_permissions("DELETE", "/sessions/R1") == ()
    assert required_permissions.cache_info().maxsize == 4096


def test_an_equal_document_gives_the_same_session_a_changed_one_a_new_one(
    tmp_path: Path, clock: FrozenClock, keyring: KeyRing
) -> None:
    app = _workers(f"sqlite:{tmp_path / 'state.sqlite3'}", clock, keyring)[0]
    who = Caller(app, app.test_client(), NIP)
    ref = who.open()
    doc = services(app).store.get(SESSION, ref)
    assert doc is not None
    memo = DecodedSessions(size=2)
    first = memo.decode(ref, doc)
    assert to_doc(first) == doc
    assert memo.decode(ref, dict(doc)) is first  # equal content: no decode
    changed = {**doc, "status_code": 170}
    second = memo.decode(ref, changed)
    assert second is not first
    assert second.status_code == 170
    memo.decode("other-1", doc)
    memo.decode("other-2", doc)  # full: the table starts again
    assert memo.decode(ref, changed) is not second
    assert memo.decode(ref, changed).status_code == 170


def test_a_session_closed_through_one_worker_is_read_closed_by_the_other(
    tmp_path: Path, clock: FrozenClock, keyring: KeyRing
) -> None:
    """The second worker decoded the open session; the first closes it; the second's next
    poll decodes the new document (the memo compares the document, not the reference)."""
    first, second = _workers(f"sqlite:{tmp_path / 'state.sqlite3'}", clock, keyring)
    who = Caller(first, first.test_client(), NIP)
    ref = who.open()
    other = second.test_client()
    polled = body(other.get(f"/v2/sessions/{ref}", headers=who.headers))
    assert polled["status"]["code"] == 100
    assert body(other.get(f"/v2/sessions/{ref}", headers=who.headers)) == polled
    who.close(ref)
    after = body(other.get(f"/v2/sessions/{ref}", headers=who.headers))
    assert after["status"] == {
        "code": 440,
        "description": "Sesja anulowana",
        "details": ["Nie przesłano faktur"],
    }
    assert after == who.status(ref)


def _draws(app: Flask, nip: str, n: int = 16) -> list[int]:
    """``n`` session lists by a fresh login to ``nip`` under a 50 % 503 fault."""
    client = app.test_client()
    # A first request adopts the shared settings (a new epoch reloads the scenarios).
    assert client.get("/_mock/health").status_code == 200
    bind(app, nip, _FLAKY, name=f"flaky-{nip}")
    who = Caller(app, client, nip)
    return [
        client.get("/v2/sessions?sessionType=Online", headers=who.headers).status_code
        for _ in range(n)
    ]


_FLAKY = Fault("status", route="GET /sessions", status=503, body="empty", probability=0.5)


def test_fault_draws_use_the_seed_another_worker_set(
    tmp_path: Path, clock: FrozenClock, keyring: KeyRing
) -> None:
    """The gate takes the seed the request's shared-settings refresh applied (no second
    read of the document): a seed set through the first worker decides the second's draws."""
    first, second = _workers(f"sqlite:{tmp_path / 'state.sqlite3'}", clock, keyring)
    (tmp_path / "alone").mkdir()
    alone = _workers(f"sqlite:{tmp_path / 'alone.sqlite3'}", clock, keyring)[0]
    with_seed_1 = _draws(alone, OTHER_NIP)
    assert set(with_seed_1) == {200, 503}
    assert first.test_client().post("/_mock/seed", json={"seed": 99}).status_code == 200
    assert services(second).ids.seed == 1  # not refreshed yet: its next request does it
    reseeded = _draws(second, OTHER_NIP)
    assert services(second).ids.seed == 99
    assert set(reseeded) == {200, 503}
    assert reseeded != with_seed_1
    (tmp_path / "alone99").mkdir()
    alone99 = _workers(f"sqlite:{tmp_path / 'alone99.sqlite3'}", clock, keyring)[0]
    assert alone99.test_client().post("/_mock/seed", json={"seed": 99}).status_code == 200
    assert _draws(alone99, OTHER_NIP) == reseeded
