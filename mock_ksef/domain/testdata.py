"""What the official ``/testdata/*`` endpoints record, and the limits the mock enforces.

Everything lives in the store (so ``/_mock/reset`` forgets it and worker processes sharing
a SQLite store agree): test subjects and persons, granted permissions, attachment consents,
blocked authentication contexts, and per-context overrides of the session limits and of
the rate limits. The readers here are what the rest of the mock asks:

- :func:`session_limits` — invoices per session and invoice sizes (online 21155, batch 420,
  invoice 430);
- :func:`collective_identifier_max_invoices` — invoices per collective identifier (IZ);
- :func:`rate_limit_override` — a context's limiter values (``http/limits.py`` combines
  them with the scenario's plan);
- :func:`is_blocked` — a login to a blocked context ends in auth status 480;
- :func:`has_attachment_consent` — a batch invoice with ``Zalacznik`` needs it (else 415).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from mock_ksef.domain.auth.values import ContextId
from mock_ksef.scenario.model import RateLimit
from mock_ksef.settings import Settings
from mock_ksef.store.base import Store
from mock_ksef.store.generation import RATE_LIMITS, bump, never_written
from mock_ksef.store.kinds import (
    TESTDATA_ATTACHMENT,
    TESTDATA_BLOCKED_CONTEXT,
    TESTDATA_PERMISSION,
    TESTDATA_PERSON,
    TESTDATA_RATE_LIMITS,
    TESTDATA_SESSION_LIMITS,
    TESTDATA_SUBJECT,
)

#: The names ``domain/credentials/credential_repo.py`` reads (``testdata.PERSON``…) until
#: it imports the kinds from :mod:`mock_ksef.store.kinds` itself; not new kinds.
SUBJECT = TESTDATA_SUBJECT
PERSON = TESTDATA_PERSON
PERMISSION = TESTDATA_PERMISSION

#: The spec's sizes are whole MB; KSeF's 1 MB invoice limit is 1 000 000 B (BRIEF 5).
MB = 1_000_000
ONLINE = "onlineSession"
BATCH = "batchSession"
COLLECTIVE = "collectiveIdentifier"
#: Invoices per collective identifier (IZ) unless ``/testdata/limits`` says otherwise
#: (the spec's example and ``limity.md``; BRIEF-IZ 4).
DEFAULT_IZ_MAX_INVOICES = 500


@dataclass(frozen=True)
class SessionLimits:
    """Limits of one session type in one context."""

    max_invoices: int
    max_invoice_bytes: int
    max_invoice_with_attachment_bytes: int

    def to_doc(self) -> dict[str, int]:
        """The spec's ``*SessionContextLimits`` shape (sizes in whole MB, rounded down)."""
        return {
            "maxInvoiceSizeInMB": self.max_invoice_bytes // MB,
            "maxInvoiceWithAttachmentSizeInMB": self.max_invoice_with_attachment_bytes // MB,
            "maxInvoices": self.max_invoices,
        }

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> SessionLimits:
        """Read the spec's shape (sizes in MB)."""
        return cls(
            max_invoices=int(doc["maxInvoices"]),
            max_invoice_bytes=int(doc["maxInvoiceSizeInMB"]) * MB,
            max_invoice_with_attachment_bytes=int(doc["maxInvoiceWithAttachmentSizeInMB"]) * MB,
        )


def default_session_limits(settings: Settings) -> SessionLimits:
    """The limits from the settings (the same for online and batch sessions)."""
    return SessionLimits(
        settings.max_invoices_per_session,
        settings.max_invoice_bytes,
        settings.max_invoice_with_attachment_bytes,
    )


def session_limits(
    store: Store, defaults: SessionLimits, context: ContextId, session_type: str
) -> SessionLimits:
    """The limits in force for ``session_type`` (``onlineSession``/``batchSession``) sessions:
    those set through ``/testdata/limits``, else ``defaults`` (the settings')."""
    doc = store.get(TESTDATA_SESSION_LIMITS, context.key)
    if doc is None or session_type not in doc:
        return defaults
    return SessionLimits.from_doc(doc[session_type])


def collective_identifier_max_invoices(store: Store, context: ContextId) -> int:
    """How many invoices one collective identifier created in ``context`` may hold."""
    doc = store.get(TESTDATA_SESSION_LIMITS, context.key)
    if doc is None or COLLECTIVE not in doc:
        return DEFAULT_IZ_MAX_INVOICES
    return int(doc[COLLECTIVE]["maxInvoices"])


def set_session_limits(
    store: Store, context: ContextId, online: Any, batch: Any, collective_max_invoices: int
) -> None:
    """Record ``POST /testdata/limits/context/session`` (the spec's shapes, sizes in MB)."""
    store.put(
        TESTDATA_SESSION_LIMITS,
        context.key,
        {
            ONLINE: dict(online),
            BATCH: dict(batch),
            COLLECTIVE: {"maxInvoices": collective_max_invoices},
        },
    )


def clear_session_limits(store: Store, context: ContextId) -> None:
    """``DELETE /testdata/limits/context/session``: back to the settings (and 500 per IZ)."""
    store.delete(TESTDATA_SESSION_LIMITS, context.key)


# --- rate limits ---------------------------------------------------------------------------
def set_rate_limits(store: Store, context_value: str, groups: dict[str, RateLimit]) -> None:
    """Record per-group rate limits for a context (they switch the limiter on for it)."""
    store.put(
        TESTDATA_RATE_LIMITS,
        context_value,
        {
            name: [limit.per_second, limit.per_minute, limit.per_hour]
            for name, limit in groups.items()
        },
    )
    bump(store, RATE_LIMITS)  # every worker's limiter reads overrides from now on


def clear_rate_limits(store: Store, context_value: str) -> None:
    """``DELETE /testdata/rate-limits``: the scenario's limiter settings apply again."""
    store.delete(TESTDATA_RATE_LIMITS, context_value)


def rate_limit_override(store: Store, context_value: str | None) -> dict[str, RateLimit] | None:
    """The limits set through ``/testdata/rate-limits`` for a context, if any."""
    if context_value is None or never_written(store, RATE_LIMITS):
        return None  # no store read on every request while no context has limits
    doc = store.get(TESTDATA_RATE_LIMITS, context_value)
    if doc is None:
        return None
    return {name: RateLimit(*values) for name, values in doc.items()}


# --- authentication blocks -----------------------------------------------------------------
def block_context(store: Store, context: ContextId) -> None:
    """``POST /testdata/context/block``: later logins to ``context`` end in 480."""
    store.put(TESTDATA_BLOCKED_CONTEXT, context.key, {"type": context.type, "value": context.value})


def unblock_context(store: Store, context: ContextId) -> None:
    """``POST /testdata/context/unblock``."""
    store.delete(TESTDATA_BLOCKED_CONTEXT, context.key)


def is_blocked(store: Store, context: ContextId) -> bool:
    """Whether logins to ``context`` are blocked."""
    return store.get(TESTDATA_BLOCKED_CONTEXT, context.key) is not None


# --- attachment consent --------------------------------------------------------------------
def grant_attachment(store: Store, nip: str) -> None:
    """``POST /testdata/attachment``: invoices with attachments allowed for ``nip``."""
    store.put(TESTDATA_ATTACHMENT, nip, {"nip": nip, "until": None})


def revoke_attachment(store: Store, nip: str, end: date | None) -> None:
    """``POST /testdata/attachment/revoke``: at once, or after ``end`` (a Polish date)."""
    if end is None:
        store.delete(TESTDATA_ATTACHMENT, nip)
    elif store.get(TESTDATA_ATTACHMENT, nip) is not None:
        store.put(TESTDATA_ATTACHMENT, nip, {"nip": nip, "until": end.isoformat()})


def has_attachment_consent(store: Store, nip: str | None, today: date) -> bool:
    """Whether ``nip`` may send invoices with attachments on (Polish) day ``today``."""
    doc = store.get(TESTDATA_ATTACHMENT, nip) if nip else None
    if doc is None:
        return False
    until = doc.get("until")
    return until is None or today <= date.fromisoformat(str(until))


# --- subjects, persons, permissions --------------------------------------------------------
def put_record(store: Store, kind: str, key: str, doc: dict[str, Any]) -> None:
    """Record (or replace) a test subject, person or permission grant."""
    store.put(kind, key, doc)


def remove_record(store: Store, kind: str, key: str) -> None:
    """Forget a test subject, person or permission grant (unknown keys are fine)."""
    store.delete(kind, key)


def records(store: Store, kind: str) -> list[dict[str, Any]]:
    """Every record of ``kind``, oldest first."""
    return store.find(kind)
