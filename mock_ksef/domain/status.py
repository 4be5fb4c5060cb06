"""Reading sessions and invoices: status, lists with continuation tokens, UPO documents."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from mock_ksef.crypto.digest import sha256_b64
from mock_ksef.domain import lifecycle
from mock_ksef.domain.auth.values import Principal
from mock_ksef.domain.errors import (
    SessionNotFound,
    UpoNotFound,
    ValidationFailed,
)
from mock_ksef.domain.invoice import Invoice
from mock_ksef.domain.paging import Page, paginate
from mock_ksef.domain.session import Session, SessionKind, UpoPage, common_status
from mock_ksef.ids import RefType
from mock_ksef.services import Services
from mock_ksef.xml.upo import UpoEntry, UpoHeader, render_invoice_upo, render_session_upo_page


def save_session(svc: Services, session: Session) -> Session:
    """Advance ``session`` to now, give a finished one its UPO pages, and store it."""
    session = lifecycle.advance(session, svc.now())
    if _needs_upo(session):
        session = dataclasses.replace(session, upo_pages=_plan_upo_pages(svc, session))
    svc.repos.put_session(session)
    return session


def _plan_upo_pages(svc: Services, session: Session) -> tuple[UpoPage, ...]:
    accepted = [i.ordinal for i in svc.repos.invoices_in_session(session.reference) if i.succeeded]
    size = svc.settings.upo_page_size
    chunks = [accepted[i : i + size] for i in range(0, len(accepted), size)]
    when = session.updated
    return tuple(
        UpoPage(svc.new_reference(RefType.UPO, when), n, chunk[0], chunk[-1])
        for n, chunk in enumerate(chunks, start=1)
    )


def _visible(
    svc: Services, principal: Principal, reference: str, kind: SessionKind | None
) -> Session:
    session = svc.repos.get_session(reference)
    if (
        session is None
        or session.context != principal.context
        or (kind is not None and session.kind is not kind)
    ):
        raise SessionNotFound(f"Sesja o numerze referencyjnym {reference} nie została znaleziona.")
    return session


def _stale(svc: Services, session: Session) -> bool:
    advanced = lifecycle.advance(session, svc.now())
    return advanced != session or _needs_upo(advanced)


def _needs_upo(session: Session) -> bool:
    """A finished session with accepted invoices but no UPO pages planned yet."""
    return session.status_code == 200 and not session.upo_pages and session.successful_count > 0


def load_session(
    svc: Services, principal: Principal, reference: str, kind: SessionKind | None = None
) -> Session:
    """A session of the caller's context, advanced to now (21173 otherwise).

    Reads take no lock; only a session with a transition due is re-read and saved
    inside a transaction (so concurrent status polls do not serialise).
    """
    session = _visible(svc, principal, reference, kind)
    if not _stale(svc, session):
        return session
    with svc.store.transaction():
        session = _visible(svc, principal, reference, kind)
        return save_session(svc, session) if _stale(svc, session) else session


def read_status(svc: Services, principal: Principal, reference: str) -> Session:
    """``GET /sessions/{ref}``: the session advanced to now; a read answering 170/150 counts.

    The count is saved without advancing, so the read that completes
    ``plan.processing.polls`` still answers 170/150 and the next one shows the outcome.
    """
    session = load_session(svc, principal, reference)
    if session.status_code != lifecycle.PROCESSING_CODE[session.kind]:
        return session
    if session.batch is not None and session.batch.processing:
        return session  # not counted (lifecycle.count_poll); no lock: a close may hold it
    with svc.store.transaction():
        session = _visible(svc, principal, reference, None)
        if _stale(svc, session):
            session = save_session(svc, session)
        if session.status_code == lifecycle.PROCESSING_CODE[session.kind]:
            session = lifecycle.count_poll(session, svc.now())
            svc.repos.put_session(session)
        return session


def load_any(svc: Services, reference: str) -> Session:
    """Any session by reference, advanced to now (control API; 21173 when unknown)."""
    with svc.store.transaction():
        session = svc.repos.get_session(reference)
        if session is None:
            raise SessionNotFound(
                f"Sesja o numerze referencyjnym {reference} nie została znaleziona."
            )
        return save_session(svc, session) if _stale(svc, session) else session


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
    svc: Services, principal: Principal, flt: SessionFilter, page_size: int, token: str | None
) -> Page[Session]:
    """Sessions of the caller's context, newest first."""
    sessions = svc.repos.sessions_in_context(principal.context.key, flt.kind.value)
    if any(_stale(svc, s) for s in sessions):
        with svc.store.transaction():
            sessions = [
                save_session(svc, s) if _stale(svc, s) else s
                for s in svc.repos.sessions_in_context(principal.context.key, flt.kind.value)
            ]
    chosen = sorted((s for s in sessions if flt.accepts(s)), key=lambda s: s.created, reverse=True)
    scope = f"sessions:{flt.kind.value}:{principal.context.key}"
    return paginate(chosen, page_size, token, scope=scope)


def list_invoices(
    svc: Services,
    principal: Principal,
    reference: str,
    page_size: int,
    token: str | None,
    *,
    failed_only: bool = False,
) -> Page[Invoice]:
    """Invoices of a session in ordinal order (only failed ones if asked)."""
    load_session(svc, principal, reference)
    invoices = svc.repos.invoices_in_session(reference)
    if failed_only:
        invoices = [i for i in invoices if i.status_code not in (100, 150, 200)]
    scope = f"invoices:{reference}:{'failed' if failed_only else 'all'}"
    return paginate(invoices, page_size, token, scope=scope)


def get_invoice(
    svc: Services, principal: Principal, reference: str, invoice_reference: str
) -> Invoice:
    """One invoice of a session (21405 when there is none, as the spec documents)."""
    load_session(svc, principal, reference)
    invoice = svc.repos.get_invoice(invoice_reference)
    if invoice is None or invoice.session_reference != reference:
        raise ValidationFailed(
            f"Faktura o numerze referencyjnym {invoice_reference} nie została znaleziona "
            f"w sesji {reference}."
        )
    return invoice


def _header(svc: Services, session: Session) -> UpoHeader:
    auth = svc.repos.get_auth(session.auth_reference)
    token_reference = auth.ksef_token_reference if auth else None
    document_hash = auth.auth_document_hash if auth else None
    if not token_reference and not document_hash:
        # The UPO needs one of the two; an operation without either (e.g. state from an
        # older version) is named by its own reference rather than failing the download.
        token_reference = session.auth_reference
    return UpoHeader(
        entity_name=svc.settings.upo_entity_name,
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


def _cached(svc: Services, key: str, render: Callable[[], bytes]) -> bytes:
    with svc.store.transaction():
        data = svc.store.get_blob(key)
        if data is None:
            data = render()
            svc.store.put_blob(key, data)
        return data


def invoice_upo(svc: Services, session: Session, invoice: Invoice) -> bytes:
    """The signed UPO of one accepted invoice (rendered once, then served as stored)."""
    if not invoice.succeeded or invoice.session_reference != session.reference:
        raise UpoNotFound(
            f"UPO o numerze KSeF {invoice.ksef_number} i numerze referencyjnym sesji "
            f"{session.reference} nie zostało znalezione."
        )
    return _cached(
        svc,
        f"upo/invoice/{invoice.ksef_number}",
        lambda: render_invoice_upo(_header(svc, session), _entry(invoice), svc.keys.upo),
    )


def find_invoice_for_upo(
    svc: Services, session: Session, *, reference: str | None = None, ksef_number: str | None = None
) -> Invoice:
    """The invoice a UPO request names (21178 when none)."""
    invoice = (
        svc.repos.get_invoice(reference)
        if reference
        else svc.repos.invoice_by_ksef_number(ksef_number or "")
    )
    if invoice is None or invoice.session_reference != session.reference:
        raise UpoNotFound(
            f"UPO o numerze KSeF {ksef_number or reference} i numerze referencyjnym sesji "
            f"{session.reference} nie zostało znalezione."
        )
    return invoice


def session_upo(svc: Services, session: Session, upo_reference: str) -> bytes:
    """One signed page of a session UPO."""
    page = next((p for p in session.upo_pages if p.reference == upo_reference), None)
    if page is None:
        raise UpoNotFound(f"UPO o numerze referencyjnym {upo_reference} nie zostało znalezione.")

    def render() -> bytes:
        accepted = [
            i
            for i in svc.repos.invoices_in_session(session.reference)
            if i.succeeded and page.first_ordinal <= i.ordinal <= page.last_ordinal
        ]
        total = sum(len(range(p.first_ordinal, p.last_ordinal + 1)) for p in session.upo_pages)
        total = session.successful_count or total
        first = (page.number - 1) * svc.settings.upo_page_size + 1
        return render_session_upo_page(
            _header(svc, session),
            [_entry(i) for i in accepted],
            page=page.number,
            page_count=len(session.upo_pages),
            range_from=first,
            range_to=first + len(accepted) - 1,
            total=total,
            signer=svc.keys.upo,
        )

    return _cached(svc, f"upo/session/{upo_reference}", render)


def meta_hash(data: bytes) -> str:
    """``x-ms-meta-hash``: Base64 SHA-256 of the served bytes."""
    return sha256_b64(data)


def link_expiry(svc: Services) -> datetime:
    """When download links made now stop working."""
    return svc.now() + timedelta(seconds=svc.settings.upo_link_ttl_s)
