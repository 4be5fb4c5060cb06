"""What a role's entry holds: the fields the filters match, as one flat JSON list.

A query that filters beyond the index walks entries and matches each one as stored
(``InvoiceFilters.predicate``), so an entry is kept small and cheap to decode: a list in
the order of :data:`FIELDS` under ``"m"``, about 200 bytes. The record itself is read
from ``retrieval-invoice`` only for what a page returns.

Entries written before this layout hold the whole record document; :func:`fields_of`
reads both, and ``mock-ksef state compact`` (``ReceivedInvoices.reindex``) rewrites them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from mock_ksef.domain.retrieval.record import InvoiceRecord
from mock_ksef.store.base import Doc
from mock_ksef.timefmt import iso

#: The entry's fields, in list order.
FIELDS = (
    "ksef_number",
    "visible",  # available_from as ``iso`` text: compared as text with the query's now
    "invoicing_mode",
    "invoice_number",
    "seller_nip",
    "buyer_type",
    "buyer_value",
    "net_amount",
    "vat_amount",
    "gross_amount",
    "currency",
    "invoice_type",
    "form_type",
    "is_self_invoicing",
    "has_attachment",
)
#: Position of each field in the list.
AT = {name: n for n, name in enumerate(FIELDS)}
#: The amount fields by the ``amount.type`` filter.
AMOUNT_AT = {"Netto": AT["net_amount"], "Vat": AT["vat_amount"], "Brutto": AT["gross_amount"]}


def entry_doc(record: InvoiceRecord) -> Doc:
    """The stored document of a role's entry."""
    content = record.content
    return {
        "m": [
            record.ksef_number,
            iso(record.available_from),
            record.invoicing_mode,
            content.invoice_number,
            content.seller_nip,
            content.buyer.type,
            content.buyer.value,
            content.net_amount,
            content.vat_amount,
            content.gross_amount,
            content.currency,
            content.invoice_type,
            content.form_type,
            content.is_self_invoicing,
            content.has_attachment,
        ]
    }


def fields_of(doc: Doc) -> list[Any]:
    """An entry's fields in :data:`FIELDS` order, from either layout."""
    fields: list[Any] | None = doc.get("m")
    if fields is not None:
        return fields
    content = doc["content"]  # an older entry: the whole record document
    return [
        doc["ksef_number"],
        iso(datetime.fromisoformat(doc["available_from"])),
        doc["invoicing_mode"],
        content["invoice_number"],
        content["seller_nip"],
        content["buyer"]["type"],
        content["buyer"]["value"],
        content["net_amount"],
        content["vat_amount"],
        content["gross_amount"],
        content["currency"],
        content["invoice_type"],
        content["form_type"],
        content["is_self_invoicing"],
        content["has_attachment"],
    ]
