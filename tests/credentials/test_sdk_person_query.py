"""``POST /permissions/query/persons/grants`` through the unmodified ``ksef-client`` SDK
(strict mode): every field of ``PersonPermission`` the mock knows (the subject's details,
an indirect grant's target), ``permissionState`` Inactive where BRIEF-ADMIN 3.5/3.6 puts
it, the query types and the ``contextIdentifier`` / ``targetIdentifier`` filters."""

from __future__ import annotations

import dataclasses
from typing import Any

import httpx
import pytest
from ksef_client.exceptions import KsefHttpError
from ksef_client.models import (
    EntityPermissionsQueryRequest,
    PersonPermissionsQueryRequest,
)

from mock_ksef.settings import Settings
from mock_ksef.timefmt import iso
from tests.conftest import START
from tests.credentials.test_sdk_entity_grants import (
    INTERNAL_ID,
    PESEL,
    _entity,
    _indirect,
    _subunit,
    _xades,
)
from tests.credentials.test_sdk_permission_queries import _ok
from tests.support.nips import NIP, OTHER_NIP
from tests.support.sdk import person_grant

WHEN = iso(START)
ANNA = {
    "subjectDetailsType": "PersonByIdentifier",
    "firstName": "Anna",
    "lastName": "Nowak",
    "personIdentifier": {"type": "Pesel", "value": PESEL},
}


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The suite's settings in ``strict`` credentials mode."""
    return dataclasses.replace(settings, credentials_mode="strict")


def _query(sdk: Any, token: str, **filters: Any) -> list[dict[str, Any]]:
    body = {"queryType": "PermissionsInCurrentContext", **filters}
    answer = sdk.permissions.query_persons_grants(
        PersonPermissionsQueryRequest.from_dict(body), access_token=token
    ).to_dict()
    assert answer["hasMore"] is False
    rows = answer["permissions"]
    for row in rows:
        assert len(row.pop("id")) == 36
    return list(rows)


def _person_row(scope: str, description: str, context: dict[str, str]) -> dict[str, Any]:
    """A ``PersonPermission`` row (without its id) of a grant ``NIP``'s owner made to Anna."""
    return {
        "authorizedIdentifier": {"type": "Pesel", "value": PESEL},
        "contextIdentifier": context,
        "authorIdentifier": {"type": "Nip", "value": NIP},
        "permissionScope": scope,
        "description": description,
        "subjectPersonDetails": ANNA,
        "permissionState": "Active",
        "startDate": WHEN,
        "canDelegate": False,
    }


def test_a_person_grant_row_has_the_subjects_details(sdk):
    owner = _xades(sdk, f"TINPL-{NIP}").access_token
    grant = person_grant(PESEL, ["InvoiceWrite"], "Księgowa wystawia faktury")
    _ok(sdk, sdk.permissions.grant_person(grant, access_token=owner), owner)
    assert _query(sdk, owner) == [
        _person_row("InvoiceWrite", "Księgowa wystawia faktury", {"type": "Nip", "value": NIP})
    ]
    assert _query(sdk, owner, permissionState="Inactive") == []
    elsewhere = {"type": "Nip", "value": OTHER_NIP}
    assert _query(sdk, owner, contextIdentifier=elsewhere) == []


def test_a_deceased_subjects_grant_is_inactive(sdk, live):
    owner = _xades(sdk, f"TINPL-{NIP}").access_token
    grant = person_grant(PESEL, ["InvoiceRead"], "Księgowa czyta faktury")
    _ok(sdk, sdk.permissions.grant_person(grant, access_token=owner), owner)
    declared = {
        "nip": OTHER_NIP,
        "pesel": PESEL,
        "isBailiff": False,
        "isDeceased": True,
        "description": "Osoba zmarła",
    }
    assert httpx.post(f"{live.url}/v2/testdata/person", json=declared).status_code == 200
    [row] = _query(sdk, owner)
    assert (row["permissionScope"], row["permissionState"]) == ("InvoiceRead", "Inactive")
    assert _query(sdk, owner, permissionState="Active") == []
    assert [r["permissionState"] for r in _query(sdk, owner, permissionState="Inactive")] == [
        "Inactive"
    ]


def test_indirect_rows_name_their_target_and_go_inactive_with_the_client(sdk):
    owner = _xades(sdk, f"TINPL-{NIP}").access_token
    office = _xades(sdk, f"TINPL-{OTHER_NIP}", OTHER_NIP).access_token
    client = _entity(OTHER_NIP, ("InvoiceRead", True))
    _ok(sdk, sdk.permissions.grant_entity(client, access_token=owner), owner)
    selective = _indirect({"type": "Nip", "value": NIP}, "InvoiceRead")
    _ok(sdk, sdk.permissions.grant_indirect(selective, access_token=office), office)
    general = _indirect({"type": "AllPartners"}, "InvoiceRead")
    _ok(sdk, sdk.permissions.grant_indirect(general, access_token=office), office)

    def row(target: dict[str, str], state: str) -> dict[str, Any]:
        return {
            "authorizedIdentifier": {"type": "Pesel", "value": PESEL},
            "contextIdentifier": {"type": "Nip", "value": OTHER_NIP},
            "targetIdentifier": target,
            "authorIdentifier": {"type": "Nip", "value": OTHER_NIP},
            "permissionScope": "InvoiceRead",
            "description": "Pracownik biura",
            "subjectPersonDetails": ANNA,
            "permissionState": state,
            "startDate": WHEN,
            "canDelegate": False,
        }

    selected = {"type": "Nip", "value": NIP}
    everyone = {"type": "AllPartners"}
    assert sorted(_query(sdk, office), key=str) == sorted(
        [row(selected, "Active"), row(everyone, "Active")], key=str
    )
    assert _query(sdk, office, targetIdentifier=selected) == [row(selected, "Active")]
    assert _query(sdk, office, targetIdentifier=everyone) == [row(everyone, "Active")]

    # The client withdraws the delegable grant behind both: they stay, Inactive.
    received = EntityPermissionsQueryRequest.from_dict({})
    [given] = sdk.permissions.query_entities_grants(received, access_token=office).permissions
    _ok(sdk, sdk.permissions.revoke_common_permission(given.id, access_token=owner), owner)
    assert sorted(_query(sdk, office, permissionState="Inactive"), key=str) == sorted(
        [row(selected, "Inactive"), row(everyone, "Inactive")], key=str
    )
    assert _query(sdk, office, permissionState="Active") == []


def test_subunit_administrators_by_query_type(sdk):
    owner = _xades(sdk, f"TINPL-{NIP}").access_token
    here = {"type": "InternalId", "value": INTERNAL_ID}
    _ok(sdk, sdk.permissions.grant_subunit(_subunit(here), access_token=owner), owner)
    admin = _person_row("CredentialsManage", "Administrator oddziału", here)
    # Granted here (acting in the subunit) vs. in force here (the NIP context: nobody).
    assert _query(sdk, owner, queryType="PermissionsGrantedInCurrentContext") == [admin]
    assert _query(sdk, owner) == []
    # In the subunit's own context the administrator is in force there.
    inside = _xades(sdk, f"PNOPL-{PESEL}", INTERNAL_ID, "InternalId").access_token
    assert _query(sdk, inside) == [admin]
    assert _query(sdk, inside, contextIdentifier=here) == [admin]


def test_a_target_without_a_value_is_21405(sdk):
    owner = _xades(sdk, f"TINPL-{NIP}").access_token
    with pytest.raises(KsefHttpError) as bad:
        _query(sdk, owner, targetIdentifier={"type": "Nip"})
    answer: Any = bad.value.response_body
    [entry] = answer["exception"]["exceptionDetailList"]
    assert (entry["exceptionCode"], entry["details"]) == (
        21405,
        ["targetIdentifier: typ Nip wymaga wartości."],
    )
