"""The certificate registry's repository over the store (its only store access)."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

from mock_ksef.codec import from_doc, to_doc
from mock_ksef.domain.auth.values import Party
from mock_ksef.domain.certificates.certificate_values import (
    DEFAULT_LIMITS,
    Enrollment,
    KsefCertificate,
    Limits,
)
from mock_ksef.store.base import Store
from mock_ksef.store.kinds import (
    KSEF_CERTIFICATE,
    KSEF_ENROLLMENT,
    TESTDATA_SUBJECT_LIMITS,
    XADES_LOGIN_SUBJECT,
)


@dataclass(frozen=True)
class CertificateRepo:
    """Typed access to enrolments, certificates, login subjects and limit overrides."""

    store: Store

    def transaction(self) -> AbstractContextManager[None]:
        """Serialise a read-modify-write sequence."""
        return self.store.transaction()

    def next_sequence(self) -> int:
        """The next issue number (serials and ordering)."""
        return self.store.next_sequence("ksef-certificate")

    # --- enrolments ------------------------------------------------------------------
    def put_enrollment(self, enrollment: Enrollment) -> None:
        """Insert or replace an enrolment."""
        self.store.put(
            KSEF_ENROLLMENT,
            enrollment.reference,
            to_doc(enrollment),
            index={"identity": enrollment.identity.key},
        )

    def enrollment(self, reference: str) -> Enrollment | None:
        """An enrolment by its ``EH`` reference."""
        doc = self.store.get(KSEF_ENROLLMENT, reference)
        return None if doc is None else from_doc(Enrollment, doc)

    def enrollments_of(self, identity: Party) -> list[Enrollment]:
        """Every enrolment of ``identity``, oldest first."""
        docs = self.store.find(KSEF_ENROLLMENT, identity=identity.key)
        return [from_doc(Enrollment, doc) for doc in docs]

    # --- certificates ----------------------------------------------------------------
    def put_certificate(self, certificate: KsefCertificate) -> None:
        """Insert or replace a certificate."""
        self.store.put(
            KSEF_CERTIFICATE,
            certificate.serial,
            to_doc(certificate),
            index={"identity": certificate.identity.key, "key": certificate.key_id},
        )

    def certificate(self, serial: str) -> KsefCertificate | None:
        """A certificate by its 16-hex-digit serial."""
        doc = self.store.get(KSEF_CERTIFICATE, serial)
        return None if doc is None else from_doc(KsefCertificate, doc)

    def certificates_of(self, identity: Party) -> list[KsefCertificate]:
        """Every certificate of ``identity``, newest first."""
        docs = self.store.find(KSEF_CERTIFICATE, identity=identity.key)
        found = [from_doc(KsefCertificate, doc) for doc in docs]
        return sorted(found, key=lambda c: (c.request_date, c.sequence), reverse=True)

    def certificates_with_key(self, key_id: str) -> list[KsefCertificate]:
        """Certificates issued for the public key ``key_id`` (SPKI SHA-256 hex)."""
        return [
            from_doc(KsefCertificate, doc) for doc in self.store.find(KSEF_CERTIFICATE, key=key_id)
        ]

    # --- login subjects and limits ----------------------------------------------------
    def put_login_subject(self, document_hash: str, attributes: Sequence[tuple[str, str]]) -> None:
        """Remember the DN of a XAdES login's certificate (for ``enrollments/data``)."""
        self.store.put(
            XADES_LOGIN_SUBJECT, document_hash, {"subject": [list(a) for a in attributes]}
        )

    def login_subject(self, document_hash: str) -> list[tuple[str, str]] | None:
        """The DN recorded for a login document, as ``(OID, text)`` pairs."""
        doc = self.store.get(XADES_LOGIN_SUBJECT, document_hash)
        if doc is None:
            return None
        return [(str(oid), str(text)) for oid, text in doc["subject"]]

    def limits(self, identity: Party, context_key: str) -> Limits:
        """The limits in force: the test-data override of the context, else the defaults."""
        enrollments, certificates = DEFAULT_LIMITS.get(identity.type, DEFAULT_LIMITS["Pesel"])
        doc: dict[str, Any] = self.store.get(TESTDATA_SUBJECT_LIMITS, context_key) or {}
        enrollment = (doc.get("enrollment") or {}).get("maxEnrollments")
        certificate = (doc.get("certificate") or {}).get("maxCertificates")
        return Limits(
            enrollments if enrollment is None else int(enrollment),
            certificates if certificate is None else int(certificate),
        )
