"""The registry's other use cases: limits, query, retrieve, revoke and the test-data
``validTo`` change. Certificates belong to the identity that enrolled them, whatever the
login context; another identity's serial is unknown to the caller (25008)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime

from mock_ksef.domain.certificates.certificate_refusals import CertificateNotFound, NotRevocable
from mock_ksef.domain.certificates.certificate_repo import CertificateRepo
from mock_ksef.domain.certificates.certificate_values import (
    ACTIVE,
    REVOKED,
    Caller,
    KsefCertificate,
    Limits,
)
from mock_ksef.domain.certificates.enrollment import Issuer, count_active, settle
from mock_ksef.domain.errors import Forbidden, ValidationFailed


@dataclass(frozen=True)
class LimitsReport:
    """``GET /certificates/limits``."""

    can_request: bool
    limits: Limits
    enrollments_used: int
    certificates_used: int

    @property
    def enrollments_left(self) -> int:
        """Enrolments the identity may still file."""
        return max(self.limits.max_enrollments - self.enrollments_used, 0)

    @property
    def certificates_left(self) -> int:
        """Active certificates the identity may still hold."""
        return max(self.limits.max_certificates - self.certificates_used, 0)


@dataclass(frozen=True)
class QueryFilter:
    """``QueryCertificatesRequest``: every given field must match."""

    serial: str | None = None
    name: str | None = None
    type: str | None = None
    status: str | None = None
    expires_after: datetime | None = None


def require_signature_login(caller: Caller) -> None:
    """403 ``auth-method-not-allowed`` for a KSeF-token login (BRIEF-ADMIN §4, §8.11)."""
    if caller.token_login:
        raise Forbidden(
            "Ta operacja nie jest dostępna dla podmiotu uwierzytelnionego tokenem KSeF: "
            "zaloguj się podpisem XAdES.",
            "auth-method-not-allowed",
            {"authenticationMethodCategory": "Token"},
        )


def limits_report(repo: CertificateRepo, caller: Caller, issuer: Issuer) -> LimitsReport:
    """Limits, used slots and whether a new enrolment may be filed."""
    settle(repo, caller.identity, issuer)
    limits = repo.limits(caller.identity, caller.context_key)
    report = LimitsReport(
        can_request=False,
        limits=limits,
        enrollments_used=len(repo.enrollments_of(caller.identity)),
        certificates_used=count_active(repo, caller.identity, issuer.now),
    )
    allowed = not caller.token_login and report.enrollments_left > 0
    return dataclasses.replace(report, can_request=allowed and report.certificates_left > 0)


def query(
    repo: CertificateRepo,
    caller: Caller,
    wanted: QueryFilter,
    page: tuple[int, int],
    issuer: Issuer,
) -> tuple[list[KsefCertificate], bool]:
    """``POST /certificates/query``: matching certificates newest first, and ``hasMore``.

    ``page`` is ``(pageSize, pageOffset)``; revoked and expired certificates stay listed.
    """
    settle(repo, caller.identity, issuer)
    now = issuer.now
    found = [c for c in repo.certificates_of(caller.identity) if _matches(c, wanted, now)]
    size, offset = page
    start = size * offset
    return found[start : start + size], start + size < len(found)


def _matches(certificate: KsefCertificate, wanted: QueryFilter, now: datetime) -> bool:
    return (
        (wanted.serial is None or certificate.serial == wanted.serial)
        and (wanted.name is None or wanted.name.lower() in certificate.name.lower())
        and (wanted.type is None or certificate.type == wanted.type)
        and (wanted.status is None or certificate.status_at(now) == wanted.status)
        and (wanted.expires_after is None or certificate.valid_to > wanted.expires_after)
    )


def retrieve(
    repo: CertificateRepo, caller: Caller, serials: list[str], issuer: Issuer
) -> list[KsefCertificate]:
    """``POST /certificates/retrieve``: the caller's certificates among ``serials``, in order.

    Unknown and other identities' serials are left out silently (BRIEF-ADMIN §8.12).
    """
    settle(repo, caller.identity, issuer)
    found = []
    for serial in dict.fromkeys(serials):
        certificate = repo.certificate(serial)
        if certificate is not None and certificate.identity == caller.identity:
            found.append(certificate)
    return found


def _own(repo: CertificateRepo, caller: Caller, serial: str) -> KsefCertificate:
    certificate = repo.certificate(serial)
    if certificate is None or certificate.identity != caller.identity:
        raise CertificateNotFound(
            f"Nie znaleziono certyfikatu {serial} wśród certyfikatów uwierzytelnionego podmiotu "
            f"({caller.identity.type} {caller.identity.value})."
        )
    return certificate


def revoke(
    repo: CertificateRepo, caller: Caller, serial: str, reason: str | None, now: datetime
) -> None:
    """``POST /certificates/{serial}/revoke``: straight to Revoked (frees a slot).

    Raises:
        CertificateNotFound: 25008; NotRevocable: 25009 (revoked, blocked or expired).
    """
    with repo.transaction():
        certificate = _own(repo, caller, serial)
        status = certificate.status_at(now)
        if status != ACTIVE:
            raise NotRevocable(f"Certyfikat {serial} ma status {status}.")
        repo.put_certificate(
            dataclasses.replace(
                certificate, status=REVOKED, revocation_reason=reason or "Unspecified"
            )
        )


def move_valid_to(repo: CertificateRepo, caller: Caller, serial: str, valid_to: datetime) -> None:
    """``PUT /testdata/certificates/{serial}``: end the validity earlier (BRIEF-IZ §6).

    A date in the past is fine (the certificate is Expired at once); the DER keeps its
    notAfter.

    Raises:
        CertificateNotFound: 25008; ValidationFailed: 21405 for a later or pre-validFrom date.
    """
    with repo.transaction():
        certificate = _own(repo, caller, serial)
        if valid_to > certificate.valid_to:
            raise ValidationFailed(
                f"validTo: nowa data ({valid_to.isoformat()}) nie może być późniejsza niż "
                f"obecna ({certificate.valid_to.isoformat()})."
            )
        if valid_to < certificate.valid_from:
            raise ValidationFailed(
                f"validTo: nowa data ({valid_to.isoformat()}) jest wcześniejsza niż validFrom "
                f"({certificate.valid_from.isoformat()})."
            )
        repo.put_certificate(dataclasses.replace(certificate, valid_to=valid_to))
