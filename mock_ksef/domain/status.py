"""Reading sessions and invoices: lists with continuation tokens, invoice status, UPOs.

A single session's status is :func:`mock_ksef.domain.session_store.poll`; every load of a
session here goes through :mod:`mock_ksef.domain.session_store` too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from mock_ksef.crypto.digest import sha256_b64
from mock_ksef.domain import session_store
from mock_ksef.domain.auth.values import Principal
from mock_ksef.domain.deps import SessionDeps
from mock_ksef.domain.errors import UpoNotFound, ValidationFailed
from mock_ksef.domain.invoice import Invoice
from mock_ksef.domain.paging import Page, paginate
from mock_ksef.domain.session import Session, SessionKind, common_status
from mock_ksef.xml.upo import UpoEntry, UpoHeader, render_invoice_upo, render_session_upo_page


@dataclass(frozen=True)
class SessionFilter:
    """Filters of ``GET /sessions``."""

    kind: SessionKind
    reference: str | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None
    closed_from: datetime | None = None
    closed_to: datetime | None = None
    modified_from: datetime | None = None
    modified_to: datetime | None = None
    statuses: tuple[str, ...] = ()

    def accepts(self, s: Session) -> bool:
        """Whether session ``s`` passes every filter."""
        checks: list[Callable[[], bool]] = [
            lambda: self.reference is None or s.reference == self.reference,
            lambda: _within(s.created, self.created_from, self.created_to),
            lambda: _within(s.updated, self.modified_from, self.modified_to),
            lambda: (
                (self.closed_from is None and self.closed_to is None)
                or (
                    s.closed_at is not None
                    and _within(s.closed_at, self.closed_from, self.closed_to)
                )
            ),
            lambda: not self.statuses or common_status(s.status_code) in self.statuses,
        ]
        return all(check() for check in checks)


def _within(value: datetime, low: datetime | None, high: datetime | None) -> bool:
    return (low is None or value >= low) and (high is None or value <= high)


def list_sessions(
    deps: SessionDeps,
    principal: Principal,
    flt: SessionFilter,
    page_size: int,
    token: str | None,
    own: Callable[[Session], bool] | None = None,
) -> Page[Session]:
    """Sessions of the caller's context, newest first (each advanced to now); with ``own``,
    only those it accepts (an InvoiceWrite caller sees its own sessions only)."""
    sessions = session_store.all_in_context(deps, principal.context.key, flt.kind)
    shown = (s for s in sessions if flt.accepts(s) and (own is None or own(s)))
    chosen = sorted(shown, key=lambda s: s.created, reverse=True)
    scope = f"sessions:{flt.kind.value}:{principal.context.key}:{'own' if own else 'all'}"
    return paginate(chosen, page_size, token, scope=scope)


#: Invoice codes that are not failures: received, processing, accepted.
INVOICE_NOT_FAILED = frozenset({100, 150, 200})


def list_invoices(
    deps: SessionDeps,
    principal: Principal,
    reference: str,
    page_size: int,
    token: str | None,
    *,
    failed_only: bool = False,
) -> Page[Invoice]:
    """Invoices of a session in ordinal order (only failed ones if asked)."""
    session_store.visible(deps, principal, reference)
    invoices = deps.repos.invoices_in_session(reference)
    if failed_only:
        invoices = [i for i in invoices if i.status_code not in INVOICE_NOT_FAILED]
    scope = f"invoices:{reference}:{'failed' if failed_only else 'all'}"
    return paginate(invoices, page_size, token, scope=scope)


def get_invoice(
    deps: SessionDeps, principal: Principal, reference: str, invoice_reference: str
) -> Invoice:
    """One invoice of a session (21405 when there is none, as the spec documents)."""
    session_store.visible(deps, principal, reference)
    invoice = deps.repos.get_invoice(invoice_reference)
    if invoice is None or invoice.session_reference != reference:
        raise ValidationFailed(
            f"Faktura o numerze referencyjnym {invoice_reference} nie została znaleziona "
            f"w sesji {reference}."
        )
    return invoice


def _header(deps: SessionDeps, session: Session) -> UpoHeader:
    auth = deps.repos.get_auth(session.auth_reference)
    token_reference = auth.ksef_token_reference if auth else None
    document_hash = auth.auth_document_hash if auth else None
    if not token_reference and not document_hash:
        # The UPO needs one of the two; an operation without either (e.g. state from an
        # older version) is named by its own reference rather than failing the download.
        token_reference = session.auth_reference
    return UpoHeader(
        entity_name=deps.config.upo_entity_name,
        session_reference=session.reference,
        context=session.context,
        ksef_token_reference=token_reference,
        auth_document_hash=document_hash,
        form_code=session.form_code,
    )


def _entry(invoice: Invoice) -> UpoEntry:
    assert invoice.ksef_number
    assert invoice.acquisition_date
    return UpoEntry(
        seller_nip=invoice.seller_nip or "",
        ksef_number=invoice.ksef_number,
        invoice_number=invoice.invoice_number or "",
        issue_date=invoice.issue_date or "",
        invoicing_date=invoice.invoicing_date,
        acquisition_date=invoice.acquisition_date,
        invoice_hash=invoice.invoice_hash,
        mode=invoice.invoicing_mode,
    )


def _cached(deps: SessionDeps, key: str, render: Callable[[], bytes]) -> bytes:
    with deps.store.transaction():
        data = deps.store.get_blob(key)
        if data is None:
            data = render()
            deps.store.put_blob(key, data)
        return data


def invoice_upo(deps: SessionDeps, session: Session, invoice: Invoice) -> bytes:
    """The signed UPO of one accepted invoice (rendered once, then served as stored)."""
    if not invoice.succeeded or invoice.session_reference != session.reference:
        raise UpoNotFound(
            f"UPO o numerze KSeF {invoice.ksef_number} i numerze referencyjnym sesji "
            f"{session.reference} nie zostało znalezione."
        )
    return _cached(
        deps,
        f"upo/invoice/{invoice.ksef_number}",
        lambda: render_invoice_upo(_header(deps, session), _entry(invoice), deps.keys.upo),
    )


def find_invoice_for_upo(
    deps: SessionDeps,
    session: Session,
    *,
    reference: str | None = None,
    ksef_number: str | None = None,
) -> Invoice:
    """The invoice a UPO request names (21178 when none)."""
    invoice = (
        deps.repos.get_invoice(reference)
        if reference
        else deps.repos.invoice_by_ksef_number(ksef_number or "")
    )
    if invoice is None or invoice.session_reference != session.reference:
        raise UpoNotFound(
            f"UPO o numerze KSeF {ksef_number or reference} i numerze referencyjnym sesji "
            f"{session.reference} nie zostało znalezione."
        )
    return invoice


def session_upo(deps: SessionDeps, session: Session, upo_reference: str) -> bytes:
    """One signed page of a session UPO."""
    page = next((p for p in session.upo_pages if p.reference == upo_reference), None)
    if page is None:
        raise UpoNotFound(f"UPO o numerze referencyjnym {upo_reference} nie zostało znalezione.")

    def render() -> bytes:
        accepted = [
            i
            for i in deps.repos.invoices_in_session(session.reference)
            if i.succeeded and page.first_ordinal <= i.ordinal <= page.last_ordinal
        ]
        total = sum(len(range(p.first_ordinal, p.last_ordinal + 1)) for p in session.upo_pages)
        total = session.successful_count or total
        first = (page.number - 1) * deps.config.upo_page_size + 1
        return render_session_upo_page(
            _header(deps, session),
            [_entry(i) for i in accepted],
            page=page.number,
            page_count=len(session.upo_pages),
            range_from=first,
            range_to=first + len(accepted) - 1,
            total=total,
            signer=deps.keys.upo,
        )

    return _cached(deps, f"upo/session/{upo_reference}", render)


def meta_hash(data: bytes) -> str:
    """``x-ms-meta-hash``: Base64 SHA-256 of the served bytes."""
    return sha256_b64(data)


def link_expiry(deps: SessionDeps) -> datetime:
    """When download links made now stop working."""
    return deps.clock.now() + timedelta(seconds=deps.config.upo_link_ttl_s)
