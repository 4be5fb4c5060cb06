"""``POST /invoices/query/metadata`` and ``GET /invoices/ksef/{ksefNumber}``.

Parse, compose the narrow domain inputs (repository, clock, the scenario's retrieval
limits), call the use case, dump.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, Response, jsonify

from mock_ksef.domain.auth.values import Principal
from mock_ksef.domain.retrieval.repo import ReceivedInvoices
from mock_ksef.domain.retrieval.selection import RetrievalLimits
from mock_ksef.domain.retrieval.use_cases import download_invoice, query_metadata, require_read
from mock_ksef.http.bodies import load_request
from mock_ksef.http.context import services
from mock_ksef.http.guard import require
from mock_ksef.http.invoice_dumps import metadata_page
from mock_ksef.http.invoice_schemas import InvoiceFiltersSchema, paging_arguments
from mock_ksef.http.traffic_edge import request_scenario
from mock_ksef.inbox.scenario_fill import fill_once

bp = Blueprint("invoices", __name__)
_filters = InvoiceFiltersSchema()


def retrieval_limits(principal: Principal) -> RetrievalLimits:
    """The retrieval limits of the caller's scenario (header, login, or selection).

    The scenario's ``inbox:`` block is filled for the caller's context first (once).
    """
    svc = services()
    scenario = request_scenario(svc, principal, principal.context.value)
    fill_once(svc.store, scenario.inbox, scenario.name, principal.context, svc.now())
    plan = scenario.retrieval
    return RetrievalLimits(
        max_results=plan.max_results, hwm_lag=timedelta(seconds=plan.hwm_lag_seconds)
    )


@bp.post("/invoices/query/metadata")
def query_invoice_metadata() -> Response:
    """One page of ``InvoiceMetadata`` the caller's context sees."""
    principal = require()
    require_read(principal)  # 403 before the body is judged
    paging = paging_arguments()
    filters = load_request(_filters)
    svc = services()
    page = query_metadata(
        ReceivedInvoices(svc.store),
        principal,
        filters,
        paging,
        svc.now(),
        retrieval_limits(principal),
    )
    return jsonify(metadata_page(page))


@bp.get("/invoices/ksef/<ksef_number>")
def get_invoice(ksef_number: str) -> Response:
    """The invoice's bytes exactly as sent, with ``x-ms-meta-hash``."""
    principal = require()
    retrieval_limits(principal)  # fills the scenario's inbox on the first call
    svc = services()
    data, digest = download_invoice(ReceivedInvoices(svc.store), principal, ksef_number, svc.now())
    response = Response(data, mimetype="application/xml")
    response.headers["x-ms-meta-hash"] = digest
    return response
