"""A scenario's ``credentials:`` seeds (persons, entities, tokens) through the unmodified
``ksef-client`` SDK against a live mock: the bundled ``credentials-read-only-user``
(context 7770000519, strict) and one loaded at run time through ``POST /_mock/scenarios``."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
import pytest
from ksef_client.exceptions import KsefHttpError
from ksef_client.models import PersonPermissionsQueryRequest

from tests.lifecycle.sdk import invoice_rows
from tests.support.invoices import fa3_invoice
from tests.support.nips import NIP, OTHER_NIP
from tests.support.sdk import open_fa3, person_grant, token_login, xades_login
from tests.support.spec import spec_dir

CONTEXT = "7770000519"
READER = "90010112301"
OFFICE = "8880000024"
SECRET = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"
ACTIVE_TOKEN = f"20261201-EC-7770000519-0000000001-CC|nip-{CONTEXT}|{SECRET}"
PENDING_TOKEN = f"20261201-EC-7770000519-0000000002-C5|nip-{CONTEXT}|{SECRET}"
REVOKED_TOKEN = f"20261201-EC-7770000519-0000000003-C2|nip-{CONTEXT}|{SECRET}"
WRITE_ANY = ["InvoiceWrite", "PefInvoiceWrite", "EnforcementOperations"]
PERSONS = PersonPermissionsQueryRequest.from_dict({"queryType": "PermissionsInCurrentContext"})


def _refusal(sdk: Any, access: str) -> Any:
    with pytest.raises(KsefHttpError) as refused:
        open_fa3(sdk, access)
    assert refused.value.status_code == 403
    body: Any = refused.value.response_body
    return body["security"]


def _bearer(access: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {access}"}


def _rows(sdk: Any, owner: str) -> Any:
    found = sdk.permissions.query_persons_grants(PERSONS, access_token=owner)
    return found.to_dict()["permissions"]


def test_a_seeded_person_may_only_read(sdk):
    reader = xades_login(sdk, f"PNOPL-{READER}", CONTEXT)
    assert _refusal(sdk, reader.access_token) == {
        "requiredAnyOfPermissions": WRITE_ANY,
        "presentPermissions": ["InvoiceRead"],
    }
    writer = xades_login(sdk, "TINPL-8880000018", CONTEXT)
    workflow, handle = open_fa3(sdk, writer.access_token)
    workflow.close_session(handle.session_reference_number, writer.access_token)
    with pytest.raises(RuntimeError, match=r"^Authentication failed: 415 .*uprawnień$"):
        xades_login(sdk, f"TINPL-{NIP}", CONTEXT)  # strict: a stranger holds nothing here


def test_seeded_grants_show_in_the_queries_and_can_be_revoked(sdk, live):
    owner = xades_login(sdk, f"TINPL-{CONTEXT}", CONTEXT).access_token
    rows = _rows(sdk, owner)
    summary = [
        (r["authorizedIdentifier"], r["permissionScope"], r["description"], r["permissionState"])
        for r in rows
    ]
    assert sorted(summary, key=str) == sorted(
        [
            ({"type": "Pesel", "value": READER}, "InvoiceRead", "Tylko odczyt faktur", "Active"),
            ({"type": "Nip", "value": "8880000018"}, "InvoiceWrite", "Wystawia faktury", "Active"),
            ({"type": "Nip", "value": "8880000018"}, "InvoiceRead", "Wystawia faktury", "Active"),
        ],
        key=str,
    )
    reader_row = next(r for r in rows if r["authorizedIdentifier"]["value"] == READER)
    assert reader_row["authorIdentifier"] == {"type": "Nip", "value": CONTEXT}
    assert reader_row["startDate"] == "2026-11-24T09:00:00.000000+00:00"
    office = xades_login(sdk, f"TINPL-{OFFICE}", CONTEXT).access_token
    assert _refusal(sdk, office)["presentPermissions"] == ["InvoiceRead"]
    at_home = xades_login(sdk, f"TINPL-{OFFICE}", OFFICE).access_token
    received = httpx.post(
        f"{live.url}/v2/permissions/query/entities/grants", json={}, headers=_bearer(at_home)
    )
    assert received.status_code == 200, received.text
    [entity] = received.json()["permissions"]
    assert (entity["contextIdentifier"], entity["permissionScope"], entity["canDelegate"]) == (
        {"type": "Nip", "value": CONTEXT},
        "InvoiceRead",
        True,
    )

    op = sdk.permissions.revoke_common_permission(reader_row["id"], access_token=owner)
    status = sdk.permissions.get_operation_status(op.reference_number, access_token=owner)
    assert status.to_dict()["status"]["code"] == 200
    with pytest.raises(RuntimeError, match=r"^Authentication failed: 415 "):
        xades_login(sdk, f"PNOPL-{READER}", CONTEXT)

    # A reset empties the store; the seeds land again, with the same ids.
    assert httpx.post(f"{live.url}/_mock/reset").status_code == 200
    owner = xades_login(sdk, f"TINPL-{CONTEXT}", CONTEXT).access_token
    assert sorted(r["id"] for r in _rows(sdk, owner)) == sorted(r["id"] for r in rows)
    assert xades_login(sdk, f"PNOPL-{READER}", CONTEXT).access_token


def test_seeded_tokens_log_in_by_their_state(sdk):
    reader = token_login(sdk, ACTIVE_TOKEN, CONTEXT)
    assert _refusal(sdk, reader.access_token)["presentPermissions"] == ["InvoiceRead"]
    with pytest.raises(RuntimeError, match=r"^Authentication failed: 450 .*Token nieaktywny$"):
        token_login(sdk, PENDING_TOKEN, CONTEXT)
    with pytest.raises(RuntimeError, match=r"^Authentication failed: 450 .*Token unieważniony$"):
        token_login(sdk, REVOKED_TOKEN, CONTEXT)
    forged = ACTIVE_TOKEN.replace(SECRET, "f" * 32)
    with pytest.raises(RuntimeError, match=r"^Authentication failed: 450 .*Nieprawidłowy token$"):
        token_login(sdk, forged, CONTEXT)

    owner = xades_login(sdk, f"TINPL-{CONTEXT}", CONTEXT).access_token
    listed = sdk.tokens.list_tokens(access_token=owner).to_dict()["tokens"]
    assert [(t["referenceNumber"], t["status"], t["requestedPermissions"]) for t in listed] == [
        ("20261201-EC-7770000519-0000000003-C2", "Revoked", ["InvoiceWrite"]),
        ("20261201-EC-7770000519-0000000002-C5", "Pending", ["InvoiceWrite"]),
        ("20261201-EC-7770000519-0000000001-CC", "Active", ["InvoiceRead"]),
    ]
    active = listed[2]
    assert active["authorIdentifier"] == {"type": "Nip", "value": CONTEXT}
    assert active["contextIdentifier"] == {"type": "Nip", "value": CONTEXT}
    assert active["description"] == "Token tylko do odczytu"
    assert active["lastUseDate"] == active["dateCreated"]  # used at once, frozen clock


RUNTIME = f"""
name: seeded-at-runtime
select:
  contexts: ["{NIP}"]
credentials:
  persons:
    - identifier: {{type: Pesel, value: "{READER}"}}
      permissions: [InvoiceWrite]
"""


def test_a_scenario_loaded_at_run_time_seeds_on_the_next_call(sdk, live):
    stranger = xades_login(sdk, "TINPL-8880000030", NIP)  # permissive, unmanaged: owner set
    assert stranger.access_token
    loaded = httpx.post(f"{live.url}/_mock/scenarios", content=RUNTIME)
    assert loaded.status_code == 201, loaded.text
    person = xades_login(sdk, f"PNOPL-{READER}", NIP)
    workflow, handle = open_fa3(sdk, person.access_token)
    workflow.close_session(handle.session_reference_number, person.access_token)
    owner = xades_login(sdk, f"TINPL-{NIP}", NIP).access_token
    assert [
        (r["authorizedIdentifier"]["value"], r["permissionScope"]) for r in _rows(sdk, owner)
    ] == [(READER, "InvoiceWrite")]
    with pytest.raises(RuntimeError, match=r"^Authentication failed: 415 "):
        xades_login(sdk, "TINPL-8880000030", NIP)  # the context is managed now


GRANT = person_grant(READER, ["InvoiceRead"], "Odczyt faktur")


def _operation_texts() -> dict[int, str]:
    """Code → description of the spec's table of permission-operation statuses."""
    spec = json.loads((spec_dir() / "open-api.json").read_text(encoding="utf-8"))
    schema = spec["components"]["schemas"]["PermissionsOperationStatusResponse"]
    table = schema["properties"]["status"]["description"]
    return {int(c): t.strip() for c, t in re.findall(r"^\| (\d{3}) \| ([^|]+)\|", table, re.M)}


OPERATION_CODES = {code: text for code, text in _operation_texts().items() if code >= 400}


def test_the_spec_lists_eight_failure_codes():
    assert sorted(OPERATION_CODES) == [400, 410, 420, 430, 440, 450, 500, 550]


@pytest.mark.parametrize("code", [400, 410, 420, 430, 440, 450, 500, 550])
def test_a_scenario_fails_grant_operations_with_each_code(sdk, live, code):
    scenario = (
        f"name: grant-fails-{code}\nselect:\n  contexts: ['{NIP}']\ncredentials:\n"
        f"  permission_op_polls: 1\n  permission_op: {{code: {code}, details: ['Powód {code}']}}\n"
    )
    assert httpx.post(f"{live.url}/_mock/scenarios", content=scenario).status_code == 201
    owner = xades_login(sdk, f"TINPL-{NIP}", NIP).access_token
    op = sdk.permissions.grant_person(GRANT, access_token=owner)
    first = sdk.permissions.get_operation_status(op.reference_number, access_token=owner)
    assert first.to_dict()["status"] == {
        "code": 100,
        "description": "Operacja przyjęta do realizacji",
    }
    final = sdk.permissions.get_operation_status(op.reference_number, access_token=owner)
    assert final.to_dict()["status"] == {
        "code": code,
        "description": OPERATION_CODES[code],
        "details": [f"Powód {code}"],
    }
    assert _rows(sdk, owner) == []  # nothing was granted


FAILED_TOKEN = f"20261124-EC-5265877635-0000000009-AA|nip-{NIP}|{SECRET}"
EXTRAS = f"""
name: seeded-extras
credentials:
  authorizations:
    - identifier: {{type: Nip, value: "{NIP}"}}
      permission: SelfInvoicing
      contexts: ["{OTHER_NIP}"]
  tokens:
    - token: "{FAILED_TOKEN}"
      permissions: [EnforcementOperations]
      status: Failed
      status_details: ["Context identifier is not enforcement authority."]
"""


def test_seeded_authorisations_and_a_failed_token(sdk, live):
    assert httpx.post(f"{live.url}/_mock/scenarios", content=EXTRAS).status_code == 201
    with pytest.raises(RuntimeError, match=r"^Authentication failed: 450 .*Token nieaktywny$"):
        token_login(sdk, FAILED_TOKEN, NIP)
    owner = xades_login(sdk, f"TINPL-{NIP}", NIP).access_token
    item = sdk.tokens.get_token_status(FAILED_TOKEN.split("|")[0], access_token=owner).to_dict()
    assert (item["status"], item["statusDetails"]) == (
        "Failed",
        ["Context identifier is not enforcement authority."],
    )
    workflow, handle = open_fa3(sdk, owner)
    workflow.send_invoice(
        session_reference_number=handle.reference_number,
        invoice_xml=fa3_invoice(OTHER_NIP, "FV/SEED/1"),  # OTHER_NIP authorised NIP
        encryption_data=handle.encryption_data,
        access_token=owner,
    )
    [row] = invoice_rows(live, handle.reference_number, owner)
    assert row["status"]["code"] == 200
