"""Save generated invoices exactly as the mock saves the invoices it accepts.

Each generated invoice enters the receiving side through
:func:`~mock_ksef.domain.retrieval.acceptance.record_received_invoice`, the one way in
that online and batch acceptance use too (metadata derived from the bytes, record, role
entries, the bytes under ``invoice-xml/{ksefNumber}``), with the generated dates. The
duplicate key ``{seller NIP}|{kind}|{number}`` -> first acceptance is kept as well, so a
live seller sending the same number meets KSeF's duplicate check. No ``Session`` or
session ``Invoice`` rows are written: the sellers' sessions happened elsewhere.
"""

from __future__ import annotations

from collections.abc import Iterable

from mock_ksef.domain.repos import Repos
from mock_ksef.domain.retrieval.acceptance import record_received_invoice
from mock_ksef.domain.retrieval.record import StorageDates
from mock_ksef.domain.retrieval.repo import ReceivedInvoices
from mock_ksef.domain.session import FormCode
from mock_ksef.inbox.generated import GeneratedInvoice


def storage_dates(generated: GeneratedInvoice) -> StorageDates:
    """The generated invoicing, acquisition and permanent-storage dates."""
    return StorageDates(
        generated.invoicing_date, generated.acquisition_date, generated.permanent_storage_date
    )


def store_inbox(invoices: Iterable[GeneratedInvoice], repos: Repos) -> int:
    """Save ``invoices`` in one store transaction; return how many were saved.

    A duplicate key already taken (by a live invoice or an earlier inbox) keeps its first
    acceptance, as KSeF's duplicate check would.
    """
    received = ReceivedInvoices(repos.store)
    forms: dict[tuple[str, str], FormCode] = {}
    count = 0
    with repos.store.transaction():
        for generated in invoices:
            form_key = (generated.system_code, generated.schema_version)
            form = forms.setdefault(form_key, FormCode(*form_key, "FA"))
            record_received_invoice(
                received,
                generated.xml,
                ksef_number=generated.ksef_number,
                form_code=form,
                dates=storage_dates(generated),
                invoicing_mode=generated.invoicing_mode,
                invoice_hash=generated.invoice_hash,
                hash_of_corrected_invoice=generated.hash_of_corrected_invoice,
            )
            key = f"{generated.seller_nip}|{generated.invoice_kind}|{generated.invoice_number}"
            if repos.find_duplicate(key) is None:
                repos.remember_acceptance(key, generated.ksef_number, generated.session_reference)
            count += 1
    return count
