"""Helpers of the IZ tests: invoices sent through the mock, calls to G/Q/K/I, error bodies."""

from __future__ import annotations

from itertools import count as counter
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from tests.lifecycle.client import Caller
from tests.retrieval.support import invoice_xml

SELLER = "1234563218"
OTHER_SELLER = "8110000005"  # not BUYER_NIP (5265877635)
G = "/v2/collective-identifiers"
Q = "/v2/collective-identifiers/query"
K = "/v2/collective-identifiers/ksef/{}"
I = "/v2/collective-identifiers/invoices"  # noqa: E741
_SERIAL = counter(1)
WINDOW = {"dateCreatedFrom": "2026-11-01T00:00:00Z", "dateCreatedTo": "2026-12-01T00:00:00Z"}


def send_invoices(
    app: Flask, client: FlaskClient, seller: str, count: int, *, buyer: str | None = None
) -> list[str]:
    """KSeF numbers of ``count`` FA (3) invoices ``seller`` sent in one online session
    (to ``buyer``, else to ``BUYER_NIP``)."""
    caller = Caller(app, client, seller)
    ref = caller.open()
    numbers = []
    for _ in range(count):
        invoice_number = f"FV/IZ/{next(_SERIAL)}"  # a seller's numbers must not repeat (440)
        xml = invoice_xml(seller, invoice_number, buyer={"NIP": buyer}) if buyer else None
        response = caller.send(ref, invoice_number, xml)
        assert response.status_code == 202, response.json
        status = caller.invoice(ref, response.json["referenceNumber"])
        assert status["status"]["code"] == 200, status
        numbers.append(status["ksefNumber"])
    return numbers


def items(*numbers: str, **details: Any) -> dict[str, Any]:
    """A G body over ``numbers`` (each with the same ``payment``/``description`` if given)."""
    return {"invoices": [{"ksefNumber": n, **details} for n in numbers]}


def error(response: Any) -> tuple[int, str, list[str] | None]:
    """``(code, description, details)`` of an ``ExceptionResponse``."""
    assert response.status_code == 400, response.get_data(as_text=True)
    [entry] = response.json["exception"]["exceptionDetailList"]
    return entry["exceptionCode"], entry["exceptionDescription"], entry["details"]
