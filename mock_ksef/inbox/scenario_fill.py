"""A scenario's ``inbox:`` block: each context it applies to gets its inbox once.

Filled on the context's first retrieval call (metadata query, download, export) under
the scenario, before the call is answered: the period ends 5 s before that moment (so
every invoice, whose permanent storage follows its invoicing by up to ~4 s, is visible at
once, even on a frozen clock) and starts ``days`` earlier, unless ``start``/``end`` are
given. A store document ``inbox-fill/{scenario}|{context}`` marks it done, so it happens
once per store (every worker, every restart of a kept state) until a reset.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from mock_ksef.domain.auth.values import ContextId
from mock_ksef.domain.repos import Repos
from mock_ksef.inbox.generator import generate_inbox
from mock_ksef.inbox.spec import Buyer, InboxSpec, InvoiceMix
from mock_ksef.inbox.storing import store_inbox
from mock_ksef.scenario.model import InboxPlan
from mock_ksef.store.base import Store
from mock_ksef.store.kinds import INBOX_FILL
from mock_ksef.timefmt import iso

#: How far before the first call the default period ends.
MARGIN = timedelta(seconds=5)


def plan_spec(plan: InboxPlan, context: ContextId, now: datetime) -> InboxSpec:
    """The :class:`InboxSpec` of ``plan`` for ``context`` at its first call ``now``."""
    end = datetime.fromisoformat(plan.end) if plan.end else now - MARGIN
    start = datetime.fromisoformat(plan.start) if plan.start else end - timedelta(days=plan.days)
    mix = InvoiceMix(**dict(plan.mix)) if plan.mix else None
    return InboxSpec(
        Buyer(context.type, context.value),
        plan.count,
        start,
        end,
        form=plan.form,
        mix=mix,
        seed=plan.seed,
        sellers=plan.sellers,
    ).validate()


def fill_once(
    store: Store, plan: InboxPlan, scenario: str, context: ContextId, now: datetime
) -> int:
    """Store the scenario's inbox for ``context`` unless done; how many were stored."""
    if plan.count == 0 or context.type not in ("Nip", "InternalId"):
        return 0
    key = f"{scenario}|{context.key}"
    with store.transaction():
        if store.get(INBOX_FILL, key) is not None:
            return 0
        stored = store_inbox(generate_inbox(plan_spec(plan, context, now)), Repos(store), now=now)
        store.put(INBOX_FILL, key, {"at": iso(now), "stored": stored})
    return stored
