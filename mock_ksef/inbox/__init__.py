"""Incoming invoices made with Faker: an inbox of N invoices for one buyer over a period.

:func:`generate_inbox` yields :class:`GeneratedInvoice` values (exact XML bytes, hash,
KSeF number, dates, metadata); :func:`store_inbox` saves them as the mock saves the
invoices it accepts. See ``docs/inbox.md``.
"""

from __future__ import annotations

from mock_ksef.inbox.generated import GeneratedInvoice, Identifier, ThirdSubject
from mock_ksef.inbox.generator import generate_inbox
from mock_ksef.inbox.seeded_ids import InboxIds, SeededIds
from mock_ksef.inbox.spec import Buyer, InboxSpec, InboxSpecError, InvoiceMix
from mock_ksef.inbox.storing import storage_dates, store_inbox

__all__ = [
    "Buyer",
    "GeneratedInvoice",
    "Identifier",
    "InboxIds",
    "InboxSpec",
    "InboxSpecError",
    "InvoiceMix",
    "SeededIds",
    "ThirdSubject",
    "generate_inbox",
    "storage_dates",
    "store_inbox",
]
