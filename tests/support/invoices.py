"""Minimal FA(2) and FA(3) invoices that validate against the official XSDs.

The XML is built with lxml, so any text given (numbers, names) is escaped properly.
"""

from __future__ import annotations

from lxml import etree

from tests.support.nips import NIP

FA2_NS = "http://crd.gov.pl/wzor/2023/06/29/12648/"
FA3_NS = "http://crd.gov.pl/wzor/2025/06/25/13775/"
#: A buyer NIP with a valid checksum.
BUYER_NIP = NIP


def _add(parent: etree._Element, ns: str, name: str, text: str | None = None) -> etree._Element:
    child = etree.SubElement(parent, f"{{{ns}}}{name}")
    if text is not None:
        child.text = text
    return child


def _fill(parent: etree._Element, ns: str, pairs: list[tuple[str, str]]) -> None:
    for name, text in pairs:
        _add(parent, ns, name, text)


def _party(root: etree._Element, ns: str, tag: str, nip: str, name: str) -> etree._Element:
    party = _add(root, ns, tag)
    _fill(_add(party, ns, "DaneIdentyfikacyjne"), ns, [("NIP", nip), ("Nazwa", name)])
    _fill(_add(party, ns, "Adres"), ns, [("KodKraju", "PL"), ("AdresL1", "ul. Prosta 1, Warszawa")])
    return party


def _invoice(
    ns: str, system_code: str, variant: str, nip: str, number: str, issue_date: str
) -> etree._Element:
    root = etree.Element(f"{{{ns}}}Faktura", nsmap={None: ns})  # type: ignore[dict-item]
    header = _add(root, ns, "Naglowek")
    code = _add(header, ns, "KodFormularza", "FA")
    code.set("kodSystemowy", system_code)
    code.set("wersjaSchemy", "1-0E")
    _fill(
        header,
        ns,
        [
            ("WariantFormularza", variant),
            ("DataWytworzeniaFa", f"{issue_date}T10:00:00Z"),
            ("SystemInfo", "mock-ksef tests"),
        ],
    )
    _party(root, ns, "Podmiot1", nip, "Sprzedawca sp. z o.o.")
    buyer = _party(root, ns, "Podmiot2", BUYER_NIP, "Nabywca S.A.")
    if variant == "3":
        _fill(buyer, ns, [("JST", "2"), ("GV", "2")])
    fa = _add(root, ns, "Fa")
    _fill(
        fa,
        ns,
        [
            ("KodWaluty", "PLN"),
            ("P_1", issue_date),
            ("P_2", number),
            ("P_13_1", "100.00"),
            ("P_14_1", "23.00"),
            ("P_15", "123.00"),
        ],
    )
    notes = _add(fa, ns, "Adnotacje")
    _fill(notes, ns, [("P_16", "2"), ("P_17", "2"), ("P_18", "2"), ("P_18A", "2")])
    _add(_add(notes, ns, "Zwolnienie"), ns, "P_19N", "1")
    _add(_add(notes, ns, "NoweSrodkiTransportu"), ns, "P_22N", "1")
    _add(notes, ns, "P_23", "2")
    _add(_add(notes, ns, "PMarzy"), ns, "P_PMarzyN", "1")
    _add(fa, ns, "RodzajFaktury", "VAT")
    line = _add(fa, ns, "FaWiersz")
    _fill(
        line,
        ns,
        [
            ("NrWierszaFa", "1"),
            ("P_7", "Usługa testowa"),
            ("P_8A", "szt"),
            ("P_8B", "1"),
            ("P_9A", "100.00"),
            ("P_11", "100.00"),
            ("P_12", "23"),
        ],
    )
    return root


def _serialize(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def fa3_invoice(
    nip: str, number: str, issue_date: str = "2026-11-20", *, attachment: bool = False
) -> bytes:
    """An XSD-valid FA (3) invoice issued by ``nip``; with ``attachment`` a ``Zalacznik``."""
    root = _invoice(FA3_NS, "FA (3)", "3", nip, number, issue_date)
    if attachment:
        block = _add(_add(root, FA3_NS, "Zalacznik"), FA3_NS, "BlokDanych")
        _add(block, FA3_NS, "ZNaglowek", "Załącznik")
        meta = _add(block, FA3_NS, "MetaDane")
        _fill(meta, FA3_NS, [("ZKlucz", "Umowa"), ("ZWartosc", "1/2026")])
    return _serialize(root)


def fa2_invoice(nip: str, number: str, issue_date: str = "2026-11-20") -> bytes:
    """An XSD-valid FA (2) invoice issued by ``nip`` (FA (2) has no ``Zalacznik``)."""
    return _serialize(_invoice(FA2_NS, "FA (2)", "2", nip, number, issue_date))
