"""What happens to a batch package after close (BRIEF 6.2, batch), in this order:

1. the session key could not be unwrapped -> 415;
2. each part's size and SHA-256 (measured while it was uploaded) against ``fileParts``
   -> 405;
3. each part decrypted on its own (AES-256-CBC, PKCS#7 per part, same key and IV) and
   hashed, in ordinal order, as one package -> 435 (nothing decrypted is written: the
   archive is then read in place, :mod:`mock_ksef.domain.package_view`);
4. the package's size and SHA-256 against ``batchFile`` -> 405;
5. reading the archive (:mod:`mock_ksef.domain.archive`) -> 430;
6. no XML entry -> 440 "Nie przesłano faktur";
7. more XML entries than ``max_invoices_per_session`` -> 420;
8. every entry checked like an online invoice (``invoiceFileName`` = entry name,
   ``invoicingDate`` = session open time);
9. all failed -> 445, otherwise 200.

Steps 1-8 (:func:`prepare`) run outside the store's lock and write nothing. What needs
the lock - duplicates, scenario rules, KSeF numbers, rows and acceptance records - is
:func:`record_invoices`, run inside the one transaction that also ends the session, so a
crash leaves either the whole outcome or none of it.
Any other exception ends in 500 "Nieznany błąd".
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import logging
from dataclasses import dataclass
from typing import BinaryIO

from mock_ksef.crypto.envelope import CbcDecryptor, DecryptionError
from mock_ksef.domain.archive import ArchiveLimits, ArchiveRejected, Tally, XmlEntry, xml_entries
from mock_ksef.domain.deps import BatchDeps
from mock_ksef.domain.invoice import Invoice
from mock_ksef.domain.invoice_processing import (
    Checked,
    accept_checked,
    check_plain_invoice,
    limits_of,
)
from mock_ksef.domain.package_view import package_view
from mock_ksef.domain.polish import invoices_accusative
from mock_ksef.domain.session import NO_INVOICES, Session
from mock_ksef.ids import RefType
from mock_ksef.scenario.model import Outcome

log = logging.getLogger("mock_ksef")
#: Bytes decrypted and hashed at a time (bigger chunks cost fewer calls, same memory class).
CHUNK = 4 * 1024 * 1024
#: ``invoiceFileName`` is at most this long in the spec.
MAX_FILE_NAME = 128


@dataclass(frozen=True)
class Prepared:
    """What :func:`prepare` found: a session outcome, or the checked invoices.

    ``outcome`` is ``None`` when the invoices were reached: their final outcomes (and
    the session's, 200 or 445) are decided by :func:`record_invoices`. ``checked`` keeps
    no invoice XML: it is read again from the parts when the invoices are recorded.
    """

    outcome: Outcome | None
    checked: tuple[Checked, ...] = ()
    limits: ArchiveLimits | None = None
    #: ``(ordinal, plaintext bytes)`` of each part: how to read the package again.
    plain_sizes: tuple[tuple[int, int], ...] = ()


class _Stop(Exception):
    """Processing ends early with ``outcome``."""

    def __init__(self, code: int, *details: str) -> None:
        self.outcome = Outcome(code, details or None)
        super().__init__(code, details)


def _check_parts(session: Session) -> None:
    assert session.batch is not None
    for part in session.batch.parts:
        if part.uploaded_size != part.size or part.uploaded_hash != part.hash:
            raise _Stop(
                405,
                f"Skrót lub rozmiar części '{part.ordinal}' nie zgadza się z zadeklarowanym.",
            )


def _decrypt_parts(deps: BatchDeps, session: Session) -> tuple[list[tuple[int, int]], str]:
    """Decrypt and hash each part in order (nothing written); plaintext sizes and SHA-256."""
    assert session.batch is not None
    key = base64.b64decode(session.aes_key)
    iv = base64.b64decode(session.iv)
    digest = hashlib.sha256()
    sizes: list[tuple[int, int]] = []
    ref = session.reference
    for part in session.batch.parts:
        decryptor = CbcDecryptor(key, iv)
        size = 0
        try:
            with deps.parts.open_part(ref, part.ordinal) as source:
                for _ in range(deps.parts.part_size(ref, part.ordinal) // CHUNK + 2):
                    chunk = source.read(CHUNK)
                    if not chunk:
                        break
                    plain = decryptor.update(chunk)
                    digest.update(plain)
                    size += len(plain)
            tail = decryptor.finalize()
        except (DecryptionError, ValueError) as exc:
            raise _Stop(435, f"Nie udało się odszyfrować części '{part.ordinal}': {exc}") from exc
        digest.update(tail)
        sizes.append((part.ordinal, size + len(tail)))
    return sizes, base64.b64encode(digest.digest()).decode("ascii")


def _package(deps: BatchDeps, session: Session, sizes: list[tuple[int, int]]) -> BinaryIO:
    key = base64.b64decode(session.aes_key)
    iv = base64.b64decode(session.iv)
    return package_view(deps.parts, session.reference, key, iv, sizes)


def _limits(deps: BatchDeps, session: Session) -> ArchiveLimits:
    defaults = deps.sessions.config.default_limits
    limits = limits_of(deps.sessions, session)  # the context's /testdata/limits, else these
    return ArchiveLimits(
        max_entry_bytes=limits.max_invoice_with_attachment_bytes,
        max_xml_entries=limits.max_invoices,
        max_entries=max(200_000, 2 * limits.max_invoices),
        max_total_bytes=max(
            40_000_000_000,
            defaults.max_invoices * defaults.max_invoice_with_attachment_bytes,
        ),
    )


def _file_name(name: str) -> str:
    return name if len(name) <= MAX_FILE_NAME else name[-MAX_FILE_NAME:]


def _check_entry(
    deps: BatchDeps, session: Session, ordinal: int, entry: XmlEntry, limit: int
) -> Checked:
    assert session.batch is not None
    assert entry.data is not None
    invoice = Invoice(
        reference="",  # given when recorded, under the lock
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
        return Checked(
            dataclasses.replace(
                invoice,
                status_code=430,
                status_details=(f"Rozmiar faktury {entry.size} B przekracza limit {limit} B",),
            )
        )
    checked = check_plain_invoice(deps.sessions, session, invoice, entry.data, online=False)
    return dataclasses.replace(checked, plain=b"")  # not kept: read again when recorded


def _run(deps: BatchDeps, session: Session) -> Prepared:
    info = session.batch
    assert info is not None
    if session.key_error or not session.aes_key:
        return Prepared(Outcome(415))
    _check_parts(session)
    sizes, sha256 = _decrypt_parts(deps, session)
    size = sum(n for _, n in sizes)
    if size != info.file_size or sha256 != info.file_hash:
        raise _Stop(
            405,
            f"Skrót lub rozmiar pliku paczki ({size} B) nie zgadza się z zadeklarowanym "
            f"({info.file_size} B).",
        )
    limits = _limits(deps, session)
    tally = Tally()
    checked: list[Checked] = []
    try:
        with _package(deps, session, sizes) as package:
            entries = xml_entries(package, info.compression, limits, tally)
            for ordinal, entry in enumerate(entries, start=1):
                if entry.data is None:
                    continue  # past the limit: 420 below, once every entry is counted
                deps.worker.checkpoint(session.reference, "check", ordinal)
                checked.append(_check_entry(deps, session, ordinal, entry, limits.max_entry_bytes))
    except ArchiveRejected as exc:
        raise _Stop(430, str(exc)) from exc
    if tally.xml_count == 0:
        raise _Stop(440, NO_INVOICES)
    if tally.xml_count > limits.max_xml_entries:
        raise _Stop(
            420,
            f"Paczka zawiera {invoices_accusative(tally.xml_count)}; "
            f"limit sesji to {limits.max_xml_entries}.",
        )
    return Prepared(None, tuple(checked), limits, tuple(sizes))


def prepare(deps: BatchDeps, session: Session) -> Prepared:
    """Verify, decrypt and check the package of a closed batch session (no lock held).

    Args:
        deps: the batch dependencies (``deps.parts`` holds the uploaded parts).
        session: the session being closed (its ``batch`` describes the package).

    Returns:
        A session outcome (405/415/420/430/435/440/500), or the checked invoices.
    """
    try:
        return _run(deps, session)
    except _Stop as stop:
        return Prepared(stop.outcome)
    except Exception as exc:  # the session must end in 500, never crash the close
        log.exception("batch processing of %s failed", session.reference)
        return Prepared(failure(exc))


def failure(exc: BaseException) -> Outcome:
    """The 500 outcome naming an unexpected exception."""
    return Outcome(500, (f"{type(exc).__name__}: {exc}",), status_code=500)


def record_invoices(deps: BatchDeps, session: Session, prepared: Prepared) -> tuple[Invoice, ...]:
    """Give every checked invoice its final outcome and write rows and acceptance records.

    Call it inside the transaction that ends the session. Accepted invoices' XML is read
    again from the parts, one entry at a time.
    """
    assert session.batch is not None
    assert prepared.limits is not None
    invoices: list[Invoice] = []
    with _package(deps, session, list(prepared.plain_sizes)) as package:
        entries = xml_entries(package, session.batch.compression, prepared.limits, Tally())
        for checked, entry in zip(prepared.checked, entries, strict=False):
            deps.worker.checkpoint(session.reference, "commit", checked.invoice.ordinal)
            invoice = dataclasses.replace(
                checked.invoice,
                reference=deps.sessions.numbering.reference(
                    RefType.INVOICE, deps.sessions.clock.now()
                ),
            )
            final = accept_checked(
                deps.sessions,
                session,
                dataclasses.replace(checked, invoice=invoice, plain=entry.data or b""),
            )
            deps.sessions.repos.put_invoice(final)
            invoices.append(final)
    if len(invoices) != len(prepared.checked):
        raise ArchiveRejected("the package changed while it was processed")
    return tuple(invoices)
