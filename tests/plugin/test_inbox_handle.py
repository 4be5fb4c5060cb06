"""``ksef_mock.inbox(...)`` and a scenario's ``inbox:`` block give a context its invoices."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest

from mock_ksef.inbox import GeneratedInvoice
from mock_ksef.timefmt import iso
from tests.support.auth import login_live

pytestmark = pytest.mark.usefixtures("ksef_mock_validated")
NIP = "5265877635"


def _expected(generated: GeneratedInvoice) -> dict[str, Any]:
    body = generated.metadata()
    if body["hashOfCorrectedInvoice"] is None:
        del body["hashOfCorrectedInvoice"]
    return body


def _query(ksef_mock, token: str) -> list[dict[str, Any]]:
    since = iso(ksef_mock.clock.now() - timedelta(days=99))
    body = {
        "subjectType": "Subject2",
        "dateRange": {"dateType": "PermanentStorage", "from": since},
    }
    response = httpx.post(
        ksef_mock.url_for("/v2/invoices/query/metadata?pageSize=250"),
        json=body,
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200, response.text
    return list(response.json()["invoices"])


def test_the_handle_stores_an_inbox_the_query_returns(ksef_mock):
    """Returned invoices == what the buyer's metadata query lists, in PS order."""
    invoices = ksef_mock.inbox(NIP, 30, days=20, seed=4)
    assert len(invoices) == 30
    token = login_live(ksef_mock.url, NIP)
    listed = _query(ksef_mock, token)
    ordered = sorted(invoices, key=lambda g: (g.permanent_storage_date, g.ksef_number))
    assert listed == [_expected(g) for g in ordered]


def test_a_scenario_inbox_block_fills_on_the_first_retrieval_call_once(ksef_mock):
    """inbox: {count: 12, days: 10}: 12 invoices on the first query, still 12 on the second."""
    ksef_mock.load_scenario(
        f"name: with-inbox\nselect:\n  contexts: ['{NIP}']\ninbox:\n  count: 12\n  days: 10\n"
        "  seed: 3\n  mix:\n    corrections: 0.25\n"
    )
    token = login_live(ksef_mock.url, NIP)
    first = _query(ksef_mock, token)
    assert len(first) == 12
    assert sum(m["invoiceType"] == "Kor" for m in first) == 3
    assert _query(ksef_mock, token) == first
