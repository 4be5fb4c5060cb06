"""Values of the certificate registry: identities, enrolments, certificates, limits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from mock_ksef.domain.auth.values import Party

ACTIVE = "Active"
BLOCKED = "Blocked"
REVOKED = "Revoked"
EXPIRED = "Expired"
AUTHENTICATION_TYPE = "Authentication"
OFFLINE_TYPE = "Offline"

ENROLLMENT_STATUS_TEXT: dict[int, str] = {
    100: "Wniosek przyjęty do realizacji",
    200: "Wniosek obsłużony (certyfikat wygenerowany)",
    400: "Wniosek odrzucony",
    500: "Nieznany błąd",
    550: "Operacja została anulowana przez system",
}
KEY_TAKEN = "Klucz publiczny został już certyfikowany przez inny podmiot."
LIMIT_REACHED = "Osiągnięto dopuszczalny limit posiadanych certyfikatów."
#: Details of a forced final code when the scenario gives none (the spec's table).
ENROLLMENT_DEFAULT_DETAILS: dict[int, tuple[str, ...]] = {
    400: (KEY_TAKEN,),
    500: (),
    550: ("Przetwarzanie zostało przerwane z przyczyn wewnętrznych systemu. Spróbuj ponownie",),
}

#: (enrolments, active certificates) per identity type (``limity.md``; changelog 2.3.0).
DEFAULT_LIMITS: dict[str, tuple[int, int]] = {
    "Nip": (300, 100),
    "Pesel": (12, 6),
    "Fingerprint": (12, 6),
}
#: Enrolment statuses answer 410 after this long (the spec's 30 days).
ENROLLMENT_RETENTION_DAYS = 30
#: Validity of an issued certificate: ``validFrom`` + 2 years (the spec's example).
VALIDITY_YEARS = 2


@dataclass(frozen=True)
class Caller:
    """The authenticated subject of a certificate request, read from its login."""

    identity: Party
    #: Logged in with a KSeF token (no CSR data, no enrolment, 403 elsewhere).
    token_login: bool
    #: SHA-256 (Base64) of the signed ``AuthTokenRequest``: finds the login certificate.
    login_document: str | None
    #: The login context's key, where ``/testdata/limits/subject/certificate`` is kept.
    context_key: str


@dataclass(frozen=True)
class Limits:
    """Enrolments and active certificates one identity may have."""

    max_enrollments: int
    max_certificates: int


@dataclass(frozen=True)
class Enrollment:
    """One ``POST /certificates/enrollments`` request (``EH`` reference) and its outcome."""

    reference: str
    identity: Party
    request_date: datetime
    certificate_name: str
    certificate_type: str
    csr: str
    key_id: str
    #: The login context (its ``/testdata/limits/subject/certificate`` override applies).
    context_key: str = ""
    valid_from: datetime | None = None
    status_code: int = 100
    status_details: tuple[str, ...] = ()
    serial: str | None = None
    #: Status reads that still answer 100, and the time before which they do (scenario).
    pending_polls: int = 0
    pending_until: datetime | None = None
    #: A final code the scenario forces instead of issuing (400, 500, 550).
    forced_code: int | None = None
    forced_details: tuple[str, ...] | None = None


@dataclass(frozen=True)
class KsefCertificate:
    """An issued KSeF certificate as the registry knows it."""

    serial: str
    name: str
    type: str
    identity: Party
    common_name: str
    valid_from: datetime
    #: Authoritative end of validity (``PUT /testdata/certificates`` moves it earlier;
    #: the DER keeps its original notAfter).
    valid_to: datetime
    request_date: datetime
    der: str
    key_id: str
    #: Issue order: ties of ``request_date`` sort newest first by it.
    sequence: int
    #: ``Active``, ``Blocked`` or ``Revoked``; ``Expired`` is computed (:meth:`status_at`).
    status: str = ACTIVE
    last_use_date: datetime | None = None
    revocation_reason: str | None = None

    def status_at(self, now: datetime) -> str:
        """The status a client sees at ``now``."""
        if self.status != ACTIVE:
            return self.status
        return EXPIRED if now >= self.valid_to else ACTIVE

    def usable_at(self, now: datetime) -> bool:
        """Active and within its validity period."""
        return self.status_at(now) == ACTIVE and self.valid_from <= now
