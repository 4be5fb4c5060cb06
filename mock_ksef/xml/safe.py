"""A hardened lxml parser for untrusted XML: no network, no entities, no DTD, no huge trees."""

from __future__ import annotations

from mock_ksef.lxml_gate import etree


def safe_parser() -> etree.XMLParser:
    """A new parser that never fetches anything, expands no entities and loads no DTD.

    Parsers are not thread-safe, so each call returns a fresh one.
    """
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_blank_text=False,
        remove_comments=False,
        remove_pis=False,
    )


def parse_xml(data: bytes) -> etree._Element:
    """Parse ``data`` with :func:`safe_parser`.

    Raises:
        lxml.etree.XMLSyntaxError: the bytes are not well-formed XML (or hold a DTD entity
            the parser refuses).
    """
    return etree.fromstring(data, parser=safe_parser())


class XmlRejected(ValueError):
    """Untrusted XML was refused: not well-formed, or it carries a DOCTYPE/DTD."""


def parse_document(data: bytes) -> etree._ElementTree:
    """Parse untrusted ``data`` into a tree; refuse anything with a DOCTYPE.

    Invoices and UPOs never carry a DTD, so a DOCTYPE is refused outright, even one whose
    entities :func:`safe_parser` would leave unexpanded. Entity-expansion bombs fail inside
    libxml2 already (amplification limit), in microseconds and without expanding anything.

    Raises:
        XmlRejected: the bytes are not well-formed XML, or declare a DOCTYPE. The message
            says which, with libxml2's line and column.
    """
    try:
        root = etree.fromstring(data, parser=safe_parser())
    except etree.XMLSyntaxError as exc:
        raise XmlRejected(f"Dokument XML jest niepoprawny składniowo: {exc}") from exc
    tree = root.getroottree()
    info = tree.docinfo
    if info.internalDTD is not None or info.externalDTD is not None or info.system_url:
        raise XmlRejected("Dokument XML zawiera deklarację DOCTYPE/DTD, która jest niedozwolona")
    return tree
