"""XAdES/XMLDSig verification of ``AuthTokenRequest`` documents and certificate subjects.

The signature value and every reference digest are really verified (libxmlsec1 through
python-xmlsec, after :mod:`mock_ksef.crypto.xades_policy` has vetted the ``SignedInfo``) with
the public key of the certificate embedded in ``ds:KeyInfo/ds:X509Data/ds:X509Certificate``;
``ds:KeyInfo`` is never used to find another key.
Trust is not established: as on KSeF TE, self-signed certificates are accepted; the
certificate validity period is reported separately so the caller can map it to a status.
"""

from __future__ import annotations

import base64
import binascii
import copy
import re
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509.oid import NameOID

from mock_ksef.lxml_gate import etree

if TYPE_CHECKING:
    import xmlsec

from mock_ksef.crypto.xades_policy import (
    DSIG_NS,
    ID_ATTRIBUTES,
    SignatureError,
    checked_references,
    identified_elements,
)

__all__ = [
    "DSIG_NS",
    "SIGNATURE_TAG",
    "CertificateError",
    "CertificateSubject",
    "SignatureError",
    "certificate_in_validity",
    "certificate_subject",
    "embedded_certificate",
    "verify_signature",
]

SIGNATURE_TAG = f"{{{DSIG_NS}}}Signature"
_DIGEST_PROBE_METHOD = "http://www.w3.org/2001/04/xmldsig-more#hmac-sha256"
ORGANIZATION_IDENTIFIER = x509.ObjectIdentifier("2.5.4.97")

_PESEL = re.compile(r"(PNOPL|PESEL).*?(\d{11})")
_NIP = re.compile(r"(TINPL|NIP).*?(\d{10})")
_VAT = re.compile(r"(VATPL).*?(\d{10})")


class CertificateError(Exception):
    """No usable X.509 certificate in the signature (KSeF 21115)."""


@dataclass(frozen=True)
class CertificateSubject:
    """Who a signing certificate identifies.

    ``identifier_type`` is ``Nip``, ``Pesel`` or ``Fingerprint``; ``seal`` tells an
    organisation's seal (``organizationIdentifier``) from a person's signature.
    """

    identifier_type: str
    identifier: str
    fingerprint: str
    seal: bool
    common_name: str = ""
    given_names: str = ""
    surname: str = ""

    @property
    def has_subject_identifier(self) -> bool:
        """Whether the certificate carries a NIP or PESEL (not just a fingerprint)."""
        return self.identifier_type != "Fingerprint"


def embedded_certificate(signature: etree._Element) -> x509.Certificate:
    """The first ``X509Certificate`` of a ``ds:Signature``.

    Raises:
        CertificateError: none present or not a readable DER certificate.
    """
    node = signature.find("ds:KeyInfo/ds:X509Data/ds:X509Certificate", {"ds": DSIG_NS})
    if node is None or not (node.text or "").strip():
        raise CertificateError("Brak certyfikatu X509Certificate w podpisie.")
    try:
        der = base64.b64decode("".join((node.text or "").split()), validate=True)
        return x509.load_der_x509_certificate(der)
    except (binascii.Error, ValueError) as exc:
        raise CertificateError(f"Nieczytelny certyfikat: {exc}") from exc


def certificate_in_validity(cert: x509.Certificate, now: datetime) -> bool:
    """Whether ``now`` falls within the certificate's validity period."""
    return cert.not_valid_before_utc <= now <= cert.not_valid_after_utc


def verify_signature(root: etree._Element, cert: x509.Certificate) -> None:
    """Verify the enveloped signature of ``root`` with ``cert``'s public key.

    The signature is the one ``ds:Signature`` child of ``root``. Its ``SignedInfo`` is first
    held to :func:`~mock_ksef.crypto.xades_policy.checked_references` (listed transforms
    only, same-document references only, one reference covering the document); then
    libxmlsec1 computes every reference digest and checks the signature value.

    Raises:
        SignatureError: the message says which rule, reference or value failed.
    """
    signature = root.find(SIGNATURE_TAG)
    if signature is None:
        raise SignatureError("Brak elementu ds:Signature w AuthTokenRequest.")
    references = checked_references(root, signature)
    for index, (reference, computed) in enumerate(
        zip(references, _computed_digests(root), strict=True)
    ):
        node = reference.find(f"{{{DSIG_NS}}}DigestValue")
        given = "".join((node.text or "").split()) if node is not None else ""
        if _b64(given) != _b64(computed):
            raise SignatureError(
                f'Digest mismatch for reference {index} (URI="{reference.get("URI")}"): '
                f"obliczony skrót {computed}, w podpisie {given or '(brak)'}; podpisana treść "
                "została zmieniona po złożeniu podpisu."
            )
    import xmlsec  # loaded on first use: a cold start needs no libxmlsec1

    try:
        context = _context(root)
        context.key = xmlsec.Key.from_memory(
            cert.public_bytes(serialization.Encoding.DER),
            xmlsec.constants.KeyDataFormatCertDer,
        )
        context.verify(signature)
    except xmlsec.Error as exc:
        raise SignatureError(
            "Wartość ds:SignatureValue nie zgadza się z kluczem publicznym certyfikatu "
            f"ds:X509Certificate ({exc}); skróty wszystkich ds:Reference są poprawne."
        ) from exc


def _b64(text: str) -> bytes | None:
    try:
        return base64.b64decode(text, validate=True)
    except binascii.Error:
        return None


def _context(root: etree._Element) -> xmlsec.SignatureContext:
    import xmlsec

    context = xmlsec.SignatureContext()
    for element in identified_elements(root).values():
        for attribute in ID_ATTRIBUTES:
            if element.get(attribute) is not None:
                context.register_id(element, attribute)
    return context


def _computed_digests(root: etree._Element) -> list[str]:
    """The digest of every reference as libxmlsec1 computes it, in document order.

    The engine only says "invalid" when a signature fails, so to tell which reference is
    wrong the signature is signed again on a copy of the document with a fixed HMAC key:
    signing recomputes each ``DigestValue`` with the very same transforms and leaves the
    references themselves alone.
    """
    document = copy.deepcopy(root.getroottree())
    signature = document.getroot().find(SIGNATURE_TAG)
    assert signature is not None  # checked by the caller
    method = signature.find(f"{{{DSIG_NS}}}SignedInfo/{{{DSIG_NS}}}SignatureMethod")
    assert method is not None  # checked by checked_references
    method.set("Algorithm", _DIGEST_PROBE_METHOD)
    import xmlsec

    context = _context(document.getroot())
    context.key = xmlsec.Key.from_binary_data(
        xmlsec.constants.KeyDataHmac, b"mock-ksef digest probe"
    )
    try:
        context.sign(signature)
    except xmlsec.Error as exc:
        raise SignatureError(f"Nie można obliczyć skrótów ds:Reference: {exc}.") from exc
    return [
        "".join((node.text or "").split())
        for node in signature.iterfind(
            f"{{{DSIG_NS}}}SignedInfo/{{{DSIG_NS}}}Reference/{{{DSIG_NS}}}DigestValue"
        )
    ]


def _attribute(name: x509.Name, oid: x509.ObjectIdentifier) -> str:
    values = name.get_attributes_for_oid(oid)
    value = values[0].value if values else ""
    return value if isinstance(value, str) else value.decode(errors="replace")


def certificate_subject(cert: x509.Certificate) -> CertificateSubject:
    """The subject identity of a signing certificate.

    ``serialNumber`` (2.5.4.5) ``PNOPL-``/``PESEL`` gives a PESEL, ``TINPL-``/``NIP`` a NIP;
    ``organizationIdentifier`` (2.5.4.97) ``VATPL-`` gives a NIP of a sealing
    organisation; otherwise the subject is the certificate's SHA-256 fingerprint (hex).
    """
    subject = cert.subject
    fingerprint = cert.fingerprint(hashes.SHA256()).hex().upper()
    extra = {
        "fingerprint": fingerprint,
        "common_name": _attribute(subject, NameOID.COMMON_NAME),
        "given_names": _attribute(subject, NameOID.GIVEN_NAME),
        "surname": _attribute(subject, NameOID.SURNAME),
    }
    org = _attribute(subject, ORGANIZATION_IDENTIFIER)
    if match := _VAT.search(org):
        return CertificateSubject("Nip", match.group(2), seal=True, **extra)
    serial = _attribute(subject, NameOID.SERIAL_NUMBER)
    if match := _PESEL.search(serial):
        return CertificateSubject("Pesel", match.group(2), seal=False, **extra)
    if match := _NIP.search(serial):
        return CertificateSubject("Nip", match.group(2), seal=False, **extra)
    return CertificateSubject("Fingerprint", fingerprint, seal=bool(org), **extra)
