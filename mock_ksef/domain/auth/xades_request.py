"""Reading a signed XAdES ``AuthTokenRequest`` (structure, encoding, XSD, signature count).

Pure: no Flask. The order of checks follows the KSeF error table of
``POST /auth/xades-signature``: encoding (21217), well-formedness (21001), root element and
XSD after removing ``ds:Signature`` (21401), then the number of signatures (9102/9103).
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass

from mock_ksef.crypto.xades import SIGNATURE_TAG
from mock_ksef.domain.auth.values import ContextId
from mock_ksef.domain.errors import (
    BadXadesDocument,
    InvalidEncoding,
    MissingSignature,
    SchemaViolation,
    TooManySignatures,
    UnreadableDocument,
)
from mock_ksef.lxml_gate import etree
from mock_ksef.xml.auth_xsd import AUTH_SCHEMA_FILES, AuthSchemas
from mock_ksef.xml.safe import parse_xml

CONTEXT_TYPES = ("Nip", "InternalId", "NipVatUe", "PeppolId")
SUBJECT_IDENTIFIER_TYPES = ("certificateSubject", "certificateFingerprint")
_DECLARED_ENCODING = re.compile(rb"^\s*<\?xml[^>]*encoding\s*=\s*[\"']([A-Za-z0-9._-]+)[\"']")


@dataclass(frozen=True)
class AuthTokenRequest:
    """The parts of a signed ``AuthTokenRequest`` the mock acts on."""

    root: etree._Element
    signature: etree._Element
    challenge: str
    context: ContextId
    subject_identifier_type: str


def _check_encoding(data: bytes) -> None:
    declared = _DECLARED_ENCODING.match(data.removeprefix(b"\xef\xbb\xbf"))
    if declared and declared.group(1).decode().lower().replace("_", "-") not in ("utf-8", "utf8"):
        raise InvalidEncoding(
            f"Zadeklarowane kodowanie {declared.group(1).decode()} zamiast UTF-8."
        )
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidEncoding(f"Treść nie jest poprawnym UTF-8: {exc}") from exc


def _text(root: etree._Element, path: str) -> str:
    node = root.find(path)
    return (node.text or "").strip() if node is not None else ""


def _structure(root: etree._Element, ns: str) -> tuple[str, ContextId, str]:
    """Challenge, context and subject identifier type, checked for presence."""
    challenge = _text(root, f"{{{ns}}}Challenge")
    holder = root.find(f"{{{ns}}}ContextIdentifier")
    kids = [k for k in holder if isinstance(k.tag, str)] if holder is not None else []
    subject_type = _text(root, f"{{{ns}}}SubjectIdentifierType")
    problems = []
    if not challenge:
        problems.append("Brak elementu Challenge.")
    if len(kids) != 1 or etree.QName(kids[0]).localname not in CONTEXT_TYPES:
        problems.append("ContextIdentifier musi zawierać jeden z: " + ", ".join(CONTEXT_TYPES))
    if subject_type not in SUBJECT_IDENTIFIER_TYPES:
        problems.append(
            "SubjectIdentifierType musi być jednym z: " + ", ".join(SUBJECT_IDENTIFIER_TYPES)
        )
    if problems:
        raise SchemaViolation(*problems)
    context = ContextId(etree.QName(kids[0]).localname, (kids[0].text or "").strip())
    return challenge, context, subject_type


def read_auth_token_request(data: bytes, schemas: AuthSchemas) -> AuthTokenRequest:
    """Parse and check a signed ``AuthTokenRequest`` as received.

    Args:
        data: the raw request body.
        schemas: the official auth XSDs (validation is skipped when not configured).

    Raises:
        KsefError: 21217, 21001, 21401, 9101, 9102 or 9103, in that order of checks.
    """
    if not data.strip():
        raise UnreadableDocument("Pusta treść żądania.")
    _check_encoding(data)
    try:
        root = parse_xml(data)
    except etree.XMLSyntaxError as exc:
        raise UnreadableDocument(str(exc)) from exc
    if root.getroottree().docinfo.internalDTD is not None:
        raise UnreadableDocument("Deklaracja DOCTYPE nie jest dozwolona.")
    qname = etree.QName(root)
    if qname.localname != "AuthTokenRequest" or qname.namespace not in AUTH_SCHEMA_FILES:
        raise SchemaViolation(
            f"Oczekiwano elementu AuthTokenRequest w przestrzeni nazw "
            f"{' lub '.join(AUTH_SCHEMA_FILES)}, otrzymano {root.tag}."
        )
    signatures = list(root.iter(SIGNATURE_TAG))
    unsigned = copy.deepcopy(root)
    for node in list(unsigned.iter(SIGNATURE_TAG)):
        parent = node.getparent()
        if parent is not None:
            parent.remove(node)
    errors = schemas.errors(unsigned)
    if errors:
        raise SchemaViolation(*errors)
    challenge, context, subject_type = _structure(unsigned, qname.namespace or "")
    if not signatures:
        raise MissingSignature()
    if len(signatures) > 1:
        raise TooManySignatures(f"Liczba podpisów: {len(signatures)}, dozwolony jeden.")
    if signatures[0].getparent() is not root:
        raise BadXadesDocument(
            "Podpis ds:Signature musi być elementem podrzędnym AuthTokenRequest."
        )
    return AuthTokenRequest(root, signatures[0], challenge, context, subject_type)
