"""``/permissions/*``: person grants, their operations, revokes and the persons query.

Here: ``POST /permissions/persons/grants``, ``GET /permissions/operations/{ref}``, both
revokes and ``POST /permissions/query/persons/grants``; the other grant kinds are
:mod:`mock_ksef.http.grant_routes`, the other queries :mod:`mock_ksef.http.permission_queries`
(child blueprints). The gate (``x-required-permissions``) is
:mod:`mock_ksef.http.permission_gate`; the rules are
:mod:`mock_ksef.domain.credentials.person_grants` and ``entity_grants``.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify
from marshmallow import fields, validate

from mock_ksef.domain.auth.values import Party
from mock_ksef.domain.credentials import person_grants
from mock_ksef.domain.credentials.credential_values import (
    AUTHORIZATION,
    INDIRECT,
    OPERATION_TEXT,
    PERSON_PERMISSIONS,
    Grant,
)
from mock_ksef.domain.credentials.person_grants import (
    PersonGrantRequest,
    PersonQuery,
)
from mock_ksef.domain.errors import ValidationFailed
from mock_ksef.http import grant_routes, permission_queries
from mock_ksef.http.bodies import TolerantSchema, load_request, page_size
from mock_ksef.http.context import services
from mock_ksef.http.credential_edge import credential_repo, token_caller
from mock_ksef.http.guard import require
from mock_ksef.http.permission_common import (
    PERMISSION_PAGES,
    TargetSchema,
    accepted,
    context_id,
    filing,
    ident,
    identifier,
    page_offset,
    party,
    target_filter,
    with_details,
)
from mock_ksef.timefmt import iso

bp = Blueprint("permissions", __name__)
bp.register_blueprint(grant_routes.bp)
bp.register_blueprint(permission_queries.bp)
_PERSON_TYPES = validate.OneOf(("Nip", "Pesel", "Fingerprint"))


class _IdentifierSchema(TolerantSchema):
    type = fields.String(required=True, validate=_PERSON_TYPES)
    value = fields.String(required=True, validate=validate.Length(min=10, max=64))


class _AuthorSchema(TolerantSchema):
    type = fields.String(
        required=True, validate=validate.OneOf(("Nip", "Pesel", "Fingerprint", "System"))
    )
    value = fields.String(allow_none=True, load_default=None)


class PersonGrantSchema(TolerantSchema):
    subjectIdentifier = fields.Nested(_IdentifierSchema, required=True)
    permissions = fields.List(
        fields.String(validate=validate.OneOf(PERSON_PERMISSIONS)),
        required=True,
        validate=validate.Length(min=1),
    )
    description = fields.String(required=True, validate=validate.Length(min=5, max=256))
    subjectDetails = fields.Dict(required=True)


class PersonQuerySchema(TolerantSchema):
    queryType = fields.String(
        required=True,
        validate=validate.OneOf(
            ("PermissionsInCurrentContext", "PermissionsGrantedInCurrentContext")
        ),
    )
    authorizedIdentifier = fields.Nested(_IdentifierSchema, allow_none=True, load_default=None)
    authorIdentifier = fields.Nested(_AuthorSchema, allow_none=True, load_default=None)
    permissionTypes = fields.List(
        fields.String(validate=validate.OneOf(PERSON_PERMISSIONS)),
        allow_none=True,
        load_default=None,
    )
    permissionState = fields.String(
        allow_none=True, load_default=None, validate=validate.OneOf(("Active", "Inactive"))
    )
    contextIdentifier = identifier(
        ("Nip", "InternalId"), 10, 16, allow_none=True, load_default=None
    )
    targetIdentifier = fields.Nested(TargetSchema, allow_none=True, load_default=None)


@bp.post("/permissions/persons/grants")
def grant_persons() -> Response:
    """Grant permissions in the current context to a person (NIP, PESEL or fingerprint)."""
    caller = token_caller(require())
    body = load_request(PersonGrantSchema())
    if len(set(body["permissions"])) != len(body["permissions"]):
        raise ValidationFailed("permissions: każde uprawnienie może wystąpić tylko raz.")
    subject = body["subjectIdentifier"]
    op = person_grants.grant_to_person(
        credential_repo(),
        caller,
        PersonGrantRequest(
            Party(subject["type"], subject["value"]),
            tuple(body["permissions"]),
            body["description"],
            dict(body["subjectDetails"]),
        ),
        filing(),
    )
    return accepted(op.reference)


@bp.delete("/permissions/common/grants/<permission_id>")
def revoke_common(permission_id: str) -> Response:
    """Revoke a grant of the current context (an operation; 400 when there is none)."""
    caller = token_caller(require())
    op = person_grants.revoke_grant(credential_repo(), caller, permission_id, filing())
    return accepted(op.reference)


@bp.delete("/permissions/authorizations/grants/<permission_id>")
def revoke_authorization(permission_id: str) -> Response:
    """Revoke an authorisation (SelfInvoicing, …) this context gave (400 when none)."""
    caller = token_caller(require())
    op = person_grants.revoke_grant(
        credential_repo(), caller, permission_id, filing(), (AUTHORIZATION,)
    )
    return accepted(op.reference)


@bp.get("/permissions/operations/<reference>")
def operation(reference: str) -> Response:
    """The status of a grant or revoke operation."""
    principal = require()
    svc = services()
    op = person_grants.operation_status(credential_repo(), principal.context, reference, svc.now())
    status: dict[str, Any] = {"code": op.code, "description": OPERATION_TEXT[op.code]}
    if op.details:
        status["details"] = list(op.details)
    return jsonify({"status": status})


def dump_person_grant(grant: Grant, state: str) -> dict[str, Any]:
    """``PersonPermission``: ``targetIdentifier`` for an indirect grant (``AllPartners`` for
    a general one), the subject's details as the grant request gave them."""
    out: dict[str, Any] = {
        "id": grant.id,
        "authorizedIdentifier": ident(grant.subject),
        "contextIdentifier": ident(grant.context),
        "authorIdentifier": ident(grant.author),
        "permissionScope": grant.permission,
        "description": grant.description,
        "permissionState": state,
        "startDate": iso(grant.start_date),
        "canDelegate": grant.can_delegate,
    }
    if grant.kind == INDIRECT:
        out["targetIdentifier"] = ident(grant.target) if grant.target else {"type": "AllPartners"}
    return with_details(grant, out)


@bp.post("/permissions/query/persons/grants")
def query_persons() -> Response:
    """Person grants of the current context, newest first, paged by ``pageOffset``."""
    principal = require()
    size = page_size(PERMISSION_PAGES)
    offset = page_offset()
    body = load_request(PersonQuerySchema())
    target, all_partners = target_filter(body["targetIdentifier"])
    rows, more = person_grants.query_persons(
        credential_repo(),
        principal.context,
        PersonQuery(
            party(body["authorizedIdentifier"]),
            party(body["authorIdentifier"]),
            tuple(body["permissionTypes"] or ()),
            body["permissionState"],
            body["queryType"] == "PermissionsGrantedInCurrentContext",
            context_id(body["contextIdentifier"]),
            target,
            all_partners,
        ),
        offset,
        size,
    )
    return jsonify({"permissions": [dump_person_grant(g, s) for g, s in rows], "hasMore": more})
