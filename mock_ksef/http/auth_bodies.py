"""marshmallow schemas of the authentication request bodies and JSON dumps of the results."""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError, fields, post_load, validate

from mock_ksef.domain.auth.login import CONTEXT_PATTERNS, KsefTokenRequest, check_context
from mock_ksef.domain.auth.tokens import IssuedToken
from mock_ksef.domain.auth.values import AUTH_STATUS_TEXT, AuthOperation, Challenge, ContextId
from mock_ksef.http.bodies import TolerantSchema, load
from mock_ksef.timefmt import iso, millis

_OCTET = r"(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9][0-9]|[0-9])"
_IP4 = rf"({_OCTET}\.){{3}}{_OCTET}"


_Tolerant = TolerantSchema


def _ip_list(pattern: str) -> fields.Field[Any]:
    return fields.List(
        fields.String(validate=validate.Regexp(f"^{pattern}$")),
        load_default=None,
        allow_none=True,
        validate=validate.Length(max=10),
    )


class AllowedIpsSchema(_Tolerant):
    ip4Addresses = _ip_list(_IP4)
    ip4Ranges = _ip_list(f"{_IP4}-{_IP4}")
    ip4Masks = _ip_list(f"{_IP4}/(0|[1-9]|[12][0-9]|3[0-2])")


class AuthorizationPolicySchema(_Tolerant):
    allowedIps = fields.Nested(AllowedIpsSchema, load_default=None, allow_none=True)


class ContextIdentifierSchema(_Tolerant):
    type = fields.String(required=True, validate=validate.OneOf(tuple(CONTEXT_PATTERNS)))
    value = fields.String(required=True)

    @post_load
    def make(self, data: dict[str, Any], **_: Any) -> ContextId:
        context = ContextId(data["type"], data["value"])
        problems = check_context(context)
        if problems:
            raise ValidationError(problems, "value")
        return context


class InitTokenAuthenticationSchema(_Tolerant):
    challenge = fields.String(required=True, validate=validate.Length(equal=36))
    contextIdentifier = fields.Nested(ContextIdentifierSchema, required=True)
    encryptedToken = fields.String(required=True, validate=validate.Length(min=1))
    publicKeyId = fields.String(load_default=None, allow_none=True)
    authorizationPolicy = fields.Nested(
        AuthorizationPolicySchema, load_default=None, allow_none=True
    )

    @post_load
    def make(self, data: dict[str, Any], **_: Any) -> KsefTokenRequest:
        return KsefTokenRequest(
            data["challenge"],
            data["contextIdentifier"],
            data["encryptedToken"],
            data["publicKeyId"],
        )


def load_ksef_token_request(raw: bytes) -> KsefTokenRequest:
    """Parse the body of ``POST /auth/ksef-token``.

    Raises:
        ValidationFailed: not JSON, not an object, or failing the schema (21405, with the
            validator's messages as details).
    """
    request: KsefTokenRequest = load(InitTokenAuthenticationSchema(), raw)
    return request


def dump_token(token: IssuedToken) -> dict[str, str]:
    """``TokenInfo``."""
    return {"token": token.token, "validUntil": iso(token.valid_until)}


def dump_challenge(challenge: Challenge, client_ip: str) -> dict[str, Any]:
    """``AuthenticationChallengeResponse``."""
    return {
        "challenge": challenge.value,
        "timestamp": iso(challenge.created),
        "timestampMs": millis(challenge.created),
        "clientIp": client_ip,
    }


def dump_init(reference: str, token: IssuedToken) -> dict[str, Any]:
    """``AuthenticationInitResponse``."""
    return {"referenceNumber": reference, "authenticationToken": dump_token(token)}


def dump_status(op: AuthOperation) -> dict[str, Any]:
    """``AuthenticationOperationStatusResponse``."""
    status: dict[str, Any] = {
        "code": op.status_code,
        "description": AUTH_STATUS_TEXT.get(op.status_code, "Nieznany błąd"),
    }
    if op.status_details:
        status["details"] = list(op.status_details)
    body: dict[str, Any] = {
        "startDate": iso(op.start_date),
        "authenticationMethod": op.method.legacy,
        "authenticationMethodInfo": {
            "category": op.method.category,
            "code": op.method.code,
            "displayName": op.method.display_name,
        },
        "status": status,
        "isTokenRedeemed": op.redeemed,
        "lastTokenRefreshDate": iso(op.last_refresh) if op.last_refresh else None,
        "refreshTokenValidUntil": (iso(op.refresh_valid_until) if op.refresh_valid_until else None),
    }
    return body


def dump_list_item(op: AuthOperation, current: bool) -> dict[str, Any]:
    """``AuthenticationListItem``."""
    return {"referenceNumber": op.reference, "isCurrent": current, **dump_status(op)}
