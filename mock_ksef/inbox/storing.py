"""Save generated invoices exactly as the mock saves the invoices it accepts.

``domain/online.py`` keeps, for an accepted invoice: the :class:`Invoice` record (indexed by
session and KSeF number), the plaintext bytes under ``invoice-xml/{ksefNumber}`` and the
duplicate key ``{seller NIP}|{kind}|{number}`` -> first acceptance. :func:`store_inbox`
writes the same three things, so download and future query paths treat both alike.
"""

from __future__ import annotations

from collections.abc import Iterable

from mock_ksef.domain.invoice import Invoice
from mock_ksef.domain.repos import Repos
from mock_ksef.inbox.generated import GeneratedInvoice

#: Blob key of an accepted invoice's bytes (the key ``domain/online.py`` writes).
XML_BLOB = "invoice-xml/{}"


def accepted_invoice(generated: GeneratedInvoice) -> Invoice:
    """The :class:`Invoice` record the mock would hold had the seller sent ``generated``."""
    return Invoice(
        reference=generated.invoice_reference,
        session_reference=generated.session_reference,
        ordinal=generated.ordinal,
        invoice_hash=generated.invoice_hash,
        invoice_size=generated.size,
        invoicing_date=generated.invoicing_date,
        status_code=200,
        invoice_number=generated.invoice_number,
        seller_nip=generated.seller_nip,
        issue_date=generated.issue_date.isoformat(),
        invoice_kind=generated.invoice_kind,
        ksef_number=generated.ksef_number,
        acquisition_date=generated.acquisition_date,
        permanent_storage_date=generated.permanent_storage_date,
        invoicing_mode=generated.invoicing_mode,
    )


def store_inbox(invoices: Iterable[GeneratedInvoice], repos: Repos) -> int:
    """Save ``invoices`` in one store transaction; return how many were saved.

    A duplicate key already taken (by a live invoice or an earlier inbox) keeps its first
    acceptance, as KSeF's duplicate check would.
    """
    store = repos.store
    count = 0
    with store.transaction():
        for generated in invoices:
            repos.put_invoice(accepted_invoice(generated))
            store.put_blob(XML_BLOB.format(generated.ksef_number), generated.xml)
            key = f"{generated.seller_nip}|{generated.invoice_kind}|{generated.invoice_number}"
            if repos.find_duplicate(key) is None:
                repos.remember_acceptance(key, generated.ksef_number, generated.session_reference)
            count += 1
    return count
