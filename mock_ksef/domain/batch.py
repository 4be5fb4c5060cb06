"""Batch sessions: open (declare the package), receive parts, close (and process).

The package's encrypted parts are uploaded to presigned links (``http/part_upload.py``)
and kept by ``deps.parts`` (:class:`~mock_ksef.domain.part_store.PartStore`). Closing
checks that every declared part arrived with its declared size, moves the session to 150
with a processing marker naming the owner process, and then runs the real processing
(:mod:`mock_ksef.domain.batch_processing`, :mod:`mock_ksef.domain.batch_recovery`).
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import IO

from mock_ksef.crypto.digest import b64
from mock_ksef.domain import lifecycle, session_store
from mock_ksef.domain.auth.values import Principal
from mock_ksef.domain.batch_recovery import process_closed
from mock_ksef.domain.deps import BatchDeps
from mock_ksef.domain.errors import Forbidden, InvalidSessionState, KsefError, ValidationFailed
from mock_ksef.domain.online import check_form_code, create_session, unwrap_key
from mock_ksef.domain.session import (
    SEND_TIME_EXCEEDED,
    BatchInfo,
    BatchPart,
    FormCode,
    Session,
    SessionKind,
)
from mock_ksef.domain.session_plan import session_setup
from mock_ksef.store.kinds import BATCH_CLOSING

#: (systemCode, schemaVersion, value) accepted for batch sessions: no PEF.
BATCH_FORM_CODES = {
    ("FA (2)", "1-0E", "FA"),
    ("FA (3)", "1-0E", "FA"),
    ("FA_RR (1)", "1-1E", "FA_RR"),
}
BATCH_PERMISSIONS = ("InvoiceWrite", "EnforcementOperations")
MAX_PARTS = 50
#: 100 MB before encryption, plus at most one block of PKCS#7 padding.
MAX_PART_BYTES = 100_000_016
PART_WINDOW_SECONDS = 20 * 60
CHUNK = 1024 * 1024


class PartSizeInvalid(KsefError):
    code = 21157
    description = "Nieprawidłowy rozmiar części pakietu."


class TooManyParts(KsefError):
    code = 21161
    description = "Przekroczono dozwoloną liczbę części pakietu."


class PartMissing(KsefError):
    code = 21205
    description = "Pakiet nie może być pusty."


class SendTimeExceeded(KsefError):
    code = 21208
    description = "Czas oczekiwania na requesty upload lub finish został przekroczony."


class PartRejected(Exception):
    """A part upload refused with 400 (the spec gives part uploads no error codes)."""

    def __init__(self, code: str, detail: str) -> None:
        self.code = code
        self.detail = detail
        super().__init__(f"{code}: {detail}")


@dataclass(frozen=True)
class PartDeclaration:
    """``BatchFilePartInfo``."""

    ordinal: int
    size: int
    hash: str


@dataclass(frozen=True)
class OpenBatch:
    """``OpenBatchSessionRequest``."""

    form_code: FormCode
    encrypted_symmetric_key: str
    initialization_vector: str
    public_key_id: str | None
    file_size: int
    file_hash: str
    compression: str
    parts: tuple[PartDeclaration, ...]
    offline_mode: bool = False


def require_batch_write(principal: Principal) -> None:
    """403 unless the caller may send batch packages (no PEF right: no PEF forms)."""
    if not set(principal.permissions) & set(BATCH_PERMISSIONS):
        raise Forbidden(
            "Brak uprawnień do wysyłki faktur.",
            "missing-permissions",
            {
                "requiredAnyOfPermissions": BATCH_PERMISSIONS,
                "presentPermissions": principal.permissions,
            },
        )


def _check_parts(parts: tuple[PartDeclaration, ...]) -> None:
    if len(parts) > MAX_PARTS:
        raise TooManyParts(f"Zadeklarowano {len(parts)} części; dozwolone: {MAX_PARTS}.")
    ordinals = sorted(p.ordinal for p in parts)
    if ordinals != list(range(1, len(parts) + 1)):
        raise ValidationFailed(
            "batchFile.fileParts: numery ordinalNumber muszą być unikalne i kolejne od 1 "
            f"(otrzymano {ordinals})."
        )
    for part in parts:
        if part.size > MAX_PART_BYTES:
            raise PartSizeInvalid(
                f"Rozmiar części {part.ordinal} przekroczył dozwolony rozmiar 100MB."
            )


def upload_window(session_parts: int, plan_seconds: int | None) -> timedelta:
    """The part-upload window: the scenario's, else 20 minutes per declared part."""
    seconds = plan_seconds if plan_seconds is not None else PART_WINDOW_SECONDS * session_parts
    return timedelta(seconds=seconds)


def open_batch(
    deps: BatchDeps, principal: Principal, command: OpenBatch, scenario: str | None = None
) -> Session:
    """Open a batch session (201); a key the mock cannot unwrap shows as 415 after close.

    Args:
        deps: the batch dependencies.
        principal: the caller.
        command: the request.
        scenario: the ``X-Mock-Scenario`` header of the request, if any.
    """
    require_batch_write(principal)
    check_form_code(deps.sessions, command.form_code, BATCH_FORM_CODES)
    _check_parts(command.parts)
    key, iv, error = unwrap_key(
        deps.sessions,
        command.encrypted_symmetric_key,
        command.initialization_vector,
        command.public_key_id,
    )
    now = deps.sessions.clock.now()
    sessions = deps.sessions
    setup = session_setup(
        sessions.repos,
        sessions.scenarios,
        sessions.config.session_ttl_s,
        principal,
        SessionKind.BATCH,
        scenario,
        now,
    )
    parts = tuple(
        BatchPart(p.ordinal, p.size, p.hash) for p in sorted(command.parts, key=lambda p: p.ordinal)
    )
    info = BatchInfo(
        file_size=command.file_size,
        file_hash=command.file_hash,
        compression=command.compression,
        parts=parts,
        offline_mode=command.offline_mode,
        upload_deadline=now + upload_window(len(parts), setup.plan.upload_window_seconds),
    )
    return create_session(
        deps.sessions, principal, command.form_code, (key, iv, error), setup, now, info
    )


def discard_uploads(deps: BatchDeps) -> None:
    """Delete every uploaded part (done by a reset of the mock)."""
    deps.parts.clear()


def _uploadable(deps: BatchDeps, reference: str, ordinal: int) -> tuple[Session, BatchPart]:
    session = deps.sessions.repos.get_session(reference)
    if session is None or session.batch is None:
        raise Forbidden("Nie ma takiej sesji wsadowej.", "insufficient-resource-access")
    session = lifecycle.advance(session, deps.sessions.clock.now())
    info = session.batch
    if info is None or session.status_code != 100:
        raise Forbidden(
            f"Sesja {reference} nie przyjmuje części (status {session.status_code}).",
            "insufficient-resource-access",
        )
    part = next((p for p in info.parts if p.ordinal == ordinal), None)
    if part is None:
        raise PartRejected("UnknownPart", f"Sesja {reference} nie deklaruje części {ordinal}.")
    return session, part


def receive_part(
    deps: BatchDeps, reference: str, ordinal: int, body: IO[bytes], length: int | None
) -> BatchPart:
    """Store one uploaded part, streamed in chunks and hashed on the way (201).

    A body longer than the declared size is refused at once (400) and nothing is kept; a
    shorter one, or one with another hash, is kept: close answers 21157 for the size and
    processing ends in 405 for the hash, as KSeF does. A new upload replaces the old one.

    Raises:
        Forbidden: no such batch session, or it no longer accepts parts (403).
        PartRejected: unknown part, or a body longer than declared (400).
    """
    _, declared = _uploadable(deps, reference, ordinal)
    if length is not None and length > declared.size:
        raise PartRejected(
            "PartTooLarge",
            f"Część {ordinal} ma {length} B, a zadeklarowano {declared.size} B.",
        )
    digest = hashlib.sha256()
    size = 0

    def chunks() -> Iterator[bytes]:
        nonlocal size
        for _ in range(declared.size // CHUNK + 2):
            chunk = body.read(CHUNK)
            if not chunk:
                break
            size += len(chunk)
            if size > declared.size:
                raise PartRejected(
                    "PartTooLarge",
                    f"Część {ordinal} jest dłuższa niż zadeklarowane {declared.size} B.",
                )
            digest.update(chunk)
            yield chunk

    staged = deps.parts.stage(reference, ordinal, chunks())
    uploaded = dataclasses.replace(
        declared, uploaded=True, uploaded_size=size, uploaded_hash=b64(digest.digest())
    )
    try:
        with deps.sessions.store.transaction():
            # Checked again and replaced under the lock: a part can never change under a
            # close that already started (the close holds the same lock to start).
            session, _ = _uploadable(deps, reference, ordinal)
            assert session.batch is not None
            parts = tuple(uploaded if p.ordinal == ordinal else p for p in session.batch.parts)
            deps.sessions.repos.put_session(
                dataclasses.replace(
                    session,
                    updated=deps.sessions.clock.now(),
                    batch=dataclasses.replace(session.batch, parts=parts),
                )
            )
            deps.parts.commit(staged)
    finally:
        deps.parts.drop(staged)
    return uploaded


def _check_closable(session: Session) -> BatchInfo:
    if session.status_code == 440 and SEND_TIME_EXCEEDED in session.status_details:
        raise SendTimeExceeded("Sesja anulowana, przekroczony czas wysyłki.")
    if session.status_code != 100 or session.batch is None:
        raise InvalidSessionState(
            f"Status sesji {session.status_code} uniemożliwia jej zamknięcie."
        )
    for part in session.batch.parts:
        if not part.uploaded:
            raise PartMissing(f"Nie przesłano zadeklarowanej '{part.ordinal}' części pliku.")
    for part in session.batch.parts:
        if part.uploaded_size != part.size:
            raise PartSizeInvalid(
                f"Zadeklarowany rozmiar części '{part.ordinal}' nie zgadza się z rzeczywistym."
            )
    return session.batch


def close_batch(deps: BatchDeps, principal: Principal, reference: str) -> Session:
    """Close a batch session (204): check the parts, move to 150, process the package.

    The session shows 150 from the moment the close is accepted; the outcome (invoice
    rows, acceptance records, counters, the pending status) is committed at once at the
    end. A marker naming this process keeps the close recoverable: if the process dies,
    the next start re-runs the processing from the kept parts.
    """
    require_batch_write(principal)
    with deps.sessions.store.transaction():
        session = session_store.visible(deps.sessions, principal, reference, SessionKind.BATCH)
        info = _check_closable(session)
        closed = lifecycle.close(
            dataclasses.replace(session, batch=dataclasses.replace(info, processing=True)),
            deps.sessions.clock.now(),
        )
        session_store.save(deps.sessions, closed)
        deps.sessions.store.put(
            BATCH_CLOSING, reference, {"reference": reference, "owner": deps.worker.owner}
        )
    return process_closed(deps, reference)
