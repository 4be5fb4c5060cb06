"""``POST /permissions/{entities,authorizations,indirect,subunits,eu-entities,
eu-entities/administration}/grants``: each 202 ``{referenceNumber (EG)}``, the outcome in
``GET /permissions/operations/{ref}`` (rules: :mod:`mock_ksef.domain.credentials.entity_grants`;
the gate: :mod:`mock_ksef.http.permission_gate`). A child of the permissions blueprint."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response
from marshmallow import fields, validate

from mock_ksef.domain.auth.values import ContextId, Party
from mock_ksef.domain.credentials import entity_grants
from mock_ksef.domain.credentials.credential_values import (
    AUTHORIZATIONS,
    ENTITY_PERMISSIONS,
    EU_ENTITY_PERMISSIONS,
)
from mock_ksef.domain.credentials.entity_grants import GrantBody
from mock_ksef.domain.errors import ValidationFailed
from mock_ksef.http.bodies import TolerantSchema, load_request
from mock_ksef.http.credential_edge import credential_repo, token_caller
from mock_ksef.http.guard import require
from mock_ksef.http.permission_common import (
    DESCRIPTION,
    EntityDetailsSchema,
    TargetSchema,
    accepted,
    context_id,
    filing,
    identifier,
    permission_list,
    subject_details,
    unique,
)

bp = Blueprint("grants", __name__)
_PERSON_DETAILS = subject_details(
    (
        "PersonByIdentifier",
        "PersonByFingerprintWithIdentifier",
        "PersonByFingerprintWithoutIdentifier",
    )
)
_EU_DETAILS = subject_details(
    (
        "PersonByFingerprintWithIdentifier",
        "PersonByFingerprintWithoutIdentifier",
        "EntityByFingerprint",
    )
)
_PEOPLE = ("Nip", "Pesel", "Fingerprint")


class _EntityPermissionSchema(TolerantSchema):
    type = fields.String(required=True, validate=validate.OneOf(ENTITY_PERMISSIONS))
    canDelegate = fields.Boolean(load_default=False, truthy={True}, falsy={False})


class EntityGrantSchema(TolerantSchema):
    subjectIdentifier = identifier(("Nip",), 10, 10, required=True)
    permissions = fields.List(
        fields.Nested(_EntityPermissionSchema), required=True, validate=validate.Length(min=1)
    )
    description = fields.String(required=True, validate=DESCRIPTION)
    subjectDetails = fields.Nested(EntityDetailsSchema, required=True)


class AuthorizationGrantSchema(TolerantSchema):
    subjectIdentifier = identifier(("Nip", "PeppolId"), 9, 10, required=True)
    permission = fields.String(required=True, validate=validate.OneOf(AUTHORIZATIONS))
    description = fields.String(required=True, validate=DESCRIPTION)
    subjectDetails = fields.Nested(EntityDetailsSchema, required=True)


class IndirectGrantSchema(TolerantSchema):
    subjectIdentifier = identifier(_PEOPLE, 10, 64, required=True)
    targetIdentifier = fields.Nested(TargetSchema, allow_none=True, load_default=None)
    permissions = permission_list(ENTITY_PERMISSIONS)
    description = fields.String(required=True, validate=DESCRIPTION)
    subjectDetails = _PERSON_DETAILS


class SubunitGrantSchema(TolerantSchema):
    subjectIdentifier = identifier(_PEOPLE, 10, 64, required=True)
    contextIdentifier = identifier(("InternalId", "Nip"), 10, 16, required=True)
    subunitName = fields.String(
        allow_none=True, load_default=None, validate=validate.Length(min=5, max=256)
    )
    description = fields.String(required=True, validate=DESCRIPTION)
    subjectDetails = _PERSON_DETAILS


class _EuEntityDetailsSchema(TolerantSchema):
    fullName = fields.String(required=True, validate=validate.Length(max=100))
    address = fields.String(required=True, validate=validate.Length(max=512))


class EuAdminGrantSchema(TolerantSchema):
    subjectIdentifier = identifier(("Fingerprint",), 64, 64, required=True)
    contextIdentifier = identifier(("NipVatUe",), 15, 25, required=True)
    euEntityName = fields.String(required=True, validate=validate.Length(min=5, max=256))
    description = fields.String(required=True, validate=DESCRIPTION)
    subjectDetails = _EU_DETAILS
    euEntityDetails = fields.Nested(_EuEntityDetailsSchema, required=True)


class EuEntityGrantSchema(TolerantSchema):
    subjectIdentifier = identifier(("Fingerprint",), 64, 64, required=True)
    permissions = permission_list(EU_ENTITY_PERMISSIONS)
    description = fields.String(required=True, validate=DESCRIPTION)
    subjectDetails = _EU_DETAILS


def _body(body: dict[str, Any]) -> GrantBody:
    subject = body["subjectIdentifier"]
    details = {k: v for k, v in body["subjectDetails"].items() if v is not None}
    return GrantBody(Party(subject["type"], subject["value"]), body["description"], details)


@bp.post("/permissions/entities/grants")
def grant_entities() -> Response:
    """InvoiceWrite/InvoiceRead/CollectiveIdentifierManage to an entity (NIP)."""
    caller = token_caller(require())
    body = load_request(EntityGrantSchema())
    unique([p["type"] for p in body["permissions"]])
    permissions = tuple((p["type"], bool(p["canDelegate"])) for p in body["permissions"])
    op = entity_grants.grant_entity(credential_repo(), caller, _body(body), permissions, filing())
    return accepted(op.reference)


@bp.post("/permissions/authorizations/grants")
def grant_authorizations() -> Response:
    """An entity authorisation: self-invoicing, RR invoicing, tax representative, PEF."""
    caller = token_caller(require())
    body = load_request(AuthorizationGrantSchema())
    op = entity_grants.grant_authorization(
        credential_repo(), caller, _body(body), body["permission"], filing()
    )
    return accepted(op.reference)


@bp.post("/permissions/indirect/grants")
def grant_indirect() -> Response:
    """A person works for the intermediary's client(s)."""
    caller = token_caller(require())
    body = load_request(IndirectGrantSchema())
    raw = body["targetIdentifier"]
    target = None
    if raw is not None and raw["type"] != "AllPartners":
        if not raw["value"]:
            raise ValidationFailed("targetIdentifier.value: pole wymagane.")
        target = ContextId(raw["type"], raw["value"])
    op = entity_grants.grant_indirect(
        credential_repo(),
        caller,
        _body(body),
        unique(body["permissions"]),
        target,
        filing(),
    )
    return accepted(op.reference)


@bp.post("/permissions/subunits/grants")
def grant_subunits() -> Response:
    """A subunit administrator (CredentialsManage in the InternalId or subordinate context)."""
    caller = token_caller(require())
    body = load_request(SubunitGrantSchema())
    subunit = context_id(body["contextIdentifier"])
    assert subunit is not None
    op = entity_grants.grant_subunit(
        credential_repo(), caller, _body(body), subunit, body["subunitName"], filing()
    )
    return accepted(op.reference)


@bp.post("/permissions/eu-entities/administration/grants")
def grant_eu_administration() -> Response:
    """An EU entity's administrator in the NipVatUe context built on this NIP."""
    caller = token_caller(require())
    body = load_request(EuAdminGrantSchema())
    eu_context = context_id(body["contextIdentifier"])
    assert eu_context is not None
    extra = {"euEntityName": body["euEntityName"], "euEntityDetails": body["euEntityDetails"]}
    op = entity_grants.grant_eu_admin(
        credential_repo(), caller, _body(body), eu_context, extra, filing()
    )
    return accepted(op.reference)


@bp.post("/permissions/eu-entities/grants")
def grant_eu_entities() -> Response:
    """An EU entity's representative (InvoiceWrite/Read in the NipVatUe context)."""
    caller = token_caller(require())
    body = load_request(EuEntityGrantSchema())
    op = entity_grants.grant_eu_entity(
        credential_repo(), caller, _body(body), unique(body["permissions"]), filing()
    )
    return accepted(op.reference)
