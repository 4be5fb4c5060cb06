"""UPO v4-3 documents (``Potwierdzenie``), built with lxml and signed with signxml.

Element order follows ``upo-v4-3.xsd`` and the official examples (BRIEF 4.3). Real UPOs
carry an enveloped ``ds:Signature`` as the last child of ``Potwierdzenie`` although the XSD
does not declare it; strip it before validating. Decisions are in ``docs/upo.md``.

Rendering is deterministic: the same inputs give the same bytes (the XML is built in a fixed
order, signxml adds nothing random to an enveloped signature, and RSA PKCS#1 v1.5 signatures
are deterministic).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from mock_ksef.crypto.keys import KeyPair
from mock_ksef.lxml_gate import etree
from mock_ksef.timefmt import iso_warsaw_ms

UPO_NS = "http://upo.schematy.mf.gov.pl/KSeF/v4-3"
DSIG_NS = "http://www.w3.org/2000/09/xmldsig#"
#: At most this many ``Dokument`` elements per UPO (XSD ``maxOccurs``).
MAX_DOCUMENTS = 10_000

#: ``contextIdentifier.type`` -> the element inside ``IdKontekstu``.
CONTEXT_ELEMENTS: dict[str, str] = {
    "Nip": "Nip",
    "InternalId": "IdWewnetrzny",
    "NipVatUe": "IdZlozonyVatUE",
    "PeppolId": "IdDostawcyUslugPeppol",
}


class ContextId(Protocol):
    """A context identifier as the UPO shows it (``domain.auth.values.ContextId`` is one).

    Structural, so the renderer needs nothing from the domain (no domain <-> xml cycle).
    """

    @property
    def type(self) -> str:
        """``Nip``, ``InternalId``, ``NipVatUe`` or ``PeppolId``."""
        ...

    @property
    def value(self) -> str:
        """The identifier."""
        ...


class FormCode(Protocol):
    """A session's form code as the UPO shows it (``domain.session.FormCode`` is one)."""

    @property
    def system_code(self) -> str:
        """``FA (3)``…"""
        ...

    @property
    def schema_version(self) -> str:
        """``1-0E``…"""
        ...


@dataclass(frozen=True)
class UpoHeader:
    """What every UPO of a session says before its documents."""

    entity_name: str  # settings.upo_entity_name ("Ministerstwo Finansów")
    session_reference: str
    context: ContextId  # type Nip | InternalId | NipVatUe | PeppolId
    ksef_token_reference: str | None  # token auth -> NumerReferencyjnyTokenaKSeF
    auth_document_hash: str | None  # XAdES auth -> SkrotDokumentuUwierzytelniajacego
    form_code: FormCode


@dataclass(frozen=True)
class UpoEntry:
    """One accepted invoice as a UPO ``Dokument``."""

    seller_nip: str
    ksef_number: str
    invoice_number: str
    issue_date: str  # YYYY-MM-DD
    invoicing_date: datetime
    acquisition_date: datetime
    invoice_hash: str
    mode: str  # Online | Offline


def logical_structure_name(form_code: FormCode) -> str:
    """``Schemat_{systemCode without spaces}_v{schemaVersion}.xsd``.

    For example ``Schemat_FA(3)_v1-0E.xsd`` for ``FA (3)`` version ``1-0E``.
    """
    return f"Schemat_{form_code.system_code.replace(' ', '')}_v{form_code.schema_version}.xsd"


def render_invoice_upo(header: UpoHeader, entry: UpoEntry, signer: KeyPair) -> bytes:
    """The signed UPO of one invoice: the header and exactly one ``Dokument``.

    Args:
        header: session, context, authentication and form code.
        entry: the invoice.
        signer: the mock's UPO signing key and certificate.

    Returns:
        UTF-8 XML with a declaration and an enveloped ``ds:Signature``.

    Raises:
        ValueError: the header cannot be expressed in a UPO (see :func:`_header`).
    """
    root = _header(header)
    _tail(root, header.form_code, [entry])
    return _sign(root, signer)


def render_session_upo_page(
    header: UpoHeader,
    entries: Sequence[UpoEntry],
    *,
    page: int,
    page_count: int,
    range_from: int,
    range_to: int,
    total: int,
    signer: KeyPair,
) -> bytes:
    """One signed page of a session UPO: ``OpisPotwierdzenia`` and the page's documents.

    ``range_from``/``range_to`` are the 1-based ordinals of the first and last document on
    this page, both inclusive (the official examples write Od=1, Do=2 for two documents,
    whatever the XSD's "exclusive" wording says); ``total`` counts the documents of all pages.

    Args:
        header: session, context, authentication and form code.
        entries: this page's documents, in order (1 to 10 000).
        page: this page's number, from 1.
        page_count: how many pages the session UPO has.
        range_from: ordinal of ``entries[0]`` within the session.
        range_to: ordinal of ``entries[-1]`` within the session.
        total: number of documents in the whole session UPO.
        signer: the mock's UPO signing key and certificate.

    Returns:
        UTF-8 XML with a declaration and an enveloped ``ds:Signature``.

    Raises:
        ValueError: the page numbers or the range contradict each other or ``entries``.
    """
    if not 1 <= len(entries) <= MAX_DOCUMENTS:
        raise ValueError(f"a UPO page holds 1 to {MAX_DOCUMENTS} documents, not {len(entries)}")
    if not 1 <= page <= page_count:
        raise ValueError(f"page {page} outside 1..{page_count}")
    if range_to - range_from + 1 != len(entries) or range_from < 1 or range_to > total:
        raise ValueError(
            f"range {range_from}..{range_to} of {total} does not match {len(entries)} documents"
        )
    root = _header(header)
    summary = _add(root, "OpisPotwierdzenia")
    for name, value in (
        ("Strona", page),
        ("LiczbaStron", page_count),
        ("ZakresDokumentowOd", range_from),
        ("ZakresDokumentowDo", range_to),
        ("CalkowitaLiczbaDokumentow", total),
    ):
        _add(summary, name, str(value))
    _tail(root, header.form_code, entries)
    return _sign(root, signer)


def _add(parent: etree._Element, name: str, text: str | None = None) -> etree._Element:
    child = etree.SubElement(parent, f"{{{UPO_NS}}}{name}")
    if text is not None:
        child.text = text
    return child


def _header(header: UpoHeader) -> etree._Element:
    """``Potwierdzenie`` with the entity name, session reference and ``Uwierzytelnienie``.

    Raises:
        ValueError: unknown context type, or neither a token reference nor a document hash.
    """
    element = CONTEXT_ELEMENTS.get(header.context.type)
    if element is None:
        raise ValueError(f"no UPO element for context type {header.context.type!r}")
    root = etree.Element(f"{{{UPO_NS}}}Potwierdzenie", nsmap={None: UPO_NS})  # type: ignore[dict-item]
    _add(root, "NazwaPodmiotuPrzyjmujacego", header.entity_name)
    _add(root, "NumerReferencyjnySesji", header.session_reference)
    auth = _add(root, "Uwierzytelnienie")
    _add(_add(auth, "IdKontekstu"), element, header.context.value)
    if header.ksef_token_reference is not None:
        _add(auth, "NumerReferencyjnyTokenaKSeF", header.ksef_token_reference)
    elif header.auth_document_hash is not None:
        _add(auth, "SkrotDokumentuUwierzytelniajacego", header.auth_document_hash)
    else:
        raise ValueError("a UPO needs the KSeF token reference or the auth document hash")
    return root


def _tail(root: etree._Element, form_code: FormCode, entries: Sequence[UpoEntry]) -> None:
    """``NazwaStrukturyLogicznej``, ``KodFormularza`` and one ``Dokument`` per entry."""
    _add(root, "NazwaStrukturyLogicznej", logical_structure_name(form_code))
    _add(root, "KodFormularza", form_code.system_code)
    for entry in entries:
        document = _add(root, "Dokument")
        for name, value in (
            ("NipSprzedawcy", entry.seller_nip),
            ("NumerKSeFDokumentu", entry.ksef_number),
            ("NumerFaktury", entry.invoice_number),
            ("DataWystawieniaFaktury", entry.issue_date),
            ("DataPrzeslaniaDokumentu", iso_warsaw_ms(entry.invoicing_date)),
            ("DataNadaniaNumeruKSeF", iso_warsaw_ms(entry.acquisition_date)),
            ("SkrotDokumentu", entry.invoice_hash),
            ("TrybWysylki", entry.mode),
        ):
            _add(document, name, value)


def _sign(root: etree._Element, signer: KeyPair) -> bytes:
    """Indent like the examples, then append an enveloped RSA-SHA256 ``ds:Signature``.

    Exclusive C14N is used because .NET ``SignedXml`` does not implement C14N 1.1 (signxml's
    default); the signing certificate goes into ``ds:KeyInfo/ds:X509Data``.
    """
    # signxml is loaded on the first UPO (a cold start needs none).
    from signxml.algorithms import CanonicalizationMethod, SignatureConstructionMethod
    from signxml.signer import XMLSigner

    etree.indent(root, space="\t")
    xml_signer = XMLSigner(
        method=SignatureConstructionMethod.enveloped,
        signature_algorithm="rsa-sha256",
        digest_algorithm="sha256",
        c14n_algorithm=CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0,
    )
    signed = xml_signer.sign(root, key=signer.private_key, cert=[signer.certificate])
    return etree.tostring(signed, xml_declaration=True, encoding="UTF-8")
