"""What the ``/permissions/*`` route modules share: the operation plan and answer, ids,
paging arguments, identifier schemas and the dumps of identifiers and subject details."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify, request
from marshmallow import fields, validate

from mock_ksef.domain.auth.values import ContextId, Party
from mock_ksef.domain.credentials.credential_values import Grant
from mock_ksef.domain.credentials.person_grants import Filing, OperationPlan
from mock_ksef.domain.errors import ValidationFailed
from mock_ksef.domain.paging import PageSizes
from mock_ksef.http.bodies import TolerantSchema
from mock_ksef.http.context import services
from mock_ksef.http.credential_edge import credentials_plan
from mock_ksef.http.guard import require
from mock_ksef.ids import RefType

#: Query endpoints: ``pageSize`` 10..100 (default 10), ``pageOffset`` from 0.
PERMISSION_PAGES = PageSizes(10, 100, 10)
DESCRIPTION = validate.Length(min=5, max=256)


def identifier(types: tuple[str, ...], low: int, high: int, **kwargs: Any) -> fields.Nested:
    """A nested ``{type, value}`` of ``types`` with a value of ``low..high`` characters."""

    class _Identifier(TolerantSchema):
        type = fields.String(required=True, validate=validate.OneOf(types))
        value = fields.String(required=True, validate=validate.Length(min=low, max=high))

    return fields.Nested(_Identifier, **kwargs)


class TargetSchema(TolerantSchema):
    """``targetIdentifier``: a Nip or InternalId client, or ``AllPartners`` (no value)."""

    type = fields.String(
        required=True, validate=validate.OneOf(("Nip", "AllPartners", "InternalId"))
    )
    value = fields.String(
        allow_none=True, load_default=None, validate=validate.Length(min=10, max=16)
    )


def target_filter(raw: dict[str, Any] | None) -> tuple[ContextId | None, bool]:
    """A query's loaded ``targetIdentifier``: the client it names and whether it asks for
    general (``AllPartners``) grants."""
    if raw is None:
        return None, False
    if raw["type"] == "AllPartners":
        return None, True
    if not raw.get("value"):
        raise ValidationFailed(f"targetIdentifier: typ {raw['type']} wymaga wartości.")
    return ContextId(raw["type"], raw["value"]), False


class EntityDetailsSchema(TolerantSchema):
    fullName = fields.String(required=True, validate=validate.Length(min=5, max=90))


def subject_details(types: tuple[str, ...]) -> fields.Nested:
    """``PersonPermissionSubjectDetails`` / ``EuEntityPermissionSubjectDetails``."""

    class _Details(TolerantSchema):
        subjectDetailsType = fields.String(required=True, validate=validate.OneOf(types))
        personById = fields.Dict(allow_none=True, load_default=None)
        personByFpWithId = fields.Dict(allow_none=True, load_default=None)
        personByFpNoId = fields.Dict(allow_none=True, load_default=None)
        entityByFp = fields.Dict(allow_none=True, load_default=None)

    return fields.Nested(_Details, required=True)


def permission_list(names: tuple[str, ...]) -> fields.List[Any]:
    """A required, non-empty list of ``names``."""
    return fields.List(
        fields.String(validate=validate.OneOf(names)),
        required=True,
        validate=validate.Length(min=1),
    )


def unique(names: list[str]) -> tuple[str, ...]:
    """``names`` when each appears once.

    Raises:
        ValidationFailed: a repeated permission (21405).
    """
    if len(set(names)) != len(names):
        raise ValidationFailed("permissions: każde uprawnienie może wystąpić tylko raz.")
    return tuple(names)


def plan() -> OperationPlan:
    """The scenario's polls and forced code for the next permission operation."""
    knobs = credentials_plan(require())
    forced = knobs.permission_op
    if forced is None:
        return OperationPlan(knobs.permission_op_polls)
    return OperationPlan(knobs.permission_op_polls, forced.code, forced.details or ())


def _uuid(hex32: str) -> str:
    return f"{hex32[:8]}-{hex32[8:12]}-{hex32[12:16]}-{hex32[16:20]}-{hex32[20:]}"


def filing() -> Filing:
    """Time, a fresh ``EG`` reference, the grant-id factory and the plan of this request."""
    svc = services()
    now = svc.now()
    return Filing(
        now,
        svc.new_reference(RefType.PERMISSION_OPERATION, now),
        lambda: _uuid(svc.ids.hex_token(16)),
        plan(),
    )


def accepted(reference: str) -> Response:
    """202 ``{referenceNumber}``."""
    response = jsonify({"referenceNumber": reference})
    response.status_code = 202
    return response


def page_offset() -> int:
    """The ``pageOffset`` query argument (default 0).

    Raises:
        ValidationFailed: not a non-negative integer (21405).
    """
    raw = request.args.get("pageOffset", "0")
    try:
        value = int(raw)
    except ValueError:
        raise ValidationFailed(f"pageOffset: '{raw}' nie jest liczbą całkowitą.") from None
    if value < 0:
        raise ValidationFailed(f"pageOffset: wartość {value} mniejsza niż 0.")
    return value


def party(raw: dict[str, Any] | None) -> Party | None:
    """A loaded ``{type, value}`` as a :class:`Party` (``None`` stays ``None``)."""
    return None if raw is None else Party(raw["type"], raw.get("value") or "")


def context_id(raw: dict[str, Any] | None) -> ContextId | None:
    """A loaded ``{type, value}`` as a :class:`ContextId` (``None`` stays ``None``)."""
    return None if raw is None else ContextId(raw["type"], raw["value"])


def ident(who: Party | ContextId) -> dict[str, str]:
    """``{type, value}``."""
    return {"type": who.type, "value": who.value}


def person_details(
    details: dict[str, object], subject: Party | None = None
) -> dict[str, Any] | None:
    """``PermissionsSubjectPersonDetails`` from a request's ``subjectDetails``; a
    ``PersonByIdentifier`` names its ``subject`` (NIP or PESEL) as ``personIdentifier``."""
    kind = details.get("subjectDetailsType")
    inner = next(
        (
            details.get(k)
            for k in ("personById", "personByFpWithId", "personByFpNoId")
            if isinstance(details.get(k), dict)
        ),
        None,
    )
    if not isinstance(inner, dict) or not str(kind).startswith("Person"):
        return None
    out: dict[str, Any] = {
        "subjectDetailsType": kind,
        "firstName": inner.get("firstName"),
        "lastName": inner.get("lastName"),
    }
    if isinstance(inner.get("identifier"), dict):
        out["personIdentifier"] = inner["identifier"]
    elif kind == "PersonByIdentifier" and subject and subject.type in ("Nip", "Pesel"):
        out["personIdentifier"] = ident(subject)
    for key in ("birthDate", "idDocument"):
        if inner.get(key) is not None:
            out[key] = inner[key]
    return out


def entity_details(details: dict[str, object]) -> dict[str, Any] | None:
    """``PermissionsSubjectEntityDetails`` (by identifier or by fingerprint)."""
    by_fp = details.get("entityByFp")
    if isinstance(by_fp, dict):
        return {
            "subjectDetailsType": "EntityByFingerprint",
            "fullName": by_fp.get("fullName"),
            "address": by_fp.get("address"),
        }
    if "fullName" in details:
        return {"subjectDetailsType": "EntityByIdentifier", "fullName": details["fullName"]}
    return None


def with_details(grant: Grant, out: dict[str, Any]) -> dict[str, Any]:
    """``out`` with the grant's ``subjectPersonDetails`` / ``subjectEntityDetails`` (each
    only when the grant request gave it)."""
    person = person_details(grant.subject_details, grant.subject)
    entity = entity_details(grant.subject_details)
    if person:
        out["subjectPersonDetails"] = person
    if entity:
        out["subjectEntityDetails"] = entity
    return out
