"""Rate-limit groups of the export routes: the spec's, and counted by the limiter."""

from __future__ import annotations

from mock_ksef.scenario.model import RateLimit, RateLimitPlan, Scenario
from mock_ksef.traffic.routes import GROUP_LIMITS, resolve
from tests.exports.support import BUYER, EXPORTS, export_body, start
from tests.lifecycle.client import Caller, with_scenario
from tests.support.client_crypto import SessionKey

REF = "20261124-EH-0000000001-0000000001-00"


def test_export_routes_resolve_to_their_spec_groups():
    """invoiceExport 8/16/20, invoiceExportStatus 10/60/600 (x-rate-limits of 2.9.0)."""
    assert resolve("POST", "/invoices/exports").group == "invoiceExport"
    assert resolve("GET", f"/invoices/exports/{REF}").group == "invoiceExportStatus"
    assert GROUP_LIMITS["invoiceExport"] == RateLimit(8, 16, 20)
    assert GROUP_LIMITS["invoiceExportStatus"] == RateLimit(10, 60, 600)


def test_the_limiter_counts_exports_and_status_polls_apart(app, client):
    """invoiceExport per_hour 1: the second export is 429; status polls are another group."""
    limits = RateLimitPlan(enabled=True, groups={"invoiceExport": RateLimit(per_hour=1)})
    with_scenario(app, Scenario(name="one-export", rate_limits=limits), BUYER)
    buyer = Caller(app, client, BUYER)
    reference = start(client, buyer.headers, export_body(SessionKey.fresh(), app))
    again = client.post(EXPORTS, json=export_body(SessionKey.fresh(), app), headers=buyer.headers)
    assert again.status_code == 429
    assert "Retry-After" in again.headers
    for _ in range(3):
        assert client.get(f"{EXPORTS}/{reference}", headers=buyer.headers).status_code == 200
