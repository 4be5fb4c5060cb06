"""Save generated invoices exactly as the mock saves the invoices it accepts.

Each generated invoice enters the receiving side as
:func:`~mock_ksef.domain.retrieval.acceptance.record_received_invoice` (the one way in that
online and batch acceptance use) would store it: record, role entries, the bytes under
``invoice-xml/{ksefNumber}``, with the generated dates. Its metadata is not parsed out of
the bytes again: :func:`content_of` builds it from what the generator knows, which
``tests/inbox/test_bulk_storing.py`` proves equal to ``derive_content`` of the bytes, and
the records go in through the bulk sibling ``record_received_invoices``, :data:`CHUNK` at a time.

The duplicate key ``{seller NIP}|{kind}|{number}`` -> first acceptance is kept as well, so
a live seller sending the same number meets KSeF's duplicate check. No ``Session`` or
session ``Invoice`` rows are written: the sellers' sessions happened elsewhere.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from decimal import Decimal
from itertools import islice

from mock_ksef.domain.repos import Repos
from mock_ksef.domain.retrieval.acceptance import KnownInvoice, record_received_invoices
from mock_ksef.domain.retrieval.record import Identifier, InvoiceContent, StorageDates, ThirdSubject
from mock_ksef.domain.retrieval.repo import ReceivedInvoices
from mock_ksef.domain.session import FormCode
from mock_ksef.inbox.generated import GeneratedInvoice
from mock_ksef.store.base import Row
from mock_ksef.store.kinds import DUPLICATE

#: Invoices per bulk write (bounds the rows held at once, ~12 kB each: ~50 MB; all in one
#: transaction). 4,000 rather than 2,000: SQLite's sorted index inserts touch fewer pages
#: per row (50,000 invoices: 11.2 s CPU with 8,000, 12.6 s with 2,000).
CHUNK = 4000
_CENT = Decimal("0.01")


def storage_dates(generated: GeneratedInvoice) -> StorageDates:
    """The generated invoicing, acquisition and permanent-storage dates."""
    return StorageDates(
        generated.invoicing_date, generated.acquisition_date, generated.permanent_storage_date
    )


def _money(value: Decimal) -> float:
    """As ``derive.py`` turns an amount of the XML into the metadata's number."""
    return float(value.quantize(_CENT))


def content_of(generated: GeneratedInvoice) -> InvoiceContent:
    """The metadata ``derive_content`` reads from ``generated.xml``, from the generator's
    own fields (``P_2``, ``P_1``, the parties, Σ ``P_13_*``, Σ ``P_14_*``/``P_14_*W``, ``P_15``)."""
    return InvoiceContent(
        invoice_number=generated.invoice_number,
        issue_date=generated.issue_date.isoformat(),
        seller_nip=generated.seller_nip,
        seller_name=generated.seller_name,
        buyer=Identifier(generated.buyer.type, generated.buyer.value),
        buyer_name=generated.buyer_name,
        net_amount=_money(generated.net_amount),
        vat_amount=_money(generated.vat_amount),
        gross_amount=_money(generated.gross_amount),
        currency=generated.currency,
        invoice_type=generated.invoice_type,
        form_type="FA",
        is_self_invoicing=generated.is_self_invoicing,
        has_attachment=generated.has_attachment,
        third_subjects=tuple(
            ThirdSubject(Identifier(t.identifier.type, t.identifier.value), t.name, t.role)
            for t in generated.third_subjects
        ),
    )


def duplicate_key(generated: GeneratedInvoice) -> str:
    """KSeF's duplicate key of the invoice: seller NIP, kind and number."""
    return f"{generated.seller_nip}|{generated.invoice_kind}|{generated.invoice_number}"


@contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """Pause the cyclic garbage collector (reference counting still frees everything).

    A bulk store allocates millions of small rows (no cycles among them); each collection
    would walk every object alive, the caller's pre-generated invoices included: it
    measured half the CPU of storing 100,000 invoices in memory. Restored on exit.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def store_inbox(
    invoices: Iterable[GeneratedInvoice], repos: Repos, *, now: datetime | None = None
) -> int:
    """Save ``invoices`` in one store transaction; return how many were saved.

    A duplicate key already taken (by a live invoice or an earlier inbox) keeps its first
    acceptance, as KSeF's duplicate check would. ``now``: the mock's clock while storing
    (the control route and the scenario fill pass it); an invoice already visible then
    needs no ``retrieval-pending`` mark, which saves a document and an index row each.
    """
    received = ReceivedInvoices(repos.store)
    forms: dict[tuple[str, str], FormCode] = {}
    count = 0
    stream = iter(invoices)
    with _no_cycle_collection(), repos.store.transaction():
        while chunk := list(islice(stream, CHUNK)):
            known = []
            duplicates: list[Row] = []
            for generated in chunk:
                form_key = (generated.system_code, generated.schema_version)
                known.append(
                    KnownInvoice(
                        generated.xml,
                        content_of(generated),
                        ksef_number=generated.ksef_number,
                        form_code=forms.setdefault(form_key, FormCode(*form_key, "FA")),
                        dates=storage_dates(generated),
                        invoicing_mode=generated.invoicing_mode,
                        invoice_hash=generated.invoice_hash,
                        hash_of_corrected_invoice=generated.hash_of_corrected_invoice,
                    )
                )
                # As Repos.remember_acceptance writes it, unless the key is taken.
                first = {
                    "ksefNumber": generated.ksef_number,
                    "sessionReference": generated.session_reference,
                }
                session = {"session": generated.session_reference}
                duplicates.append((duplicate_key(generated), first, session))
            count += record_received_invoices(received, known, visible_at=now)
            repos.store.put_many(DUPLICATE, duplicates, replace=False)
    return count
