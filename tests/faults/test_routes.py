"""Route templates, rate-limit groups and session references read from paths."""

from __future__ import annotations

import re

import pytest

from mock_ksef.scenario.model import RateLimit
from mock_ksef.traffic.routes import (
    GROUP_LIMITS,
    bare_path,
    limits_for,
    resolve,
    route_matches,
    session_reference,
)

REF = "20261124-SO-2F1A3C0000-1B2C3D4E5F-A1"


@pytest.mark.parametrize(
    ("method", "path", "group"),
    [
        ("POST", "/auth/challenge", "anonymous"),
        ("GET", "/auth/20261124-AU-0000000000-0000000000-00", "anonymous"),
        ("GET", "/auth/sessions", "other"),
        ("POST", "/sessions/online", "onlineSession"),
        ("POST", f"/sessions/online/{REF}/close", "onlineSessionClose"),
        ("POST", f"/sessions/batch/{REF}/close", "batchSessionClose"),
        ("POST", "/collective-identifiers", "collectiveIdentifier"),
        ("GET", "/collective-identifiers/ksef/K", "collectiveIdentifier"),
        ("POST", f"/sessions/online/{REF}/invoices", "invoiceSend"),
        ("POST", "/sessions/batch", "batchSession"),
        ("GET", "/sessions", "sessionList"),
        ("GET", f"/sessions/{REF}", "sessionMisc"),
        ("GET", f"/sessions/{REF}/invoices", "sessionInvoiceList"),
        ("GET", f"/sessions/{REF}/invoices/failed", "sessionInvoiceList"),
        ("GET", f"/sessions/{REF}/invoices/X", "invoiceStatus"),
        ("GET", f"/sessions/{REF}/invoices/ksef/K/upo", "sessionMisc"),
        ("GET", "/invoices/ksef/K", "invoiceDownload"),
        ("GET", "/no/such/route", "other"),
    ],
)
def test_each_route_falls_in_its_spec_group(method, path, group):
    """Requests resolve to the spec's x-rate-limits group (literal paths first)."""
    assert resolve(method, path).group == group


def test_the_table_holds_the_spec_limits():
    """A few rows of the BRIEF §5 table, verbatim."""
    assert GROUP_LIMITS["anonymous"] == RateLimit(60, None, None)
    assert GROUP_LIMITS["global"] == RateLimit(None, None, None)
    assert GROUP_LIMITS["invoiceSend"] == RateLimit(10, 30, 180)
    assert GROUP_LIMITS["sessionList"] == RateLimit(5, 10, 60)
    assert GROUP_LIMITS["invoiceMetadata"] == RateLimit(8, 16, 20)


def test_overrides_replace_only_the_windows_they_name():
    """A scenario's per-group override keeps the spec's value for windows it leaves out."""
    assert limits_for("sessionList", {"sessionList": RateLimit(per_minute=3)}) == RateLimit(
        5, 3, 60
    )
    assert limits_for("invoiceSend", {"sessionList": RateLimit(1, 1, 1)}) == RateLimit(10, 30, 180)


def test_api_prefixes_are_stripped_and_others_are_not_api():
    """``/v2`` and ``/api/v2`` lead to the same bare path; control and storage paths do not."""
    assert bare_path("/v2/sessions") == "/sessions"
    assert bare_path("/api/v2/sessions") == "/sessions"
    assert bare_path("/_mock/reset") is None
    assert bare_path("/storage/00/x/batch-parts/1") is None


def test_fault_routes_compare_templates_not_parameter_names():
    """A fault template covers the operation it names, not a literal sibling route."""
    status = resolve("GET", f"/sessions/{REF}/invoices/X")
    failed = resolve("GET", f"/sessions/{REF}/invoices/failed")
    rule = "GET /sessions/{ref}/invoices/{inv}"
    assert route_matches(rule, "GET", f"/sessions/{REF}/invoices/X", status)
    assert not route_matches(rule, "GET", f"/sessions/{REF}/invoices/failed", failed)
    assert route_matches("* /sessions/{x}/invoices/failed", "GET", "", failed)
    assert route_matches("*", "DELETE", "/anything", resolve("DELETE", "/anything"))
    assert not route_matches("POST /sessions/{r}/invoices/failed", "GET", "", failed)
    assert route_matches("GET /v2/sessions/{r}/invoices/failed", "GET", "", failed)


def test_session_reference_is_read_from_session_paths():
    """Online, batch and status paths name their session; the open routes do not."""
    assert session_reference(f"/sessions/online/{REF}/invoices") == REF
    assert session_reference(f"/sessions/batch/{REF}/close") == REF
    assert session_reference(f"/sessions/{REF}/invoices/failed") == REF
    assert session_reference("/sessions/online") is None
    assert session_reference("/sessions") is None
    assert session_reference("/auth/challenge") is None


def test_every_spec_operation_gets_its_x_rate_limits(openapi):
    """Each of the spec's 83 operations resolves to a group whose limits are its x-rate-limits."""
    wrong = []
    for template, item in openapi.document["paths"].items():
        for method, op in item.items():
            if method not in {"get", "post", "put", "delete"}:
                continue
            path = re.sub(r"\{[^}]+\}", "X", template)
            want = op["x-rate-limits"]
            limits = limits_for(resolve(method.upper(), path).group, {})
            got = {
                k: v
                for k, v in (
                    ("perSecond", limits.per_second),
                    ("perMinute", limits.per_minute),
                    ("perHour", limits.per_hour),
                )
                if v is not None
            }
            if got != want:
                wrong.append(f"{method.upper()} {template}: {got} != {want}")
    assert wrong == []
