"""A Peppol provider sends a PEF invoice in its own PeppolId context: 410 until the seller
gives it PefInvoicing (BRIEF-ADMIN 8.15), then accepted, and the seller sees it."""

from __future__ import annotations

from typing import Any

from cryptography.hazmat.primitives.asymmetric import rsa

from mock_ksef.http.context import services
from tests.http.test_auth_xades import challenge, post
from tests.peppol.test_peppol_query import provider_seal
from tests.support.auth import API, bearer, body
from tests.support.client_crypto import SessionKey
from tests.support.principal import access_token
from tests.support.xades import sign, unsigned_request

PEPPOL_ID = "PPL654321"
SELLER = "1234563218"
PEF = {"systemCode": "PEF (3)", "schemaVersion": "2-1", "value": "PEF"}
AUTHORISED = f"""
name: seller-authorises-provider
credentials:
  authorizations:
    - identifier: {{type: PeppolId, value: {PEPPOL_ID}}}
      permission: PefInvoicing
      contexts: ["{SELLER}"]
"""


def pef_invoice(seller: str, number: str) -> bytes:
    """A minimal UBL invoice whose supplier is the Polish NIP ``seller``."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
 xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
 xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
 <cbc:CustomizationID>urn:cen.eu:en16931:2017</cbc:CustomizationID>
 <cbc:ID>{number}</cbc:ID>
 <cbc:IssueDate>2026-11-20</cbc:IssueDate>
 <cbc:InvoiceTypeCode>380</cbc:InvoiceTypeCode>
 <cbc:DocumentCurrencyCode>PLN</cbc:DocumentCurrencyCode>
 <cac:AccountingSupplierParty><cac:Party>
  <cac:PartyTaxScheme><cbc:CompanyID>PL{seller}</cbc:CompanyID>
   <cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:PartyTaxScheme>
  <cac:PartyLegalEntity><cbc:RegistrationName>Sprzedawca</cbc:RegistrationName></cac:PartyLegalEntity>
 </cac:Party></cac:AccountingSupplierParty>
 <cac:AccountingCustomerParty><cac:Party>
  <cac:PartyTaxScheme><cbc:CompanyID>DE123456789</cbc:CompanyID>
   <cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:PartyTaxScheme>
  <cac:PartyLegalEntity>
   <cbc:RegistrationName>Kunde GmbH</cbc:RegistrationName></cac:PartyLegalEntity>
 </cac:Party></cac:AccountingCustomerParty>
 <cac:TaxTotal><cbc:TaxAmount currencyID="PLN">23.00</cbc:TaxAmount></cac:TaxTotal>
 <cac:LegalMonetaryTotal>
  <cbc:TaxExclusiveAmount currencyID="PLN">100.00</cbc:TaxExclusiveAmount>
  <cbc:TaxInclusiveAmount currencyID="PLN">123.00</cbc:TaxInclusiveAmount>
  <cbc:PayableAmount currencyID="PLN">123.00</cbc:PayableAmount>
 </cac:LegalMonetaryTotal>
 <cac:InvoiceLine>
  <cbc:ID>1</cbc:ID>
  <cbc:InvoicedQuantity unitCode="C62">1</cbc:InvoicedQuantity>
  <cbc:LineExtensionAmount currencyID="PLN">100.00</cbc:LineExtensionAmount>
  <cac:Item><cbc:Name>Usługa</cbc:Name></cac:Item>
 </cac:InvoiceLine>
</Invoice>""".encode()


def _provider_token(client) -> str:
    document = unsigned_request(challenge(client), PEPPOL_ID, context_type="PeppolId")
    init = body(post(client, sign(document, provider_seal(PEPPOL_ID, "Dostawca PEF"))))
    redeemed = client.post(
        f"{API}/auth/token/redeem", headers=bearer(init["authenticationToken"]["token"])
    )
    assert redeemed.status_code == 200, redeemed.json
    return str(body(redeemed)["accessToken"]["token"])


def test_a_pef_invoice_sent_by_the_provider_is_visible_to_the_seller(app, client):
    headers = bearer(_provider_token(client))
    key = SessionKey.fresh()
    public = services(app).keys.symmetric_key.certificate.public_key()
    assert isinstance(public, rsa.RSAPublicKey)
    opened = client.post(
        f"{API}/sessions/online",
        json={"formCode": PEF, "encryption": key.encryption(public)},
        headers=headers,
    )
    assert opened.status_code == 201, opened.json
    ref = opened.json["referenceNumber"]

    def send(number: str) -> Any:
        sent = client.post(
            f"{API}/sessions/online/{ref}/invoices",
            json=key.send_request(pef_invoice(SELLER, number)),
            headers=headers,
        )
        assert sent.status_code == 202, sent.json
        path = f"{API}/sessions/{ref}/invoices/{sent.json['referenceNumber']}"
        return client.get(path, headers=headers).json

    assert send("PEF/0")["status"] == {
        "code": 410,
        "description": "Nieprawidłowy zakres uprawnień",
        "details": [
            f"Sprzedawca {SELLER} nie nadał dostawcy {PEPPOL_ID} uprawnienia PefInvoicing; "
            "brak uprawnień do wystawiania faktur w jego imieniu"
        ],
    }
    # The seller authorises the provider (as POST /permissions/authorizations/grants would).
    authorised = client.post("/_mock/scenarios", data=AUTHORISED)
    assert authorised.status_code == 201, authorised.json
    status = send("PEF/1")
    assert status["status"]["code"] == 200, status["status"]
    assert status["ksefNumber"].startswith(f"{SELLER}-")

    seller = bearer(access_token(app, SELLER))
    query = {
        "subjectType": "Subject1",
        "dateRange": {"dateType": "PermanentStorage", "from": "2026-11-01T00:00:00Z"},
    }
    found = client.post(f"{API}/invoices/query/metadata", json=query, headers=seller).json
    [invoice] = found["invoices"]
    assert (invoice["ksefNumber"], invoice["invoiceNumber"], invoice["formCode"]["value"]) == (
        status["ksefNumber"],
        "PEF/1",
        "PEF",
    )
    assert invoice["seller"] == {"nip": SELLER, "name": "Sprzedawca"}
