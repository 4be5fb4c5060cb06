"""What the dashboard shows, as JSON: one snapshot per poll, and a session's invoices.

Sessions are read through the control API's :func:`~mock_ksef.admin.sessions.all_sessions`
(advanced to the mock's now, no poll counted), so the dashboard never changes what a
client sees except by applying transitions that are already due.
"""

from __future__ import annotations

from typing import Any

from mock_ksef.admin.scenarios import describe
from mock_ksef.admin.sessions import all_sessions, timeline
from mock_ksef.dashboard.inbox_feed import inbox_view
from mock_ksef.domain.invoice import Invoice
from mock_ksef.domain.session import Session, common_status
from mock_ksef.http.traffic_edge import control_of
from mock_ksef.scenario.model import NATURAL
from mock_ksef.scenario.registry import DEFAULT_KEY, UnknownScenario
from mock_ksef.services import Services
from mock_ksef.store.kinds import SCENARIO_BINDING
from mock_ksef.timefmt import iso

#: Journal entries a snapshot carries by default (newest first), and the most it may ask.
JOURNAL_DEFAULT = 40
JOURNAL_MAX = 500
#: Sessions a snapshot carries (newest first); older ones are counted only.
SESSIONS_MAX = 50


def family(code: int) -> str:
    """The status family a session code belongs to (``CommonSessionStatus``)."""
    return common_status(code)


def invoice_family(code: int) -> str:
    """The status family of an invoice code: in progress, succeeded or failed."""
    if code in (100, 150):
        return "InProgress"
    return "Succeeded" if code == 200 else "Failed"


def session_view(session: Session) -> dict[str, Any]:
    """A session's timeline plus the family of its status and of each transition.

    The last transition also carries the current status details (e.g. 440 "Nie
    przesłano faktur"); the store keeps details for the current status only.
    """
    view = timeline(session)
    view["family"] = family(session.status_code)
    history: list[dict[str, Any]] = view["history"]
    for n, event in enumerate(history, start=1):
        event["family"] = family(int(event["code"]))
        last = n == len(history) and event["code"] == session.status_code
        event["details"] = list(session.status_details) if last else []
    return view


def _scenarios(svc: Services, sessions: list[Session]) -> dict[str, Any]:
    bindings = {str(doc["key"]): str(doc["scenario"]) for doc in svc.store.find(SCENARIO_BINDING)}
    default = bindings.pop(DEFAULT_KEY, None)
    in_use: dict[str, list[str]] = {}
    for session in sessions:
        contexts = in_use.setdefault(session.scenario, [])
        if session.context.value not in contexts:
            contexts.append(session.context.value)
    names = sorted({*in_use, *bindings.values(), *([default] if default else [])})
    active = []
    for name in names:
        try:
            summary = describe(svc.scenarios.get(name))
        except UnknownScenario:
            summary = {"name": name, "description": "(no longer loaded)", "selector": None}
        summary["boundContexts"] = sorted(c for c, s in bindings.items() if s == name)
        summary["sessionContexts"] = in_use.get(name, [])
        summary["runtimeDefault"] = name == default
        active.append(summary)
    return {
        "active": active,
        "runtimeDefault": default,
        "bindings": bindings,
        "loaded": [
            {
                "name": s.name,
                "contexts": list(s.select.contexts),
                "default": s.select.default,
                "builtin": s.name == NATURAL.name,
            }
            for s in svc.scenarios.all()
        ],
    }


def snapshot(
    svc: Services, journal_limit: int = JOURNAL_DEFAULT, inbox: str | None = None
) -> dict[str, Any]:
    """Everything the dashboard shows at once: clock, sessions, scenarios, journal, and
    the inbox and exports of the context ``inbox`` (or of the first with an inbox)."""
    clock = svc.clock
    sessions = all_sessions(svc)
    entries = control_of(svc).journal.entries()
    return {
        "clock": {
            "now": iso(svc.now()),
            "kind": getattr(clock, "kind", "custom"),
            "movable": hasattr(clock, "shift") and hasattr(clock, "move_to"),
        },
        "sessions": [session_view(s) for s in sessions[:SESSIONS_MAX]],
        "sessionCount": len(sessions),
        "scenarios": _scenarios(svc, sessions),
        "requests": entries[::-1][: max(0, min(journal_limit, JOURNAL_MAX))],
        "requestCount": len(entries),
        "inbox": inbox_view(svc.store, inbox, svc.now()),
    }


def invoice_view(invoice: Invoice) -> dict[str, Any]:
    """One invoice row: numbers, status code, description, details and family."""
    return {
        "ordinalNumber": invoice.ordinal,
        "referenceNumber": invoice.reference,
        "invoiceNumber": invoice.invoice_number,
        "ksefNumber": invoice.ksef_number,
        "invoicingDate": iso(invoice.invoicing_date),
        "invoiceHash": invoice.invoice_hash,
        "fileName": invoice.file_name,
        "status": {
            "code": invoice.status_code,
            "description": invoice.status_description,
            "details": list(invoice.status_details),
        },
        "family": invoice_family(invoice.status_code),
    }


def session_invoices(svc: Services, reference: str) -> list[dict[str, Any]]:
    """The invoices of a session in ordinal order."""
    return [invoice_view(i) for i in svc.repos.invoices_in_session(reference)]
