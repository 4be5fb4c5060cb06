"""How an accepted invoice enters the receiving side.

:func:`record_received_invoice` is the one public way in: it derives the metadata from
the XML bytes and stores record, roles and bytes. Online and batch acceptance reach it
through :func:`record_accepted`, which adds the dates a session's scenario gives
(``retrieval.download_lag_seconds``, ``retrieval.permanent_storage_delay_seconds``);
anything that stores invoices "as if another context had sent them" calls it directly.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from mock_ksef.domain.invoice import Invoice
from mock_ksef.domain.invoice_rules import matching_rule
from mock_ksef.domain.retrieval.derive import derive_content
from mock_ksef.domain.retrieval.record import (
    InvoiceContent,
    InvoiceRecord,
    StorageDates,
    build_record,
    roles,
)
from mock_ksef.domain.retrieval.repo import Received, ReceivedInvoices
from mock_ksef.domain.session import FormCode, Session
from mock_ksef.scenario.model import NATURAL, InvoiceMatch, InvoiceRule, Outcome, RetrievalPlan
from mock_ksef.scenario.registry import ScenarioRegistry, UnknownScenario

_ANY = InvoiceMatch()


def record_received_invoice(
    repo: ReceivedInvoices,
    xml: bytes,
    *,
    ksef_number: str,
    form_code: FormCode,
    dates: StorageDates,
    invoicing_mode: str = "Online",
    invoice_hash: str | None = None,
    hash_of_corrected_invoice: str | None = None,
) -> InvoiceRecord:
    """Store an accepted invoice for retrieval and return its metadata record.

    Args:
        repo: the received-invoice repository over the mock's store.
        xml: the invoice file exactly as sent (kept byte for byte: the download body).
        ksef_number: its KSeF number (35 characters).
        form_code: the session's form code (``FA (3)``/``1-0E``/``FA`` ...).
        dates: invoicing, acquisition and permanent-storage dates (and, to hold the
            invoice back, when it becomes visible).
        invoicing_mode: ``Online`` or ``Offline``.
        invoice_hash: Base64 SHA-256 of ``xml`` (computed when not given).
        hash_of_corrected_invoice: the send request's ``hashOfCorrectedInvoice``.
    """
    content = derive_content(xml, form_code.system_code)
    record = build_record(
        xml,
        content,
        ksef_number=ksef_number,
        form_code=form_code,
        dates=dates,
        invoicing_mode=invoicing_mode,
        invoice_hash=invoice_hash,
        hash_of_corrected_invoice=hash_of_corrected_invoice,
    )
    repo.save(record, roles(content), xml)
    return record


@dataclass(frozen=True)
class KnownInvoice:
    """An invoice to record whose metadata is already known, so its bytes are not parsed
    again: the arguments of :func:`record_received_invoice` plus the ``content`` that
    :func:`~mock_ksef.domain.retrieval.derive.derive_content` would read from ``xml``."""

    xml: bytes
    content: InvoiceContent
    ksef_number: str
    form_code: FormCode
    dates: StorageDates
    invoicing_mode: str = "Online"
    invoice_hash: str | None = None
    hash_of_corrected_invoice: str | None = None


def record_received_invoices(
    repo: ReceivedInvoices, invoices: Iterable[KnownInvoice], *, visible_at: datetime | None = None
) -> int:
    """The bulk sibling of :func:`record_received_invoice`: the same records, roles and
    bytes for each invoice, written in one transaction with the store's bulk writes.
    ``visible_at``: the mock's clock, if known (no pending mark for what is visible then).

    The caller vouches that each ``content`` equals what the bytes say (the inbox
    generator, whose equivalence a test checks). Returns how many were recorded.
    """

    def received() -> Iterator[Received]:
        for known in invoices:
            record = build_record(
                known.xml,
                known.content,
                ksef_number=known.ksef_number,
                form_code=known.form_code,
                dates=known.dates,
                invoicing_mode=known.invoicing_mode,
                invoice_hash=known.invoice_hash,
                hash_of_corrected_invoice=known.hash_of_corrected_invoice,
            )
            yield record, roles(known.content), known.xml

    return repo.save_many(received(), visible_at=visible_at)


def plan_of(scenarios: ScenarioRegistry, session: Session) -> RetrievalPlan:
    """The retrieval plan of the session's scenario (natural when it is gone)."""
    try:
        return scenarios.get(session.scenario).retrieval
    except UnknownScenario:
        return NATURAL.retrieval


def storage_dates(plan: RetrievalPlan, invoice: Invoice, now: datetime) -> StorageDates:
    """The dates of ``invoice`` accepted ``now`` under ``plan``."""
    stored = now + timedelta(seconds=plan.download_lag_seconds)
    held = timedelta(0)
    if plan.permanent_storage_delay_seconds:
        rule = InvoiceRule(plan.delay_match or _ANY, Outcome(200))
        if matching_rule((rule,), invoice) is not None:
            held = timedelta(seconds=plan.permanent_storage_delay_seconds)
    return StorageDates(invoice.invoicing_date, now, stored, stored + held)


def record_accepted(
    repo: ReceivedInvoices,
    scenarios: ScenarioRegistry,
    session: Session,
    invoice: Invoice,
    xml: bytes,
    ksef_number: str,
    now: datetime,
) -> StorageDates:
    """Record an invoice a session accepted ``now``; the dates its row shows."""
    dates = storage_dates(plan_of(scenarios, session), invoice, now)
    record_received_invoice(
        repo,
        xml,
        ksef_number=ksef_number,
        form_code=session.form_code,
        dates=dates,
        invoicing_mode=invoice.invoicing_mode,
        invoice_hash=invoice.invoice_hash,
        hash_of_corrected_invoice=invoice.hash_of_corrected_invoice,
    )
    return dates
