"""The official test-data endpoints that need no token: ``/testdata/subject``, ``/person``,
``/permissions``, ``/attachment`` (each with its remove/revoke) and ``/context/block|unblock``.

Each answers the spec's bare 200 and records its effect in the store
(:mod:`mock_ksef.domain.testdata`): a blocked context makes later logins end in auth status
480, an attachment consent lets batch invoices carry ``Zalacznik``. Subjects, persons and
permissions are recorded for the control API; the mock's logins do not depend on them.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response
from marshmallow import fields, validate

from mock_ksef.domain import testdata
from mock_ksef.domain.auth.values import ContextId
from mock_ksef.http.bodies import TolerantSchema, load_request
from mock_ksef.http.context import services
from mock_ksef.store import kinds
from mock_ksef.timefmt import iso

bp = Blueprint("testdata", __name__)

_NIP = validate.Regexp(r"^[1-9]((\d[1-9])|([1-9]\d))\d{7}$", error="nieprawidłowy NIP: {input}")
_PESEL = validate.Regexp(
    r"^\d{2}(?:0[1-9]|1[0-2]|2[1-9]|3[0-2]|4[1-9]|5[0-2]|6[1-9]|7[0-2]|8[1-9]|9[0-2])\d{7}$",
    error="nieprawidłowy PESEL: {input}",
)
_DESCRIPTION = validate.Length(min=5, max=256)
PERMISSION_TYPES = (
    "InvoiceRead",
    "InvoiceWrite",
    "Introspection",
    "CredentialsRead",
    "CredentialsManage",
    "EnforcementOperations",
    "SubunitManage",
)


def _nip(**kwargs: Any) -> fields.String:
    return fields.String(validate=_NIP, **kwargs)


class _SubunitSchema(TolerantSchema):
    subjectNip = _nip(required=True)
    description = fields.String(required=True, validate=_DESCRIPTION)


class SubjectCreateSchema(TolerantSchema):
    subjectNip = _nip(required=True)
    subjectType = fields.String(
        required=True, validate=validate.OneOf(("EnforcementAuthority", "VatGroup", "JST"))
    )
    subunits = fields.List(fields.Nested(_SubunitSchema), allow_none=True, load_default=None)
    description = fields.String(required=True, validate=_DESCRIPTION)
    createdDate = fields.AwareDateTime(allow_none=True, load_default=None)


class SubjectRemoveSchema(TolerantSchema):
    subjectNip = _nip(required=True)


class PersonCreateSchema(TolerantSchema):
    nip = _nip(required=True)
    pesel = fields.String(required=True, validate=_PESEL)
    isBailiff = fields.Boolean(required=True, truthy={True}, falsy={False})
    description = fields.String(required=True, validate=_DESCRIPTION)
    isDeceased = fields.Boolean(load_default=False, truthy={True}, falsy={False})
    createdDate = fields.AwareDateTime(allow_none=True, load_default=None)


class NipSchema(TolerantSchema):
    nip = _nip(required=True)


class _ContextSchema(TolerantSchema):
    type = fields.String(required=True, validate=validate.OneOf(("Nip",)))
    value = fields.String(required=True, validate=validate.Length(equal=10))


class _AuthorizedSchema(TolerantSchema):
    type = fields.String(required=True, validate=validate.OneOf(("Nip", "Pesel", "Fingerprint")))
    value = fields.String(required=True, validate=validate.Length(min=10, max=64))


class _PermissionSchema(TolerantSchema):
    description = fields.String(required=True, validate=_DESCRIPTION)
    permissionType = fields.String(required=True, validate=validate.OneOf(PERMISSION_TYPES))


class PermissionsRevokeSchema(TolerantSchema):
    contextIdentifier = fields.Nested(_ContextSchema, required=True)
    authorizedIdentifier = fields.Nested(_AuthorizedSchema, required=True)


class PermissionsGrantSchema(PermissionsRevokeSchema):
    permissions = fields.List(fields.Nested(_PermissionSchema), required=True)


class AttachmentRevokeSchema(NipSchema):
    expectedEndDate = fields.Date(allow_none=True, load_default=None)


class _AuthContextSchema(TolerantSchema):
    type = fields.String(
        required=True, validate=validate.OneOf(("Nip", "InternalId", "NipVatUe", "PeppolId"))
    )
    value = fields.String(required=True, validate=validate.Length(min=1))


class BlockContextSchema(TolerantSchema):
    contextIdentifier = fields.Nested(_AuthContextSchema, allow_none=True, load_default=None)


def _ok() -> Response:
    """The spec's bare 200 (no body)."""
    return Response(status=200)


def _dated(body: dict[str, Any]) -> dict[str, Any]:
    """``body`` ready for the store: dates as ISO text, the mock's time of recording."""
    doc = {k: iso(v) if k == "createdDate" and v is not None else v for k, v in body.items()}
    doc["recorded"] = iso(services().now())
    return doc


@bp.post("/testdata/subject")
def create_subject() -> Response:
    """Record a test subject (VAT group, JST or enforcement authority) and its subunits."""
    body = load_request(SubjectCreateSchema())
    testdata.put_record(services().store, kinds.TESTDATA_SUBJECT, body["subjectNip"], _dated(body))
    return _ok()


@bp.post("/testdata/subject/remove")
def remove_subject() -> Response:
    """Forget a test subject."""
    body = load_request(SubjectRemoveSchema())
    testdata.remove_record(services().store, kinds.TESTDATA_SUBJECT, body["subjectNip"])
    return _ok()


@bp.post("/testdata/person")
def create_person() -> Response:
    """Record a test person (NIP and PESEL)."""
    body = load_request(PersonCreateSchema())
    testdata.put_record(services().store, kinds.TESTDATA_PERSON, body["nip"], _dated(body))
    return _ok()


@bp.post("/testdata/person/remove")
def remove_person() -> Response:
    """Forget a test person."""
    body = load_request(NipSchema())
    testdata.remove_record(services().store, kinds.TESTDATA_PERSON, body["nip"])
    return _ok()


def _grant_key(body: dict[str, Any]) -> str:
    context, who = body["contextIdentifier"], body["authorizedIdentifier"]
    return f"{context['type']}:{context['value']}|{who['type']}:{who['value']}"


@bp.post("/testdata/permissions")
def grant_permissions() -> Response:
    """Record permissions of a person or entity in a context."""
    body = load_request(PermissionsGrantSchema())
    testdata.put_record(services().store, kinds.TESTDATA_PERMISSION, _grant_key(body), _dated(body))
    return _ok()


@bp.post("/testdata/permissions/revoke")
def revoke_permissions() -> Response:
    """Forget the permissions of a person or entity in a context."""
    body = load_request(PermissionsRevokeSchema())
    testdata.remove_record(services().store, kinds.TESTDATA_PERMISSION, _grant_key(body))
    return _ok()


@bp.post("/testdata/attachment")
def grant_attachment() -> Response:
    """Allow invoices with attachments (batch ``Zalacznik``) for a NIP."""
    body = load_request(NipSchema())
    testdata.grant_attachment(services().store, body["nip"])
    return _ok()


@bp.post("/testdata/attachment/revoke")
def revoke_attachment() -> Response:
    """Withdraw the consent, at once or after ``expectedEndDate``."""
    body = load_request(AttachmentRevokeSchema())
    testdata.revoke_attachment(services().store, body["nip"], body["expectedEndDate"])
    return _ok()


def _context(body: dict[str, Any]) -> ContextId | None:
    raw = body["contextIdentifier"]
    return ContextId(raw["type"], raw["value"]) if raw else None


@bp.post("/testdata/context/block")
def block_context() -> Response:
    """Block logins to a context: their status ends in 480."""
    context = _context(load_request(BlockContextSchema()))
    if context is not None:
        testdata.block_context(services().store, context)
    return _ok()


@bp.post("/testdata/context/unblock")
def unblock_context() -> Response:
    """Allow logins to a blocked context again."""
    context = _context(load_request(BlockContextSchema()))
    if context is not None:
        testdata.unblock_context(services().store, context)
    return _ok()
