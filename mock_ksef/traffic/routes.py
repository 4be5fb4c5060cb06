"""KSeF route templates, their rate-limit groups and the spec's per-group limits.

The table below is transcribed from ``x-rate-limits`` of the official ``open-api.json``
(API 2.9.0); the spec file is not shipped with the mock. Group names are the spec's
``EffectiveApiRateLimits`` names: ``anonymous`` holds the unauthenticated 60/s routes
(BRIEF's "public" row, reported since 2.8.0); ``global`` (per IP, every operation) is
switched off on KSeF, so no route belongs to it and the mock never enforces it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache

from mock_ksef.scenario.model import RateLimit

#: ``/v2`` or ``/api/v2`` in front of every KSeF path.
API_PREFIX = re.compile(r"^(?:/api)?/v2(?=/)")

#: The spec's limits per group (requests per second, minute, hour; ``None``: no window),
#: in the order of the spec's ``EffectiveApiRateLimits`` example.
GROUP_LIMITS: dict[str, RateLimit] = {
    "onlineSession": RateLimit(10, 30, 120),
    "onlineSessionClose": RateLimit(20, 60, 240),
    "batchSession": RateLimit(10, 20, 60),
    "batchSessionClose": RateLimit(20, 40, 120),
    "invoiceSend": RateLimit(10, 30, 180),
    "invoiceStatus": RateLimit(30, 120, 1200),
    "sessionList": RateLimit(5, 10, 60),
    "sessionInvoiceList": RateLimit(10, 20, 200),
    "sessionMisc": RateLimit(10, 120, 1200),
    "invoiceMetadata": RateLimit(8, 16, 20),
    "invoiceExport": RateLimit(8, 16, 20),
    "invoiceExportStatus": RateLimit(10, 60, 600),
    "invoiceDownload": RateLimit(8, 16, 64),
    "collectiveIdentifier": RateLimit(20, 120, 240),
    "other": RateLimit(10, 30, 120),
    "anonymous": RateLimit(60, None, None),
    "global": RateLimit(None, None, None),
}
#: Groups ``POST /testdata/rate-limits`` sets (the spec's ``ApiRateLimitsOverride``); the
#: close groups, ``anonymous`` and ``global`` keep the values above.
OVERRIDABLE_GROUPS: tuple[str, ...] = (
    "onlineSession",
    "batchSession",
    "invoiceSend",
    "invoiceStatus",
    "sessionList",
    "sessionInvoiceList",
    "sessionMisc",
    "invoiceMetadata",
    "invoiceExport",
    "invoiceExportStatus",
    "invoiceDownload",
    "collectiveIdentifier",
    "other",
)
#: The routes that change a context's limits are never limited, so a limit of 0 set
#: through them can always be undone (BRIEF-IZ has no rule; ours, docs/faults.md).
UNLIMITED_ROUTES: frozenset[tuple[str, str]] = frozenset(
    {
        ("POST", "/testdata/rate-limits"),
        ("DELETE", "/testdata/rate-limits"),
        ("POST", "/testdata/rate-limits/production"),
    }
)

_S = "/sessions/{referenceNumber}"
#: ``(method, template, group)`` for every route of the spec not in group ``other``.
_GROUPED: tuple[tuple[str, str, str], ...] = (
    ("POST", "/auth/challenge", "anonymous"),
    ("POST", "/auth/ksef-token", "anonymous"),
    ("POST", "/auth/xades-signature", "anonymous"),
    ("GET", "/auth/{referenceNumber}", "anonymous"),
    ("POST", "/auth/token/redeem", "anonymous"),
    ("POST", "/auth/token/refresh", "anonymous"),
    ("GET", "/security/public-key-certificates", "anonymous"),
    ("GET", "/peppol/query", "anonymous"),
    ("POST", "/testdata/subject", "anonymous"),
    ("POST", "/testdata/subject/remove", "anonymous"),
    ("POST", "/testdata/person", "anonymous"),
    ("POST", "/testdata/person/remove", "anonymous"),
    ("POST", "/testdata/permissions", "anonymous"),
    ("POST", "/testdata/permissions/revoke", "anonymous"),
    ("POST", "/testdata/attachment", "anonymous"),
    ("POST", "/testdata/attachment/revoke", "anonymous"),
    ("POST", "/sessions/online", "onlineSession"),
    ("POST", "/sessions/online/{referenceNumber}/close", "onlineSessionClose"),
    ("POST", "/sessions/online/{referenceNumber}/invoices", "invoiceSend"),
    ("POST", "/sessions/batch", "batchSession"),
    ("POST", "/sessions/batch/{referenceNumber}/close", "batchSessionClose"),
    ("GET", "/sessions", "sessionList"),
    ("GET", _S, "sessionMisc"),
    ("GET", _S + "/invoices", "sessionInvoiceList"),
    ("GET", _S + "/invoices/failed", "sessionInvoiceList"),
    ("GET", _S + "/invoices/{invoiceReferenceNumber}", "invoiceStatus"),
    ("GET", _S + "/invoices/{invoiceReferenceNumber}/upo", "sessionMisc"),
    ("GET", _S + "/invoices/ksef/{ksefNumber}/upo", "sessionMisc"),
    ("GET", _S + "/upo/{upoReferenceNumber}", "sessionMisc"),
    ("POST", "/invoices/query/metadata", "invoiceMetadata"),
    ("POST", "/invoices/exports", "invoiceExport"),
    ("GET", "/invoices/exports/{referenceNumber}", "invoiceExportStatus"),
    ("GET", "/invoices/ksef/{ksefNumber}", "invoiceDownload"),
    ("POST", "/collective-identifiers", "collectiveIdentifier"),
    ("POST", "/collective-identifiers/query", "collectiveIdentifier"),
    ("POST", "/collective-identifiers/invoices", "collectiveIdentifier"),
    ("GET", "/collective-identifiers/ksef/{ksefNumber}", "collectiveIdentifier"),
)
#: Routes of group ``other`` (10/30/120) the mock knows by name.
_OTHER: tuple[tuple[str, str], ...] = (
    ("GET", "/auth/sessions"),
    ("DELETE", "/auth/sessions/current"),
    ("DELETE", "/auth/sessions/{referenceNumber}"),
    ("GET", "/rate-limits"),
    ("GET", "/limits/context"),
    ("GET", "/limits/subject"),
    ("POST", "/testdata/limits/context/session"),
    ("DELETE", "/testdata/limits/context/session"),
    ("POST", "/testdata/limits/subject/certificate"),
    ("DELETE", "/testdata/limits/subject/certificate"),
    ("POST", "/testdata/rate-limits"),
    ("DELETE", "/testdata/rate-limits"),
    ("POST", "/testdata/rate-limits/production"),
    ("POST", "/tokens"),
    ("GET", "/tokens"),
    ("GET", "/tokens/{referenceNumber}"),
    ("DELETE", "/tokens/{referenceNumber}"),
)


@dataclass(frozen=True)
class Route:
    """One KSeF operation: method, spec path template and rate-limit group."""

    method: str
    template: str
    group: str

    @property
    def limited(self) -> bool:
        """Whether the rate limiter counts this route (all but :data:`UNLIMITED_ROUTES`)."""
        return (self.method, self.template) not in UNLIMITED_ROUTES

    @property
    def shape(self) -> str:
        """The template with parameter names erased (``/sessions/{}``)."""
        return shape(self.template)


def shape(template: str) -> str:
    """``template`` with every ``{name}`` replaced by ``{}``."""
    return re.sub(r"\{[^}/]*\}", "{}", template)


def _pattern(template: str) -> re.Pattern[str]:
    return re.compile("^" + re.sub(r"\\\{[^}/]*\\\}", "[^/]+", re.escape(template)) + "$")


@cache
def _compiled() -> tuple[tuple[Route, re.Pattern[str]], ...]:
    routes = [Route(m, t, g) for m, t, g in _GROUPED]
    routes += [Route(m, t, "other") for m, t in _OTHER]
    # Literal templates first: ``/invoices/failed`` before ``/invoices/{ref}``.
    routes.sort(key=lambda r: r.template.count("{"))
    return tuple((route, _pattern(route.template)) for route in routes)


def bare_path(path: str) -> str | None:
    """``path`` without ``/v2`` or ``/api/v2``; ``None`` when it is not a KSeF API path."""
    match = API_PREFIX.match(path)
    return path[match.end() :] if match else None


@lru_cache(maxsize=4096)
def resolve(method: str, bare: str) -> Route:
    """The operation a request addresses (an unknown one is group ``other``; memoised)."""
    for route, pattern in _compiled():
        if route.method == method and pattern.match(bare):
            return route
    return Route(method, bare, "other")


def route_matches(spec: str, method: str, bare: str, route: Route) -> bool:
    """Whether a fault's ``route`` (``*`` or ``METHOD /template``) covers a request.

    A template is compared with the resolved operation's template (parameter names do not
    matter), so ``GET /sessions/{ref}/invoices/{invRef}`` does not cover
    ``/invoices/failed``; a template the table does not know is matched as a pattern.
    """
    spec = spec.strip()
    if spec == "*":
        return True
    want_method, _, template = spec.partition(" ")
    template = template.strip() or "*"
    if want_method != "*" and want_method.upper() != method:
        return False
    if template == "*":
        return True
    template = bare_path(template) or template
    if shape(template) == route.shape:
        return True
    known = any(r.shape == shape(template) for r, _ in _compiled())
    return not known and bool(_pattern(template).match(bare))


_SESSION_IN_PATH = re.compile(r"^/sessions/(?:online/|batch/)?(?!online$|batch$)([^/]+)")


def session_reference(bare: str) -> str | None:
    """The session reference number a path names, if any."""
    match = _SESSION_IN_PATH.match(bare)
    return match.group(1) if match else None


def limits_for(group: str, overrides: dict[str, RateLimit]) -> RateLimit:
    """The spec's limits of ``group`` with a scenario's per-window overrides on top."""
    base = GROUP_LIMITS.get(group, GROUP_LIMITS["other"])
    over = overrides.get(group)
    if over is None:
        return base
    return RateLimit(
        per_second=over.per_second if over.per_second is not None else base.per_second,
        per_minute=over.per_minute if over.per_minute is not None else base.per_minute,
        per_hour=over.per_hour if over.per_hour is not None else base.per_hour,
    )
