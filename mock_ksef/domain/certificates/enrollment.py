"""Enrolment: the CSR data, ``POST /certificates/enrollments`` and its status lifecycle.

A request passes the synchronous checks in the brief's order (token login 25002, CSR
format 25004, key 25010, algorithm 25011, subject 25003, limits 25006/25007), then waits
at status 100 for as many reads and seconds as the scenario's ``enrollment.delay`` says
(default: none). The certificate is issued when the status is first read after that, or
when any other certificate request of the identity settles its enrolments; its times are
the request time plus the delay, never the time of the read.
"""

from __future__ import annotations

import base64
import dataclasses
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from mock_ksef.crypto import csr as csr_rules
from mock_ksef.crypto.ca import IssueOrder, issue
from mock_ksef.crypto.digest import b64
from mock_ksef.crypto.keys import KeyPair
from mock_ksef.domain.auth.values import Party
from mock_ksef.domain.certificates.certificate_refusals import (
    BadCsr,
    BadCsrAlgorithm,
    BadKey,
    CertificateLimit,
    CsrSubjectMismatch,
    EnrollmentLimit,
    EnrollmentNotAllowed,
    EnrollmentNotFound,
    NoCsrData,
)
from mock_ksef.domain.certificates.certificate_repo import CertificateRepo
from mock_ksef.domain.certificates.certificate_values import (
    ACTIVE,
    ENROLLMENT_DEFAULT_DETAILS,
    ENROLLMENT_RETENTION_DAYS,
    KEY_TAKEN,
    LIMIT_REACHED,
    VALIDITY_YEARS,
    Caller,
    Enrollment,
    KsefCertificate,
)
from mock_ksef.domain.errors import Gone
from mock_ksef.scenario.model import EnrollmentPlan

#: ``CertificateEnrollmentDataResponse`` fields by attribute OID.
DATA_FIELDS: dict[str, str] = {
    "2.5.4.3": "commonName",
    "2.5.4.6": "countryName",
    "2.5.4.42": "givenName",
    "2.5.4.4": "surname",
    "2.5.4.5": "serialNumber",
    "2.5.4.45": "uniqueIdentifier",
    "2.5.4.10": "organizationName",
    "2.5.4.97": "organizationIdentifier",
}
_CN, _C = "2.5.4.3", "2.5.4.6"
_CSR_ERRORS = {
    csr_rules.FORMAT: BadCsr,
    csr_rules.KEY: BadKey,
    csr_rules.ALGORITHM: BadCsrAlgorithm,
}


@dataclass(frozen=True)
class EnrollRequest:
    """A schema-valid ``EnrollCertificateRequest``."""

    certificate_name: str
    certificate_type: str
    csr: str
    valid_from: datetime | None = None


class RandomBits(Protocol):
    """The seeded generator's one call used here (``random.Random.getrandbits``)."""

    def getrandbits(self, k: int, /) -> int:
        """``k`` random bits."""
        ...


@dataclass(frozen=True)
class Issuer:
    """What issuing needs: the CA, the seeded generator (serials) and the current time."""

    ca: KeyPair
    rng: RandomBits
    now: datetime


def required_subject(repo: CertificateRepo, caller: Caller) -> list[tuple[str, str]]:
    """The DN a CSR must repeat: the login certificate's (CN and C for a fingerprint).

    Raises:
        NoCsrData: a KSeF-token login, or a login whose certificate is unknown.
    """
    if caller.token_login or caller.login_document is None:
        raise NoCsrData(
            "Dane do wniosku pochodzą z certyfikatu użytego do logowania: zaloguj się "
            "podpisem XAdES (kwalifikowanym lub certyfikatem KSeF), nie tokenem KSeF."
        )
    subject = repo.login_subject(caller.login_document)
    if subject is None:
        raise NoCsrData("Nie znaleziono certyfikatu, którym podpisano logowanie.")
    if caller.identity.type == "Fingerprint":
        subject = [(oid, text) for oid, text in subject if oid in (_CN, _C)]
    return [(oid, text) for oid, text in subject if oid in DATA_FIELDS]


def enrollment_data(repo: CertificateRepo, caller: Caller) -> dict[str, str]:
    """``GET /certificates/enrollments/data``: the subject fields, by the spec's names.

    A repeated ``givenName`` is joined with spaces.
    """
    fields: dict[str, list[str]] = {}
    for oid, text in required_subject(repo, caller):
        fields.setdefault(DATA_FIELDS[oid], []).append(text)
    if "commonName" not in fields or "countryName" not in fields:
        raise NoCsrData(
            "Certyfikat logowania nie ma atrybutów commonName (2.5.4.3) i countryName "
            "(2.5.4.6), które musi zawierać wniosek."
        )
    return {name: " ".join(values) for name, values in fields.items()}


def require_enrollment_login(caller: Caller) -> None:
    """Check 1: a KSeF-token login may not enrol (25002), before the body is read."""
    if caller.token_login:
        raise EnrollmentNotAllowed(
            "Wniosek certyfikacyjny można złożyć po zalogowaniu podpisem XAdES, nie tokenem KSeF."
        )


def enroll(
    repo: CertificateRepo,
    caller: Caller,
    request: EnrollRequest,
    plan: EnrollmentPlan,
    now: datetime,
    new_reference: Callable[[], str],
) -> Enrollment:
    """``POST /certificates/enrollments`` after the body passed the schema (check 2).

    Raises:
        KsefError: 25002, 25004, 25010, 25011, 25003, 25006, 25007, in that order.
    """
    require_enrollment_login(caller)
    try:
        checked = csr_rules.check_csr(request.csr)
    except csr_rules.CsrProblem as exc:
        raise _CSR_ERRORS[exc.kind](str(exc)) from exc
    _check_subject(
        csr_rules.subject_attributes(checked.csr.subject), required_subject(repo, caller)
    )
    with repo.transaction():
        limits = repo.limits(caller.identity, caller.context_key)
        if len(repo.enrollments_of(caller.identity)) >= limits.max_enrollments:
            raise EnrollmentLimit(f"Limit wniosków: {limits.max_enrollments}.")
        if count_active(repo, caller.identity, now) >= limits.max_certificates:
            raise CertificateLimit(
                f"Limit aktywnych certyfikatów: {limits.max_certificates}; unieważnij "
                "niepotrzebny certyfikat (POST /certificates/{serial}/revoke)."
            )
        outcome = plan.outcome
        forced = outcome is not None and outcome.code != 200
        enrollment = Enrollment(
            reference=new_reference(),
            identity=caller.identity,
            context_key=caller.context_key,
            request_date=now,
            certificate_name=request.certificate_name,
            certificate_type=request.certificate_type,
            csr=request.csr,
            key_id=checked.key_id,
            valid_from=request.valid_from,
            pending_polls=plan.delay.polls,
            pending_until=now + timedelta(seconds=plan.delay.seconds)
            if plan.delay.seconds
            else None,
            forced_code=outcome.code if forced and outcome else None,
            forced_details=outcome.details if forced and outcome else None,
        )
        repo.put_enrollment(enrollment)
        return enrollment


def _check_subject(given: list[tuple[str, str]], required: list[tuple[str, str]]) -> None:
    """Check 6: the same ``(OID, text)`` multiset, whatever the order and string types."""
    if Counter(given) == Counter(required):
        return
    missing = sorted((Counter(required) - Counter(given)).elements())
    extra = sorted((Counter(given) - Counter(required)).elements())
    parts = []
    if missing:
        parts.append("brakuje " + ", ".join(f"{oid}={text!r}" for oid, text in missing))
    if extra:
        parts.append("nadmiarowe " + ", ".join(f"{oid}={text!r}" for oid, text in extra))
    raise CsrSubjectMismatch(
        "Podmiot (subject) wniosku musi dokładnie powtarzać dane z GET "
        f"/certificates/enrollments/data: {'; '.join(parts)}."
    )


def count_active(repo: CertificateRepo, identity: Party, now: datetime) -> int:
    """Active (not revoked, blocked or expired) certificates of ``identity``."""
    return sum(1 for c in repo.certificates_of(identity) if c.status_at(now) == ACTIVE)


def enrollment_status(
    repo: CertificateRepo, caller: Caller, reference: str, issuer: Issuer
) -> Enrollment:
    """``GET /certificates/enrollments/{ref}``: one read; may finish the enrolment.

    Raises:
        EnrollmentNotFound: unknown, or another identity's (25005).
        Gone: older than 30 days.
    """
    with repo.transaction():
        enrollment = repo.enrollment(reference)
        if enrollment is None or enrollment.identity != caller.identity:
            raise EnrollmentNotFound(f"Nie znaleziono wniosku {reference}.")
        if issuer.now >= enrollment.request_date + timedelta(days=ENROLLMENT_RETENTION_DAYS):
            raise Gone("Operacja wygasła i nie jest już dostępna.")
        if enrollment.status_code != 100:
            return enrollment
        if enrollment.pending_polls > 0 or _waiting(enrollment, issuer.now):
            polls = max(enrollment.pending_polls - 1, 0)
            repo.put_enrollment(dataclasses.replace(enrollment, pending_polls=polls))
            return enrollment
        return _finish(repo, enrollment, issuer)


def settle(repo: CertificateRepo, identity: Party, issuer: Issuer) -> None:
    """Finish every enrolment of ``identity`` whose polls and time are used up."""
    with repo.transaction():
        for enrollment in repo.enrollments_of(identity):
            if (
                enrollment.status_code == 100
                and enrollment.pending_polls == 0
                and not _waiting(enrollment, issuer.now)
            ):
                _finish(repo, enrollment, issuer)


def _waiting(enrollment: Enrollment, now: datetime) -> bool:
    return enrollment.pending_until is not None and now < enrollment.pending_until


def _finish(repo: CertificateRepo, enrollment: Enrollment, issuer: Issuer) -> Enrollment:
    issued_at = enrollment.pending_until or enrollment.request_date
    if enrollment.forced_code is not None:
        code = enrollment.forced_code
        details = enrollment.forced_details
        if details is None:
            details = ENROLLMENT_DEFAULT_DETAILS.get(code, ())
        return _store(
            repo, dataclasses.replace(enrollment, status_code=code, status_details=details)
        )
    if any(
        c.identity != enrollment.identity for c in repo.certificates_with_key(enrollment.key_id)
    ):
        return _store(
            repo, dataclasses.replace(enrollment, status_code=400, status_details=(KEY_TAKEN,))
        )
    limits = repo.limits(enrollment.identity, enrollment.context_key)
    if count_active(repo, enrollment.identity, issuer.now) >= limits.max_certificates:
        return _store(
            repo, dataclasses.replace(enrollment, status_code=400, status_details=(LIMIT_REACHED,))
        )
    certificate = _issue(repo, enrollment, issuer, issued_at)
    repo.put_certificate(certificate)
    return _store(repo, dataclasses.replace(enrollment, status_code=200, serial=certificate.serial))


def _store(repo: CertificateRepo, enrollment: Enrollment) -> Enrollment:
    repo.put_enrollment(enrollment)
    return enrollment


def new_serial(rng: RandomBits, sequence: int) -> int:
    """Eight bytes, the first 0x01–0x7F (top bit clear, so 16 hex digits as a DER integer)."""
    first = 1 + rng.getrandbits(7) % 127
    return (first << 56) | ((sequence & 0xFFFFFF) << 32) | rng.getrandbits(32)


def _plus_years(when: datetime, years: int) -> datetime:
    try:
        return when.replace(year=when.year + years)
    except ValueError:  # 29 February
        return when.replace(year=when.year + years, day=28)


def _issue(
    repo: CertificateRepo, enrollment: Enrollment, issuer: Issuer, issued_at: datetime
) -> KsefCertificate:
    sequence = repo.next_sequence()
    serial = new_serial(issuer.rng, sequence)
    valid_from = enrollment.valid_from or issued_at
    valid_to = _plus_years(valid_from, VALIDITY_YEARS)
    csr = x509.load_der_x509_csr(base64.b64decode(enrollment.csr))
    order = IssueOrder(serial, enrollment.certificate_type, valid_from, valid_to)
    certificate = issue(issuer.ca.private_key, issuer.ca.certificate, csr, order)
    common = csr.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
    return KsefCertificate(
        serial=f"{serial:016X}",
        name=enrollment.certificate_name,
        type=enrollment.certificate_type,
        identity=enrollment.identity,
        common_name=str(common[0].value) if common else "",
        valid_from=valid_from,
        valid_to=valid_to,
        request_date=enrollment.request_date,
        der=b64(certificate.public_bytes(Encoding.DER)),
        key_id=enrollment.key_id,
        sequence=sequence,
    )
