"""The IZ operations: ``POST /collective-identifiers`` (G), ``POST …/query`` (Q),
``GET …/ksef/{ksefNumber}`` (K) and ``POST …/invoices`` (I).

Parse, compose the narrow domain inputs (the IZ repository, the received invoices, the
caller's context, the clock, the context's ``maxInvoices``), call the use case, dump.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, request

from mock_ksef.domain.auth.values import Principal
from mock_ksef.domain.collective.collective_repo import CollectiveIdentifiers
from mock_ksef.domain.collective.collective_use_cases import (
    generate,
    identifiers_of_invoice,
    invoices_of,
    query_identifiers,
)
from mock_ksef.domain.collective.collective_values import IzInvoiceRow, IzListed
from mock_ksef.domain.errors import Forbidden
from mock_ksef.domain.paging import PageSizes
from mock_ksef.domain.retrieval.repo import ReceivedInvoices
from mock_ksef.domain.retrieval.use_cases import canonical_number
from mock_ksef.domain.testdata import collective_identifier_max_invoices
from mock_ksef.http.bodies import load_request, page_size
from mock_ksef.http.collective_schemas import (
    GenerateSchema,
    InvoicesQuerySchema,
    QuerySchema,
)
from mock_ksef.http.context import services
from mock_ksef.http.guard import require
from mock_ksef.timefmt import iso

bp = Blueprint("collective_identifiers", __name__)
#: ``x-required-permissions`` of all four operations (any one of them).
IZ_PERMISSIONS = ("InvoiceRead", "InvoiceWrite", "CollectiveIdentifierManage")
LIST_PAGES = PageSizes(10, 200)
INVOICE_PAGES = PageSizes(10, 500)
_generate, _query, _invoices = GenerateSchema(), QuerySchema(), InvoicesQuerySchema()


def _caller() -> Principal:
    """The caller, 403 without any of :data:`IZ_PERMISSIONS`.

    Only the token's own permission list is read (``Owner`` counts as all of them); the
    generic ``x-required-permissions`` gate of the tokens work replaces this check.
    """
    principal = require()
    held = set(principal.permissions)
    if not held & {*IZ_PERMISSIONS, "Owner"}:
        raise Forbidden(
            "Brak wymaganych uprawnień do wykonania operacji w bieżącym kontekście.",
            "missing-permissions",
            {
                "requiredAnyOfPermissions": IZ_PERMISSIONS,
                "presentPermissions": principal.permissions,
            },
        )
    return principal


def _token() -> str | None:
    return request.headers.get("x-continuation-token") or None


def _listed(row: IzListed, *, with_count: bool) -> dict[str, Any]:
    item: dict[str, Any] = {"collectiveIdentifierNumber": row.number}
    if with_count:
        item["dateCreated"] = iso(row.date_created)
        item["invoiceCount"] = row.invoice_count
        item["createdInCurrentContext"] = row.created_here
    else:
        item["createdInCurrentContext"] = row.created_here
        item["dateCreated"] = iso(row.date_created)
    return item


def _invoice_row(row: IzInvoiceRow) -> dict[str, Any]:
    item: dict[str, Any] = {"ksefNumber": row.ksef_number, "collectiveIdentifierNumber": row.number}
    if not row.details_hidden:
        entry = row.entry
        # A null ``payment`` is left out: the spec's ``allOf`` + ``nullable`` admits no null.
        if entry.amount is not None:
            item["payment"] = {"amount": float(entry.amount), "currency": entry.currency}
        item["description"] = entry.description
    item["detailsHidden"] = row.details_hidden
    return item


@bp.post("/collective-identifiers")
def create() -> tuple[Response, int]:
    """G: 201 ``{collectiveIdentifierNumber}``."""
    principal = _caller()
    body = load_request(_generate)
    svc = services()
    iz = generate(
        CollectiveIdentifiers(svc.store),
        ReceivedInvoices(svc.store),
        principal.context,
        body["invoices"],
        svc.now(),
        svc.new_ksef_number,
        max_invoices=collective_identifier_max_invoices(svc.store, principal.context),
    )
    return jsonify({"collectiveIdentifierNumber": iz.number}), 201


@bp.post("/collective-identifiers/query")
def query() -> Response:
    """Q: the IZs of the context (and, for a NIP, those over its invoices as seller)."""
    principal = _caller()
    size = page_size(LIST_PAGES)
    body = load_request(_query)
    page = query_identifiers(
        CollectiveIdentifiers(services().store), principal.context, body, size, _token()
    )
    return jsonify(
        {
            "continuationToken": page.continuation_token,
            "collectiveIdentifiers": [_listed(r, with_count=True) for r in page.items],
        }
    )


@bp.get("/collective-identifiers/ksef/<ksef_number>")
def by_ksef_number(ksef_number: str) -> Response:
    """K: the IZs holding one invoice that this context may see."""
    principal = _caller()
    size = page_size(LIST_PAGES)
    number = canonical_number(ksef_number)  # 21405 off the KsefNumber pattern
    store = services().store
    page = identifiers_of_invoice(
        CollectiveIdentifiers(store),
        ReceivedInvoices(store),
        principal.context,
        number,
        size,
        _token(),
    )
    return jsonify(
        {
            "continuationToken": page.continuation_token,
            "collectiveIdentifiers": [_listed(r, with_count=False) for r in page.items],
        }
    )


@bp.post("/collective-identifiers/invoices")
def invoices() -> Response:
    """I: the invoices of up to 10 IZs, details hidden from unrelated callers."""
    principal = _caller()
    size = page_size(INVOICE_PAGES)
    body = load_request(_invoices)
    store = services().store
    page = invoices_of(
        CollectiveIdentifiers(store),
        ReceivedInvoices(store),
        principal.context,
        body["collectiveIdentifierNumbers"],
        size,
        _token(),
    )
    return jsonify(
        {
            "continuationToken": page.continuation_token,
            "invoices": [_invoice_row(r) for r in page.items],
        }
    )
