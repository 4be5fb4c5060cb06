"""Retrieval values -> the spec's JSON (``InvoiceMetadata``, ``QueryInvoicesMetadataResponse``).

``_metadata.json`` of an export uses :func:`invoice_metadata` too, so both speak the same
camelCase.
"""

from __future__ import annotations

from typing import Any

from mock_ksef.domain.retrieval.record import Identifier, InvoiceRecord
from mock_ksef.domain.retrieval.use_cases import MetadataPage
from mock_ksef.timefmt import iso


def _identifier(identifier: Identifier) -> dict[str, Any]:
    return {"type": identifier.type, "value": identifier.value}


def invoice_metadata(record: InvoiceRecord) -> dict[str, Any]:
    """``InvoiceMetadata``."""
    content = record.content
    authorized = content.authorized_subject
    form = record.form_code
    body: dict[str, Any] = {
        "ksefNumber": record.ksef_number,
        "invoiceNumber": content.invoice_number,
        "issueDate": content.issue_date,
        "invoicingDate": iso(record.invoicing_date),
        "acquisitionDate": iso(record.acquisition_date),
        "permanentStorageDate": iso(record.permanent_storage_date),
        "seller": {"nip": content.seller_nip, "name": content.seller_name},
        "buyer": {"identifier": _identifier(content.buyer), "name": content.buyer_name},
        "netAmount": content.net_amount,
        "grossAmount": content.gross_amount,
        "vatAmount": content.vat_amount,
        "currency": content.currency,
        "invoicingMode": record.invoicing_mode,
        "invoiceType": content.invoice_type,
        "formCode": {
            "systemCode": form.system_code,
            "schemaVersion": form.schema_version,
            "value": form.value,
        },
        "isSelfInvoicing": content.is_self_invoicing,
        "hasAttachment": content.has_attachment,
        "invoiceHash": record.invoice_hash,
        "thirdSubjects": [
            {"identifier": _identifier(t.identifier), "name": t.name, "role": t.role}
            for t in content.third_subjects
        ],
    }
    # ``allOf`` + ``nullable`` in the spec: absent rather than null (clients read null).
    if record.hash_of_corrected_invoice is not None:
        body["hashOfCorrectedInvoice"] = record.hash_of_corrected_invoice
    if authorized is not None:
        body["authorizedSubject"] = {
            "nip": authorized.nip,
            "name": authorized.name,
            "role": authorized.role,
        }
    return body


def metadata_page(page: MetadataPage) -> dict[str, Any]:
    """``QueryInvoicesMetadataResponse``."""
    hwm = page.permanent_storage_hwm
    return {
        "hasMore": page.has_more,
        "isTruncated": page.is_truncated,
        "permanentStorageHwmDate": None if hwm is None else iso(hwm),
        "invoices": [invoice_metadata(record) for record in page.invoices],
    }
