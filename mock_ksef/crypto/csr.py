"""PKCS#10 certificate signing requests: reading them and the key and algorithm rules.

The checks come in the order ``POST /certificates/enrollments`` applies them
(BRIEF-ADMIN §4): format and self-signature, then the key, then the signature algorithm.
Each failure is a :class:`CsrProblem` naming the rule, which the domain maps to its code.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

FORMAT = "format"
KEY = "key"
ALGORITHM = "algorithm"

_RSA = "1.2.840.113549.1.1."
_ECDSA = "1.2.840.10045.4."
#: RSA PKCS#1 v1.5 and ECDSA with SHA-1/256/384/512, by OID; RSA-PSS is checked by hash.
_ALLOWED_SIGNATURES = {
    _RSA + "5": "sha1WithRSAEncryption",
    _RSA + "11": "sha256WithRSAEncryption",
    _RSA + "12": "sha384WithRSAEncryption",
    _RSA + "13": "sha512WithRSAEncryption",
    _ECDSA + "1": "ecdsa-with-SHA1",
    _ECDSA + "3.2": "ecdsa-with-SHA256",
    _ECDSA + "3.3": "ecdsa-with-SHA384",
    _ECDSA + "3.4": "ecdsa-with-SHA512",
}
_RSASSA_PSS = _RSA + "10"
_PSS_HASHES = (hashes.SHA1, hashes.SHA256, hashes.SHA384, hashes.SHA512)


class CsrProblem(Exception):
    """A CSR that breaks one rule (``kind``: format, key or algorithm)."""

    def __init__(self, kind: str, message: str) -> None:
        self.kind = kind
        super().__init__(message)


@dataclass(frozen=True)
class CheckedCsr:
    """A CSR that passed the format, key and algorithm rules."""

    csr: x509.CertificateSigningRequest
    #: SHA-256 (hex) of the SubjectPublicKeyInfo: the same key enrolled twice is spotted.
    key_id: str


def check_csr(csr_b64: str) -> CheckedCsr:
    """Read a Base64 DER PKCS#10 request and hold it to the KSeF rules.

    Raises:
        CsrProblem: ``format`` (not Base64, not DER PKCS#10, bad self-signature),
            ``key`` (not RSA-2048 nor EC P-256), ``algorithm`` (signature algorithm or
            hash not allowed).
    """
    try:
        der = base64.b64decode(csr_b64, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise CsrProblem(FORMAT, f"Pole csr nie jest poprawnym tekstem Base64 ({exc}).") from exc
    try:
        csr = x509.load_der_x509_csr(der)
    except ValueError as exc:
        raise CsrProblem(
            FORMAT,
            "Pole csr nie zawiera wniosku PKCS#10 w formacie DER (PEM należy zdekodować "
            f"do DER i zakodować Base64): {exc}.",
        ) from exc
    try:
        valid = csr.is_signature_valid
    except UnsupportedAlgorithm:
        valid = True  # an algorithm OpenSSL cannot check is refused by the algorithm rule
    if not valid:
        raise CsrProblem(
            FORMAT,
            "Podpis wniosku nie zgadza się z jego kluczem publicznym: wniosek musi być "
            "podpisany kluczem prywatnym pary, której klucz publiczny zawiera.",
        )
    key = _checked_key(csr)
    _check_algorithm(csr)
    return CheckedCsr(csr, _key_id(key))


def _checked_key(
    csr: x509.CertificateSigningRequest,
) -> rsa.RSAPublicKey | ec.EllipticCurvePublicKey:
    try:
        key = csr.public_key()
    except (ValueError, UnsupportedAlgorithm) as exc:
        raise CsrProblem(KEY, f"Nieobsługiwany klucz publiczny wniosku: {exc}.") from exc
    if isinstance(key, rsa.RSAPublicKey):
        if key.key_size == 2048:
            return key
        raise CsrProblem(KEY, f"Klucz RSA ma {key.key_size} bitów; wymagane dokładnie 2048.")
    if isinstance(key, ec.EllipticCurvePublicKey):
        if isinstance(key.curve, ec.SECP256R1):
            return key
        raise CsrProblem(
            KEY, f"Klucz EC na krzywej {key.curve.name}; wymagana NIST P-256 (secp256r1)."
        )
    raise CsrProblem(
        KEY, f"Klucz {type(key).__name__} nie jest dozwolony: tylko RSA 2048 lub EC P-256."
    )


def _check_algorithm(csr: x509.CertificateSigningRequest) -> None:
    oid = csr.signature_algorithm_oid.dotted_string
    if oid in _ALLOWED_SIGNATURES:
        return
    if oid == _RSASSA_PSS:
        if isinstance(csr.signature_hash_algorithm, _PSS_HASHES):
            return
        name = getattr(csr.signature_hash_algorithm, "name", "?")
        raise CsrProblem(
            ALGORITHM, f"RSA-PSS ze skrótem {name}; dozwolone SHA-1, SHA-256, SHA-384, SHA-512."
        )
    name = getattr(csr.signature_algorithm_oid, "_name", oid)
    raise CsrProblem(
        ALGORITHM,
        f"Algorytm podpisu {name} ({oid}) nie jest dozwolony: RSA PKCS#1 v1.5, RSA-PSS lub "
        "ECDSA ze skrótem SHA-1, SHA-256, SHA-384 albo SHA-512.",
    )


def _key_id(key: rsa.RSAPublicKey | ec.EllipticCurvePublicKey) -> str:
    spki = key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    digest = hashes.Hash(hashes.SHA256())
    digest.update(spki)
    return digest.finalize().hex()


def subject_attributes(name: x509.Name) -> list[tuple[str, str]]:
    """A DN as ``(OID, text)`` pairs in order, whatever each value's string type."""
    pairs = []
    for attribute in name:
        value = attribute.value
        text = value if isinstance(value, str) else value.decode(errors="replace")
        pairs.append((attribute.oid.dotted_string, text))
    return pairs
