"""The dashboard's inbox panel: the contexts that received invoices or asked for exports,
and for one of them its newest received invoices and its exports.

Read only: exports are shown as stored (a dashboard never finishes one: that is the
client's status poll), invoices by permanent storage, newest first, with those not yet
visible marked. Counts come from the ``retrieval-inbox`` tally, so a poll costs the same
whatever the inbox holds.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from mock_ksef.codec import from_doc
from mock_ksef.domain.exports.export_refusals import STATUS_TEXTS
from mock_ksef.domain.exports.job import ExportJob
from mock_ksef.domain.retrieval.record import InvoiceRecord
from mock_ksef.domain.retrieval.repo import RECEIVED, ReceivedInvoices
from mock_ksef.store.base import Store
from mock_ksef.store.kinds import INVOICE_EXPORT as EXPORT
from mock_ksef.timefmt import iso

#: Received invoices shown per context (newest first), and exports.
NEWEST = 10
EXPORTS_MAX = 10


def _invoice(record: InvoiceRecord, now: datetime) -> dict[str, Any]:
    content = record.content
    return {
        "ksefNumber": record.ksef_number,
        "invoiceNumber": content.invoice_number,
        "seller": {"nip": content.seller_nip, "name": content.seller_name},
        "grossAmount": content.gross_amount,
        "currency": content.currency,
        "issueDate": content.issue_date,
        "invoicingDate": iso(record.invoicing_date),
        "permanentStorageDate": iso(record.permanent_storage_date),
        "visible": record.available_from <= now,
    }


def _export(job: ExportJob) -> dict[str, Any]:
    description, details = STATUS_TEXTS.get(job.status, (f"Status {job.status}", ()))
    package = job.package
    return {
        "referenceNumber": job.reference,
        "created": iso(job.created),
        "subjectType": job.filters.subject_type,
        "status": {"code": job.status, "description": description, "details": list(details)},
        "invoiceCount": package.invoice_count if package else None,
        "isTruncated": package.is_truncated if package else None,
    }


def inbox_view(store: Store, wanted: str | None, now: datetime) -> dict[str, Any]:
    """``{contexts[{context, received, exports}], context, received, invoices[], exports[]}``.

    ``wanted`` picks the context (a ``ContextId.key`` such as ``Nip:5265877635``); an
    unknown or absent one falls back to the context that received the most invoices (ties:
    the first key), else to the first context with exports.
    """
    repo = ReceivedInvoices(store)
    received: dict[str, int] = {}
    roles: dict[str, list[str]] = {}
    for tally in repo.inboxes():
        context = str(tally["context"])
        received[context] = received.get(context, 0) + int(tally["count"])
        roles.setdefault(context, []).append(str(tally["subjectType"]))
    jobs: dict[str, list[ExportJob]] = {}
    for doc in store.find(EXPORT):
        job = from_doc(ExportJob, doc)
        jobs.setdefault(job.context_key, []).append(job)
    keys = sorted({*received, *jobs})
    contexts = [
        {"context": key, "received": received.get(key, 0), "exports": len(jobs.get(key, ()))}
        for key in keys
    ]
    chosen: str | None
    if wanted in keys:
        chosen = wanted
    elif received:
        chosen = min(received, key=lambda key: (-received[key], key))
    else:
        chosen = keys[0] if keys else None
    records: list[InvoiceRecord] = []
    for subject_type in roles.get(chosen or "", []):
        if subject_type in RECEIVED:
            records += repo.newest(subject_type, chosen or "", NEWEST)
    newest = sorted(
        {r.ksef_number: r for r in records}.values(),
        key=lambda r: (r.permanent_storage_date, r.ksef_number),
        reverse=True,
    )[:NEWEST]
    exports = sorted(jobs.get(chosen or "", []), key=lambda j: (j.created, j.reference))
    return {
        "contexts": contexts,
        "context": chosen,
        "received": received.get(chosen or "", 0),
        "invoices": [_invoice(r, now) for r in newest],
        "exports": [_export(j) for j in exports[::-1][:EXPORTS_MAX]],
    }
