"""Entity, authorisation, indirect and subunit grants through the unmodified ``ksef-client``
SDK in ``strict`` mode: each operation's exact status, the right really gained at the next
login (an entity sends, an intermediary's person reads, a subunit admin manages), and the
escalation attempts refused exactly."""

from __future__ import annotations

import dataclasses
from typing import Any

import httpx
import pytest
from ksef_client.exceptions import KsefHttpError
from ksef_client.models import (
    EntityAuthorizationPermissionsGrantRequest,
    EntityAuthorizationPermissionsQueryRequest,
    EntityPermissionsGrantRequest,
    IndirectPermissionsGrantRequest,
    SubunitPermissionsGrantRequest,
)

from mock_ksef.settings import Settings
from tests.support.nips import NIP, OTHER_NIP
from tests.support.sdk import open_fa3, xades_login

PESEL = "90010112345"
OK = {"code": 200, "description": "Operacja zakończona sukcesem"}
PERSON = {
    "subjectDetailsType": "PersonByIdentifier",
    "personById": {"firstName": "Anna", "lastName": "Nowak"},
}
INTERNAL_ID = f"{NIP}-12346"  # the weighted digit sum of 52658776351234 ends in 6


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The suite's settings in ``strict`` credentials mode."""
    return dataclasses.replace(settings, credentials_mode="strict")


def _xades(sdk: Any, serial: str, context: str = NIP, kind: str = "Nip") -> Any:
    return xades_login(sdk, serial, context, kind)


def _body(error: KsefHttpError) -> Any:
    return error.response_body


def _status(sdk: Any, op: Any, token: str) -> dict[str, Any]:
    found = sdk.permissions.get_operation_status(op.reference_number, access_token=token)
    return dict(found.to_dict()["status"])


def _present(live: Any, token: str, path: str = "/v2/permissions/attachments/status") -> Any:
    """The caller's snapshot, read from the 403 of an operation it does not hold."""
    answer = httpx.get(live.url + path, headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 403, answer.text
    return answer.json()["security"]["presentPermissions"]


def _entity(nip: str, *permissions: tuple[str, bool]) -> EntityPermissionsGrantRequest:
    return EntityPermissionsGrantRequest.from_dict(
        {
            "subjectIdentifier": {"type": "Nip", "value": nip},
            "permissions": [{"type": t, "canDelegate": d} for t, d in permissions],
            "description": "Biuro rachunkowe",
            "subjectDetails": {"fullName": "Biuro Rachunkowe Sp. z o.o."},
        }
    )


def _indirect(target: dict[str, Any] | None, *permissions: str) -> IndirectPermissionsGrantRequest:
    body: dict[str, Any] = {
        "subjectIdentifier": {"type": "Pesel", "value": PESEL},
        "permissions": list(permissions),
        "description": "Pracownik biura",
        "subjectDetails": PERSON,
    }
    if target is not None:
        body["targetIdentifier"] = target
    return IndirectPermissionsGrantRequest.from_dict(body)


def test_entity_grant_lets_the_entity_send_after_login(sdk):
    owner = _xades(sdk, f"TINPL-{NIP}").access_token
    with pytest.raises(RuntimeError, match=r"^Authentication failed: 415 "):
        _xades(sdk, f"TINPL-{OTHER_NIP}")
    grant = _entity(OTHER_NIP, ("InvoiceWrite", False), ("CollectiveIdentifierManage", False))
    op = sdk.permissions.grant_entity(grant, access_token=owner)
    assert op.reference_number[9:11] == "EG"
    assert _status(sdk, op, owner) == OK

    entity = _xades(sdk, f"TINPL-{OTHER_NIP}")
    workflow, handle = open_fa3(sdk, entity.access_token)
    workflow.close_session(handle.session_reference_number, entity.access_token)
    # Escalation: the entity holds no CredentialsManage here.
    with pytest.raises(KsefHttpError) as refused:
        sdk.permissions.grant_entity(grant, access_token=entity.access_token)
    assert refused.value.status_code == 403
    assert _body(refused.value)["security"] == {
        "requiredAnyOfPermissions": ["CredentialsManage"],
        "presentPermissions": ["InvoiceWrite", "CollectiveIdentifierManage"],
    }
    # A duplicate is idempotent, a repeated permission is a 21405.
    assert _status(sdk, sdk.permissions.grant_entity(grant, access_token=owner), owner) == OK
    twice = _entity(OTHER_NIP, ("InvoiceRead", False), ("InvoiceRead", True))
    with pytest.raises(KsefHttpError) as bad:
        sdk.permissions.grant_entity(twice, access_token=owner)
    [entry] = _body(bad.value)["exception"]["exceptionDetailList"]
    assert (entry["exceptionCode"], entry["details"]) == (
        21405,
        ["permissions: każde uprawnienie może wystąpić tylko raz."],
    )


def test_indirect_grants_need_a_delegable_grant_from_the_client(sdk, live):
    owner = _xades(sdk, f"TINPL-{NIP}").access_token
    office = _xades(sdk, f"TINPL-{OTHER_NIP}", OTHER_NIP).access_token
    selective = _indirect({"type": "Nip", "value": NIP}, "InvoiceRead")
    op = sdk.permissions.grant_indirect(selective, access_token=office)
    assert _status(sdk, op, office) == {
        "code": 440,
        "description": "Operacja niedozwolona dla wskazanych powiązań identyfikatorów",
    }
    delegable = _entity(OTHER_NIP, ("InvoiceRead", True), ("InvoiceWrite", False))
    assert _status(sdk, sdk.permissions.grant_entity(delegable, access_token=owner), owner) == OK
    write = _indirect({"type": "Nip", "value": NIP}, "InvoiceWrite")  # not delegable
    assert (
        _status(sdk, sdk.permissions.grant_indirect(write, access_token=office), office)["code"]
        == 440
    )
    assert (
        _status(sdk, sdk.permissions.grant_indirect(selective, access_token=office), office) == OK
    )

    person = _xades(sdk, f"PNOPL-{PESEL}")
    assert _present(live, person.access_token) == ["InvoiceRead"]
    with pytest.raises(RuntimeError, match=r"^Authentication failed: 415 "):
        _xades(sdk, f"PNOPL-{PESEL}", OTHER_NIP)  # the intermediary itself gave nothing


def test_general_indirect_grant_follows_every_delegating_client(sdk, live):
    owner = _xades(sdk, f"TINPL-{NIP}").access_token
    office = _xades(sdk, f"TINPL-{OTHER_NIP}", OTHER_NIP).access_token
    general = _indirect({"type": "AllPartners"}, "InvoiceWrite")
    assert _status(sdk, sdk.permissions.grant_indirect(general, access_token=office), office) == OK
    # NIP has never granted anything: strict → 415 in NIP's context.
    with pytest.raises(RuntimeError, match=r"^Authentication failed: 415 "):
        _xades(sdk, f"PNOPL-{PESEL}")
    client = _entity(OTHER_NIP, ("InvoiceWrite", True))
    assert _status(sdk, sdk.permissions.grant_entity(client, access_token=owner), owner) == OK
    person = _xades(sdk, f"PNOPL-{PESEL}")
    assert _present(live, person.access_token) == ["InvoiceWrite"]


def test_authorization_grant_and_its_own_revoke(sdk):
    owner = _xades(sdk, f"TINPL-{NIP}").access_token
    body = {
        "subjectIdentifier": {"type": "Nip", "value": OTHER_NIP},
        "permission": "SelfInvoicing",
        "description": "Samofakturowanie",
        "subjectDetails": {"fullName": "Nabywca Sp. z o.o."},
    }
    grant = EntityAuthorizationPermissionsGrantRequest.from_dict(body)
    assert _status(sdk, sdk.permissions.grant_authorization(grant, access_token=owner), owner) == OK
    pef = EntityAuthorizationPermissionsGrantRequest.from_dict(
        {**body, "permission": "PefInvoicing"}
    )
    assert _status(sdk, sdk.permissions.grant_authorization(pef, access_token=owner), owner) == {
        "code": 450,
        "description": "Operacja niedozwolona dla wskazanego identyfikatora lub jego typu",
    }
    # An authorisation gives no login rights: OTHER_NIP still has nothing in NIP.
    with pytest.raises(RuntimeError, match=r"^Authentication failed: 415 "):
        _xades(sdk, f"TINPL-{OTHER_NIP}")

    query = EntityAuthorizationPermissionsQueryRequest.from_dict({"queryType": "Granted"})
    [row] = sdk.permissions.query_authorizations_grants(query, access_token=owner).to_dict()[
        "authorizationGrants"
    ]
    common = sdk.permissions.revoke_common_permission(row["id"], access_token=owner)
    assert _status(sdk, common, owner)["code"] == 400  # not a common grant
    revoked = sdk.permissions.revoke_authorization(row["id"], access_token=owner)
    assert _status(sdk, revoked, owner) == OK
    again = sdk.permissions.revoke_authorization(row["id"], access_token=owner)
    assert _status(sdk, again, owner) == {
        "code": 400,
        "description": "Operacja zakończona niepowodzeniem",
    }
    listed = sdk.permissions.query_authorizations_grants(query, access_token=owner)
    assert listed.to_dict() == {"authorizationGrants": [], "hasMore": False}


def _subunit(context: dict[str, str], name: str | None = "Oddział Kraków") -> Any:
    body: dict[str, Any] = {
        "subjectIdentifier": {"type": "Pesel", "value": PESEL},
        "contextIdentifier": context,
        "description": "Administrator oddziału",
        "subjectDetails": PERSON,
    }
    if name is not None:
        body["subunitName"] = name
    return SubunitPermissionsGrantRequest.from_dict(body)


def test_internal_id_check_digit():
    from mock_ksef.ids import internal_id_valid

    assert internal_id_valid("6824515772-12343")  # the spec's worked example
    assert not internal_id_valid("6824515772-12344")
    assert internal_id_valid(INTERNAL_ID)
    assert not internal_id_valid("6824515772-1234")


def test_subunit_admin_manages_the_internal_id_context(sdk, live):
    owner = _xades(sdk, f"TINPL-{NIP}").access_token
    with pytest.raises(KsefHttpError) as bad:
        sdk.permissions.grant_subunit(
            _subunit({"type": "InternalId", "value": f"{NIP}-12342"}), access_token=owner
        )
    [entry] = _body(bad.value)["exception"]["exceptionDetailList"]
    assert (entry["exceptionCode"], entry["details"]) == (
        21405,
        [f"contextIdentifier: nieprawidłowy identyfikator wewnętrzny '{NIP}-12342'."],
    )
    foreign = _subunit({"type": "InternalId", "value": "6824515772-12343"})
    assert _status(sdk, sdk.permissions.grant_subunit(foreign, access_token=owner), owner) == {
        "code": 410,
        "description": "Podane identyfikatory są niezgodne lub pozostają w niewłaściwej relacji",
    }
    orphan = _subunit({"type": "Nip", "value": OTHER_NIP})
    assert _status(sdk, sdk.permissions.grant_subunit(orphan, access_token=owner), owner) == {
        "code": 430,
        "description": "Kontekst identyfikatora nie odpowiada wymaganej roli lub uprawnieniom",
    }
    mine = _subunit({"type": "InternalId", "value": INTERNAL_ID})
    assert _status(sdk, sdk.permissions.grant_subunit(mine, access_token=owner), owner) == OK

    admin = _xades(sdk, f"PNOPL-{PESEL}", INTERNAL_ID, "InternalId")
    exports = "/v2/invoices/exports/20261124-EE-0000000000-0000000000-00"
    assert _present(live, admin.access_token, exports) == ["CredentialsManage"]
    with pytest.raises(RuntimeError, match=r"^Authentication failed: 415 "):
        _xades(sdk, f"PNOPL-{PESEL}")  # nothing in the parent's context
