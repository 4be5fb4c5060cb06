"""KSeF numbers and reference numbers for generated invoices (the project's CRC-8 code)."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from mock_ksef.ids import IdFactory, RefType
from mock_ksef.inbox.polish_days import PolishDays

#: Generated invoices count their sequence from here, far above the numbers a live mock
#: hands out (the live ``ksef``/``reference`` sequences start at 1), so the two never meet.
KSEF_SEQUENCE_BASE = 0xA00000
REFERENCE_SEQUENCE_BASE = 0xA000000000


class InboxIds(Protocol):
    """Where generated invoices get their identifiers."""

    def ksef_number(self, seller_nip: str, when: datetime) -> str:
        """A KSeF number for an invoice of ``seller_nip`` accepted at ``when``."""
        ...

    def reference(self, kind: RefType, when: datetime) -> str:
        """A reference number (session ``SO``, invoice ``EE``) created at ``when``."""
        ...


@dataclass
class _InboxIdFactory(IdFactory):
    """:class:`IdFactory` remembering the Polish day of the last instant (they ascend)."""

    days: PolishDays = field(default_factory=PolishDays)

    def _day(self, when: datetime) -> str:
        self.days.of(when)
        return self.days.compact


class SeededIds:
    """:class:`InboxIds` from a seeded generator and counters above the live sequences."""

    def __init__(self, rng: random.Random) -> None:
        self._factory = _InboxIdFactory(rng)
        self._ksef = KSEF_SEQUENCE_BASE
        self._reference = REFERENCE_SEQUENCE_BASE

    def ksef_number(self, seller_nip: str, when: datetime) -> str:
        """See :class:`InboxIds`."""
        self._ksef += 1
        return self._factory.ksef_number(seller_nip, when, self._ksef)

    def reference(self, kind: RefType, when: datetime) -> str:
        """See :class:`InboxIds`."""
        self._reference += 1
        return self._factory.reference(kind, when, self._reference)
