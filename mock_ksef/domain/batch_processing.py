"""What happens to a batch package after close (BRIEF 6.2, batch), in this order:

1. the session key could not be unwrapped -> 415;
2. each part's size and SHA-256 (measured while it was uploaded) against ``fileParts``
   -> 405;
3. each part decrypted on its own (AES-256-CBC, PKCS#7 per part, same key and IV) and
   appended, in ordinal order, to one package file -> 435;
4. the package's size and SHA-256 against ``batchFile`` -> 405;
5. unpacking (:mod:`mock_ksef.domain.archive`) -> 430;
6. no XML entry -> 440 "Nie przesłano faktur";
7. more XML entries than ``max_invoices_per_session`` -> 420;
8. every entry verified like an online invoice (``invoiceFileName`` = entry name,
   ``invoicingDate`` = session open time);
9. all failed -> 445, otherwise 200.

Any other exception ends in 500 "Nieznany błąd". Everything is streamed through files in
chunks, so memory does not grow with the package.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path

from mock_ksef.crypto.envelope import CbcDecryptor, DecryptionError
from mock_ksef.domain.archive import ArchiveLimits, ArchiveRejected, XmlEntry, unpack
from mock_ksef.domain.invoice import Invoice
from mock_ksef.domain.online import limits_of, verify_plain_invoice
from mock_ksef.domain.polish import invoices_accusative
from mock_ksef.domain.session import NO_INVOICES, BatchInfo, Session
from mock_ksef.ids import RefType
from mock_ksef.scenario.model import Outcome
from mock_ksef.services import Services

log = logging.getLogger("mock_ksef")
CHUNK = 1024 * 1024
#: ``invoiceFileName`` is at most this long in the spec.
MAX_FILE_NAME = 128


@dataclass(frozen=True)
class BatchResult:
    """The session outcome and the invoice rows the processing produced."""

    outcome: Outcome
    invoices: tuple[Invoice, ...] = ()


class _Stop(Exception):
    """Processing ends early with ``outcome``."""

    def __init__(self, code: int, *details: str) -> None:
        self.outcome = Outcome(code, details or None)
        super().__init__(code, details)


def _check_parts(info: BatchInfo) -> None:
    for part in info.parts:
        if part.uploaded_size != part.size or part.uploaded_hash != part.hash:
            raise _Stop(
                405,
                f"Skrót lub rozmiar części '{part.ordinal}' nie zgadza się z zadeklarowanym.",
            )


def _decrypt_parts(session: Session, paths: list[Path], target: Path) -> tuple[int, str]:
    """Decrypt each part into ``target`` (appended in order); returns size and SHA-256."""
    key = base64.b64decode(session.aes_key)
    iv = base64.b64decode(session.iv)
    digest = hashlib.sha256()
    size = 0
    with target.open("wb") as out:
        for ordinal, path in enumerate(paths, start=1):
            decryptor = CbcDecryptor(key, iv)
            try:
                with path.open("rb") as part:
                    for _ in range(path.stat().st_size // CHUNK + 2):
                        chunk = part.read(CHUNK)
                        if not chunk:
                            break
                        plain = decryptor.update(chunk)
                        digest.update(plain)
                        out.write(plain)
                        size += len(plain)
                tail = decryptor.finalize()
            except (DecryptionError, ValueError) as exc:
                raise _Stop(435, f"Nie udało się odszyfrować części '{ordinal}': {exc}") from exc
            digest.update(tail)
            out.write(tail)
            size += len(tail)
    return size, base64.b64encode(digest.digest()).decode("ascii")


def _limits(svc: Services, session: Session) -> ArchiveLimits:
    settings = svc.settings
    limits = limits_of(svc, session)  # the context's /testdata/limits, else the settings
    return ArchiveLimits(
        max_entry_bytes=limits.max_invoice_with_attachment_bytes,
        max_xml_entries=limits.max_invoices,
        max_entries=max(200_000, 2 * limits.max_invoices),
        max_total_bytes=max(
            40_000_000_000,
            settings.max_invoices_per_session * settings.max_invoice_with_attachment_bytes,
        ),
    )


def _file_name(name: str) -> str:
    return name if len(name) <= MAX_FILE_NAME else name[-MAX_FILE_NAME:]


def _invoice(svc: Services, session: Session, ordinal: int, entry: XmlEntry, limit: int) -> Invoice:
    assert session.batch is not None
    assert entry.path is not None
    invoice = Invoice(
        reference=svc.new_reference(RefType.INVOICE, svc.now()),
        session_reference=session.reference,
        ordinal=ordinal,
        invoice_hash=entry.sha256,
        invoice_size=entry.size,
        invoicing_date=session.created,
        status_code=100,
        invoicing_mode="Offline" if session.batch.offline_mode else "Online",
        file_name=_file_name(entry.name),
    )
    if entry.oversized(limit):
        return dataclasses.replace(
            invoice,
            status_code=430,
            status_details=(f"Rozmiar faktury {entry.size} B przekracza limit {limit} B",),
        )
    return verify_plain_invoice(svc, session, invoice, entry.path.read_bytes(), online=False)


def _run(svc: Services, session: Session, paths: list[Path], work: Path) -> BatchResult:
    info = session.batch
    assert info is not None
    if session.key_error or not session.aes_key:
        return BatchResult(Outcome(415))
    _check_parts(info)
    package = work / "package.bin"
    size, sha256 = _decrypt_parts(session, paths, package)
    if size != info.file_size or sha256 != info.file_hash:
        raise _Stop(
            405,
            f"Skrót lub rozmiar pliku paczki ({size} B) nie zgadza się z zadeklarowanym "
            f"({info.file_size} B).",
        )
    for path in paths:
        path.unlink(missing_ok=True)  # no longer needed: keep the disk footprint down
    unpacked_dir = work / "unpacked"
    unpacked_dir.mkdir(exist_ok=True)
    limits = _limits(svc, session)
    try:
        unpacked = unpack(package, info.compression, unpacked_dir, limits)
    except ArchiveRejected as exc:
        raise _Stop(430, str(exc)) from exc
    package.unlink(missing_ok=True)
    if unpacked.xml_count == 0:
        raise _Stop(440, NO_INVOICES)
    if unpacked.xml_count > limits.max_xml_entries:
        raise _Stop(
            420,
            f"Paczka zawiera {invoices_accusative(unpacked.xml_count)}; "
            f"limit sesji to {limits.max_xml_entries}.",
        )
    invoices: list[Invoice] = []
    for ordinal, entry in enumerate(unpacked.entries, start=1):
        invoices.append(_invoice(svc, session, ordinal, entry, limits.max_entry_bytes))
        if entry.path is not None:
            entry.path.unlink(missing_ok=True)
    code = 200 if any(i.succeeded for i in invoices) else 445
    return BatchResult(Outcome(code), tuple(invoices))


def process_package(svc: Services, session: Session, paths: list[Path], work: Path) -> BatchResult:
    """Verify, decrypt, unpack and check the package of a closed batch session.

    Args:
        svc: the app's services.
        session: the session being closed (its ``batch`` describes the package).
        paths: the uploaded part files, in ordinal order.
        work: a folder for temporary files (the caller removes it).

    Returns:
        The outcome to reveal when processing is due, and the invoice rows (only when
        the invoices were reached: 200 and 445).
    """
    try:
        work.mkdir(parents=True, exist_ok=True)
        return _run(svc, session, paths, work)
    except _Stop as stop:
        return BatchResult(stop.outcome)
    except Exception as exc:  # the session must end in 500, never crash the close
        log.exception("batch processing of %s failed", session.reference)
        return BatchResult(Outcome(500, (f"{type(exc).__name__}: {exc}",), status_code=500))
