"""XAdES/XMLDSig verification of ``AuthTokenRequest`` documents and certificate subjects.

The signature value and every reference digest are really verified (``signxml``) with the
public key of the certificate embedded in ``ds:KeyInfo/ds:X509Data/ds:X509Certificate``.
Trust is not established: as on KSeF TE, self-signed certificates are accepted; the
certificate validity period is reported separately so the caller can map it to a status.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from datetime import datetime

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.x509.oid import NameOID
from lxml import etree
from signxml.exceptions import InvalidInput, InvalidSignature, SignXMLException
from signxml.verifier import SignatureConfiguration, XMLVerifier

DSIG_NS = "http://www.w3.org/2000/09/xmldsig#"
SIGNATURE_TAG = f"{{{DSIG_NS}}}Signature"
ORGANIZATION_IDENTIFIER = x509.ObjectIdentifier("2.5.4.97")

_PESEL = re.compile(r"(PNOPL|PESEL).*?(\d{11})")
_NIP = re.compile(r"(TINPL|NIP).*?(\d{10})")
_VAT = re.compile(r"(VATPL).*?(\d{10})")


class CertificateError(Exception):
    """No usable X.509 certificate in the signature (KSeF 21115)."""


class SignatureError(Exception):
    """The signature does not verify (KSeF 9105)."""


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

    The signature must be a child of ``root`` and one of its references must cover the
    whole document (``URI=""`` or the root's ``Id``), so a signature over a fragment or an
    external (detached) resource is rejected.

    Raises:
        SignatureError: the signature value or a digest does not match, or nothing of the
            document is covered.
    """
    # The validity period is the caller's business (status 460), so check the signature
    # at an instant inside it.
    config = SignatureConfiguration(
        location="./",
        expect_references=True,
        verification_time=cert.not_valid_before_utc,
    )
    try:
        results = XMLVerifier().verify(root, x509_cert=cert, expect_config=config)
    except (InvalidSignature, InvalidInput, SignXMLException, etree.LxmlError, ValueError) as exc:
        raise SignatureError(str(exc)) from exc
    signed = results if isinstance(results, list) else [results]
    if not any(
        isinstance(r.signed_xml, etree._Element) and r.signed_xml.tag == root.tag for r in signed
    ):
        raise SignatureError("Podpis nie obejmuje dokumentu AuthTokenRequest.")


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
