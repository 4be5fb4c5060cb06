"""``GET /sessions`` by the caller's rights (BRIEF-ADMIN 1.4): InvoiceWrite alone lists the
sessions its person opened (over any of its logins), Introspection every session of the
context. Real HTTP: the unmodified ``ksef-client`` logs in and opens sessions."""

from __future__ import annotations

import httpx

from tests.support.nips import NIP
from tests.support.sdk import open_fa3, person_grant, xades_login

WRITER = "90010112301"
AUDITOR = "85050512347"


def _grant(sdk, owner: str, pesel: str, permission: str) -> None:
    op = sdk.permissions.grant_person(
        person_grant(pesel, [permission], f"Uprawnienie {permission}"), access_token=owner
    )
    status = sdk.permissions.get_operation_status(op.reference_number, access_token=owner)
    assert status.to_dict()["status"]["code"] == 200


def _opened(sdk, access: str) -> str:
    _workflow, handle = open_fa3(sdk, access)
    return str(handle.session_reference_number)


def _listed(live, access: str) -> list[str]:
    answer = httpx.get(
        f"{live.url}/v2/sessions",
        params={"sessionType": "Online", "pageSize": 10},
        headers={"Authorization": f"Bearer {access}"},
    )
    assert answer.status_code == 200, answer.text
    return sorted(s["referenceNumber"] for s in answer.json()["sessions"])


def test_invoice_write_lists_its_own_sessions_introspection_all(sdk, live):
    owner = xades_login(sdk, f"TINPL-{NIP}", NIP).access_token
    _grant(sdk, owner, WRITER, "InvoiceWrite")
    _grant(sdk, owner, AUDITOR, "Introspection")
    by_owner = _opened(sdk, owner)
    first = _opened(sdk, xades_login(sdk, f"PNOPL-{WRITER}", NIP).access_token)
    writer = xades_login(sdk, f"PNOPL-{WRITER}", NIP).access_token  # a second login
    second = _opened(sdk, writer)

    assert _listed(live, writer) == sorted([first, second])
    everything = sorted([by_owner, first, second])
    assert _listed(live, xades_login(sdk, f"PNOPL-{AUDITOR}", NIP).access_token) == everything
    assert _listed(live, owner) == everything
