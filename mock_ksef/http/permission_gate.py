"""The 403 gate: ``x-required-permissions`` of every operation, checked in one place.

:data:`REQUIRED` is transcribed from the official ``open-api.json`` (API 2.9.0; the spec
file is not shipped, ``tests/http/test_permission_gate.py`` compares the two). Before a
route runs, a request with a valid access token whose snapshot holds none of the
operation's permissions ("any one of the listed") gets the spec's
``ForbiddenProblemDetails`` (BRIEF-ADMIN 1.4); requests without a valid access token go
on to the route, which answers 401 as before.
"""

from __future__ import annotations

import re
from functools import cache, lru_cache

from flask import Flask, request

from mock_ksef.domain.auth.tokens import ACCESS
from mock_ksef.domain.errors import Forbidden
from mock_ksef.http.guard import current_principal
from mock_ksef.traffic.routes import bare_path

MISSING = "Brak wymaganych uprawnień do wykonania operacji w bieżącym kontekście."
_CI = ("InvoiceRead", "InvoiceWrite", "CollectiveIdentifierManage")
_ONLINE = ("InvoiceWrite", "PefInvoiceWrite", "EnforcementOperations")
_BATCH = ("InvoiceWrite", "EnforcementOperations")
_SESSION = ("InvoiceWrite", "Introspection", "PefInvoiceWrite", "EnforcementOperations")
_CM = ("CredentialsManage",)
_CM_CR = ("CredentialsManage", "CredentialsRead")
_CM_CR_SM = ("CredentialsManage", "CredentialsRead", "SubunitManage")
_READ = ("InvoiceRead",)

#: ``(method, template)`` → the permissions of which any one is required.
REQUIRED: dict[tuple[str, str], tuple[str, ...]] = {
    ("POST", "/collective-identifiers"): _CI,
    ("POST", "/collective-identifiers/query"): _CI,
    ("POST", "/collective-identifiers/invoices"): _CI,
    ("GET", "/collective-identifiers/ksef/{ksefNumber}"): _CI,
    ("POST", "/permissions/persons/grants"): _CM,
    ("POST", "/permissions/entities/grants"): _CM,
    ("POST", "/permissions/authorizations/grants"): _CM,
    ("POST", "/permissions/indirect/grants"): _CM,
    ("POST", "/permissions/subunits/grants"): ("SubunitManage",),
    ("POST", "/permissions/eu-entities/administration/grants"): _CM,
    ("POST", "/permissions/eu-entities/grants"): ("VatUeManage",),
    ("DELETE", "/permissions/common/grants/{permissionId}"): (
        "CredentialsManage",
        "VatUeManage",
        "SubunitManage",
    ),
    ("DELETE", "/permissions/authorizations/grants/{permissionId}"): _CM,
    ("GET", "/permissions/attachments/status"): _CM_CR,
    ("GET", "/invoices/ksef/{ksefNumber}"): _READ,
    ("POST", "/invoices/query/metadata"): _READ,
    ("POST", "/invoices/exports"): _READ,
    ("GET", "/invoices/exports/{referenceNumber}"): _READ,
    ("GET", "/sessions"): ("InvoiceWrite", "Introspection", "EnforcementOperations"),
    ("GET", "/sessions/{referenceNumber}"): _SESSION,
    ("GET", "/sessions/{referenceNumber}/invoices"): _SESSION,
    ("GET", "/sessions/{referenceNumber}/invoices/{invoiceReferenceNumber}"): _SESSION,
    ("GET", "/sessions/{referenceNumber}/invoices/failed"): _SESSION,
    ("GET", "/sessions/{referenceNumber}/invoices/ksef/{ksefNumber}/upo"): _SESSION,
    ("GET", "/sessions/{referenceNumber}/invoices/{invoiceReferenceNumber}/upo"): _SESSION,
    ("GET", "/sessions/{referenceNumber}/upo/{upoReferenceNumber}"): _SESSION,
    ("POST", "/sessions/online"): _ONLINE,
    ("POST", "/sessions/online/{referenceNumber}/invoices"): _ONLINE,
    ("POST", "/sessions/online/{referenceNumber}/close"): _ONLINE,
    ("POST", "/sessions/batch"): _BATCH,
    ("POST", "/sessions/batch/{referenceNumber}/close"): _BATCH,
    ("POST", "/permissions/query/persons/grants"): _CM_CR_SM,
    ("POST", "/permissions/query/subunits/grants"): _CM_CR_SM,
    ("POST", "/permissions/query/entities/grants"): _CM_CR,
    ("GET", "/permissions/query/entities/roles"): _CM_CR,
    ("POST", "/permissions/query/subordinate-entities/roles"): _CM_CR_SM,
    ("POST", "/permissions/query/authorizations/grants"): (*_CM_CR, "PefInvoiceWrite"),
    ("POST", "/permissions/query/eu-entities/grants"): (*_CM_CR, "VatUeManage"),
}


@cache
def _patterns() -> tuple[tuple[str, re.Pattern[str], tuple[str, ...]], ...]:
    """Every operation as (method, path pattern, permissions), literal templates first."""
    rows = sorted(REQUIRED.items(), key=lambda row: row[0][1].count("{"))
    return tuple(
        (method, re.compile("^" + re.sub(r"\\\{[^}/]*\\\}", "[^/]+", re.escape(t)) + "$"), p)
        for (method, t), p in rows
    )


@lru_cache(maxsize=4096)
def required_permissions(method: str, bare: str) -> tuple[str, ...]:
    """The any-of permissions of the operation ``method bare`` addresses (``()``: none).

    Memoised per path (4096 entries, as :func:`mock_ksef.traffic.routes.resolve`): the
    table is a constant, so an entry never goes stale; a status poll of a known session
    costs one dictionary lookup instead of a walk over the 40 patterns.
    """
    for want, pattern, needed in _patterns():
        if want == method and pattern.match(bare):
            return needed
    return ()


def _gate() -> None:
    bare = bare_path(request.path)
    if bare is None:
        return
    needed = required_permissions(request.method, bare.rstrip("/") or "/")
    if not needed:
        return
    principal = current_principal()
    if principal is None or principal.token_type != ACCESS:
        return  # the route answers 401
    if set(needed) & set(principal.permissions):
        return
    raise Forbidden(
        MISSING,
        "missing-permissions",
        {"requiredAnyOfPermissions": needed, "presentPermissions": principal.permissions},
    )


def install(app: Flask) -> None:
    """Check ``x-required-permissions`` before every KSeF route."""
    app.before_request(_gate)
