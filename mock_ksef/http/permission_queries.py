"""``/permissions/query/*`` (personal, subunits, entities, entity roles, subordinate roles,
authorisations, EU entities) and ``GET /permissions/attachments/status``; the listings are
:mod:`mock_ksef.domain.credentials.grant_queries`. A child of the permissions blueprint."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import Blueprint, Response, jsonify
from marshmallow import fields, validate

from mock_ksef.domain import testdata
from mock_ksef.domain.credentials import grant_queries
from mock_ksef.domain.credentials.credential_values import (
    AUTHORIZATIONS,
    EU_ADMIN_PERMISSIONS,
    INDIRECT,
    OWNER_PERMISSIONS,
    PERSON_PERMISSIONS,
    Grant,
)
from mock_ksef.domain.credentials.person_grants import newest_first_page
from mock_ksef.domain.credentials.rights import is_owner
from mock_ksef.domain.paging import page_at
from mock_ksef.http.bodies import TolerantSchema, load_request, page_size
from mock_ksef.http.context import services
from mock_ksef.http.credential_edge import credential_repo, token_caller
from mock_ksef.http.guard import require
from mock_ksef.http.permission_common import (
    PERMISSION_PAGES,
    TargetSchema,
    context_id,
    ident,
    identifier,
    page_offset,
    party,
    person_details,
    target_filter,
    with_details,
)
from mock_ksef.timefmt import WARSAW, iso

bp = Blueprint("permission_queries", __name__)
T = TypeVar("T")
_STATE = validate.OneOf(("Active", "Inactive"))


def _optional(types: tuple[str, ...], low: int, high: int) -> fields.Nested:
    return identifier(types, low, high, allow_none=True, load_default=None)


def _types(names: tuple[str, ...]) -> fields.List[Any]:
    return fields.List(
        fields.String(validate=validate.OneOf(names)), allow_none=True, load_default=None
    )


class PersonalQuerySchema(TolerantSchema):
    contextIdentifier = _optional(("Nip", "InternalId"), 10, 16)
    targetIdentifier = fields.Nested(TargetSchema, allow_none=True, load_default=None)
    permissionTypes = _types((*PERSON_PERMISSIONS, "VatUeManage"))
    permissionState = fields.String(allow_none=True, load_default=None, validate=_STATE)


class SubunitQuerySchema(TolerantSchema):
    subunitIdentifier = _optional(("InternalId", "Nip"), 10, 16)


class EntityQuerySchema(TolerantSchema):
    contextIdentifier = _optional(("Nip", "InternalId"), 10, 16)


class SubordinateQuerySchema(TolerantSchema):
    subordinateEntityIdentifier = _optional(("Nip",), 10, 10)


class AuthorizationQuerySchema(TolerantSchema):
    authorizingIdentifier = _optional(("Nip",), 10, 10)
    authorizedIdentifier = _optional(("Nip", "PeppolId"), 9, 10)
    queryType = fields.String(required=True, validate=validate.OneOf(("Granted", "Received")))
    permissionTypes = _types(AUTHORIZATIONS)


class EuQuerySchema(TolerantSchema):
    vatUeIdentifier = fields.String(allow_none=True, load_default=None)
    authorizedFingerprintIdentifier = fields.String(allow_none=True, load_default=None)
    permissionTypes = _types(EU_ADMIN_PERMISSIONS)


def _load(schema: TolerantSchema) -> Any:
    """The body (an empty body is ``{}``: every filter is optional)."""
    return load_request(schema)


def _page(rows: list[Grant], dump: Callable[[Grant], dict[str, Any]], key: str) -> Response:
    size = page_size(PERMISSION_PAGES)
    page, more = newest_first_page(rows, page_offset(), size)
    return jsonify({key: [dump(g) for g in page], "hasMore": more})


@bp.post("/permissions/query/personal/grants")
def query_personal() -> Response:
    """The caller's own rights in the current context (and entity grants it received)."""
    caller = token_caller(require())
    size = page_size(PERMISSION_PAGES)
    offset = page_offset()
    body = _load(PersonalQuerySchema())
    target, all_partners = target_filter(body["targetIdentifier"])
    repo = credential_repo()
    rows = grant_queries.personal(
        repo,
        caller.identity,
        caller.context,
        grant_queries.PersonalQuery(
            context_id(body["contextIdentifier"]),
            target,
            all_partners,
            tuple(body["permissionTypes"] or ()),
            body["permissionState"],
        ),
    )
    states = {g.id: state for g, state in rows}
    page, more = newest_first_page([g for g, _ in rows], offset, size)

    def dump(g: Grant) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": g.id,
            "contextIdentifier": ident(g.grantor),
            "authorizedIdentifier": ident(g.subject),
            "permissionScope": g.permission,
            "description": g.description,
            "permissionState": states[g.id],
            "startDate": iso(g.start_date),
            "canDelegate": g.can_delegate,
        }
        if g.kind == INDIRECT:
            out["targetIdentifier"] = ident(g.target) if g.target else {"type": "AllPartners"}
        return with_details(g, out)

    answer: dict[str, Any] = {"permissions": [dump(g) for g in page], "hasMore": more}
    if is_owner(repo, caller.identity, caller.context):
        answer["ownerPermissions"] = list(OWNER_PERMISSIONS)
    return jsonify(answer)


@bp.post("/permissions/query/subunits/grants")
def query_subunits() -> Response:
    """Subunit administrators appointed from the current context."""
    principal = require()
    body = _load(SubunitQuerySchema())
    rows = grant_queries.subunits(
        credential_repo(), principal.context, context_id(body["subunitIdentifier"])
    )

    def dump(g: Grant) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": g.id,
            "authorizedIdentifier": ident(g.subject),
            "subunitIdentifier": ident(g.context),
            "authorIdentifier": ident(g.author),
            "permissionScope": g.permission,
            "description": g.description,
            "startDate": iso(g.start_date),
        }
        if g.extra.get("subunitName"):
            out["subunitName"] = g.extra["subunitName"]
        person = person_details(g.subject_details, g.subject)
        if person:
            out["subjectPersonDetails"] = person
        return out

    return _page(rows, dump, "permissions")


@bp.post("/permissions/query/entities/grants")
def query_entities() -> Response:
    """Entity rights (InvoiceWrite/Read, …) the current context received."""
    principal = require()
    body = _load(EntityQuerySchema())
    rows = grant_queries.entities(
        credential_repo(), principal.context, context_id(body["contextIdentifier"])
    )
    return _page(
        rows,
        lambda g: {
            "id": g.id,
            "contextIdentifier": ident(g.context),
            "permissionScope": g.permission,
            "description": g.description,
            "startDate": iso(g.start_date),
            "canDelegate": g.can_delegate,
        },
        "permissions",
    )


def _role_page(rows: list[T], dump: Callable[[T], dict[str, Any]]) -> Response:
    size = page_size(PERMISSION_PAGES)
    page, more = page_at(rows, page_offset(), size)
    return jsonify({"roles": [dump(r) for r in page], "hasMore": more})


@bp.get("/permissions/query/entities/roles")
def query_roles() -> Response:
    """The current context's roles (from test data)."""
    principal = require()

    def dump(row: dict[str, Any]) -> dict[str, Any]:
        out = {k: row[k] for k in ("role", "description", "startDate")}
        if "parent" in row:
            out["parentEntityIdentifier"] = {"type": "Nip", "value": row["parent"]}
        return out

    return _role_page(grant_queries.roles(credential_repo(), principal.context), dump)


@bp.post("/permissions/query/subordinate-entities/roles")
def query_subordinates() -> Response:
    """The subunits of the current context (a VAT group or JST) and their roles."""
    principal = require()
    body = _load(SubordinateQuerySchema())
    wanted = body["subordinateEntityIdentifier"]
    rows = grant_queries.subordinates(
        credential_repo(), principal.context, wanted["value"] if wanted else None
    )
    return _role_page(
        rows,
        lambda r: {
            "subordinateEntityIdentifier": {"type": "Nip", "value": r["nip"]},
            "role": r["role"],
            "description": r["description"],
            "startDate": r["startDate"],
        },
    )


@bp.post("/permissions/query/authorizations/grants")
def query_authorizations() -> Response:
    """Authorisations granted by (``Granted``) or to (``Received``) the current context."""
    principal = require()
    body = _load(AuthorizationQuerySchema())
    received = body["queryType"] == "Received"
    other = party(body["authorizingIdentifier"] if received else body["authorizedIdentifier"])
    rows = grant_queries.authorizations(
        credential_repo(),
        principal.context,
        received,
        other,
        tuple(body["permissionTypes"] or ()),
    )
    return _page(
        rows,
        lambda g: {
            "id": g.id,
            "authorIdentifier": ident(g.author),
            "authorizedEntityIdentifier": ident(g.subject),
            "authorizingEntityIdentifier": ident(g.context),
            "authorizationScope": g.permission,
            "description": g.description,
            "subjectEntityDetails": {
                "subjectDetailsType": "EntityByIdentifier",
                "fullName": g.subject_details.get("fullName"),
            },
            "startDate": iso(g.start_date),
        },
        "authorizationGrants",
    )


@bp.post("/permissions/query/eu-entities/grants")
def query_eu_entities() -> Response:
    """EU-entity administrators (and, in a NipVatUe context, representatives)."""
    principal = require()
    body = _load(EuQuerySchema())
    rows = grant_queries.eu_entities(
        credential_repo(),
        principal.context,
        body["vatUeIdentifier"],
        body["authorizedFingerprintIdentifier"],
        tuple(body["permissionTypes"] or ()),
    )

    def dump(g: Grant) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": g.id,
            "authorIdentifier": ident(g.author),
            "vatUeIdentifier": g.context.value.split("-", 1)[-1],
            "euEntityName": g.extra.get("euEntityName") or g.context.value,
            "authorizedFingerprintIdentifier": g.subject.value,
            "permissionScope": g.permission,
            "description": g.description,
            "startDate": iso(g.start_date),
        }
        if isinstance(g.extra.get("euEntityDetails"), dict):
            out["euEntityDetails"] = g.extra["euEntityDetails"]
        return with_details(g, out)

    return _page(rows, dump, "permissions")


@bp.get("/permissions/attachments/status")
def attachment_status() -> Response:
    """Whether the context may send invoices with attachments (``/testdata/attachment``)."""
    principal = require()
    svc = services()
    allowed = testdata.has_attachment_consent(
        svc.store, principal.context.value, svc.now().astimezone(WARSAW).date()
    )
    return jsonify({"isAttachmentAllowed": allowed})
