"""Metadata fields read from a stored invoice's XML (``BRIEF-RETRIEVAL.md`` 2.4).

Namespace-blind (``{*}``), so FA (2) and FA (3) read alike. Amounts: FA net = sum of
``P_13_*``, VAT = sum of ``P_14_*`` (``P_14_*W``, the PLN value, for a foreign currency),
gross = ``P_15``; FA_RR ``P_11_1`` / ``P_11_2`` / ``P_12_1``; PEF (UBL) from
``LegalMonetaryTotal`` and ``TaxTotal`` (inferred, ambiguity 11). Values the XML lacks
take neutral defaults (empty text, 0, ``PLN``): only verified invoices get here.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from mock_ksef.domain.retrieval.record import (
    AuthorizedSubject,
    Identifier,
    InvoiceContent,
    ThirdSubject,
)
from mock_ksef.lxml_gate import etree
from mock_ksef.xml.invoice_checks import read_facts
from mock_ksef.xml.safe import parse_document

#: ``RodzajFaktury`` -> the spec's ``InvoiceType``.
INVOICE_TYPES = {
    "VAT": "Vat",
    "ZAL": "Zal",
    "KOR": "Kor",
    "ROZ": "Roz",
    "UPR": "Upr",
    "KOR_ZAL": "KorZal",
    "KOR_ROZ": "KorRoz",
    "VAT_RR": "VatRr",
    "KOR_VAT_RR": "KorVatRr",
}
_PL_NIP = re.compile(r"PL(\d{10})")
_ID = "{*}DaneIdentyfikacyjne/"


def _text(node: etree._Element | None, path: str) -> str | None:
    if node is None:
        return None
    found = node.find(path)
    if found is None or found.text is None or not found.text.strip():
        return None
    return found.text.strip()


def _amount(text: str | None) -> Decimal:
    try:
        return Decimal(text) if text else Decimal(0)
    except InvalidOperation:
        return Decimal(0)


def _money(value: Decimal) -> float:
    return float(value.quantize(Decimal("0.01")))


def _identifier(party: etree._Element | None) -> Identifier:
    """NIP -> Nip, IDWew -> InternalId, KodUE+NrVatUE -> VatUe, [KodKraju+]NrID -> Other."""
    if (nip := _text(party, _ID + "{*}NIP")) is not None:
        return Identifier("Nip", nip)
    if (internal := _text(party, _ID + "{*}IDWew")) is not None:
        return Identifier("InternalId", internal)
    if (vat := _text(party, _ID + "{*}NrVatUE")) is not None:
        return Identifier("VatUe", (_text(party, _ID + "{*}KodUE") or "") + vat)
    if (other := _text(party, _ID + "{*}NrID")) is not None:
        return Identifier("Other", (_text(party, _ID + "{*}KodKraju") or "") + other)
    return Identifier("None")


def _third(party: etree._Element) -> ThirdSubject:
    role = _text(party, "{*}Rola")
    return ThirdSubject(
        _identifier(party),
        _text(party, _ID + "{*}Nazwa"),
        int(role) if role and role.isdigit() else 0,
    )


def _authorized(root: etree._Element) -> AuthorizedSubject | None:
    party = root.find("{*}PodmiotUpowazniony")
    nip = _text(party, _ID + "{*}NIP")
    if party is None or nip is None:
        return None
    role = _text(party, "{*}RolaPU")
    return AuthorizedSubject(
        nip, _text(party, _ID + "{*}Nazwa"), int(role) if role and role.isdigit() else 1
    )


def _sum(fa: etree._Element | None, prefix: str, *, pln: bool) -> Decimal:
    """Sum of ``prefix*`` children; for a foreign currency each ``X`` yields to ``XW``."""
    if fa is None:
        return Decimal(0)
    values: dict[str, Decimal] = {}
    for child in fa:
        name = etree.QName(child).localname
        if name.startswith(prefix):
            values[name] = _amount((child.text or "").strip())
    total = Decimal(0)
    for name, value in values.items():
        if name.endswith("W"):
            continue
        total += value if pln else values.get(name + "W", value)
    return total


def _fa_content(root: etree._Element, system_code: str, facts_kind: str | None) -> InvoiceContent:
    rr = system_code.startswith("FA_RR")
    body = root.find("{*}FakturaRR" if rr else "{*}Fa")
    currency = _text(body, "{*}KodWaluty") or "PLN"
    if rr:
        net = _amount(_text(body, "{*}P_11_1"))
        vat = _amount(_text(body, "{*}P_11_2"))
        gross = _amount(_text(body, "{*}P_12_1"))
    else:
        net = _sum(body, "P_13_", pln=True)
        vat = _sum(body, "P_14_", pln=currency == "PLN")
        gross = _amount(_text(body, "{*}P_15"))
    seller = root.find("{*}Podmiot1")
    buyer = root.find("{*}Podmiot2")
    return InvoiceContent(
        invoice_number=_text(body, "{*}P_4C" if rr else "{*}P_2") or "",
        issue_date=(_text(body, "{*}P_4B" if rr else "{*}P_1") or "")[:10],
        seller_nip=_text(seller, _ID + "{*}NIP") or "",
        seller_name=_text(seller, _ID + "{*}Nazwa"),
        buyer=_identifier(buyer),
        buyer_name=_text(buyer, _ID + "{*}Nazwa"),
        net_amount=_money(net),
        vat_amount=_money(vat),
        gross_amount=_money(gross),
        currency=currency,
        invoice_type=INVOICE_TYPES.get(facts_kind or "", "VatRr" if rr else "Vat"),
        form_type="FA_RR" if rr else "FA",
        is_self_invoicing=_text(body, "{*}Adnotacje/{*}P_17") == "1",
        has_attachment=root.find("{*}Zalacznik") is not None,
        third_subjects=tuple(_third(p) for p in root.iterfind("{*}Podmiot3")),
        authorized_subject=_authorized(root),
    )


def _pef_party_id(party: etree._Element | None) -> Identifier:
    tax_id = _text(party, "{*}Party/{*}PartyTaxScheme/{*}CompanyID")
    if tax_id is None:
        return Identifier("None")
    matched = _PL_NIP.fullmatch(tax_id.replace(" ", ""))
    return Identifier("Nip", matched.group(1)) if matched else Identifier("VatUe", tax_id)


def _pef_name(party: etree._Element | None) -> str | None:
    return _text(party, "{*}Party/{*}PartyLegalEntity/{*}RegistrationName") or _text(
        party, "{*}Party/{*}PartyName/{*}Name"
    )


def _pef_content(root: etree._Element, seller_nip: str | None) -> InvoiceContent:
    totals = root.find("{*}LegalMonetaryTotal")
    seller = root.find("{*}AccountingSupplierParty")
    buyer = root.find("{*}AccountingCustomerParty")
    credit = etree.QName(root).localname == "CreditNote"
    return InvoiceContent(
        invoice_number=_text(root, "{*}ID") or "",
        issue_date=(_text(root, "{*}IssueDate") or "")[:10],
        seller_nip=seller_nip or "",
        seller_name=_pef_name(seller),
        buyer=_pef_party_id(buyer),
        buyer_name=_pef_name(buyer),
        net_amount=_money(_amount(_text(totals, "{*}TaxExclusiveAmount"))),
        vat_amount=_money(_amount(_text(root, "{*}TaxTotal/{*}TaxAmount"))),
        gross_amount=_money(_amount(_text(totals, "{*}TaxInclusiveAmount"))),
        currency=_text(root, "{*}DocumentCurrencyCode") or "PLN",
        invoice_type="KorPef" if credit else "VatPef",
        form_type="PEF",
        is_self_invoicing=False,
        has_attachment=root.find("{*}AdditionalDocumentReference/{*}Attachment") is not None,
    )


def derive_content(xml: bytes, system_code: str) -> InvoiceContent:
    """The metadata fields of a verified invoice of form ``system_code`` (e.g. ``FA (3)``)."""
    tree = parse_document(xml)
    root = tree.getroot()
    facts = read_facts(tree, system_code)
    if system_code.startswith("PEF") or etree.QName(root).localname in ("Invoice", "CreditNote"):
        return _pef_content(root, facts.seller_nip)
    return _fa_content(root, system_code, facts.invoice_kind)
