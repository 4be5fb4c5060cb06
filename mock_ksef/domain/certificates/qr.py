"""QR code II ("CERTYFIKAT") verification: what the public QR portal checks (``kody-qr.md``).

Link: ``{host}/certificate/{contextType}/{contextValue}/{sellerNip}/{serial}/{hash}/{sig}``
where ``hash`` is the invoice file's SHA-256 and ``sig`` signs everything before it
(without ``https://``), both Base64URL. Each check gives one line of the answer.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from datetime import datetime

from cryptography import x509

from mock_ksef.crypto.link_signature import link_signature_valid
from mock_ksef.domain.certificates.certificate_repo import CertificateRepo
from mock_ksef.domain.certificates.certificate_values import OFFLINE_TYPE, KsefCertificate

CONTEXT_TYPES = ("Nip", "InternalId", "NipVatUe", "PeppolId")
_SERIAL = re.compile(r"^[0-9A-F]{16}$")
_NIP = re.compile(r"^\d{10}$")


@dataclass(frozen=True)
class QrLink:
    """The segments of a QR code II link and the text its signature covers."""

    context_type: str
    context_value: str
    seller_nip: str
    serial: str
    invoice_hash: str
    signature: str
    signed_text: str


@dataclass(frozen=True)
class Check:
    """One verification step: a stable name, the result and the line shown."""

    name: str
    ok: bool
    text: str


def b64url_decode(text: str) -> bytes | None:
    """Base64URL without padding → bytes (``None`` when malformed)."""
    if not re.fullmatch(r"[A-Za-z0-9_-]*", text):
        return None
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        return None


def link_problems(link: QrLink) -> list[str]:
    """What is malformed in the link itself (empty when every segment is well formed)."""
    problems = []
    if link.context_type not in CONTEXT_TYPES:
        problems.append(f"Typ kontekstu {link.context_type!r} spoza {', '.join(CONTEXT_TYPES)}.")
    if not _NIP.match(link.seller_nip):
        problems.append(f"NIP sprzedawcy {link.seller_nip!r} nie ma 10 cyfr.")
    if not _SERIAL.match(link.serial):
        problems.append(
            f"Numer seryjny {link.serial!r}: oczekiwano 16 wielkich cyfr szesnastkowych."
        )
    digest = b64url_decode(link.invoice_hash)
    if digest is None or len(digest) != 32:
        problems.append("Skrót faktury musi być SHA-256 (32 bajty) w Base64URL.")
    if not b64url_decode(link.signature):
        problems.append("Podpis musi być niepustym tekstem Base64URL.")
    return problems


def verify_link(repo: CertificateRepo, link: QrLink, now: datetime) -> list[Check]:
    """The portal's checks, in order; later checks fail when the certificate is unknown."""
    certificate = repo.certificate(link.serial)
    if certificate is None:
        return [
            Check("exists", False, f"Certyfikat nie istnieje (numer seryjny {link.serial})."),
        ]
    status = certificate.status_at(now)
    usable = certificate.usable_at(now)
    return [
        Check("exists", True, f"Certyfikat istnieje (numer seryjny {link.serial})."),
        Check(
            "offline",
            certificate.type == OFFLINE_TYPE,
            "Certyfikat jest typu Offline."
            if certificate.type == OFFLINE_TYPE
            else f"Certyfikat typu {certificate.type} nie podpisuje kodów QR (tylko Offline).",
        ),
        Check(
            "active",
            usable,
            f"Certyfikat jest aktywny (ważny do {certificate.valid_to.isoformat()})."
            if usable
            else f"Certyfikat nie jest aktywny (status {status}).",
        ),
        _signature_check(certificate, link),
        _rights_check(certificate, link),
        _seller_check(link),
    ]


def _signature_check(certificate: KsefCertificate, link: QrLink) -> Check:
    key = x509.load_der_x509_certificate(base64.b64decode(certificate.der)).public_key()
    signature = b64url_decode(link.signature) or b""
    if link_signature_valid(key, link.signed_text, signature):
        return Check("signature", True, "Podpis wystawcy jest prawidłowy.")
    return Check(
        "signature",
        False,
        "Podpis wystawcy jest nieprawidłowy: oczekiwano RSASSA-PSS (SHA-256, MGF1-SHA-256, "
        "sól 32 B) lub ECDSA P-256/SHA-256 kluczem certyfikatu, nad tekstem "
        f"{link.signed_text!r}.",
    )


def _context_nip(link: QrLink) -> str | None:
    if link.context_type == "Nip":
        return link.context_value
    if link.context_type in ("InternalId", "NipVatUe"):
        return link.context_value.split("-", 1)[0]
    return None


def _rights_check(certificate: KsefCertificate, link: QrLink) -> Check:
    identity = certificate.identity
    if identity.type == "Nip" and _context_nip(link) == identity.value:
        return Check(
            "rights", True, "Wystawca posiada uprawnienia do wystawienia faktury w kontekście."
        )
    return Check(
        "rights",
        False,
        f"Wystawca ({identity.type} {identity.value}) nie posiada uprawnień do wystawienia "
        f"faktury w kontekście {link.context_type} {link.context_value}.",
    )


def _seller_check(link: QrLink) -> Check:
    if _context_nip(link) == link.seller_nip:
        return Check("seller", True, "Kontekst może wystawiać faktury sprzedawcy.")
    return Check(
        "seller",
        False,
        f"Kontekst {link.context_type} {link.context_value} nie może wystawiać faktur "
        f"sprzedawcy o NIP {link.seller_nip}.",
    )
