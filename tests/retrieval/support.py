"""Helpers of the retrieval tests: seed received invoices, query, read error bodies."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from lxml import etree

from mock_ksef.domain.retrieval.acceptance import record_received_invoice
from mock_ksef.domain.retrieval.record import InvoiceRecord, StorageDates
from mock_ksef.domain.retrieval.repo import ReceivedInvoices
from mock_ksef.domain.session import FormCode
from mock_ksef.http.context import services
from tests.support.invoices import FA3_NS, fa3_invoice

FA3_FORM = FormCode("FA (3)", "1-0E", "FA")
QUERY = "/v2/invoices/query/metadata"


def _el(parent: etree._Element, name: str, text: str | None = None) -> etree._Element:
    child = etree.SubElement(parent, f"{{{FA3_NS}}}{name}")
    child.text = text
    return child


def invoice_xml(
    seller: str,
    number: str,
    *,
    buyer: dict[str, str] | None = None,
    issue_date: str = "2026-11-20",
    currency: str = "PLN",
    kind: str = "VAT",
    gross: str = "123.00",
    self_invoicing: bool = False,
    attachment: bool = False,
    third: tuple[tuple[str, str, str], ...] = (),
    authorized: str | None = None,
) -> bytes:
    """An FA (3) invoice with the given parties and facts (not XSD-checked: seeded directly).

    ``buyer`` replaces ``Podmiot2/DaneIdentyfikacyjne`` (e.g. ``{"BrakID": "1"}``); ``third``
    holds ``(element, value, role)`` per ``Podmiot3`` (``("IDWew", "1234563218-00001", "2")``).
    """
    root = etree.fromstring(fa3_invoice(seller, number, issue_date, attachment=attachment))
    ns = {"f": FA3_NS}
    fa = root.find("f:Fa", ns)
    assert fa is not None
    fa.find("f:KodWaluty", ns).text = currency  # type: ignore[union-attr]
    fa.find("f:P_15", ns).text = gross  # type: ignore[union-attr]
    fa.find("f:RodzajFaktury", ns).text = kind  # type: ignore[union-attr]
    if self_invoicing:
        fa.find("f:Adnotacje/f:P_17", ns).text = "1"  # type: ignore[union-attr]
    if buyer is not None:
        ids = root.find("f:Podmiot2/f:DaneIdentyfikacyjne", ns)
        assert ids is not None
        for child in list(ids):
            ids.remove(child)
        for name, value in buyer.items():
            _el(ids, name, value)
        _el(ids, "Nazwa", "Nabywca zagraniczny")
    buyer_party = root.find("f:Podmiot2", ns)
    assert buyer_party is not None
    position = list(root).index(buyer_party) + 1
    parties = []
    for element, value, role in third:
        party = etree.Element(f"{{{FA3_NS}}}Podmiot3")
        ids = _el(party, "DaneIdentyfikacyjne")
        _el(ids, element, value)
        _el(ids, "Nazwa", f"Trzeci {value}")
        _el(party, "Rola", role)
        parties.append(party)
    if authorized is not None:
        party = etree.Element(f"{{{FA3_NS}}}PodmiotUpowazniony")
        ids = _el(party, "DaneIdentyfikacyjne")
        _el(ids, "NIP", authorized)
        _el(ids, "Nazwa", "Komornik")
        _el(party, "RolaPU", "2")
        parties.append(party)
    for offset, party in enumerate(parties):
        root.insert(position + offset, party)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def seed(
    app: Flask,
    xml: bytes,
    ksef_number: str,
    when: datetime,
    *,
    mode: str = "Online",
    held: timedelta = timedelta(0),
) -> InvoiceRecord:
    """Store an invoice as if another context had sent it at ``when``."""
    repo = ReceivedInvoices(services(app).store)
    dates = StorageDates(when, when, when, when + held)
    return record_received_invoice(
        repo, xml, ksef_number=ksef_number, form_code=FA3_FORM, dates=dates, invoicing_mode=mode
    )


def ksef_number(seller: str, n: int) -> str:
    """A well-formed KSeF number (checksum not needed by the retrieval side)."""
    return f"{seller}-20261124-{n:012X}-00"


def filters(subject: str = "Subject2", date_type: str = "PermanentStorage", **extra: Any) -> Any:
    """A query body over 2026-11-01 .. now."""
    return {
        "subjectType": subject,
        "dateRange": {"dateType": date_type, "from": "2026-11-01T00:00:00Z"},
        **extra,
    }


def query(client: FlaskClient, headers: dict[str, str], body: Any, **params: Any) -> Any:
    """``POST /invoices/query/metadata``; the JSON (asserting 200)."""
    response = client.post(QUERY, json=body, headers=headers, query_string=params)
    assert response.status_code == 200, response.json
    return response.json


def error(response: Any) -> tuple[int, str, list[str] | None]:
    """``(code, description, details)`` of an ``ExceptionResponse``."""
    assert response.status_code == 400, response.get_data(as_text=True)
    [entry] = response.json["exception"]["exceptionDetailList"]
    return entry["exceptionCode"], entry["exceptionDescription"], entry["details"]
