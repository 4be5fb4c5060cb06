"""``/tokens``: generate, list, read and revoke KSeF tokens (BRIEF-ADMIN 2).

Thin: the caller (identity, context, snapshot, login token) and the scenario's lifecycle
knobs are composed here (:mod:`mock_ksef.http.credential_edge`); the rules live in
:mod:`mock_ksef.domain.credentials.ksef_tokens`.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, request
from marshmallow import fields, validate

from mock_ksef.domain.credentials import ksef_tokens
from mock_ksef.domain.credentials.credential_values import (
    FAILED,
    TOKEN_PERMISSIONS,
    TOKEN_STATUSES,
    KsefToken,
)
from mock_ksef.domain.credentials.ksef_tokens import TokenFilter, TokenPlan
from mock_ksef.domain.errors import ValidationFailed
from mock_ksef.domain.paging import PageSizes
from mock_ksef.http.bodies import TolerantSchema, load_request, page_size
from mock_ksef.http.context import services
from mock_ksef.http.credential_edge import credential_repo, credentials_plan, token_caller
from mock_ksef.http.guard import require
from mock_ksef.ids import RefType
from mock_ksef.timefmt import iso

bp = Blueprint("tokens", __name__)
#: ``GET /tokens`` (spec: ``pageSize`` 10..100, default 10).
TOKEN_PAGES = PageSizes(10, 100, 10)


class GenerateTokenSchema(TolerantSchema):
    permissions = fields.List(
        fields.String(validate=validate.OneOf(TOKEN_PERMISSIONS)), required=True
    )
    description = fields.String(required=True, validate=validate.Length(min=5, max=256))


def dump_token(token: KsefToken) -> dict[str, Any]:
    """``QueryTokensResponseItem`` / ``TokenStatusResponse``."""
    return {
        "referenceNumber": token.reference,
        "authorIdentifier": {"type": token.author.type, "value": token.author.value},
        "contextIdentifier": {"type": token.context.type, "value": token.context.value},
        "description": token.description,
        "requestedPermissions": list(token.permissions),
        "dateCreated": iso(token.date_created),
        "lastUseDate": iso(token.last_use_date) if token.last_use_date else None,
        "status": token.status,
        "statusDetails": list(ksef_tokens.visible_details(token)),
    }


def _plan() -> TokenPlan:
    plan = credentials_plan(require())
    return TokenPlan(
        activation_polls=plan.token_activation_polls,
        revoking_polls=plan.token_revoking_polls,
        fail_activation=plan.token_activation == FAILED,
        failure_details=plan.token_failure_details,
    )


@bp.post("/tokens")
def generate() -> Response:
    """A new KSeF token: 202 with its reference and its text (shown only here)."""
    caller = token_caller(require())
    body = load_request(GenerateTokenSchema())
    if len(set(body["permissions"])) != len(body["permissions"]):
        raise ValidationFailed("permissions: każde uprawnienie może wystąpić tylko raz.")
    if not body["permissions"]:
        raise ValidationFailed("permissions: podaj co najmniej jedno uprawnienie.")
    svc = services()
    now = svc.now()
    token, text = ksef_tokens.generate(
        credential_repo(),
        caller,
        tuple(body["permissions"]),
        body["description"],
        now,
        lambda: svc.new_reference(RefType.KSEF_TOKEN, now),
        svc.ids.hex_token(32),
        _plan(),
    )
    response = jsonify({"referenceNumber": token.reference, "token": text})
    response.status_code = 202
    return response


def _filters() -> TokenFilter:
    statuses = tuple(request.args.getlist("status"))
    for status in statuses:
        if status not in TOKEN_STATUSES:
            raise ValidationFailed(
                f"status: '{status}' nie jest jednym z {', '.join(TOKEN_STATUSES)}."
            )
    description = request.args.get("description") or None
    author = request.args.get("authorIdentifier") or None
    for name, value in (("description", description), ("authorIdentifier", author)):
        if value is not None and len(value) < 3:
            raise ValidationFailed(f"{name}: podaj co najmniej 3 znaki.")
    author_type = request.args.get("authorIdentifierType") or None
    if author_type is not None and author_type not in ("Nip", "Pesel", "Fingerprint"):
        raise ValidationFailed(
            f"authorIdentifierType: '{author_type}' nie jest jednym z Nip, Pesel, Fingerprint."
        )
    return TokenFilter(statuses, description, author, author_type)


@bp.get("/tokens")
def listing() -> Response:
    """The tokens the caller may see, newest first, with continuation."""
    caller = token_caller(require())
    page = ksef_tokens.listing(
        credential_repo(),
        caller,
        _filters(),
        page_size(TOKEN_PAGES),
        request.headers.get("x-continuation-token") or None,
    )
    return jsonify(
        {
            "continuationToken": page.continuation_token,
            "tokens": [dump_token(token) for token in page.items],
        }
    )


@bp.get("/tokens/<reference>")
def status(reference: str) -> Response:
    """One token of the caller's context (each read moves a held lifecycle on)."""
    caller = token_caller(require())
    return jsonify(dump_token(ksef_tokens.read(credential_repo(), caller, reference)))


@bp.delete("/tokens/<reference>")
def revoke(reference: str) -> Response:
    """Revoke a token: the caller's own, or any with CredentialsManage."""
    ksef_tokens.revoke(credential_repo(), token_caller(require()), reference)
    return Response(status=204)
