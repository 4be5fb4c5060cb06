"""``/certificates/*`` and ``PUT /testdata/certificates/{serialNumber}``: KSeF certificates.

The edge composes the domain's narrow inputs per request: a
:class:`~mock_ksef.domain.certificates.certificate_repo.CertificateRepo` over the store, the caller
(identity and login method, read from the login operation), the CA key pair, the seeded
generator, the clock's ``now`` and the scenario's ``enrollment`` plan. No operation has
``x-required-permissions`` (the scope is the authenticated identity); a KSeF-token login
gets 25001/25002 for the CSR data and enrolment, and 403 ``auth-method-not-allowed``
for the rest, except the test-data ``validTo`` change (BRIEF-ADMIN §4, BRIEF-IZ §6).
"""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, Response, jsonify, request
from marshmallow import Schema, ValidationError, fields, validate

from mock_ksef.domain.auth.values import Party, Principal
from mock_ksef.domain.certificates import certificate_registry as registry
from mock_ksef.domain.certificates import enrollment as enrolment
from mock_ksef.domain.certificates.certificate_repo import CertificateRepo
from mock_ksef.domain.certificates.certificate_values import (
    ENROLLMENT_STATUS_TEXT,
    Caller,
    KsefCertificate,
)
from mock_ksef.domain.certificates.enrollment import EnrollRequest, Issuer
from mock_ksef.domain.errors import Unauthorized, ValidationFailed
from mock_ksef.domain.paging import PageSizes
from mock_ksef.http.bodies import (
    JSON_MEDIA,
    TolerantSchema,
    flatten,
    page_size,
    parse_json,
    require_media,
)
from mock_ksef.http.context import services
from mock_ksef.http.guard import require
from mock_ksef.http.traffic_edge import request_scenario
from mock_ksef.ids import RefType
from mock_ksef.timefmt import iso

bp = Blueprint("certificates", __name__)

_SERIAL = re.compile(r"^[0-9A-F]{16}$")
_SERIAL_FIELD = validate.Regexp(_SERIAL, error="oczekiwano 16 wielkich cyfr szesnastkowych")
_TYPES = validate.OneOf(("Authentication", "Offline"))
_NAME = validate.Regexp(
    r"^[a-zA-Z0-9_\- ąćęłńóśźżĄĆĘŁŃÓŚŹŻ]+$",
    error="dozwolone litery (także polskie), cyfry, spacja, '_' i '-'",
)


class EnrollSchema(TolerantSchema):
    certificateName = fields.String(
        required=True, validate=[validate.Length(min=5, max=100), _NAME]
    )
    certificateType = fields.String(required=True, validate=_TYPES)
    csr = fields.String(required=True, validate=validate.Length(min=1))
    validFrom = fields.AwareDateTime(allow_none=True, load_default=None)


class QuerySchema(TolerantSchema):
    certificateSerialNumber = fields.String(allow_none=True, validate=_SERIAL_FIELD)
    name = fields.String(allow_none=True)
    type = fields.String(allow_none=True, validate=_TYPES)
    status = fields.String(
        allow_none=True, validate=validate.OneOf(("Active", "Blocked", "Revoked", "Expired"))
    )
    expiresAfter = fields.AwareDateTime(allow_none=True)


class RetrieveSchema(TolerantSchema):
    certificateSerialNumbers = fields.List(
        fields.String(validate=_SERIAL_FIELD), required=True, validate=validate.Length(1, 10)
    )


class RevokeSchema(TolerantSchema):
    revocationReason = fields.String(
        allow_none=True,
        validate=validate.OneOf(("Unspecified", "Superseded", "KeyCompromise")),
    )


class ValidToSchema(TolerantSchema):
    validTo = fields.AwareDateTime(required=True)


def _document() -> dict[str, Any]:
    """The JSON object of the body (absent: ``{}``), read before any other check.

    An unreadable body (415, 21001, too deep) is answered first, as ASP.NET binds the
    body before the action runs; the schema is checked later (:func:`_valid`).
    """
    raw = request.get_data(cache=False)
    if not raw.strip():
        return {}
    require_media(JSON_MEDIA, raw)
    document = parse_json(raw)
    if not isinstance(document, dict):
        raise ValidationFailed("Treść żądania musi być obiektem JSON.")
    return document


def _valid(schema: Schema, document: dict[str, Any]) -> Any:
    try:
        return schema.load(document)
    except ValidationError as exc:
        raise ValidationFailed(*flatten(exc.messages)) from exc


def _repo() -> CertificateRepo:
    return CertificateRepo(services().store)


def _caller(principal: Principal) -> Caller:
    op = services().repos.get_auth(principal.auth_reference)
    if op is None:
        raise Unauthorized("Operacja uwierzytelniania tokenu nie istnieje.")
    subject = op.subject or {"type": principal.context.type, "value": principal.context.value}
    return Caller(
        identity=Party(subject.get("type", ""), subject.get("value", "")),
        token_login=op.method.category == "Token",
        login_document=op.auth_document_hash,
        context_key=principal.context.key,
    )


def _issuer() -> Issuer:
    svc = services()
    # Serial bits from the seed and a store sequence: the same whichever replica issues.
    return Issuer(svc.keys.ca, svc.ids.bits("certificate-serial"), svc.now())


def _serial(value: str) -> str:
    if not _SERIAL.match(value):
        raise ValidationFailed(
            f"certificateSerialNumber: '{value}' — oczekiwano 16 wielkich cyfr szesnastkowych."
        )
    return value


@bp.get("/certificates/limits")
def limits() -> Response:
    """Enrolment and active-certificate limits of the caller's identity."""
    caller = _caller(require())
    registry.require_signature_login(caller)
    report = registry.limits_report(_repo(), caller, _issuer())
    return jsonify(
        {
            "canRequest": report.can_request,
            "enrollment": {
                "remaining": report.enrollments_left,
                "limit": report.limits.max_enrollments,
            },
            "certificate": {
                "remaining": report.certificates_left,
                "limit": report.limits.max_certificates,
            },
        }
    )


@bp.get("/certificates/enrollments/data")
def enrollment_data() -> Response:
    """The subject fields a CSR must carry (from the login certificate)."""
    return jsonify(enrolment.enrollment_data(_repo(), _caller(require())))


@bp.post("/certificates/enrollments")
def enroll() -> Response:
    """File an enrolment: 202 with its ``EH`` reference."""
    principal = require()
    caller = _caller(principal)
    document = _document()
    enrolment.require_enrollment_login(caller)  # check 1 comes before the schema
    body = _valid(EnrollSchema(), document)
    svc = services()
    now = svc.now()
    plan = request_scenario(svc, principal, principal.context.value).enrollment
    filed = enrolment.enroll(
        _repo(),
        caller,
        EnrollRequest(
            body["certificateName"], body["certificateType"], body["csr"], body["validFrom"]
        ),
        plan,
        now,
        lambda: svc.new_reference(RefType.CERTIFICATE_ENROLLMENT, now),
    )
    return _json({"referenceNumber": filed.reference, "timestamp": iso(filed.request_date)}, 202)


@bp.get("/certificates/enrollments/<reference>")
def enrollment_status(reference: str) -> Response:
    """One status read of an enrolment (may issue the certificate)."""
    caller = _caller(require())
    registry.require_signature_login(caller)
    found = enrolment.enrollment_status(_repo(), caller, reference, _issuer())
    status: dict[str, Any] = {
        "code": found.status_code,
        "description": ENROLLMENT_STATUS_TEXT[found.status_code],
    }
    if found.status_details:
        status["details"] = list(found.status_details)
    doc: dict[str, Any] = {"requestDate": iso(found.request_date), "status": status}
    if found.serial:
        doc["certificateSerialNumber"] = found.serial
    return jsonify(doc)


def _list_item(certificate: KsefCertificate, now_status: str) -> dict[str, Any]:
    item: dict[str, Any] = {
        "certificateSerialNumber": certificate.serial,
        "name": certificate.name,
        "type": certificate.type,
        "commonName": certificate.common_name,
        "status": now_status,
        "subjectIdentifier": {
            "type": certificate.identity.type,
            "value": certificate.identity.value,
        },
        "validFrom": iso(certificate.valid_from),
        "validTo": iso(certificate.valid_to),
        "requestDate": iso(certificate.request_date),
    }
    if certificate.last_use_date is not None:
        item["lastUseDate"] = iso(certificate.last_use_date)
    return item


@bp.post("/certificates/query")
def query() -> Response:
    """The caller's certificates, newest first, filtered and paged."""
    caller = _caller(require())
    document = _document()
    registry.require_signature_login(caller)
    size = page_size(PageSizes(10, 50))
    offset = _page_offset()
    body = _valid(QuerySchema(), document)
    wanted = registry.QueryFilter(
        serial=body.get("certificateSerialNumber"),
        name=body.get("name"),
        type=body.get("type"),
        status=body.get("status"),
        expires_after=body.get("expiresAfter"),
    )
    issuer = _issuer()
    found, more = registry.query(_repo(), caller, wanted, (size, offset), issuer)
    items = [_list_item(c, c.status_at(issuer.now)) for c in found]
    return jsonify({"certificates": items, "hasMore": more})


def _page_offset() -> int:
    raw = request.args.get("pageOffset", "0")
    if not raw.isdigit():
        raise ValidationFailed(f"pageOffset: '{raw}' — oczekiwano liczby całkowitej ≥ 0.")
    return int(raw)


@bp.post("/certificates/retrieve")
def retrieve() -> Response:
    """The DER (Base64) of the caller's certificates among the serials asked for."""
    caller = _caller(require())
    document = _document()
    registry.require_signature_login(caller)
    body = _valid(RetrieveSchema(), document)
    found = registry.retrieve(_repo(), caller, body["certificateSerialNumbers"], _issuer())
    return jsonify(
        {
            "certificates": [
                {
                    "certificate": c.der,
                    "certificateName": c.name,
                    "certificateSerialNumber": c.serial,
                    "certificateType": c.type,
                }
                for c in found
            ]
        }
    )


@bp.post("/certificates/<serial>/revoke")
def revoke(serial: str) -> Response:
    """Revoke one of the caller's certificates: 204."""
    caller = _caller(require())
    document = _document()
    registry.require_signature_login(caller)
    _serial(serial)
    body = _valid(RevokeSchema(), document)
    registry.revoke(_repo(), caller, serial, body.get("revocationReason"), services().now())
    return Response(status=204)


@bp.put("/testdata/certificates/<serial>")
def move_valid_to(serial: str) -> Response:
    """Test data: end a certificate's validity earlier (a KSeF-token login may, too)."""
    caller = _caller(require())
    document = _document()
    _serial(serial)
    body = _valid(ValidToSchema(), document)
    registry.move_valid_to(_repo(), caller, serial, body["validTo"])
    return Response(status=200)


def _json(doc: dict[str, Any], status: int) -> Response:
    response = jsonify(doc)
    response.status_code = status
    return response
