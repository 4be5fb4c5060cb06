"""Schema-valid scenario data (plain dicts and lists) → the frozen IR.

Only called after ``schema.json`` accepted the data, so every key is known and every
value has the right type; absent keys take the IR's defaults.
"""

from __future__ import annotations

from typing import Any

from mock_ksef.scenario.credential_seeds import grant_seeds, token_seeds
from mock_ksef.scenario.model import (
    AuthPlan,
    CredentialsPlan,
    Delay,
    EnrollmentPlan,
    ExportPlan,
    Fault,
    InboxPlan,
    InvoiceMatch,
    InvoiceRule,
    Outcome,
    RateLimit,
    RateLimitPlan,
    RetrievalPlan,
    Scenario,
    Selector,
    SessionPlan,
)

Data = dict[str, Any]


def build_scenario(data: Data, source: str, *, default_name: str) -> Scenario:
    """The :class:`Scenario` described by schema-valid ``data`` read from ``source``."""
    return Scenario(
        name=data.get("name", default_name),
        description=str(data.get("description", "")).strip(),
        select=_selector(data.get("select", {})),
        auth=_auth(data.get("auth", {})),
        online=_session(data.get("online", {})),
        batch=_session(data.get("batch", {})),
        invoices=tuple(_rule(rule) for rule in data.get("invoices", [])),
        faults=tuple(_fault(fault) for fault in data.get("faults", [])),
        rate_limits=_rate_limits(data.get("rate_limits", {})),
        retrieval=_retrieval(data.get("retrieval", {})),
        enrollment=_enrollment(data.get("enrollment", {})),
        export=_export(data.get("export", {})),
        inbox=_inbox(data.get("inbox", {})),
        credentials=_credentials(
            data.get("credentials", {}), tuple(data.get("select", {}).get("contexts", ()))
        ),
        source=source,
    )


def _selector(data: Data) -> Selector:
    return Selector(
        contexts=tuple(data.get("contexts", ())),
        tokens=tuple(data.get("tokens", ())),
        default=bool(data.get("default", False)),
    )


def _delay(data: Data) -> Delay:
    return Delay(seconds=float(data.get("seconds", 0)), polls=int(data.get("polls", 0)))


def _outcome(data: Data) -> Outcome:
    details = data.get("details")
    status_code = data.get("status_code")
    return Outcome(
        code=int(data["code"]),
        details=None if details is None else tuple(str(line) for line in details),
        status_code=None if status_code is None else int(status_code),
    )


def _optional_int(data: Data, key: str) -> int | None:
    value = data.get(key)
    return None if value is None else int(value)


def _auth(data: Data) -> AuthPlan:
    permissions = data.get("permissions")
    outcome = data.get("outcome")
    return AuthPlan(
        delay=_delay(data.get("delay", {})),
        outcome=Outcome(200) if outcome is None else _outcome(outcome),
        permissions=None if permissions is None else tuple(permissions),
        operation_token_seconds=_optional_int(data, "operation_token_seconds"),
        access_token_seconds=_optional_int(data, "access_token_seconds"),
        refresh_token_seconds=_optional_int(data, "refresh_token_seconds"),
    )


def _enrollment(data: Data) -> EnrollmentPlan:
    outcome = data.get("outcome")
    return EnrollmentPlan(
        delay=_delay(data.get("delay", {})),
        outcome=None if outcome is None else _outcome(outcome),
    )


def _credentials(data: Data, selected: tuple[str, ...]) -> CredentialsPlan:
    forced = data.get("permission_op")
    return CredentialsPlan(
        mode=data.get("mode"),
        token_activation_polls=int(data.get("token_activation_polls", 0)),
        token_revoking_polls=int(data.get("token_revoking_polls", 0)),
        token_activation=data.get("token_activation"),
        token_failure_details=tuple(str(d) for d in data.get("token_failure_details", ())),
        permission_op_polls=int(data.get("permission_op_polls", 0)),
        permission_op=None if forced is None else _outcome(forced),
        grants=grant_seeds(data, selected),
        tokens=token_seeds(data),
    )


def _session(data: Data) -> SessionPlan:
    outcome = data.get("outcome")
    return SessionPlan(
        processing=_delay(data.get("processing", {})),
        outcome=None if outcome is None else _outcome(outcome),
        validity_seconds=_optional_int(data, "validity_seconds"),
        upload_window_seconds=_optional_int(data, "upload_window_seconds"),
        send_unavailable_after=_unavailable_after(data.get("send_unavailable")),
    )


def _unavailable_after(data: Data | None) -> int | None:
    return None if data is None else int(data.get("after_invoices", 0))


def _match(match: Data) -> InvoiceMatch:
    return InvoiceMatch(
        position=_optional_int(match, "position"),
        invoice_number=match.get("invoice_number"),
        seller_nip=match.get("seller_nip"),
    )


def _rule(data: Data) -> InvoiceRule:
    return InvoiceRule(match=_match(data["match"]), outcome=_outcome(data["outcome"]))


def _retrieval(data: Data) -> RetrievalPlan:
    match = data.get("delay_match")
    return RetrievalPlan(
        download_lag_seconds=float(data.get("download_lag_seconds", 0)),
        permanent_storage_delay_seconds=float(data.get("permanent_storage_delay_seconds", 0)),
        delay_match=None if match is None else _match(match),
        max_results=int(data.get("max_results", 10_000)),
        hwm_lag_seconds=float(data.get("hwm_lag_seconds", 0)),
    )


def _export(data: Data) -> ExportPlan:
    plan = ExportPlan()
    values = {name: data[name] for name in plan.__dataclass_fields__ if name in data}
    return ExportPlan(**values)


def _inbox(data: Data) -> InboxPlan:
    values = {k: v for k, v in data.items() if k != "mix"}
    for name in ("start", "end"):
        if name in values:
            values[name] = str(values[name])
    mix = tuple(sorted((str(k), float(v)) for k, v in data.get("mix", {}).items()))
    return InboxPlan(**values, mix=mix)


def _fault(data: Data) -> Fault:
    return Fault(
        kind=data["kind"],
        route=data.get("route", "*"),
        status=int(data.get("status", 503)),
        body=data.get("body", "spec"),
        retry_after=_optional_int(data, "retry_after"),
        latency_ms=int(data.get("latency_ms", 0)),
        after=int(data.get("after", 0)),
        times=_optional_int(data, "times"),
        probability=float(data.get("probability", 1.0)),
    )


def _rate_limits(data: Data) -> RateLimitPlan:
    groups = {
        name: RateLimit(
            per_second=_optional_int(limits, "per_second"),
            per_minute=_optional_int(limits, "per_minute"),
            per_hour=_optional_int(limits, "per_hour"),
        )
        for name, limits in data.get("groups", {}).items()
    }
    if "public" in groups:  # the group's name before the spec called it ``anonymous``
        groups.setdefault("anonymous", groups["public"])
        del groups["public"]
    return RateLimitPlan(enabled=bool(data.get("enabled", False)), groups=groups)
