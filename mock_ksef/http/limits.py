"""Limits: ``GET /limits/context``, ``/limits/subject``, ``/rate-limits`` and the
access-token ``/testdata/limits/*`` and ``/testdata/rate-limits*`` endpoints that change them.

The ``GET`` routes report what the mock enforces for the caller's context: the session
limits read by online sends (21155), batch processing (420) and the invoice checks (430),
the invoices per collective identifier, and the rate limiter's values. The limiter is off
unless the caller's scenario switches it on or the context has ``/testdata/rate-limits``
values; a window it does not limit is reported as -1 (the spec's "no limit": ``anonymous``
shows 60/-1/-1), so while it is off every window is -1. ``global`` is switched off on KSeF
(changelog 2.8.0) and never enforced: always -1/-1/-1.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify
from marshmallow import fields, validate

from mock_ksef.domain import testdata
from mock_ksef.domain.auth.values import Principal
from mock_ksef.http.bodies import TolerantSchema, load_request
from mock_ksef.http.context import services
from mock_ksef.http.guard import require
from mock_ksef.http.traffic_edge import request_scenario
from mock_ksef.scenario.model import RateLimit
from mock_ksef.store.kinds import TESTDATA_SUBJECT_LIMITS
from mock_ksef.traffic.limiter import effective_rate_limits
from mock_ksef.traffic.routes import GROUP_LIMITS, OVERRIDABLE_GROUPS

bp = Blueprint("limits", __name__)

#: The 17 groups of ``EffectiveApiRateLimits``, in the spec example's order.
API_GROUPS: tuple[str, ...] = tuple(GROUP_LIMITS)
#: Reported for a window the mock does not limit (the spec's and ksef-client's "no limit").
UNLIMITED = -1
_INT32_MAX = 2_147_483_647


def _window(value: int | None) -> int:
    return UNLIMITED if value is None or value < 0 else value


def _rate_doc(limit: RateLimit | None) -> dict[str, int]:
    limit = limit or RateLimit()
    return {
        "perSecond": _window(limit.per_second),
        "perMinute": _window(limit.per_minute),
        "perHour": _window(limit.per_hour),
    }


# --- request schemas -----------------------------------------------------------------------
class _SessionLimitsSchema(TolerantSchema):
    maxInvoiceSizeInMB = fields.Integer(required=True, strict=True, validate=validate.Range(0, 5))
    maxInvoiceWithAttachmentSizeInMB = fields.Integer(
        required=True, strict=True, validate=validate.Range(0, 10)
    )
    maxInvoices = fields.Integer(required=True, strict=True, validate=validate.Range(0, 100_000))


class _CollectiveLimitsSchema(TolerantSchema):
    maxInvoices = fields.Integer(
        required=True,
        strict=True,
        validate=validate.Range(
            2, 5000, error="Must be between {min} and {max}: an IZ holds 2..5000 invoices."
        ),
    )


class SetSessionLimitsSchema(TolerantSchema):
    onlineSession = fields.Nested(_SessionLimitsSchema, required=True)
    batchSession = fields.Nested(_SessionLimitsSchema, required=True)
    collectiveIdentifier = fields.Nested(_CollectiveLimitsSchema, required=True)


def _rate_value() -> fields.Integer:
    return fields.Integer(
        required=True,
        strict=True,
        validate=validate.Range(
            -1,
            _INT32_MAX,
            error="Must be -1 (not limited), 0 (refuse every request) or a limit up to {max}.",
        ),
    )


class _RateValuesSchema(TolerantSchema):
    perSecond = _rate_value()
    perMinute = _rate_value()
    perHour = _rate_value()


_RateLimitsOverrideSchema = TolerantSchema.from_dict(
    {name: fields.Nested(_RateValuesSchema, required=True) for name in OVERRIDABLE_GROUPS},
    name="ApiRateLimitsOverrideSchema",
)


class SetRateLimitsSchema(TolerantSchema):
    rateLimits = fields.Nested(_RateLimitsOverrideSchema, required=True)


class _MaxSchema(TolerantSchema):
    maxEnrollments = fields.Integer(strict=True, allow_none=True, validate=validate.Range(0))
    maxCertificates = fields.Integer(strict=True, allow_none=True, validate=validate.Range(0))


class SetSubjectLimitsSchema(TolerantSchema):
    subjectIdentifierType = fields.String(validate=validate.OneOf(("Nip", "Pesel", "Fingerprint")))
    enrollment = fields.Nested(_MaxSchema, allow_none=True)
    certificate = fields.Nested(_MaxSchema, allow_none=True)


def _ok() -> Response:
    """The spec's bare 200 (no body)."""
    return Response(status=200)


# --- reading -------------------------------------------------------------------------------
@bp.get("/limits/context")
def context_limits() -> Response:
    """Session and IZ limits of the caller's context (the spec's ``EffectiveContextLimits``)."""
    principal = require()
    svc = services()
    doc: dict[str, Any] = {
        kind: testdata.session_limits(
            svc.store, testdata.default_session_limits(svc.settings), principal.context, kind
        ).to_doc()
        for kind in (testdata.ONLINE, testdata.BATCH)
    }
    doc[testdata.COLLECTIVE] = {
        "maxInvoices": testdata.collective_identifier_max_invoices(svc.store, principal.context)
    }
    return jsonify(doc)


@bp.get("/limits/subject")
def subject_limits() -> Response:
    """Certificate limits set for the caller's context (``/certificates/limits`` applies them)."""
    principal = require()
    doc = services().store.get(TESTDATA_SUBJECT_LIMITS, principal.context.key) or {}
    return jsonify({k: v for k, v in doc.items() if k in ("enrollment", "certificate") and v})


@bp.get("/rate-limits")
def rate_limits() -> Response:
    """The limiter's values for the caller's context (``EffectiveApiRateLimits``)."""
    principal = require()
    svc = services()
    scenario = request_scenario(svc, principal, principal.context.value)
    return jsonify(
        {
            group: _rate_doc(
                effective_rate_limits(svc.store, scenario, principal.context.value, group)
            )
            for group in API_GROUPS
        }
    )


# --- changing ------------------------------------------------------------------------------
@bp.post("/testdata/limits/context/session")
def set_session_limits() -> Response:
    """Change the session limits of the caller's context."""
    principal = require()
    body = load_request(SetSessionLimitsSchema())
    testdata.set_session_limits(
        services().store,
        principal.context,
        body["onlineSession"],
        body["batchSession"],
        body["collectiveIdentifier"]["maxInvoices"],
    )
    return _ok()


@bp.delete("/testdata/limits/context/session")
def reset_session_limits() -> Response:
    """Back to the configured session limits and 500 invoices per IZ."""
    testdata.clear_session_limits(services().store, require().context)
    return _ok()


@bp.post("/testdata/limits/subject/certificate")
def set_subject_limits() -> Response:
    """Record certificate limits (enrolment enforces them: 25006, 25007)."""
    principal = require()
    body: dict[str, Any] = load_request(SetSubjectLimitsSchema())
    doc = {k: body[k] for k in ("enrollment", "certificate") if body.get(k)}
    services().store.put(TESTDATA_SUBJECT_LIMITS, principal.context.key, doc)
    return _ok()


@bp.delete("/testdata/limits/subject/certificate")
def reset_subject_limits() -> Response:
    """Forget the certificate limits."""
    services().store.delete(TESTDATA_SUBJECT_LIMITS, require().context.key)
    return _ok()


def _set_rates(principal: Principal, groups: dict[str, RateLimit]) -> Response:
    testdata.set_rate_limits(services().store, principal.context.value, groups)
    return _ok()


@bp.post("/testdata/rate-limits")
def set_rate_limits() -> Response:
    """Set the limiter's values for the caller's context (this switches it on)."""
    principal = require()
    body = load_request(SetRateLimitsSchema())["rateLimits"]
    groups = {
        name: RateLimit(v["perSecond"], v["perMinute"], v["perHour"]) for name, v in body.items()
    }
    return _set_rates(principal, groups)


@bp.post("/testdata/rate-limits/production")
def production_rate_limits() -> Response:
    """The spec's (production) values for the caller's context, limiter on."""
    principal = require()
    return _set_rates(principal, {name: GROUP_LIMITS[name] for name in OVERRIDABLE_GROUPS})


@bp.delete("/testdata/rate-limits")
def reset_rate_limits() -> Response:
    """Back to the scenario's limiter settings (off by default)."""
    testdata.clear_rate_limits(services().store, require().context.value)
    return _ok()
