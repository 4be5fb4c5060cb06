"""The XAdES login hook: certificates issued by the mock CA are judged by the registry.

``domain/auth/login.py`` calls :func:`check_login_certificate` once per XAdES login,
after the XML signature was verified with the embedded certificate. It records the
certificate's DN for ``GET /certificates/enrollments/data`` and, for a certificate that
names the mock CA as its issuer, returns the registry's verdict (BRIEF-ADMIN §4):

=========================================================  ==========================
Signer certificate                                         460 detail
=========================================================  ==========================
not signed by the CA, not in the registry, other DER       Niepoprawny certyfikat
type Offline                                               Niepoprawny certyfikat
Revoked / Blocked                                          Certyfikat odwołany / zawieszony
before validFrom or after the registry's validTo           Nieważny certyfikat
=========================================================  ==========================

Any other certificate gets ``None`` and keeps the self-signed path.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from mock_ksef.crypto.ca import claims_ca, signed_by_ca
from mock_ksef.crypto.csr import subject_attributes
from mock_ksef.crypto.digest import b64
from mock_ksef.crypto.xades import CertificateSubject
from mock_ksef.domain.certificates.certificate_repo import CertificateRepo
from mock_ksef.domain.certificates.certificate_values import (
    AUTHENTICATION_TYPE,
    BLOCKED,
    EXPIRED,
    REVOKED,
)

INVALID = "Niepoprawny certyfikat"
_STATUS_DETAIL = {
    REVOKED: "Certyfikat odwołany",
    BLOCKED: "Certyfikat zawieszony",
    EXPIRED: "Nieważny certyfikat",
}


@dataclass(frozen=True)
class InternalLogin:
    """The registry's verdict on a mock-issued signer certificate."""

    #: The 460 detail, or ``None`` when the certificate may log in.
    failure: str | None
    #: The enrolled identity (``None`` for an unknown certificate).
    identity_type: str | None = None
    identity_value: str | None = None

    def apply_to(self, subject: CertificateSubject) -> CertificateSubject:
        """The login subject with the registry's identity in place of the DN's."""
        if self.identity_type is None or self.identity_value is None:
            return subject
        fingerprint = (
            self.identity_value if self.identity_type == "Fingerprint" else subject.fingerprint
        )
        return dataclasses.replace(
            subject,
            identifier_type=self.identity_type,
            identifier=self.identity_value,
            fingerprint=fingerprint,
        )


def check_login_certificate(
    repo: CertificateRepo,
    ca_certificate: x509.Certificate,
    certificate: x509.Certificate,
    now: datetime,
    document_hash: str,
) -> InternalLogin | None:
    """Record the login's DN; judge a certificate of the mock CA (``None``: not one)."""
    repo.put_login_subject(document_hash, subject_attributes(certificate.subject))
    if not claims_ca(certificate, ca_certificate):
        return None
    if not signed_by_ca(certificate, ca_certificate):
        return InternalLogin(INVALID)
    known = repo.certificate(f"{certificate.serial_number:016X}")
    if known is None or known.der != b64(certificate.public_bytes(Encoding.DER)):
        return InternalLogin(INVALID)
    identity = (known.identity.type, known.identity.value)
    if known.type != AUTHENTICATION_TYPE:
        return InternalLogin(INVALID, *identity)
    status = known.status_at(now)
    if status in _STATUS_DETAIL:
        return InternalLogin(_STATUS_DETAIL[status], *identity)
    if now < known.valid_from:
        return InternalLogin(_STATUS_DETAIL[EXPIRED], *identity)
    repo.put_certificate(dataclasses.replace(known, last_use_date=now))
    return InternalLogin(None, *identity)
