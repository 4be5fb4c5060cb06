"""Logging in: challenges, KSeF-token and XAdES logins (the start of an operation).

Pure domain logic (no Flask). Every time comes from the injected clock, every identifier
from the seeded numbering (both in :class:`~mock_ksef.domain.deps.AuthDeps`). Who may log
in, and with which rights, is decided by an
:class:`AuthPolicy`; the default :class:`PermissivePolicy` accepts any non-empty KSeF
token and any verifiable certificate and grants ``DEFAULT_PERMISSIONS`` in the requested
context. A scenario engine can supply its own policy.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from dataclasses import dataclass
from datetime import timedelta

from mock_ksef.crypto.digest import b64decode_strict, sha256_b64
from mock_ksef.crypto.envelope import DecryptionError, rsa_oaep_decrypt
from mock_ksef.crypto.xades import (
    CertificateError,
    SignatureError,
    certificate_in_validity,
    certificate_subject,
    embedded_certificate,
    verify_signature,
)
from mock_ksef.domain.auth.policy import (
    AUTH_DEFAULT_DETAILS,
    AuthPolicy,
    PermissivePolicy,
    Verdict,
)
from mock_ksef.domain.auth.tokens import OPERATION, IssuedToken
from mock_ksef.domain.auth.values import (
    AuthMethod,
    AuthOperation,
    Challenge,
    ContextId,
)
from mock_ksef.domain.auth.xades_request import read_auth_token_request
from mock_ksef.domain.certificates.certificate_login import check_login_certificate  # w-certs hook
from mock_ksef.domain.certificates.certificate_repo import CertificateRepo  # w-certs hook
from mock_ksef.domain.deps import AuthDeps
from mock_ksef.domain.errors import (
    BadSignature,
    InvalidCertificate,
    SchemaViolation,
    SubjectMismatch,
    UnknownChallenge,
    UnknownPublicKey,
    ValidationFailed,
)
from mock_ksef.domain.peppol.peppol_providers import PeppolProviders, provider_seal  # w-iz hook
from mock_ksef.domain.testdata import is_blocked
from mock_ksef.ids import REFERENCE_RE, RefType, with_checksum
from mock_ksef.timefmt import millis
from mock_ksef.xml.auth_xsd import auth_schemas

CONTEXT_PATTERNS: dict[str, re.Pattern[str]] = {
    "Nip": re.compile(r"^\d{10}$"),
    "InternalId": re.compile(r"^\d{10}-\d{5}$"),
    "NipVatUe": re.compile(r"^\d{10}-[A-Z]{2}[0-9A-Z+*]{2,13}$"),
    "PeppolId": re.compile(r"^P[A-Z]{2}\d{6}$"),
}
TOKEN_METHOD = AuthMethod("Token", "Token", "token.ksef", "Token KSeF")
SEAL_METHOD = AuthMethod(
    "QualifiedSeal", "XadesSignature", "xades.qualified-seal", "Pieczęć kwalifikowana"
)
SIGNATURE_METHOD = AuthMethod(
    "QualifiedSignature", "XadesSignature", "xades.qualified-signature", "Podpis kwalifikowany"
)
#: w-certs hook: a login signed with a mock-issued KSeF certificate (BRIEF-ADMIN §8.13).
INTERNAL_CERTIFICATE_METHOD = AuthMethod(
    "InternalCertificate", "XadesSignature", "xades.internal-certificate", "Certyfikat KSeF"
)
#: Date part of EC references derived from tokens that do not carry one (KSeF 2.0 launch).
DERIVED_TOKEN_DATE = "20260201"
BAD_TOKEN_TIME = "Nieprawidłowy czas tokena"


@dataclass(frozen=True)
class KsefTokenRequest:
    """A parsed ``InitTokenAuthenticationRequest``."""

    challenge: str
    context: ContextId
    encrypted_token: str
    public_key_id: str | None = None


@dataclass(frozen=True)
class Initiated:
    """A started authentication operation and its operation token."""

    reference: str
    token: IssuedToken


def check_context(context: ContextId) -> list[str]:
    """Problems with a context identifier's value for its type (empty when fine)."""
    pattern = CONTEXT_PATTERNS.get(context.type)
    if pattern is None:
        return [f"Nieznany typ identyfikatora kontekstu: {context.type}."]
    if not pattern.match(context.value):
        return [
            f"Wartość '{context.value}' nie jest poprawnym identyfikatorem typu {context.type}."
        ]
    return []


def ksef_token_reference(token: str) -> str:
    """The EC reference of a KSeF token: its own ``REF|…`` prefix, or one derived from it."""
    head = token.split("|", 1)[0]
    if "|" in token and REFERENCE_RE.match(head):
        return head
    digest = hashlib.sha256(token.encode()).hexdigest().upper()
    return with_checksum(f"{DERIVED_TOKEN_DATE}-EC-{digest[:10]}-{digest[10:20]}")


class Authenticator:
    """Login use cases over the authentication dependencies of one app."""

    def __init__(self, deps: AuthDeps, policy: AuthPolicy | None = None) -> None:
        self.deps = deps
        self.policy: AuthPolicy = policy or PermissivePolicy()
        self.config = deps.config

    # --- challenge -------------------------------------------------------------------
    def new_challenge(self) -> Challenge:
        """Create and store a fresh challenge."""
        now = self.deps.clock.now()
        challenge = Challenge(self.deps.numbering.reference(RefType.CHALLENGE, now), now)
        self.deps.repos.put_challenge(challenge)
        return challenge

    def _usable_challenge(self, value: str) -> Challenge:
        challenge = self.deps.repos.get_challenge(value)
        ttl = timedelta(seconds=self.config.challenge_ttl_s)
        if challenge is None or challenge.used or self.deps.clock.now() >= challenge.created + ttl:
            raise UnknownChallenge()
        return challenge

    # --- starting operations ---------------------------------------------------------
    def _start(
        self,
        challenge: Challenge,
        context: ContextId,
        method: AuthMethod,
        verdict: Verdict,
        **extra: object,
    ) -> Initiated:
        now = self.deps.clock.now()
        if is_blocked(self.deps.store, context):  # POST /testdata/context/block
            verdict = dataclasses.replace(
                verdict, status_code=480, details=AUTH_DEFAULT_DETAILS[480], permissions=()
            )
        status = verdict.status_code
        details = verdict.details
        if status == 200 and not verdict.permissions:
            status, details = 415, ("Brak przypisanych uprawnień",)
        op = AuthOperation(
            reference=self.deps.numbering.reference(RefType.AUTH, now),
            context=context,
            method=method,
            start_date=now,
            status_code=status,
            status_details=details,
            permissions=verdict.permissions,
            pending_polls=verdict.pending_polls,
            scenario=verdict.scenario,
            pending_until=(
                now + timedelta(seconds=verdict.pending_seconds)
                if verdict.pending_seconds
                else None
            ),
            access_token_seconds=verdict.access_token_seconds,
            refresh_token_seconds=verdict.refresh_token_seconds,
            **extra,  # type: ignore[arg-type]
        )
        self.deps.repos.put_challenge(dataclasses.replace(challenge, used=True))
        self.deps.repos.put_auth(op)
        seconds = verdict.operation_token_seconds
        ttl = timedelta(seconds=self.config.operation_token_ttl_s if seconds is None else seconds)
        token = self.deps.tokens.issue(OPERATION, op, now, ttl, self.deps.numbering.token_id())
        return Initiated(op.reference, token)

    def init_ksef_token(self, request: KsefTokenRequest) -> Initiated:
        """``POST /auth/ksef-token``.

        Raises:
            KsefError: 21405 (context, ciphertext), 21470 (key id), 21111 (challenge).
        """
        problems = check_context(request.context)
        if problems:
            raise ValidationFailed(*problems)
        key = self.deps.keys.ksef_token
        if request.public_key_id is not None and request.public_key_id != key.public_key_id:
            raise UnknownPublicKey(
                f"Klucz o identyfikatorze {request.public_key_id} nie jest wspierany."
            )
        with self.deps.store.transaction():
            challenge = self._usable_challenge(request.challenge)
            token, timestamp = self._decrypt_token(request.encrypted_token)
            if timestamp != str(millis(challenge.created)):
                verdict = Verdict(450, (BAD_TOKEN_TIME,), ())
            else:
                verdict = self.policy.ksef_token(token, request.context)
            return self._start(
                challenge,
                request.context,
                TOKEN_METHOD,
                verdict,
                subject={"type": request.context.type, "value": request.context.value},
                ksef_token_reference=ksef_token_reference(token),
            )

    def _decrypt_token(self, encrypted: str) -> tuple[str, str]:
        try:
            plain = rsa_oaep_decrypt(
                self.deps.keys.ksef_token.private_key, b64decode_strict(encrypted)
            )
            text = plain.decode("utf-8")
        except ValueError as exc:  # bad Base64, UnicodeDecodeError
            raise ValidationFailed(f"encryptedToken: {exc}") from exc
        except DecryptionError as exc:
            raise ValidationFailed(
                "encryptedToken: nie można odszyfrować tokena (RSA-OAEP SHA-256)."
            ) from exc
        token, sep, timestamp = text.rpartition("|")
        if not sep:
            raise ValidationFailed("encryptedToken: oczekiwano postaci token|timestamp.")
        return token, timestamp

    def init_xades(self, document: bytes, verify_certificate_chain: bool = False) -> Initiated:
        """``POST /auth/xades-signature``.

        Raises:
            KsefError: 21217, 21001, 21401, 9101-9105, 21115, 21111, 21117.
        """
        request = read_auth_token_request(document, auth_schemas(self.config.auth_schema_dir))
        problems = check_context(request.context)
        if problems:
            raise SchemaViolation(*problems)
        try:
            cert = embedded_certificate(request.signature)
        except CertificateError as exc:
            raise InvalidCertificate(str(exc)) from exc
        try:
            verify_signature(request.root, cert)
        except SignatureError as exc:
            raise BadSignature(str(exc)) from exc
        subject = certificate_subject(cert)
        peppol_name = provider_seal(cert, request.context)  # w-iz hook: a Peppol provider's seal
        if peppol_name is not None:  # the provider is its PeppolId (BRIEF-ADMIN 1.1)
            subject = dataclasses.replace(
                subject, identifier_type="PeppolId", identifier=request.context.value
            )
        if (
            request.subject_identifier_type == "certificateSubject"
            and not subject.has_subject_identifier
            and peppol_name is None  # w-iz hook: its PeppolId is the subject
        ):
            raise SubjectMismatch(
                "Certyfikat nie zawiera identyfikatora NIP ani PESEL (serialNumber/"
                "organizationIdentifier); użyj certificateFingerprint."
            )
        now = self.deps.clock.now()
        with self.deps.store.transaction():
            challenge = self._usable_challenge(request.challenge)
            # --- w-certs hook: the mock CA's certificates are judged by its registry.
            internal = check_login_certificate(
                CertificateRepo(self.deps.store),
                self.deps.keys.ca.certificate,
                cert,
                now,
                sha256_b64(document),
            )
            if internal is not None:
                subject = internal.apply_to(subject)
                verdict = (
                    Verdict(460, (internal.failure,), ())
                    if internal.failure
                    else self.policy.certificate(subject, request.context)
                )
            # --- end of the w-certs hook
            elif not certificate_in_validity(cert, now):
                verdict = Verdict(460, ("Nieważny certyfikat.",), ())
            elif verify_certificate_chain:
                # No trust list in the mock: a forced chain check fails for every certificate.
                verdict = Verdict(460, ("Niezaufany łańcuch certyfikatów.",), ())
            else:
                verdict = self.policy.certificate(subject, request.context)
            # --- w-iz hook: a provider registers itself at its first successful login.
            if peppol_name is not None and verdict.status_code == 200:
                PeppolProviders(self.deps.store).register(request.context.value, peppol_name, now)
            # --- end of the w-iz hook
            if request.subject_identifier_type == "certificateFingerprint":
                who = {"type": "Fingerprint", "value": subject.fingerprint}
            else:
                who = {"type": subject.identifier_type, "value": subject.identifier}
            return self._start(
                challenge,
                request.context,
                INTERNAL_CERTIFICATE_METHOD  # w-certs hook
                if internal is not None
                else (SEAL_METHOD if subject.seal else SIGNATURE_METHOD),
                verdict,
                subject=who,
                auth_document_hash=sha256_b64(document),
            )
