"""One invoice's checks and acceptance, shared by online sends and batch processing.

:func:`process_invoice` decrypts and :func:`check_plain_invoice` runs the XML checks
(:mod:`mock_ksef.xml.invoice_checks`), both outside the store's lock and without
writing; :func:`accept_checked` then decides the invoice under the lock: a duplicate
(440), a scenario's forced outcome, or a KSeF number and the retrieval record.
"""

from __future__ import annotations

import base64
import dataclasses
from dataclasses import dataclass
from datetime import datetime

from mock_ksef.crypto.digest import sha256_b64
from mock_ksef.crypto.envelope import DecryptionError, aes_cbc_decrypt
from mock_ksef.domain import testdata
from mock_ksef.domain.credentials.credential_repo import CredentialRepo
from mock_ksef.domain.credentials.rights import authorising_nips
from mock_ksef.domain.deps import SessionDeps
from mock_ksef.domain.invoice import Invoice
from mock_ksef.domain.invoice_rules import duplicate_details, forced_invoice
from mock_ksef.domain.retrieval.acceptance import record_accepted
from mock_ksef.domain.retrieval.repo import ReceivedInvoices
from mock_ksef.domain.session import Session, SessionKind
from mock_ksef.domain.testdata import SessionLimits, has_attachment_consent
from mock_ksef.timefmt import WARSAW
from mock_ksef.xml.invoice_checks import InvoiceLimits, duplicate_key, verify_invoice


def limits_of(deps: SessionDeps, session: Session) -> SessionLimits:
    """The session limits in force for ``session``'s context and type (``/testdata/limits``)."""
    kind = testdata.ONLINE if session.kind is SessionKind.ONLINE else testdata.BATCH
    return testdata.session_limits(deps.store, deps.config.default_limits, session.context, kind)


@dataclass(frozen=True)
class Checked:
    """An invoice after the checks that need no lock (decryption, XML, dates).

    ``invoice`` failed already when its status is not 100; otherwise
    :func:`accept_checked` decides (duplicates, scenario rules, KSeF number) under the
    store's lock. ``key`` is its duplicate key, ``plain`` the XML to keep if accepted.
    """

    invoice: Invoice
    key: str | None = None
    plain: bytes = b""

    @property
    def pending(self) -> bool:
        """Whether the invoice passed every check made so far."""
        return self.invoice.status_code == 100


def _fail(invoice: Invoice, code: int, *details: str, **extensions: str) -> Invoice:
    return dataclasses.replace(
        invoice, status_code=code, status_details=details, status_extensions=dict(extensions)
    )


def process_invoice(
    deps: SessionDeps,
    session: Session,
    invoice: Invoice,
    encrypted: bytes,
    *,
    online: bool,
) -> Checked:
    """Decrypt and check one invoice (no store writes: see :func:`accept_checked`).

    The plain text must match the hash and size the client declared (``invoice``'s
    ``invoice_hash`` and ``invoice_size``).
    """
    try:
        plain = aes_cbc_decrypt(
            base64.b64decode(session.aes_key), base64.b64decode(session.iv), encrypted
        )
    except DecryptionError as exc:
        return Checked(_fail(invoice, 435, str(exc)))
    if len(plain) != invoice.invoice_size or sha256_b64(plain) != invoice.invoice_hash:
        return Checked(
            _fail(
                invoice,
                430,
                "Skrót lub rozmiar odszyfrowanej faktury nie zgadza się z invoiceHash/invoiceSize.",
            )
        )
    return check_plain_invoice(deps, session, invoice, plain, online=online)


def check_plain_invoice(
    deps: SessionDeps, session: Session, invoice: Invoice, plain: bytes, *, online: bool
) -> Checked:
    """The XML checks of a decrypted invoice; reads the store, never writes it.

    Shared by online sends and batch processing (which calls it once per archive entry).
    """
    limits = limits_of(deps, session)
    context_nip = session.context.value if session.context.type == "Nip" else None
    authorising = authorising_nips(CredentialRepo(deps.store), session.context)
    verdict = verify_invoice(
        plain,
        system_code=session.form_code.system_code,
        schemas=deps.schemas,
        context_nip=context_nip,
        online=online,
        invoicing_date=invoice.invoicing_date,
        limits=InvoiceLimits(limits.max_invoice_bytes, limits.max_invoice_with_attachment_bytes),
        attachment_consent=online
        or has_attachment_consent(
            deps.store, context_nip, invoice.invoicing_date.astimezone(WARSAW).date()
        ),
        authorising_nips=authorising,
    )
    facts = verdict.facts
    invoice = dataclasses.replace(
        invoice,
        invoice_number=facts.invoice_number,
        seller_nip=facts.seller_nip,
        issue_date=facts.issue_date,
        invoice_kind=facts.invoice_kind,
        invoicing_mode=_mode(invoice, facts.issue_date),
    )
    if verdict.code != 200:
        return Checked(_fail(invoice, verdict.code, *verdict.details))
    if session.context.type == "PeppolId" and facts.seller_nip not in authorising:
        return Checked(_fail(invoice, 410, pef_refusal(facts.seller_nip, session.context.value)))
    return Checked(invoice, duplicate_key(facts), plain)


def pef_refusal(seller_nip: str | None, peppol_id: str) -> str:
    """The 410 detail of an invoice a Peppol provider sends for a seller that gave it no
    PefInvoicing authorisation (BRIEF-ADMIN 8.15)."""
    return (
        f"Sprzedawca {seller_nip or '(brak NIP)'} nie nadał dostawcy {peppol_id} uprawnienia "
        "PefInvoicing; brak uprawnień do wystawiania faktur w jego imieniu"
    )


def accept_checked(deps: SessionDeps, session: Session, checked: Checked) -> Invoice:
    """Decide a checked invoice: duplicate, scenario rule or a KSeF number.

    Call it inside ``deps.store.transaction()``, and write the row in the same one: the
    acceptance record must never exist without its invoice row (an invoice accepted
    earlier in the same transaction is seen as the original of a duplicate).
    """
    invoice, key = checked.invoice, checked.key
    if not checked.pending:
        return invoice
    original = deps.repos.find_duplicate(key) if key else None
    if original:
        return _fail(
            invoice,
            440,
            duplicate_details(original["ksefNumber"], original["sessionReference"]),
            originalSessionReferenceNumber=original["sessionReference"],
            originalKsefNumber=original["ksefNumber"],
        )
    forced = forced_invoice(deps.numbering, session, invoice)
    if forced is not None:
        return forced
    return _accept(deps, session, invoice, checked.plain, key)


def _mode(invoice: Invoice, issue_date: str | None) -> str:
    """Offline when asked, or when P_1 is before the Polish date of invoicingDate."""
    if invoice.invoicing_mode == "Offline" or not issue_date:
        return invoice.invoicing_mode
    received = invoice.invoicing_date.astimezone(WARSAW).date().isoformat()
    return "Offline" if issue_date < received else "Online"


def _accept(
    deps: SessionDeps, session: Session, invoice: Invoice, plain: bytes, key: str | None
) -> Invoice:
    now: datetime = deps.clock.now()
    # The number's date is the day the invoice was accepted for processing: the send time
    # online, the session's open time in a batch (BRIEF 7.17); acquisitionDate is now.
    ksef_number = deps.numbering.ksef_number(
        invoice.seller_nip or "0000000000", invoice.invoicing_date
    )
    if key:
        deps.repos.remember_acceptance(key, ksef_number, invoice.session_reference)
    # Stores the XML (blob ``invoice-xml/{ksefNumber}``) and its metadata for retrieval.
    dates = record_accepted(
        ReceivedInvoices(deps.store), deps.scenarios, session, invoice, plain, ksef_number, now
    )
    return dataclasses.replace(
        invoice,
        status_code=200,
        ksef_number=ksef_number,
        acquisition_date=now,
        permanent_storage_date=dates.permanent_storage,
    )
