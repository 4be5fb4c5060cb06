"""Online (interactive) sessions: open, send invoices, close.

Every check of BRIEF section 6.2 happens here, in that order; one invoice's decryption,
XML checks and acceptance live in :mod:`mock_ksef.domain.invoice_processing` (shared with
batch processing), the XML checks themselves in :mod:`mock_ksef.xml.invoice_checks`.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
from dataclasses import dataclass
from datetime import datetime

from mock_ksef.crypto.digest import b64, b64decode_strict, sha256_b64
from mock_ksef.crypto.envelope import DecryptionError, unwrap_session_key
from mock_ksef.domain import lifecycle, session_store
from mock_ksef.domain.auth.values import Principal
from mock_ksef.domain.deps import SessionDeps
from mock_ksef.domain.errors import (
    EncryptedHashMismatch,
    EncryptedSizeMismatch,
    Forbidden,
    InvalidSessionState,
    InvoiceLimitExceeded,
    SessionUnavailable,
    UnknownPublicKey,
    ValidationFailed,
)
from mock_ksef.domain.invoice import Invoice
from mock_ksef.domain.invoice_processing import accept_checked, limits_of, process_invoice
from mock_ksef.domain.session import (
    BatchInfo,
    FormCode,
    Session,
    SessionKind,
    SessionStatus,
    StatusEvent,
)
from mock_ksef.domain.session_plan import SessionSetup, apply_setup, session_setup
from mock_ksef.ids import RefType

#: (systemCode, schemaVersion, value) accepted for online sessions.
ONLINE_FORM_CODES = {
    ("FA (2)", "1-0E", "FA"),
    ("FA (3)", "1-0E", "FA"),
    ("PEF (3)", "2-1", "PEF"),
    ("PEF_KOR (3)", "2-1", "PEF"),
    ("FA_RR (1)", "1-1E", "FA_RR"),
}
WRITE_PERMISSIONS = ("InvoiceWrite", "PefInvoiceWrite", "EnforcementOperations")


@dataclass(frozen=True)
class OpenOnline:
    """``OpenOnlineSessionRequest``."""

    form_code: FormCode
    encrypted_symmetric_key: str
    initialization_vector: str
    public_key_id: str | None = None


@dataclass(frozen=True)
class SendInvoice:
    """``SendInvoiceRequest``."""

    invoice_hash: str
    invoice_size: int
    encrypted_invoice_hash: str
    encrypted_invoice_size: int
    encrypted_invoice_content: str
    offline_mode: bool = False
    hash_of_corrected_invoice: str | None = None


def require_write(principal: Principal) -> None:
    """403 unless the caller may send invoices."""
    if not set(principal.permissions) & set(WRITE_PERMISSIONS):
        raise Forbidden(
            "Brak uprawnień do wysyłki faktur.",
            "missing-permissions",
            {
                "requiredAnyOfPermissions": WRITE_PERMISSIONS,
                "presentPermissions": principal.permissions,
            },
        )


def check_form_code(deps: SessionDeps, form: FormCode, allowed: set[tuple[str, str, str]]) -> None:
    """21405 for a form code the session type or the configuration does not support."""
    triple = (form.system_code, form.schema_version, form.value)
    if triple not in allowed or form.system_code not in deps.config.allowed_form_codes:
        raise ValidationFailed("Wskazany kod formularza nie jest wspierany.")


def unwrap_key(
    deps: SessionDeps, wrapped_b64: str, iv_b64: str, public_key_id: str | None
) -> tuple[str, str, str]:
    """Unwrap a session key: ``(aes_key_b64, iv_b64, error)``; the error means 415 later.

    Raises:
        UnknownPublicKey: ``publicKeyId`` is not the SymmetricKeyEncryption key.
        ValidationFailed: the fields are not Base64.
    """
    if public_key_id and public_key_id != deps.keys.symmetric_key.public_key_id:
        raise UnknownPublicKey(f"Klucz o identyfikatorze {public_key_id} nie jest wspierany.")
    try:
        wrapped = b64decode_strict(wrapped_b64)
        iv = b64decode_strict(iv_b64)
    except ValueError as exc:
        raise ValidationFailed(f"encryption: {exc}") from exc
    try:
        key = unwrap_session_key(deps.keys.symmetric_key.private_key, wrapped, iv)
    except DecryptionError as exc:
        return "", b64(iv), str(exc)
    return b64(key), b64(iv), ""


def open_online(
    deps: SessionDeps, principal: Principal, command: OpenOnline, scenario: str | None = None
) -> Session:
    """Open an online session (201); a bad key shows later as status 415.

    The session runs under the login's scenario, or the one named by ``scenario`` (the
    ``X-Mock-Scenario`` header of the open request).
    """
    require_write(principal)
    check_form_code(deps, command.form_code, ONLINE_FORM_CODES)
    key, iv, error = unwrap_key(
        deps, command.encrypted_symmetric_key, command.initialization_vector, command.public_key_id
    )
    now = deps.clock.now()
    setup = session_setup(
        deps.repos,
        deps.scenarios,
        deps.config.session_ttl_s,
        principal,
        SessionKind.ONLINE,
        scenario,
        now,
    )
    return create_session(deps, principal, command.form_code, (key, iv, error), setup, now)


def create_session(
    deps: SessionDeps,
    principal: Principal,
    form_code: FormCode,
    envelope: tuple[str, str, str],
    setup: SessionSetup,
    now: datetime,
    batch: BatchInfo | None = None,
) -> Session:
    """Store a new session at status 100 (online, or batch when ``batch`` is given).

    Args:
        envelope: ``(aes_key, iv, key_error)`` as :func:`unwrap_key` returns them.
    """
    key, iv, error = envelope
    kind = SessionKind.ONLINE if batch is None else SessionKind.BATCH
    ref_type = RefType.ONLINE_SESSION if batch is None else RefType.BATCH_SESSION
    with deps.store.transaction():
        session = Session(
            reference=deps.numbering.reference(ref_type, now),
            kind=kind,
            context=principal.context,
            auth_reference=principal.auth_reference,
            form_code=form_code,
            created=now,
            updated=now,
            valid_until=setup.valid_until,
            status_code=100,
            aes_key=key,
            iv=iv,
            key_error=error,
            history=(StatusEvent(100, now, f"opened under scenario {setup.scenario}"),),
            batch=batch,
        )
        session = apply_setup(session, setup)
        deps.repos.put_session(session)
    return session


def _decode_content(command: SendInvoice) -> bytes:
    try:
        encrypted = base64.b64decode(command.encrypted_invoice_content, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValidationFailed(f"encryptedInvoiceContent: invalid Base64: {exc}") from exc
    if len(encrypted) != command.encrypted_invoice_size:
        raise EncryptedSizeMismatch("Długość treści nie zgadza się z rozmiarem pliku.")
    if sha256_b64(encrypted) != command.encrypted_invoice_hash:
        raise EncryptedHashMismatch("Skrót treści nie zgadza się ze skrótem pliku.")
    return encrypted


def _check_open(session: Session) -> None:
    if session.status_code != SessionStatus.OPEN:
        raise InvalidSessionState(
            f"Status sesji {session.status_code} uniemożliwia wysyłkę faktur."
        )
    check_available(session)


def _check_limit(deps: SessionDeps, session: Session) -> None:
    limit = limits_of(deps, session).max_invoices
    if session.invoice_count >= limit:
        raise InvoiceLimitExceeded(
            f"Sesja o numerze referencyjnym {session.reference} osiągnęła dozwolony limit "
            f"liczby faktur {limit}."
        )


def send_invoice(
    deps: SessionDeps, principal: Principal, reference: str, command: SendInvoice
) -> Invoice:
    """Accept one encrypted invoice (202) and process it at once.

    Checks in order: 21173 (no such session), 21180 (status), 21184 (the scenario made the
    session unavailable), 21405/21402/21403 (the content), 21155 (invoice limit).
    Decryption and the XML checks run outside the store's lock; the duplicate check, the
    KSeF number and the row are decided and written in one transaction, which repeats the
    session checks (another request may have changed the session meanwhile).
    """
    require_write(principal)
    now = deps.clock.now()
    session = session_store.visible(deps, principal, reference, SessionKind.ONLINE)
    _check_open(session)
    encrypted = _decode_content(command)
    _check_limit(deps, session)
    draft = Invoice(
        reference="",
        session_reference=reference,
        ordinal=0,
        invoice_hash=command.invoice_hash,
        invoice_size=command.invoice_size,
        invoicing_date=now,
        status_code=100,
        invoicing_mode="Offline" if command.offline_mode else "Online",
        hash_of_corrected_invoice=command.hash_of_corrected_invoice,
    )
    checked = process_invoice(deps, session, draft, encrypted, online=True)
    with deps.store.transaction():
        session = session_store.visible(deps, principal, reference, SessionKind.ONLINE)
        _check_open(session)
        _check_limit(deps, session)
        checked = dataclasses.replace(
            checked,
            invoice=dataclasses.replace(
                checked.invoice,
                reference=deps.numbering.reference(RefType.INVOICE, now),
                ordinal=session.invoice_count + 1,
            ),
        )
        invoice = accept_checked(deps, session, checked)
        deps.repos.put_invoice(invoice)
        ok = invoice.succeeded
        session_store.save(
            deps,
            dataclasses.replace(
                session,
                updated=max(session.updated, now),
                invoice_count=session.invoice_count + 1,
                successful_count=session.successful_count + ok,
                failed_count=session.failed_count + (not ok),
            ),
        )
    return invoice


UNAVAILABLE_DETAILS = (
    "Trwają prace serwisowe i sesja {reference} jest tymczasowo niedostępna. Spróbuj ponownie "
    "później lub otwórz nową sesję, aby wysłać kolejne faktury."
)


def check_available(session: Session) -> None:
    """21184 once the session holds the scenario's ``send_unavailable.after_invoices``.

    Raises:
        SessionUnavailable: the send registers nothing and changes no counter.
    """
    after = session.plan.send_unavailable_after
    if after is not None and session.invoice_count >= after:
        raise SessionUnavailable(UNAVAILABLE_DETAILS.format(reference=session.reference))


def close_online(deps: SessionDeps, principal: Principal, reference: str) -> Session:
    """Close an online session (204); processing then finishes on the clock."""
    require_write(principal)
    with deps.store.transaction():
        session = session_store.visible(deps, principal, reference, SessionKind.ONLINE)
        if session.status_code != SessionStatus.OPEN:
            raise InvalidSessionState(
                f"Status sesji {session.status_code} uniemożliwia wykonanie operacji."
            )
        session = lifecycle.close(session, deps.clock.now())
        return session_store.save(deps, session)
