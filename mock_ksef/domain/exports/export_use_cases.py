"""The export use cases: start one, poll its status (which builds it), serve a part.

Each takes the narrow things it needs (the repositories, the caller, the mock's
symmetric key pair, ``now``, the caller's scenario plans); ``http/export_routes.py`` composes
them. Timed states are computed lazily on the status poll, never on a thread: an export
finishes on the poll at which ``polls_at_100`` polls were answered 100 and
``delay_seconds`` have passed, stamped with its due time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from mock_ksef.crypto.digest import b64, b64decode_strict, sha256_b64
from mock_ksef.crypto.envelope import DecryptionError, unwrap_session_key
from mock_ksef.crypto.keys import KeyPair
from mock_ksef.domain.auth.values import Principal
from mock_ksef.domain.errors import Forbidden, Gone, UnknownPublicKey, ValidationFailed
from mock_ksef.domain.exports.export_refusals import not_allowed, not_found, too_many
from mock_ksef.domain.exports.job import ExportJob, Exports, Package, PartInfo
from mock_ksef.domain.exports.package import SUFFIX, BuildLimits, PartWriter, build_package
from mock_ksef.domain.retrieval.filters import InvoiceFilters
from mock_ksef.domain.retrieval.record import SUBJECT_TYPES, InvoiceRecord
from mock_ksef.domain.retrieval.refusals import OutsideHwm
from mock_ksef.domain.retrieval.repo import ReceivedInvoices
from mock_ksef.domain.retrieval.selection import RetrievalLimits, Window, resolve, walk
from mock_ksef.domain.retrieval.use_cases import require_read
from mock_ksef.scenario.model import ExportPlan
from mock_ksef.store.kinds import INVOICE_EXPORT

#: Subject types an export may name, per context type (``BRIEF-RETRIEVAL.md`` 1.2).
ALLOWED_SUBJECTS: dict[str, tuple[str, ...]] = {
    "Nip": SUBJECT_TYPES,
    "InternalId": ("Subject3",),
    "NipVatUe": ("Subject1",),
}
GONE = "Operacja wygasła i nie jest już dostępna."


@dataclass(frozen=True)
class ExportRequest:
    """``InvoiceExportRequest``."""

    filters: InvoiceFilters
    encrypted_symmetric_key: str  # Base64
    initialization_vector: str  # Base64
    public_key_id: str | None = None
    only_metadata: bool = False
    compression: str = "Zip"


def _unwrap(key_pair: KeyPair, request: ExportRequest) -> tuple[str, str, str]:
    """``(key, iv, error)`` in Base64; an error means the export ends in 415."""
    if request.public_key_id and request.public_key_id != key_pair.public_key_id:
        raise UnknownPublicKey(
            f"Klucz o identyfikatorze {request.public_key_id} nie jest wspierany."
        )
    try:
        wrapped = b64decode_strict(request.encrypted_symmetric_key)
        iv = b64decode_strict(request.initialization_vector)
    except ValueError as exc:
        raise ValidationFailed(f"'encryption' must hold Base64 texts: {exc}") from exc
    try:
        key = unwrap_session_key(key_pair.private_key, wrapped, iv)
    except DecryptionError as exc:
        return "", request.initialization_vector, str(exc)
    return b64(key), b64(iv), ""


def start_export(
    exports: Exports,
    received: ReceivedInvoices,
    principal: Principal,
    request: ExportRequest,
    key_pair: KeyPair,
    now: datetime,
    plan: ExportPlan,
    limits: RetrievalLimits,
    new_reference: Callable[[datetime], str],
) -> str:
    """Accept an export (201); its reference number (type ``EH``).

    The selection is resolved now (ambiguity 15 of the brief: the snapshot is taken at
    request time, with the HWM of this moment); the package is built on the status poll
    that finishes the export. A key that cannot be unwrapped is not an error here: the
    export ends in 415.

    Raises:
        ValidationFailed: 21405 (date range, Base64).
        UnknownPublicKey: 21470.
        ExportNotAllowed: 21181, the subject type does not fit the context type.
        TooManyExports: 21182, the context has ``concurrency_limit`` exports at 100.
    """
    require_read(principal)
    context = principal.context
    window: Window | None
    try:
        window = resolve(received, context, request.filters, now, limits)
    except OutsideHwm:
        window = None  # status 420
    key, iv, error = _unwrap(key_pair, request)
    subject = request.filters.subject_type
    if subject not in ALLOWED_SUBJECTS.get(context.type, SUBJECT_TYPES):
        raise not_allowed(subject, context.type)
    with exports.store.transaction():
        exports.sweep(now)
        if exports.in_flight(context.key) + plan.occupied_slots >= plan.concurrency_limit:
            raise too_many(plan.concurrency_limit)
        job = ExportJob(
            reference=new_reference(now),
            context_key=context.key,
            created=now,
            filters=request.filters,
            window=window,
            only_metadata=request.only_metadata,
            compression=request.compression,
            key=key,
            iv=iv,
            key_error=error,
            plan=plan,
        )
        exports.save(job)
    return job.reference


def _due(job: ExportJob, now: datetime) -> datetime | None:
    """When the export finished, if it has by this poll (already counted)."""
    plan = job.plan
    ready = job.created + timedelta(seconds=plan.delay_seconds)
    if plan.force_status == "stuck" or job.polls <= plan.polls_at_100 or now < ready:
        return None
    return ready if plan.polls_at_100 == 0 else now


def _build(
    exports: Exports,
    received: ReceivedInvoices,
    job: ExportJob,
    window: Window,
    describe: Callable[[InvoiceRecord], dict[str, Any]],
) -> Package:
    plan = job.plan
    suffix = SUFFIX[job.compression]
    writer = PartWriter(
        lambda n: f"{job.reference}-{n:03d}.{suffix}.aes",
        lambda n, data: exports.put_part(job.reference, n, data),
        plan.part_size,
        b64decode_strict(job.key),
        b64decode_strict(job.iv),
    )
    package = build_package(
        walk(received, window, job.filters, job.created),
        received.xml,
        describe,
        writer,
        date_type=job.filters.date_range.date_type,
        compression=job.compression,
        only_metadata=job.only_metadata,
        limits=BuildLimits(plan.max_invoices, plan.max_bytes, plan.part_size),
    )
    package = replace(package, hwm=window.hwm)
    if plan.empty_parts and package.invoice_count == 0:
        exports.drop_parts(replace(job, package=package))
        package = replace(package, parts=(), size=0)
    return package


def _finish(
    exports: Exports,
    received: ReceivedInvoices,
    job: ExportJob,
    due: datetime,
    describe: Callable[[InvoiceRecord], dict[str, Any]],
) -> ExportJob:
    forced = job.plan.force_status
    if job.key_error:
        return job.finished(415, due, None)
    if job.window is None:
        return job.finished(420, due, None)
    if isinstance(forced, int):
        return job.finished(forced, due, None)
    return job.finished(200, due, _build(exports, received, job, job.window, describe))


def export_status(
    exports: Exports,
    received: ReceivedInvoices,
    principal: Principal,
    reference: str,
    now: datetime,
    describe: Callable[[InvoiceRecord], dict[str, Any]],
) -> ExportJob:
    """The export after this poll (built now if this poll finishes it).

    ``describe`` turns a record into its ``InvoiceMetadata`` JSON (``_metadata.json``).

    Raises:
        ExportNotFound: 21175, unknown, or another context's.
        Gone: 410, past the status retention.
    """
    require_read(principal)
    with exports.store.transaction():
        job = exports.get(reference)
        if job is None or job.context_key != principal.context.key:
            raise not_found(reference)
        if now >= job.gone_at:
            exports.drop_parts(job)
            exports.store.delete(INVOICE_EXPORT, reference)
            raise Gone(GONE)
        if job.status == 100:
            job = replace(job, polls=job.polls + 1)
            exports.save(job)
    due = _due(job, now) if job.status == 100 else None
    if due is not None:
        built = _finish(exports, received, job, due, describe)  # outside the lock
        with exports.store.transaction():
            current = exports.get(reference)
            job = built if current is None or current.status == 100 else current
            exports.save(job)
    if job.status == 200 and job.completed is not None:
        expires = job.completed + timedelta(seconds=job.plan.package_ttl_seconds)
        if now >= expires:
            exports.drop_parts(job)
            job = replace(job, status=210, package=None)
            exports.save(job)
    return job


def package_expiration(job: ExportJob) -> datetime | None:
    """``packageExpirationDate``: completion + the package lifetime (200 only)."""
    if job.status != 200 or job.completed is None:
        return None
    return job.completed + timedelta(seconds=job.plan.package_ttl_seconds)


def _spoiled(value: str) -> str:
    return sha256_b64(f"corrupt:{value}".encode())


def _spoil(part: PartInfo, what: str) -> PartInfo:
    if what == "part_hash":
        return replace(part, hash=_spoiled(part.hash))
    return replace(part, encrypted_hash=_spoiled(part.encrypted_hash))


def reported_parts(job: ExportJob) -> tuple[PartInfo, ...]:
    """The parts as the status reports them (with a scenario's wrong hashes)."""
    parts = job.package.parts if job.package else ()
    plan = job.plan
    if plan.corrupt not in ("part_hash", "encrypted_part_hash"):
        return parts
    return tuple(_spoil(p, plan.corrupt) if p.ordinal == plan.corrupt_part else p for p in parts)


def export_part(exports: Exports, reference: str, part_name: str) -> tuple[bytes, str | None]:
    """The encrypted bytes of a part and its ``x-ms-meta-hash`` (``None``: no header).

    The link itself (signature, expiry) is checked by the edge.

    Raises:
        Forbidden: no such export or part, or the package has expired.
    """
    job = exports.get(reference.upper())
    part = next(
        (p for p in (job.package.parts if job and job.package else ()) if p.name == part_name), None
    )
    data = None if job is None or part is None else exports.part(job.reference, part.ordinal)
    if job is None or part is None or data is None or job.status != 200:
        raise Forbidden(
            "Link odrzucony: nie ma takiej części paczki.", "insufficient-resource-access"
        )
    digest: str | None = part.encrypted_hash
    if job.plan.corrupt and part.ordinal == job.plan.corrupt_part:
        if job.plan.corrupt == "meta_hash":
            digest = _spoiled(part.encrypted_hash)
        elif job.plan.corrupt == "drop_meta_hash":
            digest = None
        elif job.plan.corrupt == "bytes":
            data = bytes([data[0] ^ 0xFF]) + data[1:]
    return data, digest
