"""Entity authorisations act on invoice validation, live (BRIEF-ADMIN 1.3, 7.3): a seller
that gave the sending context SelfInvoicing may stand in Podmiot1 (200); any other NIP,
or the same seller once the authorisation is revoked, mid-session, is invoice code 410.
Real HTTP through the unmodified ``ksef-client``; the seller grants and revokes too."""

from __future__ import annotations

from ksef_client.models import (
    EntityAuthorizationPermissionsGrantRequest,
    EntityAuthorizationPermissionsQueryRequest,
)

from tests.lifecycle.sdk import invoice_rows
from tests.support.invoices import fa3_invoice
from tests.support.nips import NIP, OTHER_NIP
from tests.support.sdk import open_fa3, xades_login

STRANGER = "8880000047"
REFUSED = (
    "NIP sprzedawcy (Podmiot1) {seller} jest inny niż NIP kontekstu {nip}; brak uprawnień do "
    "wystawiania faktur w jego imieniu (sprzedawca nie nadał kontekstowi uprawnienia "
    "podmiotowego: samofakturowanie, przedstawiciel podatkowy, faktury RR, PEF)"
)


def _ok(sdk, op, token: str) -> None:
    status = sdk.permissions.get_operation_status(op.reference_number, access_token=token)
    assert status.to_dict()["status"]["code"] == 200


def test_self_invoicing_lets_the_buyer_issue_in_the_sellers_name_until_revoked(sdk, live):
    seller = xades_login(sdk, f"TINPL-{OTHER_NIP}", OTHER_NIP).access_token
    grant = EntityAuthorizationPermissionsGrantRequest.from_dict(
        {
            "subjectIdentifier": {"type": "Nip", "value": NIP},
            "permission": "SelfInvoicing",
            "description": "Samofakturowanie",
            "subjectDetails": {"fullName": "Nabywca Sp. z o.o."},
        }
    )
    _ok(sdk, sdk.permissions.grant_authorization(grant, access_token=seller), seller)

    buyer = xades_login(sdk, f"TINPL-{NIP}", NIP).access_token
    workflow, handle = open_fa3(sdk, buyer)

    def send(seller_nip: str, number: str) -> None:
        workflow.send_invoice(
            session_reference_number=handle.reference_number,
            invoice_xml=fa3_invoice(seller_nip, number),
            encryption_data=handle.encryption_data,
            access_token=buyer,
        )

    send(OTHER_NIP, "FV/SF/1")
    send(STRANGER, "FV/SF/2")
    query = EntityAuthorizationPermissionsQueryRequest.from_dict({"queryType": "Granted"})
    [row] = sdk.permissions.query_authorizations_grants(query, access_token=seller).to_dict()[
        "authorizationGrants"
    ]
    _ok(sdk, sdk.permissions.revoke_authorization(row["id"], access_token=seller), seller)
    send(OTHER_NIP, "FV/SF/3")  # same session: the revocation acts at once
    send(NIP, "FV/SF/4")  # the context's own invoices are unaffected

    rows = invoice_rows(live, handle.reference_number, buyer)
    assert [(r["invoiceNumber"], r["status"]["code"]) for r in rows] == [
        ("FV/SF/1", 200),
        ("FV/SF/2", 410),
        ("FV/SF/3", 410),
        ("FV/SF/4", 200),
    ]
    assert rows[1]["status"]["description"] == "Nieprawidłowy zakres uprawnień"
    assert rows[1]["status"]["details"] == [REFUSED.format(seller=STRANGER, nip=NIP)]
    assert rows[2]["status"]["details"] == [REFUSED.format(seller=OTHER_NIP, nip=NIP)]
