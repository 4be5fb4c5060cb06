"""The ``/permissions/query/*`` endpoints and EU-entity administration through the
unmodified ``ksef-client`` SDK (strict mode): exact rows, filters, paging."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from ksef_client.exceptions import KsefHttpError
from ksef_client.models import (
    EntityPermissionsGrantRequest,
    EntityPermissionsQueryRequest,
    EuEntityAdministrationPermissionsGrantRequest,
    EuEntityPermissionsGrantRequest,
    EuEntityPermissionsQueryRequest,
    PersonalPermissionsQueryRequest,
    SubunitPermissionsGrantRequest,
    SubunitPermissionsQueryRequest,
)

from mock_ksef.settings import Settings
from mock_ksef.timefmt import iso
from tests.conftest import START
from tests.credentials.test_sdk_entity_grants import INTERNAL_ID, OK, PERSON, PESEL, _xades
from tests.support.nips import NIP, OTHER_NIP

FP = "A" * 64
EU = f"{NIP}-DE123456789"
WHEN = iso(START)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The suite's settings in ``strict`` credentials mode."""
    return dataclasses.replace(settings, credentials_mode="strict")


def _ok(sdk: Any, op: Any, token: str) -> None:
    found = sdk.permissions.get_operation_status(op.reference_number, access_token=token)
    assert found.to_dict()["status"] == OK


def _rows(answer: Any, key: str = "permissions") -> list[dict[str, Any]]:
    found = answer.to_dict()
    assert found["hasMore"] is False
    rows = found[key]
    for row in rows:
        assert len(row.pop("id")) == 36
    return list(rows)


def test_entity_subunit_and_personal_queries(sdk):
    owner = _xades(sdk, f"TINPL-{NIP}").access_token
    entity = EntityPermissionsGrantRequest.from_dict(
        {
            "subjectIdentifier": {"type": "Nip", "value": OTHER_NIP},
            "permissions": [{"type": "InvoiceRead", "canDelegate": True}],
            "description": "Biuro rachunkowe",
            "subjectDetails": {"fullName": "Biuro Rachunkowe Sp. z o.o."},
        }
    )
    _ok(sdk, sdk.permissions.grant_entity(entity, access_token=owner), owner)
    subunit = SubunitPermissionsGrantRequest.from_dict(
        {
            "subjectIdentifier": {"type": "Pesel", "value": PESEL},
            "contextIdentifier": {"type": "InternalId", "value": INTERNAL_ID},
            "subunitName": "Oddział Kraków",
            "description": "Administrator oddziału",
            "subjectDetails": PERSON,
        }
    )
    _ok(sdk, sdk.permissions.grant_subunit(subunit, access_token=owner), owner)

    any_subunit = SubunitPermissionsQueryRequest.from_dict({})
    assert _rows(sdk.permissions.query_subunits_grants(any_subunit, access_token=owner)) == [
        {
            "authorizedIdentifier": {"type": "Pesel", "value": PESEL},
            "subunitIdentifier": {"type": "InternalId", "value": INTERNAL_ID},
            "authorIdentifier": {"type": "Nip", "value": NIP},
            "permissionScope": "CredentialsManage",
            "description": "Administrator oddziału",
            "subunitName": "Oddział Kraków",
            "subjectPersonDetails": {
                "subjectDetailsType": "PersonByIdentifier",
                "firstName": "Anna",
                "lastName": "Nowak",
                "personIdentifier": {"type": "Pesel", "value": PESEL},
            },
            "startDate": WHEN,
        }
    ]
    other = SubunitPermissionsQueryRequest.from_dict(
        {"subunitIdentifier": {"type": "Nip", "value": OTHER_NIP}}
    )
    assert _rows(sdk.permissions.query_subunits_grants(other, access_token=owner)) == []

    office = _xades(sdk, f"TINPL-{OTHER_NIP}", OTHER_NIP).access_token
    received = EntityPermissionsQueryRequest.from_dict({})
    assert _rows(sdk.permissions.query_entities_grants(received, access_token=office)) == [
        {
            "contextIdentifier": {"type": "Nip", "value": NIP},
            "permissionScope": "InvoiceRead",
            "description": "Biuro rachunkowe",
            "startDate": WHEN,
            "canDelegate": True,
        }
    ]
    # The receiving context cannot revoke what it was given (another context's grant).
    [given] = sdk.permissions.query_entities_grants(received, access_token=office).permissions
    refused = sdk.permissions.revoke_common_permission(given.id, access_token=office)
    status = sdk.permissions.get_operation_status(refused.reference_number, access_token=office)
    assert status.to_dict()["status"] == {
        "code": 400,
        "description": "Operacja zakończona niepowodzeniem",
    }
    still = sdk.permissions.query_entities_grants(received, access_token=office)
    assert [p.id for p in still.permissions] == [given.id]
    elsewhere = EntityPermissionsQueryRequest.from_dict(
        {"contextIdentifier": {"type": "Nip", "value": OTHER_NIP}}
    )
    assert _rows(sdk.permissions.query_entities_grants(elsewhere, access_token=office)) == []

    guest = _xades(sdk, f"TINPL-{OTHER_NIP}").access_token  # the entity in NIP's context
    mine = PersonalPermissionsQueryRequest.from_dict({})
    found = sdk.permissions.query_personal_grants(mine, access_token=guest)
    assert "ownerPermissions" not in found.to_dict()
    assert _rows(found) == [
        {
            "contextIdentifier": {"type": "Nip", "value": NIP},
            "authorizedIdentifier": {"type": "Nip", "value": OTHER_NIP},
            "permissionScope": "InvoiceRead",
            "description": "Biuro rachunkowe",
            "subjectEntityDetails": {
                "subjectDetailsType": "EntityByIdentifier",
                "fullName": "Biuro Rachunkowe Sp. z o.o.",
            },
            "permissionState": "Active",
            "startDate": WHEN,
            "canDelegate": True,
        }
    ]
    writes = PersonalPermissionsQueryRequest.from_dict({"permissionTypes": ["InvoiceWrite"]})
    assert _rows(sdk.permissions.query_personal_grants(writes, access_token=guest)) == []
    roles = sdk.permissions.query_entities_roles(access_token=owner)
    assert roles.to_dict() == {"roles": [], "hasMore": False}
    status = sdk.permissions.check_attachment_permission_status(access_token=owner)
    assert status.to_dict() == {"isAttachmentAllowed": False}


def _eu_admin(context: str) -> Any:
    return EuEntityAdministrationPermissionsGrantRequest.from_dict(
        {
            "subjectIdentifier": {"type": "Fingerprint", "value": FP},
            "contextIdentifier": {"type": "NipVatUe", "value": context},
            "euEntityName": "Beispiel GmbH",
            "description": "Administrator podmiotu UE",
            "subjectDetails": {
                "subjectDetailsType": "EntityByFingerprint",
                "entityByFp": {"fullName": "Beispiel GmbH", "address": "Berlin"},
            },
            "euEntityDetails": {"fullName": "Beispiel GmbH", "address": "Berlin"},
        }
    )


def test_eu_entity_administration_and_its_query(sdk):
    owner = _xades(sdk, f"TINPL-{NIP}").access_token
    wrong = sdk.permissions.grant_eu_entity_admin(
        _eu_admin(f"{OTHER_NIP}-DE123456789"), access_token=owner
    )
    status = sdk.permissions.get_operation_status(wrong.reference_number, access_token=owner)
    assert status.to_dict()["status"]["code"] == 410
    _ok(sdk, sdk.permissions.grant_eu_entity_admin(_eu_admin(EU), access_token=owner), owner)

    query = EuEntityPermissionsQueryRequest.from_dict({"permissionTypes": ["VatUeManage"]})
    assert _rows(sdk.permissions.query_eu_entities_grants(query, access_token=owner)) == [
        {
            "authorIdentifier": {"type": "Nip", "value": NIP},
            "vatUeIdentifier": "DE123456789",
            "euEntityName": "Beispiel GmbH",
            "authorizedFingerprintIdentifier": FP,
            "permissionScope": "VatUeManage",
            "description": "Administrator podmiotu UE",
            "subjectEntityDetails": {
                "subjectDetailsType": "EntityByFingerprint",
                "fullName": "Beispiel GmbH",
                "address": "Berlin",
            },
            "euEntityDetails": {"fullName": "Beispiel GmbH", "address": "Berlin"},
            "startDate": WHEN,
        }
    ]
    every = EuEntityPermissionsQueryRequest.from_dict({"vatUeIdentifier": "DE123456789"})
    scopes = [
        r["permissionScope"]
        for r in _rows(sdk.permissions.query_eu_entities_grants(every, access_token=owner))
    ]
    assert sorted(scopes) == ["Introspection", "InvoiceRead", "InvoiceWrite", "VatUeManage"]

    # A representative needs VatUeManage, which no owner holds: 403 with the exact body.
    rep = EuEntityPermissionsGrantRequest.from_dict(
        {
            "subjectIdentifier": {"type": "Fingerprint", "value": "B" * 64},
            "permissions": ["InvoiceRead"],
            "description": "Przedstawiciel",
            "subjectDetails": {
                "subjectDetailsType": "EntityByFingerprint",
                "entityByFp": {"fullName": "Vertreter AG", "address": "Wien"},
            },
        }
    )
    with pytest.raises(KsefHttpError) as refused:
        sdk.permissions.grant_eu_entity(rep, access_token=owner)
    body: Any = refused.value.response_body
    assert (refused.value.status_code, body["reasonCode"]) == (403, "missing-permissions")
    assert body["security"]["requiredAnyOfPermissions"] == ["VatUeManage"]
